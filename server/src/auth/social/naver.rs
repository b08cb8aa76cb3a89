//! Naver sign-in: OAuth 2 (authorization code, `state`, and PKCE sent as
//! well) and the profile API (`/v1/nid/me`), since Naver has no ID token.
//! Base URLs are settings so the tests run it against [`fake`].

use serde::Deserialize;

use super::{Identity, SocialError};

/// Naver's settings.
#[derive(Clone)]
pub struct NaverSettings {
    pub client_id: String,
    pub client_secret: String,
    /// `https://nid.naver.com` (authorize and token).
    pub auth_base: String,
    /// `https://openapi.naver.com` (the profile).
    pub api_base: String,
}

impl std::fmt::Debug for NaverSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NaverSettings")
            .field("client_id", &self.client_id)
            .field("auth_base", &self.auth_base)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ProfileAnswer {
    resultcode: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    response: Option<Profile>,
}

#[derive(Debug, Deserialize)]
struct Profile {
    id: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    nickname: Option<String>,
}

impl NaverSettings {
    pub fn authorize_url(&self) -> String {
        format!(
            "{}/oauth2.0/authorize",
            self.auth_base.trim_end_matches('/')
        )
    }

    /// Exchanges `code` for an access token and reads the profile.
    pub async fn exchange(
        &self,
        http: &reqwest::Client,
        code: &str,
        state: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<Identity, SocialError> {
        let url = format!("{}/oauth2.0/token", self.auth_base.trim_end_matches('/'));
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("code", code),
            ("state", state),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let answer = http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(super::form(&form))
            .send()
            .await
            .map_err(SocialError::unreachable)?;
        if answer.status().is_server_error() {
            return Err(SocialError::Unreachable(format!(
                "Naver's token endpoint answered {}",
                answer.status()
            )));
        }
        // Naver answers a refused code with 200 and an `error` field.
        let token: TokenAnswer = answer
            .json()
            .await
            .map_err(|e| SocialError::Provider(format!("Naver token answer: {e}")))?;
        let access = match (token.access_token, token.error) {
            (Some(access), None) => access,
            (_, error) => {
                return Err(SocialError::Refused(format!(
                    "Naver refused the code ({}: {})",
                    error.unwrap_or_default(),
                    token.error_description.unwrap_or_default()
                )));
            }
        };
        let url = format!("{}/v1/nid/me", self.api_base.trim_end_matches('/'));
        let answer = http
            .get(&url)
            .bearer_auth(&access)
            .send()
            .await
            .map_err(SocialError::unreachable)?;
        let status = answer.status();
        if status.is_server_error() {
            return Err(SocialError::Unreachable(format!(
                "Naver's profile API answered {status}"
            )));
        }
        let profile: ProfileAnswer = answer
            .json()
            .await
            .map_err(|e| SocialError::Provider(format!("Naver profile answer: {e}")))?;
        match (profile.resultcode.as_str(), profile.response) {
            ("00", Some(p)) => Ok(Identity {
                subject: p.id,
                // Naver gives the address the member confirmed for their
                // Naver account (and none when they did not consent).
                email_verified: p.email.is_some(),
                email: p.email,
                name: p.nickname.or(p.name),
            }),
            (code, _) => Err(SocialError::Refused(format!(
                "Naver's profile API refused the token ({code}: {})",
                profile.message
            ))),
        }
    }
}

/// A local stand-in for Naver's endpoints that checks what the adapter
/// sends (client id and secret, the redirect address, `state`, the PKCE
/// verifier, single-use codes, the bearer token) as Naver would. Tests
/// and `scripts/screenshots.sh` sign in through it.
pub mod fake {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use axum::body::Bytes;
    use axum::extract::{Query, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Redirect, Response};
    use axum::routing::get;
    use axum::{Json, Router};
    use base64::Engine;
    use serde::Deserialize;
    use serde_json::json;
    use sha2::Digest;

    /// A Naver account the fake knows.
    #[derive(Debug, Clone)]
    pub struct Account {
        pub id: String,
        pub email: Option<String>,
        pub nickname: String,
    }

