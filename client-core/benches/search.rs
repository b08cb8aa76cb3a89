//! Search on the device (issue 19): a cache of 50k reviews, places and
//! products (the same Korean text as the server's bench,
//! `server/benches/common/search_corpus.rs`), stored and indexed as sync
//! stores them, then the query mix timed through the device's search (a
//! first page of 20 reviews), against a plain `LIKE '%q%'` over the same
//! rows.
//!
//! Run: `./scripts/bench-search`, or `cargo bench --bench search -p moa-client-core`.
//! `MOA_BENCH_DEVICE_ITEMS` (50000) the cached items, `MOA_BENCH_RUNS` (100)
//! the timed runs of a query.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary

#[path = "../../server/benches/common/search_corpus.rs"]
mod corpus;

use std::time::{Duration, Instant};

use moa_client_core::bench_support::{Store, put_entity, search};
use moa_hangul::query::Query;
use moa_protocol::{EntityKind, SearchKind};
use serde_json::{Value, json};

const PAGE: usize = 20;
const WARMUP: usize = 10;
const TX_ITEMS: usize = 1000;
/// Distinct review authors in the cache.
const AUTHORS: usize = 2000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().replace('_', "").parse().expect("a number"))
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `n`th cached item: 80% reviews, 10% places, 10% products.
fn item(n: usize, rng: &mut corpus::Rng, zipf: &corpus::Zipf) -> (EntityKind, String, Value) {
    let created_at = 1_700_000_000_000_i64 + n as i64 * 1000;
    match n % 10 {
        0 => {
            let (name, address) = corpus::place(rng);
            let data = json!({
                "id": format!("p{n}"), "name": name, "address": address,
                "review_count": n % 23, "created_at": created_at,
            });
            (EntityKind::Place, format!("p{n}"), data)
        }
        1 => {
            let (name, options) = corpus::product(rng);
            let values: Vec<&str> = options.split(' ').skip(1).collect();
            let data = json!({
                "id": format!("g{n}"), "name": name, "photos": [],
                "options": [{"name": "색상", "values": values}],
                "review_count": n % 17, "created_at": created_at,
            });
            (EntityKind::Product, format!("g{n}"), data)
        }
        _ => {
            let r = corpus::review(rng, zipf);
            let a = n % AUTHORS;
            let (handle, name) = corpus::member(&mut corpus::Rng::new(a as u64), a);
            let data = json!({
                "id": format!("r{n}"), "title": r.title, "body": r.body, "tags": r.tags,
                "photos": [],
                "author": {"id": format!("u{a}"), "handle": handle, "display_name": name},
                "like_count": n % 37, "comment_count": n % 11, "created_at": created_at,
            });
            (EntityKind::Review, format!("r{n}"), data)
        }
    }
}

#[tokio::main]
async fn main() {
    let items = env_usize("MOA_BENCH_DEVICE_ITEMS", 50_000);
    let runs = env_usize("MOA_BENCH_RUNS", 100);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("cache.db")).unwrap();
    let mut rng = corpus::Rng::new(19);
    let zipf = corpus::Zipf::default();
    let mut spent = Duration::ZERO;
    let mut n = 0;
    while n < items {
        let batch: Vec<_> = (n..(n + TX_ITEMS).min(items))
            .map(|i| item(i, &mut rng, &zipf))
            .collect();
        n += batch.len();
        let start = Instant::now();
        store
            .write(move |tx| {
                for (seq, (kind, id, data)) in batch.iter().enumerate() {
                    put_entity(tx, kind, id, data, seq as i64 + 1)?;
                }
                Ok(())
            })
            .await
            .unwrap();
        spent += start.elapsed();
    }
    let (docs, bytes): (i64, i64) = store
        .read(|conn| {
            let docs = conn.query_row("SELECT COUNT(*) FROM search_docs", [], |r| r.get(0))?;
            let bytes = conn.query_row(
                "SELECT CAST(SUM(pgsize) AS INTEGER) FROM dbstat WHERE name LIKE 'search_fts%'",
                [],
                |r| r.get(0),
            )?;
            Ok((docs, bytes))
        })
        .await
        .unwrap();
    println!(
        "device search: {items} cached items (80% reviews, 10% places, 10% products; \
         {docs} index entries with the review authors), stored and indexed in {:.1} s \
         ({:.3} ms an item, {TX_ITEMS} a transaction); FTS5 index {:.1} MiB",
        spent.as_secs_f64(),
        ms(spent) / items as f64,
        bytes as f64 / 1024.0 / 1024.0
    );
    println!(
        "first page of {PAGE} reviews, p50 / p99 of {runs} runs after {WARMUP}, through Store::read\n"
    );
    println!(
        "  {:<20} {:<14} {:>5} {:>8} {:>8} {:>10} {:>8}",
        "query", "", "hits", "p50 ms", "p99 ms", "LIKE p50", "LIKE/x"
    );
    let mut worst = 0.0f64;
    let (mut sum, mut sum_like) = (0.0, 0.0);
    for &(what, text) in corpus::QUERIES {
        let q = Query::parse(text).unwrap();
        let mut samples = Vec::with_capacity(runs);
        let mut hits = 0;
        for run in 0..WARMUP + runs {
            let q = q.clone();
            let start = Instant::now();
            let found = store
                .read(move |conn| search(conn, &q, SearchKind::Review, PAGE))
                .await
                .unwrap();
            if run >= WARMUP {
                samples.push(start.elapsed());
            }
            hits = found.len();
        }
        samples.sort();
        let mut like = Vec::new();
        for run in 0..WARMUP + runs / 4 {
            let pattern = format!("%{text}%");
            let start = Instant::now();
            store
                .read(move |conn| {
                    let mut stmt = conn.prepare_cached(
                        "SELECT ref_id FROM search_docs WHERE kind = 'review' \
                         AND (title LIKE ?1 OR body LIKE ?1) ORDER BY doc DESC LIMIT ?2",
                    )?;
                    let ids = stmt
                        .query_map(rusqlite::params![pattern, PAGE as i64 + 1], |r| {
                            r.get::<_, String>(0)
                        })?
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    Ok(ids.len())
                })
                .await
                .unwrap();
            if run >= WARMUP {
                like.push(start.elapsed());
            }
        }
        like.sort();
        let (p50, p99, like50) = (
            ms(percentile(&samples, 0.5)),
            ms(percentile(&samples, 0.99)),
            ms(percentile(&like, 0.5)),
        );
        worst = worst.max(p99);
        sum += p50;
        sum_like += like50;
        println!(
            "  {what:<20} {text:<14} {hits:>5} {p50:>8.2} {p99:>8.2} {like50:>10.2} {:>8.1}",
            like50 / p50
        );
    }
    println!(
        "\n  worst p99 {worst:.2} ms (target ≤ 10 ms: {}); LIKE/index over the mix {:.1}x",
        if worst <= 10.0 { "ok" } else { "MISSED" },
        sum_like / sum
    );
}
