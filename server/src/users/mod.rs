//! `/v1/me` and `/v1/users`: the signed-in member's account and public profiles.

pub mod phone;
pub mod service;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moa_protocol::{
    ChangePasswordRequest, DeleteAccountRequest, ErrorBody, Me, PhoneCodeSent,
    PhoneVerificationConfirm, PhoneVerificationRequest, Profile, UpdateProfileRequest,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::{Actor, Reader};
use crate::auth::limit;
use crate::auth::service as auth;
use crate::error::{Error, Result};
use crate::extract::{ApiJson, ClientIp};
use crate::state::AppState;
use crate::util::now_ms;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me, delete_me))
        .routes(routes!(change_password))
        .routes(routes!(verify_phone))
        .routes(routes!(confirm_phone))
        .routes(routes!(get_user))
        .routes(routes!(get_user_by_handle))
}

fn not_found() -> Error {
    Error::NotFound("no such member".into())
}

/// The signed-in member's account.
#[utoipa::path(
    get, path = "/me", tag = "account", security(("bearer" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
    )
)]
async fn get_me(State(state): State<AppState>, member: Actor) -> Result<Json<Me>> {
    let mut conn = state.db.read().acquire().await?;
    let user = service::find_by_id(&mut conn, &member.user_id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(user.to_me()))
}

/// Edit the profile: only the fields present change.
#[utoipa::path(
    patch, path = "/me", tag = "account", security(("bearer" = [])),
    request_body = UpdateProfileRequest,
    responses(
        (status = 200, description = "The updated account", body = Me),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 403, description = "`account_suspended`", body = ErrorBody),
        (status = 422, description = "A field is invalid", body = ErrorBody),
    )
)]
async fn update_me(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(edit): ApiJson<UpdateProfileRequest>,
) -> Result<Json<Me>> {
    member.ensure_can_write()?;
    let user = state
        .write_quiet(async |tx| service::update_profile(tx, &member.user_id, &edit, now_ms()).await)
        .await?;
    Ok(Json(user.to_me()))
}

/// Delete the account (soft: the member's content stays, shown as a deleted
/// user). Signs out every session.
#[utoipa::path(
    delete, path = "/me", tag = "account", security(("bearer" = [])),
    request_body = DeleteAccountRequest,
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 422, description = "Wrong password", body = ErrorBody),
    )
)]
async fn delete_me(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<DeleteAccountRequest>,
) -> Result<StatusCode> {
    auth::delete_account(&state, &member, req).await?;
    tracing::info!(user_id = %member.user_id, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Change the password; every other session is signed out.
#[utoipa::path(
    post, path = "/me/password", tag = "account", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 422, description = "Wrong current password or invalid new one", body = ErrorBody),
        (status = 429, description = "Too many attempts", body = ErrorBody),
    )
)]
async fn change_password(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode> {
    auth::change_password(&state, &member, req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Text a 6-digit code to a mobile number (valid 3 minutes). Another code
/// can be asked for after a minute; a number and a client address get a
/// few codes an hour.
#[utoipa::path(
    post, path = "/me/phone/verification", tag = "account", security(("bearer" = [])),
    request_body = PhoneVerificationRequest,
    responses(
        (status = 202, description = "The code is texted", body = PhoneCodeSent),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 403, description = "`account_suspended`", body = ErrorBody),
        (status = 404, description = "`not_offered`: the server sends no texts", body = ErrorBody),
        (status = 422, description = "Not a Korean mobile number", body = ErrorBody),
        (status = 429, description = "A code was sent less than a minute ago, or too many for this number or address (see `Retry-After`)", body = ErrorBody),
        (status = 502, description = "The text provider failed; nothing was sent", body = ErrorBody),
    )
)]
async fn verify_phone(
    State(state): State<AppState>,
    member: Actor,
    ip: ClientIp,
    ApiJson(req): ApiJson<PhoneVerificationRequest>,
) -> Result<(StatusCode, Json<PhoneCodeSent>)> {
    member.ensure_can_write()?;
    if !phone::offered(&state) {
        return Err(Error::NotOffered(
            "phone verification is not set up on this server (no text provider)".into(),
        ));
    }
    let number = crate::validate::phone(&req.phone)?;
    limit(&state.phone_per_ip, &ip.key())?;
    limit(&state.phone_per_number, &number)?;
    let sent = phone::request(&state, &member.user_id, &number).await?;
    Ok((StatusCode::ACCEPTED, Json(sent)))
}

/// Confirm the texted code: the number becomes the member's verified
/// number. Five wrong codes end the code.
#[utoipa::path(
    post, path = "/me/phone/verification/confirm", tag = "account", security(("bearer" = [])),
    request_body = PhoneVerificationConfirm,
    responses(
        (status = 200, description = "Verified: the updated account", body = Me),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 403, description = "`account_suspended`", body = ErrorBody),
        (status = 404, description = "`not_offered`: the server sends no texts", body = ErrorBody),
        (status = 422, description = "`invalid_code` (wrong, used or expired), or not 6 digits", body = ErrorBody),
        (status = 429, description = "Too many attempts (see `Retry-After`)", body = ErrorBody),
    )
)]
async fn confirm_phone(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<PhoneVerificationConfirm>,
) -> Result<Json<Me>> {
    member.ensure_can_write()?;
    limit(
        &state.login_per_account,
        &format!("phone-confirm:{}", member.user_id),
    )?;
    let user = phone::confirm(&state, &member.user_id, &req.code).await?;
    Ok(Json(user.to_me()))
}

/// A member's public profile by id.
#[utoipa::path(
    get, path = "/users/{id}", tag = "account",
    params(("id" = String, Path, description = "Member id (UUID)")),
    responses(
        (status = 200, body = Profile),
        (status = 404, body = ErrorBody),
    )
)]
async fn get_user(
    State(state): State<AppState>,
    viewer: Reader,
    Path(id): Path<String>,
) -> Result<Json<Profile>> {
    if !crate::util::is_uuid(&id) {
        return Err(not_found());
    }
    let mut conn = state.db.read().acquire().await?;
    let user = service::find_by_id(&mut conn, &id)
        .await?
        .ok_or_else(not_found)?;
    let followed = crate::social::service::follows(&mut conn, viewer.id(), &user.id).await?;
    Ok(Json(user.to_profile(followed)))
}

/// A member's public profile by handle.
#[utoipa::path(
    get, path = "/users/by-handle/{handle}", tag = "account",
    params(("handle" = String, Path, description = "Handle, case-insensitive")),
    responses(
        (status = 200, body = Profile),
        (status = 404, body = ErrorBody),
    )
)]
async fn get_user_by_handle(
    State(state): State<AppState>,
    viewer: Reader,
    Path(handle): Path<String>,
) -> Result<Json<Profile>> {
    let mut conn = state.db.read().acquire().await?;
    let user = service::find_by_handle(&mut conn, &handle.to_lowercase())
        .await?
        .ok_or_else(not_found)?;
    let followed = crate::social::service::follows(&mut conn, viewer.id(), &user.id).await?;
    Ok(Json(user.to_profile(followed)))
}
