//! Requests (부탁), quotes and the points wallet on the wire.
//!
//! A member posts a request (what, where, when, a budget); other members
//! answer with quotes; the requester accepts one, which opens a direct chat
//! room and holds the quote's price from the requester's points. A request
//! is OPEN, then MATCHED (a quote accepted), then COMPLETED (the held
//! points go to the helper) or CANCELLED (released back); an open request
//! whose dates pass EXPIRES. After completion the requester reviews the
//! helper.
//!
//! Points are an append-only ledger per member ([`PointEntry`]): every
//! entry names its cause, the balance is derived from it and never
//! negative. Charging points is a payment like any other ([`PointCharge`]).
//! Amounts are whole won (1 point = 1원).

use serde::{Deserialize, Serialize};

use crate::Author;

/// Longest request title.
pub const MAX_REQUEST_TITLE_CHARS: usize = 80;
/// Longest request details.
pub const MAX_REQUEST_DETAILS_CHARS: usize = 5_000;
/// Longest region ("도쿄 시부야", "제주").
pub const MAX_REGION_CHARS: usize = 60;
/// Most photos on a request or a helper review.
pub const MAX_REQUEST_PHOTOS: usize = 10;
/// Longest quote message.
pub const MAX_QUOTE_MESSAGE_CHARS: usize = 1_000;
/// Highest budget or quote price, in won.
pub const MAX_REQUEST_PRICE_KRW: i64 = 10_000_000;
/// Smallest and largest single charge of points, in won.
pub const MIN_CHARGE_KRW: i64 = 1_000;
pub const MAX_CHARGE_KRW: i64 = 2_000_000;
/// Longest helper review text and cancel reason.
pub const MAX_HELPER_REVIEW_CHARS: usize = 2_000;
/// How far ahead a request's dates may lie, in days.
pub const MAX_REQUEST_DAYS_AHEAD: i64 = 366;

macro_rules! str_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$doc:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        // Every wire name is the variant in snake case (checked by a test);
        // a per-variant rename would be lost on the published schema.
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$doc])* $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }
        }
    };
}

str_enum! {
    /// What kind of help is asked for.
    RequestCategory {
        /// 대리 구매: buy something and bring it.
        Purchase = "purchase",
        /// 대리 여행: go somewhere and record it.
        Travel = "travel",
        /// 심부름: an errand.
        Errand = "errand",
        /// 기타.
        Other = "other",
    }
}

impl RequestCategory {
    /// The Korean label the apps show.
    pub fn label_ko(self) -> &'static str {
        match self {
            RequestCategory::Purchase => "대리 구매",
            RequestCategory::Travel => "대리 여행",
            RequestCategory::Errand => "심부름",
            RequestCategory::Other => "기타",
        }
    }
}

str_enum! {
    /// Where a request stands.
    RequestStatus {
        /// Taking quotes (editable).
        Open = "open",
        /// A quote was accepted; its price is held from the requester.
        Matched = "matched",
        /// The requester confirmed: the helper was paid.
        Completed = "completed",
        /// Cancelled by either side before completion (held points released).
        Cancelled = "cancelled",
        /// Its dates passed with no quote accepted.
        Expired = "expired",
    }
}

str_enum! {
    /// Where a quote stands.
    QuoteStatus {
        Active = "active",
        Withdrawn = "withdrawn",
        Accepted = "accepted",
        /// Another quote was accepted (or the request closed).
        Declined = "declined",
    }
}

str_enum! {
    /// What a ledger entry records.
    PointKind {
        /// Points bought through the payment provider (+).
        Charge = "charge",
        /// A request's price set aside when a quote is accepted (−).
        Hold = "hold",
        /// A hold given back on cancellation (+).
        Release = "release",
        /// A completed request's price paid to the helper (+, the helper's).
        Pay = "pay",
        /// A charge given back to the payment method (−).
        Refund = "refund",
        /// Granted by an admin, with a reason (+).
        Bonus = "bonus",
    }
}

str_enum! {
    /// Where a charge of points stands.
    ChargeStatus {
        /// Waiting for the payment.
        Pending = "pending",
        /// Paid: its points are in the wallet.
        Paid = "paid",
        /// Given back (its points taken out of the wallet first).
        Refunded = "refunded",
    }
}

