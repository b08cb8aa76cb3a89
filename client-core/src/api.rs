//! The HTTP side of the SDK: one typed call per server endpoint the client
//! uses, JSON in and out, gzip-compressed answers. Errors become the SDK's
//! [`Error`] here; nothing above this module sees reqwest.
//!
//! Every call goes through a [`Transport`]: HTTP over reqwest in the apps,
//! a scripted server in unit tests (see `crate::scripted`), so the sync
//! loop and the client's decisions can be tested without a network.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use moa_protocol::sync::{PullRequest, PullResponse, PushRequest, PushResponse};
use moa_protocol::{
    AuthResponse, CreateUploadRequest, ErrorBody, ErrorCode, LoginRequest, Media, RefreshRequest,
    SignupRequest, UPLOAD_OFFSET_HEADER, UploadSession, UploadStarted,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// How long a request may take before it counts as a network failure (a
/// long-polling pull waits at most `PULL_WAIT_MAX_MS` less than this).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(40);

/// The HTTP methods the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

/// What a request carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Empty,
    /// A JSON document (`application/json`).
    Json(Vec<u8>),
    /// Raw bytes of an upload chunk (`application/offset+octet-stream`).
    Chunk(Vec<u8>),
}

/// One request as a [`Transport`] carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub verb: Verb,
    /// The path under `/v1`, with its query string.
    pub path: String,
    /// The bearer token, when signed in.
    pub token: Option<String>,
    /// Extra headers (the upload offset).
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

impl Request {
    /// A request with no body and no extra header.
    pub fn new(verb: Verb, path: &str, token: Option<&str>) -> Request {
        Request {
            verb,
            path: path.to_owned(),
            token: token.map(str::to_owned),
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    /// The JSON body decoded as `T` (for scripted servers and logs).
    pub fn json<T: DeserializeOwned>(&self) -> Option<T> {
        match &self.body {
            Body::Json(bytes) => serde_json::from_slice(bytes).ok(),
            _ => None,
        }
    }
}

/// The server's answer: a status and the body's bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// A request on its way.
pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<Answer>> + Send + 'a>>;

/// Carries requests to a server and answers come back. A failure to get an
/// answer at all is an [`Error::Network`] (whose message tells whether the
/// request surely never left: [`UNREACHABLE`]); an answer with an error
/// status is still an `Answer`, mapped to an [`Error`] above the transport.
pub trait Transport: Send + Sync + std::fmt::Debug {
    fn send(&self, request: Request) -> Sending<'_>;
}

/// The transport of the apps: HTTP(S) through reqwest.
#[derive(Debug)]
struct Http {
    http: reqwest::Client,
    base: String,
}

impl Http {
    fn new(base: String) -> Result<Http> {
        // HTTPS through rustls with ring (one process-wide provider; a second
        // install is a no-op).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(REQUEST_TIMEOUT)
            .gzip(true)
            .build()
            .map_err(|e| {
                Error::Network(crate::error::Detail::caused_by(
                    format!("cannot set up HTTP: {e}"),
                    e,
                ))
            })?;
        Ok(Http { http, base })
    }
}

impl Transport for Http {
    fn send(&self, request: Request) -> Sending<'_> {
        Box::pin(async move {
            let method = match request.verb {
                Verb::Get => reqwest::Method::GET,
                Verb::Post => reqwest::Method::POST,
                Verb::Put => reqwest::Method::PUT,
                Verb::Patch => reqwest::Method::PATCH,
                Verb::Delete => reqwest::Method::DELETE,
            };
            let mut req = self
                .http
                .request(method, format!("{}/v1{}", self.base, request.path));
            if let Some(token) = &request.token {
                req = req.bearer_auth(token);
            }
            for (name, value) in request.headers {
                req = req.header(name, value);
            }
            req = match request.body {
                Body::Empty => req,
                Body::Json(bytes) => req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(bytes),
                Body::Chunk(bytes) => req
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/offset+octet-stream",
                    )
                    .body(bytes),
            };
            let resp = req.send().await.map_err(network)?;
            let status = resp.status().as_u16();
            let body = resp.bytes().await.map_err(network)?.to_vec();
            Ok(Answer { status, body })
        })
    }
}

/// The apps' HTTP transport to the server at `server_url`, for a transport
/// that wraps it (one that records the requests, in tests).
pub fn http_transport(server_url: &str) -> Result<Arc<dyn Transport>> {
    Ok(Arc::new(Http::new(base_url(server_url)?)?))
}

/// A client of one server.
#[derive(Debug, Clone)]
pub struct Api {
    transport: Arc<dyn Transport>,
    base: String,
}

impl Api {
    /// A client of the server at `server_url`, over HTTP.
    pub fn new(server_url: &str) -> Result<Api> {
        let base = base_url(server_url)?;
        let transport = Arc::new(Http::new(base.clone())?);
        Ok(Api { transport, base })
    }

