//! Firebase Cloud Messaging, HTTP v1: a service account's RS256 assertion
//! is exchanged at its `token_uri` for an OAuth access token (cached until a
//! minute before it expires), which authorizes
//! `POST {api_base}/v1/projects/{project_id}/messages:send`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

use super::jwt::Rs256;
use super::{PushError, PushMessage};

/// The scope a send needs.
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

/// What the server needs of a service account, and where FCM is.
#[derive(Clone)]
pub struct FcmSettings {
    pub project_id: String,
    pub client_email: String,
    pub private_key_pem: String,
    pub token_uri: String,
    /// `https://fcm.googleapis.com`, or a fake's address.
    pub api_base: String,
}

impl std::fmt::Debug for FcmSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FcmSettings")
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .field("private_key_pem", &"<secret>")
            .field("token_uri", &self.token_uri)
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// The fields of a service account JSON file the adapter reads.
#[derive(Deserialize)]
struct ServiceAccount {
    project_id: String,
    client_email: String,
    private_key: String,
    #[serde(default = "default_token_uri")]
    token_uri: String,
}

fn default_token_uri() -> String {
    "https://oauth2.googleapis.com/token".into()
}

impl FcmSettings {
    /// From a service account's JSON key file.
    pub fn from_service_account(json: &str, api_base: &str) -> Result<Self, PushError> {
        let sa: ServiceAccount = serde_json::from_str(json)
            .map_err(|e| PushError::Config(format!("not a service account key file: {e}")))?;
        Ok(FcmSettings {
            project_id: sa.project_id,
            client_email: sa.client_email,
            private_key_pem: sa.private_key,
            token_uri: sa.token_uri,
            api_base: api_base.trim_end_matches('/').to_owned(),
        })
    }
}

/// The adapter.
pub struct Fcm {
    settings: FcmSettings,
    key: Rs256,
    http: reqwest::Client,
    /// The access token and when it expires (ms).
    token: Mutex<Option<(String, i64)>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: i64,
}

impl Fcm {
    pub fn new(settings: FcmSettings) -> Result<Fcm, PushError> {
        crate::media::store::install_tls_provider();
        let key = Rs256::from_pem(&settings.private_key_pem)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| PushError::Unavailable(e.to_string()))?;
        Ok(Fcm {
            settings,
            key,
            http,
            token: Mutex::new(None),
        })
    }

    /// A current access token: the cached one, or a new one for a signed
    /// assertion.
    async fn access_token(&self, now_ms: i64) -> Result<String, PushError> {
        let mut cached = self.token.lock().await;
        if let Some((token, expires_at)) = cached.as_ref()
            && *expires_at > now_ms + 60_000
        {
            return Ok(token.clone());
        }
        let now = now_ms / 1000;
        let assertion = self.key.sign(
            &json!({"alg": "RS256", "typ": "JWT"}),
            &json!({
                "iss": self.settings.client_email,
                "scope": SCOPE,
                "aud": self.settings.token_uri,
                "iat": now,
                "exp": now + 3600,
            }),
        )?;
        let body = format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
        );
        let resp = self
            .http
            .post(&self.settings.token_uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| PushError::Unavailable(format!("FCM token exchange: {e}")))?;
        let status = resp.status();
        if !status.is_success() {
            let text = resp.text().await.unwrap_or_default();
            return Err(if status.is_server_error() || status.as_u16() == 429 {
                PushError::Unavailable(format!("FCM token exchange answered {status}: {text}"))
            } else {
                PushError::Refused(format!("FCM token exchange answered {status}: {text}"))
            });
        }
        let answer: TokenAnswer = resp
            .json()
            .await
            .map_err(|e| PushError::Unavailable(format!("FCM token answer: {e}")))?;
        let expires_at = now_ms + answer.expires_in.clamp(60, 3600) * 1000;
        *cached = Some((answer.access_token.clone(), expires_at));
        Ok(answer.access_token)
    }

    /// Sends `message` to one registration token.
    pub async fn send(
        &self,
        token: &str,
        message: &PushMessage,
        now_ms: i64,
    ) -> Result<(), PushError> {
        let access = self.access_token(now_ms).await?;
        let mut android = json!({"priority": "high", "notification": {"channel_id": "moa"}});
        if let Some(collapse) = &message.collapse_key {
            android["collapse_key"] = json!(collapse);
            android["notification"]["tag"] = json!(collapse);
        }
        let body = json!({
            "message": {
                "token": token,
                "notification": {"title": message.title, "body": message.body},
                "data": message.data,
                "android": android,
            }
        });
        let url = format!(
            "{}/v1/projects/{}/messages:send",
            self.settings.api_base, self.settings.project_id
        );
        let resp = self
            .http
            .post(url)
            .bearer_auth(access)
            .json(&body)
            .send()
            .await
            .map_err(|e| PushError::Unavailable(format!("FCM: {e}")))?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let text = resp.text().await.unwrap_or_default();
        match status {
            // UNREGISTERED (404) or a token FCM cannot parse (400
            // INVALID_ARGUMENT naming the token): it will never work.
            404 => Err(PushError::DeadToken),
            400 if text.contains("registration token") || text.contains("UNREGISTERED") => {
                Err(PushError::DeadToken)
            }
            401 | 403 => {
                // The access token was refused: get a new one next time.
                *self.token.lock().await = None;
                Err(PushError::Unavailable(format!(
                    "FCM answered {status}: {text}"
                )))
            }
            429 | 500..=599 => Err(PushError::Unavailable(format!("FCM answered {status}"))),
            _ => Err(PushError::Refused(format!("FCM answered {status}: {text}"))),
        }
    }
}
