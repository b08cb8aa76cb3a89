//! The realtime connection of one signed-in account: one task owning one
//! WebSocket to `GET /v1/realtime` (ws:// or wss://, rustls with the Web PKI
//! roots), authenticated with the access token (refreshed through the
//! account when the server answers 401 or closes with 4401).
//!
//! What arrives is applied to the cache at once and told to the UI:
//! messages (placed by `crate::chat::place`: a message that does not follow
//! what the cache holds is a gap, and the room is pulled instead), read
//! markers, typing. Pokes, room changes and notifications wake the sync
//! loop, which pulls. On `Ready` the rooms' heads are compared with the
//! cache and the sync loop pulls what is behind; on `Resync` every room is
//! pulled from its cursor, then `Resume` is sent. Nothing is trusted to the
//! socket alone: the buckets stay the source of truth, so a message is never
//! missed, and never shown twice (stored by id; `crate::chat::place`).
//!
//! The connection retries with exponential backoff and full jitter
//! (`crate::chat::Reconnect`), reset after a stable connection, and reports
//! its state ([`RealtimeState`]) as an event and through
//! `Client::realtime_state`. While it is down the sync loop long-polls the
//! room buckets too.
//!
//! Sends go through the outbox and the HTTP push (batched, retried,
//! exactly once by id); the socket carries only what is ephemeral from the
//! client: typing notices, dropped when not connected.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use moa_protocol::{ClientFrame, ServerFrame};
use tokio::sync::{Notify, mpsc, watch};
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};

use crate::account::Account;
use crate::chat::{self, Reconnect, Typers, TypingThrottle};
use crate::error::{Error, Result};
use crate::model::{Event, RealtimeState, Topic};
use crate::store::chat as chat_store;

/// How long opening the connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for the first frame (`Ready`).
pub const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// Frames waiting to go out (typing notices); more are dropped.
const OUTGOING: usize = 32;

/// The connection's shared state: what the task reports and what the
/// client hands it.
pub(crate) struct Realtime {
    state: watch::Sender<RealtimeState>,
    outgoing: mpsc::Sender<ClientFrame>,
    receiver: Mutex<Option<mpsc::Receiver<ClientFrame>>>,
    wake: Notify,
    throttle: Mutex<TypingThrottle>,
    typers: Arc<Mutex<Typers>>,
}

impl Realtime {
    pub fn new() -> Realtime {
        let (outgoing, receiver) = mpsc::channel(OUTGOING);
        Realtime {
            state: watch::channel(RealtimeState::Off).0,
            outgoing,
            receiver: Mutex::new(Some(receiver)),
            wake: Notify::new(),
            throttle: Mutex::new(TypingThrottle::default()),
            typers: Arc::new(Mutex::new(Typers::default())),
        }
    }

    pub fn state(&self) -> RealtimeState {
        *self.state.borrow()
    }

    pub fn watch(&self) -> watch::Receiver<RealtimeState> {
        self.state.subscribe()
    }

    /// Retry now rather than at the end of the backoff (the network is back).
    pub fn wake(&self) {
        if matches!(self.state(), RealtimeState::Disconnected { .. }) {
            self.wake.notify_one();
        }
    }

    /// Tells the room's other members the member is typing: at most every
    /// `chat::TYPING_EVERY` per room, and only while connected (a typing
    /// notice is worthless later). Answers whether it went out.
    pub fn typing(&self, room_id: &str) -> bool {
        if self.state() != RealtimeState::Connected {
            return false;
        }
        let allowed = self
            .throttle
            .lock()
            .map(|mut t| t.allow(room_id, Instant::now()))
            .unwrap_or(false);
        allowed
            && self
                .outgoing
                .try_send(ClientFrame::Typing {
                    room_id: room_id.to_owned(),
                })
                .is_ok()
    }

    /// Members typing in a room now.
    pub fn typing_in(&self, room_id: &str) -> Vec<String> {
        self.typers
            .lock()
            .map(|mut t| t.in_room(room_id, Instant::now()))
            .unwrap_or_default()
    }

    /// Who is typing, to update from a blocking thread (a message from a
    /// member ends their typing).
    pub fn typers(&self) -> Arc<Mutex<Typers>> {
        Arc::clone(&self.typers)
    }

