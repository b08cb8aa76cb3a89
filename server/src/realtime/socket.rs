//! `GET /v1/realtime`: the one WebSocket of a signed-in client.
//!
//! The token is checked before the upgrade (a bad one is an HTTP 401). The
//! connection then hears every room its member is in: the first frame is
//! `ready` with each room's latest `seq`, so the client fetches what it
//! missed while away; from then on it gets message, read, typing, room,
//! notification and poke frames, and may send messages (answered by `ack`
//! with the stored `seq`), typing, read markers and pings.
//!
//! [`session`] is generic over `Sink + Stream`, so tests can drive it with
//! channels. One task per connection: it writes queued frames (several per
//! flush), reads client frames, pings every [`HEARTBEAT`] and drops a client
//! it has not heard from in three. A malformed or oversized frame is answered
//! by an `error` frame and the connection stays; a frame over
//! [`MAX_WIRE_MESSAGE`] closes it (1009).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use moa_protocol::ErrorCode;
use moa_protocol::chat::{ClientFrame, RoomHead, ServerFrame};
use moa_protocol::limits::MAX_FRAME_BYTES;
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Event;
use super::event::encode;
use super::hub::Conn;
use super::writer::{Job, error_frame};
use crate::AppState;
use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::extract::bearer_token;

/// How often the server pings; a client silent for three of these is gone.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// Largest message the socket reads at all (larger ones close it).
pub const MAX_WIRE_MESSAGE: usize = 1024 * 1024;
/// Typing frames from one connection per room at most this often.
const TYPING_EVERY: Duration = Duration::from_millis(1000);
/// The socket's read buffer, allocated with the connection and kept: most
/// of what an idle connection costs (11.4 KB each at 4 KB, 8.5 KB at 1 KB,
/// BENCHMARKS.md). A client's frames are small (a send is ~200 bytes); a
/// larger one grows the buffer as it arrives.
const READ_BUFFER: usize = 1024;
/// Frames written per flush at most.
const WRITE_BATCH: usize = 64;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(realtime))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RealtimeQuery {
    /// The access token, for clients that cannot set headers (browsers).
    pub access_token: Option<String>,
}

/// The realtime WebSocket (chat, typing, read markers, notifications,
/// pokes). Frames are JSON objects tagged by `type`; see `moa_protocol::chat`.
#[utoipa::path(
    get, path = "/realtime", tag = "chat", security(("bearer" = [])),
    params(RealtimeQuery),
    responses(
        (status = 101, description = "Switched to the WebSocket protocol"),
        (status = 401, body = moa_protocol::ErrorBody),
        (status = 422, description = "Not a WebSocket upgrade", body = moa_protocol::ErrorBody),
    )
)]
async fn realtime(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<RealtimeQuery>,
    upgrade: std::result::Result<
        WebSocketUpgrade,
        axum::extract::ws::rejection::WebSocketUpgradeRejection,
    >,
) -> Result<Response> {
    // The header when there is one; the query for clients that cannot set it.
    let token = match (headers.contains_key(header::AUTHORIZATION), &q.access_token) {
        (false, Some(token)) => token.as_str(),
        _ => bearer_token(&headers)?,
    };
    let member = crate::extract::actor_from_token(&state, token).await?;
    let upgrade =
        upgrade.map_err(|_| Error::invalid("upgrade", "connect with a WebSocket upgrade"))?;
    Ok(upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(32 * 1024)
        .max_message_size(MAX_WIRE_MESSAGE)
        .max_frame_size(MAX_WIRE_MESSAGE)
        .on_upgrade(move |socket: WebSocket| async move {
            let (conn, rx) = state.realtime.hub.register(&member.user_id);
            crate::push::presence::opened(&state, &member.user_id).await;
            if let Err(e) = session(socket, &state, &member, &conn, rx).await {
                tracing::debug!(error = %e, "realtime connection ended");
            }
            state.realtime.hub.unregister(&conn);
            crate::push::presence::closed(&state, &member.user_id).await;
        }))
}

/// Why a session ended other than by the client closing.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("socket: {0}")]
    Socket(String),
    #[error(transparent)]
    Api(#[from] Error),
}

fn text(frame: &ServerFrame) -> Message {
    Message::Text(Utf8Bytes::from(encode(frame)))
}

