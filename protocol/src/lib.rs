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

/// A closed set of strings on the wire as an enum: one variant per known
/// spelling, and `Unknown(String)` for one this build does not know (a newer
/// peer's), kept as it was spelled so it passes through unchanged. Makes
/// `KNOWN`, `as_str`, `parse` (never fails), `Display`, serde as a string,
/// and comparison with `&str`. Used for [`ErrorCode`] and [`EntityKind`].
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$doc:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$doc])* $variant,)*
            /// A value from a newer peer, as it was spelled.
            Unknown(String),
        }

        impl $name {
            /// Every known value.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// The value as it is spelled on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Unknown(spelled) => spelled,
                }
            }

            /// The value spelled `s` (never fails: unknown spellings are kept).
            pub fn parse(s: &str) -> $name {
                match s {
                    $($wire => $name::$variant,)*
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}

pub mod auth;
pub mod backoffice;
pub mod chat;
pub mod content;
pub mod error;
pub mod kst;
pub mod limits;
pub mod links;
pub mod media;
pub mod moderation;
pub mod ops;
pub mod requests;
pub mod search;
pub mod shop;
pub mod sync;
pub mod users;

pub use auth::*;
pub use backoffice::*;
pub use chat::*;
pub use content::*;
pub use error::*;
pub use media::*;
pub use moderation::*;
pub use ops::{EntityKind, Op};
pub use requests::*;
pub use search::*;
pub use shop::*;
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
