//! Phone verification end to end over HTTP, on both engines, against the
//! fake SENS (which checks every request's signature): a code texted to a
//! normalised number, wrong tries counted, the one use, expiry, the resend
//! wait and the per-number limit, a failed text leaving nothing behind,
//! bad input refused with nothing changed; and where the server sends
//! texts, ordering and quoting (REST and sync push) need a verified number,
//! which a change of number takes away. A server without a text provider
//! offers none of it and requires nothing. Through client-core: the same
//! verification from a device (bad input refused before any request, the
//! account cached as verified), and its share links.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use moa_server::sms::fake::FakeSens;
use moa_tests::shop::{STORE, Shop, choice, shop, shop_configured};
use moa_tests::{Engine, Session, TestServer, both_engines, texted_code, verify_phone};
use serde_json::{Value, json};

both_engines!(
    a_texted_code_verifies_the_number_once,
    codes_are_limited_and_refused_clearly,
    ordering_and_quoting_need_a_verified_number,
    without_a_text_provider_nothing_is_offered_or_required,
    the_client_verifies_a_number_and_shares_links,
);

async fn with_sens(engine: Engine) -> (Shop, FakeSens) {
    let fake = FakeSens::start(FakeSens::demo_settings(), "127.0.0.1:0")
        .await
        .unwrap();
    let settings = fake.settings();
    (
        shop_configured(engine, |s| s.sms = Some(settings)).await,
        fake,
    )
}

async fn ask(server: &TestServer, who: &Session, phone: &str) -> moa_tests::Reply {
    server
        .api()
        .post(
            "/v1/me/phone/verification",
            Some(&who.access),
            json!({ "phone": phone }),
        )
        .await
}

async fn answer(server: &TestServer, who: &Session, code: &str) -> moa_tests::Reply {
    server
        .api()
        .post(
            "/v1/me/phone/verification/confirm",
            Some(&who.access),
            json!({ "code": code }),
        )
        .await
}

/// A body that is not JSON, with the member's token.
async fn send_raw(server: &TestServer, who: &Session, body: &[u8]) -> u16 {
    let api = server.api();
    let resp = api
        .http
        .post(format!("{}/v1/me/phone/verification", api.base))
        .bearer_auth(&who.access)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    resp.status().as_u16()
}

