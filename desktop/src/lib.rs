//! `moa-desktop`: Moa's desktop app for members and, in admin mode, for
//! moderators and admins.
//!
//! A Dioxus desktop app (binary `moa`) rendering in the system webview
//! (wry/tao). Everything it shows comes from client-core's public API: the
//! root ([`ui::shell::App`]) provides one [`state::Ctx`] with the client and
//! the signals its event pump keeps current; each screen in [`ui`] reads what
//! it needs through resources that reload when their client-core topic
//! changes. Strings go through the Korean-first catalog ([`i18n`]); photos
//! reach the webview through [`media`]. [`startup`] measures launch time;
//! [`probe`] reports what the window shows to end-to-end tests.

pub mod i18n;
pub mod media;
pub mod probe;
pub mod settings;
pub mod startup;
pub mod state;
pub mod style;
pub mod ui;
