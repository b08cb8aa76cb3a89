//! [`MoaClient`]: client-core's [`Client`] as a uniffi object. Every method
//! is one call of the method of the same name in client-core (see its docs
//! for what each does), with its arguments and answer passed through and
//! its error converted by [`MoaError`]'s `From`. Nothing is decided here.
//! Like `Client`, it hands out objects for the rest of the surface:
//! `outbox()` ([`MoaOutbox`]), `room(id)` ([`MoaRoom`]), `media()`
//! ([`MoaMedia`]), `search()` ([`MoaSearch`]), `shop()` ([`MoaShop`]),
//! `requests()` ([`MoaRequests`]), `wallet()` ([`MoaWallet`]) and `admin()`
//! ([`MoaAdmin`]).
//!
//! Async methods run on tokio (uniffi's `async_runtime = "tokio"`): in
//! Kotlin they are `suspend` functions, in Swift `async`, in Python
//! coroutines.

use std::sync::Arc;

use moa_client_core::protocol::limits::VIEW_DWELL_MS;
use moa_client_core::protocol::links::LinkKind;
use moa_client_core::protocol::{
    CreatePlaceRequest, CreateProductRequest, Device, EditPlaceRequest, EditProductRequest,
    MemberListItem, NotificationSettings, PasswordResetSent, PhoneCodeSent, Place, PlaceCreated,
    Product, ProductCreated, PushPlatform,
};
use moa_client_core::{
    ChatRoom, Client, FeedTab, LikeTarget, Me, MyPage, NewReview, Options, Profile, RealtimeState,
    ReportReason, ReportTarget, Review, ReviewDetail, SubjectType, SyncStatus,
};
use tokio::runtime::Handle;

use crate::admin::MoaAdmin;
use crate::error::Result;
use crate::events::{MoaListener, Subscription};
use crate::handles::Live;
use crate::media::MoaMedia;
use crate::outbox::MoaOutbox;
use crate::requests::{MoaRequests, MoaWallet};
use crate::room::MoaRoom;
use crate::search::MoaSearch;
use crate::shop::MoaShop;
use crate::types::{
    AuthMethods, CommentPage, FeedPage, NotificationList, ProfileChanges, ReviewChanges,
    ReviewPage, SignInMethods, SocialProvider, SocialSignIn, SocialStart,
};

/// The client options apps use unless they have a reason not to
/// (background sync on, photos to 2048 px JPEG at quality 80).
#[uniffi::export]
pub fn default_options() -> Options {
    Options::default()
}

/// How long a review must stay open to count as read, in milliseconds
/// (3000): `MoaClient.noteView` ignores shorter reads, so an app may call
/// it once this much time has passed, or with the whole dwell when the
/// review closes.
#[uniffi::export]
pub fn view_dwell_ms() -> u64 {
    VIEW_DWELL_MS
}

/// One Moa client: a data directory on the device and a server.
#[derive(uniffi::Object)]
pub struct MoaClient {
    pub(crate) core: Client,
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

    /// Creates an account in a community (`MoaShop.communities`) and signs in.
    pub async fn sign_up_in(
        &self,
        email: String,
        password: String,
        handle: String,
        display_name: String,
        community_id: Option<String>,
    ) -> Result<Me> {
        Ok(self
            .core
            .sign_up_in(&email, &password, &handle, &display_name, community_id)
            .await?)
    }

    /// Signs in. Each account keeps its own local database.
    pub async fn sign_in(&self, email: String, password: String) -> Result<Me> {
        Ok(self.core.sign_in(&email, &password).await?)
    }

    /// The ways in the server offers (online): show "forgot your password?"
    /// only when `password_reset` is on, and a "sign in with" button for
    /// each of `providers`.
    pub async fn sign_in_methods(&self) -> Result<AuthMethods> {
        Ok(self.core.sign_in_methods().await?.into())
    }

    // ----- sign-in with Kakao, Naver and Google (online) ---------------------

    /// Step 1 of signing in with a provider: the provider's page to open in
    /// the system's browser session (iOS `ASWebAuthenticationSession`,
    /// Android Custom Tabs), which comes back to `redirect_uri`
    /// (`mobileRedirectUri()`). A provider the server has no settings for
    /// (not in `signInMethods().providers`) is `NotFound`.
    pub async fn start_social_sign_in(
        &self,
        provider: SocialProvider,
        redirect_uri: String,
    ) -> Result<SocialStart> {
        let start = self
            .core
            .start_social_sign_in(provider.into(), &redirect_uri)
            .await?;
        Ok(SocialStart::new(start, provider))
    }

