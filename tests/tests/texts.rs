//! Texts to selected members through the SENS adapter, against a local fake
//! SENS that checks the `x-ncp-apigw-signature-v2` signature: marketing
//! only to those who agreed (marked "(광고)", `AD`), service notices to a
//! campaign's orderers whatever they chose (`COMM`), batches of 100,
//! per-recipient results with masked numbers, SMS or LMS by length, a
//! provider outage retried, a wrong key refused, replays sent once, and
//! only admins may.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::time::Duration;

use moa_protocol::Role;
use moa_server::sms::fake::FakeSens;
use moa_tests::shop::{STORE, Shop, choice, now_ms, shop_configured};
use moa_tests::{Engine, Session, account_with_role, both_engines, verify_phone};
use serde_json::{Value, json};

both_engines!(
    texts_reach_those_who_may_receive_them_in_signed_batches,
    a_wrong_key_is_refused_and_an_outage_is_retried,
);

async fn with_sens(engine: Engine, fake: &FakeSens) -> Shop {
    let settings = fake.settings();
    shop_configured(engine, |s| s.sms = Some(settings)).await
}

/// `n` members written straight to the database, each with a number and
/// (if `consent`) agreement to marketing texts.
async fn members(shop: &Shop, n: usize, consent: bool) -> Vec<String> {
    let mut tx = shop.server.state.db.begin_write().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let id = uuid::Uuid::now_v7().to_string();
        let handle = format!("m{}{i}", if consent { "y" } else { "n" });
        sqlx::query(
            "INSERT INTO users (id, email, handle, display_name, created_at, updated_at, phone, sms_consent_at) \
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
        )
        .bind(&id)
        .bind(format!("{handle}@test.kr"))
        .bind(&handle)
        .bind(format!("회원 {i}"))
        .bind(now_ms())
        .bind(format!("0109{}{i:06}", if consent { 1 } else { 2 }))
        .bind(consent.then(now_ms))
        .execute(&mut *tx)
        .await
        .unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    ids
}

