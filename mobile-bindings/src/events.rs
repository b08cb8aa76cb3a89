//! Events to the apps: a [`MoaListener`] the app implements, and the
//! [`Subscription`] that `MoaClient.subscribe` answers. A task on the
//! client's tokio runtime forwards every [`Event`] of client-core's
//! broadcast channel to the listener, in order; dropping or cancelling the
//! subscription ends the task, and with it the last Rust reference to the
//! listener (so the foreign object can be collected).
//!
//! The listener is called on a runtime worker thread (the worker is handed
//! off for the call, so a slow listener does not stall sync): apps post to
//! their main thread from there.

use std::sync::{Arc, Mutex};

use moa_client_core::Event;
use tokio::runtime::Handle;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use tokio::task::AbortHandle;

use crate::handles::Live;

/// What the app implements to hear from the client.
#[uniffi::export(foreign)]
pub trait MoaListener: Send + Sync {
    /// Sync status changes, data changes, new and changed messages, typing,
    /// read markers, notifications, refused changes, compression and upload
    /// progress.
    fn on_event(&self, event: Event);

    /// The listener fell behind and `missed` events were dropped: reload
    /// what the screen shows.
    fn on_lagged(&self, missed: u64);
}

/// The listener, counted as a live handle while Rust holds it.
struct Forwarded {
    listener: Arc<dyn MoaListener>,
    _live: Live,
}

/// An active subscription: events flow to the listener until it is
/// cancelled or dropped (in Kotlin, `close()`/`destroy()`; in Swift, when
/// the last reference goes; in Python, `cancel()` or garbage collection).
#[derive(uniffi::Object)]
pub struct Subscription {
    task: Mutex<Option<AbortHandle>>,
    _live: Live,
}

impl Subscription {
    /// Starts forwarding `events` to `listener` on `runtime`.
    pub(crate) fn start(
        runtime: &Handle,
        events: Receiver<Event>,
        listener: Arc<dyn MoaListener>,
    ) -> Subscription {
        let forwarded = Forwarded {
            listener,
            _live: Live::new(),
        };
        let task = runtime.spawn(forward(events, forwarded));
        Subscription {
            task: Mutex::new(Some(task.abort_handle())),
            _live: Live::new(),
        }
    }

    fn stop(&self) {
        let task = match self.task.lock() {
            Ok(mut slot) => slot.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(task) = task {
            task.abort();
        }
    }
}

/// Hands every event to the listener until the channel closes or the task
/// is aborted; the listener (and its count) goes when this future is dropped.
async fn forward(mut events: Receiver<Event>, forwarded: Forwarded) {
    let listener = &forwarded.listener;
    loop {
        match events.recv().await {
            Ok(event) => call(|| listener.on_event(event)),
            Err(RecvError::Lagged(missed)) => call(|| listener.on_lagged(missed)),
            Err(RecvError::Closed) => break,
        }
    }
}

/// Calls into the app without holding up the runtime's other tasks.
fn call(f: impl FnOnce()) {
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

#[uniffi::export]
impl Subscription {
    /// Stops the events; the listener is released shortly after. Calling it
    /// twice is harmless.
    pub fn cancel(&self) {
        self.stop();
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stop();
    }
}
