//! A local stand-in for PortOne V2, speaking the parts of its API Moa uses,
//! so the shop runs end to end with no account anywhere (tests, the demo):
//!
//! - `GET /checkout/{paymentId}?storeId&orderName&totalAmount&currency`: a
//!   checkout page where a tester pays (결제하기) or declines (거절);
//! - `GET /payments/{paymentId}`: the payment, as PortOne answers it;
//! - `POST /payments/{paymentId}/cancel`: a full refund (409
//!   `PAYMENT_ALREADY_CANCELLED` the second time);
//! - signed webhooks (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
//!   `webhook-signature` = `v1,` base64 HMAC-SHA256 over `id.timestamp.body`
//!   with the `whsec_` key) to the configured URL, retried with backoff
//!   until answered 2xx.
//!
//! Both API calls check `Authorization: PortOne <secret>`. Test controls
//! live under `/_fake` (pay without a browser, read a payment's cancel
//! count, redeliver a webhook, make the next cancels fail).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// How the fake is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// What `Authorization: PortOne <secret>` must carry.
    pub api_secret: String,
    /// The webhook signing secret, `whsec_<base64>`.
    pub webhook_secret: String,
    /// Where webhooks go (settable later: [`Fake::set_webhook_url`]).
    pub webhook_url: Option<String>,
    /// Deliveries of one webhook before giving up.
    pub webhook_attempts: u32,
    /// The wait before the first retry (doubling after).
    pub retry_delay: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api_secret: "fake-api-secret".into(),
            webhook_secret: format!(
                "whsec_{}",
                STANDARD.encode(b"fake-portone-webhook-key-32bytes")
            ),
            webhook_url: None,
            webhook_attempts: 6,
            retry_delay: Duration::from_millis(200),
        }
    }
}

/// A payment as the fake keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FakePayment {
    pub id: String,
    pub store_id: String,
    pub order_name: String,
    /// `PAID`, `FAILED` or `CANCELLED`.
    pub status: String,
    pub amount: i64,
    pub currency: String,
    /// Cancels that took effect (a refund done twice would show 2).
    pub cancels: u32,
    /// Webhook deliveries answered 2xx.
    pub webhooks_delivered: u32,
    pub transaction_id: String,
    pub paid_at_ms: i64,
}

#[derive(Default)]
struct Data {
    payments: HashMap<String, FakePayment>,
    webhook_url: Option<String>,
    /// The next this many cancels answer 500.
    failing_cancels: u32,
    /// The last delivery per payment: (webhook-id, body).
    last_delivery: HashMap<String, (String, String)>,
    /// How long a cancel waits, after it took effect, before it answers (a
    /// caller that dies meanwhile never hears that it worked).
    cancel_delay: Duration,
}

struct Shared {
    config: Config,
    key: Vec<u8>,
    data: Mutex<Data>,
    http: reqwest::Client,
}

impl Shared {
    fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running fake; dropping it does not stop it (it lives as long as the
/// runtime).
#[derive(Clone)]
pub struct Fake {
    url: String,
    shared: Arc<Shared>,
}

/// Why the fake could not start.
#[derive(Debug)]
pub enum StartError {
    Bind(std::io::Error),
    Secret(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Bind(e) => write!(f, "cannot listen: {e}"),
            StartError::Secret(e) => write!(f, "bad webhook secret: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

impl Fake {
    /// Starts the fake on `bind` (e.g. `127.0.0.1:0`).
    pub async fn start(config: Config, bind: &str) -> Result<Fake, StartError> {
        let b64 = config
            .webhook_secret
            .strip_prefix("whsec_")
            .unwrap_or(&config.webhook_secret);
        let key = STANDARD
            .decode(b64)
            .map_err(|e| StartError::Secret(e.to_string()))?;
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(StartError::Bind)?;
        let addr = listener.local_addr().map_err(StartError::Bind)?;
        // reqwest is built with rustls and no provider chosen in this workspace.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let shared = Arc::new(Shared {
            data: Mutex::new(Data {
                webhook_url: config.webhook_url.clone(),
                ..Data::default()
            }),
            config,
            key,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| StartError::Bind(std::io::Error::other(e)))?,
        });
        let app = router(shared.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the fake PortOne stopped");
            }
        });
        Ok(Fake {
            url: format!("http://{addr}"),
            shared,
        })
    }

