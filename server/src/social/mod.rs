//! Likes, scraps and follows over HTTP: `PUT` adds, `DELETE` removes, both
//! idempotent and answering the state after the change.

pub mod service;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moa_protocol::{ErrorBody, FollowState, LikeState, MemberListItem, Page, ScrapState};
use sqlx::AnyConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::Actor;
use crate::error::Result;
use crate::extract::ApiQuery;
use crate::reviews::PageQuery;
use crate::state::{AppState, quiet};
use crate::util::now_ms;
use service::Target;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(like_review, unlike_review))
        .routes(routes!(review_likers))
        .routes(routes!(like_comment, unlike_comment))
        .routes(routes!(comment_likers))
        .routes(routes!(scrap, unscrap))
        .routes(routes!(follow, unfollow))
        .routes(routes!(remove_follower))
        .routes(routes!(followers))
        .routes(routes!(following))
}

/// Runs one of these writes (they cause no realtime events) and answers
/// the state after it.
async fn toggle<T>(
    state: &AppState,
    f: impl AsyncFnOnce(&mut AnyConnection, i64) -> Result<T>,
) -> Result<Json<T>> {
    let now = now_ms();
    Ok(Json(
        state.write(async |tx| f(tx, now).await.map(quiet)).await?,
    ))
}

/// Like a review (liking twice is one like).
#[utoipa::path(put, path = "/reviews/{id}/like", tag = "social", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = LikeState), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn like_review(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<LikeState>> {
    toggle(&state, async |tx, now| {
        service::set_like(tx, &member, Target::Review, &id, true, now).await
    })
    .await
}

/// Take back a like on a review.
#[utoipa::path(delete, path = "/reviews/{id}/like", tag = "social", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = LikeState), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unlike_review(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<LikeState>> {
    toggle(&state, async |tx, now| {
        service::set_like(tx, &member, Target::Review, &id, false, now).await
    })
    .await
}

/// Who liked a review, newest first.
#[utoipa::path(get, path = "/reviews/{id}/likes", tag = "social",
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<MemberListItem>), (status = 400, body = ErrorBody)))]
async fn review_likers(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<MemberListItem>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::likers(&mut conn, Target::Review, &id, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// Like a comment or reply.
#[utoipa::path(put, path = "/comments/{id}/like", tag = "social", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = LikeState), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn like_comment(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<LikeState>> {
    toggle(&state, async |tx, now| {
        service::set_like(tx, &member, Target::Comment, &id, true, now).await
    })
    .await
}

/// Take back a like on a comment or reply.
#[utoipa::path(delete, path = "/comments/{id}/like", tag = "social", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = LikeState), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unlike_comment(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<LikeState>> {
    toggle(&state, async |tx, now| {
        service::set_like(tx, &member, Target::Comment, &id, false, now).await
    })
    .await
}

/// Who liked a comment, newest first.
#[utoipa::path(get, path = "/comments/{id}/likes", tag = "social",
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<MemberListItem>), (status = 400, body = ErrorBody)))]
async fn comment_likers(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<MemberListItem>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::likers(
            &mut conn,
            Target::Comment,
            &id,
            q.cursor.as_deref(),
            q.limit,
        )
        .await?,
    ))
}

/// Scrap (bookmark) a review.
#[utoipa::path(put, path = "/reviews/{id}/scrap", tag = "social", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ScrapState), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn scrap(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<ScrapState>> {
    toggle(&state, async |tx, now| {
        service::set_scrap(tx, &member, &id, true, now).await
    })
    .await
}

/// Remove a scrap.
#[utoipa::path(delete, path = "/reviews/{id}/scrap", tag = "social", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ScrapState), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unscrap(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<ScrapState>> {
    toggle(&state, async |tx, now| {
        service::set_scrap(tx, &member, &id, false, now).await
    })
    .await
}

/// Follow a member.
#[utoipa::path(put, path = "/users/{id}/follow", tag = "social", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = FollowState), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "Following yourself", body = ErrorBody)))]
async fn follow(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<FollowState>> {
    toggle(&state, async |tx, now| {
        service::set_follow(tx, &member, &id, true, now).await
    })
    .await
}

/// Unfollow a member.
#[utoipa::path(delete, path = "/users/{id}/follow", tag = "social", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = FollowState), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unfollow(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<FollowState>> {
    toggle(&state, async |tx, now| {
        service::set_follow(tx, &member, &id, false, now).await
    })
    .await
}

/// Remove someone from my followers.
#[utoipa::path(delete, path = "/me/followers/{id}", tag = "social", security(("bearer" = [])),
    params(("id" = String, Path, description = "The follower's id")),
    responses((status = 204, description = "Removed (or was not following)"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn remove_follower(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    state
        .write(async |tx| {
            service::remove_follower(tx, &member, &id, now_ms())
                .await
                .map(quiet)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A member's followers, newest first.
#[utoipa::path(get, path = "/users/{id}/followers", tag = "social",
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<MemberListItem>), (status = 400, body = ErrorBody)))]
async fn followers(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<MemberListItem>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::followers(&mut conn, &id, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// Whom a member follows, newest first.
#[utoipa::path(get, path = "/users/{id}/following", tag = "social",
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<MemberListItem>), (status = 400, body = ErrorBody)))]
async fn following(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<MemberListItem>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::following(&mut conn, &id, q.cursor.as_deref(), q.limit).await?,
    ))
}
