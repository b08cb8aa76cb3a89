//! Operations alerts to a Slack incoming webhook (a local fake speaking its
//! protocol, `moa_tests::slack`): orders paid, campaigns closed, a job that
//! keeps failing, and server errors; an outage of 1,000 errors comes as a
//! handful of messages whose counts add up; Slack's 429 is waited out.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::time::{Duration, Instant};

use moa_server::alerts::AlertSettings;
use moa_tests::shop::{STORE, choice, shop_configured};
use moa_tests::slack::FakeSlack;
use moa_tests::{Engine, TestServer, both_engines};
use serde_json::json;

both_engines!(
    paid_orders_closed_campaigns_and_failing_jobs_reach_slack,
    an_outage_of_a_thousand_errors_is_a_handful_of_messages,
);

fn alerts(slack: &FakeSlack, window_ms: u64, per_minute: u32) -> AlertSettings {
    AlertSettings {
        webhook_url: slack.webhook_url(),
        window: Duration::from_millis(window_ms),
        per_minute,
    }
}

async fn paid_orders_closed_campaigns_and_failing_jobs_reach_slack(engine: Engine) {
    let slack = FakeSlack::start().await;
    let settings = alerts(&slack, 200, 600);
    let shop = shop_configured(engine, |s| s.alerts = Some(settings)).await;
    let api = shop.server.api();
    let minji = api.signup("minji").await;
    let product = shop.product().await;
    let campaign = shop
        .campaign(
            &product,
            json!({"title": "겨울 텀블러 공구", "min_participants": 2}),
        )
        .await;
    let placed = shop
        .order(&minji, &campaign, &choice(&product, "블랙"), 3)
        .await;
    let id = placed["order"]["id"].as_str().unwrap();
    shop.fake.pay(id, STORE, "텀블러", 24000, false);
    shop.confirm(&minji, id).await.expect(200);
    let paid = slack.until("결제 완료").await;
    assert!(
        paid.contains("겨울 텀블러 공구") && paid.contains("24,000원") && paid.contains("@minji"),
        "{paid}"
    );

    // Slack asks to wait a second: the alert comes after it, not never.
    slack.rate_limit_next(1, 1);
    // The refund the failed campaign needs keeps failing at the provider.
    shop.fake.fail_next_cancels(10);
    let closed_at = Instant::now();
    let cid = campaign["id"].as_str().unwrap();
    api.post(
        &format!("/v1/admin/shop/campaigns/{cid}/close"),
        Some(&shop.admin.access),
        json!({"reason": "수요 부족"}),
    )
    .await
    .expect(200);
    let closed = slack.until("공동구매 실패").await;
    assert!(
        closed.contains("겨울 텀블러 공구") && closed.contains("참여 1명"),
        "{closed}"
    );
    let index = slack
        .messages()
        .iter()
        .position(|m| m.contains("공동구매 실패"))
        .unwrap();
    assert!(
        slack.times()[index] >= closed_at + Duration::from_secs(1),
        "Retry-After was waited out"
    );
    // Third failed attempt of the refund (2 s, then 4 s of backoff).
    let failing = slack.until("작업 반복 실패").await;
    assert!(
        failing.contains("refund") && failing.contains("3회째"),
        "{failing}"
    );
    assert!(slack.refusals().is_empty(), "{:?}", slack.refusals());
}

async fn an_outage_of_a_thousand_errors_is_a_handful_of_messages(engine: Engine) {
    let slack = FakeSlack::start().await;
    // At most 20 messages a minute (one every 3 s), a 300 ms window.
    let settings = alerts(&slack, 300, 20);
    let server = TestServer::start_with(engine, |s| s.alerts = Some(settings)).await;
    let api = server.api();
    let minji = api.signup("minji").await;
    api.get("/v1/notifications", Some(&minji.access))
        .await
        .expect(200);
    // The outage: the table every notifications read needs is gone.
    let mut tx = server.state.db.begin_write().await.unwrap();
    sqlx::query("DROP TABLE notifications")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let api = api.clone();
        let token = minji.access.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..50 {
                api.get("/v1/notifications", Some(&token)).await.expect(500);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let burst = start.elapsed();
    // Every error is counted in some message, within a few.
    let counted = |messages: &[String]| -> i64 {
        messages
            .iter()
            .flat_map(|m| m.lines())
            .filter(|l| l.contains("서버 오류 500") && l.contains("/v1/notifications"))
            .map(|l| match l.rsplit_once(" × ") {
                Some((_, n)) => n.replace(',', "").trim().parse::<i64>().unwrap(),
                None => 1,
            })
            .sum()
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while counted(&slack.messages()) < 1000 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let messages = slack.messages();
    assert_eq!(counted(&messages), 1000, "{messages:?}");
    // The burst took `burst`; one message every 3 s at most after the
    // first, so a handful.
    let most = 2 + (burst.as_secs_f64() / 3.0).ceil() as usize;
    assert!(
        messages.len() <= most.min(6),
        "{} messages for a {burst:?} burst: {messages:?}",
        messages.len()
    );
    let times = slack.times();
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(2_900),
            "rate limit kept"
        );
    }
}
