//! A deleted account's erase schedule.
//!
//! `DELETE /v1/me` takes effect at once: the profile is emptied (name, bio,
//! links, photo, phone), the email and handle freed, every session signed
//! out, and the member's content shows under "탈퇴한 회원". It also
//! schedules two jobs, keyed by the member (so deleting twice schedules
//! once):
//!
//! 1. [`ERASE`] after [`crate::Settings::erase_after`] (30 days by
//!    default; the window in which moderators can still act on reports
//!    about the content): reviews, comments, chat messages and request
//!    texts are erased (deleted through the same paths as a member's own
//!    delete, so counts, feeds, search and devices follow, and their text
//!    blanked), likes, scraps and follows undone, photos and videos
//!    nobody else uses deleted from the store, devices, notifications,
//!    views and data exports removed.
//! 2. [`ERASE_RECORDS`] after [`KEEP_RECORDS_YEARS`] years (전자상거래법:
//!    contracts, payments and supply records are kept five years): the
//!    notes on orders' history and the points ledger are cleared. The rows
//!    stay, tied to the emptied account, so campaign and ledger totals hold.
//!
//! Each step is idempotent: a job cut short is retaken and finds less to do.

use std::time::Duration;

use moa_protocol::Role;
use serde_json::json;
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::error::Result;
use crate::jobs::{self, Job};
use crate::social::service::{self as social, Target};
use crate::state::{AppState, Events};
use crate::util::now_ms;

/// The first job: the member's content.
pub const ERASE: &str = "account_erase";
/// The second: what was kept for the legal retention period.
pub const ERASE_RECORDS: &str = "account_erase_records";
/// Years orders, payments and points records are kept.
pub const KEEP_RECORDS_YEARS: u32 = 5;
/// Items erased per write transaction.
const BATCH: i64 = 100;

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Schedules both erase jobs for a member deleted at `now`, in the
/// deletion's transaction.
pub async fn schedule(
    conn: &mut AnyConnection,
    user_id: &str,
    erase_after: Duration,
    now: i64,
) -> Result<()> {
    let payload = json!({ "user_id": user_id });
    jobs::schedule(
        conn,
        ERASE,
        &format!("{ERASE}:{user_id}"),
        &payload,
        now + ms(erase_after),
        now,
    )
    .await?;
    let years = ms(Duration::from_secs(
        u64::from(KEEP_RECORDS_YEARS) * 365 * 24 * 3600 + 24 * 3600,
    ));
    jobs::schedule(
        conn,
        ERASE_RECORDS,
        &format!("{ERASE_RECORDS}:{user_id}"),
        &payload,
        now + years,
        now,
    )
    .await
}

/// The deleted member as the social paths' actor (its own likes, scraps
/// and follows are undone through them).
fn as_actor(user_id: &str) -> Actor {
    Actor {
        user_id: user_id.to_owned(),
        session_id: String::new(),
        role: Role::Member,
        suspended_until: None,
    }
}

/// Ids a query over the member answers (one batch).
async fn ids(state: &AppState, sql: &str, user_id: &str) -> Result<Vec<(String, String)>> {
    let mut conn = state.db.read().acquire().await?;
    Ok(sqlx::query_as(sql)
        .bind(user_id)
        .bind(BATCH)
        .fetch_all(&mut *conn)
        .await?)
}

/// What the erase job takes out item by item, in this order, each through
/// the path a member's own action takes (so counters, feeds, search, the
/// change log and devices follow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Reviews, deleted as their author deletes them (then blanked).
    Reviews,
    /// Comments, likewise.
    Comments,
    /// Likes, undone.
    Likes,
    /// Scraps, undone.
    Scraps,
    /// Follows both ways, undone.
    Follows,
    /// Chat messages, left as tombstones (the rooms are told).
    Messages,
}

impl Step {
    const ALL: [Step; 6] = [
        Step::Reviews,
        Step::Comments,
        Step::Likes,
        Step::Scraps,
        Step::Follows,
        Step::Messages,
    ];

