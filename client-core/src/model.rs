//! The SDK's public data types: what UIs read and pass in. The community
//! content itself (reviews, comments, profiles, notifications) uses the wire
//! types of `moa-protocol`, which are plain data; everything here is about the
//! client's own state (outbox, drafts, sync status, events).

pub use moa_client_rules::model::*;
pub use moa_protocol::{
    Author, Comment, FeedTab, Me, Notification, Place, PlaceCategory, Product, Profile,
    ReportReason, ReportTarget, Review, ReviewKind, Room, RoomKind, RoomMember, Subject,
    SubjectRef, SubjectType,
};

/// A pending change as the outbox screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// The mutation id (UUIDv7): use it to retry, discard or edit.
    pub id: String,
    /// What it does, e.g. `review.create`, `like.set` (the UI translates).
    pub action: String,
    /// The entity it is about, when there is one.
    pub target_id: Option<String>,
    pub state: OutboxState,
    /// Failed sends so far (network failures).
    pub attempts: u32,
    /// Why it failed: the server's refusal, or the last network error.
    pub error: Option<ItemError>,
    pub created_at: i64,
    /// It can still be discarded (or its text changed): it never left the
    /// device, or the server refused it. One that was sent may have been
    /// applied with its answer lost: it goes out again and cannot be taken
    /// back (undo it with an edit or a delete instead).
    pub discardable: bool,
}

/// The sync state a status bar shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncStatus {
    pub signed_in: bool,
    /// The last exchange with the server succeeded.
    pub online: bool,
    /// A push or pull is under way.
    pub syncing: bool,
    /// The member's changes not yet confirmed by the server (queued or
    /// sending; the app's own bookkeeping, such as recorded views, left out).
    pub pending: u32,
    /// Changes the server refused, waiting for the user.
    pub failed: u32,
    /// When the last full sync (push and pull) succeeded (Unix ms).
    pub last_sync_at: Option<i64>,
    /// The current error, if the last attempt failed.
    pub error: Option<String>,
}

/// What kinds of data changed, for UIs to refresh what they show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// The room list: rooms, members, unread counts, last messages.
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

/// Told to subscribers (see `Client::subscribe`).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Data of these topics changed (locally or from the server).
    Changed(Vec<Topic>),
    /// The sync status changed.
    Status(SyncStatus),
    /// The server refused a change; its effect left the view.
    Rejected(Rejection),
    /// A photo being compressed (`source` is its file or name) is starting
    /// `stage`.
    Compressing {
        source: String,
        stage: crate::media::CompressStage,
    },
    /// An upload moved: `sent` of `total` bytes are on the server
    /// (`sent == total` once it is stored).
    Uploading {
        media_id: String,
        sent: u64,
        total: u64,
    },
    /// A message this device had not shown yet arrived: live over the
    /// realtime connection (also the member's own, from another device), or
    /// pulled and unread. History a pull brings that the member has read or
    /// written only moves `Changed([Rooms, Messages])`; the member's own
    /// sends from this device show at once and are not announced again.
    Message(ChatMessage),
    /// A shown message changed: edited, deleted, or a pending send the
    /// server confirmed (it now has its `seq`).
    MessageChanged(ChatMessage),
    /// A member's read marker moved forward: everything up to `seq` is read.
    ReadMarker {
        room_id: String,
        user_id: String,
        seq: i64,
    },
    /// Another member is typing in a room; show it for `ttl_ms` unless
    /// renewed (or until their message arrives).
    Typing {
        room_id: String,
        user_id: String,
        ttl_ms: i64,
    },
    /// The realtime connection moved.
    Realtime(RealtimeState),
    /// A new notification, live from the server (also in `notifications()`).
    Notification(Notification),
    /// A direct room created on this device turned out to exist already:
    /// `from` (the id the device made up) is `to` from now on. Calls with
    /// `from` keep working.
    RoomMoved { from: String, to: String },
}

/// The realtime connection (one WebSocket per signed-in client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RealtimeState {
    /// Not running: signed out, or background sync is off.
    #[default]
    Off,
    /// Opening the connection.
    Connecting,
    /// Live: messages, receipts, typing and pokes arrive as they happen.
    Connected,
    /// Lost or refused; the next attempt is in `retry_in` (exponential
    /// backoff with jitter). Sync falls back to long polling meanwhile.
    Disconnected { retry_in: std::time::Duration },
}

/// Changes to a group room (absent: unchanged).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomChanges {
    pub name: Option<String>,
    /// `Some(None)` removes the photo.
    pub photo_media_id: Option<Option<String>>,
}

/// A change the server refused, as reported to the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub mutation_id: String,
    pub action: String,
    pub error: ItemError,
    /// The draft keeping the user's text, for a refused edit.
    pub draft_id: Option<String>,
}

/// The user's text from a refused edit: shown, reapplied or dismissed.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A review with its comments and replies (oldest first; a reply follows its
/// parent's thread).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewDetail {
    pub review: Review,
    pub comments: Vec<Comment>,
}

/// A new review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    pub kind: ReviewKind,
    pub title: String,
    pub body: String,
    /// Media ids of photos already uploaded.
    pub photos: Vec<String>,
    pub subject: Option<SubjectRef>,
    pub rating: Option<i64>,
    pub tags: Vec<String>,
    /// Posted as the Moa team's (moderators and admins only; the server
    /// refuses it from members with `forbidden`).
    pub official: bool,
}

/// The fields of a review to change (absent: unchanged).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReviewChanges {
    pub title: Option<String>,
    pub body: Option<String>,
    pub photos: Option<Vec<String>>,
    /// `Some(None)` clears the rating.
    pub rating: Option<Option<i64>>,
    pub tags: Option<Vec<String>>,
}

/// The member's own page.
#[derive(Debug, Clone, PartialEq)]
pub struct MyPage {
    pub me: Me,
    pub reviews: Vec<Review>,
}

/// Changes to profile fields (absent: unchanged).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub links: Option<Vec<String>>,
    pub avatar_media_id: Option<Option<String>>,
    /// The member's community (`Some(None)`: none); its group-buys show
    /// after the next sync.
    pub community_id: Option<Option<String>>,
    /// The member's mobile number (`Some(None)`: removed); private.
    pub phone: Option<Option<String>>,
    /// Agree (or no longer agree) to marketing texts.
    pub sms_opt_in: Option<bool>,
}
