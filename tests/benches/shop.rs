//! The last-units rush (issue 20): 2,000 members order the last 200 units of
//! a group-buy within one second, against the server built optimized
//! (in this process, on loopback HTTP, one connection per member), on
//! SQLite and on PostgreSQL. Prints orders/s (answered per second of the
//! rush), p50/p99 latency of an order, how many were placed and refused,
//! and checks nothing was oversold: the units held by orders, the
//! campaign's and the option's counters and the stock agree.
//!
//! Run: `./scripts/bench-shop` (release build; PostgreSQL through a
//! throwaway cluster the script starts). `MOA_BENCH_MEMBERS`,
//! `MOA_BENCH_UNITS` and `MOA_BENCH_ENGINES` narrow it down.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary

use std::sync::Arc;
use std::time::{Duration, Instant};

use moa_protocol::Role;
use moa_server::util::now_ms;
use moa_tests::shop::{choice, shop};
use moa_tests::{Engine, TestServer};
use serde_json::json;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `n` members with a session each, written straight to the database (a
/// sign-up hashes a password on purpose slowly; that is not what is
/// measured), and an access token each.
async fn members(server: &TestServer, n: usize) -> Vec<String> {
    let now = now_ms();
    let mut tx = server.state.db.begin_write().await.unwrap();
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let id = uuid::Uuid::now_v7().to_string();
        let session = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO users (id, email, handle, display_name, password_hash, role, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&id)
        .bind(format!("rush{i}@bench.kr"))
        .bind(format!("rush{i}"))
        .bind(format!("구매자 {i}"))
        .bind("not-a-password-hash")
        .bind(Role::Member.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO sessions (id, user_id, created_at, refreshed_at) VALUES ($1, $2, $3, $3)",
        )
        .bind(&session)
        .bind(&id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        let (token, _) = server
            .state
            .tokens
            .issue_access(&id, &session, now)
            .unwrap();
        tokens.push(token);
    }
    tx.commit().await.unwrap();
    tokens
}

async fn rush(engine: Engine, members_n: usize, units: i64) {
    let shop = shop(engine).await;
    let product = shop
        .server
        .api()
        .post(
            "/v1/admin/shop/products",
            Some(&shop.admin.access),
            json!({"name": "한정판 텀블러", "base_price_krw": 30000,
                   "option_groups": [{"name": "색상", "choices": [
                       {"name": "블랙", "price_delta_krw": 0, "stock": 100_000}]}]}),
        )
        .await
        .expect(201)
        .body;
    let black = choice(&product, "블랙");
    let campaign = shop
        .campaign(
            &product,
            json!({"stock": units, "min_participants": 1, "per_member_limit": 1,
                   "deadline_at": now_ms() + 3_600_000}),
        )
        .await;
    let tokens = members(&shop.server, members_n).await;
    let url = shop.server.url("/v1/orders");
    let campaign_id = campaign["id"].as_str().unwrap().to_owned();
    let choice_id = black["id"].as_str().unwrap().to_owned();
    // One connection per member, opened before the rush (as phones would
    // hold theirs).
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(members_n)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let http = Arc::new(http);
    let start = Instant::now() + Duration::from_millis(500);
    let spread = Duration::from_secs(1);
    let mut tasks = tokio::task::JoinSet::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let http = Arc::clone(&http);
        let url = url.clone();
        let body = json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "campaign_id": campaign_id,
            "choice_ids": [choice_id],
            "quantity": 1,
        });
        let at = start + spread * i as u32 / members_n as u32;
        tasks.spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            let sent = Instant::now();
            let answer = http.post(&url).bearer_auth(&token).json(&body).send().await;
            let took = sent.elapsed().as_secs_f64() * 1000.0;
            let status = answer.map(|a| a.status().as_u16()).unwrap_or(0);
            (
                status,
                took,
                sent.elapsed() + (sent.saturating_duration_since(start)),
            )
        });
    }
    let mut latencies = Vec::with_capacity(members_n);
    let mut placed_latencies = Vec::with_capacity(units as usize);
    let (mut placed, mut sold_out, mut other) = (0, 0, Vec::new());
    let mut last = Duration::ZERO;
    while let Some(done) = tasks.join_next().await {
        let (status, took, finished) = done.unwrap();
        latencies.push(took);
        last = last.max(finished);
        match status {
            201 => {
                placed += 1;
                placed_latencies.push(took);
            }
            409 => sold_out += 1,
            s => other.push(s),
        }
    }
    latencies.sort_by(f64::total_cmp);
    placed_latencies.sort_by(f64::total_cmp);
    let db = shop.server.state.db.read();
    let held: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM orders WHERE campaign_id = $1 \
         AND status IN ('pending_payment', 'paid', 'confirmed', 'fulfilled')",
    )
    .bind(&campaign_id)
    .fetch_one(db)
    .await
    .unwrap();
    let (reserved, stock): (i64, i64) =
        sqlx::query_as("SELECT reserved, stock FROM campaigns WHERE id = $1")
            .bind(&campaign_id)
            .fetch_one(db)
            .await
            .unwrap();
    let choice_reserved: i64 =
        sqlx::query_scalar("SELECT reserved FROM shop_choices WHERE id = $1")
            .bind(&choice_id)
            .fetch_one(db)
            .await
            .unwrap();
    let oversold = (held - stock).max(0);
    println!(
        "{engine:?}: {members_n} members, {units} units, rush over {:.2} s: {:.0} orders/s answered, \
         p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (placed ones: p50 {:.1} ms, p99 {:.1} ms); \
         placed {placed}, sold out {sold_out}, other {}; \
         held {held} / stock {stock} (campaign counter {reserved}, option counter {choice_reserved}); \
         oversold {oversold}",
        last.as_secs_f64(),
        members_n as f64 / last.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0.0),
        percentile(&placed_latencies, 0.5),
        percentile(&placed_latencies, 0.99),
        other.len(),
    );
    assert!(
        other.is_empty(),
        "answers other than 201 and 409: {other:?}"
    );
    assert_eq!(oversold, 0, "oversold");
    assert_eq!(
        placed,
        units.min(members_n as i64),
        "every unit went to one order"
    );
    assert_eq!((held, reserved, choice_reserved), (placed, placed, placed));
    shop.server.stop().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let members_n = env_usize("MOA_BENCH_MEMBERS", 2_000);
    let units = env_usize("MOA_BENCH_UNITS", 200) as i64;
    let engines = std::env::var("MOA_BENCH_ENGINES").unwrap_or_else(|_| "sqlite,postgres".into());
    for engine in engines.split(',') {
        match engine.trim() {
            "sqlite" => rush(Engine::Sqlite, members_n, units).await,
            "postgres" if std::env::var_os("MOA_TEST_POSTGRES_URL").is_some() => {
                rush(Engine::Postgres, members_n, units).await;
            }
            "postgres" => println!("PostgreSQL skipped: MOA_TEST_POSTGRES_URL is not set"),
            other => panic!("unknown engine {other:?}"),
        }
    }
}
