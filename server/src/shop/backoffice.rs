//! The admin back office over HTTP: the order table and its Excel export,
//! one order and the actions on it, campaign edits and early close,
//! community rename and merge, the statistics dashboard and the official
//! posts. Admins only (moderators get 403), except the official posts,
//! which moderators write too. The rules live in [`super::admin`],
//! [`super::export`], [`super::communities`] and `admin::stats`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use moa_protocol::{
    AdminOrder, AdminOrderPage, AdminStats, Campaign, Community, EditCampaignRequest, ErrorBody,
    MergeCommunityRequest, Order, OrderActionRequest, OrderFilter, OrderSort, OrderStatus, Page,
    RenameCommunityRequest, Review, Role,
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

use super::admin::{self, OrderAction};
use super::{PageQuery, ReasonRequest, communities, export};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orders))
        .routes(routes!(export_orders))
        .routes(routes!(get_order))
        .routes(routes!(fulfil_order))
        .routes(routes!(refund_order))
        .routes(routes!(edit_campaign))
        .routes(routes!(close_campaign))
        .routes(routes!(rename_community))
        .routes(routes!(merge_community))
        .routes(routes!(stats))
        .routes(routes!(official))
}

/// The order table's filters, sort and page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    campaign_id: Option<String>,
    status: Option<OrderStatus>,
    /// The ordering member's community.
    community_id: Option<String>,
    /// First day, `YYYY-MM-DD` in Korean time.
    from: Option<String>,
    /// Last day (inclusive), `YYYY-MM-DD` in Korean time.
    to: Option<String>,
    /// Text in the member's handle or display name.
    q: Option<String>,
    sort: Option<OrderSort>,
    /// Opaque cursor from the previous page (the table only).
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 20; the table only).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

impl OrderQuery {
    fn filter(&self) -> OrderFilter {
        OrderFilter {
            campaign_id: self.campaign_id.clone(),
            status: self.status,
            community_id: self.community_id.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            q: self.q.clone(),
            sort: self.sort,
        }
    }
}

/// The order table (admins): filtered, sorted, in keyset pages, with the
/// totals of everything the filter matches.
#[utoipa::path(
    get, path = "/admin/shop/orders", tag = "admin-shop", security(("bearer" = [])),
    params(OrderQuery),
    responses(
        (status = 200, body = AdminOrderPage),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn list_orders(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<OrderQuery>,
) -> Result<Json<AdminOrderPage>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        admin::list(
            &mut conn,
            &member,
            &q.filter(),
            q.cursor.as_deref(),
            q.limit,
        )
        .await?,
    ))
}

