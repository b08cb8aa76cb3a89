//! The one error type of the SDK. UIs match on the variant; the message is
//! for people. Lower-level errors (SQLite, HTTP, JSON) are converted here and
//! nowhere else, so no rusqlite or reqwest type crosses the public API — but
//! they are kept as the error's `source()` (behind [`Detail`]) for logs and
//! debugging.

use std::sync::Arc;

/// The message of an error, with the lower-level error it came from, if any
/// (its `source()`). Reads like the message (`&str`); equal when the
/// messages are.
#[derive(Debug, Clone)]
pub struct Detail {
    message: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl Detail {
    /// `message`, caused by `source`.
    pub fn caused_by(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Detail {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }
}

impl From<String> for Detail {
    fn from(message: String) -> Self {
        Detail {
            message,
            source: None,
        }
    }
}

impl From<&str> for Detail {
    fn from(message: &str) -> Self {
        Detail::from(message.to_owned())
    }
}

impl std::ops::Deref for Detail {
    type Target = str;
    fn deref(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Detail {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl PartialEq for Detail {
    fn eq(&self, other: &Self) -> bool {
        self.message == other.message
    }
}

impl Eq for Detail {}

impl PartialEq<&str> for Detail {
    fn eq(&self, other: &&str) -> bool {
        self.message == *other
    }
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The server could not be reached (offline, timeout, refused).
    #[error("network: {0}")]
    Network(#[source] Detail),
    /// Not signed in, or the session ended (sign in again).
    #[error("authentication: {0}")]
    Auth(String),
    /// The server refused the input or the action; `code` is the server's
    /// stable error code (`invalid_field`, `forbidden`, `conflict`, ...).
    #[error("{message}")]
    Rejected {
        code: moa_protocol::ErrorCode,
        message: String,
        field: Option<String>,
    },
    /// No such thing (locally and, when asked, on the server).
    #[error("not found: {0}")]
    NotFound(String),
    /// Invalid input caught before it left the device.
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The local database failed (disk full, corruption, ...).
    #[error("local storage: {0}")]
    Storage(#[source] Detail),
    /// The server answered something this client does not understand.
    #[error("server: {0}")]
    Server(#[source] Detail),
    /// A photo of a type this device cannot decode: `heic` (what iPhones
    /// store), `avif` or `gif`. The one refusal an app can act on by itself:
    /// convert the photo to JPEG (on iOS, let the system) and add it again.
    /// (Bytes that are no photo at all, too many pixels or a damaged file
    /// are [`Error::Invalid`].)
    #[error("unsupported photo format ({format}): choose a JPEG, PNG or WebP photo")]
    UnsupportedPhoto { format: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether the request certainly did not reach the server, or was
    /// refused before anything was applied: no connection could be made,
    /// or the session was refused (401).
    pub(crate) fn never_applied(&self) -> bool {
        match self {
            Error::Network(m) => *m == crate::api::UNREACHABLE,
            Error::Auth(_) => true,
            _ => false,
        }
    }
    pub(crate) fn invalid(field: &str, reason: &str) -> Self {
        Error::Invalid {
            field: field.to_owned(),
            reason: reason.to_owned(),
        }
    }

    /// A network failure: worth retrying later.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Network(_))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Storage(Detail::caused_by(e.to_string(), e))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Storage(Detail::caused_by(
            format!("cannot decode stored data: {e}"),
            e,
        ))
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Storage(Detail::caused_by(format!("a database task failed: {e}"), e))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::error::Error as _;

    #[test]
    fn lower_level_errors_stay_as_the_source() {
        let e = Error::from(rusqlite::Error::InvalidQuery);
        assert!(matches!(&e, Error::Storage(m) if m.contains("Query")));
        let source = e.source().unwrap().source().unwrap();
        assert!(source.downcast_ref::<rusqlite::Error>().is_some());
        // Plain messages have no source and compare by text.
        let plain = Error::Storage("disk full".into());
        assert!(plain.source().unwrap().source().is_none());
        assert_eq!(plain, Error::Storage("disk full".into()));
    }
}
