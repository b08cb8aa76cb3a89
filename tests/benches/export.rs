//! The admin order export (issue 21): 10,000 and 100,000 orders written to
//! `.xlsx` through `GET /v1/admin/shop/orders/export` of a server built
//! optimized (in this process, on loopback HTTP), on SQLite and
//! PostgreSQL. Prints the time, the file size, and how much the process's
//! peak memory (VmHWM, reset before each export) grew while exporting: the
//! rows go through the workbook in constant-memory mode from pages of
//! 1,000, so 10x the orders should not be 10x the memory.
//!
//! Run: `./scripts/bench-export` (release build; PostgreSQL through a
//! throwaway cluster the script starts). `MOA_BENCH_ENGINES=sqlite` narrows
//! it down.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary

use std::time::Instant;

use moa_tests::Engine;
use moa_tests::shop::{choice, now_ms, shop};
use serde_json::json;

/// The process's peak resident memory (kB) since the last reset.
fn peak_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets VmHWM to the current RSS (Linux: `5` to `clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn run(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let mut members = Vec::new();
    for i in 0..20 {
        members.push(api.signup(&format!("buyer{i}")).await.user_id);
    }
    let product = shop.product().await;
    let campaign = shop
        .campaign(
            &product,
            json!({"title": "겨울 한정 스테인리스 보온 텀블러 공동구매", "stock": 1_000_000}),
        )
        .await;
    let black = choice(&product, "블랙");
    let choices =
        json!([{"group": "색상", "choice_id": black["id"], "name": "블랙", "price_delta_krw": 0}])
            .to_string();
    let statuses = [
        "paid",
        "confirmed",
        "fulfilled",
        "pending_payment",
        "expired",
        "refunded",
    ];
    let mut written = 0_usize;
    let base = now_ms() - 100 * 86_400_000;
    for target in [10_000_usize, 100_000] {
        while written < target {
            let mut tx = shop.server.state.db.begin_write().await.unwrap();
            for _ in 0..5_000.min(target - written) {
                let i = written as i64;
                let created = base + i * 60_000;
                let status = statuses[written % statuses.len()];
                sqlx::query(
                    "INSERT INTO orders (id, campaign_id, user_id, choices, quantity, unit_price_krw, \
                     amount_krw, status, expires_at, paid_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 8000, $6, $7, $8, $9, $8, $8)",
                )
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(campaign["id"].as_str().unwrap())
                .bind(&members[written % members.len()])
                .bind(&choices)
                .bind(i % 5 + 1)
                .bind(8000 * (i % 5 + 1))
                .bind(status)
                .bind(created)
                .bind((status != "pending_payment" && status != "expired").then_some(created + 30_000))
                .execute(&mut *tx)
                .await
                .unwrap();
                written += 1;
            }
            tx.commit().await.unwrap();
        }
        let before = rss_kb();
        reset_peak();
        let start = Instant::now();
        let (status, headers, bytes) = api
            .bytes(
                "/v1/admin/shop/orders/export",
                Some(&shop.admin.access),
                &[],
            )
            .await;
        let took = start.elapsed();
        assert_eq!(status, 200);
        assert_eq!(headers["x-moa-rows"], target.to_string().as_str());
        let grew = peak_kb().saturating_sub(before);
        println!(
            "{:<10} {:>7} orders  {:>8.2} s  {:>6.1} MiB file  peak memory +{:>6.1} MiB  ({:.1} µs an order)",
            format!("{engine:?}"),
            target,
            took.as_secs_f64(),
            bytes.len() as f64 / 1_048_576.0,
            grew as f64 / 1024.0,
            took.as_secs_f64() * 1e6 / target as f64,
        );
    }
}

fn main() {
    let engines = std::env::var("MOA_BENCH_ENGINES").unwrap_or_else(|_| "sqlite,postgres".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("Excel export of the admin order table (GET /v1/admin/shop/orders/export)");
    for name in engines.split(',') {
        let engine = match name.trim() {
            "sqlite" => Engine::Sqlite,
            "postgres" => Engine::Postgres,
            other => panic!("unknown engine {other}"),
        };
        runtime.block_on(run(engine));
    }
}
