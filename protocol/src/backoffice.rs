//! The admin side of the shop and of operations: the order table with its
//! filters and totals, admin actions on one order, campaign edits, and the
//! statistics dashboard (every day in Korean time).

use serde::{Deserialize, Serialize};

use crate::shop::{Order, OrderStatus};

/// How the admin order table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderSort {
    /// Newest first (the default).
    #[default]
    Newest,
    Oldest,
    /// Largest amount first.
    AmountDesc,
    AmountAsc,
}

impl OrderSort {
    pub const ALL: [OrderSort; 4] = [
        OrderSort::Newest,
        OrderSort::Oldest,
        OrderSort::AmountDesc,
        OrderSort::AmountAsc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderSort::Newest => "newest",
            OrderSort::Oldest => "oldest",
            OrderSort::AmountDesc => "amount_desc",
            OrderSort::AmountAsc => "amount_asc",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Which orders the admin table (and its Excel export) shows. Every field
/// narrows; none set is every order. Sent as query parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// The ordering member's community.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community_id: Option<String>,
    /// First day ordered, `YYYY-MM-DD` in Korean time (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day ordered, `YYYY-MM-DD` in Korean time (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Text in the member's handle or display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<OrderSort>,
}

/// One row of the admin order table: the order with who placed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminOrder {
    pub order: Order,
    pub member_handle: String,
    pub member_name: String,
    pub community_id: Option<String>,
    pub community_name: Option<String>,
}

/// Sums over every order the filter matches (not only the page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderTotals {
    pub orders: i64,
    pub units: i64,
    /// Sum of every matched order's amount.
    pub amount_krw: i64,
    /// Sum over the matched orders that are paid (paid, confirmed, fulfilled).
    pub paid_amount_krw: i64,
}

/// `GET /v1/admin/shop/orders`: a page of the table and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminOrderPage {
    pub items: Vec<AdminOrder>,
    pub next_cursor: Option<String>,
    pub totals: OrderTotals,
}

/// An admin action on one order (mark fulfilled, refund): the reason goes
/// to the order's history and the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderActionRequest {
    pub reason: String,
}

/// `PATCH /v1/admin/shop/campaigns/{id}`: what an open campaign may change.
/// Absent fields stay.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditCampaignRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Unix ms; must stay in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_at: Option<i64>,
    /// Never below the units held already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_participants: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_member_limit: Option<i64>,
}

/// `PATCH /v1/admin/communities/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenameCommunityRequest {
    pub name: String,
}

/// `POST /v1/admin/communities/{id}/merge`: the community's members and
/// campaigns move to `into`, and it is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeCommunityRequest {
    pub into: String,
}

/// One day of the dashboard, the day in Korean time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayStats {
    /// `YYYY-MM-DD`, Korean time.
    pub day: String,
    /// Orders placed that day.
    pub orders: i64,
    /// Orders paid that day (by `paid_at`), and what they paid.
    pub paid_orders: i64,
    pub revenue_krw: i64,
    pub signups: i64,
    pub reports: i64,
}

/// A campaign's funnel: who looked, who ordered, who paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignFunnel {
    pub campaign_id: String,
    pub title: String,
    pub viewers: i64,
    /// Members with an order of any status.
    pub orderers: i64,
    /// Members with a paid order (paid, confirmed, fulfilled, or refunded later).
    pub payers: i64,
}

/// Sign-ups of one day in one community (`None`: members of none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommunitySignups {
    /// `YYYY-MM-DD`, Korean time.
    pub day: String,
    pub community_id: Option<String>,
    pub community_name: Option<String>,
    pub signups: i64,
}

/// `GET /v1/admin/stats?days=N`: the last `days` days in Korean time, oldest
/// first, every day present (zeros included), and the funnels of the
/// campaigns open in that window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminStats {
    pub days: Vec<DayStats>,
    pub funnels: Vec<CampaignFunnel>,
    pub signups_by_community: Vec<CommunitySignups>,
}

