//! The data that crosses the boundary. Most of it *is* client-core's and
//! moa-protocol's own types: each is declared here a second time under
//! `#[uniffi::remote(...)]`, a mirror uniffi checks field by field against
//! the real definition (a field added there and not here fails the build),
//! so no copy or conversion code exists for them. The doc comments here are
//! the ones the Kotlin, Swift and Python sources carry.
//!
//! Only where a client-core type cannot cross as it is does this module have
//! a record of its own, converted by plain field moves:
//! - partial updates whose "clear this" is `Option<Option<T>>` (Kotlin
//!   cannot tell `null` from absent): [`ReviewChanges`], [`ProfileChanges`],
//!   [`RoomChanges`] with an explicit `clear_*` flag;
//! - answers that are Rust tuples or generic pages: [`FeedPage`],
//!   [`NotificationList`], [`CommentPage`], [`MyQuote`], the request pages
//!   [`RequestPage`] and [`HelperReviewPage`], and the admin pages
//!   [`ReviewPage`], [`CampaignPage`], [`AdminUserPage`], [`AuditPage`];
//! - the report queue ([`ReportQueue`], [`ReportGroup`]), whose reported
//!   content is free-form JSON on the wire: it crosses as JSON text;
//! - what carries a sign-in provider ([`AuthMethods`], [`SocialStart`],
//!   [`SignInMethods`], [`LinkedIdentity`], [`SocialSignIn`]): the apps get
//!   [`SocialProvider`], a plain enum of the three they know, where the wire
//!   type also keeps a newer server's unknown names (left out here).
//!
//! File paths cross as strings (`PathBuf` is a custom type over `String`).

use std::path::PathBuf;
use std::time::Duration;

use moa_client_core::media::{CompressOptions, CompressStage, OutputFormat};
use moa_client_core::protocol;
use moa_client_core::protocol::links::LinkKind;
use moa_client_core::protocol::{
    AcceptedQuote, AdminOrder, AdminOrderPage, AdminStats, AdminUser, AuditEntry, Campaign,
    CampaignFunnel, CampaignStatus, ChargeCheckout, ChargeStatus, Community, CommunityKind,
    CommunitySignups, CreateCampaignRequest, CreateCommunityRequest, CreatePlaceRequest,
    CreateProductRequest, DataExport, DayStats, DeletionPolicy, Device, EditCampaignRequest,
    EditPlaceRequest, EditProductRequest, ExportState, HelpRequest, HelperReview, MatchKind, Media,
    MediaKind, MemberListItem, ModerationAction, ModerationRequest, ModerationResult,
    NotificationKind, NotificationSettings, OptionChoice, OptionChoiceInput, OptionGroup,
    OptionGroupInput, Order, OrderChoice, OrderEvent, OrderFilter, OrderSort, OrderStatus,
    OrderTotals, Page, PasswordResetSent, PhoneCodeSent, Place, PlaceCategory, PlaceCreated,
    PointCharge, PointEntry, PointKind, Product, ProductCreated, ProductOption, ProfileComment,
    ProfileCounts, PushPlatform, Quote, QuoteStatus, Report, ReportDayCount, ReportState,
    ReportStats, ReportTypeCount, RequestCategory, RequestStatus, Role, SearchHit, SearchKind,
    SearchType, ShopProduct, ShopProductRequest, TextAudience, TextKind, TextPreview, TextPurpose,
    TextRange, TextRecipient, TextRequest, TextSend, Wallet,
};
use moa_client_core::{
    Author, ChatMessage, ChatRoom, Comment, Draft, DraftKind, Event, FeedTab, ItemError,
    LikeTarget, Me, MediaSource, MessageState, MyPage, NewReview, Notification, Options,
    OutboxItem, OutboxState, PreparedMedia, Profile, RealtimeState, Rejection, ReportReason,
    ReportTarget, Review, ReviewDetail, ReviewKind, Room, RoomKind, RoomMember, SearchOutcome,
    Subject, SubjectRef, SubjectType, SyncStatus, Topic,
};
use moa_client_core::{CampaignCard, Checkout, ExportedOrders, MyOrder, OrderDraft};
use moa_client_core::{DataExportProgress, SavedExport};
use moa_client_core::{OauthRedirect, SocialSignIn as CoreSocialSignIn};
use moa_client_core::{QuoteView, RequestCard, RequestDraft, RequestFilter};

use crate::error::Result;

uniffi::custom_type!(PathBuf, String, {
    remote,
    lower: |path| path.to_string_lossy().into_owned(),
    try_lift: |path| Ok(PathBuf::from(path)),
});

// ----- community content (moa-protocol) -------------------------------------

/// The author of a review or comment, as shown with it.
#[uniffi::remote(Record)]
pub struct Author {
    pub id: String,
    pub handle: String,
    pub display_name: String,
    pub avatar_media_id: Option<String>,
    /// A deleted account: show "deleted user".
    pub deleted: bool,
}

/// Long "story" reviews and short "snap" reviews.
#[uniffi::remote(Enum)]
pub enum ReviewKind {
    /// Title, long body, up to 20 photos.
    Story,
    /// Short body (at most 500 characters), up to 4 photos, no title.
    Snap,
}

/// What a review is about.
#[uniffi::remote(Enum)]
pub enum SubjectType {
    Place,
    Product,
}

/// A reference to a place or a product, when posting a review.
#[uniffi::remote(Record)]
pub struct SubjectRef {
    pub kind: SubjectType,
    pub id: String,
}

/// The subject of a review as shown with it.
#[uniffi::remote(Record)]
pub struct Subject {
    pub kind: SubjectType,
    pub id: String,
    pub name: String,
    /// The product's shop link, or the place's address.
    pub detail: String,
}

/// A review (the posts of Moa).
#[uniffi::remote(Record)]
pub struct Review {
    pub id: String,
    pub author: Author,
    pub kind: ReviewKind,
    /// Empty for snaps.
    pub title: String,
    pub body: String,
    /// Media ids, in display order (`MoaClient.media_file` shows them).
    pub photos: Vec<String>,
    pub subject: Option<Subject>,
    pub rating: Option<i64>,
    pub tags: Vec<String>,
    /// Posted by the Moa team.
    pub official: bool,
    pub like_count: i64,
    pub comment_count: i64,
    pub scrap_count: i64,
    pub view_count: i64,
    /// Whether the signed-in member likes / scrapped it.
    pub liked_by_me: bool,
    pub scrapped_by_me: bool,
    /// Grows with each edit.
    pub version: i64,
    /// Unix milliseconds, like every time here.
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub hidden: bool,
    pub deleted: bool,
}

/// A comment on a review, or a reply to one (`parent_id` set).
#[uniffi::remote(Record)]
pub struct Comment {
    pub id: String,
    pub review_id: String,
    pub parent_id: Option<String>,
    pub author: Author,
    /// Empty when deleted or hidden.
    pub body: String,
    pub like_count: i64,
    pub reply_count: i64,
    pub liked_by_me: bool,
    pub version: i64,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub hidden: bool,
    pub deleted: bool,
}

/// The feed tabs of the home screen.
#[uniffi::remote(Enum)]
pub enum FeedTab {
    Latest,
    Following,
    Popular,
    ForYou,
}

/// What a like is on.
#[uniffi::remote(Enum)]
pub enum LikeTarget {
    Review,
    Comment,
}

/// What a member may do.
#[uniffi::remote(Enum)]
pub enum Role {
    Member,
    Moderator,
    Admin,
}

/// Counts shown on a profile and on "my page".
#[uniffi::remote(Record)]
pub struct ProfileCounts {
    pub reviews: i64,
    pub followers: i64,
    pub following: i64,
    /// Reviews received as the helper of requests (부탁).
    pub helper_reviews: i64,
    /// The sum of their ratings (average = `helper_rating_sum / helper_reviews`).
    pub helper_rating_sum: i64,
}

/// The signed-in member's own account.
#[uniffi::remote(Record)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    pub links: Vec<String>,
    pub avatar_media_id: Option<String>,
    pub role: Role,
    /// Set while the account is suspended: it can read but not write.
    pub suspended_until: Option<i64>,
    pub counts: ProfileCounts,
    /// The community the member belongs to (group-buys offered to it).
    pub community_id: Option<String>,
    /// The member's mobile number (digits); only they see it.
    pub phone: Option<String>,
    /// Whether they agreed to marketing texts.
    pub sms_opt_in: bool,
    /// Whether `phone` was confirmed with a texted code.
    pub phone_verified: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A member as others see them.
#[uniffi::remote(Record)]
pub struct Profile {
    pub id: String,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    pub links: Vec<String>,
    pub avatar_media_id: Option<String>,
    pub role: Role,
    /// A deleted account: show "deleted user".
    pub deleted: bool,
    pub counts: ProfileCounts,
    /// Whether the signed-in member follows them.
    pub followed_by_me: bool,
    pub created_at: i64,
}

