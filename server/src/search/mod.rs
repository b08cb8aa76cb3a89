//! `GET /v1/search`: one search box over reviews, places, products, people,
//! group-buys and requests, Korean-aware (see `moa_hangul::query` for the
//! rules and `service` for the index).

pub mod common;
pub mod service;

use axum::Json;
use axum::extract::State;
use moa_protocol::{ErrorBody, SearchResults, SearchType};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Result;
use crate::extract::{ApiQuery, ClientIp};
use crate::state::AppState;
use crate::util::now_ms;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

/// What to search for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The search text: 1 to 100 characters once control characters and
    /// surrounding space are gone.
    #[serde(default)]
    q: String,
    /// `all` (the default: the best few of each kind) or one kind, in pages.
    #[serde(default, rename = "type")]
    #[param(inline)]
    kind: SearchType,
    /// Opaque cursor from the previous page (one kind only).
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 20; one kind only).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Search everything from one box. Matches, best first: the text itself
/// (spacing and case aside), a half-typed last syllable (`장바ㄱ`), the
/// words apart (`스테인리스텀블러`), initial consonants (`ㅈㅂㄱㄴ`), text typed
/// with the Korean input off (`gksrmf`), one key wrong (`텀블럭`); then by
/// engagement and recency. Hidden and deleted content and suspended
/// members never appear; people are found by handle and name, never email.
#[utoipa::path(
    get, path = "/search", tag = "search", params(SearchParams),
    responses(
        (status = 200, body = SearchResults),
        (status = 400, body = ErrorBody),
        (status = 422, description = "Empty or over 100 characters", body = ErrorBody),
        (status = 429, description = "Too many searches from this address (`Retry-After`)", body = ErrorBody),
    )
)]
async fn search(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>> {
    crate::auth::limit(&state.search_per_ip, &ip.key())?;
    let query = service::parse(&params.q)?;
    let mut conn = state.db.read().acquire().await?;
    let results = service::search(
        &mut conn,
        state.db.backend(),
        &query,
        params.kind,
        params.cursor.as_deref(),
        params.limit,
        now_ms(),
    )
    .await?;
    Ok(Json(results))
}
