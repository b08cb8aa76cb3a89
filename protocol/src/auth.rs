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
    /// The providers a member can sign in with (`kakao`, `naver`,
    /// `google`); only those the server has settings for.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub providers: Vec<SocialProvider>,
}

wire_enum! {
    /// A sign-in provider: Kakao and Google through OpenID Connect, Naver
    /// through OAuth 2 and its profile API.
    SocialProvider {
        Kakao = "kakao",
        Naver = "naver",
        Google = "google",
    }
}

/// `POST /v1/auth/social/{provider}/start` (sign in) and
/// `POST /v1/me/identities/{provider}/start` (link to the signed-in
/// member): where the provider should send the browser back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SocialStartRequest {
    /// A loopback address of the desktop app (`http://127.0.0.1:PORT/oauth/callback`,
    /// RFC 8252) or the mobile apps' `moa://oauth/callback`.
    pub redirect_uri: String,
}

/// Where to send the member: open `authorize_url` in the system browser;
/// the provider comes back to the redirect address with `code` and
/// `state`, which go to `.../finish`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SocialStart {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub provider: SocialProvider,
    pub authorize_url: String,
    /// Also in `authorize_url`; the redirect must bring it back unchanged.
    pub state: String,
    /// After this (Unix ms) the attempt is gone: start again.
    pub expires_at: i64,
}

/// `POST /v1/auth/social/finish`: what the provider's redirect brought
/// back (the whole redirect URL's `code` and `state`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SocialFinishRequest {
    pub state: String,
    pub code: String,
}

/// What a finished provider sign-in leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SocialOutcome {
    /// The provider account is a member's: signed in.
    SignedIn { auth: Box<AuthResponse> },
    /// New to Moa: choose a handle (`proposed_handle` is free now) and
    /// send it with the ticket to `POST /v1/auth/social/signup`.
    SignUp {
        ticket: String,
        email: String,
        display_name: String,
        proposed_handle: String,
        expires_at: i64,
    },
    /// The provider's email is an existing account's: its password links
    /// the provider (`POST /v1/auth/social/link`). An account without a
    /// password (`has_password` false) links from settings after signing
    /// in with one of `providers`.
    LinkRequired {
        ticket: String,
        email: String,
        has_password: bool,
        #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
        providers: Vec<SocialProvider>,
        expires_at: i64,
    },
    /// Started from settings: the provider is now linked to the member.
    Linked { methods: SignInMethods },
}

/// `POST /v1/auth/social/signup`: create the account the ticket describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SocialSignupRequest {
    pub ticket: String,
    /// 3 to 30 of `a-z`, `0-9`, `_`.
    pub handle: String,
    /// Defaults to the provider's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community_id: Option<String>,
}

/// `POST /v1/auth/social/link`: the existing account's password links the
/// provider the ticket names and signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SocialLinkRequest {
    pub ticket: String,
    pub password: String,
}

/// A provider linked to the member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedIdentity {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub provider: SocialProvider,
    /// The email the provider gave when it was linked.
    pub email: String,
    pub linked_at: i64,
}

/// `GET /v1/me/identities`: the member's ways in. The last one cannot be
/// removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInMethods {
    /// The account has a password (set one through password reset).
    pub password: bool,
    pub identities: Vec<LinkedIdentity>,
}
