//! The neighbours table: for each item (`r:` review, `s:` place or
//! product), the items the same members engaged with, kept by a job.
//!
//! The job ([`JOB`], one run per [`crate::Settings::recs_every`] slot, on
//! whichever node takes it) keeps a [`Model`] in memory. Its first run on a
//! node, and one a day after, reads a year of interactions and rebuilds
//! every list; the runs between read only what happened since the last
//! (with a few minutes' overlap: seeing an interaction twice changes
//! nothing) and rewrite only the lists that changed. Lists are stored as
//! one row per item (`item_neighbours`, the list as JSON), so a refresh
//! writes one row per changed item and "for you" reads one row per item
//! of a member's history.

use std::time::{Duration, Instant};

use sqlx::AnyConnection;

use super::model::{Interaction, Model};
use crate::db::Db;
use crate::error::Result;
use crate::jobs::{self, Job};
use crate::state::AppState;
use crate::util::now_ms;

/// The refresh job's kind.
pub const JOB: &str = "recs_refresh";
/// How long after a full rebuild the next run rebuilds again.
const REBUILD_EVERY_MS: i64 = 24 * 3_600_000;
/// How far back a rebuild reads.
const HISTORY_MS: i64 = super::views::KEEP_VIEW_DAYS * 86_400_000;
/// Overlap of an incremental read with the previous one (transactions
/// that committed late with an earlier time).
const OVERLAP_MS: i64 = 5 * 60_000;
/// Items written per statement.
const WRITE_CHUNK: usize = 200;