    /// What is left of this step: two columns per item, `$1` the member,
    /// `$2` the batch size.
    fn pending(self) -> &'static str {
        match self {
            Step::Reviews => {
                "SELECT id, '' FROM reviews WHERE author_id = $1 AND deleted_at IS NULL LIMIT $2"
            }
            Step::Comments => {
                "SELECT id, '' FROM comments WHERE author_id = $1 AND deleted_at IS NULL LIMIT $2"
            }
            Step::Likes => "SELECT target_type, target_id FROM likes WHERE user_id = $1 LIMIT $2",
            Step::Scraps => "SELECT review_id, '' FROM scraps WHERE user_id = $1 LIMIT $2",
            Step::Follows => {
                "SELECT follower_id, followee_id FROM follows \
                 WHERE follower_id = $1 OR followee_id = $1 LIMIT $2"
            }
            Step::Messages => {
                "SELECT room_id, id FROM messages WHERE sender_id = $1 AND deleted_at IS NULL \
                 LIMIT $2"
            }
        }
    }

    /// Takes one item (`a`, `b`: the two columns of [`Step::pending`]) out,
    /// in the batch's transaction; answers the realtime events it caused.
    async fn erase(
        self,
        tx: &mut AnyConnection,
        actor: &Actor,
        a: &str,
        b: &str,
        now: i64,
    ) -> Result<Events> {
        match self {
            Step::Reviews => {
                if let Some(row) = crate::reviews::service::load(tx, a).await? {
                    crate::reviews::service::remove(tx, &row, now).await?;
                }
            }
            Step::Comments => {
                if let Some(row) = crate::comments::service::get(tx, "", true, a).await? {
                    crate::comments::service::remove(tx, &row, now).await?;
                }
            }
            Step::Likes => {
                let target = if a == "comment" {
                    Target::Comment
                } else {
                    Target::Review
                };
                social::unlike(tx, actor, target, b, now).await?;
            }
            Step::Scraps => {
                social::unscrap(tx, actor, a, now).await?;
            }
            Step::Follows => social::unfollow_pair(tx, a, b, now).await?,
            Step::Messages => return Ok(crate::chat::service::erase(tx, a, b, now).await?.1),
        }
        Ok(Vec::new())
    }
}

/// Runs one [`Step`] to its end, [`BATCH`] items a write transaction. A
/// batch that comes back unchanged is an error (else it would not end).
async fn in_batches(state: &AppState, actor: &Actor, step: Step, now: i64) -> Result<()> {
    let user = actor.user_id.as_str();
    let mut last = Vec::new();
    loop {
        let batch = ids(state, step.pending(), user).await?;
        if batch.is_empty() {
            return Ok(());
        }
        if batch == last {
            return Err(crate::Error::Internal(format!(
                "erasing {user} made no progress at {step:?}"
            )));
        }
        state
            .write(async |tx| {
                let mut events = Vec::new();
                for (a, b) in &batch {
                    events.extend(step.erase(tx, actor, a, b, now).await?);
                }
                Ok(((), events))
            })
            .await?;
        last = batch;
    }
}

/// The [`ERASE`] job.
pub async fn run(state: &AppState, job: &Job) -> Result<()> {
    let user = job.text("user_id")?.to_owned();
    let deleted: Option<Option<i64>> = {
        let mut conn = state.db.read().acquire().await?;
        sqlx::query_scalar("SELECT deleted_at FROM users WHERE id = $1")
            .bind(&user)
            .fetch_optional(&mut *conn)
            .await?
    };
    // Only a deleted account is erased.
    if !matches!(deleted, Some(Some(_))) {
        return Ok(());
    }
    let actor = as_actor(&user);
    let now = now_ms();

    for step in Step::ALL {
        in_batches(state, &actor, step, now).await?;
    }
    // What is left in one transaction: texts, the member's own rows.
    state
        .write_quiet(async |tx| erase_rest(tx, &user).await)
        .await?;
    super::export::remove_all(state, &user).await?;
    erase_media(state, &user).await?;
    tracing::info!(user_id = %user, "deleted account erased");
    Ok(())
}

