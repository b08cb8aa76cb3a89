//! `/v1/notifications`: the member's notifications, read markers and mutes.

pub mod service;

use axum::Json;
use axum::extract::State;
use moa_protocol::{
    ErrorBody, MarkReadRequest, NotificationPage, NotificationSettings, UnreadCount,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::Actor;
use crate::error::Result;
use crate::extract::{ApiJson, ApiQuery};
use crate::reviews::PageQuery;
use crate::state::AppState;
use crate::util::now_ms;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(mark_read))
        .routes(routes!(get_settings, put_settings))
}

/// My notifications, newest first, with the unread count.
#[utoipa::path(get, path = "/notifications", operation_id = "list_notifications", tag = "notifications", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = NotificationPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<NotificationPage>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::list(&mut conn, &member.user_id, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// Mark notifications read: `{"ids": [...]}` or `{"all": true}`.
#[utoipa::path(post, path = "/notifications/read", tag = "notifications", security(("bearer" = [])),
    request_body = MarkReadRequest,
    responses((status = 200, body = UnreadCount), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn mark_read(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<MarkReadRequest>,
) -> Result<Json<UnreadCount>> {
    let count = state
        .write_quiet(async |tx| service::mark_read(tx, &member.user_id, &req, now_ms()).await)
        .await?;
    Ok(Json(count))
}

/// The kinds of notification I muted.
#[utoipa::path(get, path = "/notifications/settings", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = NotificationSettings), (status = 401, body = ErrorBody)))]
async fn get_settings(
    State(state): State<AppState>,
    member: Actor,
) -> Result<Json<NotificationSettings>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(service::settings(&mut conn, &member.user_id).await?))
}

/// Replace the muted kinds.
#[utoipa::path(put, path = "/notifications/settings", tag = "notifications", security(("bearer" = [])),
    request_body = NotificationSettings,
    responses((status = 200, body = NotificationSettings), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<NotificationSettings>,
) -> Result<Json<NotificationSettings>> {
    let settings = state
        .write_quiet(async |tx| service::set_settings(tx, &member.user_id, &req).await)
        .await?;
    Ok(Json(settings))
}