/// Why a member is notified.
#[uniffi::remote(Enum)]
pub enum NotificationKind {
    Like,
    Comment,
    Reply,
    Follow,
    ContentHidden,
    ReportResolved,
    OrderPaid,
    CampaignSucceeded,
    CampaignFailed,
    CampaignEndingSoon,
    RefundCompleted,
    /// Someone quoted on the member's request.
    QuoteReceived,
    /// The member's quote was accepted.
    QuoteAccepted,
    /// Another quote was accepted on a request the member quoted on.
    QuoteDeclined,
    /// The requester confirmed the member's help: the points are theirs.
    RequestCompleted,
    /// A request the member is in was cancelled.
    RequestCancelled,
    /// The requester reviewed the member's help.
    HelperReviewed,
    /// Points reached the member's wallet (a charge or a grant).
    PointsAdded,
}

/// One notification.
#[uniffi::remote(Record)]
pub struct Notification {
    pub id: String,
    pub kind: NotificationKind,
    /// Who did it (absent for moderation outcomes).
    pub actor: Option<Author>,
    /// `review`, `comment`, `user`, `report`, `request`, ... (what the
    /// notification is about).
    pub target_type: String,
    pub target_id: String,
    /// The review to open, when there is one.
    pub review_id: Option<String>,
    /// A short excerpt.
    pub preview: String,
    pub created_at: i64,
    pub read: bool,
}

/// What can be reported.
#[uniffi::remote(Enum)]
pub enum ReportTarget {
    User,
    Review,
    Comment,
    Product,
    /// A chat message.
    Message,
    /// A request (부탁): moderators see it with its quotes and chat.
    Request,
}

/// Why something is reported.
#[uniffi::remote(Enum)]
pub enum ReportReason {
    Spam,
    Abuse,
    Illegal,
    FalseInformation,
    /// Needs a `detail`.
    Other,
}

/// Direct (exactly two members) or group.
#[uniffi::remote(Enum)]
pub enum RoomKind {
    Direct,
    Group,
}

/// A member of a room.
#[uniffi::remote(Record)]
pub struct RoomMember {
    pub user: Author,
    pub joined_at: i64,
    /// The last message `seq` this member has read.
    pub last_read_seq: i64,
}

/// A room and its members.
#[uniffi::remote(Record)]
pub struct Room {
    pub id: String,
    pub kind: RoomKind,
    /// Group rooms only.
    pub name: Option<String>,
    pub photo_media_id: Option<String>,
    /// The owner of a group room.
    pub owner_id: Option<String>,
    pub members: Vec<RoomMember>,
    /// The `seq` of the latest message (0 when there is none).
    pub last_seq: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A photo or a video.
#[uniffi::remote(Enum)]
pub enum MediaKind {
    Photo,
    Video,
}

// ----- the client's own state (client-core) ---------------------------------

/// Where an outbox item stands.
#[uniffi::remote(Enum)]
pub enum OutboxState {
    /// Waiting to be sent (possibly after a network failure).
    Queued,
    /// On its way to the server.
    Sending,
    /// Accepted by the server; leaves the outbox after the next pull.
    Applied,
    /// Refused by the server; stays until retried or discarded.
    Failed,
}

/// An error attached to an outbox item or a refusal.
#[uniffi::remote(Record)]
pub struct ItemError {
    /// `network`, or the server's code (`conflict`, `invalid_field`, ...).
    pub code: String,
    pub message: String,
}

/// A pending change, as the outbox screen shows it.
#[uniffi::remote(Record)]
pub struct OutboxItem {
    /// Use it to retry or discard.
    pub id: String,
    /// What it does, e.g. `review.create`, `like.set`, `media.upload`.
    pub action: String,
    /// The entity it is about, when there is one.
    pub target_id: Option<String>,
    pub state: OutboxState,
    /// Failed sends so far (network failures).
    pub attempts: u32,
    /// Why it failed.
    pub error: Option<ItemError>,
    pub created_at: i64,
    /// It can still be discarded: it never left the device, or was refused.
    /// One that was sent may have been applied (its answer lost).
    pub discardable: bool,
}

/// The sync state a status bar shows.
#[uniffi::remote(Record)]
pub struct SyncStatus {
    pub signed_in: bool,
    /// The last exchange with the server succeeded.
    pub online: bool,
    /// A push or pull is under way.
    pub syncing: bool,
    /// Changes not yet confirmed by the server.
    pub pending: u32,
    /// Changes the server refused, waiting for the member.
    pub failed: u32,
    /// When the last full sync succeeded.
    pub last_sync_at: Option<i64>,
    /// The current error, if the last attempt failed.
    pub error: Option<String>,
}

/// What kinds of data changed, for screens to reload what they show.
#[uniffi::remote(Enum)]
pub enum Topic {
    Feed,
    Reviews,
    Comments,
    Likes,
    Scraps,
    Follows,
    Notifications,
    Profile,
    Outbox,
    Drafts,
    /// The room list.
    Rooms,
    /// Messages of a room (the events carry the message itself).
    Messages,
    /// Group-buys offered to the member (counts move live).
    Campaigns,
    /// The member's orders and their history.
    Orders,
    /// Requests (부탁) and quotes.
    Requests,
    /// The member's points: balance, ledger, charges.
    Wallet,
}

/// The realtime connection.
#[uniffi::remote(Enum)]
pub enum RealtimeState {
    /// Signed out, or background sync is off.
    Off,
    Connecting,
    /// Messages, receipts, typing and pokes arrive as they happen.
    Connected,
    /// Lost or refused; the next attempt is in `retry_in`.
    Disconnected {
        retry_in: Duration,
    },
}

/// Where a message stands on this device.
#[uniffi::remote(Enum)]
pub enum MessageState {
    /// On the server.
    Sent,
    /// A send, edit or delete of this device is on its way.
    Pending,
    /// The server refused the send (retry or discard its outbox item).
    Failed(ItemError),
}

/// A chat message as the screen shows it.
#[uniffi::remote(Record)]
pub struct ChatMessage {
    pub id: String,
    pub room_id: String,
    /// The per-room order; absent until the server has it.
    pub seq: Option<i64>,
    pub sender_id: String,
    pub body: String,
    /// Photo and video media ids.
    pub media: Vec<String>,
    pub reply_to: Option<String>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    /// A deleted message keeps its place with an empty body.
    pub deleted: bool,
    pub state: MessageState,
}

/// One row of the room list.
#[uniffi::remote(Record)]
pub struct ChatRoom {
    /// The room with its members (`members[].last_read_seq` are the read
    /// markers as known here).
    pub room: Room,
    pub last_message: Option<ChatMessage>,
    /// Messages after the member's own read marker.
    pub unread: i64,
    pub muted: bool,
    /// Created on this device and not confirmed yet.
    pub pending: bool,
}

/// A change the server refused.
#[uniffi::remote(Record)]
pub struct Rejection {
    pub mutation_id: String,
    pub action: String,
    pub error: ItemError,
    /// The draft keeping the member's text, for a refused edit.
    pub draft_id: Option<String>,
}

/// What a draft would change.
#[uniffi::remote(Enum)]
pub enum DraftKind {
    ReviewEdit,
    CommentEdit,
}

/// The member's text from a refused edit.
#[uniffi::remote(Record)]
pub struct Draft {
    pub id: String,
    pub kind: DraftKind,
    /// The review or comment it edits.
    pub target_id: String,
    pub title: Option<String>,
    pub body: Option<String>,
    pub error: ItemError,
    pub created_at: i64,
}

/// A review with its comments and replies (oldest first).
#[uniffi::remote(Record)]
pub struct ReviewDetail {
    pub review: Review,
    pub comments: Vec<Comment>,
}

/// A new review.
#[uniffi::remote(Record)]
pub struct NewReview {
    pub kind: ReviewKind,
    pub title: String,
    pub body: String,
    /// Media ids from `add_photo`.
    pub photos: Vec<String>,
    pub subject: Option<SubjectRef>,
    /// 1 to 5.
    pub rating: Option<i64>,
    pub tags: Vec<String>,
    /// Posted as the Moa team's (moderators and admins only).
    pub official: bool,
}

/// The member's own page.
#[uniffi::remote(Record)]
pub struct MyPage {
    pub me: Me,
    pub reviews: Vec<Review>,
}

/// A stage of compressing a photo.
#[uniffi::remote(Enum)]
pub enum CompressStage {
    Decode,
    Resize,
    Encode,
    Thumbnail,
    Done,
}

/// Where a photo or video comes from.
#[uniffi::remote(Enum)]
pub enum MediaSource {
    /// A file on the device.
    Path(PathBuf),
    /// Bytes in memory (a camera capture, a paste); `name` labels progress.
    Bytes { name: String, bytes: Vec<u8> },
}

/// A photo or video ready to use: its media id is valid at once, the upload
/// is queued.
#[uniffi::remote(Record)]
pub struct PreparedMedia {
    /// Use it in `NewReview.photos` or a message's media.
    pub media_id: String,
    pub kind: MediaKind,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub blurhash: Option<String>,
    /// The compressed file on the device.
    pub path: PathBuf,
    pub thumbnail_path: Option<PathBuf>,
    /// The outbox item uploading it.
    pub upload_id: String,
}

/// JPEG or WebP output of photo compression.
#[uniffi::remote(Enum)]
pub enum OutputFormat {
    Jpeg,
    Webp,
}

/// How photos are compressed before upload.
#[uniffi::remote(Record)]
pub struct CompressOptions {
    /// Long edge of the output (default 2048).
    pub max_edge: u32,
    /// Encoder quality 1 to 100 (default 80).
    pub quality: u8,
    pub output: OutputFormat,
    /// Long edge of the thumbnail (default 320).
    pub thumb_edge: u32,
    /// Photos claiming more pixels are refused before decoding.
    pub max_pixels: u64,
}

/// How the client behaves; `default_options()` suits apps.
#[uniffi::remote(Record)]
pub struct Options {
    /// Keep in step with the server in the background and keep the realtime
    /// connection open. Off, nothing moves until `sync()` is called.
    pub background_sync: bool,
    pub photo: CompressOptions,
}

/// What the client tells its listeners.
#[uniffi::remote(Enum)]
pub enum Event {
    /// Data of these topics changed (locally or from the server).
    Changed(Vec<Topic>),
    /// The sync status changed.
    Status(SyncStatus),
    /// The server refused a change; its effect left the view.
    Rejected(Rejection),
    /// A photo (`source` is its file or name) is starting `stage`.
    Compressing {
        source: String,
        stage: CompressStage,
    },
    /// An upload moved: `sent` of `total` bytes are on the server.
    Uploading {
        media_id: String,
        sent: u64,
        total: u64,
    },
    /// A message this device had not shown yet arrived.
    Message(ChatMessage),
    /// A shown message changed: edited, deleted, or confirmed.
    MessageChanged(ChatMessage),
    /// A member's read marker moved: everything up to `seq` is read.
    ReadMarker {
        room_id: String,
        user_id: String,
        seq: i64,
    },
    /// Another member is typing; show it for `ttl_ms` unless renewed.
    Typing {
        room_id: String,
        user_id: String,
        ttl_ms: i64,
    },
    /// The realtime connection moved.
    Realtime(RealtimeState),
    /// A new notification, live from the server.
    Notification(Notification),
    /// A direct room created here already existed: `from` is `to` now.
    RoomMoved { from: String, to: String },
}

// ----- records of the bindings' own -----------------------------------------

/// `Some(None)` ("clear it") when `clear`, else `Some(v)` or absent.
fn clearable<T>(value: Option<T>, clear: bool) -> Option<Option<T>> {
    if clear { Some(None) } else { value.map(Some) }
}

/// The fields of a review to change (absent: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ReviewChanges {
    #[uniffi(default)]
    pub title: Option<String>,
    #[uniffi(default)]
    pub body: Option<String>,
    #[uniffi(default)]
    pub photos: Option<Vec<String>>,
    #[uniffi(default)]
    pub rating: Option<i64>,
    /// Removes the rating (`rating` is then ignored).
    #[uniffi(default)]
    pub clear_rating: bool,
    #[uniffi(default)]
    pub tags: Option<Vec<String>>,
}

