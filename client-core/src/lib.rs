//! `moa-client-core`: the SDK every Moa client is built on (the desktop app
//! directly, iOS and Android through `moa-mobile-bindings`).
//!
//! It will hold, in later issues: the local SQLite cache (rusqlite, one writer,
//! WAL), the sync engine (push the outbox, pull bucket changes, rebase), the
//! outbox itself, the photo pipeline (compress before upload, resumable
//! uploads) and the realtime chat connection. Its core is sans-I/O: state,
//! conflict rules and outbox transitions live in modules that touch neither
//! the database nor the network. UIs never talk HTTP themselves; everything
//! they show comes from here.
//!
//! Today it re-exports the wire protocol, the one part that exists.

#![forbid(unsafe_code)]

pub use moa_protocol as protocol;
