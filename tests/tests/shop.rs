//! Group-buys end to end, on both engines, against the local fake PortOne
//! (`fake-portone`, a real HTTP server speaking PortOne V2's API): orders
//! paid and verified by lookup and by signed webhook (either first, both,
//! replayed), tampered amounts and forged webhooks refused, the last units
//! under a rush, deadlines that refund every paid order exactly once with
//! two nodes running jobs, expiry giving units back, community-only
//! campaigns invisible elsewhere, and bad input refused with nothing
//! written.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::time::Duration;

use moa_tests::shop::{STORE, choice, now_ms, paid_events, shop, shop_with};
use moa_tests::{Engine, both_engines};
use serde_json::{Value, json};

both_engines!(
    an_order_is_paid_at_the_provider_and_verified,
    webhook_and_app_settle_once_and_replays_change_nothing,
    a_tampered_amount_is_refused_and_the_payment_cancelled,
    forged_and_stale_webhooks_are_refused_and_change_nothing,
    the_last_units_go_to_exactly_as_many_orders,
    a_missed_minimum_refunds_every_paid_order_once,
    unpaid_orders_expire_and_give_their_units_back,
    community_campaigns_are_invisible_to_other_communities,
    bad_orders_are_refused_and_write_nothing,
    members_cancel_and_admins_cancel_with_refunds,
    a_day_before_the_deadline_viewers_and_savers_are_reminded,
);

async fn an_order_is_paid_at_the_provider_and_verified(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let community = shop.community("서울대학교").await;
    let minji = api.signup("minji").await;
    // Joining a community in settings.
    let me = api
        .patch(
            "/v1/me",
            Some(&minji.access),
            json!({"community_id": community}),
        )
        .await
        .expect(200);
    assert_eq!(me.body["community_id"], community.as_str());
    let listed = api.get("/v1/communities?q=서울", None).await.expect(200);
    assert_eq!(listed.body["items"][0]["member_count"], 1);

    let product = shop.product().await;
    let campaign = shop
        .campaign(&product, json!({"community_ids": [community]}))
        .await;
    let open = api
        .get("/v1/campaigns", Some(&minji.access))
        .await
        .expect(200);
    assert_eq!(open.body["items"][0]["id"], campaign["id"]);

    let white = choice(&product, "화이트");
    let placed = shop.order(&minji, &campaign, &white, 2).await;
    let order = &placed["order"];
    let id = order["id"].as_str().unwrap();
    // The server computes the amount: (8,000 + 1,000) x 2.
    assert_eq!(order["amount_krw"], 18000);
    assert_eq!(order["status"], "pending_payment");
    let checkout = placed["checkout_url"].as_str().unwrap();
    assert!(checkout.starts_with(shop.fake.url()), "{checkout}");
    assert!(checkout.contains("totalAmount=18000"), "{checkout}");
    // The checkout page a person sees.
    let page = reqwest::get(checkout).await.unwrap().text().await.unwrap();
    assert!(
        page.contains("결제하기") && page.contains("18000"),
        "{page}"
    );
    // The units are held: 5 - 2 of 화이트, 50 - 2 of the campaign.
    let now = shop.campaign_now(&minji, &campaign["id"]).await;
    assert_eq!(now["remaining"], 48);
    assert_eq!(choice(&now["product"], "화이트")["stock"], 3);

    // Not paid yet: the app is told so, nothing changes.
    shop.confirm(&minji, id)
        .await
        .expect_error(409, "payment_incomplete");
    // Paid at the provider (no webhook): the app's confirmation verifies it.
    shop.fake.pay(id, STORE, "텀블러", 18000, false);
    let paid = shop.confirm(&minji, id).await.expect(200);
    assert_eq!(paid.body["status"], "paid");
    assert_eq!(paid_events(&paid.body), 1);
    let now = shop.campaign_now(&minji, &campaign["id"]).await;
    assert_eq!(now["participants"], 1);
    // Someone else cannot confirm or read it.
    let other = api.signup("other").await;
    shop.confirm(&other, id)
        .await
        .expect_error(404, "not_found");
    api.get(&format!("/v1/orders/{id}"), Some(&other.access))
        .await
        .expect_error(404, "not_found");
    // My orders list it, with its history.
    let mine = api.get("/v1/orders", Some(&minji.access)).await.expect(200);
    assert_eq!(mine.body["items"][0]["id"], id);
    assert_eq!(
        mine.body["items"][0]["history"].as_array().unwrap().len(),
        2
    );
    // The member was told.
    let notes = api
        .get("/v1/notifications", Some(&minji.access))
        .await
        .expect(200);
    assert!(
        notes.body.to_string().contains("order_paid"),
        "{}",
        notes.body
    );
}