    /// Its base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Where webhooks go from now on.
    pub fn set_webhook_url(&self, url: &str) {
        self.shared.data().webhook_url = Some(url.to_owned());
    }

    /// A payment as the fake keeps it.
    pub fn payment(&self, id: &str) -> Option<FakePayment> {
        self.shared.data().payments.get(id).cloned()
    }

    /// Pays as the checkout page's button does (then the webhook goes out,
    /// unless `webhook` is false).
    pub fn pay(&self, id: &str, store_id: &str, order_name: &str, amount: i64, webhook: bool) {
        pay(&self.shared, id, store_id, order_name, amount, webhook);
    }

    /// The next `n` cancel calls answer 500.
    pub fn fail_next_cancels(&self, n: u32) {
        self.shared.data().failing_cancels = n;
    }

    /// Cancels take effect at once but answer only after `delay`.
    pub fn set_cancel_delay(&self, delay: Duration) {
        self.shared.data().cancel_delay = delay;
    }

    /// Sends the last webhook of a payment again, with its id (a replay).
    pub fn redeliver(&self, id: &str) -> bool {
        let last = self.shared.data().last_delivery.get(id).cloned();
        match last {
            Some((webhook_id, body)) => {
                tokio::spawn(deliver(
                    self.shared.clone(),
                    id.to_owned(),
                    webhook_id,
                    body,
                ));
                true
            }
            None => false,
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/checkout/{id}", get(checkout))
        .route("/checkout/{id}/pay", post(checkout_pay))
        .route("/checkout/{id}/decline", post(checkout_decline))
        .route("/payments/{id}", get(lookup))
        .route("/payments/{id}/cancel", post(cancel))
        .route("/_fake/payments/{id}", get(control_payment))
        .route("/_fake/payments/{id}/pay", post(control_pay))
        .route("/_fake/payments/{id}/redeliver", post(control_redeliver))
        .route("/_fake/webhook-url", put(control_webhook_url))
        .route("/_fake/fail-cancels", post(control_fail_cancels))
        .with_state(shared)
}

/// The query of a checkout (what PortOne's SDK would be given).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CheckoutQuery {
    #[serde(default)]
    store_id: String,
    #[serde(default)]
    order_name: String,
    total_amount: i64,
    #[serde(default)]
    currency: Option<String>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}\
         button{{font-size:1.1rem;padding:.6rem 1.4rem;margin-right:.5rem}}\
         .amount{{font-size:1.6rem;font-weight:bold}}</style></head>\
         <body><p><small>테스트 결제 (가짜 PortOne)</small></p>{body}</body></html>"
    ))
}

async fn checkout(Path(id): Path<String>, Query(q): Query<CheckoutQuery>) -> Html<String> {
    let query = format!(
        "storeId={}&orderName={}&totalAmount={}",
        encode(&q.store_id),
        encode(&q.order_name),
        q.total_amount
    );
    let currency = q.currency.unwrap_or_else(|| "KRW".into());
    page(
        "결제",
        &format!(
            "<h1>{name}</h1><p class=\"amount\">{amount} {currency}</p>\
             <form method=\"post\" action=\"/checkout/{id}/pay?{query}\" style=\"display:inline\">\
             <button id=\"pay\" type=\"submit\">결제하기</button></form>\
             <form method=\"post\" action=\"/checkout/{id}/decline\" style=\"display:inline\">\
             <button id=\"decline\" type=\"submit\">거절</button></form>",
            name = escape(&q.order_name),
            amount = q.total_amount,
            currency = escape(&currency),
            id = encode(&id),
        ),
    )
}

async fn checkout_pay(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<CheckoutQuery>,
) -> Html<String> {
    pay(
        &shared,
        &id,
        &q.store_id,
        &q.order_name,
        q.total_amount,
        true,
    );
    page(
        "결제 완료",
        "<h1>결제가 완료되었습니다</h1><p>앱으로 돌아가세요. 결제 확인은 자동으로 됩니다.</p>",
    )
}

