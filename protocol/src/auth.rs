//! Sign-up, sign-in, token refresh and password change.

use serde::{Deserialize, Serialize};

use crate::users::Me;

/// `POST /v1/auth/signup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignupRequest {
    /// Email address, unique (case-insensitive).
    pub email: String,
    /// 8 to 128 characters.
    pub password: String,
    /// 3 to 30 of `a-z`, `0-9`, `_`; unique; stored lowercase.
    pub handle: String,
    /// The name shown to others, 1 to 40 characters (Korean welcome).
    pub display_name: String,
    /// The community to join (see `GET /v1/communities`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community_id: Option<String>,
}

/// `POST /v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// `POST /v1/auth/refresh`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A fresh token pair, answered by sign-up, sign-in and refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthResponse {
    /// Bearer token for `Authorization: Bearer ...`; short-lived.
    pub access_token: String,
    /// When the access token expires (Unix ms).
    pub access_expires_at: i64,
    /// One-time token to get the next pair; spending it twice revokes the session.
    pub refresh_token: String,
    /// When the refresh token expires (Unix ms).
    pub refresh_expires_at: i64,
    pub user: Me,
}

/// `POST /v1/me/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// `DELETE /v1/me`: the password confirms the deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeleteAccountRequest {
    pub password: String,
}

/// `POST /v1/auth/password-reset`: mail a single-use code to this address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    pub email: String,
}

/// The answer to a reset request: the same whether or not the address has
/// an account (so it tells nobody which addresses are members).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetSent {
    /// How long a code stays valid, in seconds (1800).
    pub valid_for_secs: i64,
    /// How long before another code can be asked for, in seconds (60).
    pub resend_after_secs: i64,
}

/// `POST /v1/auth/password-reset/confirm`: the mailed code sets a new
/// password, ends every session and signs this device in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetConfirm {
    pub email: String,
    /// The 6 digits from the mail.
    pub code: String,
    /// 8 to 128 characters.
    pub new_password: String,
}

/// `GET /v1/auth/methods`: the ways in this server offers, so a sign-in
/// screen shows only what works.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthMethods {
    /// Email and password sign-in (always).
    pub password: bool,
    /// "Forgot your password?": codes can be mailed.
    pub password_reset: bool,
    /// Mobile numbers can be verified by a texted code; where they can,
    /// ordering and quoting need a verified number.
    #[serde(default)]
    pub phone_verification: bool,
}