/// What one member did with what, as [`Interaction`] rows: likes, scraps,
/// comments and views of reviews, reviews written about a place or product
/// and likes of such reviews (interest in the subject), and orders of
/// group-buys of a catalogued product. `$1` is the earliest time (ms), `$2`
/// the earliest view day; `$3` a member, when `one_member`.
fn interactions_sql(one_member: bool) -> String {
    // (member, item, time, weight, the rest)
    let parts: [(&str, &str, &str, u8, &str); 7] = [
        (
            "x.user_id",
            "'r:' || x.target_id",
            "x.created_at",
            3,
            "FROM likes x WHERE x.target_type = 'review' AND x.created_at >= $1",
        ),
        (
            "x.user_id",
            "'r:' || x.review_id",
            "x.created_at",
            4,
            "FROM scraps x WHERE x.created_at >= $1",
        ),
        (
            "x.author_id",
            "'r:' || x.review_id",
            "x.created_at",
            2,
            "FROM comments x WHERE x.deleted_at IS NULL AND x.created_at >= $1",
        ),
        (
            "x.user_id",
            "'r:' || x.review_id",
            "x.day * 86400000",
            1,
            "FROM review_views x WHERE x.day >= $2",
        ),
        (
            "x.author_id",
            "'s:' || x.subject_id",
            "x.created_at",
            4,
            "FROM reviews x WHERE x.subject_id IS NOT NULL AND x.deleted_at IS NULL \
             AND x.created_at >= $1",
        ),
        (
            "x.user_id",
            "'s:' || r.subject_id",
            "x.created_at",
            1,
            "FROM likes x JOIN reviews r ON r.id = x.target_id WHERE x.target_type = 'review' \
             AND r.subject_id IS NOT NULL AND x.created_at >= $1",
        ),
        (
            "x.user_id",
            "'s:' || p.catalog_product_id",
            "x.created_at",
            5,
            "FROM orders x JOIN campaigns c ON c.id = x.campaign_id \
             JOIN shop_products p ON p.id = c.product_id \
             WHERE p.catalog_product_id IS NOT NULL AND x.created_at >= $1 \
             AND x.status IN ('paid', 'confirmed', 'fulfilled')",
        ),
    ];
    parts
        .iter()
        .map(|(user, item, at, weight, rest)| {
            let member = if one_member {
                format!(" AND {user} = $3")
            } else {
                String::new()
            };
            format!(
                "SELECT {user} AS user_id, {item} AS item, CAST({at} AS BIGINT) AS at, \
                 CAST({weight} AS BIGINT) AS weight {rest}{member}"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

#[derive(sqlx::FromRow)]
struct Row {
    user_id: String,
    item: String,
    at: i64,
    weight: i64,
}

/// Every interaction since `since` (ms), or one member's.
pub async fn interactions(
    conn: &mut AnyConnection,
    since: i64,
    member: Option<&str>,
) -> Result<Vec<Interaction>> {
    let sql = interactions_sql(member.is_some());
    let mut q = sqlx::query_as::<_, Row>(&sql)
        .bind(since)
        .bind(since.div_euclid(86_400_000));
    if let Some(m) = member {
        q = q.bind(m);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| Interaction {
            user: r.user_id,
            item: r.item,
            at: r.at,
            weight: r.weight as f64,
        })
        .collect())
}

/// The model a node keeps between runs.
#[derive(Debug)]
pub struct Built {
    pub model: Model,
    /// Interactions up to this time are in the model.
    pub through: i64,
    /// When the lists were last all rebuilt.
    pub rebuilt_at: i64,
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report {
    pub full: bool,
    /// Interactions read from the database.
    pub read: usize,
    /// Lists written.
    pub written: usize,
    pub read_ms: f64,
    pub compute_ms: f64,
    pub write_ms: f64,
}

/// Brings the stored lists up to date with the interactions in `db`,
/// keeping the model in `built` for the next run (a full rebuild when
/// there is none, or when the last is a day old).
pub async fn refresh_db(db: &Db, built: &mut Option<Built>, now: i64) -> Result<Report> {
    let full = built
        .as_ref()
        .is_none_or(|b| now - b.rebuilt_at >= REBUILD_EVERY_MS);
    let since = match built.as_ref() {
        Some(b) if !full => b.through - OVERLAP_MS,
        _ => now - HISTORY_MS,
    };
    let started = Instant::now();
    let rows = {
        let mut conn = db.read().acquire().await?;
        interactions(&mut conn, since, None).await?
    };
    let read_ms = ms_since(started);
    let read = rows.len();
    let previous = if full { None } else { built.take() };
    let started = Instant::now();
    let (model, changed) = tokio::task::spawn_blocking(move || {
        let mut model = previous.map_or_else(|| Model::new(now), |b| b.model);
        let touched = model.add(&rows);
        let changed = if full {
            model.rebuild()
        } else {
            model.refresh(&touched)
        };
        (model, changed)
    })
    .await
    .map_err(|e| crate::Error::Internal(format!("neighbours computation failed: {e}")))?;
    let compute_ms = ms_since(started);
    let started = Instant::now();
    store(db, &model, &changed, now).await?;
    if full {
        let mut tx = db.begin_write().await?;
        sqlx::query("DELETE FROM item_neighbours WHERE updated_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    let write_ms = ms_since(started);
    let rebuilt_at = match built.as_ref() {
        Some(b) if !full => b.rebuilt_at,
        _ => now,
    };
    *built = Some(Built {
        model,
        through: now,
        rebuilt_at,
    });
    Ok(Report {
        full,
        read,
        written: changed.len(),
        read_ms,
        compute_ms,
        write_ms,
    })
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Writes the lists of `items` (an empty list removes the row), a few
/// thousand per transaction.
async fn store(db: &Db, model: &Model, items: &[u32], now: i64) -> Result<()> {
    for tx_items in items.chunks(WRITE_CHUNK * 10) {
        let mut tx = db.begin_write().await?;
        for chunk in tx_items.chunks(WRITE_CHUNK) {
            let mut rows: Vec<(&str, String)> = Vec::with_capacity(chunk.len());
            for &i in chunk {
                let list = model.list(i);
                if list.is_empty() {
                    sqlx::query("DELETE FROM item_neighbours WHERE item_id = $1")
                        .bind(model.item(i))
                        .execute(&mut *tx)
                        .await?;
                    continue;
                }
                let named: Vec<(&str, f32)> = list
                    .iter()
                    .map(|&(j, s)| (model.item(j), (s * 10_000.0).round() / 10_000.0))
                    .collect();
                rows.push((model.item(i), crate::util::to_json_text(&named)?));
            }
            if rows.is_empty() {
                continue;
            }
            let values: Vec<String> = (0..rows.len())
                .map(|k| format!("(${}, ${}, ${})", 3 * k + 1, 3 * k + 2, 3 * k + 3))
                .collect();
            let sql = format!(
                "INSERT INTO item_neighbours (item_id, neighbours, updated_at) VALUES {} \
                 ON CONFLICT (item_id) DO UPDATE SET neighbours = excluded.neighbours, \
                 updated_at = excluded.updated_at",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (item, list) in &rows {
                q = q.bind(*item).bind(list.as_str()).bind(now);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// The stored lists of `items`: (item, [(neighbour, similarity)]).
pub async fn lists(
    conn: &mut AnyConnection,
    items: &[String],
) -> Result<Vec<(String, Vec<(String, f32)>)>> {
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(WRITE_CHUNK) {
        let params: Vec<String> = (1..=chunk.len()).map(|k| format!("${k}")).collect();
        let sql = format!(
            "SELECT item_id, neighbours FROM item_neighbours WHERE item_id IN ({})",
            params.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for item in chunk {
            q = q.bind(item.as_str());
        }
        for (item, text) in q.fetch_all(&mut *conn).await? {
            let list: Vec<(String, f32)> = crate::db::json_column(&text, "neighbours")?;
            out.push((item, list));
        }
    }
    Ok(out)
}

/// The job: refreshes the lists with this node's model, then schedules the
/// next run.
pub async fn run(state: &AppState, job: &Job) -> Result<()> {
    let now = now_ms();
    let report = {
        let mut built = state.recs.lock().await;
        refresh_db(&state.db, &mut built, now).await?
    };
    tracing::info!(
        full = report.full,
        interactions = report.read,
        lists = report.written,
        ms = (report.read_ms + report.compute_ms + report.write_ms) as u64,
        "neighbours refreshed"
    );
    let every = state.settings.recs_every;
    state
        .write_quiet(async |tx| {
            jobs::finish(tx, &job.id, now).await?;
            schedule(tx, every, now).await
        })
        .await
}

/// Schedules the run of the next `every` slot (every node asks; one row
/// is made per slot).
pub async fn schedule(conn: &mut AnyConnection, every: Duration, now: i64) -> Result<()> {
    let every = slot_ms(every);
    schedule_slot(conn, now / every + 1, every, now).await
}

/// Schedules a run of the current slot, due now (at start: a fresh server
/// has lists within a poll, not a slot, later; one already run stays done).
pub async fn schedule_now(conn: &mut AnyConnection, every: Duration, now: i64) -> Result<()> {
    let every = slot_ms(every);
    schedule_slot(conn, now / every, every, now).await
}

fn slot_ms(every: Duration) -> i64 {
    i64::try_from(every.as_millis())
        .unwrap_or(i64::MAX)
        .max(1000)
}

async fn schedule_slot(conn: &mut AnyConnection, slot: i64, every: i64, now: i64) -> Result<()> {
    jobs::schedule(
        conn,
        JOB,
        &format!("{JOB}:{slot}"),
        &serde_json::json!({}),
        (slot * every).max(now),
        now,
    )
    .await
}
