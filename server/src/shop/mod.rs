//! The group-buy shop over HTTP: communities (`/v1/communities`), campaigns
//! (`/v1/campaigns`), orders and their payment (`/v1/orders`), the payment
//! provider's webhook (`/v1/payments/webhook`), and the admin side
//! (`/v1/admin/communities`, `/v1/admin/shop/...`, `/v1/admin/jobs`).
//! The rules live in the submodules; handlers only read the request,
//! call them in a transaction and answer.

pub mod admin;
pub mod backoffice;
pub mod campaigns;
pub mod communities;
pub mod export;
pub mod jobs;
pub mod orders;
pub mod payment;
pub mod products;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use moa_protocol::{
    AdminJob, Campaign, CampaignScrap, CancelOrderRequest, Community, CreateCampaignRequest,
    CreateCommunityRequest, ErrorBody, ErrorCode, Order, Page, PlaceOrderRequest, PlacedOrder,
    Role, ShopProduct, ShopProductRequest,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::{Actor, Reader};
use crate::error::{Error, Result};
use crate::extract::{ApiJson, ApiQuery};
use crate::payments::webhook;
use crate::state::AppState;
use crate::util::{created_status, now_ms};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_communities))
        .routes(routes!(create_community))
        .routes(routes!(list_campaigns))
        .routes(routes!(get_campaign))
        .routes(routes!(scrap_campaign, unscrap_campaign))
        .routes(routes!(place_order, my_orders))
        .routes(routes!(get_order))
        .routes(routes!(confirm_payment))
        .routes(routes!(cancel_order))
        .routes(routes!(checkout_page))
        .routes(routes!(payment_webhook))
        .routes(routes!(admin_products, create_product))
        .routes(routes!(update_product))
        .routes(routes!(archive_product))
        .routes(routes!(create_campaign))
        .routes(routes!(cancel_campaign))
        .routes(routes!(failing_jobs))
        .merge(backoffice::router())
}

/// Search text and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Text the name contains; empty lists everything.
    #[serde(default)]
    q: String,
    /// Opaque cursor from the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Communities by name, most members first (the sign-up picker).