impl From<ReviewChanges> for moa_client_core::ReviewChanges {
    fn from(c: ReviewChanges) -> Self {
        moa_client_core::ReviewChanges {
            title: c.title,
            body: c.body,
            photos: c.photos,
            rating: clearable(c.rating, c.clear_rating),
            tags: c.tags,
        }
    }
}

/// Changes to the member's profile (absent: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ProfileChanges {
    #[uniffi(default)]
    pub display_name: Option<String>,
    #[uniffi(default)]
    pub bio: Option<String>,
    #[uniffi(default)]
    pub links: Option<Vec<String>>,
    /// A media id from `add_photo`.
    #[uniffi(default)]
    pub avatar_media_id: Option<String>,
    /// Removes the avatar (`avatar_media_id` is then ignored).
    #[uniffi(default)]
    pub clear_avatar: bool,
    /// Joins this community (`MoaShop.communities`).
    #[uniffi(default)]
    pub community_id: Option<String>,
    /// Leaves the community (`community_id` is then ignored).
    #[uniffi(default)]
    pub clear_community: bool,
    /// A Korean mobile number (`010-1234-5678`); private.
    #[uniffi(default)]
    pub phone: Option<String>,
    /// Removes the number (`phone` is then ignored).
    #[uniffi(default)]
    pub clear_phone: bool,
    /// Agree (`true`) or no longer agree (`false`) to marketing texts.
    #[uniffi(default)]
    pub sms_opt_in: Option<bool>,
}

impl From<ProfileChanges> for moa_client_core::ProfileChanges {
    fn from(c: ProfileChanges) -> Self {
        moa_client_core::ProfileChanges {
            display_name: c.display_name,
            bio: c.bio,
            links: c.links,
            avatar_media_id: clearable(c.avatar_media_id, c.clear_avatar),
            community_id: clearable(c.community_id, c.clear_community),
            phone: clearable(c.phone, c.clear_phone),
            sms_opt_in: c.sms_opt_in,
        }
    }
}

/// Changes to a group room (absent: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct RoomChanges {
    #[uniffi(default)]
    pub name: Option<String>,
    /// A media id from `add_photo`.
    #[uniffi(default)]
    pub photo_media_id: Option<String>,
    /// Removes the photo (`photo_media_id` is then ignored).
    #[uniffi(default)]
    pub clear_photo: bool,
}

impl From<RoomChanges> for moa_client_core::RoomChanges {
    fn from(c: RoomChanges) -> Self {
        moa_client_core::RoomChanges {
            name: c.name,
            photo_media_id: clearable(c.photo_media_id, c.clear_photo),
        }
    }
}

/// A page of a feed fetched from the server.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FeedPage {
    pub reviews: Vec<Review>,
    /// Pass to `feed_more` for the next page; absent at the end.
    pub next_cursor: Option<String>,
}

/// Notifications, newest first, and how many are unread.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NotificationList {
    pub items: Vec<Notification>,
    pub unread: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_this_app_does_not_know_are_left_out() {
        let apple = || protocol::SocialProvider::parse("apple");
        let methods: AuthMethods = protocol::AuthMethods {
            password: true,
            password_reset: false,
            phone_verification: false,
            providers: vec![
                protocol::SocialProvider::Naver,
                apple(),
                protocol::SocialProvider::Google,
            ],
        }
        .into();
        assert_eq!(
            methods.providers,
            [SocialProvider::Naver, SocialProvider::Google]
        );

        let identity = |provider| protocol::LinkedIdentity {
            provider,
            email: "a@moa.example".into(),
            linked_at: 1,
        };
        let ways: SignInMethods = protocol::SignInMethods {
            password: false,
            identities: vec![identity(apple()), identity(protocol::SocialProvider::Kakao)],
        }
        .into();
        assert!(!ways.password);
        assert_eq!(
            ways.identities,
            [LinkedIdentity {
                provider: SocialProvider::Kakao,
                email: "a@moa.example".into(),
                linked_at: 1
            }]
        );

        let outcome: SocialSignIn = CoreSocialSignIn::LinkRequired {
            ticket: "t".into(),
            email: "a@moa.example".into(),
            has_password: false,
            providers: vec![apple(), protocol::SocialProvider::Google],
        }
        .into();
        assert!(matches!(
            outcome,
            SocialSignIn::LinkRequired { providers, .. } if providers == [SocialProvider::Google]
        ));

        // A start names back the provider asked for.
        let start = |provider| protocol::SocialStart {
            provider,
            authorize_url: "https://kauth.kakao.com/oauth/authorize?state=s".into(),
            state: "s".into(),
            expires_at: 2,
        };
        let asked = SocialProvider::Kakao;
        assert_eq!(
            SocialStart::new(start(protocol::SocialProvider::Kakao), asked).provider,
            SocialProvider::Kakao
        );
        assert_eq!(SocialStart::new(start(apple()), asked).provider, asked);
        for provider in [
            SocialProvider::Kakao,
            SocialProvider::Naver,
            SocialProvider::Google,
        ] {
            assert_eq!(SocialProvider::from_wire(&provider.into()), Some(provider));
        }
    }

    #[test]
    fn clear_flags_become_explicit_nulls_and_absent_stays_absent() {
        let edit: moa_client_core::ReviewChanges = ReviewChanges {
            rating: Some(4),
            clear_rating: true,
            ..ReviewChanges::default()
        }
        .into();
        assert_eq!(edit.rating, Some(None));
        let edit: moa_client_core::ReviewChanges = ReviewChanges {
            rating: Some(4),
            ..ReviewChanges::default()
        }
        .into();
        assert_eq!(edit.rating, Some(Some(4)));
        let edit: moa_client_core::ReviewChanges = ReviewChanges::default().into();
        assert_eq!(edit.rating, None);
        let room: moa_client_core::RoomChanges = RoomChanges {
            clear_photo: true,
            ..RoomChanges::default()
        }
        .into();
        assert_eq!(room.photo_media_id, Some(None));
    }
}