    fn with_typers(&self, f: impl FnOnce(&mut Typers)) {
        if let Ok(mut t) = self.typers.lock() {
            f(&mut t);
        }
    }
}

/// The socket URL of a server base URL (`http` → `ws`, `https` → `wss`).
pub fn socket_url(base: &str) -> Result<String> {
    let base = base.trim_end_matches('/');
    if let Some(rest) = base.strip_prefix("https://") {
        Ok(format!("wss://{rest}/v1/realtime"))
    } else if let Some(rest) = base.strip_prefix("http://") {
        Ok(format!("ws://{rest}/v1/realtime"))
    } else {
        Err(Error::invalid(
            "server_url",
            "must start with http:// or https://",
        ))
    }
}

fn set_state(account: &Account, state: RealtimeState) {
    let changed = account.realtime.state.send_if_modified(|s| {
        let moved = *s != state;
        *s = state;
        moved
    });
    if changed {
        account.send(Event::Realtime(state));
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Why a connection ended (or never opened).
#[derive(Debug)]
enum End {
    /// The account signed out or the client was dropped.
    Stopped,
    /// The session is over (the refresh token was refused): nothing to do
    /// until the member signs in again.
    SignedOut,
    /// The token was refused: refresh it and retry at once (once).
    Unauthorized,
    /// Network trouble, a close, a silent server: back off and retry.
    Lost(String),
}

/// Runs until the account signs out.
pub(crate) async fn run(account: Arc<Account>) {
    let Some(mut outgoing) = account
        .realtime
        .receiver
        .lock()
        .ok()
        .and_then(|mut r| r.take())
    else {
        return;
    };
    let mut stop = account.stop.subscribe();
    let mut reconnect = Reconnect::default();
    let mut connected_before = false;
    let mut refreshed = false;
    loop {
        if *stop.borrow() {
            break;
        }
        set_state(&account, RealtimeState::Connecting);
        let attempt = tokio::select! {
            a = connect(&account, refreshed) => a,
            _ = stop.changed() => break,
        };
        let (lived, end) = match attempt {
            Ok(socket) => {
                let started = Instant::now();
                let (sink, stream) = socket.split();
                let (ready, end) = session(
                    &account,
                    sink,
                    stream,
                    &mut outgoing,
                    &mut stop,
                    connected_before,
                )
                .await;
                connected_before |= ready;
                let lived = if ready {
                    started.elapsed()
                } else {
                    Duration::ZERO
                };
                (lived, end)
            }
            Err(end) => (Duration::ZERO, end),
        };
        account.realtime.with_typers(Typers::clear);
        match end {
            End::Stopped => break,
            End::SignedOut => {
                tracing::info!("realtime: the session ended; not reconnecting");
                break;
            }
            End::Unauthorized if !refreshed => {
                refreshed = true;
                continue;
            }
            End::Unauthorized => tracing::warn!("realtime: the token is refused after a refresh"),
            End::Lost(why) => tracing::debug!(%why, "realtime: connection lost"),
        }
        refreshed = false;
        let delay = reconnect.next_delay(lived, rand::random());
        set_state(&account, RealtimeState::Disconnected { retry_in: delay });
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = account.realtime.wake.notified() => {}
            _ = stop.changed() => break,
        }
    }
    account.realtime.state.send_replace(RealtimeState::Off);
}

/// Opens the socket with a valid token; `refresh` first exchanges the one
/// the server refused.
async fn connect(account: &Account, refresh: bool) -> std::result::Result<Socket, End> {
    let url = socket_url(account.api.base_url()).map_err(|e| End::Lost(e.to_string()))?;
    let token = account.token().await.map_err(auth_end)?;
    let token = if refresh {
        account.refresh(&token).await.map_err(auth_end)?
    } else {
        token
    };
    let mut request = tungstenite::client::IntoClientRequest::into_client_request(url.as_str())
        .map_err(|e| End::Lost(format!("bad socket URL: {e}")))?;
    let bearer = format!("Bearer {token}")
        .parse()
        .map_err(|_| End::Lost("the access token is not a valid header".into()))?;
    request
        .headers_mut()
        .insert(tungstenite::http::header::AUTHORIZATION, bearer);
    let opened = tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request))
        .await
        .map_err(|_| End::Lost("connecting timed out".into()))?;
    match opened {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::Error::Http(response))
            if response.status() == tungstenite::http::StatusCode::UNAUTHORIZED =>
        {
            Err(End::Unauthorized)
        }
        Err(e) => Err(End::Lost(e.to_string())),
    }
}

