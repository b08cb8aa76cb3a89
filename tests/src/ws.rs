//! A realtime-socket client for tests: connects to `GET /v1/realtime` over a
//! real TCP connection, reads the `ready` frame, and reads frames with
//! timeouts so a missing delivery fails the test instead of hanging it.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for an expected frame.
pub const WAIT: Duration = Duration::from_secs(10);

/// One open realtime connection.
pub struct Ws {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The `ready` frame.
    pub ready: Value,
}

fn ws_url(base: &str) -> String {
    format!("{}/v1/realtime", base.replacen("http", "ws", 1))
}

/// Tries to connect with `token` as a Bearer header (or none).
pub async fn try_connect(
    base: &str,
    token: Option<&str>,
) -> Result<WebSocketStream<MaybeTlsStream<TcpStream>>, tungstenite::Error> {
    let mut request = ws_url(base).into_client_request()?;
    if let Some(token) = token {
        let value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|e| {
            tungstenite::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
        })?;
        request.headers_mut().insert("authorization", value);
    }
    let (stream, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(stream)
}

impl Ws {
    /// Connects (panicking on failure) and reads `ready`.
    pub async fn connect(base: &str, token: &str) -> Ws {
        let stream = try_connect(base, Some(token))
            .await
            .expect("socket connects");
        let mut ws = Ws {
            stream,
            ready: Value::Null,
        };
        ws.ready = ws.next_of("ready").await;
        ws
    }

    /// Sends one JSON frame.
    pub async fn send(&mut self, frame: Value) {
        self.send_text(frame.to_string()).await;
    }

    /// Sends raw text.
    pub async fn send_text(&mut self, text: String) {
        self.stream
            .send(Message::Text(text.into()))
            .await
            .expect("frame sent");
    }

    /// Sends raw text, answering whether it went out (the server may close
    /// the connection while a large frame is being written).
    pub async fn try_send_text(&mut self, text: String) -> bool {
        self.stream.send(Message::Text(text.into())).await.is_ok()
    }

    /// The next JSON frame within `wait`, `None` on timeout or close.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.stream.next()).await;
            match next {
                Err(_) | Ok(None) | Ok(Some(Err(_))) => return None,
                Ok(Some(Ok(Message::Text(t)))) => {
                    return Some(serde_json::from_str(t.as_str()).expect("frames are JSON"));
                }
                Ok(Some(Ok(Message::Close(_)))) => return None,
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// The next frame (panics after [`WAIT`]).
    pub async fn next(&mut self) -> Value {
        self.next_within(WAIT).await.expect("a frame arrives")
    }

    /// The next frame of type `ty`, skipping pokes and others.
    pub async fn next_of(&mut self, ty: &str) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self
                .next_within(left)
                .await
                .unwrap_or_else(|| panic!("no {ty} frame arrived"));
            if frame["type"] == ty {
                return frame;
            }
        }
    }

    /// Every frame of type `ty` arriving within `wait`.
    pub async fn collect(&mut self, ty: &str, wait: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut out = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return out;
            }
            match self.next_within(left).await {
                Some(f) if f["type"] == ty => out.push(f),
                Some(_) => {}
                None => return out,
            }
        }
    }

    /// Sends a message frame with a fresh id; answers the id.
    pub async fn say(&mut self, room_id: &str, body: &str) -> String {
        let id = uuid::Uuid::now_v7().to_string();
        self.send(serde_json::json!({"type": "send", "room_id": room_id, "id": id, "body": body}))
            .await;
        id
    }
}