#[utoipa::path(
    get, path = "/communities", tag = "shop", params(ListQuery),
    responses((status = 200, body = Page<Community>), (status = 400, body = ErrorBody))
)]
async fn list_communities(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Community>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        communities::list(&mut conn, &q.q, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// Create a community (admins).
#[utoipa::path(
    post, path = "/admin/communities", tag = "shop", security(("bearer" = [])),
    request_body = CreateCommunityRequest,
    responses(
        (status = 201, body = Community),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn create_community(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<CreateCommunityRequest>,
) -> Result<(StatusCode, Json<Community>)> {
    let community = state
        .write_quiet(async |tx| communities::create(tx, &member, &req, now_ms()).await)
        .await?;
    Ok((StatusCode::CREATED, Json(community)))
}

/// Which campaigns and which page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignQuery {
    /// `open` (default: deadline nearest first) or `closed` (latest first).
    status: Option<String>,
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The group-buys offered to the reader: to everyone, or to their community.
#[utoipa::path(
    get, path = "/campaigns", tag = "shop", params(CampaignQuery),
    responses(
        (status = 200, body = Page<Campaign>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    )
)]
async fn list_campaigns(
    State(state): State<AppState>,
    reader: Reader,
    ApiQuery(q): ApiQuery<CampaignQuery>,
) -> Result<Json<Page<Campaign>>> {
    let listing = match q.status.as_deref() {
        None | Some("open") => campaigns::Listing::Open,
        Some("closed") => campaigns::Listing::Closed,
        Some(_) => {
            return Err(Error::BadRequest {
                code: ErrorCode::InvalidParameter,
                message: "status must be open or closed".into(),
            });
        }
    };
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        campaigns::list(&mut conn, &reader, listing, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// A group-buy (404 for members of other communities when it is offered
/// to some only).
#[utoipa::path(
    get, path = "/campaigns/{id}", tag = "shop", params(("id" = String, Path)),
    responses(
        (status = 200, body = Campaign),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn get_campaign(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Json<Campaign>> {
    let campaign = {
        let mut conn = state.db.read().acquire().await?;
        let row = campaigns::visible_row(&mut conn, &id, &reader).await?;
        campaigns::to_wire(&mut conn, &row).await?
    };
    if let Some(actor) = &reader.0 {
        let now = now_ms();
        state
            .write_quiet(async |tx| campaigns::viewed(tx, &campaign.id, &actor.user_id, now).await)
            .await?;
    }
    Ok(Json(campaign))
}

/// Save (찜) a group-buy: the member hears of its deadline 24 hours before
/// unless they ordered.
#[utoipa::path(
    put, path = "/campaigns/{id}/scrap", tag = "shop", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = CampaignScrap),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn scrap_campaign(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<CampaignScrap>> {
    let scrap = state
        .write_quiet(async |tx| campaigns::set_scrap(tx, &member, &id, true, now_ms()).await)
        .await?;
    Ok(Json(scrap))
}

/// Let a saved group-buy go.
#[utoipa::path(
    delete, path = "/campaigns/{id}/scrap", tag = "shop", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = CampaignScrap),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn unscrap_campaign(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<CampaignScrap>> {
    let scrap = state
        .write_quiet(async |tx| campaigns::set_scrap(tx, &member, &id, false, now_ms()).await)
        .await?;
    Ok(Json(scrap))
}

/// Order from a group-buy: answers the order (PENDING_PAYMENT, with the
/// amount the server computed) and the checkout URL to pay at. The units
/// are held until the order expires unpaid. Placing the same `id` again
/// answers the first order (200).
#[utoipa::path(
    post, path = "/orders", tag = "shop", security(("bearer" = [])),
    request_body = PlaceOrderRequest,
    responses(
        (status = 201, body = PlacedOrder),
        (status = 200, description = "This order id was placed before", body = PlacedOrder),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "`account_suspended`, or `phone_unverified` where the server verifies numbers", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Closed, sold out, or over the per-member limit", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 502, description = "Payments are not available", body = ErrorBody),
    )
)]
async fn place_order(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<PlaceOrderRequest>,
) -> Result<(StatusCode, Json<PlacedOrder>)> {
    let Some(provider) = state.payments.clone() else {
        return Err(Error::Upstream(
            "payments are not configured on this server".into(),
        ));
    };
    let ttl = i64::try_from(state.settings.order_ttl.as_millis()).unwrap_or(900_000);
    {
        let mut conn = state.db.read().acquire().await?;
        orders::refuse_if_sold_out(&mut conn, &member, &req, now_ms()).await?;
    }
    let (order, campaign, created) = state
        .write_quiet(async |tx| {
            let required = crate::users::phone::offered(&state);
            crate::users::phone::require_verified(tx, required, &member.user_id, "ordering")
                .await?;
            orders::place(tx, &member, &req, ttl, now_ms()).await
        })
        .await?;
    let checkout_url = provider.checkout_url(&order.id, &campaign.title, order.amount_krw);
    Ok((
        created_status(created),
        Json(PlacedOrder {
            order,
            checkout_url,
            created,
        }),
    ))
}

/// Paging of a newest-first list (the member's orders, the admin lists).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// The member's orders, newest first, each with its history.
#[utoipa::path(
    get, path = "/orders", tag = "shop", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<Order>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody))
)]
async fn my_orders(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<Order>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        orders::mine(&mut conn, &member, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// One of the member's orders.
#[utoipa::path(
    get, path = "/orders/{id}", tag = "shop", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Order), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn get_order(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<Order>> {
    let mut conn = state.db.read().acquire().await?;
    let row = orders::own(&mut conn, &member, &id).await?;
    Ok(Json(orders::to_wire(&mut conn, &row).await?))
}

/// After the checkout: the server looks the payment up with the provider
/// and, if it is paid in full, the order is PAID. Asking again (or after
/// the webhook did it) changes nothing.
#[utoipa::path(
    post, path = "/orders/{id}/payment", tag = "shop", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Order),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not paid yet, paid for another amount, or too late", body = ErrorBody),
        (status = 502, description = "The provider could not be reached", body = ErrorBody),
    )
)]
async fn confirm_payment(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<Order>> {
    Ok(Json(
        payment::settle(&state, &id, payment::Via::Member(&member.user_id)).await?,
    ))
}

/// Cancel an order: an unpaid one at once; a paid one is refunded while
/// the group-buy is open.
#[utoipa::path(
    post, path = "/orders/{id}/cancel", tag = "shop", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CancelOrderRequest,
    responses(
        (status = 200, body = Order),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Closed, or cancelled already", body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn cancel_order(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CancelOrderRequest>,
) -> Result<Json<Order>> {
    let order = state
        .write_quiet(async |tx| orders::cancel(tx, &member, &id, &req.reason, now_ms()).await)
        .await?;
    state.jobs_kick.notify_one();
    Ok(Json(order))
}

/// The page that runs PortOne's browser checkout for an order (used when
/// the provider has no checkout page of its own).
#[utoipa::path(
    get, path = "/orders/{id}/checkout", tag = "shop", params(("id" = String, Path)),
    responses(
        (status = 200, description = "An HTML page", content_type = "text/html"),
        (status = 404, body = ErrorBody),
        (status = 502, body = ErrorBody),
    )
)]
async fn checkout_page(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let provider = state
        .payments
        .as_ref()
        .ok_or_else(|| Error::Upstream("payments are not configured on this server".into()))?;
    let mut conn = state.db.read().acquire().await?;
    // A charge of points is paid on the same page.
    if let Some(charge) = crate::requests::points::charge_row(&mut conn, &id)
        .await?
        .filter(|c| c.status() == moa_protocol::ChargeStatus::Pending)
    {
        let name = crate::requests::points::charge_name(charge.amount_krw);
        let page = crate::payments::portone::checkout_page(
            provider.settings(),
            &charge.id,
            &name,
            charge.amount_krw,
        );
        return Ok(Html(page).into_response());
    }
    let order = orders::row(&mut conn, &id)
        .await?
        .filter(|o| o.status() == moa_protocol::OrderStatus::PendingPayment)
        .ok_or_else(|| Error::NotFound("no such order awaiting payment".into()))?;
    let title: String = sqlx::query_scalar("SELECT title FROM campaigns WHERE id = $1")
        .bind(&order.campaign_id)
        .fetch_one(&mut *conn)
        .await?;
    let page = crate::payments::portone::checkout_page(
        provider.settings(),
        &order.id,
        &title,
        order.amount_krw,
    );
    Ok(Html(page).into_response())
}

