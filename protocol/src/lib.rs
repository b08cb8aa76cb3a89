//! Moa's wire protocol: the JSON types the server and every client exchange,
//! plus the API constants both sides must agree on (limits, paths, codes).
//!
//! This crate does no I/O. The server derives OpenAPI schemas from these types
//! (feature `openapi`); clients deserialize the same types, so the two cannot
//! drift apart silently. Snapshot tests at the bottom pin the JSON shape.
//!
//! Conventions (see ARCHITECTURE.md): ids are UUIDv7 strings,
//! times are Unix milliseconds UTC, errors are `{"error": {"code", "message"}}`.

#![forbid(unsafe_code)]

pub mod auth;
pub mod chat;
pub mod content;
pub mod error;
pub mod limits;
pub mod media;
pub mod moderation;
pub mod ops;
pub mod sync;
pub mod users;

pub use auth::*;
pub use chat::*;
pub use content::*;
pub use error::*;
pub use media::*;
pub use moderation::*;
pub use ops::{EntityKind, Op};
pub use users::*;

/// Prefix of every versioned API path.
pub const API_PREFIX: &str = "/v1";

/// Deserializes a field that distinguishes "absent" (`None`), "null"
/// (`Some(None)`, clear the value) and a value (`Some(Some(v))`), for partial
/// updates. Use with `#[serde(default, deserialize_with = "double_option")]`.
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}