    /// A client of the server at `server_url` that sends every request
    /// through `transport` (the realtime socket still uses the URL).
    pub fn with_transport(server_url: &str, transport: Arc<dyn Transport>) -> Result<Api> {
        Ok(Api {
            transport,
            base: base_url(server_url)?,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        verb: Verb,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<T> {
        let body = match body {
            Some(body) => Body::Json(
                serde_json::to_vec(body)
                    .map_err(|e| Error::invalid("body", &format!("cannot be encoded: {e}")))?,
            ),
            None => Body::Empty,
        };
        let answer = self
            .transport
            .send(Request {
                body,
                ..Request::new(verb, path, token)
            })
            .await?;
        decode(answer, path)
    }

    /// [`Api::call`] for reads (GETs and pulls): a request that failed on
    /// the connection itself (a pooled connection the network dropped
    /// meanwhile, say) is sent once more at once, on a fresh one, before it
    /// counts as a network failure. Timeouts are not repeated. (A failed
    /// push is not: it waits out its backoff like any outbox item.)
    async fn call_idempotent<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        verb: Verb,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<T> {
        match self.call(verb, path, token, body).await {
            Err(Error::Network(m)) if !m.contains(TIMED_OUT) => {
                tracing::debug!(path, error = %m, "retrying once on a fresh connection");
                self.call(verb, path, token, body).await
            }
            other => other,
        }
    }

    pub async fn signup(&self, req: &SignupRequest) -> Result<AuthResponse> {
        self.call(Verb::Post, "/auth/signup", None, Some(req)).await
    }

    pub async fn login(&self, req: &LoginRequest) -> Result<AuthResponse> {
        self.call(Verb::Post, "/auth/login", None, Some(req)).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Result<AuthResponse> {
        let req = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        self.call(Verb::Post, "/auth/refresh", None, Some(&req))
            .await
    }

    pub async fn auth_methods(&self) -> Result<moa_protocol::AuthMethods> {
        self.call_idempotent::<(), _>(Verb::Get, "/auth/methods", None, None)
            .await
    }

    pub async fn password_reset(
        &self,
        req: &moa_protocol::PasswordResetRequest,
    ) -> Result<moa_protocol::PasswordResetSent> {
        self.call(Verb::Post, "/auth/password-reset", None, Some(req))
            .await
    }

    pub async fn password_reset_confirm(
        &self,
        req: &moa_protocol::PasswordResetConfirm,
    ) -> Result<AuthResponse> {
        self.call(Verb::Post, "/auth/password-reset/confirm", None, Some(req))
            .await
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        self.call::<(), serde_json::Value>(Verb::Post, "/auth/logout", Some(token), None)
            .await
            .map(|_| ())
    }

    pub async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse> {
        self.call(Verb::Post, "/sync/push", Some(token), Some(req))
            .await
    }

    pub async fn pull(&self, token: &str, req: &PullRequest) -> Result<PullResponse> {
        self.call_idempotent(Verb::Post, "/sync/pull", Some(token), Some(req))
            .await
    }

    /// Starts (or resumes) an upload: the stored media or a session.
    pub async fn start_upload(
        &self,
        token: &str,
        req: &CreateUploadRequest,
    ) -> Result<UploadStarted> {
        self.call(Verb::Post, "/media/uploads", Some(token), Some(req))
            .await
    }

    /// Where an upload session is.
    pub async fn upload_status(&self, token: &str, id: &str) -> Result<UploadSession> {
        self.get(Some(token), &format!("/media/uploads/{id}")).await
    }

    /// Sends the chunk starting at `offset`.
    pub async fn send_chunk(
        &self,
        token: &str,
        id: &str,
        offset: u64,
        bytes: Vec<u8>,
    ) -> Result<UploadSession> {
        let path = format!("/media/uploads/{id}");
        let answer = self
            .transport
            .send(Request {
                headers: vec![(UPLOAD_OFFSET_HEADER, offset.to_string())],
                body: Body::Chunk(bytes),
                ..Request::new(Verb::Patch, &path, Some(token))
            })
            .await?;
        decode(answer, &path)
    }

    pub async fn complete_upload(&self, token: &str, id: &str) -> Result<Media> {
        let path = format!("/media/uploads/{id}/complete");
        self.call::<(), Media>(Verb::Post, &path, Some(token), None)
            .await
    }

    /// The bytes of a media file (`/v1/media/{id}` or its thumbnail).
    pub async fn download(&self, token: Option<&str>, path: &str) -> Result<Vec<u8>> {
        let answer = self
            .transport
            .send(Request::new(Verb::Get, path, token))
            .await?;
        checked(answer)
    }

    /// A GET of the bytes `start..=end` of a resource under `/v1` (a
    /// `Range` request; the server answers 206 with just those bytes).
    pub async fn download_range(
        &self,
        token: Option<&str>,
        path: &str,
        start: u64,
        end: u64,
    ) -> Result<Vec<u8>> {
        let answer = self
            .transport
            .send(Request {
                headers: vec![("Range", format!("bytes={start}-{end}"))],
                ..Request::new(Verb::Get, path, token)
            })
            .await?;
        checked(answer)
    }

    /// A GET of any JSON resource under `/v1`.
    pub async fn get<T: DeserializeOwned>(&self, token: Option<&str>, path: &str) -> Result<T> {
        self.call_idempotent::<(), T>(Verb::Get, path, token, None)
            .await
    }

    /// A POST of a JSON body to any resource under `/v1` (sent once: a POST
    /// is not repeated on a dropped connection).
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        token: Option<&str>,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.call(Verb::Post, path, token, Some(body)).await
    }

    /// A PATCH of a JSON body to any resource under `/v1` (sent once).
    pub async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        token: Option<&str>,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.call(Verb::Patch, path, token, Some(body)).await
    }

    /// A PUT of a JSON body to any resource under `/v1` (idempotent, so
    /// repeated once on a dropped connection like a GET).
    pub async fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        token: Option<&str>,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.call_idempotent(Verb::Put, path, token, Some(body))
            .await
    }

    /// A DELETE of any resource under `/v1` (idempotent, as [`Api::put`]);
    /// an empty answer (204) decodes as `()`.
    pub async fn delete<T: DeserializeOwned>(&self, token: Option<&str>, path: &str) -> Result<T> {
        self.call_idempotent::<(), T>(Verb::Delete, path, token, None)
            .await
    }

    /// A DELETE with a JSON body (sent once).
    pub async fn delete_with<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        token: Option<&str>,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.call(Verb::Delete, path, token, Some(body)).await
    }
}