/// The payment provider's webhook (Standard Webhooks signature). A
/// delivery with a bad or stale signature is refused (401) and recorded;
/// a good one makes the server look the payment up and settle the order.
/// Deliveries seen before (by `webhook-id`) change nothing.
#[utoipa::path(
    post, path = "/payments/webhook", tag = "shop",
    request_body(content = String, content_type = "application/json"),
    params(
        ("webhook-id" = String, Header), ("webhook-timestamp" = String, Header),
        ("webhook-signature" = String, Header),
    ),
    responses(
        (status = 200, description = "Taken"),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Bad or stale signature", body = ErrorBody),
        (status = 502, body = ErrorBody),
    )
)]
async fn payment_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let provider = state
        .payments
        .as_ref()
        .ok_or_else(|| Error::Upstream("payments are not configured on this server".into()))?;
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let key = webhook::key(&provider.settings().webhook_secret)
        .map_err(|e| Error::Internal(format!("webhook secret: {e}")))?;
    let now = now_ms();
    if let Err(e) = webhook::verify(
        &key,
        text("webhook-id"),
        text("webhook-timestamp"),
        text("webhook-signature"),
        &body,
        now / 1000,
    ) {
        let detail = serde_json::json!({ "reason": e.to_string() });
        state
            .write_quiet(async |tx| {
                crate::admin::service::audit(
                    tx,
                    payment::SYSTEM,
                    "webhook_refused",
                    ("webhook", text("webhook-id").unwrap_or("")),
                    detail,
                    now,
                )
                .await
            })
            .await?;
        return Err(Error::unauthorized(
            ErrorCode::InvalidSignature,
            format!("webhook refused: {e}"),
        ));
    }
    let delivery: webhook::Delivery =
        serde_json::from_slice(&body).map_err(|e| Error::BadRequest {
            code: ErrorCode::MalformedJson,
            message: format!("not a webhook body: {e}"),
        })?;
    let delivery_id = text("webhook-id").unwrap_or_default().to_owned();
    let first = state
        .write_quiet(async |tx| {
            let done = sqlx::query(
                "INSERT INTO webhook_deliveries (id, received_at) VALUES ($1, $2) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(&delivery_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Ok(done.rows_affected() > 0)
        })
        .await?;
    if first && let Some(payment_id) = delivery.data.payment_id.as_deref() {
        let is_charge = {
            let mut conn = state.db.read().acquire().await?;
            crate::requests::points::charge_row(&mut conn, payment_id)
                .await?
                .is_some()
        };
        let settled = if is_charge {
            crate::requests::points::settle_charge(&state, payment_id, None)
                .await
                .map(drop)
        } else {
            payment::settle(&state, payment_id, payment::Via::Webhook)
                .await
                .map(drop)
        };
        match settled {
            // A refusal was recorded; the provider needs no retry.
            Ok(_) | Err(Error::Conflict { .. } | Error::NotFound(_)) => {}
            Err(e) => {
                // Let the provider retry this delivery.
                let id = delivery_id.clone();
                state
                    .write_quiet(async |tx| {
                        sqlx::query("DELETE FROM webhook_deliveries WHERE id = $1")
                            .bind(&id)
                            .execute(&mut *tx)
                            .await?;
                        Ok(())
                    })
                    .await?;
                return Err(e);
            }
        }
    }
    tracing::debug!(kind = %delivery.kind, "webhook taken");
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], "ok").into_response())
}

