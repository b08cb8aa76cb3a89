//! `moa-mobile-bindings`: the uniffi facade over client-core for the iOS
//! (Swift) and Android (Kotlin) apps, also generated for Python so that the
//! bindings are tested end to end on this machine.
//!
//! It will hold thin `uniffi::Object` wrappers (a `MoaClient` with async
//! methods on tokio), records and enums for the data, a listener callback for
//! events, and one small error enum converted in one place. No logic that is
//! not in client-core. Nothing is exported yet: this crate holds the place in
//! the workspace and its dependency on client-core.
