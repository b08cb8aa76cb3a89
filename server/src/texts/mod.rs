//! `/v1/admin/texts`: texts to selected members (admins): preview, send,
//! the sends with their progress, and each recipient's result. The rules
//! live in [`service`]; delivery is the `text_send` job.

pub mod service;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moa_protocol::{ErrorBody, Page, TextPreview, TextRecipient, TextRequest, TextSend};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::Actor;
use crate::error::Result;
use crate::extract::{ApiJson, ApiQuery};
use crate::shop::PageQuery;
use crate::state::AppState;
use crate::util::{created_status, now_ms};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(preview))
        .routes(routes!(send, list))
        .routes(routes!(recipients))
}

/// What a send would be: recipients (and who is left out: no number, no
/// consent), SMS or LMS, the text as sent, its bytes and cost (admins).
#[utoipa::path(
    post, path = "/admin/texts/preview", tag = "admin-shop", security(("bearer" = [])),
    request_body = TextRequest,
    responses(
        (status = 200, body = TextPreview),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn preview(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<TextRequest>,
) -> Result<Json<TextPreview>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(service::preview(&mut conn, &member, &req).await?))
}

/// Send a text to the audience (admins): recorded at once with every
/// recipient, delivered by a job. The same `id` again answers the first
/// send (200).
#[utoipa::path(
    post, path = "/admin/texts", operation_id = "send_text", tag = "admin-shop", security(("bearer" = [])),
    request_body = TextRequest,
    responses(
        (status = 201, body = TextSend),
        (status = 200, description = "This send id was sent before", body = TextSend),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 502, description = "Texts are not configured", body = ErrorBody),
    )
)]
async fn send(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<TextRequest>,
) -> Result<(StatusCode, Json<TextSend>)> {
    if state.sms.is_none() {
        return Err(service::not_configured());
    }
    let (sent, created) = state
        .write_quiet(async |tx| service::send(tx, &member, &req, now_ms()).await)
        .await?;
    state.jobs_kick.notify_one();
    Ok((created_status(created), Json(sent)))
}

/// The sends, newest first, with their progress (admins).
#[utoipa::path(
    get, path = "/admin/texts", operation_id = "list_texts", tag = "admin-shop", security(("bearer" = [])), params(PageQuery),
    responses(
        (status = 200, body = Page<TextSend>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    member: Actor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<TextSend>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::list(&mut conn, &member, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// A send's recipients (numbers masked) and how each went (admins).
#[utoipa::path(
    get, path = "/admin/texts/{id}/recipients", tag = "admin-shop", security(("bearer" = [])),
    params(("id" = String, Path), PageQuery),
    responses(
        (status = 200, body = Page<TextRecipient>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn recipients(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<TextRecipient>>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(Json(
        service::recipients(&mut conn, &member, &id, q.cursor.as_deref(), q.limit).await?,
    ))
}
