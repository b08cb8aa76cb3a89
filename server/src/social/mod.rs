//! Likes, scraps and follows over HTTP: `PUT` adds, `DELETE` removes, both
//! idempotent and answering the state after the change.

pub mod service;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moa_protocol::{ErrorBody, FollowState, LikeState, MemberListItem, Page, ScrapState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::Actor;
use crate::error::Result;
use crate::extract::ApiQuery;
use crate::reviews::PageQuery;
use crate::state::AppState;
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

/// Makes the `PUT` that sets one of the member's marks (a like, a scrap, a
/// follow) and the `DELETE` on the same path that takes it back. Both are
/// idempotent, cause no realtime events and answer the state after the
/// change; both run `set` with `on` true for the `PUT` and false for the
/// `DELETE`. Only the `PUT` may be refused as forbidden (a suspended member
/// cannot add); `put_also` lists any further responses of the `PUT`.
macro_rules! set_and_unset {
    (
        path: $path:tt,
        answer: $answer:ident,
        $(#[doc = $put_doc:tt])*
        put: $put:ident,
        $(put_also: [$($put_also:tt)*],)?
        $(#[doc = $delete_doc:tt])*
        delete: $delete:ident,
        set: |$tx:ident, $member:ident, $id:ident, $on:ident, $now:ident| $set:expr $(,)?
    ) => {
        $(#[doc = $put_doc])*
        #[utoipa::path(put, path = $path, tag = "social", security(("bearer" = [])),
            params(("id" = String, Path)),
            responses((status = 200, body = $answer), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
                (status = 404, body = ErrorBody) $(, $($put_also)*)?))]
        async fn $put(
            State(state): State<AppState>,
            member: Actor,
            Path(id): Path<String>,
        ) -> Result<Json<$answer>> {
            let ($now, $member, $id, $on) = (now_ms(), &member, &id, true);
            Ok(Json(state.write_quiet(async |$tx| $set.await).await?))
        }

        $(#[doc = $delete_doc])*
        #[utoipa::path(delete, path = $path, tag = "social", security(("bearer" = [])),
            params(("id" = String, Path)),
            responses((status = 200, body = $answer), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
        async fn $delete(
            State(state): State<AppState>,
            member: Actor,
            Path(id): Path<String>,
        ) -> Result<Json<$answer>> {
            let ($now, $member, $id, $on) = (now_ms(), &member, &id, false);
            Ok(Json(state.write_quiet(async |$tx| $set.await).await?))
        }
    };
}

set_and_unset! {
    path: "/reviews/{id}/like",
    answer: LikeState,
    /// Like a review (liking twice is one like).
    put: like_review,
    /// Take back a like on a review.
    delete: unlike_review,
    set: |tx, member, id, on, now| service::set_like(tx, member, Target::Review, id, on, now),
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

set_and_unset! {
    path: "/comments/{id}/like",
    answer: LikeState,
    /// Like a comment or reply.
    put: like_comment,
    /// Take back a like on a comment or reply.
    delete: unlike_comment,
    set: |tx, member, id, on, now| service::set_like(tx, member, Target::Comment, id, on, now),
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

set_and_unset! {
    path: "/reviews/{id}/scrap",
    answer: ScrapState,
    /// Scrap (bookmark) a review.
    put: scrap,
    /// Remove a scrap.
    delete: unscrap,
    set: |tx, member, id, on, now| service::set_scrap(tx, member, id, on, now),
}

set_and_unset! {
    path: "/users/{id}/follow",
    answer: FollowState,
    /// Follow a member.
    put: follow,
    put_also: [(status = 422, description = "Following yourself", body = ErrorBody)],
    /// Unfollow a member.
    delete: unfollow,
    set: |tx, member, id, on, now| service::set_follow(tx, member, id, on, now),
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
        .write_quiet(async |tx| service::remove_follower(tx, &member, &id, now_ms()).await)
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
