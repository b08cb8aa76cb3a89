//! [`MoaClient`]: client-core's [`Client`] as a uniffi object. Every method
//! is one call of the method of the same name in client-core (see its docs
//! for what each does), with its arguments and answer passed through and
//! its error converted by [`MoaError`]'s `From`. Nothing is decided here.
//!
//! Async methods run on tokio (uniffi's `async_runtime = "tokio"`): in
//! Kotlin they are `suspend` functions, in Swift `async`, in Python
//! coroutines.

use std::sync::Arc;

use moa_client_core::{
    ChatMessage, ChatRoom, Client, Draft, FeedTab, LikeTarget, Me, MediaSource, MyPage, NewReview,
    Options, OutboxItem, PreparedMedia, Profile, RealtimeState, ReportReason, ReportTarget, Review,
    ReviewDetail, SyncStatus,
};
use tokio::runtime::Handle;

use crate::error::Result;
use crate::events::{MoaListener, Subscription};
use crate::handles::Live;
use crate::types::{FeedPage, NotificationList, ProfileChanges, ReviewChanges, RoomChanges};

/// The client options apps use unless they have a reason not to
/// (background sync on, photos to 2048 px JPEG at quality 80).
#[uniffi::export]
pub fn default_options() -> Options {
    Options::default()
}

/// One Moa client: a data directory on the device and a server.
#[derive(uniffi::Object)]
pub struct MoaClient {
    core: Client,
    /// The runtime the client's tasks run on; subscriptions forward there.
    runtime: Handle,
    _live: Live,
}

#[uniffi::export(async_runtime = "tokio")]
impl MoaClient {
    /// Opens the client's data directory (created if missing) for the server
    /// at `server_url`, with the default options. A member signed in before
    /// is signed in again from the device alone (offline too).
    #[uniffi::constructor]
    pub async fn open(data_dir: String, server_url: String) -> Result<Arc<MoaClient>> {
        MoaClient::open_with(data_dir, server_url, Options::default()).await
    }

    /// `open` with options.
    #[uniffi::constructor]
    pub async fn open_with(
        data_dir: String,
        server_url: String,
        options: Options,
    ) -> Result<Arc<MoaClient>> {
        let core = Client::open_with(data_dir, &server_url, options).await?;
        Ok(Arc::new(MoaClient {
            core,
            runtime: Handle::current(),
            _live: Live::new(),
        }))
    }

    // ----- events and sync --------------------------------------------------

    /// Sends every event from now on to `listener` until the answered
    /// subscription is cancelled or dropped.
    pub fn subscribe(&self, listener: Arc<dyn MoaListener>) -> Arc<Subscription> {
        Arc::new(Subscription::start(
            &self.runtime,
            self.core.subscribe(),
            listener,
        ))
    }

    /// The sync status now.
    pub fn status(&self) -> SyncStatus {
        self.core.status()
    }

    /// The state of the realtime connection.
    pub fn realtime_state(&self) -> RealtimeState {
        self.core.realtime_state()
    }

    /// Asks the background loop to sync now (returns at once).
    pub fn sync_soon(&self) {
        self.core.sync_soon()
    }

    /// Syncs now and waits: pushes the outbox, pulls until caught up.
    pub async fn sync(&self) -> Result<()> {
        Ok(self.core.sync().await?)
    }

    // ----- account ----------------------------------------------------------

    /// Creates an account and signs in.
    pub async fn sign_up(
        &self,
        email: String,
        password: String,
        handle: String,
        display_name: String,
    ) -> Result<Me> {
        Ok(self
            .core
            .sign_up(&email, &password, &handle, &display_name)
            .await?)
    }

    /// Signs in. Each account keeps its own local database.
    pub async fn sign_in(&self, email: String, password: String) -> Result<Me> {
        Ok(self.core.sign_in(&email, &password).await?)
    }

    /// Signs out; unsent changes stay for the next sign-in of the account.
    pub async fn sign_out(&self) -> Result<()> {
        Ok(self.core.sign_out().await?)
    }

    /// The signed-in member (with pending profile edits).
    pub async fn me(&self) -> Result<Me> {
        Ok(self.core.me().await?)
    }

    /// The member's page: profile and own reviews.
    pub async fn my_page(&self) -> Result<MyPage> {
        Ok(self.core.my_page().await?)
    }

    /// Changes the member's profile.
    pub async fn update_profile(&self, changes: ProfileChanges) -> Result<()> {
        Ok(self.core.update_profile(changes.into()).await?)
    }

    // ----- reading ----------------------------------------------------------

    /// A feed tab from the device (the first page as last synced).
    pub async fn feed(&self, tab: FeedTab) -> Result<Vec<Review>> {
        Ok(self.core.feed(tab).await?)
    }

