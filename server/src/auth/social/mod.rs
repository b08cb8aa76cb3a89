//! Sign-in with Kakao and Google (OpenID Connect, [`oidc`]) and Naver
//! (OAuth 2 and its profile API, [`naver`]).
//!
//! The flow, for the desktop app's loopback redirect (RFC 8252) and the
//! mobile apps' `moa://oauth/callback` alike:
//! 1. `start` stores a fresh `state`, `nonce` and PKCE verifier (10
//!    minutes, `state` kept only as a hash) and answers the provider's
//!    authorization URL; the app opens it in the system browser.
//! 2. The provider sends the browser back to the app's redirect address
//!    with `code` and `state`; the app hands both to `finish`, which spends
//!    the state (a replay finds nothing), exchanges the code with the
//!    verifier and the client secret, and checks the answer (ID token, or
//!    Naver's profile).
//! 3. A provider account already linked signs in. Otherwise a verified
//!    email of an existing account asks for that account's password
//!    (`link`), and a new email gets a sign-up ticket (`signup`, with a
//!    handle proposed and editable). From settings, `start` on
//!    `/me/identities` links the provider to the signed-in member.
//!
//! A member can unlink a provider unless it is the last way in (no
//! password and no other provider).

pub mod naver;
pub mod oidc;
mod routes;
pub mod service;

pub use routes::router;

use moa_protocol::SocialProvider;

/// Who a provider says signed in.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The provider's stable id of the account (`sub`, Naver's `id`).
    pub subject: String,
    pub email: Option<String>,
    /// The provider vouches for `email`.
    pub email_verified: bool,
    pub name: Option<String>,
}

/// Errors talking to a provider.
#[derive(Debug, thiserror::Error)]
pub enum SocialError {
    /// The provider could not be reached, or failed (5xx).
    #[error("the provider could not be reached: {0}")]
    Unreachable(String),
    /// The provider answered something Moa cannot read.
    #[error("the provider's answer is malformed: {0}")]
    Provider(String),
    /// The provider refused (a used, expired or made-up code).
    #[error("{0}")]
    Refused(String),
    /// The provider's answer does not verify (ID token checks).
    #[error("{0}")]
    Invalid(String),
}

impl SocialError {
    /// A request to the provider that failed on the way (the URL, which
    /// may carry a code, stays out of the message).
    pub(crate) fn unreachable(e: reqwest::Error) -> SocialError {
        SocialError::Unreachable(e.without_url().to_string())
    }
}

impl From<SocialError> for crate::Error {
    fn from(e: SocialError) -> Self {
        use moa_protocol::ErrorCode;
        match e {
            SocialError::Unreachable(_) | SocialError::Provider(_) => {
                crate::Error::SignInProvider(e.to_string())
            }
            // 400 like OAuth's own `invalid_grant`: the caller's session
            // (if any) is fine, so a client must not refresh and retry.
            SocialError::Refused(message) | SocialError::Invalid(message) => {
                crate::Error::BadRequest {
                    code: ErrorCode::OauthFailed,
                    message,
                }
            }
        }
    }
}

/// The providers' settings; a provider without settings is not offered.
#[derive(Clone, Debug, Default)]
pub struct SocialSettings {
    pub kakao: Option<oidc::OidcSettings>,
    pub google: Option<oidc::OidcSettings>,
    pub naver: Option<naver::NaverSettings>,
}

/// One configured provider.
pub enum Provider {
    Oidc(oidc::Oidc),
    Naver(naver::NaverSettings),
}

/// The configured providers and the HTTP client that reaches them.
pub struct Social {
    http: reqwest::Client,
    kakao: Option<Provider>,
    google: Option<Provider>,
    naver: Option<Provider>,
}

impl Social {
    pub fn new(settings: &SocialSettings) -> Social {
        crate::media::store::install_tls_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Social {
            http,
            kakao: settings
                .kakao
                .clone()
                .map(|s| Provider::Oidc(oidc::Oidc::new(s))),
            google: settings
                .google
                .clone()
                .map(|s| Provider::Oidc(oidc::Oidc::new(s))),
            naver: settings.naver.clone().map(Provider::Naver),
        }
    }

    /// The provider's adapter, if it is configured.
    pub fn provider(&self, which: &SocialProvider) -> Option<&Provider> {
        match which {
            SocialProvider::Kakao => self.kakao.as_ref(),
            SocialProvider::Naver => self.naver.as_ref(),
            SocialProvider::Google => self.google.as_ref(),
            SocialProvider::Unknown(_) => None,
        }
    }

    /// The configured providers, in the order a sign-in screen shows them.
    pub fn offered(&self) -> Vec<SocialProvider> {
        [
            SocialProvider::Kakao,
            SocialProvider::Naver,
            SocialProvider::Google,
        ]
        .into_iter()
        .filter(|p| self.provider(p).is_some())
        .collect()
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

/// `application/x-www-form-urlencoded` of `pairs` (token requests).
pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Provider names for people.
pub fn label(provider: &SocialProvider) -> &str {
    match provider {
        SocialProvider::Kakao => "Kakao",
        SocialProvider::Naver => "Naver",
        SocialProvider::Google => "Google",
        SocialProvider::Unknown(s) => s,
    }
}
