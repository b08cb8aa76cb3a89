//! Local fakes of FCM and APNs for the tests, speaking their protocols and
//! checking what the real services check: FCM's OAuth exchange takes only
//! an RS256 assertion signed by the service account's key (issuer, scope,
//! audience, expiry) and its `messages:send` only a token it issued; APNs
//! takes only HTTP/2 requests with an ES256 provider token signed by the
//! `.p8` key (key id, team, age under an hour), the app's topic and a push
//! type. Tokens marked dead answer as the services do for uninstalled apps
//! (404 `UNREGISTERED`, 410 `Unregistered`). Every accepted push and every
//! refusal is recorded.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::apns::ApnsSettings;
use super::fcm::{FcmSettings, SCOPE};
use super::jwt::{Es256, Rs256, verify};

/// One push a fake accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    /// `android` (FCM) or `ios` (APNs).
    pub platform: &'static str,
    pub token: String,
    pub title: String,
    pub body: String,
    /// FCM's `android.collapse_key` or APNs' `apns-collapse-id`.
    pub collapse: Option<String>,
    pub data: Value,
}

#[derive(Default)]
struct Inner {
    delivered: Vec<Delivered>,
    refused: Vec<String>,
    issued: HashSet<String>,
    exchanges: u32,
    dead: HashSet<String>,
    fail_next: u32,
}

#[derive(Clone)]
struct Fake {
    fcm_key: Arc<Vec<u8>>,
    apns_key: Arc<Vec<u8>>,
    client_email: String,
    token_uri: String,
    project_id: String,
    team_id: String,
    key_id: String,
    topic: String,
    inner: Arc<Mutex<Inner>>,
}

impl Fake {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn refuse(&self, status: StatusCode, why: &str, body: Value) -> Response {
        self.lock().refused.push(why.to_owned());
        (status, axum::Json(body)).into_response()
    }
}

fn now_secs() -> i64 {
    crate::util::now_ms() / 1000
}

async fn token(State(fake): State<Fake>, body: String) -> Response {
    let form: Vec<(&str, &str)> = body
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    let field = |name: &str| form.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    if field("grant_type") != Some("urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer") {
        return fake.refuse(
            StatusCode::BAD_REQUEST,
            "grant_type",
            json!({"error": "unsupported_grant_type"}),
        );
    }
    let Some(assertion) = field("assertion") else {
        return fake.refuse(
            StatusCode::BAD_REQUEST,
            "assertion",
            json!({"error": "invalid_request"}),
        );
    };
    let claims = match verify(assertion, "RS256", &fake.fcm_key) {
        Ok((_, claims)) => claims,
        Err(e) => {
            return fake.refuse(
                StatusCode::BAD_REQUEST,
                &format!("assertion: {e}"),
                json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}),
            );
        }
    };
    let now = now_secs();
    let ok = claims["iss"] == fake.client_email.as_str()
        && claims["scope"] == SCOPE
        && claims["aud"] == fake.token_uri.as_str()
        && claims["iat"].as_i64().is_some_and(|iat| iat <= now + 60)
        && claims["exp"]
            .as_i64()
            .is_some_and(|exp| exp > now && exp <= now + 3600 + 60);
    if !ok {
        return fake.refuse(
            StatusCode::BAD_REQUEST,
            &format!("claims: {claims}"),
            json!({"error": "invalid_grant"}),
        );
    }
    let mut inner = fake.lock();
    inner.exchanges += 1;
    let access = format!("ya29.fake-{}", inner.exchanges);
    inner.issued.insert(access.clone());
    axum::Json(json!({"access_token": access, "expires_in": 3599, "token_type": "Bearer"}))
        .into_response()
}

