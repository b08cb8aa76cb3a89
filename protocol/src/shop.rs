//! The group-buy shop on the wire: communities, sellable products with
//! option groups, campaigns, and orders with their payment and history.
//!
//! Prices are whole won (KRW, `i64`). A campaign is OPEN until its
//! deadline and then SUCCEEDED (minimum reached, or sold out earlier) or
//! FAILED (minimum missed: every paid order is refunded); an admin may
//! CANCEL it (refunded too). An order is PENDING_PAYMENT until the payment
//! provider confirms it, then PAID, CONFIRMED when its campaign succeeds
//! and FULFILLED when handed over; unpaid in time it EXPIRES; a refund goes
//! REFUND_PENDING → REFUNDED.

use serde::{Deserialize, Serialize};

/// How many option groups a sellable product may have.
pub const MAX_OPTION_GROUPS: usize = 3;
/// How many choices one option group may have.
pub const MAX_OPTION_CHOICES: usize = 30;
/// Longest name of a product, option group, choice or community.
pub const MAX_SHOP_NAME_CHARS: usize = 80;
/// Longest product description.
pub const MAX_SHOP_DESCRIPTION_CHARS: usize = 5_000;
/// Most units in one order.
pub const MAX_ORDER_QUANTITY: i64 = 100;
/// Most units a campaign may offer.
pub const MAX_CAMPAIGN_STOCK: i64 = 1_000_000;

/// What kind of community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommunityKind {
    University,
    Neighbourhood,
    Company,
}

impl CommunityKind {
    pub const ALL: [CommunityKind; 3] = [
        CommunityKind::University,
        CommunityKind::Neighbourhood,
        CommunityKind::Company,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommunityKind::University => "university",
            CommunityKind::Neighbourhood => "neighbourhood",
            CommunityKind::Company => "company",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A community members belong to (a university, a neighbourhood, a company).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Community {
    pub id: String,
    pub name: String,
    pub kind: CommunityKind,
    /// Members' email domain, e.g. `snu.ac.kr`, if the community has one.
    pub email_domain: Option<String>,
    pub member_count: i64,
    pub created_at: i64,
}

/// `POST /v1/admin/communities` (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCommunityRequest {
    /// 1 to 80 characters, unique (case and spacing aside).
    pub name: String,
    pub kind: CommunityKind,
    #[serde(default)]
    pub email_domain: Option<String>,
}

/// One choice of an option group, e.g. 블랙 (+0원, 12 left).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionChoice {
    pub id: String,
    pub name: String,
    /// Added to the unit price (may be 0).
    pub price_delta_krw: i64,
    /// Units still available of this choice.
    pub stock: i64,
}

/// An option group, e.g. 색상; an order picks one choice of each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionGroup {
    pub name: String,
    pub choices: Vec<OptionChoice>,
}

/// A product the shop sells (admin-managed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// A choice as an admin writes it; `id` keeps an existing choice (its stock
/// counts and past orders stay linked), none makes a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionChoiceInput {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub price_delta_krw: i64,
    pub stock: i64,
}

/// An option group as an admin writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionGroupInput {
    pub name: String,
    pub choices: Vec<OptionChoiceInput>,
}

/// `POST /v1/admin/shop/products` and `PUT .../{id}` (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopProductRequest {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub photos: Vec<String>,
    pub base_price_krw: i64,
    #[serde(default)]
    pub option_groups: Vec<OptionGroupInput>,
    #[serde(default)]
    pub catalog_product_id: Option<String>,
}

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Open,
    Succeeded,
    Failed,
    Cancelled,
}

