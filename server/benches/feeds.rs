//! Feed page latency as the community grows: fills databases with 10k and 1M
//! reviews (users, follows, likes, comments and scraps in proportion) on
//! SQLite and PostgreSQL, then times the first page and a deep page of each
//! home tab in-process through the server's own feed code, and prints the
//! `EXPLAIN` plans that show the indexes at work.
//!
//! Run: `./scripts/bench-feeds` (starts a throwaway PostgreSQL), or
//! `MOA_BENCH_POSTGRES_URL=postgres://... cargo bench --bench feeds`.
//! `MOA_BENCH_SIZES=10000,1000000` chooses the sizes; `MOA_BENCH_ENGINES=sqlite`
//! skips PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary

#[path = "common/fill.rs"]
mod fill;
use fill::{exec, series};

use std::time::{Duration, Instant};

use moa_protocol::Role;
use moa_server::actor::{Actor, Reader};
use moa_server::reviews::feed::{self, Source};
use moa_server::{Backend, Db};
use sqlx::{AnyConnection, Connection, Row};

/// Rows per review: likes, comments, scraps; reviews per user; follows per user.
const LIKES_PER_REVIEW: i64 = 3;
const REVIEWS_PER_USER: i64 = 100;
const FOLLOWS_PER_USER: i64 = 20;
const PAGE: u32 = 20;
/// The deep page starts after this many items.
const DEEP: i64 = 1000;
const RUNS: usize = 200;

fn hex_id(backend: Backend, expr: &str, tag: &str) -> String {
    // A UUID-shaped, time-ordered id from an integer: ids sort like UUIDv7s.
    match backend {
        Backend::Sqlite => format!("printf('%08x-{tag}-7000-8000-%012x', {expr}, {expr})"),
        Backend::Postgres => format!(
            "lpad(to_hex({expr}), 8, '0') || '-{tag}-7000-8000-' || lpad(to_hex({expr}), 12, '0')"
        ),
    }
}

/// Fills an empty, migrated database with `reviews` reviews and the rest in proportion.
async fn fill(db: &Db, reviews: i64) {
    let b = db.backend();
    let users = (reviews / REVIEWS_PER_USER).max(FOLLOWS_PER_USER + 1);
    let base: i64 = 1_700_000_000_000;
    let uid = |e: &str| hex_id(b, e, "0001");
    let rid = |e: &str| hex_id(b, e, "0002");
    exec(db, &format!(
        "{}INSERT INTO users (id, email, handle, display_name, password_hash, role, created_at, updated_at) \
         SELECT {}, 'u' || i || '@bench.kr', 'u' || i, '회원 ' || i, NULL, 'member', {base}, {base} FROM s",
        series(b, users), uid("i")
    )).await;
    // One review a second; author round-robin; a third on a place-like subject id.
    exec(db, &format!(
        "{}INSERT INTO reviews (id, author_id, kind, title, body, photos, tags, like_count, comment_count, \
         scrap_count, hot_rank, created_at) \
         SELECT {}, {}, 'snap', '', '벤치마크 리뷰 ' || i, '[]', '[\"카페\"]', {LIKES_PER_REVIEW}, 1, 0, \
         ({base} + i * 1000) / 3600000.0 / 72.0 + (i % 7) * 0.3, {base} + i * 1000 FROM s",
        series(b, reviews), rid("i"), uid(&format!("(i % {users}) + 1"))
    )).await;
    exec(db, &format!(
        "{}INSERT INTO review_tags (tag, review_id, created_at) SELECT '카페', {}, {base} + i * 1000 FROM s",
        series(b, reviews), rid("i")
    )).await;
    for k in 0..FOLLOWS_PER_USER {
        exec(db, &format!(
            "{}INSERT INTO follows (follower_id, followee_id, created_at) SELECT {}, {}, {base} FROM s",
            series(b, users), uid("i"), uid(&format!("((i + {k}) % {users}) + 1"))
        )).await;
    }
    for k in 0..LIKES_PER_REVIEW {
        exec(
            db,
            &format!(
                "{}INSERT INTO likes (user_id, target_type, target_id, created_at) \
             SELECT {}, 'review', {}, {base} + i * 1000 FROM s",
                series(b, reviews),
                uid(&format!("((i * 7 + {k}) % {users}) + 1")),
                rid("i")
            ),
        )
        .await;
    }
    exec(
        db,
        &format!(
            "{}INSERT INTO comments (id, review_id, author_id, body, created_at) \
         SELECT {}, {}, {}, '댓글', {base} + i * 1000 + 500 FROM s",
            series(b, reviews),
            hex_id(b, "i", "0003"),
            rid("i"),
            uid(&format!("((i * 13) % {users}) + 1"))
        ),
    )
    .await;
    exec(db, &format!(
        "{}INSERT INTO scraps (user_id, review_id, created_at) SELECT {}, {}, {base} + i * 1000 FROM s WHERE i % 5 = 0",
        series(b, reviews), uid(&format!("((i * 11) % {users}) + 1")), rid("i")
    )).await;
    // What autovacuum would have done by now on a live PostgreSQL (it also
    // marks pages all-visible, which index-only scans need).
    if b == Backend::Postgres {
        // VACUUM cannot run in a transaction: straight on the pool.
        sqlx::query("VACUUM ANALYZE")
            .execute(db.read())
            .await
            .unwrap();
    } else {
        exec(db, "ANALYZE").await;
    }
}

