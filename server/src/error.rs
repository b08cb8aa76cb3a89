//! The server's one error type and its one mapping to HTTP responses.
//!
//! Every handler and service returns [`Error`]; `IntoResponse` turns it into a
//! status and the `{"error": {"code", "message"}}` body of `moa-protocol`.
//! Details of 5xx errors (database messages, I/O) are logged here and never
//! sent to the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use moa_protocol::{ErrorBody, ErrorCode, ErrorDetail};

/// `Result` with the server's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed (bad JSON syntax, bad path or query parameter).
    #[error("{message}")]
    BadRequest { code: ErrorCode, message: String },
    /// A field is missing, has the wrong type or breaks a validation rule.
    #[error("{field}: {message}")]
    InvalidField { field: String, message: String },
    #[error("expected a JSON body with Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// An upload over a size limit (413 `payload_too_large`).
    #[error("{0}")]
    TooLarge(String),
    /// A file whose content is not a type the endpoint takes (415
    /// `unsupported_format`).
    #[error("{0}")]
    UnsupportedFormat(String),
    /// Well-formed but refused content, with its own code (422), e.g. an
    /// image bomb or a corrupt file.
    #[error("{message}")]
    Unprocessable { code: ErrorCode, message: String },
    /// A `Range` outside the file (416).
    #[error("the range is outside the file ({size} bytes)")]
    RangeNotSatisfiable { size: u64 },
    #[error(transparent)]
    Storage(#[from] crate::media::store::StoreError),
    #[error("{message}")]
    Unauthorized { code: ErrorCode, message: String },
    #[error("{message}")]
    Forbidden { code: ErrorCode, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed on this path")]
    MethodNotAllowed,
    #[error("{message}")]
    Conflict { code: ErrorCode, message: String },
    /// An edit based on an old version of a field that changed meanwhile.
    #[error("this was changed elsewhere since you started editing")]
    EditConflict { current: serde_json::Value },
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("database unavailable")]
    Unavailable,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A 422 naming the field at fault.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidField {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Unauthorized {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden {
            code: ErrorCode::Forbidden,
            message: message.into(),
        }
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Conflict {
            code,
            message: message.into(),
        }
    }

    /// The status, code, message and field this error answers with.
    fn parts(&self) -> (StatusCode, ErrorCode, String, Option<String>) {
        use Error::*;
        match self {
            BadRequest { code, message } => {
                (StatusCode::BAD_REQUEST, code.clone(), message.clone(), None)
            }
            InvalidField { field, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidField,
                self.to_string(),
                Some(field.clone()),
            ),
            UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                self.to_string(),
                None,
            ),
            PayloadTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                self.to_string(),
                None,
            ),
            TooLarge(message) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                message.clone(),
                None,
            ),
            UnsupportedFormat(message) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedFormat,
                message.clone(),
                None,
            ),
            Unprocessable { code, message } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                code.clone(),
                message.clone(),
                None,
            ),
            RangeNotSatisfiable { .. } => (
                StatusCode::RANGE_NOT_SATISFIABLE,
                ErrorCode::RangeNotSatisfiable,
                self.to_string(),
                None,
            ),
            Unauthorized { code, message } => (
                StatusCode::UNAUTHORIZED,
                code.clone(),
                message.clone(),
                None,
            ),
            Forbidden { code, message } => {
                (StatusCode::FORBIDDEN, code.clone(), message.clone(), None)
            }
            NotFound(message) => (
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                message.clone(),
                None,
            ),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::MethodNotAllowed,
                self.to_string(),
                None,
            ),
            Conflict { code, message } => {
                (StatusCode::CONFLICT, code.clone(), message.clone(), None)
            }
            EditConflict { .. } => (
                StatusCode::CONFLICT,
                ErrorCode::Conflict,
                self.to_string(),
                None,
            ),
            RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                self.to_string(),
                None,
            ),
            Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "the database is unavailable; try again shortly".into(),
                None,
            ),
            Database(e) if is_unique_violation(e) => (
                StatusCode::CONFLICT,
                ErrorCode::Conflict,
                "this conflicts with something that already exists".into(),
                None,
            ),
            Database(sqlx::Error::PoolTimedOut) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "the server is busy; try again shortly".into(),
                None,
            ),
            Database(_) | Internal(_) | Storage(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "something went wrong on the server".into(),
                None,
            ),
        }
    }
}

/// Whether a database error is a UNIQUE constraint violation (both engines).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl Error {
    /// The status and the error body's detail this error answers with (also
    /// what a sync push stores for a rejected mutation).
    pub fn detail(&self) -> (StatusCode, ErrorDetail) {
        let (status, code, message, field) = self.parts();
        let current = match self {
            Error::EditConflict { current } => Some(current.clone()),
            _ => None,
        };
        let detail = ErrorDetail {
            code,
            message,
            field,
            current,
        };
        (status, detail)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, error) = self.detail();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = ErrorBody { error };
        let mut response = (status, axum::Json(body)).into_response();
        if let Error::RangeNotSatisfiable { size } = self
            && let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}"))
        {
            response.headers_mut().insert(header::CONTENT_RANGE, v);
        }
        if let Error::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Internal(format!("blocking task failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_its_status() {
        let cases = [
            (Error::invalid("email", "bad"), 422, "invalid_field"),
            (Error::UnsupportedMediaType, 415, "unsupported_media_type"),
            (
                Error::PayloadTooLarge { limit: 1 },
                413,
                "payload_too_large",
            ),
            (
                Error::unauthorized(ErrorCode::InvalidToken, "x"),
                401,
                "invalid_token",
            ),
            (Error::forbidden("x"), 403, "forbidden"),
            (Error::NotFound("x".into()), 404, "not_found"),
            (
                Error::conflict(ErrorCode::EmailTaken, "x"),
                409,
                "email_taken",
            ),
            (
                Error::RateLimited {
                    retry_after_secs: 3,
                },
                429,
                "rate_limited",
            ),
            (Error::Internal("secret detail".into()), 500, "internal"),
        ];
        for (err, status, code) in cases {
            let (s, c, message, _) = err.parts();
            assert_eq!((s.as_u16(), c.as_str()), (status, code));
            assert!(
                !message.contains("secret detail"),
                "5xx details must not leak"
            );
        }
    }

    #[test]
    fn rate_limited_sets_retry_after() {
        let r = Error::RateLimited {
            retry_after_secs: 7,
        }
        .into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
    }
}