fn message(r: &moa_tests::Reply) -> String {
    r.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

async fn a_texted_code_verifies_the_number_once(engine: Engine) {
    let (shop, fake) = with_sens(engine).await;
    let server = &shop.server;
    let api = server.api();
    let methods = api.get("/v1/auth/methods", None).await.expect(200);
    assert_eq!(methods.body["phone_verification"], true);
    let ara = api.signup("ara").await;
    let me = api.get("/v1/me", Some(&ara.access)).await.expect(200);
    assert_eq!(me.body["phone_verified"], false);

    // Any usual spelling; the answer shows E.164, the text goes to digits.
    let sent = ask(server, &ara, "+82 10-1234-5678").await.expect(202);
    assert_eq!(sent.body["phone"], "+821012345678");
    assert_eq!(sent.body["valid_for_secs"], 180);
    assert_eq!(sent.body["resend_after_secs"], 60);
    let text = fake.received().pop().unwrap();
    assert_eq!(text.to, ["01012345678"]);
    assert_eq!(
        (text.kind.as_str(), text.content_type.as_str()),
        ("SMS", "COMM")
    );
    let code = texted_code(&fake, "01012345678").unwrap();
    // Stored only as a keyed hash.
    let stored: String = sqlx::query_scalar("SELECT code_hash FROM phone_verifications")
        .fetch_one(server.state.db.read())
        .await
        .unwrap();
    assert!(!stored.contains(&code) && stored.len() == 64);

    // A wrong try says how many are left and changes nothing.
    let r = answer(server, &ara, &wrong(&code))
        .await
        .expect_error(422, "invalid_code");
    assert!(message(&r).contains("4 tries left"), "{}", r.body);
    let me = api.get("/v1/me", Some(&ara.access)).await.expect(200);
    assert_eq!(
        (me.body["phone"].clone(), me.body["phone_verified"].clone()),
        (Value::Null, json!(false))
    );

    // Another member cannot use it.
    let bom = api.signup("bom").await;
    answer(server, &bom, &code)
        .await
        .expect_error(422, "invalid_code");

    let me = answer(server, &ara, &format!(" {code} ")).await.expect(200);
    assert_eq!(me.body["phone"], "01012345678");
    assert_eq!(me.body["phone_verified"], true);
    // Once only.
    answer(server, &ara, &code)
        .await
        .expect_error(422, "invalid_code");
    assert_eq!(server.count("phone_verifications").await, 0);
    // The account reaches the member's devices through sync too.
    let pulled = api
        .post(
            "/v1/sync/pull",
            Some(&ara.access),
            json!({"buckets": [{"bucket": format!("user:{}", ara.user_id), "cursor": 0}]}),
        )
        .await
        .expect(200);
    let text = pulled.body.to_string();
    assert!(text.contains("\"phone_verified\":true"), "{text}");

    // Saving the same number keeps it verified; another number does not.
    let me = api
        .patch(
            "/v1/me",
            Some(&ara.access),
            json!({"phone": "010-1234-5678"}),
        )
        .await
        .expect(200);
    assert_eq!(me.body["phone_verified"], true);
    let me = api
        .patch(
            "/v1/me",
            Some(&ara.access),
            json!({"phone": "010-9999-0000"}),
        )
        .await
        .expect(200);
    assert_eq!(me.body["phone_verified"], false);

    // Expired: refused, and gone.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    server
        .exec("UPDATE phone_verifications SET created_at = created_at - 120000")
        .await;
    ask(server, &ara, "01099990000").await.expect(202);
    let code = texted_code(&fake, "01099990000").unwrap();
    server
        .exec("UPDATE phone_verifications SET expires_at = 1")
        .await;
    answer(server, &ara, &code)
        .await
        .expect_error(422, "invalid_code");
    assert_eq!(server.count("phone_verifications").await, 0);

    // Five wrong tries burn the code: the right one is refused after.
    ask(server, &bom, "010-2222-3333").await.expect(202);
    let code = texted_code(&fake, "01022223333").unwrap();
    for left in (0..5).rev() {
        let r = answer(server, &bom, &wrong(&code))
            .await
            .expect_error(422, "invalid_code");
        if left > 0 {
            assert!(
                message(&r).contains(&format!("{left} tries left")),
                "{}",
                r.body
            );
        }
    }
    answer(server, &bom, &code)
        .await
        .expect_error(422, "invalid_code");
    let me = api.get("/v1/me", Some(&bom.access)).await.expect(200);
    assert_eq!(me.body["phone_verified"], false);
}

async fn codes_are_limited_and_refused_clearly(engine: Engine) {
    let (shop, fake) = with_sens(engine).await;
    let server = &shop.server;
    let api = server.api();
    let ara = api.signup("ara").await;

    // Bad input: clear errors, nothing sent or stored.
    for bad in [
        "12345",
        "02-123-4567",
        "",
        "010-1234-567a",
        "+1 415 555 0100",
    ] {
        ask(server, &ara, bad)
            .await
            .expect_error(422, "invalid_field");
    }
    for bad in ["", "12345", "1234567", "abcdef", "12 456"] {
        answer(server, &ara, bad)
            .await
            .expect_error(422, "invalid_field");
    }
    assert_eq!(send_raw(server, &ara, b"{\"phone\": ").await, 400);
    api.post(
        "/v1/me/phone/verification",
        Some(&ara.access),
        json!({"phone": 1012345678}),
    )
    .await
    .expect(422);
    api.post(
        "/v1/me/phone/verification",
        None,
        json!({"phone": "01012345678"}),
    )
    .await
    .expect_error(401, "missing_token");
    api.post(
        "/v1/me/phone/verification",
        Some("not-a-token"),
        json!({"phone": "01012345678"}),
    )
    .await
    .expect(401);
    assert!(fake.received().is_empty());
    assert_eq!(server.count("phone_verifications").await, 0);
    // No code asked for: any code is wrong.
    answer(server, &ara, "123456")
        .await
        .expect_error(422, "invalid_code");

    // Another code within a minute: refused with the wait, nothing sent.
    ask(server, &ara, "010-1111-2222").await.expect(202);
    let first = texted_code(&fake, "01011112222").unwrap();
    let r = ask(server, &ara, "010-1111-2222")
        .await
        .expect_error(429, "rate_limited");
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(fake.received().len(), 1);
    // The first code still works.
    answer(server, &ara, &first).await.expect(200);

    // A failed text leaves nothing behind: asking again at once works.
    let bom = api.signup("bom").await;
    fake.fail_next(1);
    let r = ask(server, &bom, "010-3333-4444").await;
    assert_eq!(r.status.as_u16(), 502, "{}", r.body);
    assert_eq!(server.count("phone_verifications").await, 0);
    ask(server, &bom, "010-3333-4444").await.expect(202);

    // One number gets five codes an hour, whoever asks.
    let number = "010-5555-0000";
    for k in 0..5 {
        let who = api.signup(&format!("member{k}")).await;
        ask(server, &who, number).await.expect(202);
    }
    let sixth = api.signup("member5").await;
    ask(server, &sixth, number)
        .await
        .expect_error(429, "rate_limited");
    ask(server, &sixth, "010-5555-0001").await.expect(202);

    // A suspended member cannot ask.
    let mallory = api.signup("mallory").await;
    server
        .exec(&format!(
            "UPDATE users SET suspended_until = 9999999999999 WHERE id = '{}'",
            mallory.user_id
        ))
        .await;
    ask(server, &mallory, "010-6666-7777")
        .await
        .expect_error(403, "account_suspended");
}

async fn ordering_and_quoting_need_a_verified_number(engine: Engine) {
    let (shop, fake) = with_sens(engine).await;
    let server = &shop.server;
    let api = server.api();
    let buyer = api.signup("buyer").await;
    let product = shop.product().await;
    let campaign = shop.campaign(&product, json!({})).await;
    let order = json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "campaign_id": campaign["id"],
        "choice_ids": [choice(&product, "블랙")["id"]],
        "quantity": 1,
    });
    let r = api
        .post("/v1/orders", Some(&buyer.access), order.clone())
        .await
        .expect_error(403, "phone_unverified");
    assert!(message(&r).contains("verified mobile number"), "{}", r.body);
    assert_eq!(server.count("orders").await, 0);
    // A saved but unverified number is not enough.
    api.patch(
        "/v1/me",
        Some(&buyer.access),
        json!({"phone": "010-4444-5555"}),
    )
    .await
    .expect(200);
    api.post("/v1/orders", Some(&buyer.access), order.clone())
        .await
        .expect_error(403, "phone_unverified");
    verify_phone(&api, &fake, &buyer.access, "010-4444-5555").await;
    let placed = api
        .post("/v1/orders", Some(&buyer.access), order)
        .await
        .expect(201);
    let oid = placed.body["order"]["id"].as_str().unwrap();
    shop.fake.pay(oid, STORE, "텀블러", 8000, false);
    shop.confirm(&buyer, oid).await.expect(200);

    // Quoting, by REST and through sync.
    let asker = api.signup("asker").await;
    let helper = api.signup("helper").await;
    let request = api
        .post(
            "/v1/requests",
            Some(&asker.access),
            json!({
                "id": uuid::Uuid::now_v7().to_string(),
                "title": "도쿄 한정판 키링 대신 사다 주실 분",
                "category": "purchase",
                "region": "도쿄",
                "starts_on": moa_protocol::kst::date_of(moa_tests::shop::now_ms() + 3 * 86_400_000),
                "ends_on": moa_protocol::kst::date_of(moa_tests::shop::now_ms() + 5 * 86_400_000),
                "budget_min_krw": 10000,
                "budget_max_krw": 50000,
                "details": "두 개 부탁드려요",
            }),
        )
        .await
        .expect(201)
        .body;
    let rid = request["id"].as_str().unwrap();
    let quote = |id: String| json!({"id": id, "request_id": rid, "price_krw": 30000, "message": "제가 다녀올게요"});
    let path = format!("/v1/requests/{rid}/quote");
    api.put(
        &path,
        Some(&helper.access),
        quote(uuid::Uuid::now_v7().to_string()),
    )
    .await
    .expect_error(403, "phone_unverified");
    let mutation = uuid::Uuid::now_v7().to_string();
    let pushed = api
        .post(
            "/v1/sync/push",
            Some(&helper.access),
            json!({"mutations": [{"id": mutation, "name": "quote.set", "args": quote(uuid::Uuid::now_v7().to_string())}]}),
        )
        .await
        .expect(200);
    let result = &pushed.body["results"][0];
    assert_eq!(result["status"], "rejected", "{}", pushed.body);
    assert_eq!(
        result["error"]["code"], "phone_unverified",
        "{}",
        pushed.body
    );
    assert_eq!(server.count("quotes").await, 0);
    verify_phone(&api, &fake, &helper.access, "010-8888-9999").await;
    api.put(
        &path,
        Some(&helper.access),
        quote(uuid::Uuid::now_v7().to_string()),
    )
    .await
    .expect(200);
    assert_eq!(server.count("quotes").await, 1);

    // A new number is unverified again: the next order is refused.
    api.patch(
        "/v1/me",
        Some(&buyer.access),
        json!({"phone": "010-4444-0000"}),
    )
    .await
    .expect(200);
    api.post(
        "/v1/orders",
        Some(&buyer.access),
        json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "campaign_id": campaign["id"],
            "choice_ids": [choice(&product, "블랙")["id"]],
            "quantity": 1,
        }),
    )
    .await
    .expect_error(403, "phone_unverified");
}

