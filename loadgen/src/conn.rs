//! One WebSocket client: connect (Moa's `/v1/realtime`, or Engine.IO v4 /
//! Socket.IO v5 spoken directly over the same WebSocket stack), wait for the
//! common start, send on an open-loop schedule, count what arrives.
//!
//! Each connection is one tokio task running one `select!` loop over "next
//! frame" and "next scheduled send". A send's body starts with its scheduled
//! time in microseconds since the load generator's epoch, so whichever
//! connection of this process receives it computes the latency from that
//! single clock. Latency is measured from the *scheduled* time: when a send
//! goes out late (the server pushed back, or this process was busy), the delay
//! counts, and the schedule does not slow down for a slow server.
//!
//! Wire formats:
//! - Moa: `{"type":"send","room_id","id","body"}` answered by `{"type":"ack","id",...}`;
//!   the other connections of the room's members get `{"type":"message","message":{...,"body"}}`.
//! - Socket.IO: open packet `0{...}`, connect `40` / `40{...}`, pings `2` answered by `3`,
//!   events `42["event",data]`, sends with an ack id `42<n>["send",{"id","body"}]`,
//!   acks `43<n>[...]`; deliveries `42["message",{...,"body"}]`.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt};
use moa_protocol::chat::{ClientFrame, SendMessageRequest};
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::http::Target;
use crate::stats::{Counters, Histogram, bump};

/// Which server the clients talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    /// Moa's realtime socket (`GET /v1/realtime`), after signing up users and creating rooms.
    Moa,
    /// A Socket.IO 4 server (Engine.IO v4 over WebSocket), room from `?room=` (bench/socketio).
    Socketio,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Moa => "moa",
            Protocol::Socketio => "socketio",
        }
    }
}

/// What every connection task shares.
pub struct Shared {
    pub protocol: Protocol,
    /// The servers (nodes); client i connects to `targets[i % len]`.
    pub targets: Vec<Target>,
    /// The one clock all timestamps are relative to.
    pub epoch: Instant,
    pub duration: Duration,
    pub drain: Duration,
    /// Time between two sends of one client; `None` when idle.
    pub interval: Option<Duration>,
    /// Filler after the timestamp in each body.
    pub filler: String,
    pub connect_sem: Semaphore,
    pub connect_timeout: Duration,
    pub counters: Counters,
    /// Send (scheduled) to delivery, µs.
    pub latency: Histogram,
    /// Send (scheduled) to ack, µs.
    pub ack_latency: Histogram,
    /// How late sends went out compared to their schedule, µs.
    pub send_lag: Histogram,
    /// Kinds of the frames counted in `other_frames` (they are rare).
    pub other_kinds: Mutex<BTreeMap<String, u64>>,
    logged: AtomicU64,
}

/// Error lines printed before going quiet.
const MAX_LOGGED: u64 = 10;

impl Shared {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        protocol: Protocol,
        targets: Vec<Target>,
        duration: Duration,
        drain: Duration,
        interval: Option<Duration>,
        filler: String,
        connect_concurrency: usize,
        connect_timeout: Duration,
    ) -> Shared {
        Shared {
            protocol,
            targets,
            epoch: Instant::now(),
            duration,
            drain,
            interval,
            filler,
            connect_sem: Semaphore::new(connect_concurrency.max(1)),
            connect_timeout,
            counters: Counters::default(),
            latency: Histogram::new(),
            ack_latency: Histogram::new(),
            send_lag: Histogram::new(),
            other_kinds: Mutex::new(BTreeMap::new()),
            logged: AtomicU64::new(0),
        }
    }

    /// Prints the first few problems to stderr (all of them are counted).
    pub fn log(&self, what: impl FnOnce() -> String) {
        let n = self.logged.fetch_add(1, Relaxed);
        if n < MAX_LOGGED {
            eprintln!("loadgen: {}", what());
        } else if n == MAX_LOGGED {
            eprintln!("loadgen: (further problems are counted, not printed)");
        }
    }

    fn other(&self, kind: &str) {
        bump(&self.counters.other_frames);
        let mut kinds = self.other_kinds.lock().unwrap_or_else(|p| p.into_inner());
        *kinds.entry(kind.to_owned()).or_default() += 1;
    }

    fn micros(&self, t: Instant) -> u64 {
        u64::try_from(t.saturating_duration_since(self.epoch).as_micros()).unwrap_or(u64::MAX)
    }
}