// ----- search (moa-protocol) -------------------------------------------------

/// What a search hit is.
#[uniffi::remote(Enum)]
pub enum SearchKind {
    Review,
    Place,
    Product,
    Person,
    Campaign,
    Request,
}

/// What to search: everything (the best few of each kind) or one kind.
#[uniffi::remote(Enum)]
pub enum SearchType {
    All,
    Reviews,
    Places,
    Products,
    People,
    Campaigns,
    Requests,
}

/// How a hit matched, best first.
#[uniffi::remote(Enum)]
pub enum MatchKind {
    Exact,
    Prefix,
    Words,
    Initials,
    Keyboard,
    Typo,
}

/// A highlighted part of a hit's text, in characters (Unicode scalar
/// values; on JVM and Swift strings, count code points, not UTF-16 units).
#[uniffi::remote(Record)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

/// One search result: what its row shows.
#[uniffi::remote(Record)]
pub struct SearchHit {
    pub kind: SearchKind,
    pub id: String,
    pub title: String,
    pub title_ranges: Vec<TextRange>,
    pub snippet: String,
    pub snippet_ranges: Vec<TextRange>,
    pub photo_id: Option<String>,
    pub likes: i64,
    pub comments: i64,
    pub reviews: i64,
    pub followers: i64,
    pub matched: MatchKind,
    pub created_at: i64,
}

/// A search's hits, the device's first; `offline` when the server could not
/// be reached (the device's hits only).
#[uniffi::remote(Record)]
pub struct SearchOutcome {
    pub hits: Vec<SearchHit>,
    pub next_cursor: Option<String>,
    pub offline: bool,
}

// ----- group-buys (moa-protocol and client-core's shop) ---------------------

/// What kind of community.
#[uniffi::remote(Enum)]
pub enum CommunityKind {
    University,
    Neighbourhood,
    Company,
}

/// A community members belong to (a university, a neighbourhood, a company).
#[uniffi::remote(Record)]
pub struct Community {
    pub id: String,
    pub name: String,
    pub kind: CommunityKind,
    /// Members' email domain, e.g. `snu.ac.kr`, if the community has one.
    pub email_domain: Option<String>,
    pub member_count: i64,
    pub created_at: i64,
}

/// One choice of an option group, e.g. 블랙 (+0원, 12 left).
#[uniffi::remote(Record)]
pub struct OptionChoice {
    pub id: String,
    pub name: String,
    /// Added to the unit price (may be 0).
    pub price_delta_krw: i64,
    /// Units still available of this choice.
    pub stock: i64,
}

/// An option group, e.g. 색상; an order picks one choice of each.
#[uniffi::remote(Record)]
pub struct OptionGroup {
    pub name: String,
    pub choices: Vec<OptionChoice>,
}

/// A product the shop sells.
#[uniffi::remote(Record)]
pub struct ShopProduct {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Media ids, the first is the cover.
    pub photos: Vec<String>,
    pub base_price_krw: i64,
    pub option_groups: Vec<OptionGroup>,
    /// A catalog product (a review subject) this one is, if any.
    pub catalog_product_id: Option<String>,
    pub archived: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Where a group-buy stands.
#[uniffi::remote(Enum)]
pub enum CampaignStatus {
    Open,
    Succeeded,
    Failed,
    Cancelled,
}

/// A group-buy: a product at a group price, for some communities (or
/// everyone), until a deadline.
#[uniffi::remote(Record)]
pub struct Campaign {
    pub id: String,
    pub title: String,
    pub product: ShopProduct,
    /// The communities it is offered to; empty = everyone.
    pub community_ids: Vec<String>,
    pub group_price_krw: i64,
    /// Paid participants needed by the deadline.
    pub min_participants: i64,
    /// Members with a paid order now.
    pub participants: i64,
    pub stock: i64,
    /// Units not yet taken by a paid or pending order.
    pub remaining: i64,
    /// Most units one member may order in all.
    pub per_member_limit: i64,
    pub starts_at: i64,
    /// Show it in Korean time (Asia/Seoul).
    pub deadline_at: i64,
    pub status: CampaignStatus,
    /// When it left OPEN.
    pub closed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A group-buy as a card shows it.
#[uniffi::remote(Record)]
pub struct CampaignCard {
    pub campaign: Campaign,
    /// Units the member's orders hold.
    pub my_units: i64,
    /// Open and less than a day before its deadline (마감 임박).
    pub ending_soon: bool,
    /// The member saved it (찜).
    pub scrapped: bool,
}

/// Where an order stands.
#[uniffi::remote(Enum)]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    Confirmed,
    Fulfilled,
    Expired,
    RefundPending,
    Refunded,
}

/// The choice an order took of one option group.
#[uniffi::remote(Record)]
pub struct OrderChoice {
    pub group: String,
    pub choice_id: String,
    pub name: String,
    pub price_delta_krw: i64,
}

/// One step of an order's history.
#[uniffi::remote(Record)]
pub struct OrderEvent {
    pub status: OrderStatus,
    /// A member id, or absent for the system (a job, the payment provider).
    pub actor_id: Option<String>,
    pub note: String,
    pub at: i64,
}

/// An order of a group-buy.
#[uniffi::remote(Record)]
pub struct Order {
    /// Also the payment's id at the provider.
    pub id: String,
    pub campaign_id: String,
    pub campaign_title: String,
    pub user_id: String,
    pub choices: Vec<OrderChoice>,
    pub quantity: i64,
    pub unit_price_krw: i64,
    pub amount_krw: i64,
    pub status: OrderStatus,
    /// Until when an unpaid order holds its units.
    pub expires_at: i64,
    pub history: Vec<OrderEvent>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One of the member's orders.
#[uniffi::remote(Record)]
pub struct MyOrder {
    pub order: Order,
    /// A cancel is waiting in the outbox.
    pub cancel_pending: bool,
}

/// The choice of an order not placed yet (made offline).
#[uniffi::remote(Record)]
pub struct OrderDraft {
    pub campaign_id: String,
    /// The order id it was sent under (placing the same choice reuses it).
    pub order_id: String,
    pub choice_ids: Vec<String>,
    pub quantity: i64,
    pub saved_at: i64,
}

/// An order waiting for its payment, and where to pay it.
#[uniffi::remote(Record)]
pub struct Checkout {
    pub order: Order,
    /// The provider's checkout page, to open in the browser.
    pub url: String,
}

// ----- places and products (the subjects of reviews) --------------------------

/// What kind of place.
#[uniffi::remote(Enum)]
pub enum PlaceCategory {
    Cafe,
    Restaurant,
    Bar,
    Bakery,
    Shop,
    Culture,
    Travel,
    Other,
}

/// A place members review.
#[uniffi::remote(Record)]
pub struct Place {
    pub id: String,
    pub name: String,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub category: PlaceCategory,
    pub review_count: i64,
    pub average_rating: Option<f64>,
    /// Who added it: they (and moderators) may edit or delete it.
    pub created_by: String,
    pub created_at: i64,
    /// An external page (a map, the place's site), or empty.
    pub link: String,
    /// Deleted: the page stays for its reviews.
    pub deleted: bool,
}

/// One option of a product, e.g. 색상: 검정, 흰색.
#[uniffi::remote(Record)]
pub struct ProductOption {
    pub name: String,
    pub values: Vec<String>,
}

/// A product members review.
#[uniffi::remote(Record)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub price_krw: i64,
    pub options: Vec<ProductOption>,
    pub photos: Vec<String>,
    /// The external shop page, or empty.
    pub shop_url: String,
    pub review_count: i64,
    pub average_rating: Option<f64>,
    pub created_by: String,
    pub created_at: i64,
    /// Deleted: the page stays for its reviews.
    pub deleted: bool,
}

/// Changes to a place (absent: unchanged; an empty `link` removes it).
#[uniffi::remote(Record)]
pub struct EditPlaceRequest {
    #[uniffi(default)]
    pub name: Option<String>,
    #[uniffi(default)]
    pub address: Option<String>,
    #[uniffi(default)]
    pub category: Option<PlaceCategory>,
    #[uniffi(default)]
    pub link: Option<String>,
}

/// Changes to a product (absent: unchanged; an empty `shop_url` removes it).
#[uniffi::remote(Record)]
pub struct EditProductRequest {
    #[uniffi(default)]
    pub name: Option<String>,
    #[uniffi(default)]
    pub price_krw: Option<i64>,
    #[uniffi(default)]
    pub options: Option<Vec<ProductOption>>,
    #[uniffi(default)]
    pub photos: Option<Vec<String>>,
    #[uniffi(default)]
    pub shop_url: Option<String>,
}

/// A member's comment on their profile, with the review's title.
#[uniffi::remote(Record)]
pub struct ProfileComment {
    pub comment: Comment,
    pub review_title: String,
}

/// One page of a member's comments.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CommentPage {
    pub items: Vec<ProfileComment>,
    /// Pass back for the next page; absent at the end.
    pub next_cursor: Option<String>,
}

