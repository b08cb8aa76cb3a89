//! Notifications, reports and moderation on the wire.

use serde::{Deserialize, Serialize};

use crate::content::Author;

/// Why a member is notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// Someone liked your review or comment.
    Like,
    /// Someone commented on your review.
    Comment,
    /// Someone replied to your comment.
    Reply,
    /// Someone followed you.
    Follow,
    /// A moderator hid your review or comment.
    ContentHidden,
    /// A report you filed was resolved.
    ReportResolved,
    /// Your order's payment was verified.
    OrderPaid,
    /// A campaign you ordered from reached its minimum.
    CampaignSucceeded,
    /// A campaign you ordered from missed its minimum: your payment is refunded.
    CampaignFailed,
    /// A campaign you looked at or scrapped ends within 24 hours.
    CampaignEndingSoon,
    /// A refund reached your payment method.
    RefundCompleted,
    /// Someone quoted on your request.
    QuoteReceived,
    /// Your quote was accepted.
    QuoteAccepted,
    /// Another quote was accepted on a request you quoted on.
    QuoteDeclined,
    /// The requester confirmed your help: the points are yours.
    RequestCompleted,
    /// A request you are in was cancelled.
    RequestCancelled,
    /// The requester reviewed your help.
    HelperReviewed,
    /// Points reached your wallet (a charge or a grant).
    PointsAdded,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 18] = [
        NotificationKind::Like,
        NotificationKind::Comment,
        NotificationKind::Reply,
        NotificationKind::Follow,
        NotificationKind::ContentHidden,
        NotificationKind::ReportResolved,
        NotificationKind::OrderPaid,
        NotificationKind::CampaignSucceeded,
        NotificationKind::CampaignFailed,
        NotificationKind::CampaignEndingSoon,
        NotificationKind::RefundCompleted,
        NotificationKind::QuoteReceived,
        NotificationKind::QuoteAccepted,
        NotificationKind::QuoteDeclined,
        NotificationKind::RequestCompleted,
        NotificationKind::RequestCancelled,
        NotificationKind::HelperReviewed,
        NotificationKind::PointsAdded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Like => "like",
            NotificationKind::Comment => "comment",
            NotificationKind::Reply => "reply",
            NotificationKind::Follow => "follow",
            NotificationKind::ContentHidden => "content_hidden",
            NotificationKind::ReportResolved => "report_resolved",
            NotificationKind::OrderPaid => "order_paid",
            NotificationKind::CampaignSucceeded => "campaign_succeeded",
            NotificationKind::CampaignFailed => "campaign_failed",
            NotificationKind::CampaignEndingSoon => "campaign_ending_soon",
            NotificationKind::RefundCompleted => "refund_completed",
            NotificationKind::QuoteReceived => "quote_received",
            NotificationKind::QuoteAccepted => "quote_accepted",
            NotificationKind::QuoteDeclined => "quote_declined",
            NotificationKind::RequestCompleted => "request_completed",
            NotificationKind::RequestCancelled => "request_cancelled",
            NotificationKind::HelperReviewed => "helper_reviewed",
            NotificationKind::PointsAdded => "points_added",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: String,
    pub kind: NotificationKind,
    /// Who did it (absent for moderation outcomes).
    pub actor: Option<Author>,
    /// `review`, `comment`, `user` or `report`.
    pub target_type: String,
    pub target_id: String,
    /// The review to open, when there is one.
    pub review_id: Option<String>,
    /// A short excerpt (a comment's first words, a report's outcome).
    pub preview: String,
    pub created_at: i64,
    pub read: bool,
}

/// A page of notifications with the unread count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    pub next_cursor: Option<String>,
    pub unread_count: i64,
}

/// `POST /v1/notifications/read`: mark these (or all) read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkReadRequest {
    #[serde(default)]
    pub ids: Vec<String>,
    #[serde(default)]
    pub all: bool,
}

/// The unread count after marking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadCount {
    pub unread_count: i64,
}

/// Which kinds of notification a member does not want (in the app and as
/// pushes to their phones), and whether chat pushes show the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationSettings {
    pub muted: Vec<NotificationKind>,
    /// Chat pushes show the sender and the start of the message (`false`:
    /// only "새 메시지"). Absent in a request: true.
    #[serde(default = "yes")]
    pub chat_previews: bool,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        NotificationSettings {
            muted: Vec::new(),
            chat_previews: true,
        }
    }
}

