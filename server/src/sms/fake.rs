//! A local stand-in for Naver Cloud SENS v2, speaking the part Moa uses:
//! `POST /sms/v2/services/{serviceId}/messages`. It checks what SENS
//! checks — the access key, a timestamp within five minutes, the
//! `x-ncp-apigw-signature-v2` HMAC (401 otherwise) — and the body (type,
//! content length in EUC-KR bytes, 1 to 100 numbers; 400 otherwise), and
//! answers 202 with a request id. It sends nothing: the demo (`--fake-sms`)
//! and the tests read what it accepted. Tests can make the next requests
//! fail with 500.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use moa_protocol::{LMS_MAX_BYTES, LMS_SUBJECT_MAX_BYTES, SMS_MAX_BYTES, euc_kr_bytes};

use super::sens::{Accepted, SendBody, SensSettings, messages_path, signature};

/// One accepted request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub request_id: String,
    pub kind: String,
    pub content_type: String,
    pub subject: Option<String>,
    pub content: String,
    pub to: Vec<String>,
}

#[derive(Debug, Default)]
struct Inner {
    received: Vec<Received>,
    refused: Vec<String>,
    fail_next: u32,
    next_id: u64,
}

/// A running fake SENS.
#[derive(Debug, Clone)]
pub struct FakeSens {
    url: String,
    settings: SensSettings,
    inner: Arc<Mutex<Inner>>,
}

#[derive(Clone)]
struct AppState {
    settings: SensSettings,
    inner: Arc<Mutex<Inner>>,
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "errorCode": code, "message": message } });
    (status, axum::Json(body)).into_response()
}

async fn messages(
    State(app): State<AppState>,
    Path(service_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut inner = app.inner.lock().unwrap_or_else(|e| e.into_inner());
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let (timestamp, key, sig) = (
        header("x-ncp-apigw-timestamp"),
        header("x-ncp-iam-access-key"),
        header("x-ncp-apigw-signature-v2"),
    );
    let path = messages_path(&service_id);
    let now = crate::util::now_ms();
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (now - t).abs() <= 5 * 60 * 1000);
    let expected = signature(&app.settings.secret_key, "POST", &path, timestamp, key);
    if key != app.settings.access_key || !fresh || sig.is_empty() || sig != expected {
        inner.refused.push("authentication".into());
        return error(StatusCode::UNAUTHORIZED, "200", "Authentication Failed");
    }
    if service_id != app.settings.service_id {
        inner.refused.push("service".into());
        return error(StatusCode::NOT_FOUND, "404", "Not Found Exception");
    }
    if inner.fail_next > 0 {
        inner.fail_next -= 1;
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500",
            "Internal Server Error",
        );
    }
    let Ok(req) = serde_json::from_slice::<SendBody>(&body) else {
        inner.refused.push("body".into());
        return error(StatusCode::BAD_REQUEST, "400", "Bad Request Exception");
    };
    let limit = match req.kind.as_str() {
        "SMS" => SMS_MAX_BYTES,
        "LMS" => LMS_MAX_BYTES,
        _ => 0,
    };
    let numbers_ok = !req.messages.is_empty()
        && req.messages.len() <= super::sens::MAX_RECIPIENTS
        && req
            .messages
            .iter()
            .all(|m| m.to.len() >= 10 && m.to.chars().all(|c| c.is_ascii_digit()));
    let subject_ok = req
        .subject
        .as_deref()
        .is_none_or(|s| euc_kr_bytes(s) <= LMS_SUBJECT_MAX_BYTES);
    if euc_kr_bytes(&req.content) > limit
        || req.content.is_empty()
        || !numbers_ok
        || !subject_ok
        || !matches!(req.content_type.as_str(), "COMM" | "AD")
        || req.from != app.settings.from
    {
        inner.refused.push("body".into());
        return error(StatusCode::BAD_REQUEST, "400", "Bad Request Exception");
    }
    inner.next_id += 1;
    let request_id = format!("RSSA-{:013}-{:04}", now, inner.next_id);
    // Nothing leaves the machine: the log is where the demo's members (and
    // the end-to-end scripts) read their verification codes.
    tracing::warn!(
        to = ?req.messages.iter().map(|m| m.to.as_str()).collect::<Vec<_>>(),
        content = %req.content,
        "FAKE SENS got a text (not sent)"
    );
    inner.received.push(Received {
        request_id: request_id.clone(),
        kind: req.kind,
        content_type: req.content_type,
        subject: req.subject,
        content: req.content,
        to: req.messages.into_iter().map(|m| m.to).collect(),
    });
    let accepted = Accepted {
        request_id,
        request_time: now.to_string(),
        status_code: "202".into(),
        status_name: "success".into(),
    };
    (StatusCode::ACCEPTED, axum::Json(accepted)).into_response()
}

impl FakeSens {
    /// Starts the fake on `bind` (e.g. `127.0.0.1:0`), taking requests
    /// signed with `settings`' keys (its `api_base` is ignored).
    pub async fn start(settings: SensSettings, bind: &str) -> std::io::Result<FakeSens> {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/sms/v2/services/{service_id}/messages", post(messages))
            .with_state(AppState {
                settings: settings.clone(),
                inner: inner.clone(),
            });
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeSens {
            url: format!("http://{addr}"),
            settings,
            inner,
        })
    }

    /// Keys for a local fake (the demo's).
    pub fn demo_settings() -> SensSettings {
        SensSettings {
            api_base: String::new(),
            service_id: "ncp:sms:kr:000000000000:moa-demo".into(),
            access_key: "fake-access-key".into(),
            secret_key: "fake-secret-key".into(),
            from: "0212345678".into(),
        }
    }

    /// The settings to send to this fake with.
    pub fn settings(&self) -> SensSettings {
        SensSettings {
            api_base: self.url.clone(),
            ..self.settings.clone()
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Requests accepted so far.
    pub fn received(&self) -> Vec<Received> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .received
            .clone()
    }

    /// Why requests were refused (`authentication`, `service`, `body`).
    pub fn refused(&self) -> Vec<String> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .refused
            .clone()
    }

    /// Answers the next `n` requests 500.
    pub fn fail_next(&self, n: u32) {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .fail_next = n;
    }
}
