//! Request extractors whose rejections go through the one error mapping:
//! JSON bodies ([`ApiJson`]), query strings ([`ApiQuery`]), the signed-in
//! member (an [`Actor`], or a [`Reader`] where signing in is optional) and
//! the client's address ([`ClientIp`]).

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, header, request::Parts};
use moa_protocol::{ErrorCode, limits};
use serde::de::DeserializeOwned;

use crate::actor::{Actor, Reader};
use crate::error::{Error, Result};
use crate::state::AppState;

/// A JSON request body. Unlike `axum::Json`, every failure is an [`Error`]:
/// 415 without a JSON content type, 413 over the body limit, 400 for broken
/// JSON, 422 naming the field for missing fields and wrong types.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        if !is_json(req.headers()) {
            return Err(Error::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge {
                    limit: limits::MAX_JSON_BODY_BYTES,
                }
            } else {
                Error::BadRequest {
                    code: ErrorCode::MalformedJson,
                    message: format!("could not read the request body: {rejection}"),
                }
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Deserializes `bytes`, classifying errors as syntax (400) or data (422).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_error(path, inner)
    })?;
    de.end().map_err(|e| json_error(".".into(), e))?;
    Ok(value)
}

fn json_error(path: String, e: serde_json::Error) -> Error {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => {
            let message = strip_position(&e.to_string());
            // serde reports a missing field at the parent's path; name the field itself.
            let field = match (path.as_str(), missing_field(&message)) {
                (".", Some(name)) => name.to_owned(),
                (parent, Some(name)) => format!("{parent}.{name}"),
                (".", None) => "body".to_owned(),
                (p, None) => p.to_owned(),
            };
            Error::InvalidField { field, message }
        }
        Category::Syntax | Category::Eof | Category::Io => Error::BadRequest {
            code: ErrorCode::MalformedJson,
            message: format!("the body is not valid JSON: {e}"),
        },
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

/// A query string; a malformed one is a 400 `invalid_parameter`.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| Error::BadRequest {
                code: ErrorCode::InvalidParameter,
                message: e.body_text(),
            })
    }
}

/// The former name of [`Actor`], kept for the workspace's benches.
pub type Member = Actor;

/// The signed-in member behind a valid access token of a live session.
///
/// Extracting an [`Actor`] checks the token's signature and expiry, then that
/// the session is not revoked and the account not deleted, and reads the
/// current role and suspension (so a role change takes effect on the next
/// request).
pub async fn actor_from_token(state: &AppState, token: &str) -> Result<Actor> {
    let claims = state.tokens.verify_access(token)?;
    crate::auth::service::load_member(&state.db, &claims.sub, &claims.sid)
        .await?
        .ok_or_else(|| {
            Error::unauthorized(
                ErrorCode::InvalidToken,
                "the session has ended; sign in again",
            )
        })
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        actor_from_token(state, bearer_token(&parts.headers)?).await
    }
}

/// The signed-in member if the request carries a token, anonymous otherwise.
/// A token that is present but invalid or expired is still a 401, so that
/// clients refresh instead of silently seeing the anonymous view.
impl FromRequestParts<AppState> for Reader {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            Actor::from_request_parts(parts, state)
                .await
                .map(|m| Reader(Some(m)))
        } else {
            Ok(Reader(None))
        }
    }
}

/// The token of an `Authorization: Bearer` header (401 when missing or
/// malformed).
pub fn bearer_token(headers: &HeaderMap) -> Result<&str> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| Error::unauthorized(ErrorCode::MissingToken, "sign in first"))?;
    let value = value.to_str().map_err(|_| {
        Error::unauthorized(
            ErrorCode::InvalidToken,
            "the Authorization header is not text",
        )
    })?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
            Ok(token.trim())
        }
        _ => Err(Error::unauthorized(
            ErrorCode::InvalidToken,
            "expected an Authorization: Bearer <access token> header",
        )),
    }
}

/// The client's IP address, for rate limiting. Behind a reverse proxy (and
/// only when configured to trust it) the last `X-Forwarded-For` entry, the one
/// the proxy itself appended.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        if state.settings.trust_forwarded_for {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(|s| s.trim().parse::<IpAddr>().ok());
            if forwarded.is_some() {
                return Ok(ClientIp(forwarded));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(peer))
    }
}

impl ClientIp {
    /// The key this address is rate limited under.
    pub fn key(&self) -> String {
        self.0
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        nested: Option<Inner>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn field_of(e: Error) -> String {
        match e {
            Error::InvalidField { field, .. } => field,
            other => panic!("expected InvalidField, got {other:?}"),
        }
    }

    #[test]
    fn classifies_json_errors() {
        assert!(matches!(
            parse_json::<Body>(b"{\"email\": "),
            Err(Error::BadRequest {
                code: ErrorCode::MalformedJson,
                ..
            })
        ));
        assert!(matches!(
            parse_json::<Body>(b"{\"email\": \"a\"} trailing"),
            Err(Error::BadRequest {
                code: ErrorCode::MalformedJson,
                ..
            })
        ));
        assert_eq!(field_of(parse_json::<Body>(b"{}").unwrap_err()), "email");
        assert_eq!(
            field_of(parse_json::<Body>(b"{\"email\": 5}").unwrap_err()),
            "email"
        );
        assert_eq!(
            field_of(
                parse_json::<Body>(b"{\"email\":\"a\",\"nested\":{\"count\":-1}}").unwrap_err()
            ),
            "nested.count"
        );
        assert_eq!(
            field_of(parse_json::<Body>(b"\"text\"").unwrap_err()),
            "body"
        );
        assert!(parse_json::<Body>(b"{\"email\":\"a\"}").is_ok());
    }

    #[test]
    fn recognises_json_content_types() {
        let mut h = HeaderMap::new();
        assert!(!is_json(&h));
        h.insert(
            header::CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        assert!(is_json(&h));
        h.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert!(!is_json(&h));
    }

    #[test]
    fn parses_bearer_tokens() {
        let mut h = HeaderMap::new();
        assert!(bearer_token(&h).is_err());
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert!(bearer_token(&h).is_err());
        h.insert(header::AUTHORIZATION, "Bearer abc.def".parse().unwrap());
        assert_eq!(bearer_token(&h).unwrap(), "abc.def");
    }
}
