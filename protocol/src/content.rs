//! Community content on the wire: places, products, reviews, comments, likes,
//! scraps, follows and feeds.

use serde::{Deserialize, Serialize};

/// What kind of place a place is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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

impl PlaceCategory {
    pub const ALL: [PlaceCategory; 8] = [
        PlaceCategory::Cafe,
        PlaceCategory::Restaurant,
        PlaceCategory::Bar,
        PlaceCategory::Bakery,
        PlaceCategory::Shop,
        PlaceCategory::Culture,
        PlaceCategory::Travel,
        PlaceCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaceCategory::Cafe => "cafe",
            PlaceCategory::Restaurant => "restaurant",
            PlaceCategory::Bar => "bar",
            PlaceCategory::Bakery => "bakery",
            PlaceCategory::Shop => "shop",
            PlaceCategory::Culture => "culture",
            PlaceCategory::Travel => "travel",
            PlaceCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A place members review (a café, a restaurant, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    pub id: String,
    pub name: String,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub category: PlaceCategory,
    pub review_count: i64,
    /// Mean rating of its reviews that give one (1–5), if any.
    pub average_rating: Option<f64>,
    pub created_by: String,
    pub created_at: i64,
    /// An external page (a map, the place's own site), or empty.
    #[serde(default)]
    pub link: String,
    /// Deleted by the member who added it (or a moderator): its page stays
    /// for the reviews that point at it.
    #[serde(default)]
    pub deleted: bool,
}

/// `POST /v1/places`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatePlaceRequest {
    /// Client-generated UUIDv7 (lets offline clients create it); optional.
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    pub address: String,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    pub category: PlaceCategory,
    /// An external page (http/https), or empty (then not written, so what
    /// clients sent before links existed keeps its bytes).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub link: String,
}

/// `PATCH /v1/places/{id}` (the member who added it, or a moderator):
/// the fields to change (absent: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditPlaceRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub category: Option<PlaceCategory>,
    /// Empty removes the link.
    #[serde(default)]
    pub link: Option<String>,
}

/// `PATCH /v1/products/{id}` (the member who added it, or a moderator).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditProductRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub price_krw: Option<i64>,
    #[serde(default)]
    pub options: Option<Vec<ProductOption>>,
    #[serde(default)]
    pub photos: Option<Vec<String>>,
    /// Empty removes the link.
    #[serde(default)]
    pub shop_url: Option<String>,
}

/// `place.edit`: the outbox form of `PATCH /v1/places/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditPlaceArgs {
    pub id: String,
    #[serde(flatten)]
    pub edit: EditPlaceRequest,
}

/// `product.edit`: the outbox form of `PATCH /v1/products/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditProductArgs {
    pub id: String,
    #[serde(flatten)]
    pub edit: EditProductRequest,
}

/// A member's comment as their profile lists it, with the review it is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileComment {
    pub comment: crate::Comment,
    /// The review's title (a snap's first words when it has none).
    pub review_title: String,
}

/// Answer of `POST /v1/places`: the place, and whether it is new (201) or an
/// existing one with the same name and address, offered instead (200).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceCreated {
    pub place: Place,
    pub created: bool,
}

/// One option of a product, e.g. `{"name": "색상", "values": ["검정", "흰색"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductOption {
    pub name: String,
    pub values: Vec<String>,
}

/// A product members review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: String,
    pub name: String,
    pub price_krw: i64,
    pub options: Vec<ProductOption>,
    /// Media ids.
    pub photos: Vec<String>,
    /// The external shop page (http/https), or empty.
    pub shop_url: String,
    pub review_count: i64,
    pub average_rating: Option<f64>,
    pub created_by: String,
    pub created_at: i64,
    /// Deleted by the member who added it (or a moderator): its page stays
    /// for the reviews that point at it.
    #[serde(default)]
    pub deleted: bool,
}

/// `POST /v1/products`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateProductRequest {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    pub price_krw: i64,
    #[serde(default)]
    pub options: Vec<ProductOption>,
    #[serde(default)]
    pub photos: Vec<String>,
    #[serde(default)]
    pub shop_url: String,
}

/// Answer of `POST /v1/products` (see [`PlaceCreated`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductCreated {
    pub product: Product,
    pub created: bool,
}

/// Long "story" reviews and short "snap" reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// Title, long body, up to 20 photos.
    Story,
    /// Short body (≤ 500 characters), up to 4 photos, no title.
    Snap,
}