async fn webhook_and_app_settle_once_and_replays_change_nothing(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let product = shop.product().await;
    let campaign = shop.campaign(&product, json!({})).await;
    let black = choice(&product, "블랙");
    let minji = api.signup("minji").await;

    // Webhook first, then the app.
    let a = shop.order(&minji, &campaign, &black, 1).await;
    let a_id = a["order"]["id"].as_str().unwrap();
    shop.fake.pay(a_id, STORE, "텀블러", 8000, true);
    shop.until_status(&minji, a_id, "paid").await;
    let again = shop.confirm(&minji, a_id).await.expect(200);
    assert_eq!(paid_events(&again.body), 1);

    // The app first, then the webhook (the fake delivers it after paying).
    let b = shop.order(&minji, &campaign, &black, 1).await;
    let b_id = b["order"]["id"].as_str().unwrap();
    shop.fake.pay(b_id, STORE, "텀블러", 8000, false);
    shop.confirm(&minji, b_id).await.expect(200);
    shop.fake.pay(b_id, STORE, "텀블러", 8000, true);

    // Both at once, many times over: one paid event each.
    let c = shop.order(&minji, &campaign, &black, 1).await;
    let c_id = c["order"]["id"].as_str().unwrap().to_owned();
    shop.fake.pay(&c_id, STORE, "텀블러", 8000, true);
    let confirms: Vec<_> = (0..5).map(|_| shop.confirm(&minji, &c_id)).collect();
    for r in futures_util::future::join_all(confirms).await {
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // Replays of the delivery (same webhook-id) change nothing.
    for _ in 0..3 {
        assert!(shop.fake.redeliver(&c_id));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for id in [a_id, b_id, c_id.as_str()] {
        let order = shop.until_status(&minji, id, "paid").await;
        assert_eq!(paid_events(&order), 1, "{order}");
    }
    let now = shop.campaign_now(&minji, &campaign["id"]).await;
    assert_eq!(now["participants"], 1, "one member, three orders");
    assert_eq!(now["remaining"], 47);
    let deliveries = shop.server.count("webhook_deliveries").await;
    assert!(deliveries >= 3, "{deliveries}");
}

async fn a_tampered_amount_is_refused_and_the_payment_cancelled(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let product = shop.product().await;
    let campaign = shop.campaign(&product, json!({})).await;
    let minji = api.signup("minji").await;
    let placed = shop
        .order(&minji, &campaign, &choice(&product, "블랙"), 1)
        .await;
    let id = placed["order"]["id"].as_str().unwrap();
    // The member changed the amount on the way to the checkout: 100 won.
    shop.fake.pay(id, STORE, "텀블러", 100, false);
    shop.confirm(&minji, id)
        .await
        .expect_error(409, "payment_mismatch");
    let order = shop.get_order(&minji, id).await;
    assert_eq!(order["status"], "expired");
    assert_eq!(paid_events(&order), 0);
    assert!(
        shop.audit_actions()
            .await
            .contains(&"payment_mismatch".to_owned())
    );
    // The payment taken is cancelled at the provider, once.
    for _ in 0..100 {
        if shop.fake.payment(id).unwrap().cancels == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(shop.fake.payment(id).unwrap().status, "CANCELLED");
    // A webhook for it later changes nothing either.
    shop.fake.redeliver(id);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(shop.fake.payment(id).unwrap().cancels, 1);
    let now = shop.campaign_now(&minji, &campaign["id"]).await;
    assert_eq!(now["remaining"], 50);
    assert_eq!(now["participants"], 0);
    // A payment for an order we do not know is refused and cancelled too.
    let stranger = uuid::Uuid::now_v7().to_string();
    shop.fake.pay(&stranger, STORE, "모르는 주문", 5000, true);
    for _ in 0..100 {
        if shop.fake.payment(&stranger).unwrap().cancels == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(shop.fake.payment(&stranger).unwrap().cancels, 1);
    assert!(
        shop.audit_actions()
            .await
            .contains(&"payment_unknown_order".to_owned())
    );
}

async fn forged_and_stale_webhooks_are_refused_and_change_nothing(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let product = shop.product().await;
    let campaign = shop.campaign(&product, json!({})).await;
    let minji = api.signup("minji").await;
    let placed = shop
        .order(&minji, &campaign, &choice(&product, "블랙"), 1)
        .await;
    let id = placed["order"]["id"].as_str().unwrap();
    // Paid, but the provider's webhook has not come and the app has not asked.
    shop.fake.pay(id, STORE, "텀블러", 8000, false);
    let body = json!({"type": "Transaction.Paid", "data": {"paymentId": id, "storeId": STORE}})
        .to_string();
    let key = moa_server::payments::webhook::key(&shop.fake.config().webhook_secret).unwrap();
    let now = (now_ms() / 1000).to_string();
    let stale = (now_ms() / 1000 - 600).to_string();
    let forged_key = b"not-the-secret-not-the-secret-00";
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no headers", vec![]),
        (
            "forged",
            vec![
                ("webhook-id", "msg_1".into()),
                ("webhook-timestamp", now.clone()),
                (
                    "webhook-signature",
                    moa_server::payments::webhook::sign(forged_key, "msg_1", &now, body.as_bytes())
                        .unwrap(),
                ),
            ],
        ),
        (
            "stale",
            vec![
                ("webhook-id", "msg_2".into()),
                ("webhook-timestamp", stale.clone()),
                (
                    "webhook-signature",
                    moa_server::payments::webhook::sign(&key, "msg_2", &stale, body.as_bytes())
                        .unwrap(),
                ),
            ],
        ),
        (
            "signed for another body",
            vec![
                ("webhook-id", "msg_3".into()),
                ("webhook-timestamp", now.clone()),
                (
                    "webhook-signature",
                    moa_server::payments::webhook::sign(&key, "msg_3", &now, b"{}").unwrap(),
                ),
            ],
        ),
    ];
    let http = reqwest::Client::new();
    for (what, headers) in cases {
        let mut req = http
            .post(shop.server.url("/v1/payments/webhook"))
            .header("content-type", "application/json")
            .body(body.clone());
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{what}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["code"], "invalid_signature", "{what}");
    }
    let order = shop.get_order(&minji, id).await;
    assert_eq!(order["status"], "pending_payment", "nothing changed");
    assert_eq!(shop.server.count("webhook_deliveries").await, 0);
    let refused = shop.audit_actions().await;
    assert_eq!(
        refused.iter().filter(|a| *a == "webhook_refused").count(),
        4
    );
    // A good signature is taken, and the order is verified by lookup.
    let sig = moa_server::payments::webhook::sign(&key, "msg_ok", &now, body.as_bytes()).unwrap();
    let r = http
        .post(shop.server.url("/v1/payments/webhook"))
        .header("webhook-id", "msg_ok")
        .header("webhook-timestamp", &now)
        .header("webhook-signature", sig)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(shop.get_order(&minji, id).await["status"], "paid");
}

async fn the_last_units_go_to_exactly_as_many_orders(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let product = shop.product().await;
    let campaign = shop
        .campaign(
            &product,
            json!({"stock": 10, "min_participants": 1, "per_member_limit": 1}),
        )
        .await;
    let black = choice(&product, "블랙");
    let mut members = Vec::new();
    for i in 0..50 {
        members.push(api.signup(&format!("rush{i}")).await);
    }
    let bodies: Vec<Value> = members
        .iter()
        .map(|_| {
            json!({
                "id": uuid::Uuid::now_v7().to_string(),
                "campaign_id": campaign["id"],
                "choice_ids": [black["id"]],
                "quantity": 1,
            })
        })
        .collect();
    let orders = members.iter().zip(&bodies).map(|(m, body)| {
        let api = api.clone();
        async move { api.post("/v1/orders", Some(&m.access), body.clone()).await }
    });
    let replies = futures_util::future::join_all(orders).await;
    let placed = replies.iter().filter(|r| r.status == 201).count();
    let sold_out = replies
        .iter()
        .filter(|r| r.status == 409 && r.code() == "sold_out")
        .count();
    assert_eq!((placed, sold_out), (10, 40));
    let now = shop.campaign_now(&members[0], &campaign["id"]).await;
    assert_eq!(now["remaining"], 0);
    assert_eq!(shop.server.count("orders").await, 10);
    let reserved: i64 = sqlx::query_scalar("SELECT reserved FROM shop_choices WHERE id = $1")
        .bind(black["id"].as_str().unwrap())
        .fetch_one(shop.server.state.db.read())
        .await
        .unwrap();
    assert_eq!(reserved, 10);
    // Sold out now: a placed order sent again still answers itself (a lost
    // answer retried), a new one is refused before it queues for a write.
    let winner = replies.iter().position(|r| r.status == 201).unwrap();
    let again = api
        .post(
            "/v1/orders",
            Some(&members[winner].access),
            bodies[winner].clone(),
        )
        .await
        .expect(200);
    assert_eq!(again.body["order"]["id"], bodies[winner]["id"]);
    assert_eq!(again.body["created"], false);
    let late = api.signup("latecomer").await;
    api.post(
        "/v1/orders",
        Some(&late.access),
        json!({"id": uuid::Uuid::now_v7().to_string(), "campaign_id": campaign["id"],
               "choice_ids": [black["id"]], "quantity": 1}),
    )
    .await
    .expect_error(409, "sold_out");
    assert_eq!(shop.server.count("orders").await, 10);
}

async fn a_missed_minimum_refunds_every_paid_order_once(engine: Engine) {
    let shop = shop(engine).await;
    // Two nodes run jobs on PostgreSQL (SQLite has one).
    let second = match engine {
        Engine::Postgres => Some(shop.server.another_node().await),
        Engine::Sqlite => None,
    };
    let api = shop.server.api();
    let product = shop.product().await;
    let deadline = now_ms() + 2500;
    let campaign = shop
        .campaign(
            &product,
            json!({"min_participants": 3, "deadline_at": deadline}),
        )
        .await;
    let black = choice(&product, "블랙");
    let (a, b, c) = (
        api.signup("payer_a").await,
        api.signup("payer_b").await,
        api.signup("payer_c").await,
    );
    let mut paid = Vec::new();
    for m in [&a, &b] {
        let placed = shop.order(m, &campaign, &black, 1).await;
        let id = placed["order"]["id"].as_str().unwrap().to_owned();
        shop.fake.pay(&id, STORE, "텀블러", 8000, true);
        shop.until_status(m, &id, "paid").await;
        paid.push((m, id));
    }
    // One more that never pays.
    let unpaid = shop.order(&c, &campaign, &black, 1).await;
    let unpaid_id = unpaid["order"]["id"].as_str().unwrap().to_owned();

    for (m, id) in &paid {
        let order = shop.until_status(m, id, "refunded").await;
        let statuses: Vec<&str> = order["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            statuses,
            ["pending_payment", "paid", "refund_pending", "refunded"]
        );
        assert_eq!(shop.fake.payment(id).unwrap().cancels, 1, "refunded once");
    }
    shop.until_status(&c, &unpaid_id, "expired").await;
    let now = shop.campaign_now(&a, &campaign["id"]).await;
    assert_eq!(now["status"], "failed");
    assert_eq!(now["participants"], 0);
    // Give both pollers time to try again: still once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (_, id) in &paid {
        assert_eq!(shop.fake.payment(id).unwrap().cancels, 1);
    }
    let notes = api
        .get("/v1/notifications", Some(&a.access))
        .await
        .expect(200);
    let text = notes.body.to_string();
    assert!(
        text.contains("campaign_failed") && text.contains("refund_completed"),
        "{text}"
    );
    if let Some(node) = second {
        node.stop().await;
    }
}

async fn unpaid_orders_expire_and_give_their_units_back(engine: Engine) {
    let shop = shop_with(engine, Duration::from_millis(800)).await;
    let api = shop.server.api();
    let product = shop.product().await;
    let campaign = shop.campaign(&product, json!({})).await;
    let minji = api.signup("minji").await;
    let white = choice(&product, "화이트");
    let placed = shop.order(&minji, &campaign, &white, 3).await;
    let id = placed["order"]["id"].as_str().unwrap();
    let held = shop.campaign_now(&minji, &campaign["id"]).await;
    assert_eq!(held["remaining"], 47);
    let order = shop.until_status(&minji, id, "expired").await;
    assert_eq!(order["history"][1]["note"], "결제 시간 초과");
    let now = shop.campaign_now(&minji, &campaign["id"]).await;
    assert_eq!(now["remaining"], 50);
    assert_eq!(choice(&now["product"], "화이트")["stock"], 5);
    // Paid at the last moment, the expiry job verifies it instead.
    let placed = shop.order(&minji, &campaign, &white, 1).await;
    let late = placed["order"]["id"].as_str().unwrap();
    shop.fake.pay(late, STORE, "텀블러", 9000, false);
    shop.until_status(&minji, late, "paid").await;
}

async fn community_campaigns_are_invisible_to_other_communities(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let snu = shop.community("서울대학교").await;
    let yonsei = shop.community("연세대학교").await;
    let product = shop.product().await;
    let campaign = shop
        .campaign(&product, json!({"community_ids": [snu]}))
        .await;
    let everyone = shop.campaign(&product, json!({})).await;
    let outsider = api.signup("outsider").await;
    api.patch(
        "/v1/me",
        Some(&outsider.access),
        json!({"community_id": yonsei}),
    )
    .await
    .expect(200);
    let id = campaign["id"].as_str().unwrap();
    api.get(&format!("/v1/campaigns/{id}"), Some(&outsider.access))
        .await
        .expect_error(404, "not_found");
    api.get(&format!("/v1/campaigns/{id}"), None)
        .await
        .expect_error(404, "not_found");
    let listed = api
        .get("/v1/campaigns", Some(&outsider.access))
        .await
        .expect(200);
    let ids: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [everyone["id"].as_str().unwrap()]);
    let r = api
        .post(
            "/v1/orders",
            Some(&outsider.access),
            json!({
                "id": uuid::Uuid::now_v7().to_string(),
                "campaign_id": id,
                "choice_ids": [choice(&product, "블랙")["id"]],
                "quantity": 1,
            }),
        )
        .await;
    r.expect_error(404, "not_found");
    // A member of the community sees it; after leaving, no more.
    let insider = api.signup("insider").await;
    api.patch(
        "/v1/me",
        Some(&insider.access),
        json!({"community_id": snu}),
    )
    .await
    .expect(200);
    api.get(&format!("/v1/campaigns/{id}"), Some(&insider.access))
        .await
        .expect(200);
    api.patch(
        "/v1/me",
        Some(&insider.access),
        json!({"community_id": null}),
    )
    .await
    .expect(200);
    api.get(&format!("/v1/campaigns/{id}"), Some(&insider.access))
        .await
        .expect_error(404, "not_found");
    // Sign-up can pick the community too; an unknown one is refused.
    let r = api
        .post(
            "/v1/auth/signup",
            None,
            json!({"email": "new@test.kr", "password": "password-new", "handle": "newbie",
                   "display_name": "새내기", "community_id": snu}),
        )
        .await
        .expect(201);
    assert_eq!(r.body["user"]["community_id"], snu.as_str());
    api.post(
        "/v1/auth/signup",
        None,
        json!({"email": "x@test.kr", "password": "password-x", "handle": "xxxx",
               "display_name": "x", "community_id": uuid::Uuid::now_v7().to_string()}),
    )
    .await
    .expect_error(422, "invalid_field");
}

