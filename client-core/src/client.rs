//! [`Client`]: the public SDK. Every read answers from the local database at
//! once; every write lands in the local database and the outbox in one
//! transaction and shows at once; a background task keeps both in step with
//! the server. UIs (the desktop app, the mobile bindings) use only this.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use moa_protocol::sync::{
    CreateCommentArgs, EditCommentArgs, EditReviewArgs, IdArgs, LikeTarget, SetFollowArgs,
    SetLikeArgs, SetScrapArgs,
};
use moa_protocol::{
    CreateCommentRequest, CreateReportRequest, CreateReviewRequest, EditCommentRequest,
    EditReviewRequest, EntityKind, LoginRequest, MarkReadRequest, Me, Notification, Op, Profile,
    ReportReason, ReportTarget, Review, SignupRequest, UpdateProfileRequest,
};
use rusqlite::{Transaction, params};
use serde_json::Value;
use tokio::sync::{broadcast, watch};

use crate::account::Account;
use crate::api::Api;
use crate::error::{Error, Result};
use crate::model::{
    Event, FeedTab, MyPage, NewReview, ProfileChanges, ReviewChanges, ReviewDetail, SyncStatus,
    Topic,
};
use crate::outbox::{self as rules, ChangePlan, DeletePlan};
use crate::store::{Store, entities, outbox, session};
use crate::view::{self, now_ms};

/// How the client behaves; [`Options::default`] suits apps.
#[derive(Debug, Clone)]
pub struct Options {
    /// Keep in step with the server in the background (push, pull, long
    /// poll) and keep the realtime connection open (live messages, receipts,
    /// typing, pokes). Off, nothing moves until [`Client::sync`] is called.
    pub background_sync: bool,
    /// How photos are compressed before upload (long edge 2048 px, JPEG
    /// quality 80, 320 px thumbnails, at most 250 MP in by default).
    pub photo: crate::media::CompressOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            background_sync: true,
            // Phones take 108 and 200 MP photos; JPEG decodes scaled, so
            // memory stays bounded (the server only sees the 2048 px result).
            photo: crate::media::CompressOptions {
                max_pixels: 250_000_000,
                ..crate::media::CompressOptions::default()
            },
        }
    }
}

/// The SDK handle. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    data_dir: PathBuf,
    api: Api,
    options: Options,
    events: broadcast::Sender<Event>,
    status: watch::Sender<SyncStatus>,
    account: Mutex<Option<Arc<Account>>>,
    /// One sync cycle at a time (background loop or `sync()`).
    cycle: tokio::sync::Mutex<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Ok(mut slot) = self.account.lock()
            && let Some(account) = slot.take()
        {
            let _ = account.stop.send(true);
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("data_dir", &self.inner.data_dir)
            .field("server", &self.inner.api.base_url())
            .finish()
    }
}

const CURRENT_ACCOUNT: &str = "current-account";

