//! `moa-desktop`: Moa's desktop app for members and, in admin mode, for
//! moderators and admins.
//!
//! It will be a Dioxus desktop app (binary `moa`) rendering in the system
//! webview, with one client-core handle provided as context: views per
//! screen (feeds, review detail, compose, profiles, notifications, chat, the
//! outbox, settings), an admin route subtree gated by role, and every string
//! through a Korean-first catalog. It shows only what client-core gives it
//! and never calls the server itself. Nothing is built yet: this crate holds
//! the place in the workspace and its dependency on client-core.

#![forbid(unsafe_code)]
