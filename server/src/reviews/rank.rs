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
//! of the age (the approach of Reddit's "hot"):
//!
//! ```text
//! score = likes + 2·comments + 3·scraps + views / 10
//! rank  = ln(max(2, score + 2)) + created_hours / 8
//! ```
//!
//! Comparing two reviews, each 8 hours of newness is worth a factor e (≈2.7)
//! of score: a review posted 8 hours later with a third of the engagement
//! ranks the same. The rank depends only on the review's own counts and
//! creation time, never on "now", so it is stored, indexed (`reviews_hot`),
//! updated in the same transaction as the like/comment/scrap/view that
//! changes it, and a feed page is an index range scan at any depth. Weights:
//! a comment or a scrap is a stronger signal than a like; views are cheap.

/// Hours of newness worth a factor e of score.
pub const DECAY_HOURS: f64 = 8.0;

/// The engagement score of a review.
pub fn score(likes: i64, comments: i64, scraps: i64, views: i64) -> f64 {
    likes as f64 + 2.0 * comments as f64 + 3.0 * scraps as f64 + views as f64 / 10.0
}

/// The stored rank of a review created at `created_at_ms` with `score`.
pub fn hot_rank(score: f64, created_at_ms: i64) -> f64 {
    let hours = created_at_ms as f64 / 3_600_000.0;
    (score + 2.0).max(2.0).ln() + hours / DECAY_HOURS
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
    }
    let row = sqlx::query_as::<_, Counters>(
        "SELECT like_count, comment_count, scrap_count, view_count, created_at FROM reviews WHERE id = $1",
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
    let rank = hot_rank(s, row.created_at);
    sqlx::query("UPDATE reviews SET hot_rank = $1 WHERE id = $2")
        .bind(rank)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_needs_less_engagement() {
        let t0 = 1_700_000_000_000;
        let later = t0 + 8 * 3_600_000;
        let old_popular = hot_rank(score(30, 0, 0, 0), t0);
        let new_quiet = hot_rank(score(0, 0, 0, 0), later);
        let new_some = hot_rank(score(30, 0, 0, 0), later);
        assert!(new_some > old_popular);
        // e^1 ≈ 2.7: 8 hours newer with (score+2)/e engagement ranks the same.
        let equal = hot_rank((30.0 + 2.0) / std::f64::consts::E - 2.0, later);
        assert!((equal - old_popular).abs() < 1e-9);
        assert!(new_quiet < old_popular, "32 likes beat 8 hours");
    }

    #[test]
    fn weights_and_floor() {
        assert_eq!(score(1, 1, 1, 10), 1.0 + 2.0 + 3.0 + 1.0);
        assert_eq!(hot_rank(-5.0, 0), 2f64.ln());
    }
}
