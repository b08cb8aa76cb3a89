//! Jobs: work due at a time — campaign deadlines, unpaid-order expiry,
//! refunds, clean-up — kept as rows of the `jobs` table and taken by a
//! poller in every node. Nothing depends on a node staying up.
//!
//! Taking a job is a write transaction (serialised across nodes: SQLite's
//! one writer, PostgreSQL's write lock), which leases it to this node for
//! [`crate::Settings::job_lease`]; a node that dies mid-job leaves the lease
//! to run out and another node retakes the job. Every job is idempotent in
//! effect: its handler checks the state it changes (an order refunded
//! already stays refunded; the provider's cancel of a cancelled payment is
//! taken as done), and marks the job done ([`finish`]) in the transaction
//! of its last write. A failing job is retried with exponential backoff,
//! and shows in `GET /v1/admin/jobs` once it has failed
//! [`FAILING_AFTER`] times.

use std::time::Duration;

use moa_protocol::{AdminJob, Page};
use sqlx::AnyConnection;

use crate::db::exec::Exec;
use crate::error::Result;
use crate::pagination::{self, into_page, page_size};
use crate::state::AppState;
use crate::util::{new_id, now_ms};

/// Attempts after which a job counts as failing (listed for admins).
pub const FAILING_AFTER: i64 = 3;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How often the clean-up job runs.
pub const CLEANUP_EVERY: Duration = Duration::from_secs(3600);

/// A job as its handler sees it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub key: String,
    pub payload: serde_json::Value,
    /// This attempt's number (1 for the first).
    pub attempts: i64,
}

impl Job {
    /// A string field of the payload.
    pub fn text(&self, field: &str) -> Result<&str> {
        self.payload
            .get(field)
            .and_then(|v| v.as_str())
            .ok_or_else(|| crate::Error::Internal(format!("job {} has no {field}", self.id)))
    }
}

/// Schedules a job, in the caller's transaction; a job of the same `key`
/// scheduled before stays as it is (so scheduling twice runs it once).
pub async fn schedule(
    conn: &mut impl Exec,
    kind: &str,
    key: &str,
    payload: &serde_json::Value,
    due_at: i64,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO jobs (id, kind, key, payload, due_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING",
        &[
            new_id().into(),
            kind.into(),
            key.into(),
            payload.to_string().into(),
            due_at.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Moves a job not yet done to another time (a campaign's deadline edited).
pub async fn reschedule(conn: &mut AnyConnection, key: &str, due_at: i64) -> Result<()> {
    sqlx::query("UPDATE jobs SET due_at = $1 WHERE key = $2 AND done_at IS NULL")
        .bind(due_at)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks a job done, in the transaction of its handler's last write.
pub async fn finish(conn: &mut AnyConnection, id: &str, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE jobs SET done_at = $1, locked_until = NULL WHERE id = $2 AND done_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Takes the job due first, leasing it to this node; `None` when nothing
/// is due.
async fn claim(state: &AppState, now: i64) -> Result<Option<Job>> {
    let lease = i64::try_from(state.settings.job_lease.as_millis()).unwrap_or(60_000);
    state
        .write_quiet(async |tx| {
            let row: Option<(String, String, String, String, i64)> = sqlx::query_as(
                "SELECT id, kind, key, payload, attempts FROM jobs \
                 WHERE done_at IS NULL AND due_at <= $1 \
                   AND (locked_until IS NULL OR locked_until <= $1) \
                 ORDER BY due_at LIMIT 1",
            )
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id, kind, key, payload, attempts)) = row else {
                return Ok(None);
            };
            sqlx::query("UPDATE jobs SET locked_until = $1, attempts = attempts + 1 WHERE id = $2")
                .bind(now + lease)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            let payload = serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null);
            Ok(Some(Job {
                id,
                kind,
                key,
                payload,
                attempts: attempts + 1,
            }))
        })
        .await
}

/// The wait before attempt `attempts + 1`: 2 s, 4 s, 8 s, … up to an hour.
pub fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 12)).unwrap_or(12);
    Duration::from_secs(2u64.pow(exp)).min(MAX_BACKOFF)
}

