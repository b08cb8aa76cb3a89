//! The one client-core handle the whole app goes through, as a `Copy`
//! context so event handlers and tasks can take it along.

use dioxus::prelude::*;
use moa_client_core::Client;

/// The client-core handle (a `Signal`, so it is `Copy`; the client itself is
/// cheap to clone).
#[derive(Clone, Copy)]
pub struct ClientHandle(Signal<Client>);

impl ClientHandle {
    /// Creates the signal (call inside a component, once).
    pub(super) fn new(client: Client) -> ClientHandle {
        ClientHandle(Signal::new(client))
    }

    /// The client, without subscribing to its replacement.
    pub fn get(&self) -> Client {
        self.0.peek().clone()
    }

    /// The client, subscribing the calling scope to its replacement (the
    /// root restarts the event pump when it changes).
    pub fn watch(&self) -> Client {
        self.0.read().clone()
    }

    /// Points the app at another client (the settings screen's new server).
    pub fn replace(&self, client: Client) {
        let mut signal = self.0;
        signal.set(client);
    }
}

/// The client-core handle of the current component tree.
pub fn use_client() -> ClientHandle {
    use_context()
}