fn yes() -> bool {
    true
}

/// The phone platform a push token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PushPlatform {
    /// Firebase Cloud Messaging (Android).
    Android,
    /// Apple Push Notification service (iOS).
    Ios,
}

impl PushPlatform {
    pub fn as_str(self) -> &'static str {
        match self {
            PushPlatform::Android => "android",
            PushPlatform::Ios => "ios",
        }
    }

    pub fn parse(s: &str) -> Option<PushPlatform> {
        match s {
            "android" => Some(PushPlatform::Android),
            "ios" => Some(PushPlatform::Ios),
            _ => None,
        }
    }
}

/// `POST /v1/devices`: this phone's push token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterDevice {
    pub platform: PushPlatform,
    /// The FCM registration token or the APNs device token (hex), 1 to 4096
    /// characters.
    pub token: String,
}

/// A registered phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: String,
    pub platform: PushPlatform,
    pub created_at: i64,
}

/// What can be reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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

impl ReportTarget {
    pub const ALL: [ReportTarget; 6] = [
        ReportTarget::User,
        ReportTarget::Review,
        ReportTarget::Comment,
        ReportTarget::Product,
        ReportTarget::Message,
        ReportTarget::Request,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportTarget::User => "user",
            ReportTarget::Review => "review",
            ReportTarget::Comment => "comment",
            ReportTarget::Product => "product",
            ReportTarget::Message => "message",
            ReportTarget::Request => "request",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Why something is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    Spam,
    Abuse,
    Illegal,
    FalseInformation,
    /// Needs `detail`.
    Other,
}

impl ReportReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportReason::Spam => "spam",
            ReportReason::Abuse => "abuse",
            ReportReason::Illegal => "illegal",
            ReportReason::FalseInformation => "false_information",
            ReportReason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Spam,
            Self::Abuse,
            Self::Illegal,
            Self::FalseInformation,
            Self::Other,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Open,
    /// Looked at; nothing done.
    Dismissed,
    /// Acted on (hidden, deleted, suspended, ...).
    Actioned,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Open => "open",
            ReportState::Dismissed => "dismissed",
            ReportState::Actioned => "actioned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Dismissed, Self::Actioned]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// `POST /v1/reports`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateReportRequest {
    pub target_type: ReportTarget,
    pub target_id: String,
    pub reason: ReportReason,
    /// Free text; required with reason `other`.
    #[serde(default)]
    pub detail: String,
}

/// A report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// Reports about one target, for the moderators' queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportGroup {
    pub target_type: ReportTarget,
    pub target_id: String,
    pub report_count: i64,
    pub first_reported_at: i64,
    pub reports: Vec<Report>,
    /// The reported content as moderators see it (a review, comment, member
    /// or product), absent if it no longer exists.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub content: Option<serde_json::Value>,
}

/// One page of the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportQueue {
    pub items: Vec<ReportGroup>,
    pub next_cursor: Option<String>,
}

/// What a moderator does about a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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

impl ModerationAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ModerationAction::Dismiss => "dismiss",
            ModerationAction::Hide => "hide",
            ModerationAction::Restore => "restore",
            ModerationAction::Delete => "delete",
            ModerationAction::Suspend => "suspend",
            ModerationAction::Unsuspend => "unsuspend",
        }
    }
}

/// `POST /v1/admin/moderation`: act on a target; its open reports resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModerationRequest {
    pub target_type: ReportTarget,
    pub target_id: String,
    pub action: ModerationAction,
    /// Why (written to the audit log).
    pub reason: String,
    /// For `suspend`: 1–3650 days; absent for an indefinite suspension.
    #[serde(default)]
    pub days: Option<u32>,
}

/// What a moderation action did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModerationResult {
    pub action: ModerationAction,
    /// Open reports on the target that this closed.
    pub resolved_reports: i64,
}

/// Report counts for admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportStats {
    pub by_type: Vec<ReportTypeCount>,
    pub by_day: Vec<ReportDayCount>,
}

/// Open and closed reports of one target type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportTypeCount {
    pub target_type: ReportTarget,
    pub open: i64,
    pub closed: i64,
}

/// Reports filed on one UTC day about one target type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportDayCount {
    /// The Korean day's start (00:00 Asia/Seoul), as Unix ms UTC.
    pub day: i64,
    pub target_type: ReportTarget,
    pub count: i64,
}