    /// Step 2: the whole URL the browser came back to
    /// (`moa://oauth/callback?code=…&state=…`). Answers `SignedIn` (the
    /// provider account is a member's), `SignUp` (new: confirm a handle
    /// with `completeSocialSignUp`), `LinkRequired` (the email is an
    /// existing account's: `linkSocialWithPassword`), or, for a link
    /// started from settings, `Linked`. Refusals are `SignIn` with the
    /// server's code: `oauth_failed` (cancelled, or the provider refused),
    /// `invalid_oauth_state` (unknown, used or expired: start again),
    /// `email_unverified`, `identity_taken` (linking a provider account
    /// another member has).
    pub async fn finish_social_sign_in(&self, redirect_url: String) -> Result<SocialSignIn> {
        Ok(self.core.finish_social_sign_in(&redirect_url).await?.into())
    }

    /// Creates the account a `SignUp` ticket describes with `handle` (and
    /// `display_name`, else the provider's name), and signs in. A handle
    /// taken meanwhile is `Conflict`; a used or expired ticket is `SignIn`
    /// with code `invalid_ticket` (start again).
    pub async fn complete_social_sign_up(
        &self,
        ticket: String,
        handle: String,
        display_name: Option<String>,
    ) -> Result<Me> {
        Ok(self
            .core
            .complete_social_sign_up(&ticket, &handle, display_name.as_deref())
            .await?)
    }

    /// Links the provider of a `LinkRequired` ticket to the existing
    /// account with its password, and signs in. A wrong password is `Auth`
    /// (five of them end the ticket: `SignIn` with `invalid_ticket`).
    pub async fn link_social_with_password(&self, ticket: String, password: String) -> Result<Me> {
        Ok(self
            .core
            .link_social_with_password(&ticket, &password)
            .await?)
    }

    /// The signed-in member's ways in: the password, if any, and the
    /// linked providers.
    pub async fn linked_sign_ins(&self) -> Result<SignInMethods> {
        Ok(self.core.linked_sign_ins().await?.into())
    }

    /// Starts linking `provider` to the signed-in member (from settings);
    /// finish with `finishSocialSignIn`, which answers `Linked`.
    pub async fn start_linking(
        &self,
        provider: SocialProvider,
        redirect_uri: String,
    ) -> Result<SocialStart> {
        let start = self
            .core
            .start_linking(provider.into(), &redirect_uri)
            .await?;
        Ok(SocialStart::new(start, provider))
    }

    /// Unlinks `provider` from the signed-in member; answers the ways in
    /// left. The only way in cannot go: `SignIn` with code
    /// `last_sign_in_method` (set a password or link another first).
    pub async fn unlink_provider(&self, provider: SocialProvider) -> Result<SignInMethods> {
        Ok(self.core.unlink_provider(provider.into()).await?.into())
    }

    /// Mails a password reset code to `email` (online). The answer is the
    /// same whether or not the address has an account.
    pub async fn request_password_reset(&self, email: String) -> Result<PasswordResetSent> {
        Ok(self.core.request_password_reset(&email).await?)
    }

    /// Sets a new password with the mailed 6-digit `code` and signs in
    /// (online); every other session of the account ends. A wrong, used or
    /// expired code is `Invalid`.
    pub async fn reset_password(
        &self,
        email: String,
        code: String,
        new_password: String,
    ) -> Result<Me> {
        Ok(self
            .core
            .reset_password(&email, &code, &new_password)
            .await?)
    }

    /// Registers this phone's push token (online): FCM's registration token
    /// on Android, the APNs device token (hex) on iOS. Call it at every
    /// launch and when the system hands a new token; signing out stops the
    /// pushes. What the member muted is not pushed; chat only while the app
    /// is not connected.
    pub async fn register_push_token(
        &self,
        platform: PushPlatform,
        token: String,
    ) -> Result<Device> {
        Ok(self.core.register_push_token(platform, &token).await?)
    }

    /// Stops pushes to this phone (online).
    pub async fn unregister_push_token(&self) -> Result<()> {
        Ok(self.core.unregister_push_token().await?)
    }

    /// The muted notification kinds and whether chat pushes show the
    /// message (online).
    pub async fn notification_settings(&self) -> Result<NotificationSettings> {
        Ok(self.core.notification_settings().await?)
    }

    /// Replaces the muted kinds and the chat preview choice (online).
    pub async fn set_notification_settings(
        &self,
        settings: NotificationSettings,
    ) -> Result<NotificationSettings> {
        Ok(self.core.set_notification_settings(settings).await?)
    }

    /// The link to share for a review, place or group-buy on this server
    /// (`https://…/r/{id}`): messengers show its preview, whose button
    /// opens the app at `moa://review/{id}` (`parseLink` reads both).
    pub fn share_link(&self, kind: LinkKind, id: String) -> String {
        self.core.share_link(kind, &id)
    }

