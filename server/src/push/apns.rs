//! Apple Push Notification service: an ES256 provider token (the team id
//! as issuer, the key id in the header), made again every 40 minutes
//! (Apple takes tokens 20 to 60 minutes old), authorizes HTTP/2
//! `POST {api_base}/3/device/{token}` with `apns-topic` (the app's bundle
//! id) and `apns-push-type: alert`.

use std::time::Duration;

use serde_json::json;
use tokio::sync::Mutex;

use super::jwt::Es256;
use super::{PushError, PushMessage};

/// How long a provider token is used.
pub const TOKEN_REFRESH_MS: i64 = 40 * 60 * 1000;

#[derive(Clone)]
pub struct ApnsSettings {
    pub team_id: String,
    pub key_id: String,
    /// The `.p8` key (PKCS#8 PEM).
    pub private_key_pem: String,
    /// The app's bundle id.
    pub topic: String,
    /// `https://api.push.apple.com` (or the sandbox), or a fake's address.
    pub api_base: String,
}

impl std::fmt::Debug for ApnsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApnsSettings")
            .field("team_id", &self.team_id)
            .field("key_id", &self.key_id)
            .field("private_key_pem", &"<secret>")
            .field("topic", &self.topic)
            .field("api_base", &self.api_base)
            .finish()
    }
}

pub struct Apns {
    settings: ApnsSettings,
    key: Es256,
    http: reqwest::Client,
    /// The provider token and when it was made (ms).
    token: Mutex<Option<(String, i64)>>,
}

impl Apns {
    pub fn new(settings: ApnsSettings) -> Result<Apns, PushError> {
        crate::media::store::install_tls_provider();
        let key = Es256::from_pem(&settings.private_key_pem)?;
        let builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5));
        // APNs speaks HTTP/2 only: over TLS it is negotiated; a plain-HTTP
        // fake is spoken to in HTTP/2 from the first byte.
        let builder = if settings.api_base.starts_with("http://") {
            builder.http2_prior_knowledge()
        } else {
            builder
        };
        let http = builder
            .build()
            .map_err(|e| PushError::Unavailable(e.to_string()))?;
        Ok(Apns {
            settings,
            key,
            http,
            token: Mutex::new(None),
        })
    }

    async fn provider_token(&self, now_ms: i64) -> Result<String, PushError> {
        let mut cached = self.token.lock().await;
        if let Some((token, made_at)) = cached.as_ref()
            && now_ms - *made_at < TOKEN_REFRESH_MS
        {
            return Ok(token.clone());
        }
        let token = self.key.sign(
            &json!({"alg": "ES256", "kid": self.settings.key_id}),
            &json!({"iss": self.settings.team_id, "iat": now_ms / 1000}),
        )?;
        *cached = Some((token.clone(), now_ms));
        Ok(token)
    }

    /// Sends `message` to one device token.
    pub async fn send(
        &self,
        device: &str,
        message: &PushMessage,
        now_ms: i64,
    ) -> Result<(), PushError> {
        if device.is_empty() || !device.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(PushError::DeadToken);
        }
        let token = self.provider_token(now_ms).await?;
        let mut aps = json!({
            "alert": {"title": message.title, "body": message.body},
            "sound": "default",
        });
        if let Some(collapse) = &message.collapse_key {
            aps["thread-id"] = json!(collapse);
        }
        let mut body = json!({"aps": aps});
        if let Some(data) = message.data.as_object() {
            for (k, v) in data {
                body[k] = v.clone();
            }
        }
        let mut req = self
            .http
            .post(format!("{}/3/device/{device}", self.settings.api_base))
            .header("authorization", format!("bearer {token}"))
            .header("apns-topic", &self.settings.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            .json(&body);
        if let Some(collapse) = &message.collapse_key {
            // At most 64 bytes.
            let id: String = collapse.chars().take(64).collect();
            req = req.header("apns-collapse-id", id);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| PushError::Unavailable(format!("APNs: {e}")))?;
        let status = resp.status().as_u16();
        if status == 200 {
            return Ok(());
        }
        let text = resp.text().await.unwrap_or_default();
        let reason = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["reason"].as_str().map(str::to_owned))
            .unwrap_or_default();
        match (status, reason.as_str()) {
            (410, _) | (400, "BadDeviceToken" | "DeviceTokenNotForTopic") => {
                Err(PushError::DeadToken)
            }
            (403, "ExpiredProviderToken" | "InvalidProviderToken") => {
                *self.token.lock().await = None;
                Err(PushError::Unavailable(format!(
                    "APNs answered {status} {reason}"
                )))
            }
            (429 | 500..=599, _) => Err(PushError::Unavailable(format!(
                "APNs answered {status} {reason}"
            ))),
            _ => Err(PushError::Refused(format!(
                "APNs answered {status} {reason}"
            ))),
        }
    }
}