// ----- signing in -------------------------------------------------------------

/// The ways in a server offers (`MoaClient.signInMethods`). A record of
/// the bindings' own: its `providers` are [`SocialProvider`]s.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuthMethods {
    /// Email and password sign-in (always).
    pub password: bool,
    /// "Forgot your password?": codes can be mailed.
    pub password_reset: bool,
    /// Mobile numbers can be verified by a texted code (then ordering and
    /// quoting need one).
    pub phone_verification: bool,
    /// The providers to show a "sign in with" button for: only those the
    /// server has settings for (and this app knows).
    pub providers: Vec<SocialProvider>,
}

impl From<protocol::AuthMethods> for AuthMethods {
    fn from(methods: protocol::AuthMethods) -> Self {
        let protocol::AuthMethods {
            password,
            password_reset,
            phone_verification,
            providers,
        } = methods;
        AuthMethods {
            password,
            password_reset,
            phone_verification,
            providers: SocialProvider::known(&providers),
        }
    }
}

// ----- sign-in with Kakao, Naver and Google ---------------------------------
//
// moa-protocol's `SocialProvider` keeps a provider a newer server names
// (`Unknown(String)`); the apps get a plain enum of the three they have
// buttons, logos and redirect handling for. So the records that carry one
// are the bindings' own, converted by field moves, and a provider this app
// does not know is left out of a list: it cannot be shown or started, and
// the server still counts it (it refuses to unlink a member's last way in
// whatever the app shows).

/// A sign-in provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SocialProvider {
    /// Kakao Login (OpenID Connect).
    Kakao,
    /// Naver Login (OAuth 2 and its profile API).
    Naver,
    /// Sign in with Google (OpenID Connect).
    Google,
}

impl SocialProvider {
    /// The provider a wire value names, if this app knows it.
    pub(crate) fn from_wire(provider: &protocol::SocialProvider) -> Option<SocialProvider> {
        match provider {
            protocol::SocialProvider::Kakao => Some(SocialProvider::Kakao),
            protocol::SocialProvider::Naver => Some(SocialProvider::Naver),
            protocol::SocialProvider::Google => Some(SocialProvider::Google),
            protocol::SocialProvider::Unknown(_) => None,
        }
    }

    /// The known ones of `providers`, in their order.
    fn known(providers: &[protocol::SocialProvider]) -> Vec<SocialProvider> {
        providers
            .iter()
            .filter_map(SocialProvider::from_wire)
            .collect()
    }
}

impl From<SocialProvider> for protocol::SocialProvider {
    fn from(provider: SocialProvider) -> Self {
        match provider {
            SocialProvider::Kakao => protocol::SocialProvider::Kakao,
            SocialProvider::Naver => protocol::SocialProvider::Naver,
            SocialProvider::Google => protocol::SocialProvider::Google,
        }
    }
}

/// Where to send the member (`MoaClient.startSocialSignIn`,
/// `startLinking`): open `authorizeUrl` in the system's browser session;
/// the provider comes back to the redirect address, whose whole URL goes
/// to `MoaClient.finishSocialSignIn`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SocialStart {
    pub provider: SocialProvider,
    pub authorize_url: String,
    /// Also in `authorize_url`; the redirect brings it back unchanged.
    pub state: String,
    /// After this (Unix ms) the attempt is gone: start again.
    pub expires_at: i64,
}

impl SocialStart {
    /// The server's answer to a start for `asked` (which it names back).
    pub(crate) fn new(start: protocol::SocialStart, asked: SocialProvider) -> SocialStart {
        let protocol::SocialStart {
            provider,
            authorize_url,
            state,
            expires_at,
        } = start;
        SocialStart {
            provider: SocialProvider::from_wire(&provider).unwrap_or(asked),
            authorize_url,
            state,
            expires_at,
        }
    }
}

/// A provider linked to the member.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LinkedIdentity {
    pub provider: SocialProvider,
    /// The email the provider gave when it was linked.
    pub email: String,
    pub linked_at: i64,
}

/// The signed-in member's ways in (`MoaClient.linkedSignIns`): the
/// password, if the account has one, and the linked providers. The last
/// one cannot be removed (`unlinkProvider` is then `SignIn` with code
/// `last_sign_in_method`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignInMethods {
    /// The account has a password (one can be set through password reset).
    pub password: bool,
    pub identities: Vec<LinkedIdentity>,
}

impl From<protocol::SignInMethods> for SignInMethods {
    fn from(methods: protocol::SignInMethods) -> Self {
        let protocol::SignInMethods {
            password,
            identities,
        } = methods;
        SignInMethods {
            password,
            identities: identities
                .into_iter()
                .filter_map(|identity| {
                    let protocol::LinkedIdentity {
                        provider,
                        email,
                        linked_at,
                    } = identity;
                    Some(LinkedIdentity {
                        provider: SocialProvider::from_wire(&provider)?,
                        email,
                        linked_at,
                    })
                })
                .collect(),
        }
    }
}

/// What finishing a provider sign-in led to (`MoaClient.finishSocialSignIn`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SocialSignIn {
    /// Signed in: the provider account was linked to `me` already.
    SignedIn { me: Me },
    /// New to Moa: let the member confirm or change `proposed_handle` (free
    /// when it was proposed) and the name, then
    /// `MoaClient.completeSocialSignUp(ticket, handle, displayName)`.
    SignUp {
        ticket: String,
        email: String,
        display_name: String,
        proposed_handle: String,
    },
    /// The provider's email is an existing member's. With `has_password`,
    /// ask for the account's password and
    /// `MoaClient.linkSocialWithPassword(ticket, password)`; without one,
    /// sign in with one of `providers` and link from settings.
    LinkRequired {
        ticket: String,
        email: String,
        has_password: bool,
        providers: Vec<SocialProvider>,
    },
    /// Started from settings (`MoaClient.startLinking`): linked; the
    /// member's ways in now.
    Linked { methods: SignInMethods },
}

impl From<CoreSocialSignIn> for SocialSignIn {
    fn from(outcome: CoreSocialSignIn) -> Self {
        match outcome {
            CoreSocialSignIn::SignedIn(me) => SocialSignIn::SignedIn { me },
            CoreSocialSignIn::SignUp {
                ticket,
                email,
                display_name,
                proposed_handle,
            } => SocialSignIn::SignUp {
                ticket,
                email,
                display_name,
                proposed_handle,
            },
            CoreSocialSignIn::LinkRequired {
                ticket,
                email,
                has_password,
                providers,
            } => SocialSignIn::LinkRequired {
                ticket,
                email,
                has_password,
                providers: SocialProvider::known(&providers),
            },
            CoreSocialSignIn::Linked(methods) => SocialSignIn::Linked {
                methods: methods.into(),
            },
        }
    }
}

/// What a provider's redirect carried (`parseOauthRedirect`): `code` and
/// `state`, or the provider's refusal (`error` is `access_denied` when the
/// member pressed cancel on the provider's page).
#[uniffi::remote(Enum)]
pub enum OauthRedirect {
    Code { code: String, state: String },
    Refused { error: String, description: String },
}

/// Reads the URL the provider's redirect opened the app with
/// (`moa://oauth/callback?code=…&state=…`), or just its query. `Invalid`
/// when it carries neither a code and a state nor an error. The app need
/// not call it before `finishSocialSignIn` (which reads the URL itself);
/// it tells a cancel (`Refused`, `access_denied`) apart without the server.
#[uniffi::export]
pub fn parse_oauth_redirect(url: String) -> Result<OauthRedirect> {
    Ok(moa_client_core::parse_oauth_redirect(&url)?)
}

/// The redirect address the apps register and pass to
/// `startSocialSignIn` and `startLinking`: `moa://oauth/callback`
/// (iOS: `ASWebAuthenticationSession`'s callback scheme `moa`; Android: an
/// intent filter for it).
#[uniffi::export]
pub fn mobile_redirect_uri() -> String {
    moa_client_core::MOBILE_REDIRECT_URI.to_owned()
}

/// A reset code was mailed (or not: the answer is the same for an address
/// without an account).
#[uniffi::remote(Record)]
pub struct PasswordResetSent {
    /// How long a code stays valid, in seconds.
    pub valid_for_secs: i64,
    /// How long before another code can be asked for, in seconds.
    pub resend_after_secs: i64,
}

/// Which push service a phone's token is for.
#[uniffi::remote(Enum)]
pub enum PushPlatform {
    /// FCM (Android).
    Android,
    /// APNs (iOS).
    Ios,
}

/// A phone registered for pushes.
#[uniffi::remote(Record)]
pub struct Device {
    pub id: String,
    pub platform: PushPlatform,
    pub created_at: i64,
}

/// What a member is told: the muted kinds (neither in the app nor pushed)
/// and whether chat pushes show the message.
#[uniffi::remote(Record)]
pub struct NotificationSettings {
    pub muted: Vec<NotificationKind>,
    pub chat_previews: bool,
}