fn auth_end(e: Error) -> End {
    match e {
        Error::Auth(_) => End::SignedOut,
        other => End::Lost(other.to_string()),
    }
}

type CatchUp<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// Pulls every bucket until caught up (the room after a gap, all rooms after
/// a resync), beside the socket so frames and heartbeats keep flowing.
fn catch_up(account: &Account) -> CatchUp<'_> {
    Box::pin(crate::sync::pull_until_caught_up(account))
}

/// One open connection, until it ends. Answers whether it got as far as
/// `Ready`, and why it ended.
/// Generic over the socket's two halves, so tests drive it with plain
/// streams and sinks.
async fn session<W, R>(
    account: &Arc<Account>,
    mut sink: W,
    mut stream: R,
    outgoing: &mut mpsc::Receiver<ClientFrame>,
    stop: &mut watch::Receiver<bool>,
    reconnected: bool,
) -> (bool, End)
where
    W: futures_util::Sink<WsMessage, Error = tungstenite::Error> + Unpin,
    R: futures_util::Stream<Item = std::result::Result<WsMessage, tungstenite::Error>> + Unpin,
{
    // Typing notices from before this connection are stale.
    while outgoing.try_recv().is_ok() {}
    let mut ready = false;
    let mut read_timeout = READY_TIMEOUT;
    let mut pulling: Option<CatchUp<'_>> = None;
    let mut pull_again = false;
    let mut resume = false;
    loop {
        let catching_up = pulling.is_some();
        let mut want_pull = false;
        tokio::select! {
            _ = stop.changed() => {
                let _ = sink.send(WsMessage::Close(None)).await;
                return (ready, End::Stopped);
            }
            frame = tokio::time::timeout(read_timeout, stream.next()) => {
                let frame = match frame {
                    Err(_) => return (ready, End::Lost("the server went silent".into())),
                    Ok(None) => return (ready, End::Lost("closed".into())),
                    Ok(Some(Err(e))) => return (ready, End::Lost(e.to_string())),
                    Ok(Some(Ok(frame))) => frame,
                };
                match frame {
                    WsMessage::Text(text) => match serde_json::from_str::<ServerFrame>(&text) {
                        Ok(ServerFrame::Ready { user_id, rooms, heartbeat_ms }) => {
                            if user_id != account.user_id {
                                tracing::warn!("realtime: the server answered for another member");
                                return (ready, End::Lost("wrong member".into()));
                            }
                            ready = true;
                            read_timeout = heartbeat_timeout(heartbeat_ms);
                            set_state(account, RealtimeState::Connected);
                            on_ready(account, &rooms, reconnected).await;
                        }
                        Ok(ServerFrame::Resync) => {
                            resume = true;
                            want_pull = true;
                        }
                        Ok(frame) => want_pull = on_frame(account, frame).await,
                        Err(e) => tracing::warn!(error = %e, "realtime: a frame cannot be read"),
                    },
                    WsMessage::Close(close) => {
                        let code = close.as_ref().map(|c| u16::from(c.code));
                        return if code == Some(moa_protocol::CLOSE_UNAUTHORIZED) {
                            (ready, End::Unauthorized)
                        } else {
                            (ready, End::Lost(format!("closed by the server ({code:?})")))
                        };
                    }
                    // Pings are answered by tungstenite; they prove the
                    // server is there, which resets the timeout above.
                    _ => {}
                }
            }
            Some(frame) = outgoing.recv(), if ready => {
                if let Err(e) = send_frame(&mut sink, &frame).await {
                    return (ready, End::Lost(e));
                }
            }
            result = async {
                match pulling.as_mut() {
                    Some(p) => p.await,
                    None => std::future::pending().await,
                }
            }, if catching_up => {
                pulling = None;
                match result {
                    Ok(()) => {
                        if resume && !pull_again {
                            resume = false;
                            if let Err(e) = send_frame(&mut sink, &ClientFrame::Resume).await {
                                return (ready, End::Lost(e));
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "realtime: catching up failed");
                        if resume {
                            // Live delivery stays off until resumed: start
                            // over with a fresh connection (and its Ready).
                            return (ready, End::Lost(format!("catching up failed: {e}")));
                        }
                        account.kick.notify_one();
                    }
                }
                if pull_again {
                    pull_again = false;
                    want_pull = true;
                }
            }
        }
        if want_pull {
            if pulling.is_some() {
                pull_again = true;
            } else {
                pulling = Some(catch_up(account));
            }
        }
    }
}

/// How long the server may stay silent: two heartbeats and some slack.
fn heartbeat_timeout(heartbeat_ms: u64) -> Duration {
    Duration::from_millis(heartbeat_ms.saturating_mul(2)).max(Duration::from_secs(5))
        + Duration::from_secs(5)
}

async fn send_frame<S>(sink: &mut S, frame: &ClientFrame) -> std::result::Result<(), String>
where
    S: futures_util::Sink<WsMessage, Error = tungstenite::Error> + Unpin,
{
    let text = serde_json::to_string(frame).map_err(|e| e.to_string())?;
    sink.send(WsMessage::text(text))
        .await
        .map_err(|e| e.to_string())
}

/// Compares the rooms' heads with the cache: the sync loop pulls when
/// anything is behind, unknown or gone, and after every reconnect (pokes may
/// have been missed meanwhile).
async fn on_ready(account: &Account, rooms: &[moa_protocol::RoomHead], reconnected: bool) {
    let heads = account.store.read(chat_store::heads).await;
    let behind = match heads {
        Ok(heads) => chat::behind(rooms, &heads),
        Err(e) => {
            tracing::warn!(error = %e, "realtime: cannot read the cached rooms");
            account.kick.notify_one();
            return;
        }
    };
    if reconnected || !behind.is_empty() {
        tracing::debug!(
            behind = behind.rooms.len(),
            gone = behind.gone.len(),
            "realtime: catching up"
        );
        account.kick.notify_one();
    }
}

/// Applies one frame; answers whether the rooms need pulling now (a gap).
async fn on_frame(account: &Account, frame: ServerFrame) -> bool {
    match frame {
        ServerFrame::Message { message } => {
            let sender = message.sender_id.clone();
            let room = message.room_id.clone();
            let stored = account
                .store
                .write(move |tx| chat_store::put_message(tx, &message, 0, true))
                .await;
            let put = match stored {
                Ok(put) => put,
                Err(e) => {
                    tracing::warn!(error = %e, "realtime: cannot store a message; pulling instead");
                    return true;
                }
            };
            if put == chat_store::MessagePut::Gap {
                return true;
            }
            if matches!(put, chat_store::MessagePut::New(_)) {
                account.realtime.with_typers(|t| t.stopped(&room, &sender));
            }
            let mut topics = std::collections::HashSet::new();
            let mut events = Vec::new();
            crate::sync::message_event(put, &mut topics, &mut events);
            for event in events {
                account.send(event);
            }
            if !topics.is_empty() {
                account.emit(topics.into_iter().collect());
            }
            false
        }
        ServerFrame::Read {
            room_id,
            user_id,
            seq,
        } => {
            let (r, u) = (room_id.clone(), user_id.clone());
            let moved = account
                .store
                .write(move |tx| chat_store::put_read(tx, &r, &u, seq))
                .await;
            match moved {
                Ok(true) => {
                    account.send(Event::ReadMarker {
                        room_id,
                        user_id,
                        seq,
                    });
                    account.emit(vec![Topic::Rooms]);
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "realtime: cannot store a read marker"),
            }
            false
        }
        ServerFrame::Typing {
            room_id,
            user_id,
            ttl_ms,
        } => {
            if user_id != account.user_id {
                let ttl = Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(0));
                account
                    .realtime
                    .with_typers(|t| t.typing(&room_id, &user_id, ttl, Instant::now()));
                account.send(Event::Typing {
                    room_id,
                    user_id,
                    ttl_ms,
                });
            }
            false
        }
        ServerFrame::Notification { notification } => {
            account.send(Event::Notification(notification));
            account.kick.notify_one();
            false
        }
        ServerFrame::Room { .. } | ServerFrame::Poke { .. } => {
            account.kick.notify_one();
            false
        }
        ServerFrame::Error { id, code, message } => {
            tracing::warn!(?id, %code, %message, "realtime: the server refused a frame");
            false
        }
        // Sends go through the outbox, so acks are not expected; Ready and
        // Resync are handled by the session.
        ServerFrame::Ack { .. }
        | ServerFrame::Pong
        | ServerFrame::Ready { .. }
        | ServerFrame::Resync => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn socket_urls_follow_the_server_url() {
        assert_eq!(
            socket_url("http://127.0.0.1:8080/").unwrap(),
            "ws://127.0.0.1:8080/v1/realtime"
        );
        assert_eq!(
            socket_url("https://moa.example").unwrap(),
            "wss://moa.example/v1/realtime"
        );
        assert!(socket_url("ftp://x").is_err());
    }

    use crate::store::{Store, chat as chat_store};
    use futures_util::stream;
    use moa_protocol::{Author, Message, Room, RoomHead, RoomKind, RoomMember};
    use tokio::sync::broadcast;

    fn member(id: &str) -> RoomMember {
        RoomMember {
            user: Author {
                id: id.into(),
                handle: id.into(),
                display_name: id.into(),
                avatar_media_id: None,
                deleted: false,
            },
            joined_at: 1,
            last_read_seq: 0,
        }
    }

    fn message(id: &str, seq: i64) -> Message {
        Message {
            id: id.into(),
            room_id: "r".into(),
            seq,
            sender_id: "you".into(),
            body: id.into(),
            media: vec![],
            reply_to: None,
            created_at: seq,
            edited_at: None,
            deleted: false,
        }
    }

    fn text(frame: &ServerFrame) -> std::result::Result<WsMessage, tungstenite::Error> {
        Ok(WsMessage::text(serde_json::to_string(frame).unwrap()))
    }

    /// An account with room `r` pulled (one message) and no session, so a
    /// catch-up pull fails at once without a server.
    async fn account(dir: &std::path::Path) -> (Arc<Account>, broadcast::Receiver<Event>) {
        let store = Store::open(&dir.join("a.db")).unwrap();
        store
            .write(|tx| {
                let room = Room {
                    id: "r".into(),
                    kind: RoomKind::Direct,
                    name: None,
                    photo_media_id: None,
                    owner_id: None,
                    members: vec![member("me"), member("you")],
                    last_seq: 1,
                    created_at: 1,
                    updated_at: 1,
                };
                chat_store::put_room(tx, &room, Some(5), "me", 0)?;
                tx.execute("UPDATE buckets SET cursor = 5, more = 0", [])?;
                chat_store::put_message(tx, &message("m1", 1), 5, false)?;
                Ok(())
            })
            .await
            .unwrap();
        let (events, rx) = broadcast::channel(64);
        let account = Account::new(
            "me".into(),
            store,
            crate::api::Api::new("http://127.0.0.1:9").unwrap(),
            events,
            watch::channel(Default::default()).0,
        );
        (Arc::new(account), rx)
    }

    #[tokio::test]
    async fn frames_are_applied_once_in_order_and_gaps_are_pulled() {
        let dir = tempfile::tempdir().unwrap();
        let (account, mut events) = account(dir.path()).await;
        let frames = vec![
            text(&ServerFrame::Ready {
                user_id: "me".into(),
                rooms: vec![RoomHead {
                    room_id: "r".into(),
                    last_seq: 2,
                }],
                heartbeat_ms: 15_000,
            }),
            text(&ServerFrame::Typing {
                room_id: "r".into(),
                user_id: "you".into(),
                ttl_ms: 5_000,
            }),
            text(&ServerFrame::Message {
                message: message("m2", 2),
            }),
            // The same message again (a pull raced it): nothing new.
            text(&ServerFrame::Message {
                message: message("m2", 2),
            }),
            // seq 4 after 2: a gap, not stored, pulled instead.
            text(&ServerFrame::Message {
                message: message("m4", 4),
            }),
            text(&ServerFrame::Read {
                room_id: "r".into(),
                user_id: "you".into(),
                seq: 2,
            }),
            Ok(WsMessage::text("{not a frame")),
        ];
        let sent = Arc::new(Mutex::new(Vec::new()));
        let sink = futures_util::sink::unfold(Arc::clone(&sent), |sent, m: WsMessage| async move {
            sent.lock().unwrap().push(m);
            Ok::<_, tungstenite::Error>(sent)
        });
        let (_tx, mut outgoing) = mpsc::channel(4);
        let (_stop_tx, mut stop) = watch::channel(false);
        let (ready, end) = session(
            &account,
            Box::pin(sink),
            stream::iter(frames),
            &mut outgoing,
            &mut stop,
            false,
        )
        .await;
        assert!(ready);
        assert!(
            matches!(end, End::Lost(ref why) if why == "closed"),
            "{end:?}"
        );
        assert_eq!(account.realtime.state(), RealtimeState::Connected);
        let mut told = Vec::new();
        while let Ok(e) = events.try_recv() {
            told.push(e);
        }
        let messages: Vec<_> = told
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) => Some(m.id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(messages, ["m2"]);
        assert!(
            told.iter()
                .any(|e| matches!(e, Event::Typing { user_id, .. } if user_id == "you"))
        );
        assert!(
            told.iter()
                .any(|e| matches!(e, Event::ReadMarker { seq: 2, .. }))
        );
        assert!(told.contains(&Event::Realtime(RealtimeState::Connected)));
        // Their message ended their typing.
        assert!(account.realtime.typing_in("r").is_empty());
        let cached = account
            .store
            .read(|c| chat_store::newest(c, "r", None, 10))
            .await
            .unwrap();
        assert_eq!(cached.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2]);
        assert!(sent.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_resync_pulls_before_resuming_and_typing_goes_out_when_live() {
        let dir = tempfile::tempdir().unwrap();
        let (account, _events) = account(dir.path()).await;
        let ready = text(&ServerFrame::Ready {
            user_id: "me".into(),
            rooms: vec![],
            heartbeat_ms: 15_000,
        });
        let sent = Arc::new(Mutex::new(Vec::new()));
        let sink = futures_util::sink::unfold(Arc::clone(&sent), |sent, m: WsMessage| async move {
            sent.lock().unwrap().push(m);
            Ok::<_, tungstenite::Error>(sent)
        });
        let (tx, mut outgoing) = mpsc::channel(4);
        let (_stop_tx, mut stop) = watch::channel(false);
        // Queued before the connection: stale, dropped.
        tx.try_send(ClientFrame::Typing {
            room_id: "old".into(),
        })
        .unwrap();
        let frames = stream::iter(vec![ready])
            .chain(stream::once(async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                text(&ServerFrame::Resync)
            }))
            .chain(stream::pending());
        let typing = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            tx.try_send(ClientFrame::Typing {
                room_id: "r".into(),
            })
            .unwrap();
        };
        let (session, ()) = tokio::join!(
            session(
                &account,
                Box::pin(sink),
                Box::pin(frames),
                &mut outgoing,
                &mut stop,
                true
            ),
            typing
        );
        // Without a session the pull fails: live delivery cannot resume, so
        // the connection starts over (no `resume` sent).
        let (ready, end) = session;
        assert!(ready);
        assert!(
            matches!(end, End::Lost(ref why) if why.starts_with("catching up failed")),
            "{end:?}"
        );
        let sent: Vec<String> = sent
            .lock()
            .unwrap()
            .iter()
            .map(|m| m.to_text().unwrap().to_owned())
            .collect();
        assert_eq!(sent, [r#"{"type":"typing","room_id":"r"}"#]);
    }

    #[test]
    fn silence_is_tolerated_for_two_heartbeats() {
        assert_eq!(heartbeat_timeout(20_000), Duration::from_secs(45));
        assert_eq!(heartbeat_timeout(0), Duration::from_secs(10));
    }
}
