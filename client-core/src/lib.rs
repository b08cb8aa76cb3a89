//! `moa-client-core`: the SDK every Moa client is built on (the desktop app
//! directly, iOS and Android through `moa-mobile-bindings`).
//!
//! Start with [`Client::open`]. Reads answer from the local SQLite database
//! at once; writes land locally and in the outbox in one transaction and show
//! at once; a background task pushes the outbox, pulls changes by bucket and
//! feed window, and rebases (the view is the server state with the pending
//! outbox on top). [`Client::subscribe`] tells the UI what changed and how
//! sync is doing. No HTTP or SQL type appears in the public API.
//!
//! Layout: `overlay`, `outbox`, `incoming` and `chat` are the rules of
//! `moa-client-rules` (no I/O; a crate of their own so the compiler keeps
//! them so), re-exported here; `store` is the SQLite layer,
//! `api` the HTTP layer (over a `transport::Transport` seam), `sync` the loop that joins them, `view` the local
//! reads and `client` the public surface. `media` compresses photos before
//! upload (through `moa-media`) and queues them; `upload` sends them,
//! resumably. `rooms` is the chat API; `realtime` the task owning the
//! WebSocket that brings messages, receipts, typing and pokes live.
//! `online` holds what is not cached: catalog search and the review and
//! member lists the server pages (offline they answer [`Error::Network`]).
//!
//! Handles: the surface beyond the member's own content is split into
//! handles that [`Client`] hands out, each cheap (a `Client` clone, and the
//! room id for a room): [`Client::outbox`] answers an [`OutboxHandle`]
//! (`pending`: the items, retry, discard, drafts), [`Client::room`] a
//! [`RoomHandle`] (`rooms`: one room's messages, sends, reads, typing and
//! members), [`Client::admin`] an [`AdminHandle`] (`admin`: moderation and
//! account admin, online only) and [`Client::media`] a [`MediaHandle`]
//! (`media`: adding photos and videos, the files of media ids) and
//! [`Client::shop`] a [`ShopHandle`] (`shop`: communities, group-buys and
//! orders), [`Client::requests`] a [`RequestsHandle`] (`requests`: 부탁 and
//! quotes) and [`Client::wallet`] a [`WalletHandle`] (points). The room
//! list, new rooms and the realtime state stay on `Client`.

#![forbid(unsafe_code)]

mod account;
mod admin;
mod api;
mod backoffice;
mod catalog;
mod client;
mod discovery;
mod error;
pub mod media;
pub mod model;
mod online;
mod pending;
mod privacy;
mod realtime;
mod requests;
mod rooms;
mod search;
mod shop;
mod social;
mod store;
mod sync;
mod upload;
mod view;

#[cfg(test)]
mod scripted;
#[cfg(test)]
mod sync_tests;

pub use admin::AdminHandle;
pub use backoffice::{ExportProgress, ExportedOrders};
pub use catalog::CommentPage;
pub use client::{Client, Options};

/// The seam under every server call: implement [`Transport`] to carry the
/// client's requests some other way than HTTP (a scripted server in tests).
pub mod transport {
    pub use crate::api::{Answer, Body, Request, Sending, Transport, Verb, http_transport};
}
pub use error::{Detail, Error, Result};
pub use media::{MediaHandle, MediaSource, PreparedMedia};
pub use moa_client_rules::{chat, incoming, outbox, overlay};
pub use moa_protocol as protocol;
pub use moa_protocol::sync::LikeTarget;
pub use model::*;
pub use online::ReviewPage;
pub use pending::OutboxHandle;
pub use privacy::{DOWNLOAD_CHUNK, DataExportProgress, SavedExport};
pub use requests::{
    QuoteView, RequestCard, RequestDraft, RequestFilter, RequestsHandle, WalletHandle,
};
pub use rooms::RoomHandle;
pub use search::{SearchHandle, SearchOutcome};
pub use shop::{CampaignCard, Checkout, ENDING_SOON_MS, MyOrder, OrderDraft, ShopHandle};
pub use social::{
    MOBILE_REDIRECT_URI, OauthRedirect, SocialSignIn, loopback_redirect_uri, parse_oauth_redirect,
};

/// What the benchmarks (`benches/search.rs`) reach inside: the store and
/// the device's search index. Not part of the API.
#[doc(hidden)]
pub mod bench_support {
    pub use crate::store::Store;
    pub use crate::store::entities::put as put_entity;
    pub use crate::store::search::{index, search};
}