async fn without_a_text_provider_nothing_is_offered_or_required(engine: Engine) {
    let shop = shop(engine).await;
    let server = &shop.server;
    let api = server.api();
    let methods = api.get("/v1/auth/methods", None).await.expect(200);
    assert_eq!(methods.body["phone_verification"], false);
    let ara = api.signup("ara").await;
    ask(server, &ara, "010-1234-5678")
        .await
        .expect_error(404, "not_offered");
    answer(server, &ara, "123456")
        .await
        .expect_error(404, "not_offered");
    // Ordering needs no number here.
    let product = shop.product().await;
    let campaign = shop.campaign(&product, json!({})).await;
    shop.order(&ara, &campaign, &choice(&product, "블랙"), 1)
        .await;
}

async fn the_client_verifies_a_number_and_shares_links(engine: Engine) {
    use moa_client_core::Error;
    use moa_protocol::links::{self, LinkKind};
    let (shop, fake) = with_sens(engine).await;
    let server = &shop.server;
    let (client, _dir) = moa_tests::open_client(&server.url("")).await;
    client
        .sign_up("ara@test.kr", "password-ara", "ara", "아라")
        .await
        .unwrap();
    assert!(client.sign_in_methods().await.unwrap().phone_verification);
    assert!(!client.me().await.unwrap().phone_verified);
    // Refused on the device: nothing reaches the fake.
    for bad in ["02-123-4567", "hello", ""] {
        let e = client.request_phone_verification(bad).await.unwrap_err();
        assert!(matches!(e, Error::Invalid { .. }), "{bad}: {e:?}");
    }
    let e = client
        .confirm_phone_verification("12 34")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    assert!(fake.received().is_empty());

    let sent = client
        .request_phone_verification("010.2468.1357")
        .await
        .unwrap();
    assert_eq!(sent.phone, "+821024681357");
    // Asked again within the minute: the server says wait.
    let e = client
        .request_phone_verification("010-2468-1357")
        .await
        .unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    let code = texted_code(&fake, "01024681357").unwrap();
    let wrong = client
        .confirm_phone_verification(&wrong(&code))
        .await
        .unwrap_err();
    assert!(
        matches!(&wrong, Error::Rejected { code, .. } if *code == moa_protocol::ErrorCode::InvalidCode),
        "{wrong:?}"
    );
    let me = client.confirm_phone_verification(&code).await.unwrap();
    assert_eq!(
        (me.phone.as_deref(), me.phone_verified),
        (Some("01024681357"), true)
    );
    // Cached: still verified offline, from the device.
    assert!(client.me().await.unwrap().phone_verified);
    // A pending change of number shows as unverified at once.
    client
        .update_profile(moa_client_core::ProfileChanges {
            phone: Some(Some("010-1111-2222".into())),
            ..Default::default()
        })
        .await
        .unwrap();
    let me = client.me().await.unwrap();
    assert_eq!(
        (me.phone.as_deref(), me.phone_verified),
        (Some("01011112222"), false)
    );

    let id = "0190b7a0-0000-7000-8000-000000000001";
    let link = client.share_link(LinkKind::Campaign, id);
    assert_eq!(link, server.url(&format!("/c/{id}")));
    assert_eq!(
        links::parse(&link),
        Some((LinkKind::Campaign, id.to_owned()))
    );
}
