//! The PortOne V2 adapter: payment lookup (`GET /payments/{paymentId}`),
//! cancellation (`POST /payments/{paymentId}/cancel`), both authorised with
//! `Authorization: PortOne <API secret>`, and where a member pays.
//!
//! Our payment id is the order id, so a lookup needs nothing stored from
//! the checkout. The checkout itself runs in the member's browser: with
//! PortOne, the page the server hosts at `/v1/orders/{id}/checkout` calls
//! PortOne's browser SDK; with a provider that has a checkout page of its
//! own (the local fake), `checkout_base` points at it.

use std::time::Duration;

use serde::Deserialize;

use super::{Payment, PaymentState, ProviderError};

/// How to reach PortOne (or a fake speaking its API). The secrets come from
/// flags or the environment and never reach a log (`Debug` hides them).
#[derive(Clone)]
pub struct PaymentSettings {
    /// `https://api.portone.io` for the real service.
    pub api_base: String,
    /// The V2 API secret.
    pub api_secret: String,
    /// The webhook signing secret, `whsec_<base64>` as the console shows it.
    pub webhook_secret: String,
    pub store_id: String,
    pub channel_key: String,
    /// A checkout page of the provider's own (`{base}/checkout/{paymentId}`);
    /// `None` for PortOne, whose checkout is its browser SDK on our page.
    pub checkout_base: Option<String>,
}

impl std::fmt::Debug for PaymentSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentSettings")
            .field("api_base", &self.api_base)
            .field("api_secret", &"<configured>")
            .field("webhook_secret", &"<configured>")
            .field("store_id", &self.store_id)
            .field("checkout_base", &self.checkout_base)
            .finish()
    }
}

/// The adapter: a configured HTTP client.
#[derive(Clone, Debug)]
pub struct PortOne {
    settings: PaymentSettings,
    http: reqwest::Client,
}

/// `GET /payments/{paymentId}`'s answer, the fields we check.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentBody {
    status: String,
    id: String,
    #[serde(default)]
    store_id: Option<String>,
    amount: AmountBody,
    currency: String,
}

#[derive(Deserialize)]
struct AmountBody {
    total: i64,
}

/// PortOne's error body.
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    message: String,
}

impl PortOne {
    pub fn new(settings: PaymentSettings) -> Result<PortOne, ProviderError> {
        crate::media::store::install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
        Ok(PortOne { settings, http })
    }

    pub fn settings(&self) -> &PaymentSettings {
        &self.settings
    }

    fn url(&self, payment_id: &str, tail: &str) -> String {
        format!(
            "{}/payments/{}{tail}",
            self.settings.api_base.trim_end_matches('/'),
            encode(payment_id)
        )
    }

    fn authorization(&self) -> String {
        format!("PortOne {}", self.settings.api_secret)
    }

    /// The payment `payment_id` as the provider reports it.
    pub async fn lookup(&self, payment_id: &str) -> Result<Payment, ProviderError> {
        let response = self
            .http
            .get(self.url(payment_id, ""))
            .header("authorization", self.authorization())
            .send()
            .await
            .map_err(|e| ProviderError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ProviderError::Unreachable(e.without_url().to_string()))?;
        if !status.is_success() {
            let body: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
            return Err(match body.kind.as_str() {
                "PAYMENT_NOT_FOUND" => ProviderError::NotFound(payment_id.to_owned()),
                _ => ProviderError::Refused {
                    status: status.as_u16(),
                    kind: body.kind,
                    message: body.message,
                },
            });
        }
        let body: PaymentBody = serde_json::from_slice(&bytes)
            .map_err(|e| ProviderError::Unreachable(format!("unreadable payment: {e}")))?;
        Ok(Payment {
            id: body.id,
            state: match body.status.as_str() {
                "PAID" => PaymentState::Paid,
                "CANCELLED" => PaymentState::Cancelled,
                "READY" | "PAY_PENDING" | "VIRTUAL_ACCOUNT_ISSUED" => PaymentState::Pending,
                "FAILED" => PaymentState::Failed,
                other => PaymentState::Other(other.to_owned()),
            },
            amount: body.amount.total,
            currency: body.currency,
            store_id: body.store_id,
        })
    }