/// One client of the workload.
pub struct Spec {
    pub index: usize,
    /// Moa room id, or the Socket.IO room name.
    pub room: String,
    /// Moa access token.
    pub token: Option<String>,
    /// Deliveries one send of this client should cause.
    pub receivers: u64,
    /// Offset of this client's first send from the start (spreads sends evenly).
    pub phase: Duration,
}

type Ws = WebSocketStream<TcpStream>;

fn ws_config() -> WebSocketConfig {
    // Small read buffer: tungstenite's default (128 KiB, zero-filled on first
    // read) would cost this process over a gigabyte at 10,000 connections.
    // Writes go out at once (each send is flushed anyway).
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0)
}

async fn open(target: &Target, url: &str, token: Option<&str>) -> Result<Ws> {
    let mut req = url.into_client_request()?;
    if let Some(token) = token {
        req.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}"))?,
        );
    }
    let tcp = TcpStream::connect(&target.authority).await?;
    tcp.set_nodelay(true)?;
    match tokio_tungstenite::client_async_with_config(req, tcp, Some(ws_config())).await {
        Ok((ws, _)) => Ok(ws),
        Err(WsError::Http(res)) => {
            let body = res
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            bail!("WebSocket upgrade refused: HTTP {} {body}", res.status())
        }
        Err(e) => Err(e.into()),
    }
}

/// The next text frame (pings are answered by tungstenite while reading).
async fn next_text(ws: &mut Ws) -> Result<String> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => return Ok(t.as_str().to_owned()),
            Some(Ok(Message::Close(c))) => bail!("closed by the server: {c:?}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => bail!("closed by the server"),
        }
    }
}

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct MessageFrame<'a> {
    #[serde(borrow)]
    message: BodyOnly<'a>,
}

#[derive(Deserialize)]
struct BodyOnly<'a> {
    #[serde(borrow)]
    body: Cow<'a, str>,
}

async fn connect(shared: &Shared, spec: &Spec) -> Result<Ws> {
    let target = &shared.targets[spec.index % shared.targets.len()];
    match shared.protocol {
        Protocol::Moa => {
            let url = target.ws_url("/v1/realtime");
            let mut ws = open(target, &url, spec.token.as_deref()).await?;
            let first = next_text(&mut ws).await?;
            let head: Head = serde_json::from_str(&first)
                .with_context(|| format!("first frame is not a server frame: {first}"))?;
            if head.kind != "ready" {
                bail!("first frame is not `ready`: {first}");
            }
            Ok(ws)
        }
        Protocol::Socketio => {
            let url = target.ws_url(&format!(
                "/socket.io/?EIO=4&transport=websocket&room={}",
                spec.room
            ));
            let mut ws = open(target, &url, None).await?;
            let first = next_text(&mut ws).await?;
            if !first.starts_with('0') {
                bail!("expected the Engine.IO open packet, got {first:?}");
            }
            ws.send(Message::text("40")).await?;
            loop {
                let packet = next_text(&mut ws).await?;
                if packet.starts_with("40") {
                    return Ok(ws);
                } else if packet == "2" {
                    ws.send(Message::text("3")).await?;
                } else {
                    bail!("namespace connect refused: {packet:?}");
                }
            }
        }
    }
}

/// Runs one client from connect to the end of the drain period.
pub async fn run(spec: Spec, shared: Arc<Shared>, start: watch::Receiver<Option<Instant>>) {
    let ws = {
        let Ok(_permit) = shared.connect_sem.acquire().await else {
            return;
        };
        match tokio::time::timeout(shared.connect_timeout, connect(&shared, &spec)).await {
            Ok(Ok(ws)) => ws,
            Ok(Err(e)) => {
                bump(&shared.counters.connect_errors);
                shared.log(|| format!("client {}: connect: {e:#}", spec.index));
                return;
            }
            Err(_) => {
                bump(&shared.counters.connect_errors);
                shared.log(|| format!("client {}: connect timed out", spec.index));
                return;
            }
        }
    };
    bump(&shared.counters.connected);
    let mut conn = Conn {
        ws,
        spec,
        shared,
        pending: VecDeque::new(),
        next_ack_id: 0,
    };
    if conn.drive(start).await {
        let _ = tokio::time::timeout(Duration::from_secs(1), conn.ws.close(None)).await;
    }
}

struct Conn {
    ws: Ws,
    spec: Spec,
    shared: Arc<Shared>,
    /// Sends awaiting their ack: (message id or ack id, scheduled µs).
    pending: VecDeque<(u128, u64)>,
    next_ack_id: u64,
}

