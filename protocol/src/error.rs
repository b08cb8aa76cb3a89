//! The error body every failing request answers with, and the stable error
//! codes clients may match on.

use serde::{Deserialize, Serialize};

/// `{"error": {...}}`: the body of every 4xx and 5xx response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`) and for people (`message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable snake_case code, one of the constants in [`codes`].
    pub code: String,
    /// Human-readable explanation (English); never contains internal details.
    pub message: String,
    /// The request field at fault, for validation errors (`"email"`, `"links[1]"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With `conflict`: the entity as it is now on the server, so the client
    /// can show it next to the user's rejected edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub current: Option<serde_json::Value>,
}

/// Stable error codes. Clients switch on these, so they never change meaning.
pub mod codes {
    /// The body is not valid JSON.
    pub const MALFORMED_JSON: &str = "malformed_json";
    /// A field is missing, has the wrong type or breaks a rule.
    pub const INVALID_FIELD: &str = "invalid_field";
    /// The request needs `Content-Type: application/json`.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    /// The body is larger than the server accepts.
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    /// A path or query parameter is malformed.
    pub const INVALID_PARAMETER: &str = "invalid_parameter";
    /// The email address is already registered.
    pub const EMAIL_TAKEN: &str = "email_taken";
    /// The handle is already taken.
    pub const HANDLE_TAKEN: &str = "handle_taken";
    /// Email or password is wrong (never says which).
    pub const INVALID_CREDENTIALS: &str = "invalid_credentials";
    /// No access token was sent.
    pub const MISSING_TOKEN: &str = "missing_token";
    /// The access token is malformed, forged or for a revoked session.
    pub const INVALID_TOKEN: &str = "invalid_token";
    /// The access token has expired; refresh it.
    pub const TOKEN_EXPIRED: &str = "token_expired";
    /// The refresh token is unknown or expired.
    pub const INVALID_REFRESH_TOKEN: &str = "invalid_refresh_token";
    /// A spent refresh token was presented again: its whole session was revoked.
    pub const REFRESH_TOKEN_REUSED: &str = "refresh_token_reused";
    /// The role of the caller does not allow this.
    pub const FORBIDDEN: &str = "forbidden";
    /// The account is suspended: it may read but not write.
    pub const ACCOUNT_SUSPENDED: &str = "account_suspended";
    /// The thing asked for does not exist (or is not visible to the caller).
    pub const NOT_FOUND: &str = "not_found";
    /// The HTTP method is not allowed on this path.
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    /// Too many attempts; wait for `Retry-After` seconds.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// The write conflicts with existing data, or an edit is based on an old
    /// version of a field that changed meanwhile (`current` has the new one).
    pub const CONFLICT: &str = "conflict";
    /// The member already has an open report on this target.
    pub const ALREADY_REPORTED: &str = "already_reported";
    /// Only the author may change this.
    pub const NOT_AUTHOR: &str = "not_author";
    /// A pushed mutation names no mutation the server knows
    /// (see `sync::names`).
    pub const UNKNOWN_MUTATION: &str = "unknown_mutation";

    /// The file is not a type this endpoint takes (decided by its content),
    /// or a format Moa cannot decode (HEIC).
    pub const UNSUPPORTED_FORMAT: &str = "unsupported_format";
    /// The image is larger in pixels than the server accepts (an image
    /// bomb is refused from its header, before any decoding).
    pub const TOO_MANY_PIXELS: &str = "too_many_pixels";
    /// The file is truncated or damaged.
    pub const CORRUPT_MEDIA: &str = "corrupt_media";
    /// The photo still carries EXIF, XMP or text metadata (location!); strip
    /// it before uploading (client-core does).
    pub const MEDIA_HAS_METADATA: &str = "media_has_metadata";
    /// The uploaded bytes do not hash to the SHA-256 the upload named.
    pub const HASH_MISMATCH: &str = "hash_mismatch";
    /// A chunk was sent at an offset other than the one the server is at;
    /// the message and `GET` on the upload tell the right one.
    pub const UPLOAD_OFFSET_MISMATCH: &str = "upload_offset_mismatch";
    /// Completing an upload that has not received all its bytes.
    pub const UPLOAD_INCOMPLETE: &str = "upload_incomplete";
    /// The requested byte range is outside the file.
    pub const RANGE_NOT_SATISFIABLE: &str = "range_not_satisfiable";

    /// Something failed on the server; details are in its logs.
    pub const INTERNAL: &str = "internal";
    /// The server cannot reach its database right now.
    pub const UNAVAILABLE: &str = "unavailable";
}