impl ReviewKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::Story => "story",
            ReviewKind::Snap => "snap",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "story" => Some(ReviewKind::Story),
            "snap" => Some(ReviewKind::Snap),
            _ => None,
        }
    }
}

/// What a review is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    Place,
    Product,
}

impl SubjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectType::Place => "place",
            SubjectType::Product => "product",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "place" => Some(SubjectType::Place),
            "product" => Some(SubjectType::Product),
            _ => None,
        }
    }
}

/// A reference to a place or a product, in requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectRef {
    #[serde(rename = "type")]
    pub kind: SubjectType,
    pub id: String,
}

/// The subject of a review as shown with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subject {
    #[serde(rename = "type")]
    pub kind: SubjectType,
    pub id: String,
    pub name: String,
    /// The product's shop link, or the place's address.
    pub detail: String,
}

/// The author of a review or comment, as shown with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Author {
    pub id: String,
    pub handle: String,
    pub display_name: String,
    pub avatar_media_id: Option<String>,
    /// A deleted account: show "deleted user".
    pub deleted: bool,
}

/// A review (the posts of Moa).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    pub id: String,
    pub author: Author,
    pub kind: ReviewKind,
    /// Empty for snaps.
    pub title: String,
    pub body: String,
    /// Media ids, in display order.
    pub photos: Vec<String>,
    pub subject: Option<Subject>,
    pub rating: Option<i64>,
    pub tags: Vec<String>,
    /// Posted by the Moa team (moderators and admins only).
    pub official: bool,
    pub like_count: i64,
    pub comment_count: i64,
    pub scrap_count: i64,
    pub view_count: i64,
    /// Whether the signed-in reader likes / scrapped it.
    pub liked_by_me: bool,
    pub scrapped_by_me: bool,
    /// Grows with each edit; edits name the version they are based on.
    pub version: i64,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    /// Only moderators (and the author, for hidden) ever see these true.
    pub hidden: bool,
    pub deleted: bool,
}

/// `POST /v1/reviews`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateReviewRequest {
    /// Client-generated UUIDv7; sending the same request again is harmless.
    #[serde(default)]
    pub id: Option<String>,
    pub kind: ReviewKind,
    /// Stories: 1–100 characters. Snaps: empty.
    #[serde(default)]
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub photos: Vec<String>,
    #[serde(default)]
    pub subject: Option<SubjectRef>,
    #[serde(default)]
    pub rating: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Moderators and admins only.
    #[serde(default)]
    pub official: bool,
}

/// `PATCH /v1/reviews/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditReviewRequest {
    /// The version the edit was made on. If a field it sets changed since,
    /// the edit is refused with 409 `conflict` and the current review.
    pub base_version: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photos: Option<Vec<String>>,
    /// A rating, or `null` to remove it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub rating: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// A comment on a review, or a reply to one (`parent_id` set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    pub id: String,
    pub review_id: String,
    pub parent_id: Option<String>,
    pub author: Author,
    /// Empty when deleted or hidden (for members).
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

/// `POST /v1/reviews/{id}/comments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCommentRequest {
    #[serde(default)]
    pub id: Option<String>,
    pub body: String,
    /// Reply to this top-level comment (one level of replies).
    #[serde(default)]
    pub parent_id: Option<String>,
}

/// `PATCH /v1/comments/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditCommentRequest {
    pub base_version: i64,
    pub body: String,
}

/// A member in a list (likers, followers, following).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberListItem {
    pub member: Author,
    /// When they liked / followed.
    pub at: i64,
}

/// Counts shown on a profile and on "my page".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileCounts {
    pub reviews: i64,
    pub followers: i64,
    pub following: i64,
    /// Reviews received as a helper of requests (부탁), and the sum of
    /// their ratings (average = sum / count).
    #[serde(default)]
    pub helper_reviews: i64,
    #[serde(default)]
    pub helper_rating_sum: i64,
}

/// The feed tabs of the home screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FeedTab {
    Latest,
    Following,
    Popular,
    /// Recommended for the member: reviews like the ones they engaged with
    /// (item-to-item collaborative filtering), blended with popular ones for
    /// members with little history; never their own or ones already seen.
    ForYou,
}

/// Answer of liking or unliking: the state after it (liking twice is one like).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LikeState {
    pub liked: bool,
    pub like_count: i64,
}

/// Answer of scrapping or unscrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScrapState {
    pub scrapped: bool,
    pub scrap_count: i64,
}

/// Answer of following or unfollowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowState {
    pub following: bool,
    /// The followed member's follower count after the change.
    pub follower_count: i64,
}
