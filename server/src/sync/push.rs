//! Applying pushed mutations: each one in its own write transaction, through
//! the same service function as its REST endpoint (ARCHITECTURE.md "One
//! write path"), with its outcome stored under its id so a replay answers the same
//! and changes nothing.
//!
//! A mutation the rules refuse (validation, permission, conflict, suspension)
//! is rolled back and its rejection stored, so retrying it is harmless too. A
//! server-side failure stores nothing and stops the push with a 5xx: the
//! mutations before it stay applied, and the client's retry applies the rest.

use moa_protocol::limits::MAX_PUSH_MUTATIONS;
use moa_protocol::ops::ArgsDecoder;
use moa_protocol::sync::{
    LikeTarget, Mutation, MutationResult, Outcome, PushRequest, PushResponse,
};
use moa_protocol::{ErrorCode, ErrorDetail, Op, PlaceCreated, ProductCreated};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::extract::parse_json;
use crate::social::service::{self as social, Target};
use crate::state::{AppState, Events, quiet};
use crate::util::{now_ms, to_json, to_json_text};
use crate::{catalog, comments, moderation, notifications, reviews, users, validate};

/// Checks the whole request before applying any of it: a bad one is a 422
/// that changes nothing.
fn validate(req: &PushRequest) -> Result<()> {
    if req.mutations.len() > MAX_PUSH_MUTATIONS {
        return Err(Error::invalid(
            "mutations",
            format!("at most {MAX_PUSH_MUTATIONS} mutations per push"),
        ));
    }
    for (i, m) in req.mutations.iter().enumerate() {
        validate::uuid(format!("mutations[{i}].id"), &m.id)?;
    }
    Ok(())
}

/// Applies `req`'s mutations in order and answers their outcomes in order.
pub async fn push(state: &AppState, member: &Actor, req: &PushRequest) -> Result<PushResponse> {
    validate(req)?;
    let mut results = Vec::with_capacity(req.mutations.len());
    for m in &req.mutations {
        let outcome = apply(state, member, m).await?;
        let status = match &outcome {
            Outcome::Applied { .. } => "applied",
            Outcome::Rejected { error } => error.code.as_str(),
        };
        tracing::debug!(mutation_id = %m.id, name = %short(&m.name), status, "mutation");
        results.push(MutationResult {
            id: m.id.clone(),
            outcome,
        });
    }
    Ok(PushResponse { results })
}

/// One mutation: the stored outcome of its id, or applied now.
async fn apply(state: &AppState, member: &Actor, m: &Mutation) -> Result<Outcome> {
    let now = now_ms();
    let applied = state
        .write(async |tx| {
            if let Some(outcome) = stored(tx, member, &m.id).await? {
                return Ok(quiet(outcome));
            }
            member.ensure_can_write()?;
            let phone_required = crate::users::phone::offered(state);
            let hide_at = state.settings.auto_hide_reports;
            let (result, events) = dispatch(tx, member, m, phone_required, hide_at, now).await?;
            let outcome = Outcome::Applied { result };
            store(tx, member, m, &outcome, now).await?;
            Ok((outcome, events))
        })
        .await;
    let refusal = match applied {
        Ok(outcome) => return Ok(outcome),
        // A failure stores nothing: the client retries and it applies then.
        Err(e) => e.refusal().ok_or(e)?,
    };
    // Refused: everything it did is rolled back; its rejection is stored.
    let outcome = Outcome::Rejected {
        error: refusal.into_detail(),
    };
    state
        .write(async |tx| {
            if store(tx, member, m, &outcome, now).await? {
                return Ok(quiet(outcome));
            }
            // Another push of the same id got there in between: answer its outcome.
            let theirs = stored(tx, member, &m.id).await?;
            Ok(quiet(theirs.unwrap_or(outcome)))
        })
        .await
}

/// The outcome stored for mutation `id`, if it was pushed before. An id
/// another member used is refused (ids are UUIDs: only a buggy or hostile
/// client reuses one).
async fn stored(conn: &mut AnyConnection, member: &Actor, id: &str) -> Result<Option<Outcome>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT user_id, outcome FROM mutations WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((user_id, outcome)) = row else {
        return Ok(None);
    };
    if user_id != member.user_id {
        return Ok(Some(Outcome::Rejected {
            error: ErrorDetail {
                code: ErrorCode::Conflict,
                message: "this mutation id was already used by another member".to_owned(),
                field: Some("id".to_owned()),
                current: None,
            },
        }));
    }
    crate::db::json_column(&outcome, "mutation outcome").map(Some)
}