async fn checkout_decline(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Html<String> {
    let mut data = shared.data();
    data.payments
        .entry(id.clone())
        .or_insert_with(|| FakePayment {
            id,
            store_id: String::new(),
            order_name: String::new(),
            status: "FAILED".into(),
            amount: 0,
            currency: "KRW".into(),
            cancels: 0,
            webhooks_delivered: 0,
            transaction_id: uuid::Uuid::now_v7().to_string(),
            paid_at_ms: 0,
        });
    page(
        "결제 거절",
        "<h1>결제를 거절했습니다</h1><p>앱으로 돌아가세요.</p>",
    )
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// RFC 3339 (UTC) of a Unix time in milliseconds.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

fn pay(
    shared: &Arc<Shared>,
    id: &str,
    store_id: &str,
    order_name: &str,
    amount: i64,
    webhook: bool,
) {
    let transaction_id = {
        let mut data = shared.data();
        let payment = data
            .payments
            .entry(id.to_owned())
            .or_insert_with(|| FakePayment {
                id: id.to_owned(),
                store_id: store_id.to_owned(),
                order_name: order_name.to_owned(),
                status: "PAID".into(),
                amount,
                currency: "KRW".into(),
                cancels: 0,
                webhooks_delivered: 0,
                transaction_id: uuid::Uuid::now_v7().to_string(),
                paid_at_ms: now_ms(),
            });
        if payment.status == "FAILED" {
            payment.status = "PAID".into();
            payment.amount = amount;
            payment.paid_at_ms = now_ms();
        }
        payment.transaction_id.clone()
    };
    if webhook {
        send_webhook(shared, id, "Transaction.Paid", store_id, &transaction_id);
    }
}

fn send_webhook(shared: &Arc<Shared>, id: &str, kind: &str, store_id: &str, transaction_id: &str) {
    let body = serde_json::json!({
        "type": kind,
        "timestamp": rfc3339(now_ms()),
        "data": { "paymentId": id, "storeId": store_id, "transactionId": transaction_id },
    })
    .to_string();
    let webhook_id = format!("msg_{}", uuid::Uuid::now_v7().simple());
    shared
        .data()
        .last_delivery
        .insert(id.to_owned(), (webhook_id.clone(), body.clone()));
    tokio::spawn(deliver(shared.clone(), id.to_owned(), webhook_id, body));
}

/// The `webhook-signature` header for a delivery.
pub fn sign(key: &[u8], id: &str, timestamp: &str, body: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Delivers one webhook, retrying with backoff until answered 2xx.
async fn deliver(shared: Arc<Shared>, payment_id: String, webhook_id: String, body: String) {
    let mut delay = shared.config.retry_delay;
    for attempt in 1..=shared.config.webhook_attempts.max(1) {
        let Some(url) = shared.data().webhook_url.clone() else {
            return;
        };
        let timestamp = (now_ms() / 1000).to_string();
        let signature = sign(&shared.key, &webhook_id, &timestamp, &body);
        let sent = shared
            .http
            .post(&url)
            .header("content-type", "application/json")
            .header("webhook-id", &webhook_id)
            .header("webhook-timestamp", &timestamp)
            .header("webhook-signature", signature)
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => {
                if let Some(p) = shared.data().payments.get_mut(&payment_id) {
                    p.webhooks_delivered += 1;
                }
                return;
            }
            Ok(r) => tracing::info!(attempt, status = %r.status(), "webhook not taken; retrying"),
            Err(e) => tracing::info!(attempt, error = %e, "webhook not delivered; retrying"),
        }
        tokio::time::sleep(delay).await;
        delay *= 2;
    }
}

fn authorised(shared: &Shared, headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("PortOne {}", shared.config.api_secret))
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "type": kind, "message": message })),
    )
        .into_response()
}