    /// More of a feed (online only), after `cursor`.
    pub async fn feed_more(&self, tab: FeedTab, cursor: Option<String>) -> Result<FeedPage> {
        let (reviews, next_cursor) = self.core.feed_more(tab, cursor.as_deref()).await?;
        Ok(FeedPage {
            reviews,
            next_cursor,
        })
    }

    /// A review with its comments (opening it keeps it in sync).
    pub async fn review(&self, id: String) -> Result<ReviewDetail> {
        Ok(self.core.review(&id).await?)
    }

    /// Scrapped reviews, newest first.
    pub async fn scraps(&self) -> Result<Vec<Review>> {
        Ok(self.core.scraps().await?)
    }

    /// Notifications, newest first, with the unread count.
    pub async fn notifications(&self) -> Result<NotificationList> {
        let (items, unread) = self.core.notifications().await?;
        Ok(NotificationList { items, unread })
    }

    /// Marks notifications read (`all`, or these ids).
    pub async fn mark_notifications_read(&self, ids: Vec<String>, all: bool) -> Result<()> {
        Ok(self.core.mark_notifications_read(ids, all).await?)
    }

    /// Another member's profile.
    pub async fn profile(&self, user_id: String) -> Result<Profile> {
        Ok(self.core.profile(&user_id).await?)
    }

    /// Ids of the members the member follows.
    pub async fn following(&self) -> Result<Vec<String>> {
        Ok(self.core.following().await?)
    }

    // ----- writing (local at once, then through the outbox) -----------------

    /// Posts a review; answers its id (usable at once, offline too).
    pub async fn create_review(&self, review: NewReview) -> Result<String> {
        Ok(self.core.create_review(review).await?)
    }

    pub async fn edit_review(&self, id: String, changes: ReviewChanges) -> Result<()> {
        Ok(self.core.edit_review(&id, changes.into()).await?)
    }

    pub async fn delete_review(&self, id: String) -> Result<()> {
        Ok(self.core.delete_review(&id).await?)
    }

    /// Comments on a review, or replies to a comment; answers the new id.
    pub async fn comment(
        &self,
        review_id: String,
        body: String,
        parent_id: Option<String>,
    ) -> Result<String> {
        Ok(self
            .core
            .comment(&review_id, &body, parent_id.as_deref())
            .await?)
    }

    pub async fn edit_comment(&self, id: String, body: String) -> Result<()> {
        Ok(self.core.edit_comment(&id, &body).await?)
    }

    pub async fn delete_comment(&self, id: String) -> Result<()> {
        Ok(self.core.delete_comment(&id).await?)
    }

    /// Likes or unlikes a review or a comment.
    pub async fn set_like(&self, target: LikeTarget, id: String, liked: bool) -> Result<()> {
        Ok(self.core.set_like(target, &id, liked).await?)
    }

    pub async fn set_scrap(&self, review_id: String, scrapped: bool) -> Result<()> {
        Ok(self.core.set_scrap(&review_id, scrapped).await?)
    }

    pub async fn set_follow(&self, user_id: String, following: bool) -> Result<()> {
        Ok(self.core.set_follow(&user_id, following).await?)
    }

    /// Reports a member, review, comment, product or message.
    pub async fn report(
        &self,
        target: ReportTarget,
        id: String,
        reason: ReportReason,
        detail: String,
    ) -> Result<()> {
        Ok(self.core.report(target, &id, reason, &detail).await?)
    }

    // ----- photos and videos ------------------------------------------------

    /// Compresses a photo on the device and queues its upload; answers its
    /// media id at once. Progress: `Compressing`, then `Uploading` events.
    pub async fn add_photo(&self, source: MediaSource) -> Result<PreparedMedia> {
        Ok(self.core.add_photo(source).await?)
    }

    /// Queues a video (MP4, MOV or WebM, at most 100 MB) as it is.
    pub async fn add_video(&self, source: MediaSource) -> Result<PreparedMedia> {
        Ok(self.core.add_video(source).await?)
    }

    /// The local file of a media id (or its thumbnail), downloaded once.
    pub async fn media_file(&self, media_id: String, thumbnail: bool) -> Result<String> {
        let path = self.core.media_file(&media_id, thumbnail).await?;
        Ok(path.to_string_lossy().into_owned())
    }

    // ----- the outbox and drafts --------------------------------------------

