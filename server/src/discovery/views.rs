//! Views that count: a member's device sends the reviews they opened and
//! read (`views.record`, batched through the outbox), each counted at most
//! once per member, review and UTC day.
//!
//! Recording a batch is one insert per review into `review_views` (the
//! uniqueness, and the history "for you" reads) and a bump of a tally row
//! in `review_view_tally`, in the push's own transaction. The review itself
//! is not touched there: [`flush`] folds the tallies into `view_count`, the
//! popular rank and the change log, a few hundred reviews per write
//! transaction, every [`crate::Settings::views_flush`]. A hot review read by
//! a thousand members in a minute is then one counter update and one change
//! for devices per flush, not a thousand; the tallies are rows, so a
//! restart loses none. Views are never listed per person.

use moa_protocol::limits::MAX_VIEWS_PER_BATCH;
use moa_protocol::sync::ViewsRecorded;
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::reviews::{rank, service as reviews};
use crate::state::AppState;
use crate::util::now_ms;
use crate::validate;

/// Reviews folded per write transaction.
const FLUSH_BATCH: i64 = 300;
/// Days a member's views are kept (uniqueness needs one; recommendations
/// read a year, in which a view's weight halves twelve times).
pub const KEEP_VIEW_DAYS: i64 = 365;

/// Counts `review_ids` as viewed by `actor` today: reviews they may see
/// and did not write, once per day each. Unknown or deleted ids are passed
/// over (the review may have gone while the batch waited offline).
pub async fn record(
    conn: &mut AnyConnection,
    actor: &Actor,
    review_ids: &[String],
    now: i64,
) -> Result<ViewsRecorded> {
    if review_ids.len() > MAX_VIEWS_PER_BATCH {
        return Err(Error::invalid(
            "review_ids",
            format!("at most {MAX_VIEWS_PER_BATCH} reviews per batch"),
        ));
    }
    for (i, id) in review_ids.iter().enumerate() {
        validate::uuid(format!("review_ids[{i}]"), id)?;
    }
    let day = now / 86_400_000;
    let mut counted = 0u32;
    let mut done: Vec<&str> = Vec::with_capacity(review_ids.len());
    for id in review_ids {
        if done.contains(&id.as_str()) {
            continue;
        }
        done.push(id);
        let inserted = sqlx::query(
            "INSERT INTO review_views (review_id, user_id, day) \
             SELECT r.id, $2, $3 FROM reviews r \
              WHERE r.id = $1 AND r.author_id <> $2 AND r.deleted_at IS NULL AND r.hidden_at IS NULL \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(&actor.user_id)
        .bind(day)
        .execute(&mut *conn)
        .await?;
        if inserted.rows_affected() == 0 {
            continue;
        }
        sqlx::query(
            "INSERT INTO review_view_tally (review_id, n) VALUES ($1, 1) \
             ON CONFLICT (review_id) DO UPDATE SET n = review_view_tally.n + 1",
        )
        .bind(id)
        .execute(&mut *conn)
        .await?;
        counted += 1;
    }
    Ok(ViewsRecorded { counted })
}

/// Folds every tally into its review (count, rank, change for devices);
/// answers how many reviews changed.
pub async fn flush(state: &AppState) -> Result<usize> {
    let mut total = 0usize;
    loop {
        {
            let mut conn = state.db.read().acquire().await?;
            let any: Option<String> =
                sqlx::query_scalar("SELECT review_id FROM review_view_tally LIMIT 1")
                    .fetch_optional(&mut *conn)
                    .await?;
            if any.is_none() {
                return Ok(total);
            }
        }
        let now = now_ms();
        let folded = state
            .write_quiet(async |tx| {
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT review_id, n FROM review_view_tally ORDER BY review_id LIMIT $1",
                )
                .bind(FLUSH_BATCH)
                .fetch_all(&mut *tx)
                .await?;
                for (id, n) in &rows {
                    sqlx::query("DELETE FROM review_view_tally WHERE review_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    let changed = sqlx::query(
                        "UPDATE reviews SET view_count = view_count + $1 WHERE id = $2",
                    )
                    .bind(n)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    if changed.rows_affected() == 1 {
                        rank::refresh(tx, id).await?;
                        reviews::publish(tx, id, now).await?;
                    }
                }
                Ok(rows.len())
            })
            .await?;
        total += folded;
        if folded < FLUSH_BATCH as usize {
            return Ok(total);
        }
    }
}

/// Flushes every `settings.views_flush` until the server stops (on every
/// node: flushes are write transactions, so two nodes never fold the same
/// tally twice).
pub fn spawn_flusher(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut stopping = state.stopping.subscribe();
        loop {
            tokio::select! {
                () = tokio::time::sleep(state.settings.views_flush) => {}
                _ = stopping.changed() => return,
            }
            if *stopping.borrow() {
                return;
            }
            match flush(&state).await {
                Ok(n) if n > 0 => tracing::debug!(reviews = n, "views folded"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot fold the view tallies"),
            }
        }
    });
}
