//! Requests (부탁) and the points wallet over HTTP: the open-request feed
//! and one request (`/v1/requests`), quotes, accepting, completing,
//! cancelling and reviewing, the member's own lists (`/v1/me/requests`,
//! `/v1/me/quotes`), a helper's reviews (`/v1/users/{id}/helper-reviews`),
//! the wallet and its ledger (`/v1/points`), charges through the payment
//! provider (`/v1/points/charges`), and admins' grants
//! (`/v1/admin/points/grants`). The rules live in `service` and `points`;
//! the sync mutations (`request.*`, `quote.*`) call the same functions.

pub mod points;
pub mod service;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moa_protocol::{
    AcceptQuoteRequest, AcceptedQuote, CancelRequestArgs, ChargeCheckout, ChargePointsRequest,
    ErrorBody, ErrorCode, GrantPointsRequest, HelpRequest, HelperReview, HelperReviewInput, Page,
    PointCharge, PointEntry, Quote, QuoteInput, RequestCategory, RequestInput, Wallet,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::{Actor, Reader};
use crate::error::{Error, Result};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::{AppState, quiet};
use crate::util::{created_status, now_ms};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requests, create_request))
        .routes(routes!(get_request, edit_request))
        .routes(routes!(request_quotes))
        .routes(routes!(set_quote))
        .routes(routes!(withdraw_quote))
        .routes(routes!(accept_quote))
        .routes(routes!(complete_request))
        .routes(routes!(cancel_request))
        .routes(routes!(review_helper))
        .routes(routes!(my_requests))
        .routes(routes!(my_quotes))
        .routes(routes!(helper_reviews))
        .routes(routes!(get_wallet))
        .routes(routes!(point_entries))
        .routes(routes!(start_charge))
        .routes(routes!(confirm_charge))
        .routes(routes!(refund_charge))
        .routes(routes!(grant_points))
}

/// Filters and paging of the open-request feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// `purchase`, `travel`, `errand` or `other`.
    category: Option<String>,
    /// Text the region contains.
    #[serde(default)]
    region: String,
    /// Only requests whose budget reaches this many won.
    budget_min: Option<i64>,
    /// Only requests whose budget starts at or below this many won.
    budget_max: Option<i64>,
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Open requests the reader may see (offered to everyone, or to their
/// community), newest first.
#[utoipa::path(
    get, path = "/requests", tag = "requests", params(RequestQuery),
    responses(
        (status = 200, body = Page<HelpRequest>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    )
)]
async fn list_requests(
    State(state): State<AppState>,
    reader: Reader,
    ApiQuery(q): ApiQuery<RequestQuery>,
) -> Result<Json<Page<HelpRequest>>> {
    let category = match q.category.as_deref() {
        None | Some("") => None,
        Some(c) => Some(RequestCategory::parse(c).ok_or_else(|| Error::BadRequest {
            code: ErrorCode::InvalidParameter,
            message: "category must be purchase, travel, errand or other".into(),
        })?),
    };
    if q.budget_min.is_some_and(|n| n < 0) || q.budget_max.is_some_and(|n| n < 0) {
        return Err(Error::BadRequest {
            code: ErrorCode::InvalidParameter,
            message: "budgets are 0 or more won".into(),
        });
    }
    let filters = service::Filters {
        category,
        region: q.region.chars().take(60).collect(),
        budget_min: q.budget_min,
        budget_max: q.budget_max,
    };
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::list_open(
            &mut conn,
            reader.id(),
            &filters,
            q.cursor.as_deref(),
            q.limit,
        )
        .await?,
    ))
}

