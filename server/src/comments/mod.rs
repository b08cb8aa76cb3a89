//! `/v1/reviews/{id}/comments`, `/v1/comments/{id}` and a member's comments
//! for their profile (`/v1/users/{id}/comments`).

pub mod service;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moa_protocol::{
    Comment, CreateCommentRequest, EditCommentRequest, ErrorBody, Page, ProfileComment,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::{Actor, Reader};
use crate::error::Result;
use crate::extract::{ApiJson, ApiQuery};
use crate::reviews::PageQuery;
use crate::state::AppState;
use crate::util::{created_status, now_ms};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_comment, list_comments))
        .routes(routes!(edit_comment, delete_comment))
        .routes(routes!(member_comments))
}

/// A member's comments, newest first, each with the review it is on (those
/// on reviews the reader cannot see are left out).
#[utoipa::path(
    get, path = "/users/{id}/comments", tag = "comments",
    params(("id" = String, Path, description = "Member id"), PageQuery),
    responses((status = 200, body = Page<ProfileComment>), (status = 400, body = ErrorBody))
)]
async fn member_comments(
    State(state): State<AppState>,
    reader: Reader,
    Path(user_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<ProfileComment>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::by_author(&mut conn, &reader, &user_id, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// Comment on a review, or reply to a comment (`parent_id`; one level).
#[utoipa::path(
    post, path = "/reviews/{id}/comments", tag = "comments", security(("bearer" = [])),
    params(("id" = String, Path, description = "Review id")),
    request_body = CreateCommentRequest,
    responses(
        (status = 201, body = Comment), (status = 200, description = "Already posted (same id)", body = Comment),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn create_comment(
    State(state): State<AppState>,
    member: Actor,
    Path(review_id): Path<String>,
    ApiJson(req): ApiJson<CreateCommentRequest>,
) -> Result<(StatusCode, Json<Comment>)> {
    let (comment, created) = state
        .write_quiet(async |tx| service::create(tx, &member, &review_id, &req, now_ms()).await)
        .await?;
    Ok((created_status(created), Json(comment)))
}

/// A review's comments and replies, oldest first.
#[utoipa::path(
    get, path = "/reviews/{id}/comments", tag = "comments",
    params(("id" = String, Path, description = "Review id"), PageQuery),
    responses((status = 200, body = Page<Comment>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn list_comments(
    State(state): State<AppState>,
    reader: Reader,
    Path(review_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<Comment>>> {
    let mut conn = state.db.read().acquire().await?;
    let page = service::list(&mut conn, &reader, &review_id, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(page))
}

/// Edit your comment.
#[utoipa::path(
    patch, path = "/comments/{id}", tag = "comments", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = EditCommentRequest,
    responses(
        (status = 200, body = Comment), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "`conflict`, with `current`", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn edit_comment(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EditCommentRequest>,
) -> Result<Json<Comment>> {
    let comment = state
        .write_quiet(async |tx| service::edit(tx, &member, &id, &req, now_ms()).await)
        .await?;
    Ok(Json(comment))
}

/// Delete your comment (soft).
#[utoipa::path(
    delete, path = "/comments/{id}", tag = "comments", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn delete_comment(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    state
        .write_quiet(async |tx| service::delete(tx, &member, &id, now_ms()).await)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