fn io_error(what: &str, e: std::io::Error) -> Error {
    Error::Storage(format!("{what}: {e}").into())
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The session key holding this phone's push device id.
const PUSH_DEVICE: &str = "push_device";

impl Client {
    /// Opens the client's data directory (created if missing) for the server
    /// at `server_url`. A member signed in earlier is signed in again, from
    /// the database alone: this works offline.
    pub async fn open(data_dir: impl AsRef<Path>, server_url: &str) -> Result<Client> {
        Client::open_with(data_dir, server_url, Options::default()).await
    }

    /// [`Client::open`] with options.
    pub async fn open_with(
        data_dir: impl AsRef<Path>,
        server_url: &str,
        options: Options,
    ) -> Result<Client> {
        Client::open_on(data_dir, Api::new(server_url)?, options).await
    }

    /// [`Client::open_with`], carrying every server call through
    /// `transport` instead of HTTP (a scripted server in tests, another
    /// stack in an app); the realtime socket still goes to `server_url`.
    pub async fn open_over(
        data_dir: impl AsRef<Path>,
        server_url: &str,
        options: Options,
        transport: Arc<dyn crate::transport::Transport>,
    ) -> Result<Client> {
        let api = Api::with_transport(server_url, transport)?;
        Client::open_on(data_dir, api, options).await
    }

    async fn open_on(data_dir: impl AsRef<Path>, api: Api, options: Options) -> Result<Client> {
        let data_dir = data_dir.as_ref().to_path_buf();
        let dir = data_dir.clone();
        tokio::task::spawn_blocking(move || std::fs::create_dir_all(dir.join("accounts")))
            .await?
            .map_err(|e| io_error("cannot create the data directory", e))?;
        let client = Client {
            inner: Arc::new(Inner {
                data_dir,
                api,
                options,
                events: broadcast::channel(256).0,
                status: watch::channel(SyncStatus::default()).0,
                account: Mutex::new(None),
                cycle: tokio::sync::Mutex::new(()),
            }),
        };
        let current = client.inner.data_dir.join(CURRENT_ACCOUNT);
        let user_id = tokio::fs::read_to_string(&current).await.ok();
        if let Some(user_id) = user_id
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
        {
            let store = client.open_store(&user_id).await?;
            let signed_in = store.read(session::load).await?.is_some();
            if signed_in {
                client.activate(user_id, store).await?;
            }
        }
        Ok(client)
    }

    async fn open_store(&self, user_id: &str) -> Result<Store> {
        if !user_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(Error::Storage("a stored account id is malformed".into()));
        }
        let path = self
            .inner
            .data_dir
            .join("accounts")
            .join(format!("{user_id}.sqlite"));
        let store = tokio::task::spawn_blocking(move || Store::open(&path)).await??;
        store.write(outbox::reset_sending).await?;
        Ok(store)
    }

    /// Makes `user_id` the signed-in account and starts everything it runs:
    /// the sync loop and the realtime connection. This is the one way an
    /// account starts, whether from a stored session at [`Client::open`] or
    /// from [`Client::sign_in`] / [`Client::sign_up`]. Nothing here awaits
    /// before the tasks are running, so a caller that stops waiting (a UI
    /// whose sign-in screen goes away the moment the member is signed in)
    /// cannot leave a signed-in account without its sync loop.
    async fn activate(&self, user_id: String, store: Store) -> Result<()> {
        let account = Arc::new(Account::new(
            user_id,
            store,
            self.inner.api.clone(),
            self.inner.events.clone(),
            self.inner.status.clone(),
        ));
        let previous = self
            .inner
            .account
            .lock()
            .map_err(|_| Error::Storage("client state poisoned".into()))?
            .replace(Arc::clone(&account));
        if let Some(previous) = previous {
            let _ = previous.stop.send(true);
        }
        account.set_status(|s| {
            *s = SyncStatus {
                signed_in: true,
                ..SyncStatus::default()
            }
        });
        if self.inner.options.background_sync {
            let inner = Arc::downgrade(&self.inner);
            let acct = Arc::clone(&account);
            tokio::spawn(async move {
                crate::sync::run(acct, move |account| {
                    let inner = inner.clone();
                    async move {
                        match inner.upgrade() {
                            Some(inner) => {
                                let _guard = inner.cycle.lock().await;
                                crate::sync::cycle(&account).await
                            }
                            None => Ok(()),
                        }
                    }
                })
                .await;
            });
            tokio::spawn(crate::realtime::run(Arc::clone(&account)));
        }
        account.refresh_counts().await;
        Ok(())
    }

    pub(crate) fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    pub(crate) fn options(&self) -> &Options {
        &self.inner.options
    }

    pub(crate) fn api(&self) -> &Api {
        &self.inner.api
    }

    pub(crate) fn account(&self) -> Result<Arc<Account>> {
        self.inner
            .account
            .lock()
            .map_err(|_| Error::Storage("client state poisoned".into()))?
            .clone()
            .ok_or_else(|| Error::Auth("not signed in".into()))
    }

    /// Starts the session the server answered a sign-in or sign-up with:
    /// stores it, remembers the account and [`activate`](Self::activate)s it.
    /// It runs as a task of its own, so it finishes even if the caller stops
    /// waiting once the server has answered (the tokens would otherwise be
    /// spent with no session stored, or stored with nothing running).
    pub(crate) async fn begin_session(&self, auth: moa_protocol::AuthResponse) -> Result<Me> {
        let client = self.clone();
        tokio::spawn(async move {
            let user_id = auth.user.id.clone();
            let me = auth.user.clone();
            let store = client.open_store(&user_id).await?;
            let stored = session::Session::from(auth);
            store.write(move |tx| session::save(tx, &stored)).await?;
            tokio::fs::write(client.inner.data_dir.join(CURRENT_ACCOUNT), &user_id)
                .await
                .map_err(|e| io_error("cannot remember the account", e))?;
            client.activate(user_id, store).await?;
            Ok(me)
        })
        .await?
    }

    /// Creates an account and signs in.
    pub async fn sign_up(
        &self,
        email: &str,
        password: &str,
        handle: &str,
        display_name: &str,
    ) -> Result<Me> {
        self.sign_up_in(email, password, handle, display_name, None)
            .await
    }

    /// Creates an account in `community` (see `ShopHandle::communities`;
    /// `None`: none yet) and signs in.
    pub async fn sign_up_in(
        &self,
        email: &str,
        password: &str,
        handle: &str,
        display_name: &str,
        community: Option<String>,
    ) -> Result<Me> {
        let req = SignupRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            handle: handle.to_owned(),
            display_name: display_name.to_owned(),
            community_id: community,
        };
        let auth = self.inner.api.signup(&req).await?;
        self.begin_session(auth).await
    }

    /// Signs in. Each account keeps its own local database.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Me> {
        let req = LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        let auth = match self.inner.api.login(&req).await {
            Err(Error::Auth(m)) => return Err(Error::Auth(m)),
            other => other?,
        };
        self.begin_session(auth).await
    }

    /// The ways in the server offers (online): a sign-in screen shows
    /// "forgot your password?" only when `password_reset` is on.
    pub async fn sign_in_methods(&self) -> Result<moa_protocol::AuthMethods> {
        self.inner.api.auth_methods().await
    }

    /// Asks the server to mail a password reset code to `email` (online).
    /// The answer is the same whether or not the address has an account.
    pub async fn request_password_reset(
        &self,
        email: &str,
    ) -> Result<moa_protocol::PasswordResetSent> {
        let email = email.trim();
        if !email.contains('@') {
            return Err(Error::invalid("email", "is not an email address"));
        }
        let req = moa_protocol::PasswordResetRequest {
            email: email.to_owned(),
        };
        self.inner.api.password_reset(&req).await
    }

    /// Sets a new password with the mailed 6-digit `code` and signs in
    /// (online). Every other session of the account ends; a wrong code is
    /// refused with `invalid_code` and five wrong codes end it.
    pub async fn reset_password(&self, email: &str, code: &str, new_password: &str) -> Result<Me> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("code", "is the 6 digits from the mail"));
        }
        let req = moa_protocol::PasswordResetConfirm {
            email: email.trim().to_owned(),
            code,
            new_password: new_password.to_owned(),
        };
        let auth = self.inner.api.password_reset_confirm(&req).await?;
        self.begin_session(auth).await
    }

    /// Registers this phone's push token (online): what the member would be
    /// told in the app reaches the phone while the app is closed. The
    /// device id is kept with the session; registering again (a new token
    /// after an app update) replaces it. Signing out stops the pushes.
    pub async fn register_push_token(
        &self,
        platform: moa_protocol::PushPlatform,
        token: &str,
    ) -> Result<moa_protocol::Device> {
        let token = token.trim();
        if token.is_empty() || token.chars().count() > 4096 || token.contains(char::is_whitespace) {
            return Err(Error::invalid("token", "1 to 4096 characters, no spaces"));
        }
        let account = self.account()?;
        let req = moa_protocol::RegisterDevice {
            platform,
            token: token.to_owned(),
        };
        let device: moa_protocol::Device = account.post("/devices", &req).await?;
        let id = device.id.clone();
        let previous = account
            .store
            .write(move |tx| {
                let previous = session::get(tx, PUSH_DEVICE)?;
                session::set(tx, PUSH_DEVICE, &id)?;
                Ok(previous)
            })
            .await?;
        // An older token of this phone goes (best effort: it may be gone).
        if let Some(old) = previous.filter(|old| *old != device.id) {
            let _ = account
                .delete::<serde_json::Value>(&format!("/devices/{old}"))
                .await;
        }
        Ok(device)
    }

    /// Stops pushes to this phone (online); nothing to do if none was
    /// registered.
    pub async fn unregister_push_token(&self) -> Result<()> {
        let account = self.account()?;
        let Some(id) = account.store.read(|c| session::get(c, PUSH_DEVICE)).await? else {
            return Ok(());
        };
        match account
            .delete::<serde_json::Value>(&format!("/devices/{id}"))
            .await
        {
            Ok(_) | Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
        account
            .store
            .write(|tx| {
                tx.execute("DELETE FROM session WHERE key = ?1", [PUSH_DEVICE])?;
                Ok(())
            })
            .await
    }

    /// Which notification kinds the member muted (in the app and on their
    /// phones) and whether chat pushes show the message (online).
    pub async fn notification_settings(&self) -> Result<moa_protocol::NotificationSettings> {
        self.account()?.get("/notifications/settings").await
    }

    /// Replaces the muted kinds and the chat preview choice (online).
    pub async fn set_notification_settings(
        &self,
        settings: moa_protocol::NotificationSettings,
    ) -> Result<moa_protocol::NotificationSettings> {
        self.account()?
            .put("/notifications/settings", &settings)
            .await
    }

    /// The link to share for a review, place or group-buy on this server
    /// (`https://…/r/{id}`): messengers show its preview page, which opens
    /// the app at `moa://review/{id}`. Read links back with
    /// [`moa_protocol::links::parse`].
    pub fn share_link(&self, kind: moa_protocol::links::LinkKind, id: &str) -> String {
        moa_protocol::links::share_link(self.inner.api.base_url(), kind, id)
    }

    /// Texts a 6-digit code to `phone` (a Korean mobile number in any usual
    /// spelling) to verify it (online). Answers the number in E.164 and how
    /// long the code is good; `not_offered` where the server sends no texts,
    /// `rate_limited` (with the wait) when asked again within a minute.
    pub async fn request_phone_verification(
        &self,
        phone: &str,
    ) -> Result<moa_protocol::PhoneCodeSent> {
        let Some(phone) = moa_protocol::korean_mobile(phone) else {
            return Err(Error::invalid(
                "phone",
                "is not a Korean mobile number (010-1234-5678)",
            ));
        };
        let account = self.account()?;
        let req = moa_protocol::PhoneVerificationRequest { phone };
        account.post("/me/phone/verification", &req).await
    }

    /// Confirms the texted `code` (online): the number it went to becomes
    /// the member's verified number, saved to the cache at once. A wrong
    /// code is refused with `invalid_code`; five wrong codes end it.
    pub async fn confirm_phone_verification(&self, code: &str) -> Result<Me> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("code", "is the 6 digits from the text"));
        }
        let account = self.account()?;
        let req = moa_protocol::PhoneVerificationConfirm { code };
        let me: moa_protocol::Me = account.post("/me/phone/verification/confirm", &req).await?;
        account
            .store
            .write(move |tx| session::save_me(tx, &me))
            .await?;
        account.emit(vec![Topic::Profile]);
        self.me().await
    }

    /// Signs out: the sync loop stops and the tokens are forgotten. Changes
    /// not yet sent stay in that account's outbox and go out at the next
    /// sign-in.
    pub async fn sign_out(&self) -> Result<()> {
        let account = self
            .inner
            .account
            .lock()
            .map_err(|_| Error::Storage("client state poisoned".into()))?
            .take();
        if let Some(account) = account {
            let _ = account.stop.send(true);
            if let Ok(Some(s)) = account.store.read(session::load).await {
                // Best effort: offline, the server session simply expires.
                let _ = tokio::time::timeout(
                    Duration::from_secs(3),
                    self.inner.api.logout(&s.access_token),
                )
                .await;
            }
            account.store.write(session::clear_tokens).await?;
        }
        let _ = tokio::fs::remove_file(self.inner.data_dir.join(CURRENT_ACCOUNT)).await;
        self.inner.status.send_replace(SyncStatus::default());
        let _ = self.inner.events.send(Event::Status(SyncStatus::default()));
        Ok(())
    }

    /// Deletes this device's copy of an account (its database and
    /// everything in it): after the account itself was deleted. Best
    /// effort: a file still held open goes when the app closes.
    pub(crate) async fn forget_account(&self, user_id: &str) {
        if !user_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return;
        }
        let base = self.inner.data_dir.join("accounts");
        for suffix in ["sqlite", "sqlite-wal", "sqlite-shm"] {
            let path = base.join(format!("{user_id}.{suffix}"));
            if let Err(e) = tokio::fs::remove_file(&path).await
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(path = %path.display(), error = %e, "cannot delete the account's data");
            }
        }
    }

    /// Events: data changed, sync status, refused changes. Each receiver
    /// sees every event after it subscribed (a slow one skips ahead and
    /// should re-read what it shows).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// The sync status now.
    pub fn status(&self) -> SyncStatus {
        self.inner.status.borrow().clone()
    }

    /// The sync status as a watch (always the latest value).
    pub fn watch_status(&self) -> watch::Receiver<SyncStatus> {
        self.inner.status.subscribe()
    }

    /// Asks the background loop to sync now (returns at once).
    pub fn sync_soon(&self) {
        if let Ok(account) = self.account() {
            account.kick.notify_one();
            account.realtime.wake();
        }
    }

    /// Syncs now and waits: push the outbox (items waiting out a network
    /// backoff too: the user asked), pull until caught up.
    pub async fn sync(&self) -> Result<()> {
        let account = self.account()?;
        let _guard = self.inner.cycle.lock().await;
        account.store.write(outbox::retry_all_now).await?;
        account.set_status(|s| s.syncing = true);
        let result = crate::sync::cycle(&account).await;
        account.set_status(|s| {
            s.syncing = false;
            s.online = result.as_ref().map_or_else(|e| !e.is_transient(), |_| true);
            match &result {
                Ok(()) => {
                    s.error = None;
                    s.last_sync_at = Some(now_ms());
                }
                Err(e) => s.error = Some(e.to_string()),
            }
        });
        account.refresh_counts().await;
        result
    }

    // ----- reads -----------------------------------------------------------

    /// The signed-in member (with pending profile edits).
    pub async fn me(&self) -> Result<Me> {
        let account = self.account()?;
        account
            .store
            .read(|c| {
                let (ops, _) = view::pending(c)?;
                view::me(c, &ops)
            })
            .await?
            .ok_or_else(|| Error::Auth("not signed in".into()))
    }

    /// A feed tab from the cache (the first page as last synced, own pending
    /// reviews on top of "latest"). Empty before the first sync.
    pub async fn feed(&self, tab: FeedTab) -> Result<Vec<Review>> {
        let account = self.account()?;
        let cached = account.store.read(move |c| view::feed(c, tab)).await?;
        if cached.is_none() {
            account.kick.notify_one();
        }
        Ok(cached.unwrap_or_default())
    }

    /// More of a feed after the window (online only): answers the reviews
    /// and the cursor of the next page, and caches them.
    pub async fn feed_more(
        &self,
        tab: FeedTab,
        cursor: Option<&str>,
    ) -> Result<(Vec<Review>, Option<String>)> {
        let account = self.account()?;
        let mut path = format!("/feeds/{}", view::tab_name(tab));
        if let Some(cursor) = cursor {
            path.push_str(&format!("?cursor={cursor}"));
        }
        let page: moa_protocol::Page<Review> = account.get(&path).await?;
        let reviews = page.items.clone();
        account
            .store
            .write(move |tx| {
                for r in &reviews {
                    cache_review(tx, r)?;
                }
                Ok(())
            })
            .await?;
        let ids: Vec<String> = page.items.iter().map(|r| r.id.clone()).collect();
        let shown = account
            .store
            .read(move |c| {
                let (ops, known) = view::pending(c)?;
                let me = view::me(c, &ops)?.ok_or_else(|| Error::Auth("not signed in".into()))?;
                view::reviews(c, &ids, &ops, &known, &me)
            })
            .await?;
        Ok((shown, page.next_cursor))
    }

    /// A review with its comments, from the cache; opening it subscribes to
    /// its changes. If it is not cached yet, waits for one sync.
    pub async fn review(&self, id: &str) -> Result<ReviewDetail> {
        let account = self.account()?;
        let bucket = format!("review:{id}");
        account
            .store
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO buckets (bucket, cursor, more, opened_at) VALUES (?1, 0, 1, ?2) \
                     ON CONFLICT (bucket) DO UPDATE SET opened_at = excluded.opened_at",
                    params![bucket, now_ms()],
                )?;
                Ok(())
            })
            .await?;
        let read = |id: String| {
            let account = Arc::clone(&account);
            async move {
                account
                    .store
                    .read(move |c| view::review_detail(c, &id))
                    .await
            }
        };
        if let Some(detail) = read(id.to_owned()).await? {
            account.kick.notify_one();
            return Ok(detail);
        }
        // Not cached: one sync brings the review's bucket (ignore being
        // offline: then it is simply not found).
        let _ = self.sync().await;
        read(id.to_owned())
            .await?
            .ok_or_else(|| Error::NotFound(format!("review {id}")))
    }

    /// The member's page: profile and own reviews.
    pub async fn my_page(&self) -> Result<MyPage> {
        let account = self.account()?;
        account
            .store
            .read(|c| view::my_page(c, 200))
            .await?
            .ok_or_else(|| Error::Auth("not signed in".into()))
    }

    /// Scrapped reviews, newest first. Reviews not cached yet are fetched in
    /// the background (a `Changed` event follows).
    pub async fn scraps(&self) -> Result<Vec<Review>> {
        let account = self.account()?;
        let (reviews, missing) = account.store.read(|c| view::scraps(c, 500)).await?;
        if !missing.is_empty() {
            tokio::spawn(fetch_reviews(account, missing));
        }
        Ok(reviews)
    }

    /// Notifications newest first, and the unread count.
    pub async fn notifications(&self) -> Result<(Vec<Notification>, u32)> {
        let account = self.account()?;
        account.store.read(|c| view::notifications(c, 200)).await
    }

    /// Another member's profile: from the cache at once (refreshed in the
    /// background), or fetched when never seen.
    pub async fn profile(&self, user_id: &str) -> Result<Profile> {
        let account = self.account()?;
        let id = user_id.to_owned();
        let cached = account
            .store
            .read({
                let id = id.clone();
                move |c| view::profile(c, &id)
            })
            .await?;
        match cached {
            Some(p) => {
                tokio::spawn(async move {
                    if fetch_profile(&account, &id).await.is_ok() {
                        account.emit(vec![Topic::Profile]);
                    }
                });
                Ok(p)
            }
            None => {
                fetch_profile(&account, &id).await?;
                account
                    .store
                    .read(move |c| view::profile(c, &id))
                    .await?
                    .ok_or_else(|| Error::NotFound(format!("member {user_id}")))
            }
        }
    }

    /// Ids of the members the member follows.
    pub async fn following(&self) -> Result<Vec<String>> {
        let account = self.account()?;
        let me = account.user_id.clone();
        account
            .store
            .read(move |c| view::following_ids(c, &me))
            .await
    }

    // ----- writes ----------------------------------------------------------

    /// Appends a mutation (the local effect is the outbox row itself, shown
    /// by the overlay) and wakes the sync loop.
    pub(crate) async fn enqueue(&self, op: Op, topics: Vec<Topic>) -> Result<String> {
        let account = self.account()?;
        let id = new_id();
        let mid = id.clone();
        account
            .store
            .write(move |tx| outbox::append(tx, &mid, &op, now_ms()))
            .await?;
        self.after_write(&account, topics).await;
        Ok(id)
    }

    pub(crate) async fn after_write(&self, account: &Account, mut topics: Vec<Topic>) {
        topics.push(Topic::Outbox);
        account.emit(topics);
        account.refresh_counts().await;
        account.kick.notify_one();
    }

    /// Posts a review; answers its id (usable at once, also offline).
    pub async fn create_review(&self, review: NewReview) -> Result<String> {
        if let Some(r) = review.rating
            && !(1..=5).contains(&r)
        {
            return Err(Error::invalid("rating", "must be 1 to 5"));
        }
        let id = new_id();
        let req = CreateReviewRequest {
            id: Some(id.clone()),
            kind: review.kind,
            title: review.title,
            body: review.body,
            photos: review.photos,
            subject: review.subject,
            rating: review.rating,
            tags: review.tags,
            official: review.official,
        };
        self.enqueue(Op::ReviewCreate(req), vec![Topic::Reviews, Topic::Feed])
            .await?;
        Ok(id)
    }

    /// Edits a review. An edit of a review whose creation or previous edit
    /// never left the device is folded into it; otherwise it goes out as a
    /// mutation of its own, after them (see `crate::outbox`). The author may
    /// edit a review whose creation is still on its way.
    pub async fn edit_review(&self, id: &str, changes: ReviewChanges) -> Result<()> {
        let edit_id = id.to_owned();
        let fold_changes = changes.clone();
        self.change_entity(
            EntityKind::Review,
            id,
            move |op, id| match op {
                Op::ReviewCreate(req) if req.id.as_deref() == Some(id) => Some(true),
                Op::ReviewEdit(a) if a.id == id => Some(false),
                _ => None,
            },
            move |op| match op {
                Op::ReviewCreate(mut req) => {
                    apply_changes_to_create(&mut req, &fold_changes);
                    Some(Op::ReviewCreate(req))
                }
                Op::ReviewEdit(mut args) => {
                    merge_changes(&mut args.edit, &fold_changes);
                    Some(Op::ReviewEdit(args))
                }
                _ => None,
            },
            move |base_version| {
                Op::ReviewEdit(EditReviewArgs {
                    id: edit_id,
                    edit: EditReviewRequest {
                        base_version,
                        title: changes.title,
                        body: changes.body,
                        photos: changes.photos,
                        rating: changes.rating,
                        tags: changes.tags,
                    },
                })
            },
            vec![Topic::Reviews, Topic::Feed],
        )
        .await
    }

    /// Changes a review or comment (`kind`, `id`) through the outbox, as
    /// [`rules::plan_change`] says: `about` picks the items about it
    /// (`Some(true)` for its creation), `fold` rewrites one that never left
    /// the device, `append` builds a new mutation on a base version (the
    /// confirmed one, or 1 for one still being created), sent after the
    /// latest item about it that may have reached the server.
    async fn change_entity(
        &self,
        kind: EntityKind,
        id: &str,
        about: impl Fn(&Op, &str) -> Option<bool> + Send + 'static,
        fold: impl FnOnce(Op) -> Option<Op> + Send + 'static,
        append: impl FnOnce(i64) -> Op + Send + 'static,
        topics: Vec<Topic>,
    ) -> Result<()> {
        let account = self.account()?;
        let id = id.to_owned();
        let mutation = new_id();
        account
            .store
            .write(move |tx| {
                let rows = outbox::all(tx)?;
                let (items, created) = items_about(&rows, |op| about(op, &id));
                let pending: Vec<_> = items.iter().map(|r| r.pending()).collect();
                match rules::plan_change(&pending) {
                    ChangePlan::Fold(row_id) => {
                        let row = find_row(&items, row_id)?;
                        let op = fold(row.op.clone()).ok_or_else(|| {
                            Error::Storage("an outbox item changed its kind".into())
                        })?;
                        outbox::set_op(tx, row_id, &op)?;
                        Ok(())
                    }
                    ChangePlan::Append { after } => {
                        let base_version = confirmed_version(tx, &kind, &id)?
                            .or(created.map(|_| 1))
                            .ok_or_else(|| Error::NotFound(format!("{kind} {id}")))?;
                        outbox::append_after(tx, &mutation, &append(base_version), now_ms(), after)
                    }
                }
            })
            .await?;
        self.after_write(&account, topics).await;
        Ok(())
    }

    /// Deletes a review. One whose creation never left the device is simply
    /// dropped with its edits; otherwise a delete goes out.
    pub async fn delete_review(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.delete_entity(
            Op::ReviewDelete(IdArgs { id: id.clone() }),
            move |op| match op {
                Op::ReviewCreate(req) if req.id.as_deref() == Some(&id) => Some(true),
                Op::ReviewEdit(a) if a.id == id => Some(false),
                _ => None,
            },
            vec![Topic::Reviews, Topic::Feed],
        )
        .await
    }

    /// Deletes a review or comment (see [`rules::plan_delete`]): `about`
    /// picks the outbox items about it (`Some(true)` for its creation).
    async fn delete_entity(
        &self,
        op: Op,
        about: impl Fn(&Op) -> Option<bool> + Send + 'static,
        topics: Vec<Topic>,
    ) -> Result<()> {
        let account = self.account()?;
        let mutation = new_id();
        account
            .store
            .write(move |tx| {
                let rows = outbox::all(tx)?;
                let (items, created) = items_about(&rows, about);
                let pending: Vec<_> = items.iter().map(|r| r.pending()).collect();
                let (drop, send) = match rules::plan_delete(&pending, created) {
                    DeletePlan::DropAll(ids) => (ids, false),
                    DeletePlan::Send { drop } => (drop, true),
                };
                for id in drop {
                    tx.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
                    outbox::discard(tx, id)?;
                }
                if send {
                    outbox::append(tx, &mutation, &op, now_ms())?;
                }
                Ok(())
            })
            .await?;
        self.after_write(&account, topics).await;
        Ok(())
    }

    /// Comments on a review, or replies to a comment; answers the new id.
    pub async fn comment(
        &self,
        review_id: &str,
        body: &str,
        parent_id: Option<&str>,
    ) -> Result<String> {
        if body.trim().is_empty() {
            return Err(Error::invalid("body", "must not be empty"));
        }
        let id = new_id();
        let args = CreateCommentArgs {
            review_id: review_id.to_owned(),
            comment: CreateCommentRequest {
                id: Some(id.clone()),
                body: body.to_owned(),
                parent_id: parent_id.map(str::to_owned),
            },
        };
        self.enqueue(
            Op::CommentCreate(args),
            vec![Topic::Comments, Topic::Reviews],
        )
        .await?;
        Ok(id)
    }

    /// Edits a comment: folded into its creation or edit if that never left
    /// the device, else a mutation of its own after them.
    pub async fn edit_comment(&self, id: &str, body: &str) -> Result<()> {
        if body.trim().is_empty() {
            return Err(Error::invalid("body", "must not be empty"));
        }
        let (edit_id, fold_body, body) = (id.to_owned(), body.to_owned(), body.to_owned());
        self.change_entity(
            EntityKind::Comment,
            id,
            move |op, id| match op {
                Op::CommentCreate(a) if a.comment.id.as_deref() == Some(id) => Some(true),
                Op::CommentEdit(a) if a.id == id => Some(false),
                _ => None,
            },
            move |op| match op {
                Op::CommentCreate(mut a) => {
                    a.comment.body = fold_body;
                    Some(Op::CommentCreate(a))
                }
                Op::CommentEdit(mut a) => {
                    a.edit.body = fold_body;
                    Some(Op::CommentEdit(a))
                }
                _ => None,
            },
            move |base_version| {
                Op::CommentEdit(EditCommentArgs {
                    id: edit_id,
                    edit: EditCommentRequest { base_version, body },
                })
            },
            vec![Topic::Comments],
        )
        .await
    }

    /// Deletes a comment (one that never left the device is dropped).
    pub async fn delete_comment(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.delete_entity(
            Op::CommentDelete(IdArgs { id: id.clone() }),
            move |op| match op {
                Op::CommentCreate(a) if a.comment.id.as_deref() == Some(&id) => Some(true),
                Op::CommentEdit(a) if a.id == id => Some(false),
                _ => None,
            },
            vec![Topic::Comments, Topic::Reviews],
        )
        .await
    }

    /// Likes or unlikes a review or comment (the last state wins; likes
    /// never conflict).
    pub async fn set_like(&self, target: LikeTarget, id: &str, liked: bool) -> Result<()> {
        let args = SetLikeArgs {
            target_type: target,
            target_id: id.to_owned(),
            liked,
        };
        self.enqueue(
            Op::LikeSet(args),
            vec![Topic::Likes, Topic::Reviews, Topic::Comments],
        )
        .await
        .map(|_| ())
    }

    pub async fn set_scrap(&self, review_id: &str, scrapped: bool) -> Result<()> {
        let args = SetScrapArgs {
            review_id: review_id.to_owned(),
            scrapped,
        };
        self.enqueue(Op::ScrapSet(args), vec![Topic::Scraps, Topic::Reviews])
            .await
            .map(|_| ())
    }

    pub async fn set_follow(&self, user_id: &str, following: bool) -> Result<()> {
        let args = SetFollowArgs {
            user_id: user_id.to_owned(),
            following,
        };
        self.enqueue(Op::FollowSet(args), vec![Topic::Follows, Topic::Profile])
            .await
            .map(|_| ())
    }

    pub async fn report(
        &self,
        target: ReportTarget,
        id: &str,
        reason: ReportReason,
        detail: &str,
    ) -> Result<()> {
        let req = CreateReportRequest {
            target_type: target,
            target_id: id.to_owned(),
            reason,
            detail: detail.to_owned(),
        };
        self.enqueue(Op::ReportCreate(req), vec![])
            .await
            .map(|_| ())
    }

    pub async fn update_profile(&self, changes: ProfileChanges) -> Result<()> {
        let req = UpdateProfileRequest {
            display_name: changes.display_name,
            bio: changes.bio,
            links: changes.links,
            avatar_media_id: changes.avatar_media_id,
            community_id: changes.community_id,
            phone: changes.phone,
            sms_opt_in: changes.sms_opt_in,
        };
        self.enqueue(Op::ProfileUpdate(req), vec![Topic::Profile])
            .await
            .map(|_| ())
    }

    /// Marks notifications read (`all`, or these ids).
    pub async fn mark_notifications_read(&self, ids: Vec<String>, all: bool) -> Result<()> {
        let req = MarkReadRequest { ids, all };
        self.enqueue(Op::NotificationsRead(req), vec![Topic::Notifications])
            .await
            .map(|_| ())
    }
}