/// Why a text goes out: marketing goes only to members who agreed to
/// receive it (and is marked "(광고)" as Korean law asks); a service notice
/// about members' own orders goes to the orderers of a campaign whatever
/// they chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TextPurpose {
    #[default]
    Marketing,
    Service,
}

impl TextPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TextPurpose::Marketing => "marketing",
            TextPurpose::Service => "service",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [TextPurpose::Marketing, TextPurpose::Service]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// SMS (90 bytes in EUC-KR at most) or LMS (longer, with a subject).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TextKind {
    Sms,
    Lms,
}

impl TextKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TextKind::Sms => "sms",
            TextKind::Lms => "lms",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [TextKind::Sms, TextKind::Lms]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// Who a text goes to: every condition narrows (none: every member).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextAudience {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community_id: Option<String>,
    /// Members with an order in this campaign (any status but expired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    /// Joined on or after this Korean date (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_from: Option<String>,
    /// Joined on or before this Korean date (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_to: Option<String>,
    /// Members picked by hand (empty: not narrowed by hand).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_ids: Vec<String>,
}

/// `POST /v1/admin/texts` (and its preview): `id` is the client's (a
/// UUID), so a retried send goes once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextRequest {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub purpose: TextPurpose,
    #[serde(default)]
    pub audience: TextAudience,
    /// LMS only (40 bytes at most); ignored for SMS.
    #[serde(default)]
    pub subject: String,
    pub body: String,
}

/// What a send would be: who gets it, what it is, what it costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextPreview {
    /// Members it goes to.
    pub recipients: i64,
    /// In the audience but without a mobile number.
    pub without_phone: i64,
    /// In the audience but not agreeing to marketing texts.
    pub opted_out: i64,
    pub kind: TextKind,
    /// The text as sent (marketing gets its "(광고)" and opt-out line).
    pub body: String,
    /// Its length in EUC-KR bytes (what SMS and LMS are measured in).
    pub bytes: i64,
    /// Estimated cost in won (per-message price × recipients).
    pub cost_krw: i64,
}

/// A send, as admins follow it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// `queued`, `sending` or `done`.
    pub status: String,
    pub admin_id: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// One recipient of a send and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextRecipient {
    pub user_id: String,
    pub handle: String,
    pub display_name: String,
    /// Masked: `010-****-5678`.
    pub phone: String,
    /// `pending`, `sent` (accepted by the provider) or `failed`.
    pub status: String,
    /// The provider's request id once accepted.
    pub request_id: Option<String>,
    pub error: Option<String>,
}

/// EUC-KR bytes of `text` as SMS counts them: ASCII one byte, anything else
/// (Hangul, CJK, symbols) two.
pub fn euc_kr_bytes(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// The longest SMS, in EUC-KR bytes; longer texts go as LMS.
pub const SMS_MAX_BYTES: usize = 90;
/// The longest LMS body, in EUC-KR bytes.
pub const LMS_MAX_BYTES: usize = 2_000;
/// The longest LMS subject, in EUC-KR bytes.
pub const LMS_SUBJECT_MAX_BYTES: usize = 40;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sorts_round_trip_and_a_filter_leaves_out_what_is_unset() {
        for s in OrderSort::ALL {
            assert_eq!(OrderSort::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        let filter = OrderFilter {
            status: Some(OrderStatus::Paid),
            ..OrderFilter::default()
        };
        assert_eq!(
            serde_json::to_string(&filter).unwrap(),
            r#"{"status":"paid"}"#
        );
    }

    #[test]
    fn texts_are_measured_in_euc_kr_bytes() {
        assert_eq!(euc_kr_bytes("모아 Moa!"), 2 * 2 + 5);
        assert_eq!(euc_kr_bytes(&"가".repeat(45)), SMS_MAX_BYTES);
        for p in [TextPurpose::Marketing, TextPurpose::Service] {
            assert_eq!(TextPurpose::parse(p.as_str()), Some(p));
        }
        for k in [TextKind::Sms, TextKind::Lms] {
            assert_eq!(TextKind::parse(k.as_str()), Some(k));
        }
    }
}