fn payment_json(p: &FakePayment) -> serde_json::Value {
    let cancelled = if p.status == "CANCELLED" { p.amount } else { 0 };
    serde_json::json!({
        "status": p.status,
        "id": p.id,
        "transactionId": p.transaction_id,
        "merchantId": "merchant-fake",
        "storeId": p.store_id,
        "orderName": p.order_name,
        "amount": {
            "total": p.amount, "taxFree": 0, "vat": 0, "supply": p.amount,
            "discount": 0, "paid": p.amount, "cancelled": cancelled, "cancelledTaxFree": 0,
        },
        "currency": p.currency,
        "paidAt": rfc3339(p.paid_at_ms),
        "requestedAt": rfc3339(p.paid_at_ms),
        "updatedAt": rfc3339(now_ms()),
    })
}

async fn lookup(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorised(&shared, &headers) {
        return error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "bad API secret");
    }
    match shared.data().payments.get(&id) {
        Some(p) => Json(payment_json(p)).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "PAYMENT_NOT_FOUND",
            "no such payment",
        ),
    }
}

async fn cancel(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorised(&shared, &headers) {
        return error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "bad API secret");
    }
    let (transaction_id, store_id, amount, delay) = {
        let mut data = shared.data();
        if data.failing_cancels > 0 {
            data.failing_cancels -= 1;
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "PG_PROVIDER",
                "the card company did not answer",
            );
        }
        let Some(p) = data.payments.get_mut(&id) else {
            return error(
                StatusCode::NOT_FOUND,
                "PAYMENT_NOT_FOUND",
                "no such payment",
            );
        };
        match p.status.as_str() {
            "CANCELLED" => {
                return error(
                    StatusCode::CONFLICT,
                    "PAYMENT_ALREADY_CANCELLED",
                    "already cancelled",
                );
            }
            "PAID" => {}
            _ => return error(StatusCode::CONFLICT, "PAYMENT_NOT_PAID", "not paid"),
        }
        p.status = "CANCELLED".into();
        p.cancels += 1;
        let answer = (p.transaction_id.clone(), p.store_id.clone(), p.amount);
        (answer.0, answer.1, answer.2, data.cancel_delay)
    };
    tokio::time::sleep(delay).await;
    send_webhook(
        &shared,
        &id,
        "Transaction.Cancelled",
        &store_id,
        &transaction_id,
    );
    let now = rfc3339(now_ms());
    Json(serde_json::json!({
        "cancellation": {
            "status": "SUCCEEDED",
            "id": uuid::Uuid::now_v7().to_string(),
            "totalAmount": amount, "taxFreeAmount": 0, "vatAmount": 0,
            "reason": "refund", "requestedAt": now, "cancelledAt": now,
        }
    }))
    .into_response()
}

async fn control_payment(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    match shared.data().payments.get(&id) {
        Some(p) => Json(p.clone()).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "PAYMENT_NOT_FOUND",
            "no such payment",
        ),
    }
}

/// `POST /_fake/payments/{id}/pay?totalAmount&storeId&webhook=false`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ControlPay {
    total_amount: i64,
    #[serde(default)]
    store_id: String,
    #[serde(default)]
    order_name: String,
    #[serde(default = "yes")]
    webhook: bool,
}

fn yes() -> bool {
    true
}

async fn control_pay(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<ControlPay>,
) -> StatusCode {
    pay(
        &shared,
        &id,
        &q.store_id,
        &q.order_name,
        q.total_amount,
        q.webhook,
    );
    StatusCode::NO_CONTENT
}

async fn control_redeliver(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> StatusCode {
    let fake = Fake {
        url: String::new(),
        shared,
    };
    if fake.redeliver(&id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn control_webhook_url(State(shared): State<Arc<Shared>>, body: String) -> StatusCode {
    shared.data().webhook_url = Some(body.trim().to_owned());
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
struct FailCancels {
    count: u32,
}

async fn control_fail_cancels(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<FailCancels>,
) -> StatusCode {
    shared.data().failing_cancels = q.count;
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_614_265_330_123), "2021-02-25T15:02:10.123Z");
        assert_eq!(rfc3339(1_709_164_800_000), "2024-02-29T00:00:00.000Z");
    }

    #[test]
    fn signatures_match_the_standard_webhooks_example() {
        let key = STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap_or_default();
        assert_eq!(
            sign(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                "1614265330",
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