impl CampaignStatus {
    pub const ALL: [CampaignStatus; 4] = [
        CampaignStatus::Open,
        CampaignStatus::Succeeded,
        CampaignStatus::Failed,
        CampaignStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Open => "open",
            CampaignStatus::Succeeded => "succeeded",
            CampaignStatus::Failed => "failed",
            CampaignStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A group-buy: a product at a group price, for some communities (or
/// everyone), until a deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    pub deadline_at: i64,
    pub status: CampaignStatus,
    /// When it left OPEN.
    pub closed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `POST /v1/admin/shop/campaigns` (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCampaignRequest {
    pub product_id: String,
    /// Defaults to the product's name.
    #[serde(default)]
    pub title: Option<String>,
    /// Empty = everyone.
    #[serde(default)]
    pub community_ids: Vec<String>,
    pub group_price_krw: i64,
    pub min_participants: i64,
    pub stock: i64,
    pub per_member_limit: i64,
    /// Defaults to now.
    #[serde(default)]
    pub starts_at: Option<i64>,
    pub deadline_at: i64,
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    Confirmed,
    Fulfilled,
    Expired,
    RefundPending,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        OrderStatus::Confirmed,
        OrderStatus::Fulfilled,
        OrderStatus::Expired,
        OrderStatus::RefundPending,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "pending_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Fulfilled => "fulfilled",
            OrderStatus::Expired => "expired",
            OrderStatus::RefundPending => "refund_pending",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the order still holds its units (pending or paid).
    pub fn holds_stock(self) -> bool {
        matches!(
            self,
            OrderStatus::PendingPayment
                | OrderStatus::Paid
                | OrderStatus::Confirmed
                | OrderStatus::Fulfilled
        )
    }

    /// Whether money was taken and not given back.
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid | OrderStatus::Confirmed | OrderStatus::Fulfilled
        )
    }
}

/// The choice an order took of one option group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderChoice {
    pub group: String,
    pub choice_id: String,
    pub name: String,
    pub price_delta_krw: i64,
}

/// One step of an order's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderEvent {
    pub status: OrderStatus,
    /// Who did it: a member id, or absent for the system (a job, the
    /// payment provider).
    pub actor_id: Option<String>,
    pub note: String,
    pub at: i64,
}

/// An order of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// `POST /v1/orders`: `id` is the client's (a UUID), so a retried order is
/// placed once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceOrderRequest {
    pub id: String,
    pub campaign_id: String,
    /// One choice id per option group of the product.
    #[serde(default)]
    pub choice_ids: Vec<String>,
    pub quantity: i64,
}

/// The answer to placing an order: the order and where to pay for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlacedOrder {
    pub order: Order,
    /// The provider's checkout page for this order (open it in a browser).
    pub checkout_url: String,
    /// `false` when the same order id was placed before (the earlier order).
    pub created: bool,
}

/// `POST /v1/orders/{id}/cancel`: a member's reason (optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelOrderRequest {
    #[serde(default)]
    pub reason: String,
}

/// `order.cancel` (the outbox form of `POST /v1/orders/{id}/cancel`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelOrderArgs {
    pub id: String,
    #[serde(default)]
    pub reason: String,
}

/// `campaign.scrap`: save (찜) a group-buy, or let it go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetCampaignScrapArgs {
    pub campaign_id: String,
    pub scrapped: bool,
}

/// A group-buy the member saved (`PUT /v1/campaigns/{id}/scrap`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignScrap {
    pub campaign_id: String,
    pub scrapped: bool,
    pub created_at: i64,
}

/// A job that keeps failing, as admins see it (`GET /v1/admin/jobs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminJob {
    pub id: String,
    /// e.g. `refund`, `campaign_deadline`.
    pub kind: String,
    pub key: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn statuses_round_trip_on_the_wire() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for s in CampaignStatus::ALL {
            assert_eq!(CampaignStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for k in CommunityKind::ALL {
            assert_eq!(CommunityKind::parse(k.as_str()), Some(k));
        }
        assert!(OrderStatus::Paid.is_paid() && !OrderStatus::RefundPending.is_paid());
        assert!(OrderStatus::PendingPayment.holds_stock() && !OrderStatus::Expired.holds_stock());
    }
}
