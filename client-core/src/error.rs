//! The one error type of the SDK. UIs match on the variant; the message is
//! for people. Lower-level errors (SQLite, HTTP, JSON) are converted here and
//! nowhere else, so no rusqlite or reqwest type crosses the public API.

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The server could not be reached (offline, timeout, refused).
    #[error("network: {0}")]
    Network(String),
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
    Storage(String),
    /// The server answered something this client does not understand.
    #[error("server: {0}")]
    Server(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether the request certainly did not reach the server, or was
    /// refused before anything was applied: no connection could be made,
    /// or the session was refused (401).
    pub(crate) fn never_applied(&self) -> bool {
        match self {
            Error::Network(m) => m == crate::api::UNREACHABLE,
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
        Error::Storage(e.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Storage(format!("cannot decode stored data: {e}"))
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Storage(format!("a database task failed: {e}"))
    }
}
