//! Applying pushed mutations: each one in its own write transaction, through
//! the same service function as its REST endpoint (DESIGN.md "One write
//! path"), with its outcome stored under its id so a replay answers the same
//! and changes nothing.
//!
//! A mutation the rules refuse (validation, permission, conflict, suspension)
//! is rolled back and its rejection stored, so retrying it is harmless too. A
//! server-side failure stores nothing and stops the push with a 5xx: the
//! mutations before it stay applied, and the client's retry applies the rest.

use moa_protocol::limits::MAX_PUSH_MUTATIONS;
use moa_protocol::sync::{
    CreateCommentArgs, EditCommentArgs, EditReviewArgs, IdArgs, LikeTarget, Mutation,
    MutationResult, Outcome, PushRequest, PushResponse, SetFollowArgs, SetLikeArgs, SetScrapArgs,
    names,
};
use moa_protocol::{
    CreatePlaceRequest, CreateProductRequest, CreateReportRequest, CreateReviewRequest,
    ErrorDetail, MarkReadRequest, PlaceCreated, ProductCreated, UpdateProfileRequest, codes,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::{AnyConnection, Row};

use crate::error::{Error, Result};
use crate::extract::{Member, parse_json};
use crate::realtime::Event;
use crate::social::service::{self as social, Target};
use crate::state::AppState;
use crate::util::{is_uuid, now_ms};
use crate::{catalog, comments, moderation, notifications, reviews, users};

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
        if !is_uuid(&m.id) {
            return Err(Error::invalid(
                format!("mutations[{i}].id"),
                "must be a lowercase UUID (v7 preferred)",
            ));
        }
    }
    Ok(())
}

/// Applies `req`'s mutations in order and answers their outcomes in order.
pub async fn push(state: &AppState, member: &Member, req: &PushRequest) -> Result<PushResponse> {
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
async fn apply(state: &AppState, member: &Member, m: &Mutation) -> Result<Outcome> {
    let db = &state.db;
    let now = now_ms();
    let mut events = Vec::new();
    let mut tx = db.begin_write().await?;
    if let Some(outcome) = stored(&mut tx, member, &m.id).await? {
        tx.rollback().await?;
        return Ok(outcome);
    }
    let applied = match member.ensure_can_write() {
        Ok(()) => dispatch(&mut tx, member, m, now, &mut events).await,
        Err(e) => Err(e),
    };
    let error = match applied {
        Ok(result) => {
            let outcome = Outcome::Applied { result };
            store(&mut tx, member, m, &outcome, now).await?;
            state.realtime.commit(tx, events).await?;
            return Ok(outcome);
        }
        Err(e) => e,
    };
    let (status, detail) = error.detail();
    if !status.is_client_error() {
        // Nothing stored: the client retries and it applies then.
        return Err(error);
    }
    tx.rollback().await?;
    let outcome = Outcome::Rejected { error: detail };
    let mut tx = db.begin_write().await?;
    let outcome = if store(&mut tx, member, m, &outcome, now).await? {
        outcome
    } else {
        // Another push of the same id got there in between: answer its outcome.
        stored(&mut tx, member, &m.id).await?.unwrap_or(outcome)
    };
    tx.commit().await?;
    Ok(outcome)
}

/// The outcome stored for mutation `id`, if it was pushed before. An id
/// another member used is refused (ids are UUIDs: only a buggy or hostile
/// client reuses one).
async fn stored(conn: &mut AnyConnection, member: &Member, id: &str) -> Result<Option<Outcome>> {
    let row = sqlx::query("SELECT user_id, outcome FROM mutations WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let user_id: String = row.try_get("user_id")?;
    if user_id != member.user_id {
        return Ok(Some(Outcome::Rejected {
            error: ErrorDetail {
                code: codes::CONFLICT.to_owned(),
                message: "this mutation id was already used by another member".to_owned(),
                field: Some("id".to_owned()),
                current: None,
            },
        }));
    }
    let outcome: String = row.try_get("outcome")?;
    serde_json::from_str(&outcome)
        .map(Some)
        .map_err(|e| Error::Internal(format!("corrupt mutation outcome: {e}")))
}

/// Stores the outcome of `m`; `false` if its id is stored already.
async fn store(
    conn: &mut AnyConnection,
    member: &Member,
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
    .bind(to_text(outcome)?)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The refusal of a mutation name nothing answers to.
fn unknown(name: &str) -> Error {
    Error::BadRequest {
        code: codes::UNKNOWN_MUTATION,
        message: format!("no mutation is called {:?}", short(name)),
    }
}

/// At most 100 characters of a client-given name (for storage and logs).
fn short(name: &str) -> String {
    name.chars().take(100).collect()
}

fn to_text<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("cannot encode: {e}")))
}

