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
    /// Something this server is not set up to offer (404 `not_offered`).
    #[error("{0}")]
    NotOffered(String),
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
    /// A provider the server depends on (payments) failed or could not be
    /// reached (502 `payment_provider`); retried, never stored as an answer.
    #[error("{0}")]
    Upstream(String),
    /// A sign-in provider (Kakao, Naver, Google) could not be reached or
    /// answered nonsense (502 `oauth_failed`); the details are logged.
    #[error("{0}")]
    SignInProvider(String),
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

    /// What the rules refused, or `None` for an infrastructure failure (the
    /// database, storage, a bug): a refusal is the answer and is stored as
    /// such (a sync push's rejection, a batch item's error), while a failure
    /// is retried and never stored.
    pub fn refusal(&self) -> Option<Refusal> {
        use Error::*;
        let (code, message, field) = match self {
            BadRequest { code, message }
            | Unprocessable { code, message }
            | Unauthorized { code, message }
            | Forbidden { code, message }
            | Conflict { code, message } => (code.clone(), message.clone(), None),
            InvalidField { field, .. } => (
                ErrorCode::InvalidField,
                self.to_string(),
                Some(field.clone()),
            ),
            UnsupportedMediaType => (ErrorCode::UnsupportedMediaType, self.to_string(), None),
            PayloadTooLarge { .. } => (ErrorCode::PayloadTooLarge, self.to_string(), None),
            TooLarge(message) => (ErrorCode::PayloadTooLarge, message.clone(), None),
            UnsupportedFormat(message) => (ErrorCode::UnsupportedFormat, message.clone(), None),
            RangeNotSatisfiable { .. } => (ErrorCode::RangeNotSatisfiable, self.to_string(), None),
            NotFound(message) => (ErrorCode::NotFound, message.clone(), None),
            NotOffered(message) => (ErrorCode::NotOffered, message.clone(), None),
            MethodNotAllowed => (ErrorCode::MethodNotAllowed, self.to_string(), None),
            EditConflict { .. } => (ErrorCode::Conflict, self.to_string(), None),
            RateLimited { .. } => (ErrorCode::RateLimited, self.to_string(), None),
            Database(e) if is_unique_violation(e) => (
                ErrorCode::Conflict,
                "this conflicts with something that already exists".into(),
                None,
            ),
            Unavailable | Upstream(_) | SignInProvider(_) | Database(_) | Internal(_)
            | Storage(_) => {
                return None;
            }
        };
        let current = match self {
            EditConflict { current } => Some(current.clone()),
            _ => None,
        };
        Some(Refusal {
            code,
            field,
            message,
            current,
        })
    }

    /// The HTTP status this error answers with: the one mapping from errors
    /// to statuses.
    pub fn status(&self) -> StatusCode {
        use Error::*;
        match self {
            BadRequest { .. } => StatusCode::BAD_REQUEST,
            InvalidField { .. } | Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            UnsupportedMediaType | UnsupportedFormat(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PayloadTooLarge { .. } | TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Forbidden { .. } => StatusCode::FORBIDDEN,
            NotFound(_) | NotOffered(_) => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Conflict { .. } | EditConflict { .. } => StatusCode::CONFLICT,
            RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Database(e) if is_unique_violation(e) => StatusCode::CONFLICT,
            Unavailable | Database(sqlx::Error::PoolTimedOut) => StatusCode::SERVICE_UNAVAILABLE,
            Upstream(_) | SignInProvider(_) => StatusCode::BAD_GATEWAY,
            Database(_) | Internal(_) | Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error body's detail: the refusal, or for a failure a generic
    /// message (its details are logged, never sent).
    pub fn detail(&self) -> ErrorDetail {
        if let Some(refusal) = self.refusal() {
            return refusal.into_detail();
        }
        let (code, message) = match self {
            Error::Unavailable => (
                ErrorCode::Unavailable,
                "the database is unavailable; try again shortly",
            ),
            Error::Database(sqlx::Error::PoolTimedOut) => (
                ErrorCode::Unavailable,
                "the server is busy; try again shortly",
            ),
            Error::Upstream(_) => (
                ErrorCode::PaymentProvider,
                "the payment provider could not be reached; try again shortly",
            ),
            Error::SignInProvider(_) => (
                ErrorCode::OauthFailed,
                "the sign-in provider could not be reached; try again shortly",
            ),
            _ => (ErrorCode::Internal, "something went wrong on the server"),
        };
        ErrorDetail {
            code,
            message: message.to_owned(),
            field: None,
            current: None,
        }
    }
}

/// Why the rules refused a request or a mutation: what the client can act
/// on (a code, the field at fault, a message, and for an edit based on an old
/// version, the current entity). Apart from failures of the server itself,
/// which [`Error::refusal`] does not turn into one.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub field: Option<String>,
    pub message: String,
    pub current: Option<serde_json::Value>,
}

impl Refusal {
    /// The refusal as the protocol's error detail.
    pub fn into_detail(self) -> ErrorDetail {
        ErrorDetail {
            code: self.code,
            message: self.message,
            field: self.field,
            current: self.current,
        }
    }
}

/// Whether a database error is a UNIQUE constraint violation (both engines).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, error) = (self.status(), self.detail());
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
            (Error::Unavailable, 503, "unavailable"),
            (
                Error::Database(sqlx::Error::PoolTimedOut),
                503,
                "unavailable",
            ),
            (Error::Database(sqlx::Error::RowNotFound), 500, "internal"),
            (Error::TooLarge("x".into()), 413, "payload_too_large"),
            (
                Error::UnsupportedFormat("x".into()),
                415,
                "unsupported_format",
            ),
            (
                Error::Unprocessable {
                    code: ErrorCode::InvalidField,
                    message: "x".into(),
                },
                422,
                "invalid_field",
            ),
            (
                Error::RangeNotSatisfiable { size: 1 },
                416,
                "range_not_satisfiable",
            ),
            (Error::MethodNotAllowed, 405, "method_not_allowed"),
            (
                Error::BadRequest {
                    code: ErrorCode::MalformedJson,
                    message: "x".into(),
                },
                400,
                "malformed_json",
            ),
            (
                Error::EditConflict {
                    current: serde_json::json!({"id": "x"}),
                },
                409,
                "conflict",
            ),
        ];
        for (err, status, code) in cases {
            let detail = err.detail();
            assert_eq!(
                (err.status().as_u16(), detail.code.as_str()),
                (status, code)
            );
            assert!(
                !detail.message.contains("secret detail"),
                "5xx details must not leak"
            );
            assert_eq!(
                err.refusal().is_some(),
                err.status().is_client_error(),
                "refusals are exactly the 4xx answers: {err:?}"
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