    /// Texts a 6-digit code to `phone` (a Korean mobile number in any usual
    /// spelling) to verify it (online): where it went (E.164) and for how
    /// long. Asked again within `resendAfterSecs` it is `Network` (the
    /// server says wait; try later, as for any busy server); `NotFound`
    /// where the server sends no texts (`signInMethods`).
    pub async fn request_phone_verification(&self, phone: String) -> Result<PhoneCodeSent> {
        Ok(self.core.request_phone_verification(&phone).await?)
    }

    /// Confirms the texted `code` (online): the number becomes the member's
    /// verified number (`Me.phoneVerified`). A wrong, used or expired code
    /// is `Invalid`.
    pub async fn confirm_phone_verification(&self, code: String) -> Result<Me> {
        Ok(self.core.confirm_phone_verification(&code).await?)
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

    /// A feed tab from the device (the first page as last synced). `ForYou`
    /// is the member's recommendations (never their own reviews, nor ones
    /// they read, liked or scrapped), synced like the others.
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

    /// Ids of the members the member follows (from the device).
    pub async fn following(&self) -> Result<Vec<String>> {
        Ok(self.core.following().await?)
    }

    /// A member's followers, newest first (the first page; online).
    pub async fn followers(&self, user_id: String) -> Result<Vec<MemberListItem>> {
        Ok(self.core.followers(&user_id).await?)
    }

    /// Whom a member follows, newest first (the first page; online).
    pub async fn following_list(&self, user_id: String) -> Result<Vec<MemberListItem>> {
        Ok(self.core.following_list(&user_id).await?)
    }

    /// Removes a member from the signed-in member's followers (online; done
    /// if they were not following).
    pub async fn remove_follower(&self, user_id: String) -> Result<()> {
        Ok(self.core.remove_follower(&user_id).await?)
    }

    /// Reviews the member liked, newest like first (the first page; online).
    pub async fn liked_reviews(&self) -> Result<Vec<Review>> {
        Ok(self.core.liked_reviews().await?)
    }

    // ----- discovery --------------------------------------------------------

    /// Notes that the member read review `review_id` for `dwell_ms`
    /// milliseconds: call it when a review has stayed open `viewDwellMs()`
    /// (about 3 s), or with the whole dwell when it closes. Shorter reads
    /// are not views and answer `false`; a view answers `true` and joins
    /// the `views.record` batch waiting in the outbox, which leaves with
    /// the next sync (reading ten reviews is one request). A review noted
    /// already in the waiting batch answers `false`; what is not a review
    /// id is `Invalid`. Works offline.
    pub async fn note_view(&self, review_id: String, dwell_ms: u64) -> Result<bool> {
        Ok(self.core.note_view(&review_id, dwell_ms).await?)
    }

    /// Reviews like review `id` ("비슷한 리뷰"), best first, never `id`
    /// itself: the server's answer when online (kept on the device), the
    /// kept one offline (`Network` if there is none).
    pub async fn similar_reviews(&self, id: String) -> Result<Vec<Review>> {
        Ok(self.core.similar_reviews(&id).await?)
    }

    /// Products like product `id` ("비슷한 상품"), best first: online the
    /// server's answer (kept on the device), offline the kept one
    /// (`Network` if there is none).
    pub async fn similar_products(&self, product_id: String) -> Result<Vec<Product>> {
        Ok(self.core.similar_products(&product_id).await?)
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

    /// Reports a member, review, comment, product, message or request.
    pub async fn report(
        &self,
        target: ReportTarget,
        id: String,
        reason: ReportReason,
        detail: String,
    ) -> Result<()> {
        Ok(self.core.report(target, &id, reason, &detail).await?)
    }

    // ----- handles ----------------------------------------------------------

    /// Photos and videos: adding them, and the local files of media ids.
    pub fn media(&self) -> Arc<MoaMedia> {
        Arc::new(MoaMedia::new(self.core.media()))
    }

    /// Search on the device and the server, suggestions, recent searches.
    pub fn search(&self) -> Arc<MoaSearch> {
        Arc::new(MoaSearch::new(self.core.search()))
    }

    // ----- places and products (online) -------------------------------------

    /// Places whose name or address contains `query` (the first page; empty
    /// lists all), to pick a review's subject. Online; works signed out.
    pub async fn search_places(&self, query: String) -> Result<Vec<Place>> {
        Ok(self.core.search_places(&query).await?)
    }

    /// Products whose name contains `query` (the first page). Online.
    pub async fn search_products(&self, query: String) -> Result<Vec<Product>> {
        Ok(self.core.search_products(&query).await?)
    }

    /// Adds a place; the existing one of the same name and address is
    /// answered instead (`created` false). Online.
    pub async fn add_place(&self, place: CreatePlaceRequest) -> Result<PlaceCreated> {
        Ok(self.core.add_place(place).await?)
    }

    /// Adds a product (an existing one with the same name and shop link is
    /// answered instead). Online.
    pub async fn add_product(&self, product: CreateProductRequest) -> Result<ProductCreated> {
        Ok(self.core.add_product(product).await?)
    }

    /// A place's or product's reviews, newest first: the first page, or the
    /// one after `cursor`. Online; works signed out.
    pub async fn subject_reviews(
        &self,
        subject: SubjectType,
        id: String,
        cursor: Option<String>,
    ) -> Result<ReviewPage> {
        Ok(self
            .core
            .subject_reviews(subject, &id, cursor)
            .await?
            .into())
    }

    /// A member's reviews, newest first (online).
    pub async fn user_reviews(
        &self,
        user_id: String,
        cursor: Option<String>,
    ) -> Result<ReviewPage> {
        Ok(self.core.user_reviews(&user_id, cursor).await?.into())
    }

    /// Reviews with a tag, newest first (online).
    pub async fn tag_reviews(&self, tag: String, cursor: Option<String>) -> Result<ReviewPage> {
        Ok(self.core.tag_reviews(&tag, cursor).await?.into())
    }

    /// A place (online); `NotFound` when there is none, or it was deleted
    /// and has no reviews.
    pub async fn place(&self, id: String) -> Result<Place> {
        Ok(self.core.place(&id).await?)
    }

    /// A product (online).
    pub async fn product(&self, id: String) -> Result<Product> {
        Ok(self.core.product(&id).await?)
    }

    /// Changes a place the member added (moderators: any), through the
    /// outbox. Answers the mutation id.
    pub async fn edit_place(&self, id: String, edit: EditPlaceRequest) -> Result<String> {
        Ok(self.core.edit_place(&id, edit).await?)
    }

    /// Deletes a place the member added (moderators: any), through the outbox.
    pub async fn delete_place(&self, id: String) -> Result<String> {
        Ok(self.core.delete_place(&id).await?)
    }

    /// Changes a product the member added (moderators: any).
    pub async fn edit_product(&self, id: String, edit: EditProductRequest) -> Result<String> {
        Ok(self.core.edit_product(&id, edit).await?)
    }

    /// Deletes a product the member added (moderators: any).
    pub async fn delete_product(&self, id: String) -> Result<String> {
        Ok(self.core.delete_product(&id).await?)
    }

    /// A member's comments, newest first, with their reviews' titles (online).
    pub async fn member_comments(
        &self,
        user_id: String,
        cursor: Option<String>,
    ) -> Result<CommentPage> {
        let page = self.core.member_comments(&user_id, cursor).await?;
        Ok(CommentPage {
            items: page.items,
            next_cursor: page.next_cursor,
        })
    }

    /// Moderation and the back office (moderators and admins; the server
    /// refuses others).
    pub fn admin(&self) -> Arc<MoaAdmin> {
        Arc::new(MoaAdmin::new(self.core.admin()))
    }

    /// Group-buys: communities, campaigns, orders and their payments.
    pub fn shop(&self) -> Arc<MoaShop> {
        Arc::new(MoaShop::new(self.core.shop()))
    }

    /// Requests (부탁) and quotes: browsing, posting, quoting, accepting,
    /// completing, reviewing the helper.
    pub fn requests(&self) -> Arc<MoaRequests> {
        Arc::new(MoaRequests::new(self.core.requests()))
    }

    /// The member's points: balance, ledger, charges and their payments.
    pub fn wallet(&self) -> Arc<MoaWallet> {
        Arc::new(MoaWallet::new(self.core.wallet()))
    }

    /// The outbox (what has not reached the server yet) and the drafts of
    /// refused edits.
    pub fn outbox(&self) -> Arc<MoaOutbox> {
        Arc::new(MoaOutbox::new(self.core.outbox()))
    }

    /// One chat room, by id: its messages, sends, reads, typing and
    /// members. Checks nothing (an unknown room answers `NotFound` from its
    /// methods).
    pub fn room(&self, room_id: String) -> Arc<MoaRoom> {
        Arc::new(MoaRoom::new(self.core.room(&room_id)))
    }

    // ----- chat -------------------------------------------------------------

    /// The rooms the member is in, most recently active first.
    pub async fn rooms(&self) -> Result<Vec<ChatRoom>> {
        Ok(self.core.rooms().await?)
    }

    /// The direct room with a member (an existing one, or a new one).
    pub async fn create_direct_room(&self, user_id: String) -> Result<String> {
        Ok(self.core.create_direct_room(&user_id).await?)
    }

    /// A new group room with the member as owner; answers its id.
    pub async fn create_group_room(&self, name: String, members: Vec<String>) -> Result<String> {
        Ok(self.core.create_group_room(&name, members).await?)
    }
}

impl std::fmt::Debug for MoaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoaClient")
            .field("core", &self.core)
            .finish()
    }
}