/// Records a failed attempt and when to try again.
async fn failed(state: &AppState, job: &Job, error: &str, now: i64) -> Result<()> {
    let retry_at = now + i64::try_from(backoff(job.attempts).as_millis()).unwrap_or(3_600_000);
    let error: String = error.chars().take(500).collect();
    state
        .write_quiet(async |tx| {
            sqlx::query(
                "UPDATE jobs SET locked_until = NULL, due_at = $1, last_error = $2 \
                 WHERE id = $3 AND done_at IS NULL",
            )
            .bind(retry_at)
            .bind(&error)
            .bind(&job.id)
            .execute(&mut *tx)
            .await?;
            Ok(())
        })
        .await
}

/// Runs one job by its kind.
async fn run(state: &AppState, job: &Job) -> Result<()> {
    match job.kind.as_str() {
        crate::shop::jobs::CAMPAIGN_DEADLINE => crate::shop::jobs::deadline(state, job).await,
        crate::shop::jobs::CAMPAIGN_ENDING_SOON => crate::shop::jobs::ending_soon(state, job).await,
        crate::shop::jobs::ORDER_EXPIRY => crate::shop::jobs::expiry(state, job).await,
        crate::shop::jobs::REFUND => crate::shop::jobs::refund(state, job).await,
        crate::shop::jobs::VOID_PAYMENT => crate::shop::jobs::void_payment(state, job).await,
        crate::requests::service::REQUEST_EXPIRY => {
            crate::requests::service::expire(state, job).await
        }
        crate::texts::service::TEXT_SEND => crate::texts::service::deliver(state, job).await,
        crate::push::JOB => crate::push::run(state, job).await,
        crate::discovery::neighbours::JOB => crate::discovery::neighbours::run(state, job).await,
        crate::backup::JOB => crate::backup::run(state, job).await,
        crate::privacy::export::JOB => crate::privacy::export::run(state, job).await,
        crate::privacy::erase::ERASE => crate::privacy::erase::run(state, job).await,
        crate::privacy::erase::ERASE_RECORDS => {
            crate::privacy::erase::run_records(state, job).await
        }
        CLEANUP => cleanup(state, job).await,
        other => Err(crate::Error::Internal(format!("unknown job kind {other}"))),
    }
}

/// Takes and runs every job due now, one after another; answers how many
/// ran (successfully or not).
pub async fn run_due(state: &AppState) -> Result<usize> {
    let mut ran = 0;
    while let Some(job) = claim(state, now_ms()).await? {
        ran += 1;
        match run(state, &job).await {
            Ok(()) => {
                let now = now_ms();
                state
                    .write_quiet(async |tx| finish(tx, &job.id, now).await)
                    .await?;
                state.metrics.job_done(&job.kind, true);
            }
            Err(e) => {
                tracing::warn!(job = %job.kind, key = %job.key, attempt = job.attempts, error = %e, "job failed");
                state.metrics.job_done(&job.kind, false);
                if job.attempts >= FAILING_AFTER {
                    state.alerts.send(crate::alerts::Alert::JobFailing {
                        kind: job.kind.clone(),
                        key: job.key.clone(),
                        attempts: job.attempts,
                        error: e.to_string().chars().take(200).collect(),
                    });
                }
                failed(state, &job, &e.to_string(), now_ms()).await?;
            }
        }
        if *state.stopping.borrow() {
            break;
        }
    }
    Ok(ran)
}

/// Starts this node's poller: every [`crate::Settings::job_poll`] (or when
/// kicked) it runs what is due, until the server stops. Schedules the
/// clean-up job first.
pub fn spawn_poller(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let now = now_ms();
        let every = state.settings.recs_every;
        let first = state
            .write_quiet(async |tx| {
                schedule_cleanup(tx, now).await?;
                if let Some(backups) = state.settings.backup_every {
                    crate::backup::schedule(tx, backups, now).await?;
                }
                crate::discovery::neighbours::schedule_now(tx, every, now).await
            })
            .await;
        if let Err(e) = first {
            tracing::warn!(error = %e, "cannot schedule the clean-up job");
        }
        let mut stopping = state.stopping.subscribe();
        loop {
            if let Err(e) = run_due(&state).await {
                tracing::warn!(error = %e, "the job poller could not take a job");
            }
            tokio::select! {
                () = tokio::time::sleep(state.settings.job_poll) => {}
                () = state.jobs_kick.notified() => {}
                _ = stopping.changed() => return,
            }
            if *stopping.borrow() {
                return;
            }
        }
    });
}