struct Timing {
    median: Duration,
    p95: Duration,
}

async fn time_page(
    conn: &mut AnyConnection,
    reader: &Reader,
    source: Source<'_>,
    cursor: Option<&str>,
) -> Timing {
    for _ in 0..10 {
        feed::page(conn, reader, source, cursor, Some(PAGE))
            .await
            .unwrap();
    }
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let page = feed::page(conn, reader, source, cursor, Some(PAGE))
            .await
            .unwrap();
        samples.push(start.elapsed());
        assert_eq!(page.items.len(), PAGE as usize, "a full page");
    }
    samples.sort();
    Timing {
        median: samples[RUNS / 2],
        p95: samples[RUNS * 95 / 100],
    }
}

/// The cursor after the first `DEEP` items of `source`, found by paging.
async fn deep_cursor(conn: &mut AnyConnection, reader: &Reader, source: Source<'_>) -> String {
    let mut cursor: Option<String> = None;
    for _ in 0..(DEEP / 100) {
        let page = feed::page(conn, reader, source, cursor.as_deref(), Some(100))
            .await
            .unwrap();
        cursor = page.next_cursor;
    }
    cursor.expect("deep enough")
}

async fn explain(
    conn: &mut AnyConnection,
    backend: Backend,
    reader: &str,
    source: Source<'_>,
) -> String {
    let sql = feed::sql(source);
    let (prefix, column) = match backend {
        Backend::Sqlite => ("EXPLAIN QUERY PLAN ", "detail"),
        Backend::Postgres => ("EXPLAIN ", "QUERY PLAN"),
    };
    let arg = match source {
        Source::Following(id) => id,
        _ => "",
    };
    let text = format!("{prefix}{sql}");
    let q = sqlx::query(&text).bind(reader).bind(0_i64).bind(arg);
    let q = if matches!(source, Source::Popular) {
        q.bind(f64::MAX)
    } else {
        q.bind(i64::MAX)
    };
    let rows = q
        .bind("~")
        .bind(21_i64)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    rows.iter()
        .map(|r| format!("    {}", r.try_get::<String, _>(column).unwrap()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let sizes: Vec<i64> = std::env::var("MOA_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,1000000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("sizes are numbers"))
        .collect();
    let engines = std::env::var("MOA_BENCH_ENGINES").unwrap_or_else(|_| "sqlite,postgres".into());
    let pg_admin = std::env::var("MOA_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("MOA_TEST_POSTGRES_URL"))
        .ok();
    sqlx::any::install_default_drivers();
    println!("feed page latency, {PAGE} reviews a page, median / p95 of {RUNS} runs, in-process");
    let mut results: Vec<(String, i64, String, f64, f64)> = Vec::new();
    for engine in engines.split(',') {
        for &n in &sizes {
            let dir = tempfile::tempdir().unwrap();
            let url = match engine {
                "sqlite" => None,
                "postgres" => {
                    let Some(admin) = &pg_admin else {
                        println!("(postgres skipped: set MOA_BENCH_POSTGRES_URL)");
                        continue;
                    };
                    let name = format!("moa_bench_{}", uuid::Uuid::now_v7().simple());
                    let mut c = AnyConnection::connect(admin).await.unwrap();
                    sqlx::query(&format!("CREATE DATABASE {name}"))
                        .execute(&mut c)
                        .await
                        .unwrap();
                    let (base, query) = admin
                        .split_once('?')
                        .map_or((admin.as_str(), None), |(b, q)| (b, Some(q)));
                    let root = &base[..base.rfind('/').unwrap()];
                    Some(format!(
                        "{root}/{name}{}",
                        query.map(|q| format!("?{q}")).unwrap_or_default()
                    ))
                }
                other => panic!("unknown engine {other}"),
            };
            let db = Db::connect(url.as_deref(), dir.path()).await.unwrap();
            db.migrate().await.unwrap();
            let t = Instant::now();
            fill(&db, n).await;
            println!(
                "\n{engine}, {n} reviews: filled in {:.1} s",
                t.elapsed().as_secs_f64()
            );
            let mut conn = db.read().acquire().await.unwrap();
            let reader_id = hex_id_value(1);
            let reader = Reader(Some(Actor {
                user_id: reader_id.clone(),
                session_id: String::new(),
                role: Role::Member,
                suspended_until: None,
            }));
            for (tab, source) in [
                ("latest", Source::Latest),
                ("following", Source::Following(&reader_id)),
                ("popular", Source::Popular),
                ("tag", Source::Tag("카페")),
            ] {
                let first = time_page(&mut conn, &reader, source, None).await;
                let cursor = deep_cursor(&mut conn, &reader, source).await;
                let deep = time_page(&mut conn, &reader, source, Some(&cursor)).await;
                println!(
                    "  {tab:<10} first page {:>6.2} / {:>6.2} ms   page after {DEEP} {:>6.2} / {:>6.2} ms",
                    ms(first.median),
                    ms(first.p95),
                    ms(deep.median),
                    ms(deep.p95)
                );
                results.push((
                    engine.to_owned(),
                    n,
                    format!("{tab} first"),
                    ms(first.median),
                    ms(first.p95),
                ));
                results.push((
                    engine.to_owned(),
                    n,
                    format!("{tab} deep"),
                    ms(deep.median),
                    ms(deep.p95),
                ));
            }
            if n == *sizes.iter().max().unwrap_or(&n) {
                for (tab, source) in [
                    ("latest", Source::Latest),
                    ("following", Source::Following(&reader_id)),
                    ("popular", Source::Popular),
                ] {
                    println!(
                        "  EXPLAIN {tab}:\n{}",
                        explain(&mut conn, db.backend(), &reader_id, source).await
                    );
                }
            }
            drop(conn);
            db.close().await;
        }
    }
    if sizes.len() >= 2 {
        let (small, large) = (sizes[0], sizes[sizes.len() - 1]);
        println!("\nratio of the {large} page to the {small} page (median), target ≤ 1.5:");
        for (engine, n, what, median, _) in &results {
            if *n != large {
                continue;
            }
            if let Some((_, _, _, base, _)) = results
                .iter()
                .find(|r| r.0 == *engine && r.1 == small && r.2 == *what)
            {
                println!("  {engine:<9} {what:<16} {:>5.2}", median / base);
            }
        }
    }
}

/// The id `hex_id` gives user number `i`.
fn hex_id_value(i: i64) -> String {
    format!("{i:08x}-0001-7000-8000-{i:012x}")
}
