//! `/v1/reviews`, `/v1/feeds` and the review lists of places, products,
//! tags, members and "my page".

pub mod feed;
pub mod rank;
pub mod service;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moa_protocol::{CreateReviewRequest, EditReviewRequest, ErrorBody, Page, Review};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::{Actor, Reader};
use crate::error::{Error, Result};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::util::{created_status, now_ms};
use feed::Source;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_review))
        .routes(routes!(get_review, edit_review, delete_review))
        .routes(routes!(feed_tab))
        .routes(routes!(place_reviews))
        .routes(routes!(product_reviews))
        .routes(routes!(tag_reviews))
        .routes(routes!(user_reviews))
        .routes(routes!(my_scraps))
        .routes(routes!(my_liked_reviews))
}

/// Paging of every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

async fn list(
    state: &AppState,
    reader: &Reader,
    source: Source<'_>,
    q: &PageQuery,
) -> Result<Json<Page<Review>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        feed::page(&mut conn, reader, source, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// Post a review. Send a client-generated `id` to make retries harmless:
/// the same request again answers the review already posted (200).
#[utoipa::path(
    post, path = "/reviews", tag = "reviews", security(("bearer" = [])),
    request_body = CreateReviewRequest,
    responses(
        (status = 201, description = "Posted", body = Review),
        (status = 200, description = "Already posted (same id)", body = Review),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Suspended, or `official` without the role", body = ErrorBody),
        (status = 409, description = "The id belongs to someone else's review", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn create_review(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<CreateReviewRequest>,
) -> Result<(StatusCode, Json<Review>)> {
    let (review, created) = state
        .write_quiet(async |tx| service::create(tx, &member, &req, now_ms()).await)
        .await?;
    Ok((created_status(created), Json(review)))
}

/// A review. (Views are counted by `POST /v1/views` and the
/// `views.record` mutation, which apps send for reviews read a while.)
#[utoipa::path(
    get, path = "/reviews/{id}", tag = "reviews",
    params(("id" = String, Path)),
    responses((status = 200, body = Review), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn get_review(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Json<Review>> {
    let not_found = || Error::NotFound("no such review".into());
    if !crate::util::is_uuid(&id) {
        return Err(not_found());
    }
    let mut conn = state.db.read().acquire().await?;
    let row = service::get(&mut conn, reader.id(), reader.is_moderator(), &id).await?;
    row.map(|r| Json(r.review)).ok_or_else(not_found)
}

/// Edit your review; only the fields present change. Based on an old version
/// of a field changed meanwhile, it is refused with 409 and the current review.
#[utoipa::path(
    patch, path = "/reviews/{id}", tag = "reviews", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = EditReviewRequest,
    responses(
        (status = 200, body = Review),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`not_author` or `account_suspended`", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`conflict`, with `current`", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn edit_review(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EditReviewRequest>,
) -> Result<Json<Review>> {
    let review = state
        .write_quiet(async |tx| service::edit(tx, &member, &id, &req, now_ms()).await)
        .await?;
    Ok(Json(review))
}

/// Delete your review (soft: it disappears for members; sync gets a tombstone).
#[utoipa::path(
    delete, path = "/reviews/{id}", tag = "reviews", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn delete_review(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    state
        .write_quiet(async |tx| service::delete(tx, &member, &id, now_ms()).await)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A home tab: `latest`, `following` (signed in), `popular`, or
/// `for_you` (signed in: recommended for the member; the cursor is an
/// offset into a list computed afresh, at most 200 long).
#[utoipa::path(
    get, path = "/feeds/{tab}", tag = "reviews",
    params(("tab" = String, Path, description = "latest | following | popular | for_you"), PageQuery),
    responses(
        (status = 200, body = Page<Review>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn feed_tab(
    State(state): State<AppState>,
    reader: Reader,
    Path(tab): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<Review>>> {
    let me = reader.0.as_ref().map(|m| m.user_id.clone());
    let source = match (tab.as_str(), me.as_deref()) {
        ("latest", _) => Source::Latest,
        ("popular", _) => Source::Popular,
        ("following", Some(me)) => Source::Following(me),
        ("following", None) => {
            return Err(Error::unauthorized(
                moa_protocol::ErrorCode::MissingToken,
                "sign in to see the reviews of the people you follow",
            ));
        }
        ("for_you", _) => {
            let Some(member) = reader.0.as_ref() else {
                return Err(Error::unauthorized(
                    moa_protocol::ErrorCode::MissingToken,
                    "sign in to see what is recommended for you",
                ));
            };
            let mut conn = state.db.read().acquire().await?;
            let page = crate::discovery::for_you::page(
                &mut conn,
                member,
                q.cursor.as_deref(),
                q.limit,
                now_ms(),
            )
            .await?;
            return Ok(Json(page));
        }
        _ => return Err(Error::NotFound(format!("no feed tab {tab:?}"))),
    };
    list(&state, &reader, source, &q).await
}

/// Makes public handlers that answer a page of reviews: each is `GET path`
/// with one path parameter (named `param` in the document) bound to `var`,
/// and lists the `source` made from it.
macro_rules! review_lists {
    ($(
        $(#[doc = $doc:tt])*
        $name:ident: $path:tt, $param:tt => |$var:ident| $source:expr;
    )*) => {$(
        $(#[doc = $doc])*
        #[utoipa::path(
            get, path = $path, tag = "reviews", params(($param = String, Path), PageQuery),
            responses((status = 200, body = Page<Review>), (status = 400, body = ErrorBody))
        )]
        async fn $name(
            State(state): State<AppState>,
            reader: Reader,
            Path($var): Path<String>,
            ApiQuery(q): ApiQuery<PageQuery>,
        ) -> Result<Json<Page<Review>>> {
            list(&state, &reader, $source, &q).await
        }
    )*};
}

review_lists! {
    /// A place's reviews, newest first.
    place_reviews: "/places/{id}/reviews", "id" => |id| Source::Subject(&id);
    /// A product's reviews, newest first.
    product_reviews: "/products/{id}/reviews", "id" => |id| Source::Subject(&id);
    /// Reviews with a tag, newest first.
    tag_reviews: "/tags/{tag}/reviews", "tag" => |tag| Source::Tag(&crate::validate::normalize_tag(&tag));
    /// A member's reviews, newest first.
    user_reviews: "/users/{id}/reviews", "id" => |id| Source::Author(&id);
}

/// My scraps, newest scrap first.
#[utoipa::path(
    get, path = "/me/scraps", tag = "reviews", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<Review>), (status = 401, body = ErrorBody))
)]
async fn my_scraps(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<Review>>> {
    let id = member.user_id.clone();
    list(&state, &Reader(Some(member)), Source::Scraps(&id), &q).await
}

/// Reviews I liked, newest like first.
#[utoipa::path(
    get, path = "/me/liked-reviews", tag = "reviews", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<Review>), (status = 401, body = ErrorBody))
)]
async fn my_liked_reviews(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<Review>>> {
    let id = member.user_id.clone();
    list(&state, &Reader(Some(member)), Source::Liked(&id), &q).await
}