    /// Everything not yet confirmed by the server, oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxItem>> {
        Ok(self.core.outbox().await?)
    }

    /// Sends an outbox item again now (a refused one as a new change).
    pub async fn retry(&self, id: String) -> Result<()> {
        Ok(self.core.retry(&id).await?)
    }

    /// Drops a queued or refused outbox item (its effect leaves the view).
    pub async fn discard(&self, id: String) -> Result<()> {
        Ok(self.core.discard(&id).await?)
    }

    /// Changes the text of a review or comment not sent yet.
    pub async fn edit_pending_text(
        &self,
        id: String,
        title: Option<String>,
        body: Option<String>,
    ) -> Result<()> {
        Ok(self.core.edit_pending_text(&id, title, body).await?)
    }

    /// Text kept from refused edits.
    pub async fn drafts(&self) -> Result<Vec<Draft>> {
        Ok(self.core.drafts().await?)
    }

    pub async fn reapply_draft(&self, id: String) -> Result<()> {
        Ok(self.core.reapply_draft(&id).await?)
    }

    pub async fn dismiss_draft(&self, id: String) -> Result<()> {
        Ok(self.core.dismiss_draft(&id).await?)
    }

    // ----- chat -------------------------------------------------------------

    /// The rooms the member is in, most recently active first.
    pub async fn rooms(&self) -> Result<Vec<ChatRoom>> {
        Ok(self.core.rooms().await?)
    }

    pub async fn room(&self, room_id: String) -> Result<ChatRoom> {
        Ok(self.core.room(&room_id).await?)
    }

    /// A room's messages from the device, oldest first: the newest `limit`
    /// before `before_seq` (absent: the newest, then pending sends).
    pub async fn messages(
        &self,
        room_id: String,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ChatMessage>> {
        Ok(self.core.messages(&room_id, before_seq, limit).await?)
    }

    /// Older history, fetched from the server when the device lacks it.
    pub async fn load_older(
        &self,
        room_id: String,
        before_seq: i64,
        limit: u32,
    ) -> Result<Vec<ChatMessage>> {
        Ok(self.core.load_older(&room_id, before_seq, limit).await?)
    }

    /// Sends a message (text and/or media ids); answers its id.
    pub async fn send_message(
        &self,
        room_id: String,
        body: String,
        media: Vec<String>,
        reply_to: Option<String>,
    ) -> Result<String> {
        Ok(self
            .core
            .send_message(&room_id, &body, media, reply_to.as_deref())
            .await?)
    }

    pub async fn edit_message(
        &self,
        room_id: String,
        message_id: String,
        body: String,
    ) -> Result<()> {
        Ok(self.core.edit_message(&room_id, &message_id, &body).await?)
    }

    pub async fn delete_message(&self, room_id: String, message_id: String) -> Result<()> {
        Ok(self.core.delete_message(&room_id, &message_id).await?)
    }

    /// Marks a room read up to `seq`.
    pub async fn mark_read(&self, room_id: String, seq: i64) -> Result<()> {
        Ok(self.core.mark_read(&room_id, seq).await?)
    }

    /// Tells the room the member is typing (throttled); answers whether a
    /// notice went out.
    pub async fn typing(&self, room_id: String) -> Result<bool> {
        Ok(self.core.typing(&room_id).await?)
    }

    /// The members typing in a room now.
    pub fn typing_members(&self, room_id: String) -> Vec<String> {
        self.core.typing_members(&room_id)
    }

    /// The direct room with a member (an existing one, or a new one).
    pub async fn create_direct_room(&self, user_id: String) -> Result<String> {
        Ok(self.core.create_direct_room(&user_id).await?)
    }

    /// A new group room with the member as owner; answers its id.
    pub async fn create_group_room(&self, name: String, members: Vec<String>) -> Result<String> {
        Ok(self.core.create_group_room(&name, members).await?)
    }

    pub async fn update_room(&self, room_id: String, changes: RoomChanges) -> Result<()> {
        Ok(self.core.update_room(&room_id, changes.into()).await?)
    }

    pub async fn invite(&self, room_id: String, user_id: String) -> Result<()> {
        Ok(self.core.invite(&room_id, &user_id).await?)
    }

    pub async fn remove_member(&self, room_id: String, user_id: String) -> Result<()> {
        Ok(self.core.remove_member(&room_id, &user_id).await?)
    }

    pub async fn leave_room(&self, room_id: String) -> Result<()> {
        Ok(self.core.leave_room(&room_id).await?)
    }

    pub async fn transfer_owner(&self, room_id: String, user_id: String) -> Result<()> {
        Ok(self.core.transfer_owner(&room_id, &user_id).await?)
    }

    pub async fn set_muted(&self, room_id: String, muted: bool) -> Result<()> {
        Ok(self.core.set_muted(&room_id, muted).await?)
    }
}

impl std::fmt::Debug for MoaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoaClient")
            .field("core", &self.core)
            .finish()
    }
}