/// `path` with a query string of the `params` that have a value, each
/// percent-encoded (search text is free text, in any script).
pub fn with_query(path: &str, params: &[(&str, Option<&str>)]) -> String {
    let mut out = path.to_owned();
    let mut sep = '?';
    for (name, value) in params {
        if let Some(value) = value {
            out.push(sep);
            out.push_str(name);
            out.push('=');
            out.push_str(&encode(value));
            sep = '&';
        }
    }
    out
}

/// Percent-encodes `s` for a path segment or a query value: everything but
/// the unreserved characters of RFC 3986, byte by byte of its UTF-8.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `server_url` without a trailing slash, if it is an HTTP(S) URL.
fn base_url(server_url: &str) -> Result<String> {
    let base = server_url.trim_end_matches('/').to_owned();
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(Error::invalid(
            "server_url",
            "must start with http:// or https://",
        ));
    }
    Ok(base)
}

/// Decodes a JSON answer, or maps an error answer to the SDK's [`Error`].
fn decode<T: DeserializeOwned>(answer: Answer, path: &str) -> Result<T> {
    let bytes = checked(answer)?;
    let bytes = if bytes.is_empty() {
        &b"null"[..]
    } else {
        &bytes[..]
    };
    serde_json::from_slice(bytes).map_err(|e| {
        Error::Server(crate::error::Detail::caused_by(
            format!("unexpected answer from {path}: {e}"),
            e,
        ))
    })
}

/// The body of a successful answer; an error answer becomes an [`Error`].
fn checked(answer: Answer) -> Result<Vec<u8>> {
    let status = answer.status;
    if (200..300).contains(&status) {
        return Ok(answer.body);
    }
    let detail = serde_json::from_slice::<ErrorBody>(&answer.body)
        .ok()
        .map(|b| b.error);
    let message = detail
        .as_ref()
        .map(|d| d.message.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    // A sign-in provider that failed is the provider's trouble, not a
    // network one: said as such (the Moa server answered).
    let provider_failed = detail
        .as_ref()
        .is_some_and(|d| d.code == ErrorCode::OauthFailed);
    Err(match status {
        401 => Error::Auth(message),
        404 => Error::NotFound(message),
        s if (s >= 500 && !provider_failed) || s == 429 => {
            Error::Network(format!("server busy or failing ({status}): {message}").into())
        }
        _ => Error::Rejected {
            code: detail
                .as_ref()
                .map(|d| d.code.clone())
                .unwrap_or_else(|| ErrorCode::Unknown(status.to_string())),
            message,
            field: detail.and_then(|d| d.field),
        },
    })
}

const TIMED_OUT: &str = "the server did not answer in time";
/// A connection that could not be made: the request never left.
pub(crate) const UNREACHABLE: &str = "cannot reach the server";

fn network(e: reqwest::Error) -> Error {
    let message = if e.is_timeout() {
        TIMED_OUT.to_owned()
    } else if e.is_connect() {
        UNREACHABLE.to_owned()
    } else {
        format!("connection failed: {e}")
    };
    Error::Network(crate::error::Detail::caused_by(message, e))
}

#[cfg(test)]
mod tests {
    use super::{encode, with_query};

    #[test]
    fn query_values_are_percent_encoded_and_absent_ones_left_out() {
        assert_eq!(
            encode("성수 카페&x=1/2"),
            "%EC%84%B1%EC%88%98%20%EC%B9%B4%ED%8E%98%26x%3D1%2F2"
        );
        assert_eq!(encode("a-Z_0.~"), "a-Z_0.~");
        assert_eq!(
            with_query(
                "/places",
                &[("q", Some("빵 집")), ("cursor", None), ("limit", Some("5"))]
            ),
            "/places?q=%EB%B9%B5%20%EC%A7%91&limit=5"
        );
        assert_eq!(
            with_query("/me/liked-reviews", &[("cursor", None)]),
            "/me/liked-reviews"
        );
    }
}
