//! Who is signed in ([`Session`]: the member and their role) and how the
//! app is connected ([`Status`]: client-core's sync status and the realtime
//! connection's state), as the event pump keeps them.

use dioxus::prelude::*;
use moa_client_core::protocol::Role;
use moa_client_core::{Me, RealtimeState, SyncStatus};

/// The signed-in member, once loaded (`None` signed out or while loading).
#[derive(Clone, Copy)]
pub struct Session(Signal<Option<Me>>);

impl Session {
    /// Creates the signal (call inside a component, once).
    pub(super) fn new() -> Session {
        Session(Signal::new(None))
    }

    pub fn me(&self) -> Option<Me> {
        self.0.read().clone()
    }

    pub fn set(&self, me: Option<Me>) {
        let mut signal = self.0;
        signal.set(me);
    }

    pub fn my_id(&self) -> Option<String> {
        self.0.read().as_ref().map(|m| m.id.clone())
    }

    pub fn is_moderator(&self) -> bool {
        matches!(
            self.0.read().as_ref().map(|m| m.role),
            Some(Role::Moderator | Role::Admin)
        )
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.0.read().as_ref().map(|m| m.role), Some(Role::Admin))
    }
}

/// Sync status and the realtime connection's state.
#[derive(Clone, Copy)]
pub struct Status {
    sync: Signal<SyncStatus>,
    realtime: Signal<RealtimeState>,
}

impl Status {
    /// Creates the signals (call inside a component, once).
    pub(super) fn new(sync: SyncStatus, realtime: RealtimeState) -> Status {
        Status {
            sync: Signal::new(sync),
            realtime: Signal::new(realtime),
        }
    }

    pub fn sync(&self) -> SyncStatus {
        self.sync.read().clone()
    }

    pub fn signed_in(&self) -> bool {
        self.sync.read().signed_in
    }

    pub fn set_sync(&self, status: SyncStatus) {
        let mut signal = self.sync;
        signal.set(status);
    }

    pub fn realtime(&self) -> RealtimeState {
        *self.realtime.read()
    }

    pub fn set_realtime(&self, state: RealtimeState) {
        let mut signal = self.realtime;
        signal.set(state);
    }
}

/// The signed-in member of the current component tree.
pub fn use_session() -> Session {
    use_context()
}

/// The sync and connection status of the current component tree.
pub fn use_status() -> Status {
    use_context()
}