impl Conn {
    /// Returns whether the socket is still open at the end.
    async fn drive(&mut self, mut start: watch::Receiver<Option<Instant>>) -> bool {
        let t0 = loop {
            if let Some(t0) = *start.borrow_and_update() {
                break t0;
            }
            tokio::select! {
                frame = self.ws.next() => if !self.on_frame(frame).await { return false },
                changed = start.changed() => if changed.is_err() { return true },
            }
        };
        let send_end = t0 + self.shared.duration;
        let run_end = send_end + self.shared.drain;
        let interval = self.shared.interval;
        let mut next = interval
            .map(|_| t0 + self.spec.phase)
            .filter(|&t| t < send_end);
        let sleep = tokio::time::sleep_until(next.unwrap_or(run_end));
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                frame = self.ws.next() => if !self.on_frame(frame).await { return false },
                () = &mut sleep => {
                    let now = Instant::now();
                    // Catch up on every send that is due: open loop.
                    while let (Some(t), Some(every)) = (next, interval) {
                        if t > now {
                            break;
                        }
                        if !self.send(t, now).await {
                            return false;
                        }
                        next = Some(t + every).filter(|&t| t < send_end);
                    }
                    if now >= run_end {
                        return true;
                    }
                    sleep.as_mut().reset(next.unwrap_or(run_end));
                }
            }
        }
    }

    /// Handles what the socket produced; `false` when it is gone.
    async fn on_frame(&mut self, frame: Option<Result<Message, WsError>>) -> bool {
        let c = &self.shared.counters;
        match frame {
            Some(Ok(Message::Text(text))) => self.on_text(text.as_str()).await,
            Some(Ok(Message::Close(close))) => {
                bump(&c.closed);
                let i = self.spec.index;
                self.shared
                    .log(|| format!("client {i}: closed by the server: {close:?}"));
                false
            }
            Some(Ok(_)) => true, // pings (answered by tungstenite), pongs, binary
            Some(Err(e)) => {
                bump(&c.closed);
                let i = self.spec.index;
                self.shared.log(|| format!("client {i}: socket error: {e}"));
                false
            }
            None => {
                bump(&c.closed);
                let i = self.spec.index;
                self.shared.log(|| format!("client {i}: socket closed"));
                false
            }
        }
    }

    async fn on_text(&mut self, text: &str) -> bool {
        match self.shared.protocol {
            Protocol::Moa => self.on_moa(text).await,
            Protocol::Socketio => self.on_socketio(text).await,
        }
    }

    async fn on_moa(&mut self, text: &str) -> bool {
        let c = &self.shared.counters;
        // Fast path: serde writes the tag first.
        if text.starts_with(r#"{"type":"message","#) {
            match serde_json::from_str::<MessageFrame>(text) {
                Ok(f) => self.delivered(&f.message.body),
                Err(_) => bump(&c.bad_frames),
            }
            return true;
        }
        let head = match serde_json::from_str::<Head>(text) {
            Ok(head) => head,
            Err(_) => {
                bump(&c.bad_frames);
                let i = self.spec.index;
                let t = text.chars().take(200).collect::<String>();
                self.shared.log(|| format!("client {i}: bad frame: {t}"));
                return true;
            }
        };
        match head.kind.as_ref() {
            "message" => match serde_json::from_str::<MessageFrame>(text) {
                Ok(f) => self.delivered(&f.message.body),
                Err(_) => bump(&c.bad_frames),
            },
            "ack" => {
                match head
                    .id
                    .as_deref()
                    .and_then(|id| uuid::Uuid::parse_str(id).ok())
                {
                    Some(id) => self.acked(id.as_u128()),
                    None => bump(&c.bad_frames),
                }
            }
            "error" => {
                bump(&c.error_frames);
                let refused = head
                    .id
                    .as_deref()
                    .and_then(|id| uuid::Uuid::parse_str(id).ok())
                    .and_then(|id| {
                        let key = id.as_u128();
                        let at = self.pending.iter().position(|&(k, _)| k == key)?;
                        self.pending.remove(at)
                    });
                if refused.is_some() {
                    // A refused send causes no deliveries.
                    bump(&c.send_errors);
                    c.expected.fetch_sub(self.spec.receivers, Relaxed);
                }
                let i = self.spec.index;
                let t = text.chars().take(300).collect::<String>();
                self.shared.log(|| format!("client {i}: {t}"));
            }
            "resync" => {
                // Live delivery stopped for this connection: what it missed
                // counts as missing; go live again like a client would after
                // pulling.
                bump(&c.resyncs);
                let i = self.spec.index;
                self.shared
                    .log(|| format!("client {i}: resync (fell behind)"));
                if self
                    .ws
                    .send(Message::text(r#"{"type":"resume"}"#))
                    .await
                    .is_err()
                {
                    bump(&self.shared.counters.closed);
                    return false;
                }
            }
            other => self.shared.other(other),
        }
        true
    }

    async fn on_socketio(&mut self, text: &str) -> bool {
        let c = &self.shared.counters;
        if let Some(data) = text
            .strip_prefix(r#"42["message","#)
            .and_then(|rest| rest.strip_suffix(']'))
        {
            match serde_json::from_str::<BodyOnly>(data) {
                Ok(m) => self.delivered(&m.body),
                Err(_) => bump(&c.bad_frames),
            }
        } else if text == "2" {
            if self.ws.send(Message::text("3")).await.is_err() {
                bump(&c.closed);
                return false;
            }
        } else if let Some(rest) = text.strip_prefix("43") {
            let digits = rest.split('[').next().unwrap_or_default();
            match digits.parse::<u64>() {
                Ok(id) => self.acked(u128::from(id)),
                Err(_) => bump(&c.bad_frames),
            }
        } else if text.starts_with("41") || text == "1" {
            bump(&c.closed);
            let i = self.spec.index;
            self.shared
                .log(|| format!("client {i}: disconnected by the server ({text})"));
            return false;
        } else if text.starts_with("44") {
            bump(&c.error_frames);
            let i = self.spec.index;
            let t = text.chars().take(300).collect::<String>();
            self.shared.log(|| format!("client {i}: {t}"));
        } else {
            let kind = text.split(['[', '{']).next().unwrap_or_default();
            self.shared.other(&format!("packet {kind}"));
        }
        true
    }

    fn delivered(&self, body: &str) {
        let shared = &self.shared;
        let now = shared.micros(Instant::now());
        let sent_at = body.split(':').next().and_then(|t| t.parse::<u64>().ok());
        match sent_at {
            Some(t) => {
                shared.latency.record(now.saturating_sub(t));
                bump(&shared.counters.delivered);
                shared.counters.last_delivery_us.fetch_max(now, Relaxed);
            }
            None => bump(&shared.counters.bad_frames),
        }
    }

    fn acked(&mut self, key: u128) {
        let c = &self.shared.counters;
        let found = self
            .pending
            .iter()
            .position(|&(k, _)| k == key)
            .and_then(|at| self.pending.remove(at));
        match found {
            Some((_, t)) => {
                let now = self.shared.micros(Instant::now());
                self.shared.ack_latency.record(now.saturating_sub(t));
                bump(&c.acked);
            }
            None => bump(&c.stray_acks),
        }
    }

    /// Sends the message scheduled at `at`; `false` when the socket is gone.
    async fn send(&mut self, at: Instant, now: Instant) -> bool {
        let shared = self.shared.clone();
        let t = shared.micros(at);
        shared
            .send_lag
            .record(u64::try_from(now.saturating_duration_since(at).as_micros()).unwrap_or(0));
        let id = uuid::Uuid::now_v7();
        let body = format!("{t}:{}", shared.filler);
        let (key, text) = match shared.protocol {
            Protocol::Moa => {
                let frame = ClientFrame::Send {
                    room_id: self.spec.room.clone(),
                    message: SendMessageRequest {
                        id: id.to_string(),
                        body,
                        media: Vec::new(),
                        reply_to: None,
                    },
                };
                match serde_json::to_string(&frame) {
                    Ok(text) => (id.as_u128(), text),
                    Err(_) => {
                        bump(&shared.counters.bad_frames);
                        return true;
                    }
                }
            }
            Protocol::Socketio => {
                let ack = self.next_ack_id;
                self.next_ack_id += 1;
                // `id` and `body` need no JSON escaping (hex, digits, ASCII filler).
                let text = format!(r#"42{ack}["send",{{"id":"{id}","body":"{body}"}}]"#);
                (u128::from(ack), text)
            }
        };
        self.pending.push_back((key, t));
        bump(&shared.counters.sent);
        shared
            .counters
            .expected
            .fetch_add(self.spec.receivers, Relaxed);
        if let Err(e) = self.ws.send(Message::text(text)).await {
            bump(&shared.counters.closed);
            let i = self.spec.index;
            shared.log(|| format!("client {i}: send failed: {e}"));
            return false;
        }
        true
    }
}
