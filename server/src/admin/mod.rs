//! `/v1/admin`: account moderation for moderators and admins. The role rules
//! live in [`service`]; every action is written to the audit log.

pub mod service;
pub mod stats;

use axum::Json;
use axum::extract::{Path, State};
use moa_protocol::{AdminUser, AuditEntry, ErrorBody, Page, Role, SetRoleRequest, SuspendRequest};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::Actor;
use crate::error::Result;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(set_role))
        .routes(routes!(suspend, unsuspend))
        .routes(routes!(list_audit))
}

/// Query of the admin lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Search text (handle, email or display name contain it).
    q: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`.
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Search accounts (moderators and admins).
#[utoipa::path(
    get, path = "/admin/users", tag = "admin", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, body = Page<AdminUser>),
        (status = 400, description = "Bad cursor or limit", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a moderator", body = ErrorBody),
    )
)]
async fn list_users(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<AdminUser>>> {
    member.ensure_role(Role::Moderator)?;
    let mut conn = state.db.read().acquire().await?;
    let page = service::list_users(
        &mut conn,
        query.q.as_deref(),
        query.cursor.as_deref(),
        query.limit,
    );
    Ok(Json(page.await?))
}

/// Change a member's role (admins only; not their own).
#[utoipa::path(
    put, path = "/admin/users/{id}/role", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Member id")),
    request_body = SetRoleRequest,
    responses(
        (status = 200, body = AdminUser),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not an admin, or the caller's own role", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn set_role(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SetRoleRequest>,
) -> Result<Json<AdminUser>> {
    let user = state
        .write_quiet(async |tx| service::set_role(tx, &member, &id, req.role).await)
        .await?;
    Ok(Json(user))
}

/// Suspend a member for some days: they can still sign in and read, not write.
#[utoipa::path(
    post, path = "/admin/users/{id}/suspension", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Member id")),
    request_body = SuspendRequest,
    responses(
        (status = 200, body = AdminUser),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not allowed to suspend this member", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn suspend(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SuspendRequest>,
) -> Result<Json<AdminUser>> {
    let user = state
        .write_quiet(async |tx| service::suspend(tx, &member, &id, req.days, &req.reason).await)
        .await?;
    Ok(Json(user))
}

/// Lift a suspension.
#[utoipa::path(
    delete, path = "/admin/users/{id}/suspension", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Member id")),
    responses(
        (status = 200, body = AdminUser),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn unsuspend(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<AdminUser>> {
    let user = state
        .write_quiet(async |tx| service::unsuspend(tx, &member, &id).await)
        .await?;
    Ok(Json(user))
}

/// The moderation audit log, newest first (admins).
#[utoipa::path(
    get, path = "/admin/audit", tag = "admin", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, body = Page<AuditEntry>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
async fn list_audit(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<AuditEntry>>> {
    member.ensure_role(Role::Admin)?;
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::list_audit(&mut conn, query.cursor.as_deref(), query.limit).await?,
    ))
}