/// The filtered order table as an Excel file (admins): every matching
/// order (not one page), Korean headers, won amounts, Korean times, and
/// the totals below. `x-moa-rows` says how many orders it holds.
#[utoipa::path(
    get, path = "/admin/shop/orders/export", tag = "admin-shop", security(("bearer" = [])),
    params(OrderQuery),
    responses(
        (status = 200, description = "The workbook",
         content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn export_orders(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<OrderQuery>,
) -> Result<Response> {
    let (bytes, rows) = export::orders(&state, &member, &q.filter()).await?;
    let name = format!(
        "moa-orders-{}.xlsx",
        moa_protocol::kst::date_of(now_ms()).replace('-', "")
    );
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, export::CONTENT_TYPE.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (
                header::HeaderName::from_static("x-moa-rows"),
                rows.to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Any member's order with its history (admins).
#[utoipa::path(
    get, path = "/admin/shop/orders/{id}", operation_id = "admin_get_order", tag = "admin-shop", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = AdminOrder),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn get_order(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<AdminOrder>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(admin::detail(&mut conn, &member, &id).await?))
}

async fn act(
    state: &AppState,
    member: &Actor,
    id: &str,
    action: OrderAction,
    reason: &str,
) -> Result<Json<Order>> {
    let order = state
        .write_quiet(async |tx| admin::act(tx, member, id, action, reason, now_ms()).await)
        .await?;
    state.jobs_kick.notify_one();
    Ok(Json(order))
}

/// Mark a confirmed order handed over or shipped (admins); the reason goes
/// to its history and the audit log.
#[utoipa::path(
    post, path = "/admin/shop/orders/{id}/fulfil", tag = "admin-shop", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = OrderActionRequest,
    responses(
        (status = 200, body = Order),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not confirmed", body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn fulfil_order(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<OrderActionRequest>,
) -> Result<Json<Order>> {
    act(&state, &member, &id, OrderAction::Fulfil, &req.reason).await
}

/// Refund one paid order through the payment provider (admins).
#[utoipa::path(
    post, path = "/admin/shop/orders/{id}/refund", tag = "admin-shop", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = OrderActionRequest,
    responses(
        (status = 200, body = Order),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not paid", body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn refund_order(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<OrderActionRequest>,
) -> Result<Json<Order>> {
    act(&state, &member, &id, OrderAction::Refund, &req.reason).await
}

/// Change an open group-buy (admins): title, deadline, stock, minimum,
/// per-member limit.
#[utoipa::path(
    patch, path = "/admin/shop/campaigns/{id}", tag = "admin-shop", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = EditCampaignRequest,
    responses(
        (status = 200, body = Campaign),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not open", body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn edit_campaign(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EditCampaignRequest>,
) -> Result<Json<Campaign>> {
    let campaign = state
        .write_quiet(async |tx| admin::edit_campaign(tx, &member, &id, &req, now_ms()).await)
        .await?;
    state.jobs_kick.notify_one();
    Ok(Json(campaign))
}

/// Close an open group-buy now (admins): it succeeds if enough members
/// paid, else it fails and paid orders are refunded.
#[utoipa::path(
    post, path = "/admin/shop/campaigns/{id}/close", tag = "admin-shop", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ReasonRequest,
    responses(
        (status = 200, body = Campaign),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not open", body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn close_campaign(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<Json<Campaign>> {
    let (campaign, alert) = state
        .write_quiet(async |tx| {
            admin::close_campaign(tx, &member, &id, &req.reason, now_ms()).await
        })
        .await?;
    state.alerts.send(alert);
    state.jobs_kick.notify_one();
    Ok(Json(campaign))
}

/// Rename a community (admins).
#[utoipa::path(
    patch, path = "/admin/communities/{id}", tag = "admin-shop", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RenameCommunityRequest,
    responses(
        (status = 200, body = Community),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn rename_community(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RenameCommunityRequest>,
) -> Result<Json<Community>> {
    Ok(Json(
        state
            .write_quiet(async |tx| {
                communities::rename(tx, &member, &id, &req.name, now_ms()).await
            })
            .await?,
    ))
}

/// Merge a community into another (admins): members and offers move over.
#[utoipa::path(
    post, path = "/admin/communities/{id}/merge", tag = "admin-shop", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = MergeCommunityRequest,
    responses(
        (status = 200, description = "The community merged into", body = Community),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn merge_community(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MergeCommunityRequest>,
) -> Result<Json<Community>> {
    Ok(Json(
        state
            .write_quiet(async |tx| communities::merge(tx, &member, &id, &req.into, now_ms()).await)
            .await?,
    ))
}

/// Window of the dashboard.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Korean days, today included: 1 to 366 (default 14).
    days: Option<u32>,
}

/// The dashboard (admins): orders, payments, revenue, sign-ups and reports
/// per Korean day, sign-ups per community, and recent campaigns' funnels.
#[utoipa::path(
    get, path = "/admin/stats", operation_id = "shop_stats", tag = "admin-shop", security(("bearer" = [])), params(StatsQuery),
    responses(
        (status = 200, body = AdminStats),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
async fn stats(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<AdminStats>> {
    member.ensure_role(Role::Admin)?;
    let mut conn = state.db.read().acquire().await?;
    let days = q.days.unwrap_or(14).clamp(1, 366);
    Ok(Json(
        crate::admin::stats::dashboard(&mut conn, days, now_ms()).await?,
    ))
}

/// Official posts, newest first, hidden and deleted ones marked
/// (moderators and admins).
#[utoipa::path(
    get, path = "/admin/official", tag = "admin-shop", security(("bearer" = [])), params(PageQuery),
    responses(
        (status = 200, body = Page<Review>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
async fn official(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<Review>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        crate::reviews::service::official(&mut conn, &member, q.cursor.as_deref(), q.limit).await?,
    ))
}