    /// Cancels (refunds in full) the payment `payment_id`.
    pub async fn cancel(&self, payment_id: &str, reason: &str) -> Result<(), ProviderError> {
        let mut body = serde_json::json!({ "reason": reason });
        if !self.settings.store_id.is_empty() {
            body["storeId"] = self.settings.store_id.clone().into();
        }
        let response = self
            .http
            .post(self.url(payment_id, "/cancel"))
            .header("authorization", self.authorization())
            .json(&body)
            .send()
            .await
            .map_err(|e| ProviderError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body: ErrorBody = response.json().await.unwrap_or_default();
        Err(match body.kind.as_str() {
            "PAYMENT_NOT_FOUND" => ProviderError::NotFound(payment_id.to_owned()),
            "PAYMENT_ALREADY_CANCELLED" => ProviderError::AlreadyCancelled,
            "PAYMENT_NOT_PAID" => ProviderError::NotPaid,
            _ => ProviderError::Refused {
                status: status.as_u16(),
                kind: body.kind,
                message: body.message,
            },
        })
    }

    /// Cancels `payment_id` and is content when it was cancelled already
    /// (a retried refund after a lost answer).
    pub async fn cancel_once(&self, payment_id: &str, reason: &str) -> Result<(), ProviderError> {
        match self.cancel(payment_id, reason).await {
            Ok(()) | Err(ProviderError::AlreadyCancelled) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Where the member pays for an order: the provider's page when it has
    /// one, else our page that runs PortOne's browser SDK (`server_path`,
    /// relative to the server).
    pub fn checkout_url(&self, order_id: &str, order_name: &str, amount: i64) -> String {
        match &self.settings.checkout_base {
            Some(base) => format!(
                "{}/checkout/{}?storeId={}&orderName={}&totalAmount={amount}&currency=KRW",
                base.trim_end_matches('/'),
                encode(order_id),
                encode(&self.settings.store_id),
                encode(order_name),
            ),
            None => format!("/v1/orders/{}/checkout", encode(order_id)),
        }
    }
}

/// Percent-encodes `s` for a URL path segment or query value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The page that runs PortOne's browser SDK for an order (served at
/// `/v1/orders/{id}/checkout` when PortOne has no page of its own). It
/// redirects back to `done_url` when the SDK is finished; the app then
/// asks the server to verify the payment.
pub fn checkout_page(
    settings: &PaymentSettings,
    order_id: &str,
    order_name: &str,
    amount: i64,
) -> String {
    // JSON strings, with `<` escaped so no value can close the script.
    let json = |s: &str| {
        serde_json::Value::from(s)
            .to_string()
            .replace('<', "\\u003c")
    };
    format!(
        r#"<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>결제</title>
<script src="https://cdn.portone.io/v2/browser-sdk.js"></script></head>
<body><p>결제 창을 여는 중…</p><script>
PortOne.requestPayment({{
  storeId: {store}, channelKey: {channel}, paymentId: {id},
  orderName: {name}, totalAmount: {amount}, currency: "CURRENCY_KRW", payMethod: "CARD"
}}).then(function (r) {{
  document.body.innerHTML = (r && r.code) ? "<p>결제가 취소되었습니다: " + r.message + "</p>"
    : "<p>결제가 끝났습니다. 앱으로 돌아가세요.</p>";
}});
</script></body></html>"#,
        store = json(&settings.store_id),
        channel = json(&settings.channel_key),
        id = json(order_id),
        name = json(order_name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_encoded_in_urls() {
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
        assert_eq!(encode("텀"), "%ED%85%80");
        let adapter = PortOne::new(PaymentSettings {
            api_base: "http://x/".into(),
            api_secret: "s".into(),
            webhook_secret: "whsec_AAAA".into(),
            store_id: "store-1".into(),
            channel_key: "ch".into(),
            checkout_base: None,
        });
        let Ok(adapter) = adapter else {
            panic!("no client")
        };
        assert_eq!(
            adapter.url("p/1", "/cancel"),
            "http://x/payments/p%2F1/cancel"
        );
        assert_eq!(
            adapter.checkout_url("o1", "컵", 100),
            "/v1/orders/o1/checkout"
        );
        let page = checkout_page(adapter.settings(), "o1", "</script>", 100);
        assert!(!page.contains("</script>\""), "{page}");
    }
}
