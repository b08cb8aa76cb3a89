//! Push notifications to phones: members register their phones' push
//! tokens (`POST /v1/devices`), and what they would be told in the app —
//! the notification kinds they have not muted, and chat messages — goes to
//! those phones through FCM (Android) or APNs (iOS), but only while they
//! have no realtime socket open on any node ([`presence`]).
//!
//! A notification or a message schedules a `push` job in the transaction
//! that made it (members without phones cost nothing); chat pushes are
//! collapsed per member and room (one job a 10-second window, the phone
//! shows one entry per room, replaced). The job checks presence when it
//! runs, sends to every phone of the member, and forgets tokens the
//! provider calls dead. Devices are forgotten when the session that
//! registered them signs out. Adapters: [`fcm`] and [`apns`], with local
//! fakes in [`fake`] that check the JWTs as the real services do.

pub mod apns;
pub mod fake;
pub mod fcm;
pub mod jwt;
pub mod presence;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moa_protocol::{Device, ErrorBody, NotificationKind, PushPlatform, RegisterDevice};
use serde_json::{Value, json};
use sqlx::AnyConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::Actor;
use crate::db::exec::{Exec, SqlRow};
use crate::error::{Error, Result};
use crate::extract::ApiJson;
use crate::jobs::{self, Job};
use crate::state::AppState;
use crate::util::{new_id, now_ms};

/// The job kind.
pub const JOB: &str = "push";
/// Longest push token taken.
pub const MAX_TOKEN_CHARS: usize = 4096;
/// Phones a member may register (the oldest goes when a new one comes).
pub const MAX_DEVICES: i64 = 10;
/// Chat pushes to one member for one room: at most one a window.
pub const CHAT_WINDOW_MS: i64 = 10_000;

/// Why a push did not go.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The settings are wrong (a key that does not parse): fix them.
    #[error("push settings: {0}")]
    Config(String),
    /// The provider will never take this token (uninstalled app, another
    /// app's token): the device is forgotten.
    #[error("the push token is no longer valid")]
    DeadToken,
    /// Worth trying again later (network, 429, 5xx, an expired credential).
    #[error("push provider unavailable: {0}")]
    Unavailable(String),
    /// Refused for another reason; retrying will not help.
    #[error("push refused: {0}")]
    Refused(String),
}

/// What a phone shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PushMessage {
    pub title: String,
    pub body: String,
    /// Entries with the same key replace each other (a chat room).
    pub collapse_key: Option<String>,
    /// What the app opens (strings only: FCM's `data`).
    pub data: Value,
}

/// The providers this server pushes through.
#[derive(Clone, Debug, Default)]
pub struct PushSettings {
    pub fcm: Option<fcm::FcmSettings>,
    pub apns: Option<apns::ApnsSettings>,
}

/// The adapters, made once from [`PushSettings`].
#[derive(Default)]
pub struct Push {
    pub fcm: Option<fcm::Fcm>,
    pub apns: Option<apns::Apns>,
}

impl Push {
    /// The adapters for `settings`; a provider whose key does not parse is
    /// left out with an error in the log.
    pub fn new(settings: &PushSettings) -> Push {
        let fcm = settings.fcm.clone().and_then(|s| {
            fcm::Fcm::new(s)
                .inspect_err(|e| tracing::error!(error = %e, "FCM is off"))
                .ok()
        });
        let apns = settings.apns.clone().and_then(|s| {
            apns::Apns::new(s)
                .inspect_err(|e| tracing::error!(error = %e, "APNs is off"))
                .ok()
        });
        Push { fcm, apns }
    }

    /// Whether any provider is on.
    pub fn enabled(&self) -> bool {
        self.fcm.is_some() || self.apns.is_some()
    }

    async fn send(
        &self,
        platform: PushPlatform,
        token: &str,
        message: &PushMessage,
        now: i64,
    ) -> std::result::Result<(), PushError> {
        match platform {
            PushPlatform::Android => match &self.fcm {
                Some(fcm) => fcm.send(token, message, now).await,
                None => Ok(()),
            },
            PushPlatform::Ios => match &self.apns {
                Some(apns) => apns.send(token, message, now).await,
                None => Ok(()),
            },
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register_device))
        .routes(routes!(remove_device))
}

