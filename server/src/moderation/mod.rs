//! `/v1/reports` (members) and the moderators' queue, actions and statistics
//! under `/v1/admin`.

pub mod service;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use moa_protocol::{
    CreateReportRequest, ErrorBody, ModerationRequest, ModerationResult, Report, ReportQueue,
    ReportState, ReportStats, ReportTarget, Role,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::Actor;
use crate::error::Result;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::util::now_ms;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_report))
        .routes(routes!(queue))
        .routes(routes!(moderate))
        .routes(routes!(stats))
}

/// Report a member, review, comment, product or chat message.
#[utoipa::path(post, path = "/reports", tag = "moderation", security(("bearer" = [])),
    request_body = CreateReportRequest,
    responses(
        (status = 201, body = Report), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such target", body = ErrorBody),
        (status = 409, description = "`already_reported`", body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
async fn create_report(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<CreateReportRequest>,
) -> Result<(StatusCode, Json<Report>)> {
    let report = state
        .write_quiet(async |tx| {
            let hide_at = state.settings.auto_hide_reports;
            service::create_report(tx, &member, &req, hide_at, now_ms()).await
        })
        .await?;
    Ok((StatusCode::CREATED, Json(report)))
}

/// Filters of the queue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `open` (default), `dismissed` or `actioned`.
    state: Option<ReportState>,
    /// Only this kind of target.
    #[serde(rename = "type")]
    target_type: Option<ReportTarget>,
    cursor: Option<String>,
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The report queue, grouped by target with the content inline, oldest first.
#[utoipa::path(get, path = "/admin/reports", tag = "moderation", security(("bearer" = [])), params(QueueQuery),
    responses((status = 200, body = ReportQueue), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn queue(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<ReportQueue>> {
    member.ensure_role(Role::Moderator)?;
    let mut conn = state.db.read().acquire().await?;
    let state_filter = q.state.unwrap_or(ReportState::Open);
    Ok(Json(
        service::queue(
            &mut conn,
            state_filter,
            q.target_type,
            q.cursor.as_deref(),
            q.limit,
        )
        .await?,
    ))
}

/// Act on a target: dismiss, hide, restore, delete, suspend (N days or
/// indefinitely), unsuspend. Its open reports resolve and reporters are told.
#[utoipa::path(post, path = "/admin/moderation", tag = "moderation", security(("bearer" = [])),
    request_body = ModerationRequest,
    responses(
        (status = 200, body = ModerationResult), (status = 401, body = ErrorBody),
        (status = 403, description = "Not a moderator, or not allowed on this member", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
async fn moderate(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<ModerationRequest>,
) -> Result<Json<ModerationResult>> {
    let result = state
        .write_quiet(async |tx| service::moderate(tx, &member, &req, now_ms()).await)
        .await?;
    Ok(Json(result))
}

/// Window of the statistics.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Days of per-day counts, 1 to 366 (default 30).
    days: Option<u32>,
}

/// Report statistics (admins): open/closed by type, and counts per day.
#[utoipa::path(get, path = "/admin/reports/stats", operation_id = "report_stats", tag = "moderation", security(("bearer" = [])), params(StatsQuery),
    responses((status = 200, body = ReportStats), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn stats(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<ReportStats>> {
    member.ensure_role(Role::Admin)?;
    let mut conn = state.db.read().acquire().await?;
    let days = q.days.unwrap_or(30).clamp(1, 366);
    Ok(Json(service::stats(&mut conn, days, now_ms()).await?))
}
