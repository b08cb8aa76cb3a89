//! One signed-in account: its database, its server connection with tokens
//! refreshed on demand, its realtime connection's shared state, and the
//! channels that tell the UI what changed.

use std::future::Future;

use tokio::sync::{Mutex, Notify, broadcast, watch};

use crate::api::Api;
use crate::error::{Error, Result};
use crate::model::{Event, OutboxState, SyncStatus, Topic};
use crate::store::{Store, outbox, session};
use crate::view::now_ms;

/// Refresh the access token when it has less than this left.
const REFRESH_MARGIN_MS: i64 = 30_000;

pub(crate) struct Account {
    pub user_id: String,
    pub store: Store,
    pub api: Api,
    /// Wakes the sync loop (a local write, a retry, coming online).
    pub kick: Notify,
    /// Set to `true` to stop the sync loop and the realtime connection
    /// (sign-out, drop).
    pub stop: watch::Sender<bool>,
    /// The realtime connection's state, typing, outgoing frames.
    pub realtime: crate::realtime::Realtime,
    refresh_lock: Mutex<()>,
    events: broadcast::Sender<Event>,
    status: watch::Sender<SyncStatus>,
}

impl Account {
    pub fn new(
        user_id: String,
        store: Store,
        api: Api,
        events: broadcast::Sender<Event>,
        status: watch::Sender<SyncStatus>,
    ) -> Account {
        Account {
            user_id,
            store,
            api,
            kick: Notify::new(),
            stop: watch::channel(false).0,
            realtime: crate::realtime::Realtime::new(),
            refresh_lock: Mutex::new(()),
            events,
            status,
        }
    }

    /// The stored session, or "not signed in".
    async fn session(&self) -> Result<session::Session> {
        self.store
            .read(session::load)
            .await?
            .ok_or_else(|| Error::Auth("not signed in".into()))
    }

    /// A valid access token, refreshed first if it is about to expire.
    pub(crate) async fn token(&self) -> Result<String> {
        let session = self.session().await?;
        if session.access_expires_at - now_ms() > REFRESH_MARGIN_MS {
            return Ok(session.access_token);
        }
        self.refresh(&session.access_token).await
    }

    /// Exchanges the refresh token for a new pair, once even when several
    /// calls find the token stale at the same time (spending a refresh token
    /// twice would end the session on the server).
    pub(crate) async fn refresh(&self, stale: &str) -> Result<String> {
        let _guard = self.refresh_lock.lock().await;
        let session = self.session().await?;
        if session.access_token != stale {
            return Ok(session.access_token);
        }
        match self.api.refresh(&session.refresh_token).await {
            Ok(auth) => {
                let fresh = session::Session::from(auth);
                let token = fresh.access_token.clone();
                self.store
                    .write(move |tx| session::save(tx, &fresh))
                    .await?;
                Ok(token)
            }
            Err(Error::Auth(message)) | Err(Error::Rejected { message, .. }) => {
                self.store.write(session::clear_tokens).await?;
                self.set_status(|s| s.signed_in = false);
                Err(Error::Auth(format!(
                    "the session ended, sign in again ({message})"
                )))
            }
            Err(e) => Err(e),
        }
    }

    /// Calls the server with a token; on "unauthorized" refreshes once and
    /// calls again.
    pub async fn authed<T, F, Fut>(&self, call: F) -> Result<T>
    where
        F: Fn(Api, String) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let token = self.token().await?;
        match call(self.api.clone(), token.clone()).await {
            Err(Error::Auth(_)) => {
                let token = self.refresh(&token).await?;
                call(self.api.clone(), token).await
            }
            other => other,
        }
    }

    /// A signed-in GET of a JSON resource under `/v1`.
    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.authed(|api, token| async move { api.get(Some(&token), path).await })
            .await
    }

    /// A signed-in POST of a JSON body to a resource under `/v1`.
    pub async fn post<B, T>(&self, path: &str, body: &B) -> Result<T>
    where
        B: serde::Serialize + ?Sized,
        T: serde::de::DeserializeOwned,
    {
        self.authed(|api, token| async move { api.post(Some(&token), path, body).await })
            .await
    }

    /// A signed-in PUT of a JSON body to a resource under `/v1`.
    pub async fn put<B, T>(&self, path: &str, body: &B) -> Result<T>
    where
        B: serde::Serialize + ?Sized,
        T: serde::de::DeserializeOwned,
    {
        self.authed(|api, token| async move { api.put(Some(&token), path, body).await })
            .await
    }

    /// A signed-in PATCH of a JSON body to a resource under `/v1`.
    pub async fn patch<B, T>(&self, path: &str, body: &B) -> Result<T>
    where
        B: serde::Serialize + ?Sized,
        T: serde::de::DeserializeOwned,
    {
        self.authed(|api, token| async move { api.patch(Some(&token), path, body).await })
            .await
    }

    /// A signed-in GET of the raw bytes of a resource under `/v1`.
    pub async fn bytes(&self, path: &str) -> Result<Vec<u8>> {
        self.authed(|api, token| async move { api.download(Some(&token), path).await })
            .await
    }

    /// A signed-in GET of the bytes `start..=end` of a resource under `/v1`.
    pub async fn byte_range(&self, path: &str, start: u64, end: u64) -> Result<Vec<u8>> {
        self.authed(
            |api, token| async move { api.download_range(Some(&token), path, start, end).await },
        )
        .await
    }

    /// A signed-in DELETE of a resource under `/v1`.
    pub async fn delete<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.authed(|api, token| async move { api.delete(Some(&token), path).await })
            .await
    }

    /// The event channel, for telling the UI from a blocking thread
    /// (`Store::write_then`).
    pub fn events(&self) -> broadcast::Sender<Event> {
        self.events.clone()
    }

    pub fn send(&self, event: Event) {
        // No subscriber is fine.
        let _ = self.events.send(event);
    }

    pub fn emit(&self, topics: Vec<Topic>) {
        self.send(Event::Changed(topics));
    }

    /// Changes the sync status and tells subscribers if it moved.
    pub fn set_status(&self, change: impl FnOnce(&mut SyncStatus)) {
        let mut changed = None;
        self.status.send_if_modified(|s| {
            let before = s.clone();
            change(s);
            let moved = *s != before;
            if moved {
                changed = Some(s.clone());
            }
            moved
        });
        if let Some(status) = changed {
            self.send(Event::Status(status));
        }
    }

    /// Recounts pending and failed outbox items for the status.
    pub async fn refresh_counts(&self) {
        let counts = self
            .store
            .read(|c| {
                let pending = outbox::count_changes(c, OutboxState::Queued)?
                    + outbox::count_changes(c, OutboxState::Sending)?;
                let failed = outbox::count(c, OutboxState::Failed)?;
                Ok((pending, failed))
            })
            .await;
        if let Ok((pending, failed)) = counts {
            self.set_status(|s| {
                s.pending = u32::try_from(pending).unwrap_or(u32::MAX);
                s.failed = u32::try_from(failed).unwrap_or(u32::MAX);
            });
        }
    }
}