async fn erase_rest(tx: &mut AnyConnection, user: &str) -> Result<()> {
    for sql in [
        "UPDATE reviews SET title = '', body = '', photos = '[]', tags = '[]' WHERE author_id = $1",
        "DELETE FROM review_tags WHERE review_id IN (SELECT id FROM reviews WHERE author_id = $1)",
        "DELETE FROM media_refs WHERE ref_type = 'review' \
         AND ref_id IN (SELECT id FROM reviews WHERE author_id = $1)",
        "UPDATE comments SET body = '' WHERE author_id = $1",
        "UPDATE requests SET details = '', photos = '[]', closing_note = '' WHERE user_id = $1",
        "UPDATE quotes SET message = '' WHERE user_id = $1",
        "UPDATE helper_reviews SET text = '', photos = '[]' WHERE reviewer_id = $1",
        "DELETE FROM campaign_scraps WHERE user_id = $1",
        "DELETE FROM notifications WHERE user_id = $1 OR actor_id = $1",
        "DELETE FROM notification_mutes WHERE user_id = $1",
        "DELETE FROM review_views WHERE user_id = $1",
        "DELETE FROM devices WHERE user_id = $1",
        "DELETE FROM phone_verifications WHERE user_id = $1",
        "DELETE FROM password_resets WHERE user_id = $1",
        "DELETE FROM media_owners WHERE user_id = $1",
    ] {
        sqlx::query(sql).bind(user).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Deletes the photos and videos the member uploaded that nothing uses any
/// more (no other owner, no reference, no room photo), files first.
async fn erase_media(state: &AppState, user: &str) -> Result<()> {
    let orphans: Vec<String> = {
        let mut conn = state.db.read().acquire().await?;
        sqlx::query_scalar(
            "SELECT m.id FROM media m WHERE m.created_by = $1 \
             AND NOT EXISTS (SELECT 1 FROM media_owners o WHERE o.media_id = m.id) \
             AND NOT EXISTS (SELECT 1 FROM media_refs r WHERE r.media_id = m.id) \
             AND NOT EXISTS (SELECT 1 FROM rooms r WHERE r.photo_media_id = m.id) \
             AND NOT EXISTS (SELECT 1 FROM users u WHERE u.avatar_media_id = m.id)",
        )
        .bind(user)
        .fetch_all(&mut *conn)
        .await?
    };
    for id in &orphans {
        state
            .media_store
            .delete(&crate::media::store::file_key(id))
            .await?;
        state
            .media_store
            .delete(&crate::media::store::thumbnail_key(id))
            .await?;
        state
            .write_quiet(async |tx| {
                sqlx::query("DELETE FROM media WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                Ok(())
            })
            .await?;
    }
    Ok(())
}

/// The [`ERASE_RECORDS`] job: the notes kept with orders and points.
pub async fn run_records(state: &AppState, job: &Job) -> Result<()> {
    let user = job.text("user_id")?.to_owned();
    state
        .write_quiet(async |tx| {
            let deleted: Option<Option<i64>> =
                sqlx::query_scalar("SELECT deleted_at FROM users WHERE id = $1")
                    .bind(&user)
                    .fetch_optional(&mut *tx)
                    .await?;
            if !matches!(deleted, Some(Some(_))) {
                return Ok(());
            }
            for sql in [
                "UPDATE order_history SET note = '' \
                 WHERE order_id IN (SELECT id FROM orders WHERE user_id = $1)",
                "UPDATE point_entries SET note = '' WHERE user_id = $1",
            ] {
                sqlx::query(sql).bind(&user).execute(&mut *tx).await?;
            }
            Ok(())
        })
        .await
}