/// Post a request (the `request.create` mutation does the same).
#[utoipa::path(
    post, path = "/requests", tag = "requests", security(("bearer" = [])),
    request_body = RequestInput,
    responses(
        (status = 201, body = HelpRequest), (status = 200, description = "Posted before", body = HelpRequest),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn create_request(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<RequestInput>,
) -> Result<(StatusCode, Json<HelpRequest>)> {
    let now = now_ms();
    let (request, created) = state
        .write_quiet(async |tx| {
            let existed = service::row(tx, &req.id).await?.is_some();
            Ok((service::create(tx, &member, &req, now).await?, !existed))
        })
        .await?;
    Ok((created_status(created), Json(request)))
}

/// One request, if the reader may see it.
#[utoipa::path(
    get, path = "/requests/{id}", tag = "requests", params(("id" = String, Path)),
    responses(
        (status = 200, body = HelpRequest),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn get_request(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Json<HelpRequest>> {
    let mut conn = state.db.read().acquire().await?;
    let row = service::get_for(&mut conn, &id, reader.id(), reader.is_moderator()).await?;
    Ok(Json(service::to_wire(&mut conn, row).await?))
}

/// Replace an open request's fields (the requester's).
#[utoipa::path(
    put, path = "/requests/{id}", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RequestInput,
    responses(
        (status = 200, body = HelpRequest),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn edit_request(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(mut req): ApiJson<RequestInput>,
) -> Result<Json<HelpRequest>> {
    id.clone_into(&mut req.id);
    let request = state
        .write_quiet(async |tx| service::edit(tx, &member, &req, now_ms()).await)
        .await?;
    Ok(Json(request))
}

/// The quotes on a request: all of them for the requester, one's own for
/// anyone else.
#[utoipa::path(
    get, path = "/requests/{id}/quotes", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Vec<Quote>),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn request_quotes(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<Quote>>> {
    let moderator = member.role.can_moderate();
    let mut conn = state.db.read().acquire().await?;
    let row = service::get_for(&mut conn, &id, &member.user_id, moderator).await?;
    Ok(Json(
        service::quotes_for(&mut conn, &row, &member.user_id, moderator).await?,
    ))
}

/// Make or edit one's quote on an open request (`quote.set` does the same).
#[utoipa::path(
    put, path = "/requests/{id}/quote", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = QuoteInput,
    responses(
        (status = 200, body = Quote),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn set_quote(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(mut req): ApiJson<QuoteInput>,
) -> Result<Json<Quote>> {
    id.clone_into(&mut req.request_id);
    let quote = state
        .write_quiet(async |tx| {
            let required = crate::users::phone::offered(&state);
            crate::users::phone::require_verified(tx, required, &member.user_id, "quoting").await?;
            service::set_quote(tx, &member, &req, now_ms()).await
        })
        .await?;
    Ok(Json(quote))
}

/// Withdraw one's quote while the request is open.
#[utoipa::path(
    delete, path = "/quotes/{id}", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Quote),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    )
)]
async fn withdraw_quote(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<Quote>> {
    let quote = state
        .write_quiet(async |tx| service::withdraw_quote(tx, &member, &id, now_ms()).await)
        .await?;
    Ok(Json(quote))
}

/// Accept a quote: the price is held from the requester's points (409
/// `insufficient_points` when short: charge first), the request is matched
/// and a direct room opens between the two. Accepting the accepted quote
/// again answers the same; any other quote then is 409 `request_closed`.
#[utoipa::path(
    post, path = "/requests/{id}/accept", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = AcceptQuoteRequest,
    responses(
        (status = 200, body = AcceptedQuote),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn accept_quote(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AcceptQuoteRequest>,
) -> Result<Json<AcceptedQuote>> {
    let accepted = state
        .write(async |tx| service::accept(tx, &member, &id, &req.quote_id, now_ms()).await)
        .await?;
    Ok(Json(accepted))
}

/// Confirm the help (the requester): the held points go to the helper.
#[utoipa::path(
    post, path = "/requests/{id}/complete", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = HelpRequest),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    )
)]
async fn complete_request(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<HelpRequest>> {
    let request = state
        .write_quiet(async |tx| service::complete(tx, &member, &id, now_ms()).await)
        .await?;
    Ok(Json(request))
}

/// Why a request is cancelled.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CancelBody {
    /// Optional, up to 2,000 characters.
    #[serde(default)]
    reason: String,
}

/// Cancel before completion (the requester or the helper): held points go
/// back to the requester.
#[utoipa::path(
    post, path = "/requests/{id}/cancel", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CancelBody,
    responses(
        (status = 200, body = HelpRequest),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn cancel_request(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CancelBody>,
) -> Result<Json<HelpRequest>> {
    let args = CancelRequestArgs {
        id,
        reason: body.reason,
    };
    let request = state
        .write_quiet(async |tx| service::cancel(tx, &member, &args, now_ms()).await)
        .await?;
    Ok(Json(request))
}

/// Review the helper of a completed request (once).
#[utoipa::path(
    post, path = "/requests/{id}/review", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = HelperReviewInput,
    responses(
        (status = 200, body = HelperReview),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn review_helper(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiJson(mut req): ApiJson<HelperReviewInput>,
) -> Result<Json<HelperReview>> {
    req.request_id = id;
    let review = state
        .write_quiet(async |tx| service::review(tx, &member, &req, now_ms()).await)
        .await?;
    Ok(Json(review))
}

/// Which of one's requests, and which page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MineQuery {
    /// `posted` (default) or `helping`.
    role: Option<String>,
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The member's requests: posted, or the ones they help with.
#[utoipa::path(
    get, path = "/me/requests", tag = "requests", security(("bearer" = [])), params(MineQuery),
    responses(
        (status = 200, body = Page<HelpRequest>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    )
)]
async fn my_requests(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<MineQuery>,
) -> Result<Json<Page<HelpRequest>>> {
    let which = match q.role.as_deref() {
        None | Some("posted") => service::Mine::Posted,
        Some("helping") => service::Mine::Helping,
        Some(_) => {
            return Err(Error::BadRequest {
                code: ErrorCode::InvalidParameter,
                message: "role must be posted or helping".into(),
            });
        }
    };
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::mine(
            &mut conn,
            &member.user_id,
            which,
            q.cursor.as_deref(),
            q.limit,
        )
        .await?,
    ))
}