pub(crate) fn to_args<T: serde::Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value)
        .map_err(|e| Error::Storage(format!("cannot encode a change: {e}").into()))
}

/// Caches a review fetched over REST (it never replaces a synced copy, nor
/// brings back a deleted one).
pub(crate) fn cache_review(tx: &Transaction<'_>, review: &Review) -> Result<()> {
    if entities::exists(tx, &EntityKind::Review, &review.id)? {
        return Ok(());
    }
    entities::put_unsequenced(tx, &EntityKind::Review, &review.id, &to_args(review)?, 0)?;
    Ok(())
}

async fn fetch_reviews(account: Arc<Account>, ids: Vec<String>) {
    let mut fetched = Vec::new();
    for id in ids {
        if let Ok(r) = account.get::<Review>(&format!("/reviews/{id}")).await {
            fetched.push(r);
        }
    }
    if fetched.is_empty() {
        return;
    }
    let stored = account
        .store
        .write(move |tx| {
            for r in &fetched {
                cache_review(tx, r)?;
            }
            Ok(())
        })
        .await;
    if stored.is_ok() {
        account.emit(vec![Topic::Scraps, Topic::Reviews]);
    }
}

async fn fetch_profile(account: &Account, id: &str) -> Result<()> {
    let profile: Profile = account.get(&format!("/users/{id}")).await?;
    let data = to_args(&profile)?;
    let id = id.to_owned();
    account
        .store
        .write(move |tx| {
            entities::put_unsequenced(tx, &EntityKind::User, &id, &data, i64::MAX / 2)?;
            Ok(())
        })
        .await
}

