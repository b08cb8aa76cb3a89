//! Requests (부탁) and the points wallet end to end over HTTP, on both
//! engines, against the local fake PortOne: the whole loop from a request
//! to the helper's review; quotes visible to the requester only; a quote on
//! one's own request refused; accepting with a short balance; two devices
//! accepting at once (exactly one wins) and concurrent holds that never
//! overdraw; cancellation releasing exactly once; the expiry job;
//! community-only requests invisible elsewhere; charges verified with the
//! provider (app and webhook, a tampered amount refused) and refunded;
//! reports showing the request, its quotes and chat; bad input refused
//! with nothing written. After each, the ledger sums to the balances.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::time::Duration;

use moa_tests::shop::{STORE, Shop, shop};
use moa_tests::{Engine, Session, both_engines};
use serde_json::{Value, json};

both_engines!(
    the_whole_loop_from_request_to_review,
    cancellation_releases_held_points_exactly_once,
    two_devices_accepting_at_once_and_concurrent_holds,
    open_requests_expire_after_their_dates,
    community_requests_are_invisible_elsewhere,
    charges_are_verified_with_the_provider_and_refunded,
    reports_show_the_request_its_quotes_and_chat,
    bad_input_is_refused_and_writes_nothing,
    the_feed_filters_and_pages,
);

const DAY: i64 = 86_400_000;

fn date(days: i64) -> String {
    moa_protocol::kst::date_of(moa_tests::shop::now_ms() + days * DAY)
}

fn request_body(title: &str, extra: Value) -> Value {
    let mut body = json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "title": title,
        "category": "purchase",
        "region": "도쿄 시부야",
        "starts_on": date(3),
        "ends_on": date(5),
        "budget_min_krw": 10000,
        "budget_max_krw": 50000,
        "details": "한정판 키링 2개 부탁드려요",
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body
}

async fn post_request(shop: &Shop, who: &Session, title: &str, extra: Value) -> Value {
    shop.server
        .api()
        .post(
            "/v1/requests",
            Some(&who.access),
            request_body(title, extra),
        )
        .await
        .expect(201)
        .body
}

async fn quote(shop: &Shop, who: &Session, request: &Value, price: i64) -> Value {
    let id = request["id"].as_str().unwrap();
    shop.server
        .api()
        .put(
            &format!("/v1/requests/{id}/quote"),
            Some(&who.access),
            json!({
                "id": uuid::Uuid::now_v7().to_string(),
                "request_id": id,
                "price_krw": price,
                "message": "제가 해 드릴게요",
            }),
        )
        .await
        .expect(200)
        .body
}

async fn accept(shop: &Shop, who: &Session, request: &Value, quote: &Value) -> moa_tests::Reply {
    let id = request["id"].as_str().unwrap();
    shop.server
        .api()
        .post(
            &format!("/v1/requests/{id}/accept"),
            Some(&who.access),
            json!({"quote_id": quote["id"]}),
        )
        .await
}

async fn wallet(shop: &Shop, who: &Session) -> (i64, i64) {
    let w = shop
        .server
        .api()
        .get("/v1/points", Some(&who.access))
        .await
        .expect(200)
        .body;
    (w["balance"].as_i64().unwrap(), w["held"].as_i64().unwrap())
}

async fn grant(shop: &Shop, who: &Session, amount: i64) {
    shop.server
        .api()
        .post(
            "/v1/admin/points/grants",
            Some(&shop.admin.access),
            json!({"user_id": who.user_id, "amount": amount, "reason": "테스트 포인트"}),
        )
        .await
        .expect(201);
}

async fn entries(shop: &Shop, who: &Session) -> Vec<Value> {
    shop.server
        .api()
        .get("/v1/points/entries?limit=100", Some(&who.access))
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn kinds(entries: &[Value]) -> Vec<String> {
    let mut k: Vec<String> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    k.sort();
    k
}

/// Every member's ledger sums to their balance, no balance or held amount
/// is negative, and what came in (charges, bonuses, minus refunds) equals
/// what is spendable plus held plus what completed requests paid out of
/// requesters (paid to helpers, who hold it as balance).
async fn ledger_balances(shop: &Shop) {
    let db = shop.server.state.db.read();
    let wallets: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT user_id, balance, held FROM wallets")
            .fetch_all(db)
            .await
            .unwrap();
    for (user, balance, held) in &wallets {
        assert!(*balance >= 0 && *held >= 0, "{user}: {balance} {held}");
        let sum: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(amount) AS BIGINT) FROM point_entries WHERE user_id = $1",
        )
        .bind(user)
        .fetch_one(db)
        .await
        .unwrap();
        assert_eq!(sum.unwrap_or(0), *balance, "ledger of {user}");
    }
    let held_total: i64 = wallets.iter().map(|w| w.2).sum();
    let matched: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(price_krw) AS BIGINT) FROM requests WHERE status = 'matched'",
    )
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(held_total, matched.unwrap_or(0), "held = matched prices");
}