/// Paging only.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default, deserialize_with = "crate::pagination::limit")]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The member's quotes, latest change first.
#[utoipa::path(
    get, path = "/me/quotes", tag = "requests", security(("bearer" = [])), params(PageQuery),
    responses(
        (status = 200, body = Page<Quote>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    )
)]
async fn my_quotes(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<Quote>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::my_quotes(&mut conn, &member.user_id, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// The reviews a member received as a helper, newest first.
#[utoipa::path(
    get, path = "/users/{id}/helper-reviews", tag = "requests",
    params(("id" = String, Path), PageQuery),
    responses(
        (status = 200, body = Page<HelperReview>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    )
)]
async fn helper_reviews(
    State(state): State<AppState>,
    _reader: Reader,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<HelperReview>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::reviews_of_helper(&mut conn, &id, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// The member's points: spendable and held.
#[utoipa::path(
    get, path = "/points", tag = "points", security(("bearer" = [])),
    responses((status = 200, body = Wallet), (status = 401, body = ErrorBody))
)]
async fn get_wallet(State(state): State<AppState>, member: Actor) -> Result<Json<Wallet>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(points::wallet(&mut conn, &member.user_id).await?))
}

/// The member's ledger, newest first.
#[utoipa::path(
    get, path = "/points/entries", tag = "points", security(("bearer" = [])), params(PageQuery),
    responses(
        (status = 200, body = Page<PointEntry>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    )
)]
async fn point_entries(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<PointEntry>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        points::entries(&mut conn, &member.user_id, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// Start charging points: a pending payment and the checkout to pay it at.
/// The points appear once the provider reports it paid (the app confirms,
/// or the provider's webhook arrives).
#[utoipa::path(
    post, path = "/points/charges", tag = "points", security(("bearer" = [])),
    request_body = ChargePointsRequest,
    responses(
        (status = 201, body = ChargeCheckout), (status = 200, description = "Started before", body = ChargeCheckout),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 502, body = ErrorBody),
    )
)]
async fn start_charge(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<ChargePointsRequest>,
) -> Result<(StatusCode, Json<ChargeCheckout>)> {
    if state.payments.is_none() {
        return Err(Error::Upstream(
            "payments are not configured on this server".into(),
        ));
    }
    let now = now_ms();
    let (charge, created) = state
        .write_quiet(async |tx| {
            let existed = points::charge_row(tx, &req.id).await?.is_some();
            Ok((
                points::start_charge(tx, &member, &req, now).await?,
                !existed,
            ))
        })
        .await?;
    Ok((
        created_status(created),
        Json(points::checkout(&state, charge)?),
    ))
}

/// After the checkout: the server looks the payment up with the provider
/// and adds the points (once).
#[utoipa::path(
    post, path = "/points/charges/{id}/confirm", tag = "points", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = PointCharge),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 502, body = ErrorBody),
    )
)]
async fn confirm_charge(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<PointCharge>> {
    Ok(Json(
        points::settle_charge(&state, &id, Some(&member.user_id)).await?,
    ))
}

/// Give a paid charge back (its points must still be in the wallet).
#[utoipa::path(
    post, path = "/points/charges/{id}/refund", tag = "points", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = PointCharge),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    )
)]
async fn refund_charge(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<PointCharge>> {
    let charge = state
        .write_quiet(async |tx| points::refund_charge(tx, &member, &id, now_ms()).await)
        .await?;
    state.jobs_kick.notify_one();
    Ok(Json(charge))
}

/// Grant bonus points with a reason (admins; in the audit log).
#[utoipa::path(
    post, path = "/admin/points/grants", tag = "points", security(("bearer" = [])),
    request_body = GrantPointsRequest,
    responses(
        (status = 201, body = PointEntry),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn grant_points(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<GrantPointsRequest>,
) -> Result<(StatusCode, Json<PointEntry>)> {
    member.ensure_role(moa_protocol::Role::Admin)?;
    let entry = state
        .write(async |tx| Ok(quiet(points::grant(tx, &member, &req, now_ms()).await?)))
        .await?;
    Ok((StatusCode::CREATED, Json(entry)))
}
