//! A count of the live handles this library gave out, so tests can prove
//! that nothing leaks across the boundary: every [`crate::MoaClient`], its
//! handle objects ([`crate::MoaOutbox`], [`crate::MoaRoom`],
//! [`crate::MoaMedia`], [`crate::MoaSearch`], [`crate::MoaShop`],
//! [`crate::MoaRequests`], [`crate::MoaWallet`], [`crate::MoaAdmin`]), every [`crate::Subscription`] and every listener
//! held on behalf of the foreign side holds one [`Live`] token, counted up
//! when it is made and down when Rust drops it (after the foreign side
//! released its last reference).
//! [`live_handles`] answers the count; it is compiled into release builds
//! too (one atomic add per object), which keeps the tested library the one
//! that ships.

use std::sync::atomic::{AtomicI64, Ordering};

static LIVE: AtomicI64 = AtomicI64::new(0);

/// One counted handle; dropping it counts down.
#[derive(Debug)]
pub(crate) struct Live(());

impl Live {
    pub(crate) fn new() -> Live {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Live(())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How many clients, handle objects, subscriptions and listeners are alive
/// on the Rust side. A test takes it before, releases everything it made,
/// and expects the same number after (listeners are let go by the task that
/// called them, shortly after a cancel).
#[uniffi::export]
pub fn live_handles() -> i64 {
    LIVE.load(Ordering::SeqCst)
}