/// What a share or app link points at (`parseLink`).
#[uniffi::remote(Enum)]
pub enum LinkKind {
    Review,
    Place,
    Campaign,
}

/// A link read by `parseLink`: open the review, place or group-buy `id`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AppLink {
    pub kind: LinkKind,
    pub id: String,
}

/// What `link` points at — an app link (`moa://review/{id}`, what the
/// share page's button opens; register the `moa` scheme) or a share link
/// (`https://HOST/r/{id}`, `/p/`, `/c/`; an app link domain) — or `null`.
#[uniffi::export]
pub fn parse_link(link: String) -> Option<AppLink> {
    moa_client_core::protocol::links::parse(&link).map(|(kind, id)| AppLink { kind, id })
}

/// Where a "download my data" export is on the server.
#[uniffi::remote(Enum)]
pub enum ExportState {
    /// Asked for; not started.
    Queued,
    /// Being built (`done` of `total` steps).
    Building,
    /// Ready to download until `expires_at`.
    Ready,
    /// The build failed; ask for a new one.
    Failed,
    /// Past `expires_at`; ask for a new one.
    Expired,
    /// A state a newer server has that this build does not know.
    Unknown,
}

/// A copy of the member's data on the server (`MoaClient.requestDataExport`).
#[uniffi::remote(Record)]
pub struct DataExport {
    pub id: String,
    pub state: ExportState,
    /// Steps done of `total` while building.
    pub done: u32,
    pub total: u32,
    /// The zip's size once ready.
    pub bytes: u64,
    pub created_at: i64,
    pub ready_at: Option<i64>,
    pub expires_at: Option<i64>,
}

/// What deleting the account keeps, and for how long
/// (`MoaClient.deletionPolicy`): show it before asking for the password.
#[uniffi::remote(Record)]
pub struct DeletionPolicy {
    /// Days after the deletion when reviews, comments, messages, photos,
    /// likes, scraps and follows are erased.
    pub erase_after_days: u32,
    /// Years orders, payments and the points ledger are kept.
    pub keep_records_years: u32,
}

/// Where "download my data" is, for a progress bar.
#[uniffi::remote(Enum)]
pub enum DataExportProgress {
    /// The server is building the copy: `done` of `total` steps.
    Building { done: u32, total: u32 },
    /// Downloading: `received` of `total` bytes are in the file.
    Downloading { received: u64, total: u64 },
}

/// A copy of the member's data saved on the device.
#[uniffi::remote(Record)]
pub struct SavedExport {
    pub export_id: String,
    /// The zip.
    pub path: PathBuf,
    pub bytes: u64,
}

/// A verification code was texted (`MoaClient.requestPhoneVerification`).
#[uniffi::remote(Record)]
pub struct PhoneCodeSent {
    /// The number in E.164 (`+821012345678`).
    pub phone: String,
    /// How long the code stays valid, in seconds.
    pub valid_for_secs: i64,
    /// How long before another code can be asked for, in seconds.
    pub resend_after_secs: i64,
}

// ----- places and products: adding them ------------------------------------------

/// A new place to review (`MoaClient.addPlace`).
#[uniffi::remote(Record)]
pub struct CreatePlaceRequest {
    /// A UUIDv7 of the app's, or none (the server makes one).
    #[uniffi(default)]
    pub id: Option<String>,
    pub name: String,
    pub address: String,
    #[uniffi(default)]
    pub latitude: Option<f64>,
    #[uniffi(default)]
    pub longitude: Option<f64>,
    pub category: PlaceCategory,
    /// An external page (http or https), or empty.
    #[uniffi(default)]
    pub link: String,
}

/// The place added, or the existing one of the same name and address
/// (`created` false): either way `place.id` is the subject to review.
#[uniffi::remote(Record)]
pub struct PlaceCreated {
    pub place: Place,
    pub created: bool,
}

/// A new product to review (`MoaClient.addProduct`).
#[uniffi::remote(Record)]
pub struct CreateProductRequest {
    #[uniffi(default)]
    pub id: Option<String>,
    pub name: String,
    pub price_krw: i64,
    #[uniffi(default)]
    pub options: Vec<ProductOption>,
    /// Media ids from `MoaMedia.addPhoto`.
    #[uniffi(default)]
    pub photos: Vec<String>,
    /// The external shop page, or empty.
    #[uniffi(default)]
    pub shop_url: String,
}

/// The product added, or the existing one (`created` false).
#[uniffi::remote(Record)]
pub struct ProductCreated {
    pub product: Product,
    pub created: bool,
}

/// A member in a list (followers, following), with when they followed.
#[uniffi::remote(Record)]
pub struct MemberListItem {
    pub member: Author,
    pub at: i64,
}

/// What the server knows of a stored photo or video (`MoaMedia.info`).
#[uniffi::remote(Record)]
pub struct Media {
    /// The SHA-256 of the file (lowercase hex): the media id.
    pub id: String,
    pub kind: MediaKind,
    /// Decided by the content: `image/jpeg`, `image/png`, `image/webp`,
    /// `video/mp4`, `video/quicktime`, `video/webm`.
    pub content_type: String,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub blurhash: Option<String>,
    pub url: String,
    pub thumbnail_url: Option<String>,
    pub created_at: i64,
}

// ----- the back office and moderation (moa-protocol, client-core's admin) ----

/// How the admin order table is sorted.
#[uniffi::remote(Enum)]
pub enum OrderSort {
    /// Newest first (the default).
    Newest,
    Oldest,
    /// Largest amount first.
    AmountDesc,
    AmountAsc,
}

/// Which orders the admin table (and its Excel export) shows. Every field
/// narrows; none set is every order.
#[uniffi::remote(Record)]
pub struct OrderFilter {
    #[uniffi(default)]
    pub campaign_id: Option<String>,
    #[uniffi(default)]
    pub status: Option<OrderStatus>,
    /// The ordering member's community.
    #[uniffi(default)]
    pub community_id: Option<String>,
    /// First day ordered, `YYYY-MM-DD` in Korean time (inclusive).
    #[uniffi(default)]
    pub from: Option<String>,
    /// Last day ordered, `YYYY-MM-DD` in Korean time (inclusive).
    #[uniffi(default)]
    pub to: Option<String>,
    /// Text in the member's handle or display name.
    #[uniffi(default)]
    pub q: Option<String>,
    #[uniffi(default)]
    pub sort: Option<OrderSort>,
}

/// One row of the admin order table: the order with who placed it.
#[uniffi::remote(Record)]
pub struct AdminOrder {
    pub order: Order,
    pub member_handle: String,
    pub member_name: String,
    pub community_id: Option<String>,
    pub community_name: Option<String>,
}

/// Sums over every order the filter matches (not only the page).
#[uniffi::remote(Record)]
pub struct OrderTotals {
    pub orders: i64,
    pub units: i64,
    /// Sum of every matched order's amount.
    pub amount_krw: i64,
    /// Sum over the matched orders that are paid (paid, confirmed, fulfilled).
    pub paid_amount_krw: i64,
}

/// A page of the admin order table and the totals of the whole filter.
#[uniffi::remote(Record)]
pub struct AdminOrderPage {
    pub items: Vec<AdminOrder>,
    /// Pass back for the next page; absent at the end.
    pub next_cursor: Option<String>,
    pub totals: OrderTotals,
}

/// A finished Excel export of the order table.
#[uniffi::remote(Record)]
pub struct ExportedOrders {
    /// The `.xlsx` file (written whole, or not at all).
    pub path: PathBuf,
    /// Orders in the file.
    pub orders: i64,
    pub bytes: u64,
}

/// One day of the dashboard, the day in Korean time.
#[uniffi::remote(Record)]
pub struct DayStats {
    /// `YYYY-MM-DD`, Korean time.
    pub day: String,
    /// Orders placed that day.
    pub orders: i64,
    /// Orders paid that day, and what they paid.
    pub paid_orders: i64,
    pub revenue_krw: i64,
    pub signups: i64,
    pub reports: i64,
}

/// A campaign's funnel: who looked, who ordered, who paid.
#[uniffi::remote(Record)]
pub struct CampaignFunnel {
    pub campaign_id: String,
    pub title: String,
    pub viewers: i64,
    /// Members with an order of any status.
    pub orderers: i64,
    /// Members with a paid order (paid, confirmed, fulfilled, or refunded later).
    pub payers: i64,
}

/// Sign-ups of one day in one community (absent: members of none).
#[uniffi::remote(Record)]
pub struct CommunitySignups {
    /// `YYYY-MM-DD`, Korean time.
    pub day: String,
    pub community_id: Option<String>,
    pub community_name: Option<String>,
    pub signups: i64,
}

/// The dashboard: the last days in Korean time, oldest first, every day
/// present (zeros included), and the funnels of the campaigns open then.
#[uniffi::remote(Record)]
pub struct AdminStats {
    pub days: Vec<DayStats>,
    pub funnels: Vec<CampaignFunnel>,
    pub signups_by_community: Vec<CommunitySignups>,
}

