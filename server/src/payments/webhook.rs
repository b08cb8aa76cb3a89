//! PortOne's webhooks, signed as Standard Webhooks: `webhook-id`,
//! `webhook-timestamp` (Unix seconds) and `webhook-signature` (space-separated
//! `v1,<base64 HMAC-SHA256>` entries) over `id.timestamp.body`, with the key
//! the console shows as `whsec_<base64>`. A delivery is taken only when one
//! signature matches and its timestamp is within [`TOLERANCE_SECS`] of now;
//! what it says is then checked again with a payment lookup.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// How far a webhook's timestamp may be from now, either way.
pub const TOLERANCE_SECS: i64 = 5 * 60;

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    #[error("the {0} header is missing")]
    Missing(&'static str),
    #[error("the webhook timestamp is not a number")]
    BadTimestamp,
    #[error("the webhook timestamp is more than 5 minutes from now")]
    Stale,
    #[error("no webhook signature matches")]
    BadSignature,
    #[error("the webhook secret is not whsec_<base64>")]
    BadSecret,
}

/// The signing key of a `whsec_<base64>` secret (a secret without the prefix
/// is taken as base64 too).
pub fn key(secret: &str) -> Result<Vec<u8>, WebhookError> {
    let b64 = secret.strip_prefix("whsec_").unwrap_or(secret);
    STANDARD.decode(b64).map_err(|_| WebhookError::BadSecret)
}

fn mac(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> Result<Hmac<Sha256>, WebhookError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| WebhookError::BadSecret)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

/// The `webhook-signature` value for a delivery (what a provider sends).
pub fn sign(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> Result<String, WebhookError> {
    let tag = mac(key, id, timestamp, body)?.finalize().into_bytes();
    Ok(format!("v1,{}", STANDARD.encode(tag)))
}

/// Checks a delivery's signature and age (`now_secs`: Unix seconds).
pub fn verify(
    key: &[u8],
    id: Option<&str>,
    timestamp: Option<&str>,
    signatures: Option<&str>,
    body: &[u8],
    now_secs: i64,
) -> Result<(), WebhookError> {
    let id = id.ok_or(WebhookError::Missing("webhook-id"))?;
    let timestamp = timestamp.ok_or(WebhookError::Missing("webhook-timestamp"))?;
    let signatures = signatures.ok_or(WebhookError::Missing("webhook-signature"))?;
    let at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| WebhookError::BadTimestamp)?;
    if (now_secs - at).abs() > TOLERANCE_SECS {
        return Err(WebhookError::Stale);
    }
    let matches = signatures
        .split_whitespace()
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|b64| STANDARD.decode(b64).ok())
        .any(|tag| mac(key, id, timestamp, body).is_ok_and(|m| m.verify_slice(&tag).is_ok()));
    if matches {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

/// What a delivery says (only the payment it is about is used: the payment
/// is looked up again before anything changes).
#[derive(Debug, Deserialize)]
pub struct Delivery {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub data: DeliveryData,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryData {
    #[serde(default)]
    pub payment_id: Option<String>,
    #[serde(default)]
    pub store_id: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // The example of the Standard Webhooks specification.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: &str = "1614265330";
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn the_specifications_example_verifies() {
        let key = key(SECRET).unwrap();
        assert_eq!(sign(&key, ID, TS, BODY).unwrap(), SIG);
        let now = 1_614_265_330;
        assert_eq!(
            verify(&key, Some(ID), Some(TS), Some(SIG), BODY, now),
            Ok(())
        );
        // Several signatures, one good.
        let several = format!("v1,AAAA {SIG} v2,zzz");
        assert_eq!(
            verify(&key, Some(ID), Some(TS), Some(&several), BODY, now),
            Ok(())
        );
    }

    #[test]
    fn forged_stale_and_incomplete_deliveries_are_refused() {
        let key = key(SECRET).unwrap();
        let now = 1_614_265_330;
        let bad = |id: Option<&str>, ts: Option<&str>, sig: Option<&str>, body: &[u8], now| {
            verify(&key, id, ts, sig, body, now)
        };
        assert_eq!(
            bad(Some(ID), Some(TS), Some(SIG), br#"{"test": 1}"#, now),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            bad(Some("msg_other"), Some(TS), Some(SIG), BODY, now),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            bad(Some(ID), Some(TS), Some(SIG), BODY, now + 301),
            Err(WebhookError::Stale)
        );
        assert_eq!(
            bad(Some(ID), Some(TS), Some(SIG), BODY, now - 301),
            Err(WebhookError::Stale)
        );
        assert_eq!(bad(Some(ID), Some(TS), Some(SIG), BODY, now + 299), Ok(()));
        assert_eq!(
            bad(None, Some(TS), Some(SIG), BODY, now),
            Err(WebhookError::Missing("webhook-id"))
        );
        assert_eq!(
            bad(Some(ID), Some("soon"), Some(SIG), BODY, now),
            Err(WebhookError::BadTimestamp)
        );
        let other_key = super::key("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(
            verify(&other_key, Some(ID), Some(TS), Some(SIG), BODY, now),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(super::key("whsec_***"), Err(WebhookError::BadSecret));
    }
}
