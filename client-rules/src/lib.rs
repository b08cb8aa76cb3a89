//! `moa-client-rules`: the decisions of Moa's client, with no I/O — the
//! crate depends on neither tokio, rusqlite nor reqwest, so the compiler
//! keeps it pure (in the manner of matrix-sdk-base). `moa-client-core`
//! loads rows and answers, calls these functions, and stores what they
//! decide. See ARCHITECTURE.md "Client core".
//!
//! - [`overlay`]: the local view = confirmed state + pending [`Op`]s.
//! - [`outbox`]: what an outcome does to an item, backoff, the rule of lost
//!   answers (which items may be rewritten or dropped), batching.
//! - [`incoming`]: what a pull answer does to the local database.
//! - [`chat`]: pending chat ops over rooms and messages, live placement,
//!   reconnect policy, typing and read markers.
//! - [`model`]: the client-side state types these rules speak.
//!
//! [`Op`]: moa_protocol::Op

#![forbid(unsafe_code)]

pub mod chat;
pub mod incoming;
pub mod model;
pub mod outbox;
pub mod overlay;