async fn bad_orders_are_refused_and_write_nothing(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let product = shop.product().await;
    let campaign = shop
        .campaign(&product, json!({"per_member_limit": 2}))
        .await;
    let minji = api.signup("minji").await;
    let black = choice(&product, "블랙");
    let order = |campaign_id: Value, choices: Value, quantity: Value| {
        json!({"id": uuid::Uuid::now_v7().to_string(), "campaign_id": campaign_id,
               "choice_ids": choices, "quantity": quantity})
    };
    let cases = [
        (
            order(campaign["id"].clone(), json!([black["id"]]), json!(-1)),
            422,
            "invalid_field",
        ),
        (
            order(campaign["id"].clone(), json!([black["id"]]), json!(0)),
            422,
            "invalid_field",
        ),
        (
            order(campaign["id"].clone(), json!([black["id"]]), json!("two")),
            422,
            "invalid_field",
        ),
        (
            order(
                campaign["id"].clone(),
                json!([uuid::Uuid::now_v7().to_string()]),
                json!(1),
            ),
            422,
            "invalid_field",
        ),
        (
            order(campaign["id"].clone(), json!([]), json!(1)),
            422,
            "invalid_field",
        ),
        (
            order(
                campaign["id"].clone(),
                json!([black["id"], choice(&product, "화이트")["id"]]),
                json!(1),
            ),
            422,
            "invalid_field",
        ),
        (
            order(campaign["id"].clone(), json!([black["id"]]), json!(3)),
            409,
            "over_limit",
        ),
        (
            order(json!("not-an-id"), json!([black["id"]]), json!(1)),
            422,
            "invalid_field",
        ),
        (
            order(
                json!(uuid::Uuid::now_v7().to_string()),
                json!([black["id"]]),
                json!(1),
            ),
            404,
            "not_found",
        ),
    ];
    for (body, status, code) in cases {
        let r = api
            .post("/v1/orders", Some(&minji.access), body.clone())
            .await;
        assert_eq!(
            (r.status.as_u16(), r.code()),
            (status, code),
            "{body}: {}",
            r.body
        );
    }
    let r = shop
        .server
        .api()
        .raw(
            "/v1/orders",
            Some("application/json"),
            b"{\"id\": ".to_vec(),
        )
        .await;
    assert_eq!(r.status, 401, "no token first");
    assert_eq!(shop.server.count("orders").await, 0);
    // Over the limit across orders.
    shop.order(&minji, &campaign, &black, 2).await;
    let r = api
        .post(
            "/v1/orders",
            Some(&minji.access),
            order(campaign["id"].clone(), json!([black["id"]]), json!(1)),
        )
        .await;
    r.expect_error(409, "over_limit");
    // A closed campaign takes no orders.
    let closed = shop.campaign(&product, json!({})).await;
    api.post(
        &format!(
            "/v1/admin/shop/campaigns/{}/cancel",
            closed["id"].as_str().unwrap()
        ),
        Some(&shop.admin.access),
        json!({"reason": "테스트"}),
    )
    .await
    .expect(200);
    let r = api
        .post(
            "/v1/orders",
            Some(&minji.access),
            order(closed["id"].clone(), json!([black["id"]]), json!(1)),
        )
        .await;
    r.expect_error(409, "campaign_closed");
    assert_eq!(shop.server.count("orders").await, 1);
    // Members cannot run the shop.
    api.post(
        "/v1/admin/shop/products",
        Some(&minji.access),
        json!({"name": "x", "base_price_krw": 1}),
    )
    .await
    .expect_error(403, "forbidden");
    // Product rules: prices, groups, choices, names.
    let too_many_groups: Vec<Value> = (0..4)
        .map(|g| json!({"name": format!("g{g}"), "choices": [{"name": "a", "stock": 1}]}))
        .collect();
    let too_many_choices: Vec<Value> = (0..31)
        .map(|c| json!({"name": format!("c{c}"), "stock": 1}))
        .collect();
    let bad_products = [
        json!({"name": "x", "base_price_krw": -1}),
        json!({"name": "x".repeat(81), "base_price_krw": 1}),
        json!({"name": "x", "base_price_krw": 1, "option_groups": too_many_groups}),
        json!({"name": "x", "base_price_krw": 1, "option_groups": [{"name": "g", "choices": too_many_choices}]}),
        json!({"name": "x", "base_price_krw": 1, "option_groups": [{"name": "g", "choices": [{"name": "a", "stock": -1}]}]}),
        json!({"name": "x", "base_price_krw": 100, "option_groups": [{"name": "g", "choices": [{"name": "a", "price_delta_krw": -101, "stock": 1}]}]}),
    ];
    let before = shop.server.count("shop_products").await;
    for body in bad_products {
        let r = api
            .post(
                "/v1/admin/shop/products",
                Some(&shop.admin.access),
                body.clone(),
            )
            .await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
    }
    assert_eq!(shop.server.count("shop_products").await, before);
}