/// A new community.
#[uniffi::remote(Record)]
pub struct CreateCommunityRequest {
    /// 1 to 80 characters, unique (case and spacing aside).
    pub name: String,
    pub kind: CommunityKind,
    #[uniffi(default)]
    pub email_domain: Option<String>,
}

/// A choice as an admin writes it; `id` keeps an existing choice (its stock
/// counts and past orders stay linked), none makes a new one.
#[uniffi::remote(Record)]
pub struct OptionChoiceInput {
    #[uniffi(default)]
    pub id: Option<String>,
    pub name: String,
    #[uniffi(default)]
    pub price_delta_krw: i64,
    pub stock: i64,
}

/// An option group as an admin writes it.
#[uniffi::remote(Record)]
pub struct OptionGroupInput {
    pub name: String,
    pub choices: Vec<OptionChoiceInput>,
}

/// A sellable product as an admin writes it (to create or replace one).
#[uniffi::remote(Record)]
pub struct ShopProductRequest {
    pub name: String,
    #[uniffi(default)]
    pub description: String,
    /// Media ids, the first is the cover.
    #[uniffi(default)]
    pub photos: Vec<String>,
    pub base_price_krw: i64,
    #[uniffi(default)]
    pub option_groups: Vec<OptionGroupInput>,
    #[uniffi(default)]
    pub catalog_product_id: Option<String>,
}

/// A new group-buy.
#[uniffi::remote(Record)]
pub struct CreateCampaignRequest {
    pub product_id: String,
    /// Defaults to the product's name.
    #[uniffi(default)]
    pub title: Option<String>,
    /// Empty = everyone.
    #[uniffi(default)]
    pub community_ids: Vec<String>,
    pub group_price_krw: i64,
    pub min_participants: i64,
    pub stock: i64,
    pub per_member_limit: i64,
    /// Unix ms; defaults to now.
    #[uniffi(default)]
    pub starts_at: Option<i64>,
    /// Unix ms.
    pub deadline_at: i64,
}

/// What an open group-buy may change (absent: unchanged).
#[uniffi::remote(Record)]
pub struct EditCampaignRequest {
    #[uniffi(default)]
    pub title: Option<String>,
    /// Unix ms; must stay in the future.
    #[uniffi(default)]
    pub deadline_at: Option<i64>,
    /// Never below the units held already.
    #[uniffi(default)]
    pub stock: Option<i64>,
    #[uniffi(default)]
    pub min_participants: Option<i64>,
    #[uniffi(default)]
    pub per_member_limit: Option<i64>,
}

/// Where a report stands.
#[uniffi::remote(Enum)]
pub enum ReportState {
    Open,
    /// Looked at; nothing done.
    Dismissed,
    /// Acted on (hidden, deleted, suspended, ...).
    Actioned,
}

/// A report.
#[uniffi::remote(Record)]
pub struct Report {
    pub id: String,
    pub reporter_id: String,
    pub target_type: ReportTarget,
    pub target_id: String,
    pub reason: ReportReason,
    pub detail: String,
    pub state: ReportState,
    /// The action that resolved it.
    pub resolution: Option<String>,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

/// What a moderator does about a target.
#[uniffi::remote(Enum)]
pub enum ModerationAction {
    /// Close the reports; change nothing.
    Dismiss,
    /// Hide a review, comment or product from members.
    Hide,
    /// Undo a hide.
    Restore,
    /// Delete a review or comment.
    Delete,
    /// Suspend the member (or the content's author) for `days`, or indefinitely.
    Suspend,
    /// Lift a suspension.
    Unsuspend,
}

/// An action on a target; its open reports resolve.
#[uniffi::remote(Record)]
pub struct ModerationRequest {
    pub target_type: ReportTarget,
    pub target_id: String,
    pub action: ModerationAction,
    /// Why (written to the audit log).
    pub reason: String,
    /// For `Suspend`: 1 to 3650 days; absent for an indefinite suspension.
    #[uniffi(default)]
    pub days: Option<u32>,
}

/// What a moderation action did.
#[uniffi::remote(Record)]
pub struct ModerationResult {
    pub action: ModerationAction,
    /// Open reports on the target that this closed.
    pub resolved_reports: i64,
}

/// Open and closed reports of one target type.
#[uniffi::remote(Record)]
pub struct ReportTypeCount {
    pub target_type: ReportTarget,
    pub open: i64,
    pub closed: i64,
}

/// Reports filed on one day about one target type.
#[uniffi::remote(Record)]
pub struct ReportDayCount {
    /// The Korean day's start (00:00 Asia/Seoul), as Unix ms.
    pub day: i64,
    pub target_type: ReportTarget,
    pub count: i64,
}

/// Report counts for admins.
#[uniffi::remote(Record)]
pub struct ReportStats {
    pub by_type: Vec<ReportTypeCount>,
    pub by_day: Vec<ReportDayCount>,
}

/// An account as moderators see it.
#[uniffi::remote(Record)]
pub struct AdminUser {
    pub id: String,
    pub email: String,
    pub handle: String,
    pub display_name: String,
    pub role: Role,
    pub suspended_until: Option<i64>,
    pub deleted: bool,
    pub created_at: i64,
}

/// One entry of the moderation audit log.
#[uniffi::remote(Record)]
pub struct AuditEntry {
    pub id: String,
    pub actor_id: String,
    /// e.g. `set_role`, `suspend`, `unsuspend`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// Free-form details of the action (JSON text).
    pub detail: String,
    pub created_at: i64,
}

// Pages: moa-protocol's generic `Page<T>` cannot cross, so one record per
// item type, converted by field moves.

/// Reports about one target, for the moderators' queue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReportGroup {
    pub target_type: ReportTarget,
    pub target_id: String,
    pub report_count: i64,
    pub first_reported_at: i64,
    pub reports: Vec<Report>,
    /// The reported content as moderators see it (a review, comment, member
    /// or product), as JSON text; absent if it no longer exists.
    pub content: Option<String>,
}

/// One page of the report queue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReportQueue {
    pub items: Vec<ReportGroup>,
    /// Pass back for the next page; absent at the end.
    pub next_cursor: Option<String>,
}

impl From<moa_client_core::protocol::ReportQueue> for ReportQueue {
    fn from(q: moa_client_core::protocol::ReportQueue) -> Self {
        ReportQueue {
            items: q
                .items
                .into_iter()
                .map(|g| ReportGroup {
                    target_type: g.target_type,
                    target_id: g.target_id,
                    report_count: g.report_count,
                    first_reported_at: g.first_reported_at,
                    reports: g.reports,
                    content: g.content.map(|c| c.to_string()),
                })
                .collect(),
            next_cursor: q.next_cursor,
        }
    }
}

/// Declares a page record of one item type and its conversion from
/// moa-protocol's `Page<T>`.
macro_rules! page_record {
    ($(#[$doc:meta])* $name:ident of $item:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, uniffi::Record)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass back for the next page; absent at the end.
            pub next_cursor: Option<String>,
        }

        impl From<Page<$item>> for $name {
            fn from(page: Page<$item>) -> Self {
                $name {
                    items: page.items,
                    next_cursor: page.next_cursor,
                }
            }
        }
    };
}

page_record!(
    /// One page of reviews (the official posts; a place's, product's,
    /// member's or tag's reviews).
    ReviewPage of Review
);
page_record!(
    /// One page of group-buys as admins list them.
    CampaignPage of Campaign
);
page_record!(
    /// One page of accounts.
    AdminUserPage of AdminUser
);
page_record!(
    /// One page of the audit log, newest first.
    AuditPage of AuditEntry
);
page_record!(
    /// One page of text sends, newest first.
    TextSendPage of TextSend
);
page_record!(
    /// One page of a send's recipients.
    TextRecipientPage of TextRecipient
);

/// Why a text goes out.
#[uniffi::remote(Enum)]
pub enum TextPurpose {
    /// To members who agreed (marked "(광고)").
    Marketing,
    /// About members' own orders (a campaign's orderers).
    Service,
}

/// SMS (90 EUC-KR bytes at most) or LMS.
#[uniffi::remote(Enum)]
pub enum TextKind {
    Sms,
    Lms,
}

/// Who a text goes to: every condition narrows (none: every member).
#[uniffi::remote(Record)]
pub struct TextAudience {
    #[uniffi(default)]
    pub community_id: Option<String>,
    /// Members with an order in this campaign.
    #[uniffi(default)]
    pub campaign_id: Option<String>,
    /// Joined on or after this Korean date (`YYYY-MM-DD`).
    #[uniffi(default)]
    pub joined_from: Option<String>,
    /// Joined on or before this Korean date.
    #[uniffi(default)]
    pub joined_to: Option<String>,
    /// Members picked by hand.
    #[uniffi(default)]
    pub user_ids: Vec<String>,
}

