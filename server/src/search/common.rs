//! Short words common in a kind (`search_common`, migration 24).
//!
//! A word of one or two characters is too short for a trigram, so `put`
//! adds a `search_short` row (kind, word, doc) for each such word of a
//! document, and a search reads the word through them (`Via::Word`). Most
//! of those rows were of a few common words (정말, 너무, 커피 …): 10.8M rows
//! for 1.2M documents, 1.29 GB on PostgreSQL, and most of what writing a
//! document cost after its trigrams. A common word needs no such rows: the
//! kind's newest documents, each checked (`Via::Common`), fill a page from
//! the first few thousand.
//!
//! [`mark`] finds the words held by at least one in [`Rule::share`] of a
//! kind's newest [`Rule::window`] documents, records them, and deletes
//! their rows a batch a transaction. From then on `put` adds no row for
//! them and a search reads them newest first; the guard that picks the read
//! is in the search's own statement, so a search never mixes the two. A
//! pair never leaves the table (a word rare again is still read newest
//! first): its rows stopped when it became common, so its table read would
//! miss what was written since. The server runs [`mark`] at start and every
//! [`EVERY`] ([`spawn`]); on several nodes each does, which is harmless:
//! writes are serialised and each step is idempotent.

use std::time::Duration;

use moa_protocol::SearchKind;

use crate::Db;
use crate::error::Result;

/// How often the server looks for newly common words.
pub const EVERY: Duration = Duration::from_secs(10 * 60);

/// Rows of a common word deleted per write transaction (short enough not
/// to hold other writes up).
const DELETE_BATCH: i64 = 5_000;

/// When a short word counts as common in a kind.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The kind's newest documents looked at; a kind with fewer has no
    /// common word (a walk over all of it is short anyway).
    pub window: i64,
    /// Common when at least one in `share` of them hold the word: a page
    /// of 20 then fills from about `20 × share` of the newest.
    pub share: i64,
}

impl Default for Rule {
    /// One in a hundred of the newest 10,000: a page from ~2,000 rows
    /// (2–4 ms, BENCHMARKS.md, issue 19, seventh round).
    fn default() -> Self {
        Rule {
            window: 10_000,
            share: 100,
        }
    }
}

/// What a run of [`mark`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Marked {
    /// The pairs found common this time.
    pub words: Vec<(SearchKind, String)>,
    /// The short words' rows deleted (of these and of earlier pairs).
    pub rows_deleted: u64,
}

/// Records the short words common in each kind under `rule` and deletes
/// their rows from `search_short`.
pub async fn mark(db: &Db, rule: Rule) -> Result<Marked> {
    let mut marked = Marked::default();
    for kind in SearchKind::ALL {
        let words = common_in(db, kind, rule).await?;
        if words.is_empty() {
            continue;
        }
        let mut tx = db.begin_write().await?;
        for word in &words {
            sqlx::query(
                "INSERT INTO search_common (kind, word) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(kind.as_str())
            .bind(word)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        marked
            .words
            .extend(words.into_iter().map(|word| (kind, word)));
    }
    // Every pair with rows left: those just marked, and any whose delete
    // an earlier run did not finish.
    let pending: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.kind, c.word FROM search_common c WHERE EXISTS \
         (SELECT 1 FROM search_short s WHERE s.kind = c.kind AND s.word = c.word)",
    )
    .fetch_all(db.read())
    .await?;
    for (kind, word) in pending {
        loop {
            let mut tx = db.begin_write().await?;
            let gone = sqlx::query(
                "DELETE FROM search_short WHERE kind = $1 AND word = $2 AND doc IN \
                 (SELECT doc FROM search_short WHERE kind = $1 AND word = $2 LIMIT $3)",
            )
            .bind(&kind)
            .bind(&word)
            .bind(DELETE_BATCH)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            marked.rows_deleted += gone;
            if gone < DELETE_BATCH as u64 {
                break;
            }
        }
    }
    if !marked.words.is_empty() || marked.rows_deleted > 0 {
        tracing::info!(
            words = marked.words.len(),
            rows_deleted = marked.rows_deleted,
            "common short words marked"
        );
    }
    Ok(marked)
}

/// The short words not yet marked that at least one in `rule.share` of
/// `kind`'s newest `rule.window` documents hold (read off the writer).
async fn common_in(db: &Db, kind: SearchKind, rule: Rule) -> Result<Vec<String>> {
    let floor: Option<i64> = sqlx::query_scalar(
        "SELECT doc FROM search_docs WHERE kind = $1 ORDER BY doc DESC LIMIT 1 OFFSET $2",
    )
    .bind(kind.as_str())
    .bind(rule.window.max(1) - 1)
    .fetch_optional(db.read())
    .await?;
    let Some(floor) = floor else {
        return Ok(Vec::new());
    };
    Ok(sqlx::query_scalar(
        "SELECT s.word FROM search_short s WHERE s.kind = $1 AND s.doc >= $2 \
         AND NOT EXISTS (SELECT 1 FROM search_common c WHERE c.kind = $1 AND c.word = s.word) \
         GROUP BY s.word HAVING COUNT(*) >= $3 ORDER BY s.word",
    )
    .bind(kind.as_str())
    .bind(floor)
    .bind((rule.window / rule.share.max(1)).max(1))
    .fetch_all(db.read())
    .await?)
}

/// Runs [`mark`] now and every [`EVERY`] until the server stops.
pub fn spawn(db: Db, mut stopping: tokio::sync::watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stopping.changed() => return,
            }
            if let Err(e) = mark(&db, Rule::default()).await {
                tracing::warn!(error = %e, "cannot mark the common short words");
            }
        }
    });
}
