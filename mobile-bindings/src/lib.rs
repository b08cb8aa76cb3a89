//! `moa-mobile-bindings`: client-core for the iOS (Swift) and Android
//! (Kotlin) apps through uniffi, also generated for Python so that the
//! bindings are tested end to end on this machine (`tests/`, run by
//! `scripts/test.sh`).
//!
//! Thin by design: [`MoaClient`] wraps client-core's `Client` method for
//! method, and [`MoaOutbox`], [`MoaRoom`], [`MoaMedia`], [`MoaSearch`],
//! [`MoaShop`], [`MoaRequests`], [`MoaWallet`] and [`MoaAdmin`] wrap its
//! handles (`outbox()`, `room(id)`, `media()`, `search()`, `shop()`,
//! `requests()`, `wallet()`, `admin()`) the same way; the data types
//! are client-core's own (declared to uniffi in `types`), events reach the
//! app through a [`MoaListener`] and a [`Subscription`], and errors become
//! one small [`MoaError`] in one place. Any rule or decision belongs in
//! client-core, where the desktop app gets it too.
//!
//! Modules: `client` (the client object and its methods), `privacy` (its
//! download-my-data and account-deletion methods), `outbox`, `room`,
//! `media`, `search`, `shop`, `requests` (requests and the wallet) and
//! `admin` (the handle objects), `events`
//! (listener and subscription), `types` (records and enums), `error` (the
//! error and its conversion), `handles` (the live-handle count the leak
//! test checks).

mod admin;
mod client;
mod error;
mod events;
mod handles;
mod media;
mod outbox;
mod privacy;
mod requests;
mod room;
mod search;
mod shop;
mod types;

pub use admin::MoaAdmin;
pub use client::{MoaClient, default_options, view_dwell_ms};
pub use error::MoaError;
pub use events::{MoaListener, Subscription};
pub use handles::live_handles;
pub use media::MoaMedia;
pub use outbox::MoaOutbox;
pub use requests::{MoaRequests, MoaWallet};
pub use room::MoaRoom;
pub use search::MoaSearch;
pub use shop::MoaShop;
pub use types::{
    AdminUserPage, AuditPage, AuthMethods, CampaignPage, CommentPage, FeedPage, HelperReviewPage,
    LinkedIdentity, MyQuote, NotificationList, ProfileChanges, ReportGroup, ReportQueue,
    RequestPage, ReviewChanges, ReviewPage, RoomChanges, SignInMethods, SocialProvider,
    SocialSignIn, SocialStart, mobile_redirect_uri, parse_oauth_redirect,
};

uniffi::setup_scaffolding!();