fn to_json<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::Internal(format!("cannot encode: {e}")))
}

/// The mutation's args as `T`; errors name the field under `args`.
fn args<T: DeserializeOwned>(m: &Mutation) -> Result<T> {
    let bytes = serde_json::to_vec(&m.args)
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

/// Applies `m` by calling the service function its REST endpoint calls;
/// answers what that endpoint answers.
async fn dispatch(
    conn: &mut AnyConnection,
    actor: &Member,
    m: &Mutation,
    now: i64,
    events: &mut Vec<Event>,
) -> Result<Value> {
    match m.name.as_str() {
        names::REVIEW_CREATE => {
            let req: CreateReviewRequest = args(m)?;
            let (review, _) = reviews::service::create(conn, actor, &req, now).await?;
            to_json(&review)
        }
        names::REVIEW_EDIT => {
            let a: EditReviewArgs = args(m)?;
            to_json(&reviews::service::edit(conn, actor, &a.id, &a.edit, now).await?)
        }
        names::REVIEW_DELETE => {
            let a: IdArgs = args(m)?;
            reviews::service::delete(conn, actor, &a.id, now).await?;
            Ok(Value::Null)
        }
        names::COMMENT_CREATE => {
            let a: CreateCommentArgs = args(m)?;
            let (comment, _) =
                comments::service::create(conn, actor, &a.review_id, &a.comment, now).await?;
            to_json(&comment)
        }
        names::COMMENT_EDIT => {
            let a: EditCommentArgs = args(m)?;
            to_json(&comments::service::edit(conn, actor, &a.id, &a.edit, now).await?)
        }
        names::COMMENT_DELETE => {
            let a: IdArgs = args(m)?;
            comments::service::delete(conn, actor, &a.id, now).await?;
            Ok(Value::Null)
        }
        names::LIKE_SET => {
            let a: SetLikeArgs = args(m)?;
            let target = match a.target_type {
                LikeTarget::Review => Target::Review,
                LikeTarget::Comment => Target::Comment,
            };
            let state = if a.liked {
                social::like(conn, actor, target, &a.target_id, now).await?
            } else {
                social::unlike(conn, actor, target, &a.target_id, now).await?
            };
            to_json(&state)
        }
        names::SCRAP_SET => {
            let a: SetScrapArgs = args(m)?;
            let state = if a.scrapped {
                social::scrap(conn, actor, &a.review_id, now).await?
            } else {
                social::unscrap(conn, actor, &a.review_id, now).await?
            };
            to_json(&state)
        }
        names::FOLLOW_SET => {
            let a: SetFollowArgs = args(m)?;
            let state = if a.following {
                social::follow(conn, actor, &a.user_id, now).await?
            } else {
                social::unfollow(conn, actor, &a.user_id, now).await?
            };
            to_json(&state)
        }
        names::REPORT_CREATE => {
            let req: CreateReportRequest = args(m)?;
            to_json(&moderation::service::create_report(conn, actor, &req, now).await?)
        }
        names::PROFILE_UPDATE => {
            let req: UpdateProfileRequest = args(m)?;
            let user = users::service::update_profile(conn, &actor.user_id, &req, now).await?;
            to_json(&user.to_me())
        }
        names::PLACE_CREATE => {
            let req: CreatePlaceRequest = args(m)?;
            let (place, created) = catalog::service::create_place(conn, actor, &req, now).await?;
            to_json(&PlaceCreated { place, created })
        }
        names::PRODUCT_CREATE => {
            let req: CreateProductRequest = args(m)?;
            let (product, created) =
                catalog::service::create_product(conn, actor, &req, now).await?;
            to_json(&ProductCreated { product, created })
        }
        names::NOTIFICATIONS_READ => {
            let req: MarkReadRequest = args(m)?;
            to_json(&notifications::service::mark_read(conn, &actor.user_id, &req, now).await?)
        }
        name if name.starts_with("chat.") => chat_dispatch(conn, actor, m, now, events).await,
        other => Err(unknown(other)),
    }
}

/// The chat mutations (`names::CHAT_*`), whose realtime events go to
/// `events` for the caller to fan out once the transaction commits.
async fn chat_dispatch(
    conn: &mut AnyConnection,
    actor: &Member,
    m: &Mutation,
    now: i64,
    events: &mut Vec<Event>,
) -> Result<Value> {
    use moa_protocol::chat::{CreateRoomRequest, args as chat_args};

    use crate::chat::service as chat;
    match m.name.as_str() {
        names::CHAT_CREATE_ROOM => {
            let req: CreateRoomRequest = args(m)?;
            let (created, ev) = chat::create_room(conn, actor, &req, now).await?;
            events.extend(ev);
            to_json(&created)
        }
        names::CHAT_UPDATE_ROOM => {
            let a: chat_args::UpdateRoom = args(m)?;
            let (room, ev) = chat::update_room(conn, actor, &a.room_id, &a.update, now).await?;
            events.extend(ev);
            to_json(&room)
        }
        names::CHAT_INVITE => {
            let a: chat_args::Member = args(m)?;
            let (room, ev) = chat::invite(conn, actor, &a.room_id, &a.user_id, now).await?;
            events.extend(ev);
            to_json(&room)
        }
        names::CHAT_REMOVE => {
            let a: chat_args::Member = args(m)?;
            events.extend(chat::remove(conn, actor, &a.room_id, &a.user_id, now).await?);
            Ok(Value::Null)
        }
        names::CHAT_TRANSFER => {
            let a: chat_args::Member = args(m)?;
            let (room, ev) = chat::transfer(conn, actor, &a.room_id, &a.user_id, now).await?;
            events.extend(ev);
            to_json(&room)
        }
        names::CHAT_MUTE => {
            let a: chat_args::Mute = args(m)?;
            chat::set_muted(conn, actor, &a.room_id, a.muted, now).await?;
            Ok(Value::Null)
        }
        names::CHAT_SEND => {
            let a: chat_args::Send = args(m)?;
            let (message, created) = chat::send(conn, actor, &a.room_id, &a.message, now).await?;
            if created {
                events.push(Event::message(&message, None));
            }
            to_json(&message)
        }
        names::CHAT_EDIT => {
            let a: chat_args::Edit = args(m)?;
            let message = chat::edit(conn, actor, &a.room_id, &a.message_id, &a.body, now).await?;
            events.push(Event::message(&message, None));
            to_json(&message)
        }
        names::CHAT_DELETE => {
            let a: chat_args::Delete = args(m)?;
            let message = chat::delete(conn, actor, &a.room_id, &a.message_id, now).await?;
            events.push(Event::message(&message, None));
            Ok(Value::Null)
        }
        names::CHAT_READ => {
            let a: chat_args::Read = args(m)?;
            if chat::mark_read(conn, actor, &a.room_id, a.seq, now).await? {
                events.push(Event::read(&a.room_id, &actor.user_id, a.seq));
            }
            Ok(Value::Null)
        }
        other => Err(unknown(other)),
    }
}
