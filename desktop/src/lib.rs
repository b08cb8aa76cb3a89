//! `moa-desktop`: Moa's desktop app for members and, in admin mode, for
//! moderators and admins.
//!
//! A Dioxus desktop app (binary `moa`) rendering in the system webview
//! (wry/tao). Everything it shows comes from client-core's public API: the
//! root ([`ui::shell::App`]) creates the shared state ([`state`]: the client
//! handle, settings, navigation, session, status, per-topic versions,
//! notices) and provides each piece as a context of its own, kept current by
//! its event pump; each screen in [`ui`] takes the pieces it uses and reads
//! its data through resources that reload when their client-core topic
//! changes. Where the app is, is one typed [`route::Route`] that owns its
//! string form (`moa --open review:ID`) and the screen it shows. Strings go through the Korean-first catalog ([`i18n`]); photos
//! reach the webview through [`media`]; sign-in with Kakao, Naver and
//! Google comes back from the system browser through [`oauth`]. [`startup`] measures launch time;
//! [`probe`] reports what the window shows to end-to-end tests.

pub mod i18n;
pub mod links;
pub mod media;
pub mod oauth;
pub mod probe;
pub mod route;
pub mod settings;
pub mod startup;
pub mod state;
pub mod style;
pub mod ui;
