//! A server taking payments at a local fake PortOne (`fake-portone`), with
//! an admin and helpers for the group-buy tests: communities, products,
//! campaigns, orders and their payments.

use std::time::Duration;

use fake_portone::Fake;
use moa_protocol::Role;
use moa_server::payments::portone::PaymentSettings;
use serde_json::{Value, json};

use crate::{Engine, Session, TestServer, account_with_role};

pub const STORE: &str = "store-test";

/// A server taking payments at a fake PortOne, with an admin.
pub struct Shop {
    pub server: TestServer,
    pub fake: Fake,
    pub admin: Session,
}

pub fn payments(fake: &Fake) -> PaymentSettings {
    PaymentSettings {
        api_base: fake.url().to_owned(),
        api_secret: fake.config().api_secret.clone(),
        webhook_secret: fake.config().webhook_secret.clone(),
        store_id: STORE.into(),
        channel_key: "channel-test".into(),
        checkout_base: Some(fake.url().to_owned()),
    }
}

pub async fn shop_with(engine: Engine, order_ttl: Duration) -> Shop {
    shop_configured(engine, |s| s.order_ttl = order_ttl).await
}

/// A shop server with more settings changed by `configure`.
pub async fn shop_configured(
    engine: Engine,
    configure: impl FnOnce(&mut moa_server::Settings),
) -> Shop {
    let fake = Fake::start(fake_portone::Config::default(), "127.0.0.1:0")
        .await
        .unwrap();
    let settings = payments(&fake);
    let server = TestServer::start_with(engine, |s| {
        s.payments = Some(settings);
        s.job_poll = Duration::from_millis(50);
        s.job_lease = Duration::from_secs(2);
        configure(s);
    })
    .await;
    fake.set_webhook_url(&server.url("/v1/payments/webhook"));
    let admin = account_with_role(&server, "shopadmin", Role::Admin).await;
    Shop {
        server,
        fake,
        admin,
    }
}

pub async fn shop(engine: Engine) -> Shop {
    shop_with(engine, Duration::from_secs(900)).await
}

pub fn now_ms() -> i64 {
    moa_server::util::now_ms()
}

impl Shop {
    pub async fn community(&self, name: &str) -> String {
        let r = self
            .server
            .api()
            .post(
                "/v1/admin/communities",
                Some(&self.admin.access),
                json!({"name": name, "kind": "university", "email_domain": "snu.ac.kr"}),
            )
            .await
            .expect(201);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// A product at 10,000 won with 색상 (블랙 +0, 화이트 +1,000, 5 units).
    pub async fn product(&self) -> Value {
        self.server
            .api()
            .post(
                "/v1/admin/shop/products",
                Some(&self.admin.access),
                json!({
                    "name": "스테인리스 텀블러",
                    "description": "보온 12시간",
                    "base_price_krw": 10000,
                    "option_groups": [{"name": "색상", "choices": [
                        {"name": "블랙", "price_delta_krw": 0, "stock": 100},
                        {"name": "화이트", "price_delta_krw": 1000, "stock": 5},
                    ]}],
                }),
            )
            .await
            .expect(201)
            .body
    }

    pub async fn campaign(&self, product: &Value, extra: Value) -> Value {
        let mut body = json!({
            "product_id": product["id"],
            "group_price_krw": 8000,
            "min_participants": 2,
            "stock": 50,
            "per_member_limit": 3,
            "deadline_at": now_ms() + 3_600_000,
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.server
            .api()
            .post("/v1/admin/shop/campaigns", Some(&self.admin.access), body)
            .await
            .expect(201)
            .body
    }

    pub async fn order(
        &self,
        who: &Session,
        campaign: &Value,
        choice: &Value,
        quantity: i64,
    ) -> Value {
        self.server
            .api()
            .post(
                "/v1/orders",
                Some(&who.access),
                json!({
                    "id": uuid::Uuid::now_v7().to_string(),
                    "campaign_id": campaign["id"],
                    "choice_ids": [choice["id"]],
                    "quantity": quantity,
                }),
            )
            .await
            .expect(201)
            .body
    }

    pub async fn get_order(&self, who: &Session, id: &str) -> Value {
        self.server
            .api()
            .get(&format!("/v1/orders/{id}"), Some(&who.access))
            .await
            .expect(200)
            .body
    }

    /// Waits until the order reaches `status` (jobs and webhooks run on
    /// their own).
    pub async fn until_status(&self, who: &Session, id: &str, status: &str) -> Value {
        for _ in 0..200 {
            let order = self.get_order(who, id).await;
            if order["status"] == status {
                return order;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "order {id} never became {status}: {}",
            self.get_order(who, id).await
        );
    }

    pub async fn campaign_now(&self, who: &Session, id: &Value) -> Value {
        self.server
            .api()
            .get(
                &format!("/v1/campaigns/{}", id.as_str().unwrap()),
                Some(&who.access),
            )
            .await
            .expect(200)
            .body
    }

    pub async fn confirm(&self, who: &Session, id: &str) -> crate::Reply {
        self.server
            .api()
            .post(
                &format!("/v1/orders/{id}/payment"),
                Some(&who.access),
                json!({}),
            )
            .await
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE actor_id = 'system' ORDER BY created_at",
        )
        .fetch_all(self.server.state.db.read())
        .await
        .unwrap()
    }
}

pub fn choice(product: &Value, name: &str) -> Value {
    product["option_groups"][0]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
        .clone()
}

pub fn paid_events(order: &Value) -> usize {
    order["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "paid")
        .count()
}