/// Stores the outcome of `m`; `false` if its id is stored already.
async fn store(
    conn: &mut AnyConnection,
    member: &Actor,
    m: &Mutation,
    outcome: &Outcome,
    now: i64,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO mutations (id, user_id, name, outcome, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&m.id)
    .bind(&member.user_id)
    .bind(short(&m.name))
    .bind(to_json_text(outcome)?)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The refusal of a mutation name nothing answers to.
fn unknown(name: &str) -> Error {
    Error::BadRequest {
        code: ErrorCode::UnknownMutation,
        message: format!("no mutation is called {:?}", short(name)),
    }
}

/// At most 100 characters of a client-given name (for storage and logs).
fn short(name: &str) -> String {
    name.chars().take(100).collect()
}

/// A mutation's answer and the events its write caused.
fn with<T: Serialize>(value: &T, events: Events) -> Result<(Value, Events)> {
    Ok((to_json(value)?, events))
}

/// Decodes args as the REST bodies are decoded: errors name the field under
/// `args` (`args.edit.body`), and are rejections of that one mutation.
struct FieldErrors;

impl ArgsDecoder for FieldErrors {
    type Error = Error;

    fn decode<T: DeserializeOwned>(&self, args: &Value) -> Result<T> {
        let bytes = serde_json::to_vec(args)
            .map_err(|e| Error::Internal(format!("cannot encode args: {e}")))?;
        parse_json(&bytes).map_err(|e| match e {
            Error::InvalidField { field, message } => Error::InvalidField {
                field: if field == "body" {
                    "args".to_owned()
                } else {
                    format!("args.{field}")
                },
                message,
            },
            other => other,
        })
    }
}

/// Applies `m` by calling the service function its REST endpoint calls;
/// answers what that endpoint answers. One exhaustive `match`: a new [`Op`]
/// does not compile until it is handled here.
async fn dispatch(
    conn: &mut AnyConnection,
    actor: &Actor,
    m: &Mutation,
    phone_required: bool,
    auto_hide_at: u32,
    now: i64,
) -> Result<(Value, Events)> {
    use crate::chat::service as chat;
    use crate::requests::service as requests;
    match Op::decode_with(&m.name, &m.args, &FieldErrors)? {
        Op::ReviewCreate(req) => {
            let (review, _) = reviews::service::create(conn, actor, &req, now).await?;
            to_json(&review).map(quiet)
        }
        Op::ReviewEdit(a) => {
            to_json(&reviews::service::edit(conn, actor, &a.id, &a.edit, now).await?).map(quiet)
        }
        Op::ReviewDelete(a) => {
            reviews::service::delete(conn, actor, &a.id, now).await?;
            Ok(quiet(Value::Null))
        }
        Op::CommentCreate(a) => {
            let (comment, _) =
                comments::service::create(conn, actor, &a.review_id, &a.comment, now).await?;
            to_json(&comment).map(quiet)
        }
        Op::CommentEdit(a) => {
            to_json(&comments::service::edit(conn, actor, &a.id, &a.edit, now).await?).map(quiet)
        }
        Op::CommentDelete(a) => {
            comments::service::delete(conn, actor, &a.id, now).await?;
            Ok(quiet(Value::Null))
        }
        Op::LikeSet(a) => {
            let target = match a.target_type {
                LikeTarget::Review => Target::Review,
                LikeTarget::Comment => Target::Comment,
            };
            let state = social::set_like(conn, actor, target, &a.target_id, a.liked, now).await?;
            to_json(&state).map(quiet)
        }
        Op::ScrapSet(a) => {
            let state = social::set_scrap(conn, actor, &a.review_id, a.scrapped, now).await?;
            to_json(&state).map(quiet)
        }
        Op::FollowSet(a) => {
            let state = social::set_follow(conn, actor, &a.user_id, a.following, now).await?;
            to_json(&state).map(quiet)
        }
        Op::ReportCreate(req) => to_json(
            &moderation::service::create_report(conn, actor, &req, auto_hide_at, now).await?,
        )
        .map(quiet),
        Op::ProfileUpdate(req) => {
            let user = users::service::update_profile(conn, &actor.user_id, &req, now).await?;
            to_json(&user.to_me()).map(quiet)
        }
        Op::PlaceCreate(req) => {
            let (place, created) = catalog::service::create_place(conn, actor, &req, now).await?;
            to_json(&PlaceCreated { place, created }).map(quiet)
        }
        Op::ProductCreate(req) => {
            let (product, created) =
                catalog::service::create_product(conn, actor, &req, now).await?;
            to_json(&ProductCreated { product, created }).map(quiet)
        }
        Op::PlaceEdit(a) => {
            to_json(&catalog::service::edit_place(conn, actor, &a.id, &a.edit, now).await?)
                .map(quiet)
        }
        Op::PlaceDelete(a) => {
            catalog::service::delete_place(conn, actor, &a.id, now).await?;
            Ok(quiet(Value::Null))
        }
        Op::ProductEdit(a) => {
            to_json(&catalog::service::edit_product(conn, actor, &a.id, &a.edit, now).await?)
                .map(quiet)
        }
        Op::ProductDelete(a) => {
            catalog::service::delete_product(conn, actor, &a.id, now).await?;
            Ok(quiet(Value::Null))
        }
        Op::NotificationsRead(req) => {
            to_json(&notifications::service::mark_read(conn, &actor.user_id, &req, now).await?)
                .map(quiet)
        }
        Op::ChatCreateRoom(req) => {
            let (created, events) = chat::create_room(conn, actor, &req, now).await?;
            with(&created, events)
        }
        Op::ChatUpdateRoom(a) => {
            let (room, events) = chat::update_room(conn, actor, &a.room_id, &a.update, now).await?;
            with(&room, events)
        }
        Op::ChatInvite(a) => {
            let (room, events) = chat::invite(conn, actor, &a.room_id, &a.user_id, now).await?;
            with(&room, events)
        }
        Op::ChatRemove(a) => {
            let events = chat::remove(conn, actor, &a.room_id, &a.user_id, now).await?;
            Ok((Value::Null, events))
        }
        Op::ChatTransfer(a) => {
            let (room, events) = chat::transfer(conn, actor, &a.room_id, &a.user_id, now).await?;
            with(&room, events)
        }
        Op::ChatMute(a) => {
            chat::set_muted(conn, actor, &a.room_id, a.muted, now).await?;
            Ok(quiet(Value::Null))
        }
        Op::ChatSend(a) => {
            let ((message, _), events) =
                chat::send(conn, actor, &a.room_id, &a.message, now).await?;
            with(&message, events)
        }
        Op::ChatEdit(a) => {
            let (message, events) =
                chat::edit(conn, actor, &a.room_id, &a.message_id, &a.body, now).await?;
            with(&message, events)
        }
        Op::ChatDelete(a) => {
            let (_, events) = chat::delete(conn, actor, &a.room_id, &a.message_id, now).await?;
            Ok((Value::Null, events))
        }
        Op::ChatRead(a) => {
            let (_, events) = chat::mark_read(conn, actor, &a.room_id, a.seq, now).await?;
            Ok((Value::Null, events))
        }
        Op::OrderCancel(a) => {
            to_json(&crate::shop::orders::cancel(conn, actor, &a.id, &a.reason, now).await?)
                .map(quiet)
        }
        Op::CampaignScrap(a) => to_json(
            &crate::shop::campaigns::set_scrap(conn, actor, &a.campaign_id, a.scrapped, now)
                .await?,
        )
        .map(quiet),
        Op::RequestCreate(input) => {
            to_json(&requests::create(conn, actor, &input, now).await?).map(quiet)
        }
        Op::RequestEdit(input) => {
            to_json(&requests::edit(conn, actor, &input, now).await?).map(quiet)
        }
        Op::RequestCancel(a) => to_json(&requests::cancel(conn, actor, &a, now).await?).map(quiet),
        Op::RequestComplete(a) => {
            to_json(&requests::complete(conn, actor, &a.id, now).await?).map(quiet)
        }
        Op::RequestReview(input) => {
            to_json(&requests::review(conn, actor, &input, now).await?).map(quiet)
        }
        Op::QuoteSet(input) => {
            crate::users::phone::require_verified(conn, phone_required, &actor.user_id, "quoting")
                .await?;
            to_json(&requests::set_quote(conn, actor, &input, now).await?).map(quiet)
        }
        Op::QuoteWithdraw(a) => {
            to_json(&requests::withdraw_quote(conn, actor, &a.id, now).await?).map(quiet)
        }
        Op::ViewsRecord(a) => {
            to_json(&crate::discovery::views::record(conn, actor, &a.review_ids, now).await?)
                .map(quiet)
        }
        Op::Unknown { name, .. } => Err(unknown(&name)),
    }
}