/// Register this phone's push token (again: the same token answers the
/// same device, moved to this member and session if it was another's).
#[utoipa::path(
    post, path = "/devices", tag = "notifications", security(("bearer" = [])),
    request_body = RegisterDevice,
    responses(
        (status = 201, description = "Registered", body = Device),
        (status = 200, description = "Registered before: updated", body = Device),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "Unknown platform, or an empty or overlong token", body = ErrorBody),
    )
)]
async fn register_device(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<RegisterDevice>,
) -> Result<(StatusCode, Json<Device>)> {
    let token = req.token.trim();
    if token.is_empty()
        || token.chars().count() > MAX_TOKEN_CHARS
        || token.contains(char::is_whitespace)
    {
        return Err(Error::invalid(
            "token",
            format!("1 to {MAX_TOKEN_CHARS} characters, no spaces"),
        ));
    }
    let now = now_ms();
    let (device, created) = state
        .write_quiet(async |tx| register(tx, &member, req.platform, token, now).await)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(device)))
}

/// Stop pushing to this phone.
#[utoipa::path(
    delete, path = "/devices/{id}", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path, description = "The device id `POST /v1/devices` answered")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = ErrorBody),
        (status = 404, description = "No such device of the member", body = ErrorBody),
    )
)]
async fn remove_device(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let removed = state
        .write_quiet(async |tx| {
            Ok(
                sqlx::query("DELETE FROM devices WHERE id = $1 AND user_id = $2")
                    .bind(&id)
                    .bind(&member.user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
            )
        })
        .await?;
    if removed == 0 {
        return Err(Error::NotFound("no such device".into()));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn register(
    conn: &mut AnyConnection,
    member: &Actor,
    platform: PushPlatform,
    token: &str,
    now: i64,
) -> Result<(Device, bool)> {
    let existing: Option<(String, i64)> =
        sqlx::query_as("SELECT id, created_at FROM devices WHERE token = $1")
            .bind(token)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((id, created_at)) = existing {
        sqlx::query(
            "UPDATE devices SET user_id = $1, session_id = $2, platform = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(&member.user_id)
        .bind(&member.session_id)
        .bind(platform.as_str())
        .bind(now)
        .bind(&id)
        .execute(&mut *conn)
        .await?;
        return Ok((
            Device {
                id,
                platform,
                created_at,
            },
            false,
        ));
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO devices (id, user_id, platform, token, session_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(&member.user_id)
    .bind(platform.as_str())
    .bind(token)
    .bind(&member.session_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // A member's oldest phones go past the limit.
    sqlx::query(
        "DELETE FROM devices WHERE user_id = $1 AND id NOT IN \
         (SELECT id FROM devices WHERE user_id = $1 ORDER BY updated_at DESC, id DESC LIMIT $2)",
    )
    .bind(&member.user_id)
    .bind(MAX_DEVICES)
    .execute(&mut *conn)
    .await?;
    Ok((
        Device {
            id,
            platform,
            created_at: now,
        },
        true,
    ))
}

/// Forgets the phones registered by `session_id` (it signed out).
pub async fn forget_session_devices(conn: &mut AnyConnection, session_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM devices WHERE session_id = $1")
        .bind(session_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn has_devices(conn: &mut AnyConnection, user_id: &str) -> Result<bool> {
    let n: Option<i64> = sqlx::query_scalar("SELECT 1 FROM devices WHERE user_id = $1 LIMIT 1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(n.is_some())
}

/// Korean text for a notification pushed to a phone.
fn notification_text(kind: NotificationKind, actor: &str, preview: &str) -> (String, String) {
    use NotificationKind as K;
    let who = if actor.is_empty() { "모아" } else { actor };
    let (title, body) = match kind {
        K::Like => (format!("{who}님이 좋아해요"), preview.to_owned()),
        K::Comment => (format!("{who}님의 댓글"), preview.to_owned()),
        K::Reply => (format!("{who}님의 답글"), preview.to_owned()),
        K::Follow => (
            "새 팔로워".to_owned(),
            format!("{who}님이 회원님을 팔로우해요"),
        ),
        K::ContentHidden => (
            "운영 안내".to_owned(),
            "회원님의 글이 숨겨졌어요".to_owned(),
        ),
        K::ReportResolved => ("신고 처리 완료".to_owned(), preview.to_owned()),
        K::OrderPaid => ("결제 완료".to_owned(), preview.to_owned()),
        K::CampaignSucceeded => ("공동구매 성공".to_owned(), preview.to_owned()),
        K::CampaignFailed => ("공동구매 무산".to_owned(), preview.to_owned()),
        K::CampaignEndingSoon => ("곧 마감돼요".to_owned(), preview.to_owned()),
        K::RefundCompleted => ("환불 완료".to_owned(), preview.to_owned()),
        K::QuoteReceived => (format!("{who}님의 견적"), preview.to_owned()),
        K::QuoteAccepted => ("견적이 수락됐어요".to_owned(), preview.to_owned()),
        K::QuoteDeclined => ("다른 견적이 수락됐어요".to_owned(), preview.to_owned()),
        K::RequestCompleted => ("부탁 완료".to_owned(), preview.to_owned()),
        K::RequestCancelled => ("부탁 취소".to_owned(), preview.to_owned()),
        K::HelperReviewed => (format!("{who}님의 후기"), preview.to_owned()),
        K::PointsAdded => ("포인트 적립".to_owned(), preview.to_owned()),
    };
    let body = if body.trim().is_empty() {
        "모아에서 확인해 보세요".to_owned()
    } else {
        body
    };
    (title, body)
}

/// A notification to push, as [`enqueue_notification`] takes it.
pub struct NotificationPush<'a> {
    pub user_id: &'a str,
    pub id: &'a str,
    pub kind: NotificationKind,
    pub actor_id: Option<&'a str>,
    pub target_id: &'a str,
    pub preview: &'a str,
}

/// Schedules the push of a notification (in the transaction that made it)
/// if the member has a phone.
pub async fn enqueue_notification(
    conn: &mut AnyConnection,
    n: NotificationPush<'_>,
    now: i64,
) -> Result<()> {
    if !has_devices(conn, n.user_id).await? {
        return Ok(());
    }
    let actor: String = match n.actor_id {
        Some(a) => sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
            .bind(a)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or_default(),
        None => String::new(),
    };
    let (title, body) = notification_text(n.kind, &actor, n.preview);
    let payload = json!({
        "user_id": n.user_id,
        "title": title,
        "body": body,
        "data": {"kind": n.kind.as_str(), "notification_id": n.id, "target_id": n.target_id},
    });
    jobs::schedule(conn, JOB, &format!("push:n:{}", n.id), &payload, now, now).await
}

/// Schedules the push of new messages in `room_id` to each member but the
/// sender (collapsed: one job per member and room a [`CHAT_WINDOW_MS`]
/// window, which reads what is unread when it runs).
pub async fn enqueue_chat(
    conn: &mut impl Exec,
    room_id: &str,
    sender_id: &str,
    now: i64,
) -> Result<()> {
    let members = conn
        .fetch(
            "SELECT m.user_id FROM room_members m WHERE m.room_id = $1 AND m.user_id <> $2 \
             AND m.muted = 0 \
             AND EXISTS (SELECT 1 FROM devices d WHERE d.user_id = m.user_id)",
            &[room_id.into(), sender_id.into()],
        )
        .await?;
    let slot = now / CHAT_WINDOW_MS;
    for row in members {
        let user_id = row.text(0)?;
        let payload = json!({"user_id": user_id, "room_id": room_id});
        let key = format!("push:c:{user_id}:{room_id}:{slot}");
        // Due at the end of the window's first second: a burst goes as one.
        jobs::schedule(conn, JOB, &key, &payload, now + 1000, now).await?;
    }
    Ok(())
}

/// The chat push for `user_id` in `room_id`: the unread count and, if
/// they want previews, the last message's sender and start; `None` when
/// nothing is unread any more.
async fn chat_message(
    conn: &mut AnyConnection,
    user_id: &str,
    room_id: &str,
) -> Result<Option<PushMessage>> {
    let read_seq: Option<i64> = sqlx::query_scalar(
        "SELECT last_read_seq FROM room_members WHERE room_id = $1 AND user_id = $2",
    )
    .bind(room_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(read_seq) = read_seq else {
        return Ok(None);
    };
    let unread: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE room_id = $1 AND seq > $2 AND sender_id <> $3 \
         AND deleted_at IS NULL",
    )
    .bind(room_id)
    .bind(read_seq)
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?;
    if unread == 0 {
        return Ok(None);
    }
    let last: Option<(String, String)> = sqlx::query_as(
        "SELECT u.display_name, m.body FROM messages m JOIN users u ON u.id = m.sender_id \
         WHERE m.room_id = $1 AND m.seq > $2 AND m.sender_id <> $3 AND m.deleted_at IS NULL \
         ORDER BY m.seq DESC LIMIT 1",
    )
    .bind(room_id)
    .bind(read_seq)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let previews: i64 = sqlx::query_scalar("SELECT chat_push_previews FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or(1);
    let room_title: Option<String> = sqlx::query_scalar("SELECT name FROM rooms WHERE id = $1")
        .bind(room_id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    let (title, body) = match (previews != 0, last) {
        (true, Some((sender, body))) => {
            let preview: String = if body.trim().is_empty() {
                "사진".to_owned()
            } else {
                body.chars().take(80).collect()
            };
            let title = match room_title.filter(|t| !t.is_empty()) {
                Some(room) => format!("{sender} · {room}"),
                None => sender,
            };
            let body = if unread > 1 {
                format!("{preview} (+{})", unread - 1)
            } else {
                preview
            };
            (title, body)
        }
        _ => ("모아".to_owned(), format!("새 메시지 {unread}개")),
    };
    Ok(Some(PushMessage {
        title,
        body,
        collapse_key: Some(format!("room:{room_id}")),
        data: json!({"kind": "chat", "room_id": room_id}),
    }))
}

/// Runs a `push` job: nothing while the member has a live socket; else to
/// each of their phones.
pub async fn run(state: &AppState, job: &Job) -> Result<()> {
    let user_id = job.text("user_id")?.to_owned();
    let now = now_ms();
    let mut conn = state.db.read().acquire().await?;
    if presence::is_live(&mut conn, &user_id, now).await? {
        return Ok(());
    }
    let message = match job.payload.get("room_id").and_then(Value::as_str) {
        Some(room_id) => chat_message(&mut conn, &user_id, room_id).await?,
        None => Some(PushMessage {
            title: job.text("title")?.to_owned(),
            body: job.text("body")?.to_owned(),
            collapse_key: None,
            data: job.payload.get("data").cloned().unwrap_or(Value::Null),
        }),
    };
    let Some(message) = message else {
        return Ok(());
    };
    let devices: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, platform, token FROM devices WHERE user_id = $1 ORDER BY id")
            .bind(&user_id)
            .fetch_all(&mut *conn)
            .await?;
    drop(conn);
    let mut dead = Vec::new();
    let mut retry = None;
    for (id, platform, token) in devices {
        let Some(platform) = PushPlatform::parse(&platform) else {
            continue;
        };
        match state.push.send(platform, &token, &message, now).await {
            Ok(()) => state.metrics.push_sent(platform.as_str(), true),
            Err(PushError::DeadToken) => {
                tracing::info!(device = %id, "a push token is dead: device forgotten");
                dead.push(id);
            }
            Err(e @ PushError::Unavailable(_)) => {
                state.metrics.push_sent(platform.as_str(), false);
                retry = Some(e);
            }
            Err(e) => {
                state.metrics.push_sent(platform.as_str(), false);
                tracing::warn!(device = %id, error = %e, "a push was refused");
            }
        }
    }
    if !dead.is_empty() {
        state
            .write_quiet(async |tx| {
                for id in &dead {
                    sqlx::query("DELETE FROM devices WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                Ok(())
            })
            .await?;
    }
    match retry {
        // The job runs again later (phones that got it may get it twice:
        // the same collapse key, so they show it once).
        Some(e) => Err(Error::Upstream(e.to_string())),
        None => Ok(()),
    }
}