async fn until_done(shop: &Shop, id: &str) -> Value {
    let api = shop.server.api();
    for _ in 0..300 {
        let list = api
            .get("/v1/admin/texts", Some(&shop.admin.access))
            .await
            .expect(200);
        let send = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap();
        if send["status"] == "done" {
            return send;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("send {id} never finished");
}

async fn all_recipients(shop: &Shop, id: &str) -> Vec<Value> {
    let api = shop.server.api();
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = api
            .get(
                &format!("/v1/admin/texts/{id}/recipients?limit=100{cursor}"),
                Some(&shop.admin.access),
            )
            .await
            .expect(200);
        out.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

async fn member(shop: &Shop, handle: &str, phone: Option<&str>, opt_in: bool) -> Session {
    let api = shop.server.api();
    let s = api.signup(handle).await;
    if let Some(p) = phone {
        let me = api
            .patch(
                "/v1/me",
                Some(&s.access),
                json!({"phone": p, "sms_opt_in": opt_in}),
            )
            .await
            .expect(200);
        assert_eq!(me.body["sms_opt_in"], opt_in);
    }
    s
}

async fn texts_reach_those_who_may_receive_them_in_signed_batches(engine: Engine) {
    let fake = FakeSens::start(FakeSens::demo_settings(), "127.0.0.1:0")
        .await
        .unwrap();
    let shop = with_sens(engine, &fake).await;
    let api = shop.server.api();
    let t = Some(shop.admin.access.as_str());
    let yes = members(&shop, 120, true).await;
    members(&shop, 5, false).await;
    let minji = member(&shop, "minji", Some("+82 10-3333-4444"), true).await;
    let junho = member(&shop, "junho", Some("010 5555 6666"), false).await;
    let lone = member(&shop, "lone", None, false).await;
    // The member sees their own number; others never do.
    let me = api.get("/v1/me", Some(&minji.access)).await.expect(200);
    assert_eq!(me.body["phone"], "01033334444");
    let profile = api
        .get(&format!("/v1/users/{}", minji.user_id), Some(&junho.access))
        .await
        .expect(200);
    assert!(!profile.body.to_string().contains("01033334444"));
    // A number that is not a Korean mobile one is refused, nothing changes.
    let r = api
        .patch(
            "/v1/me",
            Some(&lone.access),
            json!({"phone": "02-123-4567"}),
        )
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(r.field(), "phone");

    // Marketing to everyone: those with a number who agreed (120 + minji).
    let id = uuid::Uuid::now_v7().to_string();
    let req = json!({"id": id, "purpose": "marketing", "body": "겨울 공구가 열렸어요!"});
    let preview = api
        .post("/v1/admin/texts/preview", t, req.clone())
        .await
        .expect(200)
        .body;
    assert_eq!(preview["recipients"], 121);
    assert_eq!(
        preview["opted_out"],
        5 + 1,
        "junho and the five who did not agree"
    );
    assert_eq!(preview["without_phone"], 2, "lone and the admin");
    assert_eq!(preview["kind"], "sms");
    assert_eq!(preview["cost_krw"], 121 * 9);
    let body = preview["body"].as_str().unwrap();
    assert!(
        body.starts_with("(광고) 모아\n겨울 공구가 열렸어요!") && body.contains("무료수신거부"),
        "{body}"
    );
    let sent = api
        .post("/v1/admin/texts", t, req.clone())
        .await
        .expect(201);
    assert_eq!(sent.body["recipients"], 121);
    // The same id again is the same send.
    let again = api.post("/v1/admin/texts", t, req).await.expect(200);
    assert_eq!(again.body["id"], id.as_str());
    let done = until_done(&shop, &id).await;
    assert_eq!(
        (
            done["sent"].as_i64(),
            done["failed"].as_i64(),
            done["pending"].as_i64()
        ),
        (Some(121), Some(0), Some(0)),
        "refused {:?}, first {:?}",
        fake.refused(),
        all_recipients(&shop, &id).await.first()
    );
    // Two signed requests (100 + 21), marked as advertising, to the right numbers.
    let got = fake.received();
    assert_eq!(
        got.iter().map(|r| r.to.len()).collect::<Vec<_>>(),
        vec![100, 21]
    );
    assert!(
        got.iter()
            .all(|r| r.content_type == "AD" && r.kind == "SMS" && r.content == body)
    );
    let numbers: Vec<&String> = got.iter().flat_map(|r| &r.to).collect();
    assert!(numbers.contains(&&"01033334444".to_owned()));
    assert!(
        !numbers.contains(&&"01055556666".to_owned()),
        "junho did not agree"
    );
    assert!(
        numbers.iter().all(|n| !n.starts_with("01092")),
        "nor did the five"
    );
    // Each recipient's result, numbers masked.
    let recipients = all_recipients(&shop, &id).await;
    assert_eq!(recipients.len(), 121);
    assert!(recipients.iter().all(|r| {
        r["status"] == "sent"
            && r["request_id"]
                .as_str()
                .is_some_and(|s| s.starts_with("RSSA-"))
    }));
    let mine = recipients
        .iter()
        .find(|r| r["user_id"] == minji.user_id.as_str())
        .unwrap();
    assert_eq!(mine["phone"], "010-****-4444");
    assert!(
        yes.iter()
            .all(|y| recipients.iter().any(|r| r["user_id"] == y.as_str()))
    );

    // A service notice goes to a campaign's orderers, consent or not.
    // Ordering takes a verified number here (the server sends texts); the
    // lone member drops theirs after ordering.
    let product = shop.product().await;
    let campaign = shop.campaign(&product, json!({})).await;
    for (who, number) in [
        (&minji, "01033334444"),
        (&junho, "01055556666"),
        (&lone, "01077778888"),
    ] {
        let me = verify_phone(&api, &fake, &who.access, number).await;
        assert_eq!(
            (me["phone"].as_str(), me["phone_verified"].as_bool()),
            (Some(number), Some(true))
        );
        let placed = shop
            .order(who, &campaign, &choice(&product, "블랙"), 1)
            .await;
        let oid = placed["order"]["id"].as_str().unwrap();
        shop.fake.pay(oid, STORE, "텀블러", 8000, false);
        shop.confirm(who, oid).await.expect(200);
    }
    let me = api
        .patch("/v1/me", Some(&lone.access), json!({"phone": null}))
        .await
        .expect(200);
    assert_eq!(me.body["phone_verified"], false);
    let long = "주문하신 스테인리스 텀블러가 도착했습니다. 학생회관 1층에서 평일 10시부터 18시까지 받아 가세요.";
    let notice = json!({
        "id": uuid::Uuid::now_v7().to_string(), "purpose": "service",
        "audience": {"campaign_id": campaign["id"]}, "subject": "수령 안내", "body": long,
    });
    let preview = api
        .post("/v1/admin/texts/preview", t, notice.clone())
        .await
        .expect(200)
        .body;
    assert_eq!(
        (
            preview["recipients"].as_i64(),
            preview["without_phone"].as_i64(),
            preview["opted_out"].as_i64()
        ),
        (Some(2), Some(1), Some(0))
    );
    assert_eq!(preview["kind"], "lms");
    assert_eq!(preview["cost_krw"], 60);
    let sent = api
        .post("/v1/admin/texts", t, notice.clone())
        .await
        .expect(201);
    until_done(&shop, sent.body["id"].as_str().unwrap()).await;
    let last = fake.received().pop().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.content_type.as_str()),
        ("LMS", "COMM")
    );
    assert_eq!(last.subject.as_deref(), Some("수령 안내"));
    let mut to = last.to.clone();
    to.sort();
    assert_eq!(to, vec!["01033334444".to_owned(), "01055556666".to_owned()]);

    // Bad requests: clear errors, nothing sent.
    let before = fake.received().len();
    for (body, field) in [
        (
            json!({"id": uuid::Uuid::now_v7().to_string(), "purpose": "service", "body": "x"}),
            "audience.campaign_id",
        ),
        (
            json!({"id": uuid::Uuid::now_v7().to_string(), "body": " "}),
            "body",
        ),
        (
            json!({"id": uuid::Uuid::now_v7().to_string(), "body": "가".repeat(1_100)}),
            "body",
        ),
        (json!({"id": "nope", "body": "hi"}), "id"),
        (
            json!({"id": uuid::Uuid::now_v7().to_string(), "body": "hi", "audience": {"joined_from": "2026-02-30"}}),
            "audience.joined_from",
        ),
        (
            json!({"id": uuid::Uuid::now_v7().to_string(), "body": "hi", "audience": {"user_ids": ["x"]}}),
            "audience.user_ids[0]",
        ),
        (
            json!({"id": uuid::Uuid::now_v7().to_string(), "body": "hi", "audience": {"user_ids": [lone.user_id]}}),
            "audience",
        ),
    ] {
        let r = api
            .post("/v1/admin/texts", t, body.clone())
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(r.field(), field, "{body}");
    }
    api.post("/v1/admin/texts", t, json!({"body": 5}))
        .await
        .expect(422);
    // By hand, narrowed: only minji of the two picked agreed.
    let picked = json!({"body": "hi", "audience": {"user_ids": [minji.user_id, junho.user_id]}});
    let p = api
        .post("/v1/admin/texts/preview", t, picked)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (p["recipients"].as_i64(), p["opted_out"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(fake.received().len(), before);
    assert!(fake.refused().is_empty(), "{:?}", fake.refused());

    // Members and moderators may not.
    let moderator = account_with_role(&shop.server, "moder", Role::Moderator).await;
    for who in [&minji, &moderator] {
        let w = Some(who.access.as_str());
        api.post("/v1/admin/texts/preview", w, json!({"body": "x"}))
            .await
            .expect_error(403, "forbidden");
        api.post(
            "/v1/admin/texts",
            w,
            json!({"id": uuid::Uuid::now_v7().to_string(), "body": "x"}),
        )
        .await
        .expect_error(403, "forbidden");
        api.get("/v1/admin/texts", w)
            .await
            .expect_error(403, "forbidden");
        api.get(&format!("/v1/admin/texts/{id}/recipients"), w)
            .await
            .expect_error(403, "forbidden");
    }
    let audit = api
        .get("/v1/admin/audit", t)
        .await
        .expect(200)
        .body
        .to_string();
    assert!(audit.contains("send_texts"), "{audit}");
}

async fn a_wrong_key_is_refused_and_an_outage_is_retried(engine: Engine) {
    let fake = FakeSens::start(FakeSens::demo_settings(), "127.0.0.1:0")
        .await
        .unwrap();
    // The server signs with a secret the fake does not know.
    let mut wrong = fake.settings();
    wrong.secret_key = "not-the-secret".into();
    let shop = shop_configured(engine, |s| s.sms = Some(wrong)).await;
    let api = shop.server.api();
    let t = Some(shop.admin.access.as_str());
    members(&shop, 3, true).await;
    let id = uuid::Uuid::now_v7().to_string();
    api.post("/v1/admin/texts", t, json!({"id": id, "body": "공지"}))
        .await
        .expect(201);
    let done = until_done(&shop, &id).await;
    assert_eq!(
        (done["sent"].as_i64(), done["failed"].as_i64()),
        (Some(0), Some(3))
    );
    assert_eq!(fake.refused(), vec!["authentication".to_owned()]);
    assert!(fake.received().is_empty());
    let recipients = all_recipients(&shop, &id).await;
    assert!(
        recipients
            .iter()
            .all(|r| r["status"] == "failed" && r["error"].as_str().unwrap().contains("401")),
        "{recipients:?}"
    );

    // The right key, and SENS down for the first try: retried, then sent.
    let fake = FakeSens::start(FakeSens::demo_settings(), "127.0.0.1:0")
        .await
        .unwrap();
    let right = fake.settings();
    let server = shop.server.restart_with(|s| s.sms = Some(right)).await;
    let api = server.api();
    let admin = api
        .login("shopadmin@test.kr", "password-shopadmin")
        .await
        .expect(200);
    let token = admin.body["access_token"].as_str().unwrap().to_owned();
    fake.fail_next(1);
    let id = uuid::Uuid::now_v7().to_string();
    api.post(
        "/v1/admin/texts",
        Some(&token),
        json!({"id": id, "body": "다시 공지"}),
    )
    .await
    .expect(201);
    let started = now_ms();
    loop {
        let list = api
            .get("/v1/admin/texts", Some(&token))
            .await
            .expect(200)
            .body;
        let send = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id.as_str())
            .cloned()
            .unwrap();
        if send["status"] == "done" {
            assert_eq!(send["sent"], 3);
            break;
        }
        assert!(now_ms() - started < 15_000, "never retried: {send}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(fake.received().len(), 1);
}