/// A text to send (or preview); an empty `id` gets one.
#[uniffi::remote(Record)]
pub struct TextRequest {
    #[uniffi(default)]
    pub id: String,
    pub purpose: TextPurpose,
    pub audience: TextAudience,
    /// LMS only.
    #[uniffi(default)]
    pub subject: String,
    pub body: String,
}

/// What a send would be.
#[uniffi::remote(Record)]
pub struct TextPreview {
    pub recipients: i64,
    pub without_phone: i64,
    pub opted_out: i64,
    pub kind: TextKind,
    pub body: String,
    pub bytes: i64,
    pub cost_krw: i64,
}

/// A send and its progress.
#[uniffi::remote(Record)]
pub struct TextSend {
    pub id: String,
    pub purpose: TextPurpose,
    pub kind: TextKind,
    pub subject: String,
    pub body: String,
    pub recipients: i64,
    pub sent: i64,
    pub failed: i64,
    pub pending: i64,
    pub cost_krw: i64,
    pub status: String,
    pub admin_id: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// One recipient of a send and how it went (number masked).
#[uniffi::remote(Record)]
pub struct TextRecipient {
    pub user_id: String,
    pub handle: String,
    pub display_name: String,
    pub phone: String,
    pub status: String,
    pub request_id: Option<String>,
    pub error: Option<String>,
}

// ----- requests (부탁) and points (moa-protocol and client-core's requests) ---

/// What kind of help is asked for.
#[uniffi::remote(Enum)]
pub enum RequestCategory {
    /// 대리 구매: buy something and bring it.
    Purchase,
    /// 대리 여행: go somewhere and record it.
    Travel,
    /// 심부름: an errand.
    Errand,
    /// 기타.
    Other,
}

/// Where a request stands.
#[uniffi::remote(Enum)]
pub enum RequestStatus {
    /// Taking quotes (editable).
    Open,
    /// A quote was accepted; its price is held from the requester's points.
    Matched,
    /// The requester confirmed: the helper was paid.
    Completed,
    /// Cancelled by either side before completion (held points released).
    Cancelled,
    /// Its dates passed with no quote accepted.
    Expired,
}

/// Where a quote stands.
#[uniffi::remote(Enum)]
pub enum QuoteStatus {
    Active,
    Withdrawn,
    Accepted,
    /// Another quote was accepted (or the request closed).
    Declined,
}

/// What a ledger entry records.
#[uniffi::remote(Enum)]
pub enum PointKind {
    /// Points bought through the payment provider (+).
    Charge,
    /// A request's price set aside when a quote is accepted (−).
    Hold,
    /// A hold given back on cancellation (+).
    Release,
    /// A completed request's price paid to the helper (+, the helper's).
    Pay,
    /// A charge given back to the payment method (−).
    Refund,
    /// Granted by an admin, with a reason (+).
    Bonus,
}

/// Where a charge of points stands.
#[uniffi::remote(Enum)]
pub enum ChargeStatus {
    /// Waiting for the payment.
    Pending,
    /// Paid: its points are in the wallet.
    Paid,
    /// Given back (its points taken out of the wallet first).
    Refunded,
}

/// A requester's review of the helper of a completed request.
#[uniffi::remote(Record)]
pub struct HelperReview {
    pub id: String,
    pub request_id: String,
    /// The request's title, for lists on the helper's profile.
    pub request_title: String,
    pub reviewer: Author,
    pub helper_id: String,
    /// 1 to 5.
    pub rating: i64,
    pub text: String,
    /// Media ids.
    pub photos: Vec<String>,
    pub created_at: i64,
}

/// A request for help (부탁).
#[uniffi::remote(Record)]
pub struct HelpRequest {
    pub id: String,
    pub requester: Author,
    pub title: String,
    pub category: RequestCategory,
    /// Where: a region in words ("도쿄 시부야").
    pub region: String,
    /// A catalog place it is about, if any.
    pub place_id: Option<String>,
    /// First and last day, Korean dates (`YYYY-MM-DD`).
    pub starts_on: String,
    pub ends_on: String,
    pub budget_min_krw: i64,
    pub budget_max_krw: i64,
    pub details: String,
    /// Media ids, the first is the cover.
    pub photos: Vec<String>,
    /// Offered only to this community (the requester's); absent: everyone.
    pub community_id: Option<String>,
    pub status: RequestStatus,
    /// Active quotes (public).
    pub quote_count: i64,
    /// Set once a quote is accepted.
    pub accepted_quote_id: Option<String>,
    pub helper: Option<Author>,
    pub price_krw: Option<i64>,
    /// The requester and helper's direct room, once matched
    /// (`MoaClient.room(roomId)`).
    pub room_id: Option<String>,
    /// The requester's review of the helper, once given.
    pub review: Option<HelperReview>,
    /// A note on how it closed (a cancel's reason).
    pub closing_note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A quote: a member's offer to help with a request.
#[uniffi::remote(Record)]
pub struct Quote {
    pub id: String,
    pub request_id: String,
    pub quoter: Author,
    pub price_krw: i64,
    pub message: String,
    pub status: QuoteStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A quote as shown, with whether a change of it waits in the outbox.
#[uniffi::remote(Record)]
pub struct QuoteView {
    pub quote: Quote,
    pub pending: bool,
}

/// A request as a card or its page shows it.
#[uniffi::remote(Record)]
pub struct RequestCard {
    /// With the member's pending changes applied.
    pub request: HelpRequest,
    /// The member posted it.
    pub mine: bool,
    /// The member is its helper (their quote was accepted).
    pub helping: bool,
    /// A change of it waits in the outbox (posted offline, edited, ...).
    pub pending: bool,
    /// The member's own quote on it, if any.
    pub my_quote: Option<QuoteView>,
}

/// What a member fills in to post (or edit) a request.
#[uniffi::remote(Record)]
pub struct RequestDraft {
    /// 2 to 80 characters.
    pub title: String,
    pub category: RequestCategory,
    /// 1 to 60 characters.
    pub region: String,
    #[uniffi(default)]
    pub place_id: Option<String>,
    /// Korean dates, `YYYY-MM-DD`: `starts_on <= ends_on`, not in the past.
    pub starts_on: String,
    pub ends_on: String,
    /// 0 to 10,000,000 won, `min <= max`.
    pub budget_min_krw: i64,
    pub budget_max_krw: i64,
    #[uniffi(default)]
    pub details: String,
    /// Media ids of photos already prepared (`MoaMedia.add_photo`).
    #[uniffi(default)]
    pub photos: Vec<String>,
    /// Offer it to the member's community only.
    #[uniffi(default)]
    pub community_only: bool,
}

/// Filters of the request feed (none set: every open request).
#[uniffi::remote(Record)]
pub struct RequestFilter {
    #[uniffi(default)]
    pub category: Option<RequestCategory>,
    /// Text the region contains (empty: any).
    #[uniffi(default)]
    pub region: String,
    /// Budget reaching at least this much.
    #[uniffi(default)]
    pub budget_min: Option<i64>,
    /// Budget starting at most this much.
    #[uniffi(default)]
    pub budget_max: Option<i64>,
}

/// A member's points.
#[uniffi::remote(Record)]
pub struct Wallet {
    pub user_id: String,
    /// What can be spent. Never negative.
    pub balance: i64,
    /// Set aside for matched requests (already out of `balance`).
    pub held: i64,
    pub updated_at: i64,
}

/// One entry of a member's ledger.
#[uniffi::remote(Record)]
pub struct PointEntry {
    pub id: String,
    pub user_id: String,
    pub kind: PointKind,
    /// Signed: what it added to the balance.
    pub amount: i64,
    /// The balance right after it.
    pub balance_after: i64,
    /// `charge`, `request` or `grant`.
    pub cause_type: String,
    pub cause_id: String,
    /// Words for the list ("부탁: 도쿄 굿즈", an admin's reason).
    pub note: String,
    pub created_at: i64,
}

/// Points bought through the payment provider.
#[uniffi::remote(Record)]
pub struct PointCharge {
    /// Also the payment's id at the provider.
    pub id: String,
    pub user_id: String,
    pub amount_krw: i64,
    pub status: ChargeStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A charge waiting for its payment, and where to pay it.
#[uniffi::remote(Record)]
pub struct ChargeCheckout {
    pub charge: PointCharge,
    /// The provider's checkout page, to open in the browser.
    pub checkout_url: String,
}

/// The answer of accepting a quote: the matched request (with its room),
/// the accepted quote, and the requester's wallet after the hold.
#[uniffi::remote(Record)]
pub struct AcceptedQuote {
    pub request: HelpRequest,
    pub quote: Quote,
    pub wallet: Wallet,
}

/// One of the member's quotes with its request, when the device has it
/// (client-core answers a tuple).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MyQuote {
    pub quote: QuoteView,
    pub request: Option<HelpRequest>,
}

page_record!(
    /// One page of open requests from the server.
    RequestPage of HelpRequest
);
page_record!(
    /// One page of the reviews a member received as a helper, newest first.
    HelperReviewPage of HelperReview
);