/// A request for help (부탁).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Offered only to this community (the requester's); `None`: everyone.
    pub community_id: Option<String>,
    pub status: RequestStatus,
    /// Active quotes (public).
    pub quote_count: i64,
    /// Set once a quote is accepted.
    pub accepted_quote_id: Option<String>,
    pub helper: Option<Author>,
    pub price_krw: Option<i64>,
    /// The requester and helper's direct room, once matched.
    pub room_id: Option<String>,
    /// The requester's review of the helper, once given.
    pub review: Option<HelperReview>,
    /// A note on how it closed (a cancel's reason).
    pub closing_note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `request.create` and `request.edit` (the whole request; editing only
/// while OPEN, by the requester).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestInput {
    /// Client-generated UUID: creating it again answers the stored request.
    pub id: String,
    /// 2 to 80 characters.
    pub title: String,
    pub category: RequestCategory,
    /// 1 to 60 characters.
    pub region: String,
    #[serde(default)]
    pub place_id: Option<String>,
    /// Korean dates, `starts_on <= ends_on`, not before today.
    pub starts_on: String,
    pub ends_on: String,
    /// 0 to 10,000,000 won, `min <= max`.
    pub budget_min_krw: i64,
    pub budget_max_krw: i64,
    /// Up to 5,000 characters.
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub photos: Vec<String>,
    /// Show it to the requester's community only.
    #[serde(default)]
    pub community_only: bool,
}

/// A quote: a member's offer to help with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// `quote.set`: a member's one quote on a request (made, or edited while
/// the request is OPEN; an edit keeps the quote's first id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteInput {
    /// Client-generated UUID for a new quote.
    pub id: String,
    pub request_id: String,
    /// 1 to 10,000,000 won.
    pub price_krw: i64,
    /// 1 to 1,000 characters.
    pub message: String,
}

/// `request.cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelRequestArgs {
    pub id: String,
    /// Optional, up to 2,000 characters.
    #[serde(default)]
    pub reason: String,
}

/// `POST /v1/requests/{id}/accept`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptQuoteRequest {
    pub quote_id: String,
}

/// The answer of accepting: the matched request (with its room).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptedQuote {
    pub request: HelpRequest,
    pub quote: Quote,
    pub wallet: Wallet,
}

/// A requester's review of the helper of a completed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    pub photos: Vec<String>,
    pub created_at: i64,
}

/// `request.review`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HelperReviewInput {
    pub request_id: String,
    pub rating: i64,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub photos: Vec<String>,
}

/// A member's points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Wallet {
    pub user_id: String,
    /// What can be spent: the sum of the ledger. Never negative.
    pub balance: i64,
    /// Set aside for matched requests (already out of `balance`).
    pub held: i64,
    pub updated_at: i64,
}

/// One entry of a member's ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PointCharge {
    /// Also the payment's id at the provider.
    pub id: String,
    pub user_id: String,
    pub amount_krw: i64,
    pub status: ChargeStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `POST /v1/points/charges`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChargePointsRequest {
    /// Client-generated UUID: asking again answers the same charge.
    pub id: String,
    /// 1,000 to 2,000,000 won.
    pub amount_krw: i64,
}

/// A charge waiting for its payment, and where to pay it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChargeCheckout {
    pub charge: PointCharge,
    pub checkout_url: String,
}

/// `POST /v1/admin/points/grants` (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantPointsRequest {
    pub user_id: String,
    /// 1 to 1,000,000 points.
    pub amount: i64,
    /// 1 to 200 characters, shown in the member's ledger.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn enums_spell_and_parse_the_same() {
        for c in RequestCategory::ALL {
            assert_eq!(RequestCategory::parse(c.as_str()), Some(*c));
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::json!(c.as_str())
            );
        }
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.as_str()), Some(*s));
        }
        for k in PointKind::ALL {
            assert_eq!(PointKind::parse(k.as_str()), Some(*k));
        }
        for k in ChargeStatus::ALL {
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        for k in QuoteStatus::ALL {
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        for k in PointKind::ALL {
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        for k in RequestStatus::ALL {
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        assert_eq!(RequestCategory::parse("Purchase"), None);
        assert_eq!(RequestCategory::Travel.label_ko(), "대리 여행");
    }
}