/// Every sellable product, newest first (admins).
#[utoipa::path(
    get, path = "/admin/shop/products", tag = "shop", security(("bearer" = [])),
    responses((status = 200, body = Vec<ShopProduct>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody))
)]
async fn admin_products(
    State(state): State<AppState>,
    member: Actor,
) -> Result<Json<Vec<ShopProduct>>> {
    member.ensure_role(Role::Admin)?;
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(products::list(&mut conn, &member).await?))
}

/// Create a sellable product (admins).
#[utoipa::path(
    post, path = "/admin/shop/products", operation_id = "create_shop_product", tag = "shop", security(("bearer" = [])),
    request_body = ShopProductRequest,
    responses(
        (status = 201, body = ShopProduct),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn create_product(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<ShopProductRequest>,
) -> Result<(StatusCode, Json<ShopProduct>)> {
    let product = state
        .write_quiet(async |tx| products::save(tx, &member, None, &req, now_ms()).await)
        .await?;
    Ok((StatusCode::CREATED, Json(product)))
}

/// Replace a sellable product (admins).
#[utoipa::path(
    put, path = "/admin/shop/products/{id}", tag = "shop", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ShopProductRequest,
    responses(
        (status = 200, body = ShopProduct),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn update_product(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ShopProductRequest>,
) -> Result<Json<ShopProduct>> {
    let product = state
        .write_quiet(async |tx| products::save(tx, &member, Some(&id), &req, now_ms()).await)
        .await?;
    Ok(Json(product))
}

/// Archive a sellable product (admins).
#[utoipa::path(
    post, path = "/admin/shop/products/{id}/archive", tag = "shop", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ShopProduct),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn archive_product(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<ShopProduct>> {
    let product = state
        .write_quiet(async |tx| products::archive(tx, &member, &id, now_ms()).await)
        .await?;
    Ok(Json(product))
}

/// Open a group-buy (admins).
#[utoipa::path(
    post, path = "/admin/shop/campaigns", tag = "shop", security(("bearer" = [])),
    request_body = CreateCampaignRequest,
    responses(
        (status = 201, body = Campaign),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn create_campaign(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<CreateCampaignRequest>,
) -> Result<(StatusCode, Json<Campaign>)> {
    let campaign = state
        .write_quiet(async |tx| campaigns::create(tx, &member, &req, now_ms()).await)
        .await?;
    state.jobs_kick.notify_one();
    Ok((StatusCode::CREATED, Json(campaign)))
}

/// A reason for an admin action.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReasonRequest {
    pub reason: String,
}

/// Cancel an open group-buy (admins): every paid order is refunded.
#[utoipa::path(
    post, path = "/admin/shop/campaigns/{id}/cancel", tag = "shop", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ReasonRequest,
    responses(
        (status = 200, body = Campaign),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not open", body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn cancel_campaign(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<Json<Campaign>> {
    member.ensure_role(Role::Admin)?;
    let reason = crate::validate::text("reason", &req.reason, 1, 500)?;
    let now = now_ms();
    let (campaign, alert) = state
        .write_quiet(async |tx| {
            let Some(before) = campaigns::row(tx, &id).await? else {
                return Err(Error::NotFound("no such campaign".into()));
            };
            let cancelled = jobs::fail(
                tx,
                &id,
                moa_protocol::CampaignStatus::Cancelled,
                Some(&member.user_id),
                now,
            )
            .await?;
            if !cancelled {
                return Err(Error::conflict(
                    ErrorCode::InvalidState,
                    "this group-buy is not open",
                ));
            }
            crate::admin::service::audit(
                tx,
                &member.user_id,
                "cancel_campaign",
                ("campaign", &id),
                serde_json::json!({ "reason": reason }),
                now,
            )
            .await?;
            let alert = jobs::closed_alert(tx, &id, before.participants).await?;
            Ok((campaigns::publish(tx, &id, now).await?, alert))
        })
        .await?;
    state.alerts.send(alert);
    state.jobs_kick.notify_one();
    Ok(Json(campaign))
}

/// Jobs that keep failing (admins).
#[utoipa::path(
    get, path = "/admin/jobs", tag = "admin", security(("bearer" = [])), params(PageQuery),
    responses(
        (status = 200, body = Page<AdminJob>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
async fn failing_jobs(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<AdminJob>>> {
    member.ensure_role(Role::Admin)?;
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        crate::jobs::failing(&mut conn, q.cursor.as_deref(), q.limit).await?,
    ))
}
