//! A local stand-in for a Slack incoming webhook, speaking its protocol:
//! `POST /services/T…/B…/…` with a JSON body `{"text": …}` answers `ok`;
//! a body that is not JSON is 400 `invalid_payload`, one without text 400
//! `no_text`, another path 404 `no_service`. It can be told to answer the
//! next posts 429 with `Retry-After`, as Slack does when a hook posts too
//! fast. Every accepted message is kept with when it came.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

/// The path of the one hook this fake serves.
pub const HOOK: &str = "/services/T0MOA/B0ALERTS/fake-secret";

#[derive(Debug, Default)]
struct Inner {
    messages: Vec<(Instant, String)>,
    refusals: Vec<String>,
    /// Posts still to answer 429, and the `Retry-After` to give.
    limited: u32,
    retry_after: u64,
}

/// A running fake webhook.
#[derive(Debug, Clone)]
pub struct FakeSlack {
    url: String,
    inner: Arc<Mutex<Inner>>,
}

async fn hook(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(rest): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut inner = inner.lock().unwrap_or_else(|e| e.into_inner());
    if format!("/services/{rest}") != HOOK {
        inner.refusals.push("no_service".into());
        return (StatusCode::NOT_FOUND, "no_service").into_response();
    }
    if inner.limited > 0 {
        inner.limited -= 1;
        let wait = inner.retry_after.to_string();
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", wait)],
            "rate_limited",
        )
            .into_response();
    }
    let json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let Some(value) = parsed.filter(|_| json) else {
        inner.refusals.push("invalid_payload".into());
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    };
    match value["text"].as_str().filter(|t| !t.trim().is_empty()) {
        Some(text) => {
            inner.messages.push((Instant::now(), text.to_owned()));
            (StatusCode::OK, "ok").into_response()
        }
        None => {
            inner.refusals.push("no_text".into());
            (StatusCode::BAD_REQUEST, "no_text").into_response()
        }
    }
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/services/{*rest}", post(hook))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Slack");
        let addr = listener.local_addr().expect("its address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeSlack {
            url: format!("http://{addr}"),
            inner,
        }
    }

    /// The webhook URL to configure.
    pub fn webhook_url(&self) -> String {
        format!("{}{HOOK}", self.url)
    }

    pub fn base(&self) -> &str {
        &self.url
    }

    /// The texts received so far.
    pub fn messages(&self) -> Vec<String> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.messages.iter().map(|(_, t)| t.clone()).collect()
    }

    /// When each message came.
    pub fn times(&self) -> Vec<Instant> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.messages.iter().map(|(at, _)| *at).collect()
    }

    /// What was refused, by Slack's error name.
    pub fn refusals(&self) -> Vec<String> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.refusals.clone()
    }

    /// Answers the next `n` posts 429 with `Retry-After: secs`.
    pub fn rate_limit_next(&self, n: u32, secs: u64) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.limited = n;
        inner.retry_after = secs;
    }

    /// Waits until a message containing `needle` came (10 s at most).
    pub async fn until(&self, needle: &str) -> String {
        for _ in 0..200 {
            if let Some(m) = self.messages().into_iter().find(|m| m.contains(needle)) {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no Slack message with {needle:?}: {:?}", self.messages());
    }
}
