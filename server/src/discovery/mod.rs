//! Discovery beyond the popular rank (`reviews::rank`): views that count,
//! the "for you" tab and the "similar" rows.
//!
//! - [`views`]: `views.record` / `POST /v1/views`, tallied in the push's
//!   transaction and folded into the counters in batches.
//! - [`model`] and [`neighbours`]: item-to-item collaborative filtering
//!   kept by a job in the `item_neighbours` table.
//! - [`for_you`]: the `for_you` feed tab (synced as a window like the
//!   others, and `GET /v1/feeds/for_you`).
//! - [`similar`]: `GET /v1/reviews/{id}/similar`, `GET /v1/products/{id}/similar`.

pub mod for_you;
pub mod model;
pub mod neighbours;
pub mod similar;
pub mod views;

use axum::Json;
use axum::extract::{Path, State};
use moa_protocol::sync::{RecordViewsArgs, ViewsRecorded};
use moa_protocol::{ErrorBody, Product, Review};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::{Actor, Reader};
use crate::error::{Error, Result};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::util::now_ms;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_views))
        .routes(routes!(similar_reviews))
        .routes(routes!(similar_products))
}

/// Starts this node's background work: the view flusher.
pub fn spawn(state: &AppState) {
    views::spawn_flusher(state);
}

/// How many similar items.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// 1 to 100; at most 20 are answered (the default).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// Count reviews as read by you (apps send a batch of the reviews that
/// stayed open a few seconds; the `views.record` mutation does the same
/// through sync). Each counts once per member and day; your own reviews and
/// ones you cannot see are passed over. Counts reach devices with the next
/// fold (a few seconds). Views are never listed per person.
#[utoipa::path(
    post, path = "/views", tag = "reviews", security(("bearer" = [])),
    request_body = RecordViewsArgs,
    responses(
        (status = 200, body = ViewsRecorded),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`account_suspended`", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn record_views(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<RecordViewsArgs>,
) -> Result<Json<ViewsRecorded>> {
    member.ensure_can_write()?;
    let recorded = state
        .write_quiet(async |tx| views::record(tx, &member, &req.review_ids, now_ms()).await)
        .await?;
    Ok(Json(recorded))
}

/// Reviews like this one ("비슷한 리뷰"): close in words (Korean-aware),
/// tags and subject, and read by the same members.
#[utoipa::path(
    get, path = "/reviews/{id}/similar", tag = "reviews",
    params(("id" = String, Path), SimilarQuery),
    responses(
        (status = 200, body = Vec<Review>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn similar_reviews(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<SimilarQuery>,
) -> Result<Json<Vec<Review>>> {
    if !crate::util::is_uuid(&id) {
        return Err(Error::NotFound("no such review".into()));
    }
    let mut conn = state.db.read().acquire().await?;
    let backend = state.db.backend();
    Ok(Json(
        similar::reviews_like(&mut conn, backend, &reader, &id, q.limit, now_ms()).await?,
    ))
}

/// Products like this one ("비슷한 상품"): close in name and in their
/// reviews' tags, and engaged with by the same members.
#[utoipa::path(
    get, path = "/products/{id}/similar", tag = "catalog",
    params(("id" = String, Path), SimilarQuery),
    responses(
        (status = 200, body = Vec<Product>),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn similar_products(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<SimilarQuery>,
) -> Result<Json<Vec<Product>>> {
    if !crate::util::is_uuid(&id) {
        return Err(Error::NotFound("no such product".into()));
    }
    let mut conn = state.db.read().acquire().await?;
    let backend = state.db.backend();
    Ok(Json(
        similar::products_like(&mut conn, backend, &id, q.limit, now_ms()).await?,
    ))
}
