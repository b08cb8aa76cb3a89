//! Members own their data (PIPA): "download my data" ([`export`]) and what
//! deleting an account erases, and when ([`erase`]).
//!
//! - `POST /v1/me/exports` asks for a copy (a job builds a zip);
//!   `GET /v1/me/exports` and `GET /v1/me/exports/{id}` tell its progress;
//!   `GET /v1/me/exports/{id}/file` downloads it (byte ranges, so a cut
//!   download resumes).
//! - `GET /v1/me/deletion` tells what deleting the account keeps and for
//!   how long, before the member confirms `DELETE /v1/me`.

pub mod erase;
pub mod export;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use moa_protocol::{DataExport, DeletionPolicy, ErrorBody, ErrorCode, ExportState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::util::now_ms;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_export, list_exports))
        .routes(routes!(get_export))
        .routes(routes!(download_export))
        .routes(routes!(deletion_policy))
}

fn no_export() -> Error {
    Error::NotFound("no such export".into())
}

/// Ask for a copy of your data: profile, reviews, comments, likes, scraps,
/// follows, your chat messages with their rooms, orders, points and
/// requests as JSON, and your photos, in one zip built in the background.
/// An export still being built is answered as it is; at most 3 a day.
#[utoipa::path(
    post, path = "/me/exports", tag = "account", security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued (or the one being built)", body = DataExport),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 429, description = "3 exports in the last 24 hours", body = ErrorBody),
    )
)]
async fn request_export(
    State(state): State<AppState>,
    member: Actor,
) -> Result<(StatusCode, Json<DataExport>)> {
    let now = now_ms();
    let row = state
        .write_quiet(async |tx| export::request(tx, &member.user_id, now).await)
        .await?;
    state.jobs_kick.notify_one();
    Ok((StatusCode::ACCEPTED, Json(row.to_wire(now))))
}

/// Your exports, newest first (the last ten), with their progress.
#[utoipa::path(
    get, path = "/me/exports", tag = "account", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<DataExport>),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
    )
)]
async fn list_exports(
    State(state): State<AppState>,
    member: Actor,
) -> Result<Json<Vec<DataExport>>> {
    let mut conn = state.db.read().acquire().await?;
    let now = now_ms();
    let rows = export::list(&mut conn, &member.user_id).await?;
    Ok(Json(rows.iter().map(|r| r.to_wire(now)).collect()))
}

/// One of your exports: its state and progress (`done` of `total`).
#[utoipa::path(
    get, path = "/me/exports/{id}", tag = "account", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = DataExport),
        (status = 404, description = "No such export of yours", body = ErrorBody),
    )
)]
async fn get_export(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<DataExport>> {
    let mut conn = state.db.read().acquire().await?;
    let row = export::find(&mut conn, &member.user_id, &id)
        .await?
        .ok_or_else(no_export)?;
    Ok(Json(row.to_wire(now_ms())))
}

/// Download a ready export (`application/zip`). One `Range` is honoured
/// (206), so a cut download resumes where it stopped.
#[utoipa::path(
    get, path = "/me/exports/{id}/file", tag = "account", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The zip", content_type = "application/zip"),
        (status = 206, description = "The requested range"),
        (status = 404, description = "No such export of yours, or it expired", body = ErrorBody),
        (status = 409, description = "`invalid_state`: not ready yet (or failed)", body = ErrorBody),
        (status = 416, body = ErrorBody),
    )
)]
async fn download_export(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let row = {
        let mut conn = state.db.read().acquire().await?;
        export::find(&mut conn, &member.user_id, &id)
            .await?
            .ok_or_else(no_export)?
    };
    let wire = row.to_wire(now_ms());
    match wire.state {
        ExportState::Ready => {}
        ExportState::Expired => {
            return Err(Error::NotFound(
                "this export has expired; ask for a new one".into(),
            ));
        }
        _ => {
            return Err(Error::conflict(
                ErrorCode::InvalidState,
                format!("this export is {}, not ready", wire.state.as_str()),
            ));
        }
    }
    let mut out = HeaderMap::new();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    let name = format!(
        "attachment; filename=\"moa-data-{}.zip\"",
        moa_protocol::kst::date_of(row.created_at)
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        out.insert(header::CONTENT_DISPOSITION, v);
    }
    crate::media::send_object(
        &state,
        &export::object_key(&row.id),
        wire.bytes,
        &headers,
        out,
    )
    .await
}

/// What deleting your account keeps, and for how long (shown before you
/// confirm `DELETE /v1/me`).
#[utoipa::path(
    get, path = "/me/deletion", tag = "account", security(("bearer" = [])),
    responses(
        (status = 200, body = DeletionPolicy),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
    )
)]
async fn deletion_policy(State(state): State<AppState>, _member: Actor) -> Json<DeletionPolicy> {
    Json(policy(&state.settings))
}

/// The deletion policy of a server set up with `settings`.
pub fn policy(settings: &crate::Settings) -> DeletionPolicy {
    let days = settings.erase_after.as_secs().div_ceil(24 * 3600);
    DeletionPolicy {
        erase_after_days: u32::try_from(days).unwrap_or(u32::MAX),
        keep_records_years: erase::KEEP_RECORDS_YEARS,
    }
}
