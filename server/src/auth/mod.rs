//! `/v1/auth`: sign-up, sign-in, token refresh and sign-out endpoints. Thin:
//! rate limiting and parsing here, the rules in [`service`].

pub mod reset;
pub mod service;
pub mod social;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use moa_protocol::{
    AuthMethods, AuthResponse, ErrorBody, LoginRequest, PasswordResetConfirm, PasswordResetRequest,
    PasswordResetSent, RefreshRequest, SignupRequest,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::extract::{ApiJson, ClientIp};
use crate::ratelimit::{RateLimiter, retry_after_secs};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(methods))
        .routes(routes!(password_reset))
        .routes(routes!(password_reset_confirm))
        .merge(social::router())
}

/// Counts one event for `key` on `limiter`: 429 with `Retry-After` when
/// over the limit.
pub(crate) fn limit(limiter: &RateLimiter, key: &str) -> Result<()> {
    limiter.check(key).map_err(|wait| Error::RateLimited {
        retry_after_secs: retry_after_secs(wait),
    })
}

/// Create an account and sign in.
#[utoipa::path(
    post, path = "/auth/signup", tag = "auth",
    request_body = SignupRequest,
    responses(
        (status = 201, description = "Account created, signed in", body = AuthResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "`email_taken` or `handle_taken`", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "A field is missing or invalid", body = ErrorBody),
        (status = 429, description = "Too many attempts (see `Retry-After`)", body = ErrorBody),
    )
)]
async fn signup(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<SignupRequest>,
) -> Result<(StatusCode, Json<AuthResponse>)> {
    limit(&state.signup_per_ip, &ip.key())?;
    let input = service::validate_signup(req)?;
    limit(&state.login_per_account, &format!("signup:{}", input.email))?;
    let response = service::signup(&state, input).await?;
    tracing::info!(user_id = %response.user.id, "member signed up");
    Ok((StatusCode::CREATED, Json(response)))
}

/// Sign in with email and password.
#[utoipa::path(
    post, path = "/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "`invalid_credentials`", body = ErrorBody),
        (status = 422, description = "A field is missing or invalid", body = ErrorBody),
        (status = 429, description = "Too many attempts (see `Retry-After`)", body = ErrorBody),
    )
)]
async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<AuthResponse>> {
    limit(&state.login_per_ip, &ip.key())?;
    limit(
        &state.login_per_account,
        &format!("login:{}", req.email.trim().to_lowercase()),
    )?;
    Ok(Json(service::login(&state, req).await?))
}

/// Exchange a refresh token for a new pair; the presented token is spent.
/// Presenting a spent token again revokes its whole session.
#[utoipa::path(
    post, path = "/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = AuthResponse),
        (status = 401, description = "`invalid_refresh_token` or `refresh_token_reused`", body = ErrorBody),
        (status = 422, description = "A field is missing or invalid", body = ErrorBody),
    )
)]
async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<AuthResponse>> {
    Ok(Json(service::refresh(&state, &req.refresh_token).await?))
}

/// Sign out this session; its access and refresh tokens stop working.
#[utoipa::path(
    post, path = "/auth/logout", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
    )
)]
async fn logout(State(state): State<AppState>, member: Actor) -> Result<StatusCode> {
    service::logout(&state, &member).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The ways in this server offers (a sign-in screen shows only these).
#[utoipa::path(
    get, path = "/auth/methods", tag = "auth",
    responses((status = 200, description = "What is on", body = AuthMethods))
)]
async fn methods(State(state): State<AppState>) -> Json<AuthMethods> {
    Json(AuthMethods {
        password: true,
        password_reset: state.mail.is_some(),
        phone_verification: crate::users::phone::offered(&state),
        providers: state.social.offered(),
    })
}

/// Mail a single-use code that sets a new password. Answers the same
/// whether or not the address has an account; a second request within a
/// minute mails nothing new.
#[utoipa::path(
    post, path = "/auth/password-reset", tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "A code is on its way if the address is a member's", body = PasswordResetSent),
        (status = 404, description = "`not_offered`: the server has no mail settings", body = ErrorBody),
        (status = 422, description = "Not an email address", body = ErrorBody),
        (status = 429, description = "Too many requests (see `Retry-After`)", body = ErrorBody),
    )
)]
async fn password_reset(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<PasswordResetRequest>,
) -> Result<(StatusCode, Json<PasswordResetSent>)> {
    limit(&state.login_per_ip, &format!("reset:{}", ip.key()))?;
    limit(
        &state.login_per_account,
        &format!("reset:{}", req.email.trim().to_lowercase()),
    )?;
    let sent = reset::request(&state, &req.email).await?;
    Ok((StatusCode::ACCEPTED, Json(sent)))
}

/// Set a new password with the mailed code: every session ends and this
/// device is signed in. Five wrong codes end the code.
#[utoipa::path(
    post, path = "/auth/password-reset/confirm", tag = "auth",
    request_body = PasswordResetConfirm,
    responses(
        (status = 200, description = "New password set, signed in", body = AuthResponse),
        (status = 404, description = "`not_offered`: the server has no mail settings", body = ErrorBody),
        (status = 422, description = "`invalid_code` (wrong, used or expired), or a field is invalid", body = ErrorBody),
        (status = 429, description = "Too many attempts (see `Retry-After`)", body = ErrorBody),
    )
)]
async fn password_reset_confirm(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<PasswordResetConfirm>,
) -> Result<Json<AuthResponse>> {
    limit(&state.login_per_ip, &format!("reset:{}", ip.key()))?;
    limit(
        &state.login_per_account,
        &format!("reset-confirm:{}", req.email.trim().to_lowercase()),
    )?;
    Ok(Json(reset::confirm(&state, req).await?))
}