/// The clean-up job's kind.
pub const CLEANUP: &str = "cleanup";

/// Schedules the next clean-up (one per hour slot: every node asks, one
/// row is made).
async fn schedule_cleanup(conn: &mut AnyConnection, now: i64) -> Result<()> {
    let every = i64::try_from(CLEANUP_EVERY.as_millis()).unwrap_or(3_600_000);
    let slot = now / every + 1;
    let key = format!("{CLEANUP}:{slot}");
    schedule(
        conn,
        CLEANUP,
        &key,
        &serde_json::json!({}),
        slot * every,
        now,
    )
    .await
}

/// How long read notifications are kept.
const KEEP_READ_NOTIFICATIONS: Duration = Duration::from_secs(90 * 24 * 3600);
/// How long applied mutations are remembered (a device offline longer
/// than this replays into "already applied" checks no more).
const KEEP_MUTATIONS: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long finished jobs are kept.
const KEEP_DONE_JOBS: Duration = Duration::from_secs(7 * 24 * 3600);

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// What nothing else removes: expired refresh tokens, old applied
/// mutations, read notifications past 90 days, views past a year,
/// finished jobs past a week, and expired upload sessions; then schedules
/// the next run.
async fn cleanup(state: &AppState, job: &Job) -> Result<()> {
    crate::media::sweep_expired(state, now_ms()).await;
    crate::privacy::export::sweep(state, now_ms()).await?;
    let now = now_ms();
    state
        .write_quiet(async |tx| {
            sqlx::query("DELETE FROM refresh_tokens WHERE expires_at < $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM mutations WHERE created_at < $1")
                .bind(now - ms(KEEP_MUTATIONS))
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM notifications WHERE read_at IS NOT NULL AND read_at < $1")
                .bind(now - ms(KEEP_READ_NOTIFICATIONS))
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM review_views WHERE day < $1")
                .bind(now / 86_400_000 - crate::discovery::views::KEEP_VIEW_DAYS)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM jobs WHERE done_at IS NOT NULL AND done_at < $1")
                .bind(now - ms(KEEP_DONE_JOBS))
                .execute(&mut *tx)
                .await?;
            finish(tx, &job.id, now).await?;
            schedule_cleanup(tx, now).await
        })
        .await
}

/// Jobs that keep failing (attempted [`FAILING_AFTER`] times or more and
/// not done), most attempted first (admins).
pub async fn failing(
    conn: &mut AnyConnection,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<AdminJob>> {
    let size = page_size(limit);
    let after = cursor.map(pagination::decode_id).transpose()?;
    let rows: Vec<(String, String, String, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT id, kind, key, attempts, due_at, last_error FROM jobs \
         WHERE done_at IS NULL AND attempts >= $1 AND ($2 = '' OR id > $2) \
         ORDER BY id LIMIT $3",
    )
    .bind(FAILING_AFTER)
    .bind(after.unwrap_or_default())
    .bind(size + 1)
    .fetch_all(&mut *conn)
    .await?;
    let jobs = rows
        .into_iter()
        .map(|(id, kind, key, attempts, due_at, last_error)| AdminJob {
            id,
            kind,
            key,
            attempts,
            next_attempt_at: due_at,
            last_error: last_error.unwrap_or_default(),
        })
        .collect();
    Ok(into_page(jobs, size, |j| pagination::encode(&[&j.id])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_an_hour() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(5), Duration::from_secs(32));
        assert_eq!(backoff(40), Duration::from_secs(3600));
        assert_eq!(backoff(-3), Duration::from_secs(2));
    }
}