/// The confirmed version of an entity here (answers of applied edits are
/// stored as confirmed at once), if it is cached.
pub(crate) fn confirmed_version(
    tx: &Transaction<'_>,
    kind: &EntityKind,
    id: &str,
) -> Result<Option<i64>> {
    Ok(entities::get(tx, kind, id)?.and_then(|d| d.get("version").and_then(Value::as_i64)))
}

/// The outbox rows `about` picks (oldest first), and the id of the one it
/// calls the creation (`Some(true)`).
pub(crate) fn items_about(
    rows: &[outbox::Row],
    about: impl Fn(&Op) -> Option<bool>,
) -> (Vec<&outbox::Row>, Option<&str>) {
    let mut items = Vec::new();
    let mut created = None;
    for row in rows {
        match about(&row.op) {
            Some(true) => {
                created = Some(row.id.as_str());
                items.push(row);
            }
            Some(false) => items.push(row),
            None => {}
        }
    }
    (items, created)
}

fn find_row<'a>(items: &[&'a outbox::Row], id: &str) -> Result<&'a outbox::Row> {
    items
        .iter()
        .find(|r| r.id == id)
        .copied()
        .ok_or_else(|| Error::Storage(format!("outbox item {id} vanished").into()))
}

fn apply_changes_to_create(req: &mut CreateReviewRequest, c: &ReviewChanges) {
    if let Some(t) = &c.title {
        req.title.clone_from(t);
    }
    if let Some(b) = &c.body {
        req.body.clone_from(b);
    }
    if let Some(p) = &c.photos {
        req.photos.clone_from(p);
    }
    if let Some(r) = c.rating {
        req.rating = r;
    }
    if let Some(t) = &c.tags {
        req.tags.clone_from(t);
    }
}

fn merge_changes(edit: &mut EditReviewRequest, c: &ReviewChanges) {
    if c.title.is_some() {
        edit.title.clone_from(&c.title);
    }
    if c.body.is_some() {
        edit.body.clone_from(&c.body);
    }
    if c.photos.is_some() {
        edit.photos.clone_from(&c.photos);
    }
    if c.rating.is_some() {
        edit.rating = c.rating;
    }
    if c.tags.is_some() {
        edit.tags.clone_from(&c.tags);
    }
}
