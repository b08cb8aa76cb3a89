//! Search on the wire: `GET /v1/search`, one box over reviews, places,
//! products, people, group-buys and requests. The matching rules live in
//! `moa-hangul` (shared with client-core's offline search).

use serde::{Deserialize, Serialize};

/// What a search hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    Review,
    Place,
    Product,
    Person,
    Campaign,
    Request,
}

impl SearchKind {
    /// Every kind, in the order the `all` results list them.
    pub const ALL: [SearchKind; 6] = [
        SearchKind::Review,
        SearchKind::Place,
        SearchKind::Product,
        SearchKind::Person,
        SearchKind::Campaign,
        SearchKind::Request,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::Review => "review",
            SearchKind::Place => "place",
            SearchKind::Product => "product",
            SearchKind::Person => "person",
            SearchKind::Campaign => "campaign",
            SearchKind::Request => "request",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The `type` of a search: every kind (the best few of each) or one kind
/// (in pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SearchType {
    #[default]
    All,
    Reviews,
    Places,
    Products,
    People,
    Campaigns,
    Requests,
}

impl SearchType {
    pub const ALL: [SearchType; 7] = [
        SearchType::All,
        SearchType::Reviews,
        SearchType::Places,
        SearchType::Products,
        SearchType::People,
        SearchType::Campaigns,
        SearchType::Requests,
    ];

    /// The one kind this type asks for; `None` for `all`.
    pub fn kind(self) -> Option<SearchKind> {
        match self {
            SearchType::All => None,
            SearchType::Reviews => Some(SearchKind::Review),
            SearchType::Places => Some(SearchKind::Place),
            SearchType::Products => Some(SearchKind::Product),
            SearchType::People => Some(SearchKind::Person),
            SearchType::Campaigns => Some(SearchKind::Campaign),
            SearchType::Requests => Some(SearchKind::Request),
        }
    }

    /// The kinds this type covers.
    pub fn kinds(self) -> Vec<SearchKind> {
        self.kind()
            .map_or_else(|| SearchKind::ALL.to_vec(), |k| vec![k])
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SearchType::All => "all",
            SearchType::Reviews => "reviews",
            SearchType::Places => "places",
            SearchType::Products => "products",
            SearchType::People => "people",
            SearchType::Campaigns => "campaigns",
            SearchType::Requests => "requests",
        }
    }
}

/// How well a hit matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The text contains the query (case, width and spacing aside).
    Exact,
    /// The query's last syllable half-typed (`장바ㄱ`).
    Prefix,
    /// The query's words found apart (`스테인리스텀블러`).
    Words,
    /// Initial consonants (`ㅈㅂㄱㄴ`).
    Initials,
    /// Typed with the Korean input off (`gksrmf`).
    Keyboard,
    /// One key wrong, missing or extra (`텀블럭`).
    Typo,
}

impl MatchKind {
    /// Every kind, best first (the order of `moa_hangul::query::Tier::ALL`).
    pub const ALL: [MatchKind; 6] = [
        MatchKind::Exact,
        MatchKind::Prefix,
        MatchKind::Words,
        MatchKind::Initials,
        MatchKind::Keyboard,
        MatchKind::Typo,
    ];
}

/// A highlighted part of a hit's text: characters (Unicode scalar values)
/// `start` to `end`, end excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    /// Ranges from `(start, end)` character offsets.
    pub fn from_pairs(pairs: &[(usize, usize)]) -> Vec<TextRange> {
        let n = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        pairs
            .iter()
            .map(|&(s, e)| TextRange {
                start: n(s),
                end: n(e),
            })
            .collect()
    }
}

/// One search result: what its row shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub kind: SearchKind,
    /// The review's, place's, product's or member's id.
    pub id: String,
    /// The title, name or display name.
    pub title: String,
    pub title_ranges: Vec<TextRange>,
    /// A window of the body, address or handle around the first match.
    pub snippet: String,
    pub snippet_ranges: Vec<TextRange>,
    /// A photo (a review's first, a product's, a member's avatar).
    pub photo_id: Option<String>,
    pub likes: i64,
    pub comments: i64,
    /// Reviews of the place or product, or written by the member.
    pub reviews: i64,
    pub followers: i64,
    pub matched: MatchKind,
    pub created_at: i64,
}

/// `GET /v1/search`: for `type=all`, the best few of each kind grouped in
/// [`SearchKind::ALL`] order and no cursor; for one type, a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub next_cursor: Option<String>,
}