async fn the_whole_loop_from_request_to_review(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let (a, b, c) = (
        api.signup("requester").await,
        api.signup("helper").await,
        api.signup("other").await,
    );
    let request = post_request(
        &shop,
        &a,
        "도쿄에서 한정판 굿즈 대신 사다 주실 분",
        json!({}),
    )
    .await;
    let rid = request["id"].as_str().unwrap();
    assert_eq!(request["status"], "open");
    // Anyone sees it in the feed (signed out too).
    let feed = api.get("/v1/requests", None).await.expect(200);
    assert_eq!(feed.body["items"][0]["id"], rid);
    // Posting the same id again answers it (a retried push).
    api.post(
        "/v1/requests",
        Some(&a.access),
        request_body("x", json!({"id": rid})),
    )
    .await
    .expect(200);

    let qb = quote(&shop, &b, &request, 30000).await;
    let qc = quote(&shop, &c, &request, 45000).await;
    // One quote per member: quoting again edits it (same id).
    let qb2 = quote(&shop, &b, &request, 28000).await;
    assert_eq!(qb2["id"], qb["id"]);
    assert_eq!(qb2["price_krw"], 28000);
    // The requester sees both; a quoter only their own; the count is public.
    let all = api
        .get(&format!("/v1/requests/{rid}/quotes"), Some(&a.access))
        .await
        .expect(200);
    assert_eq!(all.body.as_array().unwrap().len(), 2);
    let own = api
        .get(&format!("/v1/requests/{rid}/quotes"), Some(&b.access))
        .await
        .expect(200);
    assert_eq!(own.body.as_array().unwrap().len(), 1);
    assert_eq!(own.body[0]["quoter"]["id"], b.user_id.as_str());
    let public = api
        .get(&format!("/v1/requests/{rid}"), None)
        .await
        .expect(200);
    assert_eq!(public.body["quote_count"], 2);
    // No quoting on one's own request.
    api.put(
        &format!("/v1/requests/{rid}/quote"),
        Some(&a.access),
        json!({"id": uuid::Uuid::now_v7().to_string(), "request_id": rid, "price_krw": 1000, "message": "나"}),
    )
    .await
    .expect_error(409, "own_request");
    // The requester heard of the quotes.
    let notes = api
        .get("/v1/notifications", Some(&a.access))
        .await
        .expect(200);
    assert!(notes.body.to_string().contains("quote_received"));

    // No points yet: refused, nothing changes.
    let short = accept(&shop, &a, &request, &qb)
        .await
        .expect_error(409, "insufficient_points");
    assert!(
        short.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("충전")
    );
    let still = api
        .get(&format!("/v1/requests/{rid}"), None)
        .await
        .expect(200);
    assert_eq!(still.body["status"], "open");
    assert!(still.body["room_id"].is_null());

    // Charge 50,000 at the provider.
    let charge_id = uuid::Uuid::now_v7().to_string();
    let checkout = api
        .post(
            "/v1/points/charges",
            Some(&a.access),
            json!({"id": charge_id, "amount_krw": 50000}),
        )
        .await
        .expect(201);
    assert!(
        checkout.body["checkout_url"]
            .as_str()
            .unwrap()
            .contains("totalAmount=50000")
    );
    api.post(
        &format!("/v1/points/charges/{charge_id}/confirm"),
        Some(&a.access),
        json!({}),
    )
    .await
    .expect_error(409, "payment_incomplete");
    assert_eq!(wallet(&shop, &a).await, (0, 0));
    shop.fake.pay(&charge_id, STORE, "포인트", 50000, false);
    let paid = api
        .post(
            &format!("/v1/points/charges/{charge_id}/confirm"),
            Some(&a.access),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(paid.body["status"], "paid");
    // Confirming again adds nothing.
    api.post(
        &format!("/v1/points/charges/{charge_id}/confirm"),
        Some(&a.access),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(wallet(&shop, &a).await, (50000, 0));

    // Accept: held, matched, the pair's room opened with the request named.
    let accepted = accept(&shop, &a, &request, &qb).await.expect(200);
    assert_eq!(accepted.body["request"]["status"], "matched");
    assert_eq!(accepted.body["request"]["helper"]["id"], b.user_id.as_str());
    assert_eq!(accepted.body["wallet"]["balance"], 22000);
    assert_eq!(accepted.body["wallet"]["held"], 28000);
    let room = accepted.body["request"]["room_id"].as_str().unwrap();
    let messages = api
        .get(&format!("/v1/rooms/{room}/messages"), Some(&b.access))
        .await
        .expect(200);
    assert!(
        messages.body.to_string().contains("도쿄에서 한정판 굿즈"),
        "{}",
        messages.body
    );
    // The other quoter was told it went elsewhere; the helper was told too.
    let declined = api
        .get(&format!("/v1/requests/{rid}/quotes"), Some(&c.access))
        .await
        .expect(200);
    assert_eq!(declined.body[0]["id"], qc["id"]);
    assert_eq!(declined.body[0]["status"], "declined");
    let c_notes = api
        .get("/v1/notifications", Some(&c.access))
        .await
        .expect(200);
    assert!(c_notes.body.to_string().contains("quote_declined"));
    let b_notes = api
        .get("/v1/notifications", Some(&b.access))
        .await
        .expect(200);
    assert!(b_notes.body.to_string().contains("quote_accepted"));
    // The same accept again (another device) answers the same; another
    // quote now is refused.
    accept(&shop, &a, &request, &qb).await.expect(200);
    accept(&shop, &a, &request, &qc)
        .await
        .expect_error(409, "request_closed");
    assert_eq!(wallet(&shop, &a).await, (22000, 28000));
    // The helper lists it; a review before completion is refused.
    let helping = api
        .get("/v1/me/requests?role=helping", Some(&b.access))
        .await
        .expect(200);
    assert_eq!(helping.body["items"][0]["id"], rid);
    api.post(
        &format!("/v1/requests/{rid}/review"),
        Some(&a.access),
        json!({"request_id": rid, "rating": 5}),
    )
    .await
    .expect_error(409, "invalid_state");
    // Only the requester completes.
    api.post(
        &format!("/v1/requests/{rid}/complete"),
        Some(&b.access),
        json!({}),
    )
    .await
    .expect_error(403, "not_author");
    let done = api
        .post(
            &format!("/v1/requests/{rid}/complete"),
            Some(&a.access),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(done.body["status"], "completed");
    api.post(
        &format!("/v1/requests/{rid}/complete"),
        Some(&a.access),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(wallet(&shop, &a).await, (22000, 0));
    assert_eq!(wallet(&shop, &b).await, (28000, 0));
    assert_eq!(kinds(&entries(&shop, &a).await), ["charge", "hold"]);
    assert_eq!(kinds(&entries(&shop, &b).await), ["pay"]);
    // A completed request cannot be cancelled.
    api.post(
        &format!("/v1/requests/{rid}/cancel"),
        Some(&a.access),
        json!({"reason": "늦었어요"}),
    )
    .await
    .expect_error(409, "invalid_state");
    // The review, once; on the helper's profile.
    let review = api
        .post(
            &format!("/v1/requests/{rid}/review"),
            Some(&a.access),
            json!({"request_id": rid, "rating": 5, "text": "친절하고 빨랐어요"}),
        )
        .await
        .expect(200);
    let again = api
        .post(
            &format!("/v1/requests/{rid}/review"),
            Some(&a.access),
            json!({"request_id": rid, "rating": 1, "text": "다시"}),
        )
        .await
        .expect(200);
    assert_eq!(again.body["id"], review.body["id"]);
    let profile = api
        .get(&format!("/v1/users/{}", b.user_id), None)
        .await
        .expect(200);
    assert_eq!(profile.body["counts"]["helper_reviews"], 1);
    assert_eq!(profile.body["counts"]["helper_rating_sum"], 5);
    let reviews = api
        .get(&format!("/v1/users/{}/helper-reviews", b.user_id), None)
        .await
        .expect(200);
    assert_eq!(reviews.body["items"][0]["text"], "친절하고 빨랐어요");
    assert_eq!(
        reviews.body["items"][0]["request_title"],
        "도쿄에서 한정판 굿즈 대신 사다 주실 분"
    );
    let b_notes = api
        .get("/v1/notifications", Some(&b.access))
        .await
        .expect(200);
    assert!(b_notes.body.to_string().contains("request_completed"));
    assert!(b_notes.body.to_string().contains("helper_reviewed"));
    ledger_balances(&shop).await;
}

async fn matched(shop: &Shop, price: i64) -> (Session, Session, Value, Value) {
    let api = shop.server.api();
    let a = api.signup(&format!("req{price}")).await;
    let b = api.signup(&format!("hlp{price}")).await;
    grant(shop, &a, 100000).await;
    let request = post_request(shop, &a, "제주 2박 3일 기록", json!({"category": "travel"})).await;
    let q = quote(shop, &b, &request, price).await;
    accept(shop, &a, &request, &q).await.expect(200);
    (a, b, request, q)
}

async fn cancellation_releases_held_points_exactly_once(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let (a, b, request, _) = matched(&shop, 40000).await;
    let rid = request["id"].as_str().unwrap();
    assert_eq!(wallet(&shop, &a).await, (60000, 40000));
    // Someone else cannot cancel it.
    let other = api.signup("stranger").await;
    api.post(
        &format!("/v1/requests/{rid}/cancel"),
        Some(&other.access),
        json!({}),
    )
    .await
    .expect_error(403, "forbidden");
    // The helper cancels, then the requester (twice, and by sync push).
    let cancelled = api
        .post(
            &format!("/v1/requests/{rid}/cancel"),
            Some(&b.access),
            json!({"reason": "일정이 안 맞아요"}),
        )
        .await
        .expect(200);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["closing_note"], "일정이 안 맞아요");
    api.post(
        &format!("/v1/requests/{rid}/cancel"),
        Some(&a.access),
        json!({}),
    )
    .await
    .expect(200);
    let push = json!({"mutations": [
        {"id": uuid::Uuid::now_v7().to_string(), "name": "request.cancel", "args": {"id": rid, "reason": ""}},
    ]});
    api.post("/v1/sync/push", Some(&a.access), push.clone())
        .await
        .expect(200);
    api.post("/v1/sync/push", Some(&a.access), push)
        .await
        .expect(200);
    assert_eq!(wallet(&shop, &a).await, (100000, 0));
    assert_eq!(
        kinds(&entries(&shop, &a).await),
        ["bonus", "hold", "release"]
    );
    // Cancelled: not completable.
    api.post(
        &format!("/v1/requests/{rid}/complete"),
        Some(&a.access),
        json!({}),
    )
    .await
    .expect_error(409, "invalid_state");
    let notes = api
        .get("/v1/notifications", Some(&a.access))
        .await
        .expect(200);
    assert!(notes.body.to_string().contains("request_cancelled"));
    ledger_balances(&shop).await;
}

async fn two_devices_accepting_at_once_and_concurrent_holds(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let a = api.signup("busy").await;
    let (b, c) = (api.signup("helper_b").await, api.signup("helper_c").await);
    grant(&shop, &a, 30000).await;
    // Two devices accept two different quotes of one request at once.
    let r1 = post_request(&shop, &a, "첫 번째 부탁", json!({})).await;
    let (qb, qc) = (
        quote(&shop, &b, &r1, 10000).await,
        quote(&shop, &c, &r1, 12000).await,
    );
    let (x, y) = tokio::join!(accept(&shop, &a, &r1, &qb), accept(&shop, &a, &r1, &qc));
    let codes = [x.status.as_u16(), y.status.as_u16()];
    assert_eq!(
        codes.iter().filter(|s| **s == 200).count(),
        1,
        "{codes:?} {} {}",
        x.body,
        y.body
    );
    let loser = if x.status.as_u16() == 200 { &y } else { &x };
    assert_eq!(loser.code(), "request_closed");
    let (balance, held) = wallet(&shop, &a).await;
    assert!(held == 10000 || held == 12000, "{held}");
    assert_eq!(balance + held, 30000);
    // Many holds at once on one balance never overdraw it: ten requests of
    // 9,000 each against what is left.
    let left = balance;
    let mut pairs = Vec::new();
    for n in 0..10 {
        let r = post_request(&shop, &a, &format!("동시 부탁 {n}"), json!({})).await;
        let q = quote(&shop, &b, &r, 9000).await;
        pairs.push((r, q));
    }
    let replies =
        futures_util::future::join_all(pairs.iter().map(|(r, q)| accept(&shop, &a, r, q))).await;
    let won = replies.iter().filter(|r| r.status.as_u16() == 200).count() as i64;
    for r in replies.iter().filter(|r| r.status.as_u16() != 200) {
        assert_eq!(r.code(), "insufficient_points", "{}", r.body);
    }
    assert_eq!(won, left / 9000, "exactly as many as the balance covers");
    let (balance, _) = wallet(&shop, &a).await;
    assert_eq!(balance, left - won * 9000);
    ledger_balances(&shop).await;
}

async fn open_requests_expire_after_their_dates(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let a = api.signup("expiring").await;
    let b = api.signup("quoter").await;
    let request = post_request(
        &shop,
        &a,
        "오늘까지 부탁",
        json!({"starts_on": date(0), "ends_on": date(0)}),
    )
    .await;
    let rid = request["id"].as_str().unwrap().to_owned();
    let q = quote(&shop, &b, &request, 5000).await;
    let matched_one = post_request(
        &shop,
        &a,
        "이미 매칭된 부탁",
        json!({"starts_on": date(0), "ends_on": date(0)}),
    )
    .await;
    let q2 = quote(&shop, &b, &matched_one, 5000).await;
    grant(&shop, &a, 5000).await;
    accept(&shop, &a, &matched_one, &q2).await.expect(200);
    // The clock moves past the end of the day: its job comes due.
    let mut tx = shop.server.state.db.begin_write().await.unwrap();
    sqlx::query("UPDATE requests SET expires_at = 1")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE jobs SET due_at = 1 WHERE kind = 'request_expiry'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    shop.server.state.jobs_kick.notify_one();
    let mut status = String::new();
    for _ in 0..100 {
        let r = api
            .get(&format!("/v1/requests/{rid}"), None)
            .await
            .expect(200);
        status = r.body["status"].as_str().unwrap().to_owned();
        if status == "expired" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "expired");
    let quotes = api
        .get(&format!("/v1/requests/{rid}/quotes"), Some(&b.access))
        .await
        .expect(200);
    assert_eq!(quotes.body[0]["id"], q["id"]);
    assert_eq!(quotes.body[0]["status"], "declined");
    // Gone from the feed; quoting is refused; a matched one stays matched.
    let feed = api.get("/v1/requests", None).await.expect(200);
    assert!(!feed.body.to_string().contains(&rid));
    api.put(
        &format!("/v1/requests/{rid}/quote"),
        Some(&b.access),
        json!({"id": q["id"], "request_id": rid, "price_krw": 6000, "message": "다시"}),
    )
    .await
    .expect_error(409, "request_closed");
    let m = api
        .get(
            &format!("/v1/requests/{}", matched_one["id"].as_str().unwrap()),
            None,
        )
        .await
        .expect(200);
    assert_eq!(m.body["status"], "matched");
    ledger_balances(&shop).await;
}

async fn join(shop: &Shop, who: &Session, community: &str) {
    shop.server
        .api()
        .patch(
            "/v1/me",
            Some(&who.access),
            json!({"community_id": community}),
        )
        .await
        .expect(200);
}

async fn community_requests_are_invisible_elsewhere(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let (x, y) = (
        shop.community("서울대학교").await,
        shop.community("연세대학교").await,
    );
    let a = api.signup("snu_a").await;
    let same = api.signup("snu_b").await;
    let far = api.signup("yonsei").await;
    join(&shop, &a, &x).await;
    join(&shop, &same, &x).await;
    join(&shop, &far, &y).await;
    let request = post_request(
        &shop,
        &a,
        "관악 강아지 산책",
        json!({"community_only": true}),
    )
    .await;
    let rid = request["id"].as_str().unwrap();
    assert_eq!(request["community_id"], x.as_str());
    // Same community: listed, readable, quotable.
    let feed = api
        .get("/v1/requests", Some(&same.access))
        .await
        .expect(200);
    assert_eq!(feed.body["items"][0]["id"], rid);
    quote(&shop, &same, &request, 10000).await;
    // Elsewhere and signed out: not there at all.
    for token in [Some(far.access.as_str()), None] {
        let feed = api.get("/v1/requests", token).await.expect(200);
        assert!(!feed.body.to_string().contains(rid));
        api.get(&format!("/v1/requests/{rid}"), token)
            .await
            .expect_error(404, "not_found");
    }
    api.put(
        &format!("/v1/requests/{rid}/quote"),
        Some(&far.access),
        json!({"id": uuid::Uuid::now_v7().to_string(), "request_id": rid, "price_krw": 1000, "message": "저요"}),
    )
    .await
    .expect_error(404, "not_found");
    // Not in search either.
    let found = api
        .get("/v1/search?q=강아지산책&type=requests", Some(&far.access))
        .await
        .expect(200);
    assert!(!found.body.to_string().contains(rid));
    // Sync: in the community's bucket, which only its members pull.
    let pulled = api
        .post(
            "/v1/sync/pull",
            Some(&same.access),
            json!({"buckets": [{"bucket": format!("community:{x}"), "cursor": 0}]}),
        )
        .await
        .expect(200);
    assert!(pulled.body.to_string().contains(rid));
    let elsewhere = api
        .post(
            "/v1/sync/pull",
            Some(&far.access),
            json!({"buckets": [{"bucket": format!("community:{x}"), "cursor": 0}]}),
        )
        .await;
    assert!(!elsewhere.body.to_string().contains(rid));
    // Merged into the other community: its requests follow.
    api.post(
        &format!("/v1/admin/communities/{x}/merge"),
        Some(&shop.admin.access),
        json!({"into": y}),
    )
    .await
    .expect(200);
    let moved = api
        .get(&format!("/v1/requests/{rid}"), Some(&far.access))
        .await
        .expect(200);
    assert_eq!(moved.body["community_id"], y.as_str());
    // Without a community, community-only is refused.
    let none = api.signup("nobody").await;
    api.post(
        "/v1/requests",
        Some(&none.access),
        request_body("커뮤니티 없음", json!({"community_only": true})),
    )
    .await
    .expect_error(422, "invalid_field");
}

async fn charges_are_verified_with_the_provider_and_refunded(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let a = api.signup("charger").await;
    // A tampered amount: refused, no points, the payment cancelled.
    let bad = uuid::Uuid::now_v7().to_string();
    api.post(
        "/v1/points/charges",
        Some(&a.access),
        json!({"id": bad, "amount_krw": 30000}),
    )
    .await
    .expect(201);
    shop.fake.pay(&bad, STORE, "포인트", 300, false);
    api.post(
        &format!("/v1/points/charges/{bad}/confirm"),
        Some(&a.access),
        json!({}),
    )
    .await
    .expect_error(409, "payment_mismatch");
    assert_eq!(wallet(&shop, &a).await, (0, 0));
    let mut voided = false;
    for _ in 0..100 {
        if shop
            .fake
            .payment(&bad)
            .is_some_and(|p| p.status == "CANCELLED")
        {
            voided = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(voided, "the mismatched payment is cancelled");
    // Paid with a webhook only: the points arrive without the app.
    let good = uuid::Uuid::now_v7().to_string();
    api.post(
        "/v1/points/charges",
        Some(&a.access),
        json!({"id": good, "amount_krw": 20000}),
    )
    .await
    .expect(201);
    shop.fake.pay(&good, STORE, "포인트", 20000, true);
    let mut balance = 0;
    for _ in 0..100 {
        balance = wallet(&shop, &a).await.0;
        if balance == 20000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(balance, 20000);
    // Someone else's charge is not found.
    let other = api.signup("peeker").await;
    api.post(
        &format!("/v1/points/charges/{good}/confirm"),
        Some(&other.access),
        json!({}),
    )
    .await
    .expect_error(404, "not_found");
    // Refund: the points leave first, then the provider cancels.
    let refunded = api
        .post(
            &format!("/v1/points/charges/{good}/refund"),
            Some(&a.access),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(refunded.body["status"], "refunded");
    assert_eq!(wallet(&shop, &a).await, (0, 0));
    api.post(
        &format!("/v1/points/charges/{good}/refund"),
        Some(&a.access),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(wallet(&shop, &a).await, (0, 0));
    assert_eq!(kinds(&entries(&shop, &a).await), ["charge", "refund"]);
    // Spent points cannot be refunded.
    let spent = uuid::Uuid::now_v7().to_string();
    api.post(
        "/v1/points/charges",
        Some(&a.access),
        json!({"id": spent, "amount_krw": 10000}),
    )
    .await
    .expect(201);
    shop.fake.pay(&spent, STORE, "포인트", 10000, false);
    api.post(
        &format!("/v1/points/charges/{spent}/confirm"),
        Some(&a.access),
        json!({}),
    )
    .await
    .expect(200);
    let b = api.signup("helper9").await;
    let r = post_request(&shop, &a, "포인트 쓰기", json!({})).await;
    let q = quote(&shop, &b, &r, 5000).await;
    accept(&shop, &a, &r, &q).await.expect(200);
    api.post(
        &format!("/v1/points/charges/{spent}/refund"),
        Some(&a.access),
        json!({}),
    )
    .await
    .expect_error(409, "insufficient_points");
    assert_eq!(wallet(&shop, &a).await, (5000, 5000));
    // Grants: admins only, with a reason, in the audit log.
    api.post(
        "/v1/admin/points/grants",
        Some(&a.access),
        json!({"user_id": a.user_id, "amount": 1000, "reason": "셀프"}),
    )
    .await
    .expect_error(403, "forbidden");
    api.post(
        "/v1/admin/points/grants",
        Some(&shop.admin.access),
        json!({"user_id": a.user_id, "amount": 1000, "reason": ""}),
    )
    .await
    .expect_error(422, "invalid_field");
    grant(&shop, &a, 1000).await;
    let granted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'grant_points' AND actor_id = $1",
    )
    .bind(&shop.admin.user_id)
    .fetch_one(shop.server.state.db.read())
    .await
    .unwrap();
    assert_eq!(granted, 1);
    ledger_balances(&shop).await;
}

async fn reports_show_the_request_its_quotes_and_chat(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let (a, b, request, _) = matched(&shop, 20000).await;
    let rid = request["id"].as_str().unwrap();
    api.post(
        "/v1/reports",
        Some(&b.access),
        json!({"target_type": "request", "target_id": rid, "reason": "other", "detail": "연락이 안 돼요"}),
    )
    .await
    .expect(201);
    let moderator =
        moa_tests::account_with_role(&shop.server, "mod1", moa_protocol::Role::Moderator).await;
    let queue = api
        .get("/v1/admin/reports?type=request", Some(&moderator.access))
        .await
        .expect(200);
    let text = queue.body.to_string();
    assert!(text.contains(rid), "{text}");
    assert!(text.contains("\"quotes\""), "{text}");
    assert!(text.contains("제주 2박 3일 기록"), "{text}");
    assert!(text.contains("messages"), "{text}");
    // Hidden: gone from the feed and for others, still the requester's.
    api.post(
        "/v1/admin/moderation",
        Some(&moderator.access),
        json!({"target_type": "request", "target_id": rid, "action": "hide", "reason": "분쟁 확인 중"}),
    )
    .await
    .expect(200);
    let other = api.signup("bystander").await;
    api.get(&format!("/v1/requests/{rid}"), Some(&other.access))
        .await
        .expect_error(404, "not_found");
    api.get(&format!("/v1/requests/{rid}"), Some(&a.access))
        .await
        .expect(200);
    api.post(
        "/v1/admin/moderation",
        Some(&moderator.access),
        json!({"target_type": "request", "target_id": rid, "action": "restore", "reason": "해결됨"}),
    )
    .await
    .expect(200);
    api.get(&format!("/v1/requests/{rid}"), Some(&other.access))
        .await
        .expect(200);
}

async fn bad_input_is_refused_and_writes_nothing(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let a = api.signup("careless").await;
    let b = api.signup("someone").await;
    let bad = [
        (json!({"title": "x"}), "title"),
        (json!({"title": "가".repeat(81)}), "title"),
        (json!({"details": "가".repeat(5001)}), "details"),
        (json!({"region": ""}), "region"),
        (
            json!({"budget_min_krw": 60000, "budget_max_krw": 50000}),
            "budget_min_krw",
        ),
        (json!({"budget_min_krw": -1}), "budget_min_krw"),
        (json!({"budget_max_krw": 10_000_001}), "budget_max_krw"),
        (
            json!({"starts_on": date(-3), "ends_on": date(-1)}),
            "ends_on",
        ),
        (
            json!({"starts_on": date(5), "ends_on": date(3)}),
            "starts_on",
        ),
        (json!({"ends_on": "2026-02-30"}), "ends_on"),
        (json!({"ends_on": date(400)}), "ends_on"),
        (json!({"id": "not-a-uuid"}), "id"),
        (
            json!({"photos": ["0190b5c3-7d1e-7000-8000-000000000000"]}),
            "photos[0]",
        ),
        (
            json!({"place_id": "0190b5c3-7d1e-7000-8000-000000000000"}),
            "place_id",
        ),
    ];
    for (extra, field) in bad {
        let reply = api
            .post(
                "/v1/requests",
                Some(&a.access),
                request_body("좋은 제목", extra.clone()),
            )
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(reply.field(), field, "{extra}");
    }
    api.post(
        "/v1/requests",
        Some(&a.access),
        request_body("좋은 제목", json!({"category": "shopping"})),
    )
    .await
    .expect(422);
    api.post(
        "/v1/requests",
        Some(&a.access),
        request_body("좋은 제목", json!({"budget_min_krw": "많이"})),
    )
    .await
    .expect(422);
    api.post("/v1/requests", None, request_body("좋은 제목", json!({})))
        .await
        .expect_error(401, "missing_token");
    assert_eq!(shop.server.count("requests").await, 0);

    let request = post_request(&shop, &a, "좋은 제목", json!({})).await;
    let rid = request["id"].as_str().unwrap();
    for (price, message) in [
        (0, "싸게"),
        (-5000, "음수"),
        (10_000_001, "비싸게"),
        (1000, ""),
    ] {
        api.put(
            &format!("/v1/requests/{rid}/quote"),
            Some(&b.access),
            json!({"id": uuid::Uuid::now_v7().to_string(), "request_id": rid, "price_krw": price, "message": message}),
        )
        .await
        .expect_error(422, "invalid_field");
    }
    // The requester edits it while open: every field changes, the rest stays.
    let edited = api
        .put(
            &format!("/v1/requests/{rid}"),
            Some(&a.access),
            request_body(
                "고친 제목",
                json!({"id": rid, "category": "errand", "region": "제주", "budget_min_krw": 0,
                       "budget_max_krw": 70000, "details": "바뀐 내용"}),
            ),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(edited["title"], "고친 제목");
    assert_eq!(edited["category"], "errand");
    assert_eq!(edited["region"], "제주");
    assert_eq!(edited["budget_max_krw"], 70000);
    assert_eq!(edited["status"], "open");
    assert_eq!(edited["requester"]["id"], a.user_id.as_str());
    assert_eq!(edited["created_at"], request["created_at"]);
    let feed = api.get("/v1/requests?region=제주", None).await.expect(200);
    assert_eq!(feed.body["items"][0]["title"], "고친 제목");
    // Someone else's request cannot be edited; unknown ids are not found.
    api.put(
        &format!("/v1/requests/{rid}"),
        Some(&b.access),
        request_body("남의 부탁", json!({})),
    )
    .await
    .expect_error(403, "not_author");
    api.post(
        &format!("/v1/requests/{rid}/accept"),
        Some(&a.access),
        json!({"quote_id": uuid::Uuid::now_v7().to_string()}),
    )
    .await
    .expect_error(422, "invalid_field");
    api.delete(
        &format!("/v1/quotes/{}", uuid::Uuid::now_v7()),
        Some(&b.access),
        None,
    )
    .await
    .expect_error(404, "not_found");
    for amount in [0, 999, 2_000_001] {
        api.post(
            "/v1/points/charges",
            Some(&a.access),
            json!({"id": uuid::Uuid::now_v7().to_string(), "amount_krw": amount}),
        )
        .await
        .expect_error(422, "invalid_field");
    }
    api.get("/v1/requests?category=shopping", None)
        .await
        .expect_error(400, "invalid_parameter");
    api.get("/v1/me/requests?role=boss", Some(&a.access))
        .await
        .expect_error(400, "invalid_parameter");
    // Through sync, the same rules: a rejection naming the field.
    let push = api
        .post(
            "/v1/sync/push",
            Some(&b.access),
            json!({"mutations": [{"id": uuid::Uuid::now_v7().to_string(), "name": "quote.set",
                "args": {"id": uuid::Uuid::now_v7().to_string(), "request_id": rid, "price_krw": -1, "message": "x"}}]}),
        )
        .await
        .expect(200);
    assert_eq!(
        push.body["results"][0]["status"], "rejected",
        "{}",
        push.body
    );
    assert_eq!(shop.server.count("quotes").await, 0);
    assert_eq!(shop.server.count("point_charges").await, 0);
    assert_eq!(shop.server.count("requests").await, 1);
    // The quote withdrawn and made again is one row.
    let q = quote(&shop, &b, &request, 7000).await;
    api.delete(
        &format!("/v1/quotes/{}", q["id"].as_str().unwrap()),
        Some(&b.access),
        None,
    )
    .await
    .expect(200);
    let counted = api
        .get(&format!("/v1/requests/{rid}"), None)
        .await
        .expect(200);
    assert_eq!(counted.body["quote_count"], 0);
    quote(&shop, &b, &request, 8000).await;
    assert_eq!(shop.server.count("quotes").await, 1);
    let counted = api
        .get(&format!("/v1/requests/{rid}"), None)
        .await
        .expect(200);
    assert_eq!(counted.body["quote_count"], 1);
}

async fn the_feed_filters_and_pages(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let a = api.signup("poster").await;
    for n in 0..25 {
        let (category, region, min, max) = match n % 3 {
            0 => ("purchase", "도쿄", 10000, 30000),
            1 => ("travel", "제주 서귀포", 100000, 200000),
            _ => ("errand", "서울 성동구", 5000, 8000),
        };
        post_request(
            &shop,
            &a,
            &format!("부탁 {n}"),
            json!({"category": category, "region": region, "budget_min_krw": min, "budget_max_krw": max}),
        )
        .await;
    }
    // Pages are newest first, without repeats, concurrent inserts aside.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/requests?limit=10&cursor={c}"),
            None => "/v1/requests?limit=10".into(),
        };
        let page = api.get(&path, None).await.expect(200);
        if seen.is_empty() {
            // A new request while paging does not shift the later pages.
            post_request(&shop, &a, "중간에 온 부탁", json!({})).await;
        }
        for item in page.body["items"].as_array().unwrap() {
            seen.push(item["title"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25, "{seen:?}");
    assert_eq!(seen[0], "부탁 24");
    let count = |path: &'static str| {
        let api = api.clone();
        async move {
            api.get(path, None).await.expect(200).body["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count("/v1/requests?category=travel&limit=100").await, 8);
    assert_eq!(count("/v1/requests?region=제주&limit=100").await, 8);
    assert_eq!(count("/v1/requests?budget_min=60000&limit=100").await, 8);
    assert_eq!(count("/v1/requests?budget_max=9000&limit=100").await, 8);
    assert_eq!(
        count("/v1/requests?category=purchase&budget_max=9000&limit=100").await,
        0
    );
    // Search finds open requests, Korean-aware (초성 too).
    let found = api
        .get("/v1/search?q=ㅂㅌ&type=requests", None)
        .await
        .expect(200);
    assert!(found.body.to_string().contains("부탁"), "{}", found.body);
}