    #[derive(Default)]
    struct Inner {
        accounts: HashMap<String, Account>,
        /// code → (account id, redirect_uri, state, code_challenge)
        codes: HashMap<String, (String, String, String, Option<String>)>,
        tokens: HashMap<String, String>,
    }

    /// The fake Naver, listening on a loopback port until dropped.
    #[derive(Clone)]
    pub struct FakeNaver {
        pub base: String,
        pub client_id: String,
        pub client_secret: String,
        inner: Arc<Mutex<Inner>>,
        _task: Arc<tokio::task::AbortHandle>,
    }

    #[derive(Clone)]
    struct Shared {
        client_id: String,
        client_secret: String,
        inner: Arc<Mutex<Inner>>,
    }

    impl FakeNaver {
        pub async fn start(bind: &str) -> std::io::Result<FakeNaver> {
            let listener = tokio::net::TcpListener::bind(bind).await?;
            let base = format!("http://{}", listener.local_addr()?);
            let inner = Arc::new(Mutex::new(Inner::default()));
            let shared = Shared {
                client_id: "naver-client".into(),
                client_secret: "naver-secret".into(),
                inner: inner.clone(),
            };
            let app = Router::new()
                .route("/oauth2.0/authorize", get(authorize).post(authorize_post))
                .route("/oauth2.0/token", get(token_get).post(token_post))
                .route("/v1/nid/me", get(me))
                .with_state(shared.clone());
            let task = tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            Ok(FakeNaver {
                base,
                client_id: shared.client_id,
                client_secret: shared.client_secret,
                inner,
                _task: Arc::new(task.abort_handle()),
            })
        }

        /// The settings that point the adapter at this fake.
        pub fn settings(&self) -> super::NaverSettings {
            super::NaverSettings {
                client_id: self.client_id.clone(),
                client_secret: self.client_secret.clone(),
                auth_base: self.base.clone(),
                api_base: self.base.clone(),
            }
        }

        pub fn add_account(&self, account: Account) {
            let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            inner.accounts.insert(account.id.clone(), account);
        }
    }

    impl Drop for FakeNaver {
        fn drop(&mut self) {
            if Arc::strong_count(&self._task) == 1 {
                self._task.abort();
            }
        }
    }

    #[derive(Debug, Deserialize)]
    struct AuthorizeQuery {
        response_type: String,
        client_id: String,
        redirect_uri: String,
        state: String,
        #[serde(default)]
        code_challenge: Option<String>,
        #[serde(default)]
        code_challenge_method: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    struct Consent {
        /// The Naver account that consents (the login form's choice).
        id: String,
        #[serde(default)]
        deny: Option<String>,
    }

    /// The login page: a form listing the accounts (a person clicks one).
    async fn authorize(State(s): State<Shared>, Query(q): Query<AuthorizeQuery>) -> Response {
        if q.client_id != s.client_id || q.response_type != "code" {
            return (StatusCode::BAD_REQUEST, "unknown client").into_response();
        }
        let accounts: Vec<Account> = {
            let inner = s.inner.lock().unwrap_or_else(|e| e.into_inner());
            inner.accounts.values().cloned().collect()
        };
        let buttons: String = accounts
            .iter()
            .map(|a| {
                format!(
                    "<button name=\"id\" value=\"{}\">{} ({})</button>",
                    a.id,
                    a.nickname,
                    a.email.as_deref().unwrap_or("-")
                )
            })
            .collect();
        let page = format!(
            "<!doctype html><meta charset=utf-8><title>NAVER (fake)</title>\
             <form method=post>{buttons}<button name=deny value=1 formnovalidate>취소</button>\
             <input type=hidden name=id value=''></form>"
        );
        axum::response::Html(page).into_response()
    }