/// Serves one connection until it closes, the client goes silent or the
/// server stops.
pub async fn session<S, E1, E2>(
    mut socket: S,
    state: &AppState,
    member: &Actor,
    conn: &Arc<Conn>,
    mut rx: mpsc::Receiver<super::hub::Frame>,
) -> std::result::Result<(), SessionError>
where
    S: Sink<Message, Error = E1> + Stream<Item = std::result::Result<Message, E2>> + Unpin,
    E1: std::fmt::Display,
    E2: std::fmt::Display,
{
    let sock = |e: E1| SessionError::Socket(e.to_string());
    let heads = {
        let mut db = state.db.read().acquire().await.map_err(Error::from)?;
        crate::chat::service::heads(&mut db, &member.user_id).await?
    };
    state
        .realtime
        .hub
        .subscribe(conn, heads.iter().map(|(room, _)| room.clone()));
    let ready = ServerFrame::Ready {
        user_id: member.user_id.clone(),
        rooms: heads
            .into_iter()
            .map(|(room_id, last_seq)| RoomHead { room_id, last_seq })
            .collect(),
        heartbeat_ms: u64::try_from(HEARTBEAT.as_millis()).unwrap_or(u64::MAX),
    };
    socket.send(text(&ready)).await.map_err(sock)?;

    let mut stopping = state.stopping.subscribe();
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    let mut last_heard = Instant::now();
    let mut typing: HashMap<String, Instant> = HashMap::new();
    // Made once and polled on every turn (a new one per turn registered a
    // waiter under the Notify's lock for every frame delivered).
    let stop = stopping.changed();
    tokio::pin!(stop);
    let lag = conn.lag.notified();
    tokio::pin!(lag);
    loop {
        tokio::select! {
            _ = &mut stop => {
                let close = CloseFrame { code: 1001, reason: Utf8Bytes::from_static("server stopping") };
                let _ = socket.send(Message::Close(Some(close))).await;
                return Ok(());
            }
            () = &mut lag => {
                lag.set(conn.lag.notified());
                // Too slow: what is queued is dropped, the client pulls.
                while rx.try_recv().is_ok() {}
                socket.send(text(&ServerFrame::Resync)).await.map_err(sock)?;
            }
            frame = rx.recv() => {
                let Some(frame) = frame else { return Ok(()) };
                socket.feed(Message::Text(Arc::unwrap_or_clone(frame))).await.map_err(sock)?;
                let mut n = 1;
                while n < WRITE_BATCH {
                    let Ok(frame) = rx.try_recv() else { break };
                    socket.feed(Message::Text(Arc::unwrap_or_clone(frame))).await.map_err(sock)?;
                    n += 1;
                }
                socket.flush().await.map_err(sock)?;
            }
            incoming = socket.next() => {
                let message = match incoming {
                    None => return Ok(()),
                    Some(Err(e)) => return Err(SessionError::Socket(e.to_string())),
                    Some(Ok(m)) => m,
                };
                last_heard = Instant::now();
                let reply = match message {
                    Message::Text(t) => handle(state, member, conn, &mut typing, t.as_str()).await,
                    Message::Binary(_) => Some(error(None, ErrorCode::MalformedJson, "frames are JSON text")),
                    Message::Close(_) => return Ok(()),
                    Message::Ping(_) | Message::Pong(_) => None,
                };
                if let Some(reply) = reply {
                    socket.send(reply).await.map_err(sock)?;
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > HEARTBEAT * 3 {
                    let close = CloseFrame { code: 1001, reason: Utf8Bytes::from_static("no heartbeat") };
                    let _ = socket.send(Message::Close(Some(close))).await;
                    return Ok(());
                }
                socket.send(Message::Ping(Default::default())).await.map_err(sock)?;
            }
        }
    }
}

fn error(id: Option<String>, code: ErrorCode, message: &str) -> Message {
    text(&ServerFrame::Error {
        id,
        code,
        message: message.to_owned(),
    })
}

/// Hands a send or read to the writer (which acks it later); the error to
/// answer at once if the server is stopping.
async fn submit(state: &AppState, job: Job) -> Option<Message> {
    if state.realtime.submit(job).await {
        None
    } else {
        Some(error(
            None,
            ErrorCode::Unavailable,
            "the server is stopping",
        ))
    }
}

/// One client frame: the reply to send at once, if any (acks come later,
/// from the writer).
async fn handle(
    state: &AppState,
    member: &Actor,
    conn: &Arc<Conn>,
    typing: &mut HashMap<String, Instant>,
    raw: &str,
) -> Option<Message> {
    if raw.len() > MAX_FRAME_BYTES {
        return Some(error(
            None,
            ErrorCode::PayloadTooLarge,
            &format!("a frame may be at most {MAX_FRAME_BYTES} bytes"),
        ));
    }
    let frame: ClientFrame = match serde_json::from_str(raw) {
        Ok(f) => f,
        Err(e) => {
            let code = if e.is_data() {
                ErrorCode::InvalidField
            } else {
                ErrorCode::MalformedJson
            };
            return Some(error(None, code, &format!("unreadable frame: {e}")));
        }
    };
    match frame {
        ClientFrame::Send { room_id, message } => {
            let job = Job::Send {
                member: member.clone(),
                room_id,
                req: message,
                conn: conn.clone(),
            };
            submit(state, job).await
        }
        ClientFrame::Read { room_id, seq } => {
            let job = Job::Read {
                member: member.clone(),
                room_id,
                seq,
                conn: conn.clone(),
            };
            submit(state, job).await
        }
        ClientFrame::Typing { room_id } => {
            if !conn.is_in(&room_id) {
                return Some(Message::Text(error_frame(
                    None,
                    &Error::forbidden("you are not a member of this room"),
                )));
            }
            let now = Instant::now();
            if typing
                .get(&room_id)
                .is_some_and(|at| now.duration_since(*at) < TYPING_EVERY)
            {
                return None;
            }
            typing.insert(room_id.clone(), now);
            let event = Event::typing(&room_id, &member.user_id);
            if let Err(e) = state.realtime.publish(vec![event]).await {
                tracing::error!(error = %e, "cannot publish typing");
            }
            None
        }
        ClientFrame::Resume => {
            conn.resume();
            None
        }
        ClientFrame::Ping => Some(text(&ServerFrame::Pong)),
    }
}
