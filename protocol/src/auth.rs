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