async fn members_cancel_and_admins_cancel_with_refunds(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let product = shop.product().await;
    let campaign = shop.campaign(&product, json!({})).await;
    let black = choice(&product, "블랙");
    let minji = api.signup("minji").await;
    // An unpaid order cancelled at once.
    let a = shop.order(&minji, &campaign, &black, 1).await;
    let a_id = a["order"]["id"].as_str().unwrap();
    let r = api
        .post(
            &format!("/v1/orders/{a_id}/cancel"),
            Some(&minji.access),
            json!({"reason": "실수"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "expired");
    api.post(
        &format!("/v1/orders/{a_id}/cancel"),
        Some(&minji.access),
        json!({}),
    )
    .await
    .expect_error(409, "invalid_state");
    // A paid order refunded through the provider, the refund retried when
    // the provider fails at first.
    let b = shop.order(&minji, &campaign, &black, 1).await;
    let b_id = b["order"]["id"].as_str().unwrap();
    shop.fake.pay(b_id, STORE, "텀블러", 8000, false);
    shop.confirm(&minji, b_id).await.expect(200);
    shop.fake.fail_next_cancels(1);
    let r = api
        .post(
            &format!("/v1/orders/{b_id}/cancel"),
            Some(&minji.access),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "refund_pending");
    // The first try fails; the retry (2 s later) refunds.
    let order = shop.until_status(&minji, b_id, "refunded").await;
    assert_eq!(order["history"].as_array().unwrap().len(), 4);
    assert_eq!(shop.fake.payment(b_id).unwrap().cancels, 1);
    // An admin cancels the campaign: every paid order is refunded.
    let c = shop.order(&minji, &campaign, &black, 1).await;
    let c_id = c["order"]["id"].as_str().unwrap();
    shop.fake.pay(c_id, STORE, "텀블러", 8000, true);
    shop.until_status(&minji, c_id, "paid").await;
    let id = campaign["id"].as_str().unwrap();
    api.post(
        &format!("/v1/admin/shop/campaigns/{id}/cancel"),
        Some(&shop.admin.access),
        json!({"reason": ""}),
    )
    .await
    .expect_error(422, "invalid_field");
    let r = api
        .post(
            &format!("/v1/admin/shop/campaigns/{id}/cancel"),
            Some(&shop.admin.access),
            json!({"reason": "입고 지연"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "cancelled");
    shop.until_status(&minji, c_id, "refunded").await;
    assert_eq!(shop.fake.payment(c_id).unwrap().cancels, 1);
    api.post(
        &format!("/v1/admin/shop/campaigns/{id}/cancel"),
        Some(&shop.admin.access),
        json!({"reason": "again"}),
    )
    .await
    .expect_error(409, "invalid_state");
}

/// The 24-hour reminder goes to members who viewed or saved (찜) the
/// campaign and have not ordered; saving is the desired state (twice is
/// once), and another community's campaign cannot be saved (404).
async fn a_day_before_the_deadline_viewers_and_savers_are_reminded(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let product = shop.product().await;
    let snu = shop.community("서울대학교").await;
    // The reminder falls due three seconds from now.
    let campaign = shop
        .campaign(
            &product,
            json!({"deadline_at": now_ms() + 24 * 3_600_000 + 3_000, "min_participants": 1}),
        )
        .await;
    let theirs = shop
        .campaign(
            &product,
            json!({"community_ids": [snu], "title": "서울대 전용"}),
        )
        .await;
    let id = campaign["id"].as_str().unwrap();
    let viewer = api.signup("viewer").await;
    let saver = api.signup("saver").await;
    let buyer = api.signup("buyer").await;
    let stranger = api.signup("stranger").await;
    shop.campaign_now(&viewer, &campaign["id"]).await;
    shop.campaign_now(&buyer, &campaign["id"]).await;
    for _ in 0..2 {
        let r = api
            .put(
                &format!("/v1/campaigns/{id}/scrap"),
                saver.token(),
                json!({}),
            )
            .await
            .expect(200);
        assert_eq!(r.body["scrapped"], true);
    }
    api.put(
        &format!("/v1/campaigns/{}/scrap", theirs["id"].as_str().unwrap()),
        saver.token(),
        json!({}),
    )
    .await
    .expect_error(404, "not_found");
    api.put("/v1/campaigns/not-an-id/scrap", saver.token(), json!({}))
        .await
        .expect_error(422, "invalid_field");
    api.put(&format!("/v1/campaigns/{id}/scrap"), None, json!({}))
        .await
        .expect_error(401, "missing_token");
    // Saved then let go, then saved again through the sync push.
    api.delete(&format!("/v1/campaigns/{id}/scrap"), stranger.token(), None)
        .await
        .expect(200);
    shop.order(&buyer, &campaign, &choice(&product, "블랙"), 1)
        .await;

    let reminded = |who: &moa_tests::Session| {
        let api = api.clone();
        let token = who.access.clone();
        async move {
            let page = api.get("/v1/notifications", Some(&token)).await.expect(200);
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["kind"] == "campaign_ending_soon" && n["target_id"] == id)
                .count()
        }
    };
    let mut done = false;
    for _ in 0..200 {
        if reminded(&viewer).await == 1 && reminded(&saver).await == 1 {
            done = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(done, "the viewer and the saver were reminded");
    assert_eq!(reminded(&buyer).await, 0, "ordered: no reminder");
    assert_eq!(reminded(&stranger).await, 0, "neither viewed nor saved");
    assert_eq!(shop.server.count("campaign_scraps").await, 1);
}
