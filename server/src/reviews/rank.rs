//! The "popular" ranking.
//!
//! Starting point: Lemmy's hot rank, `log(max(2, score + 2)) / (hours + 2)^1.8`,
//! where `hours` is the post's age. It ranks well but depends on the current
//! time, so Lemmy recomputes it for recent posts every few minutes; rows keep
//! changing even when nobody interacts, and a cursor into the popular feed
//! goes stale between two page loads.
//!
//! Adaptation: we keep Lemmy's logarithmic damping of the score and express
//! the decay as an additive term of the *creation* time instead of a divisor
//! of the age (the approach of Reddit's "hot"), and open reports pull an
//! item down:
//!
//! ```text
//! score = likes + 2·comments + 3·scraps + viewers / 5
//! rank  = ln(score + 4) + created_hours / 72 − open_reporters
//! ```
//!
//! Comparing two reviews, each 72 hours (three days) of newness is worth a
//! factor e (≈2.7) of `score + 4`. The damping constant 4 keeps one like
//! from beating a day of age (ln(5/4) = 0.22 < 24/72 = 0.33), while a
//! well-liked week-old review (30 likes, 5 comments, 3 scraps: score 49)
//! beats a fresh one with nothing (ln(53/4) = 2.58 > 168/72 = 2.33). Each
//! open report from a distinct member costs as much as three days of age;
//! resolving the reports gives it back. The rank depends only on the
//! review's own counts, reports and creation time, never on "now", so it
//! is stored, indexed (`reviews_hot`), updated in the same transaction as
//! the like/comment/scrap/view/report that changes it, and a feed page is
//! an index range scan at any depth.

/// Hours of newness worth a factor e of `score + DAMPING`.
pub const DECAY_HOURS: f64 = 72.0;
/// Added to the score before the logarithm: how much the first
/// interactions count against age.
pub const DAMPING: f64 = 4.0;
/// What one open report from a distinct member takes off the rank (the
/// same as `DECAY_HOURS` of age).
pub const REPORT_PENALTY: f64 = 1.0;
/// The version of this formula; stored ranks of an older one are
/// recomputed at start (see [`rerank_if_needed`]).
pub const VERSION: i64 = 2;

/// The engagement score of a review.
pub fn score(likes: i64, comments: i64, scraps: i64, viewers: i64) -> f64 {
    likes as f64 + 2.0 * comments as f64 + 3.0 * scraps as f64 + viewers as f64 / 5.0
}

/// The stored rank of a review created at `created_at_ms` with `score`
/// and `open_reporters` distinct members' open reports.
pub fn hot_rank(score: f64, created_at_ms: i64, open_reporters: i64) -> f64 {
    let hours = created_at_ms as f64 / 3_600_000.0;
    (score.max(0.0) + DAMPING).ln() + hours / DECAY_HOURS
        - REPORT_PENALTY * open_reporters.max(0) as f64
}

/// Recomputes and stores the rank of review `id` from its counters, in the
/// caller's transaction (computed here rather than in SQL: SQLite's `LN` is
/// an optional build feature).
pub async fn refresh(conn: &mut sqlx::AnyConnection, id: &str) -> crate::error::Result<()> {
    #[derive(sqlx::FromRow)]
    struct Counters {
        like_count: i64,
        comment_count: i64,
        scrap_count: i64,
        view_count: i64,
        created_at: i64,
        reporters: i64,
    }
    let row = sqlx::query_as::<_, Counters>(
        "SELECT like_count, comment_count, scrap_count, view_count, created_at, \
           (SELECT COUNT(DISTINCT reporter_id) FROM reports \
             WHERE target_type = 'review' AND target_id = $1 AND state = 'open') AS reporters \
         FROM reviews WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(()) };
    let s = score(
        row.like_count,
        row.comment_count,
        row.scrap_count,
        row.view_count,
    );
    let rank = hot_rank(s, row.created_at, row.reporters);
    sqlx::query("UPDATE reviews SET hot_rank = $1 WHERE id = $2")
        .bind(rank)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Recomputes every stored rank when they were computed by an older
/// formula (a server upgraded from one), a thousand reviews a transaction;
/// remembers the version in `server_meta`.
pub async fn rerank_if_needed(db: &crate::db::Db) -> crate::error::Result<()> {
    let stored: Option<String> = {
        let mut conn = db.read().acquire().await?;
        sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'rank_version'")
            .fetch_optional(&mut *conn)
            .await?
    };
    if stored.as_deref() == Some(VERSION.to_string().as_str()) {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut after = String::new();
    let mut done = 0usize;
    loop {
        let mut tx = db.begin_write().await?;
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM reviews WHERE id > $1 ORDER BY id LIMIT 1000")
                .bind(&after)
                .fetch_all(&mut *tx)
                .await?;
        for id in &ids {
            refresh(&mut tx, id).await?;
        }
        let last = ids.last().cloned();
        if last.is_none() {
            sqlx::query(
                "INSERT INTO server_meta (key, value) VALUES ('rank_version', $1) \
                 ON CONFLICT (key) DO UPDATE SET value = $1",
            )
            .bind(VERSION.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        done += ids.len();
        match last {
            Some(id) => after = id,
            None => break,
        }
    }
    tracing::info!(
        reviews = done,
        ms = started.elapsed().as_millis() as u64,
        "popular ranks recomputed"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;
    const T0: i64 = 1_700_000_000_000;

    #[test]
    fn one_like_does_not_beat_a_day() {
        for likes in 0..50 {
            let older = hot_rank(score(likes + 1, 0, 0, 1), T0, 0);
            let newer = hot_rank(score(likes, 0, 0, 0), T0 + 24 * HOUR, 0);
            assert!(newer > older, "{likes}: a like (and its view) beat a day");
        }
    }

    #[test]
    fn a_well_liked_week_old_review_beats_a_fresh_one_with_nothing() {
        let week_old = hot_rank(score(30, 5, 3, 60), T0, 0);
        let fresh = hot_rank(score(0, 0, 0, 0), T0 + 7 * 24 * HOUR, 0);
        assert!(week_old > fresh);
        // …but not a month-old one.
        let month_old = hot_rank(score(30, 5, 3, 60), T0 - 23 * 24 * HOUR, 0);
        assert!(month_old < fresh);
    }

    #[test]
    fn reports_pull_down_and_give_back() {
        let clean = hot_rank(score(0, 0, 0, 0), T0, 0);
        let reported = hot_rank(score(0, 0, 0, 0), T0 + HOUR, 1);
        assert!(reported < clean, "a reported newer review falls below");
        let three = hot_rank(score(10, 2, 0, 0), T0 + 48 * HOUR, 3);
        assert!(
            three < clean,
            "three reports cost more than two days and ten likes"
        );
        assert_eq!(
            hot_rank(score(3, 0, 0, 0), T0, 0),
            hot_rank(score(3, 0, 0, 0), T0, 0)
        );
    }

    #[test]
    fn newer_needs_less_engagement() {
        let later = T0 + 72 * HOUR;
        let old = hot_rank(score(30, 0, 0, 0), T0, 0);
        // e ≈ 2.7: three days newer with (score+4)/e engagement ranks the same.
        let equal = hot_rank((30.0 + DAMPING) / std::f64::consts::E - DAMPING, later, 0);
        assert!((equal - old).abs() < 1e-9);
    }

    #[test]
    fn weights_and_floor() {
        assert_eq!(score(1, 1, 1, 10), 1.0 + 2.0 + 3.0 + 2.0);
        assert_eq!(hot_rank(-5.0, 0, 0), DAMPING.ln());
    }
}