async fn fcm_send(
    State(fake): State<Fake>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    if !fake.lock().issued.contains(&bearer) {
        return fake.refuse(
            StatusCode::UNAUTHORIZED,
            "fcm: access token",
            json!({"error": {"code": 401, "status": "UNAUTHENTICATED"}}),
        );
    }
    // The path is /v1/projects/{project}/messages:send.
    if project != format!("{}/messages:send", fake.project_id) {
        return fake.refuse(
            StatusCode::NOT_FOUND,
            "fcm: project",
            json!({"error": {"code": 404, "status": "NOT_FOUND"}}),
        );
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return fake.refuse(
            StatusCode::BAD_REQUEST,
            "fcm: body",
            json!({"error": {"code": 400}}),
        );
    };
    let m = &body["message"];
    let token = m["token"].as_str().unwrap_or_default().to_owned();
    let data_ok = m["data"]
        .as_object()
        .is_none_or(|d| d.values().all(Value::is_string));
    if token.is_empty() || !data_ok || m["notification"]["title"].as_str().is_none() {
        return fake.refuse(
            StatusCode::BAD_REQUEST,
            "fcm: message",
            json!({"error": {"code": 400, "status": "INVALID_ARGUMENT"}}),
        );
    }
    let mut inner = fake.lock();
    if inner.fail_next > 0 {
        inner.fail_next -= 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response();
    }
    if inner.dead.contains(&token) {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": {"code": 404, "status": "NOT_FOUND",
                "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}})),
        )
            .into_response();
    }
    inner.delivered.push(Delivered {
        platform: "android",
        token,
        title: m["notification"]["title"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body: m["notification"]["body"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        collapse: m["android"]["collapse_key"].as_str().map(str::to_owned),
        data: m["data"].clone(),
    });
    axum::Json(
        json!({"name": format!("projects/{}/messages/{}", fake.project_id, inner.delivered.len())}),
    )
    .into_response()
}

async fn apns_send(
    State(fake): State<Fake>,
    Path(device): Path<String>,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reason = |status: StatusCode, why: &str| {
        fake.refuse(status, &format!("apns: {why}"), json!({"reason": why}))
    };
    if version != Version::HTTP_2 {
        return reason(StatusCode::BAD_REQUEST, "HTTP2Required");
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let Some(jwt) = header("authorization").strip_prefix("bearer ") else {
        return reason(StatusCode::FORBIDDEN, "MissingProviderToken");
    };
    let now = now_secs();
    match verify(jwt, "ES256", &fake.apns_key) {
        Ok((h, c)) => {
            if h["kid"] != fake.key_id.as_str() || c["iss"] != fake.team_id.as_str() {
                return reason(StatusCode::FORBIDDEN, "InvalidProviderToken");
            }
            if !c["iat"]
                .as_i64()
                .is_some_and(|iat| iat <= now + 60 && now - iat < 3600)
            {
                return reason(StatusCode::FORBIDDEN, "ExpiredProviderToken");
            }
        }
        Err(_) => return reason(StatusCode::FORBIDDEN, "InvalidProviderToken"),
    }
    if header("apns-topic") != fake.topic {
        return reason(StatusCode::BAD_REQUEST, "TopicDisallowed");
    }
    if header("apns-push-type").is_empty() {
        return reason(StatusCode::BAD_REQUEST, "InvalidPushType");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return reason(StatusCode::BAD_REQUEST, "PayloadEmpty");
    };
    let mut inner = fake.lock();
    if inner.fail_next > 0 {
        inner.fail_next -= 1;
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"reason": "ServiceUnavailable"})),
        )
            .into_response();
    }
    if inner.dead.contains(&device) {
        return (
            StatusCode::GONE,
            axum::Json(json!({"reason": "Unregistered", "timestamp": now * 1000})),
        )
            .into_response();
    }
    let alert = &body["aps"]["alert"];
    let mut data = body.clone();
    if let Some(d) = data.as_object_mut() {
        d.remove("aps");
    }
    inner.delivered.push(Delivered {
        platform: "ios",
        token: device,
        title: alert["title"].as_str().unwrap_or_default().to_owned(),
        body: alert["body"].as_str().unwrap_or_default().to_owned(),
        collapse: headers
            .get("apns-collapse-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        data,
    });
    StatusCode::OK.into_response()
}

/// The running fakes (both on one address).
pub struct FakePush {
    url: String,
    fake: Fake,
    fcm_pem: String,
    apns_pem: String,
}

impl FakePush {
    /// Starts the fakes on `bind`, trusting the public halves of
    /// `fcm_key_pem` (RSA, PKCS#8) and `apns_key_pem` (P-256, PKCS#8).
    pub async fn start(
        fcm_key_pem: &str,
        apns_key_pem: &str,
        bind: &str,
    ) -> std::io::Result<FakePush> {
        let bad = |e: super::PushError| std::io::Error::other(e.to_string());
        let fcm_key = Rs256::from_pem(fcm_key_pem).map_err(bad)?.public_key();
        let apns_key = Es256::from_pem(apns_key_pem).map_err(bad)?.public_key();
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}");
        let fake = Fake {
            fcm_key: Arc::new(fcm_key),
            apns_key: Arc::new(apns_key),
            client_email: "moa-push@moa-test.iam.gserviceaccount.com".into(),
            token_uri: format!("{url}/token"),
            project_id: "moa-test".into(),
            team_id: "TEAM123456".into(),
            key_id: "KEY1234567".into(),
            topic: "app.moa.ios".into(),
            inner: Arc::default(),
        };
        let app = Router::new()
            .route("/token", post(token))
            .route("/v1/projects/{*rest}", post(fcm_send))
            .route("/3/device/{token}", post(apns_send))
            .with_state(fake.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakePush {
            url,
            fake,
            fcm_pem: fcm_key_pem.to_owned(),
            apns_pem: apns_key_pem.to_owned(),
        })
    }

    /// Settings that send to these fakes.
    pub fn settings(&self) -> super::PushSettings {
        super::PushSettings {
            fcm: Some(FcmSettings {
                project_id: self.fake.project_id.clone(),
                client_email: self.fake.client_email.clone(),
                private_key_pem: self.fcm_pem.clone(),
                token_uri: self.fake.token_uri.clone(),
                api_base: self.url.clone(),
            }),
            apns: Some(ApnsSettings {
                team_id: self.fake.team_id.clone(),
                key_id: self.fake.key_id.clone(),
                private_key_pem: self.apns_pem.clone(),
                topic: self.fake.topic.clone(),
                api_base: self.url.clone(),
            }),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Pushes accepted so far.
    pub fn delivered(&self) -> Vec<Delivered> {
        self.fake.lock().delivered.clone()
    }

    /// Why requests were refused.
    pub fn refused(&self) -> Vec<String> {
        self.fake.lock().refused.clone()
    }

    /// How many access tokens FCM's exchange issued.
    pub fn token_exchanges(&self) -> u32 {
        self.fake.lock().exchanges
    }

    /// From now on `token` is an uninstalled app's.
    pub fn kill_token(&self, token: &str) {
        self.fake.lock().dead.insert(token.to_owned());
    }

    /// The next `n` sends answer 503.
    pub fn fail_next(&self, n: u32) {
        self.fake.lock().fail_next = n;
    }
}