    async fn authorize_post(
        State(s): State<Shared>,
        Query(q): Query<AuthorizeQuery>,
        body: Bytes,
    ) -> Response {
        let Some(consent) = parse_form::<Consent>(&body) else {
            return (StatusCode::BAD_REQUEST, "bad form").into_response();
        };
        if q.client_id != s.client_id || q.response_type != "code" {
            return (StatusCode::BAD_REQUEST, "unknown client").into_response();
        }
        let sep = if q.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        let enc = |v: &str| url_encode(v);
        if consent.deny.is_some() {
            return Redirect::to(&format!(
                "{}{sep}error=access_denied&error_description=Canceled+By+User&state={}",
                q.redirect_uri,
                enc(&q.state)
            ))
            .into_response();
        }
        if q.code_challenge.is_some() && q.code_challenge_method.as_deref() != Some("S256") {
            return (StatusCode::BAD_REQUEST, "only S256").into_response();
        }
        let mut inner = s.inner.lock().unwrap_or_else(|e| e.into_inner());
        if !inner.accounts.contains_key(&consent.id) {
            return (StatusCode::BAD_REQUEST, "no such account").into_response();
        }
        let code = crate::util::random_token(24);
        inner.codes.insert(
            code.clone(),
            (
                consent.id,
                q.redirect_uri.clone(),
                q.state.clone(),
                q.code_challenge,
            ),
        );
        Redirect::to(&format!(
            "{}{sep}code={}&state={}",
            q.redirect_uri,
            enc(&code),
            enc(&q.state)
        ))
        .into_response()
    }

    fn url_encode(v: &str) -> String {
        v.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    #[derive(Debug, Deserialize)]
    struct TokenRequest {
        grant_type: String,
        client_id: String,
        client_secret: String,
        code: String,
        state: String,
        #[serde(default)]
        redirect_uri: Option<String>,
        #[serde(default)]
        code_verifier: Option<String>,
    }

    async fn token_get(State(s): State<Shared>, Query(r): Query<TokenRequest>) -> Response {
        token(s, r)
    }

    async fn token_post(State(s): State<Shared>, body: Bytes) -> Response {
        match parse_form::<TokenRequest>(&body) {
            Some(r) => token(s, r),
            None => refuse("invalid_request", "malformed form"),
        }
    }

    fn parse_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
        let map: serde_json::Map<String, serde_json::Value> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
            .collect();
        serde_json::from_value(serde_json::Value::Object(map)).ok()
    }

    fn refuse(error: &str, description: &str) -> Response {
        // Naver answers errors with 200.
        Json(json!({"error": error, "error_description": description})).into_response()
    }

    fn token(s: Shared, r: TokenRequest) -> Response {
        if r.grant_type != "authorization_code" {
            return refuse("unsupported_grant_type", "grant_type");
        }
        if r.client_id != s.client_id || r.client_secret != s.client_secret {
            return refuse("invalid_client", "client id or secret");
        }
        let mut inner = s.inner.lock().unwrap_or_else(|e| e.into_inner());
        // A code works once, whatever happens next.
        let Some((account, redirect_uri, state, challenge)) = inner.codes.remove(&r.code) else {
            return refuse("invalid_request", "no such code (used or made up)");
        };
        if r.state != state {
            return refuse("invalid_request", "state");
        }
        if r.redirect_uri.as_deref().is_some_and(|u| u != redirect_uri) {
            return refuse("invalid_request", "redirect_uri");
        }
        if let Some(challenge) = challenge {
            let Some(verifier) = r.code_verifier else {
                return refuse("invalid_request", "code_verifier missing");
            };
            let hashed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(verifier.as_bytes()));
            if hashed != challenge {
                return refuse("invalid_grant", "code_verifier");
            }
        }
        let access = crate::util::random_token(24);
        inner.tokens.insert(access.clone(), account);
        Json(json!({
            "access_token": access, "refresh_token": crate::util::random_token(24),
            "token_type": "bearer", "expires_in": "3600",
        }))
        .into_response()
    }

    async fn me(State(s): State<Shared>, headers: HeaderMap) -> Response {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let inner = s.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Some(account) = inner
            .tokens
            .get(token)
            .and_then(|id| inner.accounts.get(id))
        else {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"resultcode": "024", "message": "Authentication failed"})),
            )
                .into_response();
        };
        let mut response = json!({"id": account.id, "nickname": account.nickname});
        if let Some(email) = &account.email {
            response["email"] = json!(email);
        }
        Json(json!({"resultcode": "00", "message": "success", "response": response}))
            .into_response()
    }
}
