//! `/v1/auth/social/*` and `/v1/me/identities`: thin handlers over
//! [`super::service`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use moa_protocol::{
    AuthResponse, ErrorBody, SignInMethods, SocialFinishRequest, SocialLinkRequest, SocialOutcome,
    SocialProvider, SocialSignupRequest, SocialStart, SocialStartRequest,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service;
use crate::actor::{Actor, Reader};
use crate::auth::limit;
use crate::error::{Error, Result};
use crate::extract::{ApiJson, ClientIp};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(social_start))
        .routes(routes!(social_finish))
        .routes(routes!(social_signup))
        .routes(routes!(social_link))
        .routes(routes!(list_identities))
        .routes(routes!(start_identity_link))
        .routes(routes!(unlink_identity))
}

fn provider(raw: &str) -> Result<SocialProvider> {
    match SocialProvider::parse(raw) {
        SocialProvider::Unknown(_) => Err(Error::NotFound(format!(
            "no sign-in provider called {raw:?} (kakao, naver, google)"
        ))),
        known => Ok(known),
    }
}

/// Start signing in with a provider: answers the URL to open in the
/// system browser.
#[utoipa::path(
    post, path = "/auth/social/{provider}/start", tag = "auth",
    params(("provider" = String, Path, description = "`kakao`, `naver` or `google`")),
    request_body = SocialStartRequest,
    responses(
        (status = 200, description = "Open `authorize_url`", body = SocialStart),
        (status = 404, description = "`not_offered` (no settings for it) or `not_found`", body = ErrorBody),
        (status = 422, description = "`redirect_uri` is not loopback or moa://", body = ErrorBody),
        (status = 429, description = "Too many attempts", body = ErrorBody),
        (status = 502, description = "`oauth_failed`: the provider is unreachable", body = ErrorBody),
    )
)]
async fn social_start(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(which): Path<String>,
    ApiJson(req): ApiJson<SocialStartRequest>,
) -> Result<Json<SocialStart>> {
    limit(&state.login_per_ip, &format!("social:{}", ip.key()))?;
    let which = provider(&which)?;
    Ok(Json(
        service::start(&state, &which, &req.redirect_uri, None).await?,
    ))
}

/// Finish a provider sign-in (or a link started from settings, which
/// needs the same member's bearer token) with the redirect's `code` and
/// `state`. The state works once.
#[utoipa::path(
    post, path = "/auth/social/finish", tag = "auth",
    request_body = SocialFinishRequest,
    responses(
        (status = 200, description = "Signed in, a sign-up or link to finish, or linked", body = SocialOutcome),
        (status = 400, description = "`invalid_oauth_state` (unknown, used or expired), or `oauth_failed` (the code was refused or the ID token did not verify)", body = ErrorBody),
        (status = 403, description = "`email_unverified`, or a link started by another member", body = ErrorBody),
        (status = 409, description = "`identity_taken`", body = ErrorBody),
        (status = 422, description = "A field is missing or invalid", body = ErrorBody),
        (status = 429, description = "Too many attempts", body = ErrorBody),
        (status = 502, description = "`oauth_failed`: the provider is unreachable", body = ErrorBody),
    )
)]
async fn social_finish(
    State(state): State<AppState>,
    ip: ClientIp,
    Reader(caller): Reader,
    ApiJson(req): ApiJson<SocialFinishRequest>,
) -> Result<Json<SocialOutcome>> {
    limit(&state.login_per_ip, &format!("social:{}", ip.key()))?;
    Ok(Json(
        service::finish(&state, &req.state, &req.code, caller.as_ref()).await?,
    ))
}

/// Create the account a sign-up ticket describes, with the chosen handle.
#[utoipa::path(
    post, path = "/auth/social/signup", tag = "auth",
    request_body = SocialSignupRequest,
    responses(
        (status = 201, description = "Account created, signed in", body = AuthResponse),
        (status = 409, description = "`handle_taken`, `email_taken` or `identity_taken`", body = ErrorBody),
        (status = 422, description = "`invalid_ticket`, or a field is invalid", body = ErrorBody),
        (status = 429, description = "Too many attempts", body = ErrorBody),
    )
)]
async fn social_signup(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<SocialSignupRequest>,
) -> Result<(StatusCode, Json<AuthResponse>)> {
    limit(&state.signup_per_ip, &ip.key())?;
    Ok((
        StatusCode::CREATED,
        Json(service::signup(&state, req).await?),
    ))
}

/// Link the provider to the existing account with its password, and sign in.
#[utoipa::path(
    post, path = "/auth/social/link", tag = "auth",
    request_body = SocialLinkRequest,
    responses(
        (status = 200, description = "Linked, signed in", body = AuthResponse),
        (status = 401, description = "`invalid_credentials`", body = ErrorBody),
        (status = 409, description = "`identity_taken`", body = ErrorBody),
        (status = 422, description = "`invalid_ticket`", body = ErrorBody),
        (status = 429, description = "Too many attempts", body = ErrorBody),
    )
)]
async fn social_link(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<SocialLinkRequest>,
) -> Result<Json<AuthResponse>> {
    limit(&state.login_per_ip, &format!("link:{}", ip.key()))?;
    Ok(Json(service::link(&state, req).await?))
}

/// The member's ways in: password and linked providers.
#[utoipa::path(
    get, path = "/me/identities", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = SignInMethods),
        (status = 401, body = ErrorBody),
    )
)]
async fn list_identities(
    State(state): State<AppState>,
    member: Actor,
) -> Result<Json<SignInMethods>> {
    Ok(Json(service::methods(&state, &member.user_id).await?))
}

/// Start linking a provider to the signed-in member; finish with
/// `POST /v1/auth/social/finish` and the same bearer token.
#[utoipa::path(
    post, path = "/me/identities/{provider}/start", tag = "auth", security(("bearer" = [])),
    params(("provider" = String, Path, description = "`kakao`, `naver` or `google`")),
    request_body = SocialStartRequest,
    responses(
        (status = 200, body = SocialStart),
        (status = 401, body = ErrorBody),
        (status = 404, description = "`not_offered` or `not_found`", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn start_identity_link(
    State(state): State<AppState>,
    member: Actor,
    Path(which): Path<String>,
    ApiJson(req): ApiJson<SocialStartRequest>,
) -> Result<Json<SocialStart>> {
    let which = provider(&which)?;
    Ok(Json(
        service::start(&state, &which, &req.redirect_uri, Some(&member)).await?,
    ))
}

/// Unlink a provider; never the last way in.
#[utoipa::path(
    delete, path = "/me/identities/{provider}", tag = "auth", security(("bearer" = [])),
    params(("provider" = String, Path, description = "`kakao`, `naver` or `google`")),
    responses(
        (status = 200, description = "What is left", body = SignInMethods),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Not linked", body = ErrorBody),
        (status = 409, description = "`last_sign_in_method`", body = ErrorBody),
    )
)]
async fn unlink_identity(
    State(state): State<AppState>,
    member: Actor,
    Path(which): Path<String>,
) -> Result<Json<SignInMethods>> {
    let which = provider(&which)?;
    Ok(Json(service::unlink(&state, &member, &which).await?))
}
