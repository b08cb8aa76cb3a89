//! The Naver Cloud SENS v2 adapter: `POST /sms/v2/services/{serviceId}/messages`
//! signed with `x-ncp-apigw-timestamp`, `x-ncp-iam-access-key` and
//! `x-ncp-apigw-signature-v2` = Base64(HMAC-SHA256(secret key,
//! "POST {path}\n{timestamp}\n{access key}")), up to 100 recipients a
//! request, SMS or LMS, `COMM` or `AD` content. SENS answers 202 with a
//! `requestId` for an accepted request.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use moa_protocol::TextKind;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Recipients one request may carry.
pub const MAX_RECIPIENTS: usize = 100;

/// Where and as whom texts are sent.
#[derive(Clone)]
pub struct SensSettings {
    /// `https://sens.apigw.ntruss.com` (or a stand-in's base).
    pub api_base: String,
    /// The SMS project's service id (`ncp:sms:kr:…`).
    pub service_id: String,
    pub access_key: String,
    pub secret_key: String,
    /// The registered calling number texts come from (digits).
    pub from: String,
}

impl std::fmt::Debug for SensSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SensSettings")
            .field("api_base", &self.api_base)
            .field("service_id", &self.service_id)
            .field("access_key", &self.access_key)
            .field("secret_key", &"<configured>")
            .field("from", &self.from)
            .finish()
    }
}

/// Why a send did not go.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// Worth trying again later (network, 429, 5xx).
    #[error("SENS is unavailable: {0}")]
    Unavailable(String),
    /// Refused for good (bad keys, a bad request): retrying will not help.
    #[error("SENS refused the request: {0}")]
    Refused(String),
}

/// The request path of a service's messages.
pub fn messages_path(service_id: &str) -> String {
    format!("/sms/v2/services/{service_id}/messages")
}

/// `x-ncp-apigw-signature-v2` of a request.
pub fn signature(
    secret_key: &str,
    method: &str,
    path: &str,
    timestamp: &str,
    access_key: &str,
) -> String {
    // HMAC takes keys of any length; an empty signature never verifies.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret_key.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("{method} {path}\n{timestamp}\n{access_key}").as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The request body SENS takes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendBody {
    /// `SMS` or `LMS`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `COMM` (service) or `AD` (marketing).
    pub content_type: String,
    pub country_code: String,
    pub from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub content: String,
    pub messages: Vec<To>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct To {
    pub to: String,
}

/// SENS's answer to an accepted request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    pub request_id: String,
    #[serde(default)]
    pub request_time: String,
    #[serde(default)]
    pub status_code: String,
    #[serde(default)]
    pub status_name: String,
}

/// The adapter.
#[derive(Debug, Clone)]
pub struct Sens {
    settings: SensSettings,
    http: reqwest::Client,
}

impl Sens {
    pub fn new(settings: SensSettings) -> Result<Sens, SmsError> {
        crate::media::store::install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| SmsError::Unavailable(e.to_string()))?;
        Ok(Sens { settings, http })
    }

    pub fn settings(&self) -> &SensSettings {
        &self.settings
    }

    /// Sends one text to up to [`MAX_RECIPIENTS`] numbers; answers the
    /// request id SENS gave it.
    pub async fn send(
        &self,
        kind: TextKind,
        marketing: bool,
        subject: &str,
        content: &str,
        to: &[String],
        now_ms: i64,
    ) -> Result<String, SmsError> {
        if to.is_empty() || to.len() > MAX_RECIPIENTS {
            return Err(SmsError::Refused(format!(
                "{} recipients (1 to {MAX_RECIPIENTS} a request)",
                to.len()
            )));
        }
        let s = &self.settings;
        let path = messages_path(&s.service_id);
        let timestamp = now_ms.to_string();
        let body = SendBody {
            kind: kind.as_str().to_uppercase(),
            content_type: if marketing { "AD" } else { "COMM" }.into(),
            country_code: "82".into(),
            from: s.from.clone(),
            subject: (kind == TextKind::Lms && !subject.is_empty()).then(|| subject.to_owned()),
            content: content.to_owned(),
            messages: to.iter().map(|n| To { to: n.clone() }).collect(),
        };
        let resp = self
            .http
            .post(format!("{}{path}", s.api_base.trim_end_matches('/')))
            .header("content-type", "application/json; charset=utf-8")
            .header("x-ncp-apigw-timestamp", &timestamp)
            .header("x-ncp-iam-access-key", &s.access_key)
            .header(
                "x-ncp-apigw-signature-v2",
                signature(&s.secret_key, "POST", &path, &timestamp, &s.access_key),
            )
            .json(&body)
            .send()
            .await
            .map_err(|e| SmsError::Unavailable(e.to_string()))?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        if status.is_success() {
            let accepted: Accepted = serde_json::from_str(&text)
                .map_err(|e| SmsError::Unavailable(format!("an answer SENS never gives: {e}")))?;
            return Ok(accepted.request_id);
        }
        let detail = format!("{status}: {}", text.chars().take(300).collect::<String>());
        if status.as_u16() == 429 || status.is_server_error() {
            Err(SmsError::Unavailable(detail))
        } else {
            Err(SmsError::Refused(detail))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_documented_hmac() {
        // Computed independently:
        // printf 'POST /sms/v2/services/ncp:sms:kr:1:moa/messages\n1700000000000\nAK' \
        //   | openssl dgst -sha256 -hmac SK -binary | base64
        assert_eq!(
            signature(
                "SK",
                "POST",
                &messages_path("ncp:sms:kr:1:moa"),
                "1700000000000",
                "AK"
            ),
            "AawCVuqTLcYpCu7EqCrRGEL99j6NO2wmwIRPb8DfdPo="
        );
        assert_ne!(
            signature("SK", "POST", "/a", "1", "AK"),
            signature("SK2", "POST", "/a", "1", "AK")
        );
    }
}
