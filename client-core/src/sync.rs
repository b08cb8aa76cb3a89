//! The sync loop of one signed-in account: push the outbox, pull every
//! subscribed bucket and feed window until caught up, drop what the server
//! confirmed, then wait (a long-polling pull, a local write, or the next
//! retry falls due). Network failures back off with jitter; the outbox keeps
//! everything meanwhile.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use moa_protocol::FeedTab;
use moa_protocol::sync::{
    BucketCursor, Mutation, PullRequest, PullResponse, PushRequest, WindowRequest,
};
use rand::Rng;
use rusqlite::{Transaction, params};

use crate::account::Account;
use crate::error::{Error, Result};
use crate::incoming::{self, Action};
use crate::media::{self, UploadArgs};
use crate::model::{Event, ItemError, OutboxState, Rejection, Topic};
use crate::outbox::{self as rules, Decision};
use crate::store::{entities, outbox, session};
use crate::upload;
use crate::view::{now_ms, tab_name};

/// Mutations per push request (the server's limit).
pub const PUSH_BATCH: u32 = 100;
/// Reviews per feed window.
pub const WINDOW_SIZE: u32 = 20;
/// How many opened reviews stay subscribed (with the member's own bucket,
/// the server's limit of buckets per pull).
pub const OPENED_REVIEWS: usize = moa_protocol::limits::MAX_PULL_BUCKETS - 1;
/// How long an idle pull waits on the server for something to change.
pub const IDLE_WAIT_MS: u32 = 20_000;

/// Runs until the account signs out. `cycle` runs one exchange (the client
/// wraps [`cycle`] so it never overlaps an explicit sync).
pub async fn run<F, Fut>(account: Arc<Account>, cycle: F)
where
    F: Fn(Arc<Account>) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let mut stop = account.stop.subscribe();
    let mut failures: u32 = 0;
    loop {
        if *stop.borrow() {
            return;
        }
        let result = tokio::select! {
            r = cycle(Arc::clone(&account)) => r,
            _ = stop.changed() => return,
        };
        let delay = match result {
            Ok(()) => {
                failures = 0;
                account.set_status(|s| {
                    s.online = true;
                    s.syncing = false;
                    s.error = None;
                    s.last_sync_at = Some(now_ms());
                });
                None
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let online = !e.is_transient();
                account.set_status(|s| {
                    s.online = online;
                    s.syncing = false;
                    s.error = Some(e.to_string());
                });
                if matches!(e, Error::Auth(_)) {
                    // Signed out by the server: nothing to do until the
                    // user signs in again (or a write kicks us).
                    Some(Duration::from_secs(3600))
                } else {
                    let ms = rules::backoff_ms(failures - 1, rand::thread_rng().r#gen());
                    Some(Duration::from_millis(u64::try_from(ms).unwrap_or(1000)))
                }
            }
        };
        account.refresh_counts().await;
        let wait = async {
            match delay {
                Some(d) => tokio::time::sleep(d).await,
                None => idle(&account).await,
            }
        };
        tokio::select! {
            _ = wait => {}
            _ = account.kick.notified() => {}
            _ = stop.changed() => return,
        }
    }
}

/// One full exchange: push what is due, pull until caught up.
pub async fn cycle(account: &Account) -> Result<()> {
    account.set_status(|s| s.syncing = true);
    let applied_upto = push_due(account).await?;
    pull_until_caught_up(account, None).await?;
    if applied_upto > 0 {
        account
            .store
            .write(move |tx| outbox::remove_applied(tx, applied_upto))
            .await?;
        account.emit(vec![Topic::Outbox]);
    }
    Ok(())
}

/// Waits for the server to report a change (long poll), or for the next
/// outbox retry to fall due, and applies what arrived.
async fn idle(account: &Account) {
    let due = account.store.read(outbox::next_due_at).await.ok().flatten();
    let until_due = due.map(|at| Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)));
    let poll = async {
        if let Err(e) = pull_until_caught_up(account, Some(IDLE_WAIT_MS)).await {
            // Report and back off a little; the loop's next cycle retries.
            tracing::warn!(error = %e, "waiting pull failed");
            account.set_status(|s| {
                s.online = !e.is_transient();
                s.error = Some(e.to_string());
            });
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    };
    match until_due {
        Some(d) => {
            tokio::select! {
                _ = poll => {}
                _ = tokio::time::sleep(d) => {}
            }
        }
        None => poll.await,
    }
}

/// Pushes every due outbox item, in order, in batches. Answers the highest
/// outbox seq that was applied (0 for none).
pub async fn push_due(account: &Account) -> Result<i64> {
    let mut applied_upto = 0;
    let mut sent: HashSet<String> = HashSet::new();
    loop {
        let now = now_ms();
        let rows = account
            .store
            .write(move |tx| {
                let rows = outbox::due(tx, now, PUSH_BATCH)?;
                let uploading = outbox::pending_upload_media(tx)?;
                let rows = rules::next_batch(rows, |r| (r.name.as_str(), &r.args), &uploading);
                for row in &rows {
                    outbox::set_state(tx, &row.id, OutboxState::Sending, None)?;
                }
                Ok(rows)
            })
            .await?;
        // Items sent in this cycle that came back queued (network) wait for
        // their backoff; never loop on them.
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|r| sent.insert(r.id.clone()))
            .collect();
        if rows.is_empty() {
            return Ok(applied_upto);
        }
        account.emit(vec![Topic::Outbox]);
        if rows[0].name == media::UPLOAD {
            for row in rows {
                applied_upto = applied_upto.max(push_upload(account, row).await?);
            }
            continue;
        }
        let request = PushRequest {
            mutations: rows
                .iter()
                .map(|r| Mutation {
                    id: r.id.clone(),
                    name: r.name.clone(),
                    args: r.args.clone(),
                })
                .collect(),
        };
        let request = &request;
        let response = account
            .authed(|api, token| async move { api.push(&token, request).await })
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                let transient = e.is_transient() || matches!(e, Error::Auth(_));
                let message = e.to_string();
                let ids: Vec<(String, u32)> =
                    rows.iter().map(|r| (r.id.clone(), r.attempts)).collect();
                account
                    .store
                    .write(move |tx| {
                        for (id, attempts) in &ids {
                            if transient {
                                let wait = rules::backoff_ms(*attempts, rand::thread_rng().r#gen());
                                outbox::schedule_retry(tx, id, now_ms() + wait, &message)?;
                            } else {
                                // The whole request was refused: mark each
                                // item so it never blocks the queue.
                                outbox::set_state(
                                    tx,
                                    id,
                                    OutboxState::Failed,
                                    Some(("rejected", &message)),
                                )?;
                            }
                        }
                        Ok(())
                    })
                    .await?;
                account.emit(vec![Topic::Outbox]);
                return Err(e);
            }
        };
        let mut results = response.results;
        let by_id: Vec<_> = rows
            .into_iter()
            .map(|row| {
                let at = results.iter().position(|r| r.id == row.id);
                (row, at.map(|i| results.swap_remove(i).outcome))
            })
            .collect();
        let rejections = account
            .store
            .write(move |tx| {
                let mut rejections = Vec::new();
                let mut upto = 0;
                for (row, outcome) in by_id {
                    let Some(outcome) = outcome else {
                        outbox::set_state(tx, &row.id, OutboxState::Queued, None)?;
                        continue;
                    };
                    match rules::decide(&row.name, &row.args, outcome) {
                        Decision::Applied { result } => {
                            outbox::set_state(tx, &row.id, OutboxState::Applied, None)?;
                            if let Some((kind, id)) = rules::answered_entity(&row.name, &result) {
                                entities::put_if_newer_version(tx, kind, &id, &result)?;
                            }
                            upto = upto.max(row.seq);
                        }
                        Decision::Failed { error, draft } => {
                            outbox::set_state(
                                tx,
                                &row.id,
                                OutboxState::Failed,
                                Some((&error.code, &error.message)),
                            )?;
                            if let Some(current) = &error.current {
                                keep_current(tx, &row.name, current)?;
                            }
                            let draft_id = match draft {
                                Some(d) => Some(save_draft(tx, &row.id, &d, &error)?),
                                None => None,
                            };
                            rejections.push(Rejection {
                                mutation_id: row.id.clone(),
                                action: row.name.clone(),
                                error: ItemError {
                                    code: error.code,
                                    message: error.message,
                                },
                                draft_id,
                            });
                        }
                    }
                }
                Ok((rejections, upto))
            })
            .await?;
        let (rejections, upto) = rejections;
        applied_upto = applied_upto.max(upto);
        let any_rejected = !rejections.is_empty();
        for r in rejections {
            account.send(Event::Rejected(r));
        }
        let mut topics = vec![Topic::Outbox, Topic::Reviews, Topic::Comments, Topic::Feed];
        if any_rejected {
            topics.push(Topic::Drafts);
        }
        account.emit(topics);
    }
}

/// Sends one upload item; answers its seq once stored (0 otherwise). A
/// network failure waits for its backoff and ends the cycle, like a push.
async fn push_upload(account: &Account, row: outbox::Row) -> Result<i64> {
    let args: std::result::Result<UploadArgs, _> = serde_json::from_value(row.args.clone());
    let result = match args {
        Ok(args) => upload::send(account, &args).await,
        Err(e) => Err(Error::Rejected {
            code: "invalid_upload".into(),
            message: format!("this upload item cannot be read: {e}"),
            field: None,
        }),
    };
    let id = row.id.clone();
    match result {
        Ok(_) => {
            account
                .store
                .write(move |tx| outbox::set_state(tx, &id, OutboxState::Applied, None))
                .await?;
            account.emit(vec![Topic::Outbox]);
            Ok(row.seq)
        }
        Err(e @ (Error::Network(_) | Error::Auth(_) | Error::NotFound(_))) => {
            let wait = rules::backoff_ms(row.attempts, rand::thread_rng().r#gen());
            let message = e.to_string();
            account
                .store
                .write(move |tx| outbox::schedule_retry(tx, &id, now_ms() + wait, &message))
                .await?;
            account.emit(vec![Topic::Outbox]);
            // An expired session is not an outage: the next try starts anew.
            if matches!(e, Error::NotFound(_)) {
                Ok(0)
            } else {
                Err(e)
            }
        }
        Err(e) => {
            let (code, message) = match e {
                Error::Rejected { code, message, .. } => (code, message),
                other => ("upload_failed".to_owned(), other.to_string()),
            };
            let (c, m) = (code.clone(), message.clone());
            account
                .store
                .write(move |tx| outbox::set_state(tx, &id, OutboxState::Failed, Some((&c, &m))))
                .await?;
            account.send(Event::Rejected(Rejection {
                mutation_id: row.id,
                action: row.name,
                error: ItemError { code, message },
                draft_id: None,
            }));
            account.emit(vec![Topic::Outbox]);
            Ok(0)
        }
    }
}

/// The entity a conflict answered with is the newest the server has: keep it.
fn keep_current(tx: &Transaction<'_>, name: &str, current: &serde_json::Value) -> Result<()> {
    let kind = if name.starts_with("review.") {
        "review"
    } else if name.starts_with("comment.") {
        "comment"
    } else {
        return Ok(());
    };
    if let Some(id) = current.get("id").and_then(|v| v.as_str()) {
        let seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM entities WHERE kind = ?1 AND id = ?2",
            params![kind, id],
            |r| r.get(0),
        )?;
        entities::put(tx, kind, id, current, seq)?;
    }
    Ok(())
}

fn save_draft(
    tx: &Transaction<'_>,
    mutation_id: &str,
    draft: &rules::DraftText,
    error: &moa_protocol::ErrorDetail,
) -> Result<String> {
    let data = serde_json::json!({"title": draft.title, "body": draft.body});
    let kind = match draft.kind {
        crate::model::DraftKind::ReviewEdit => "review_edit",
        crate::model::DraftKind::CommentEdit => "comment_edit",
    };
    tx.execute(
        "INSERT INTO drafts (id, kind, target_id, data, reason_code, reason, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
        params![
            mutation_id,
            kind,
            draft.target_id,
            data.to_string(),
            error.code,
            error.message,
            now_ms()
        ],
    )?;
    Ok(mutation_id.to_owned())
}

/// What to ask for: the member's bucket, opened reviews and feed windows.
async fn pull_request(account: &Account, wait_ms: Option<u32>) -> Result<PullRequest> {
    let user_bucket = format!("user:{}", account.user_id);
    account
        .store
        .read(move |conn| {
            let mut buckets = Vec::new();
            let mut stmt = conn.prepare_cached(
                "SELECT bucket, cursor FROM buckets WHERE bucket <> ?1 ORDER BY opened_at DESC LIMIT ?2",
            )?;
            let user_cursor: i64 = conn
                .query_row("SELECT cursor FROM buckets WHERE bucket = ?1", [&user_bucket], |r| r.get(0))
                .unwrap_or(0);
            buckets.push(BucketCursor { bucket: user_bucket.clone(), cursor: user_cursor });
            let rows = stmt.query_map(params![user_bucket, OPENED_REVIEWS as i64], |r| {
                Ok(BucketCursor {
                    bucket: r.get(0)?,
                    cursor: r.get(1)?,
                })
            })?;
            for row in rows {
                buckets.push(row?);
            }
            let mut windows = Vec::new();
            for tab in [FeedTab::Latest, FeedTab::Popular, FeedTab::Following] {
                let cursor: i64 = conn
                    .query_row(
                        "SELECT cursor FROM windows WHERE tab = ?1",
                        [tab_name(tab)],
                        |r| r.get(0),
                    )
                    .unwrap_or(0);
                windows.push(WindowRequest { tab, size: WINDOW_SIZE, cursor });
            }
            Ok(PullRequest {
                buckets,
                windows,
                limit: None,
                wait_ms,
            })
        })
        .await
}

/// Pulls until no bucket says "more follows". With `wait_ms`, the first
/// request waits on the server until something changed.
pub async fn pull_until_caught_up(account: &Account, wait_ms: Option<u32>) -> Result<()> {
    let mut wait = wait_ms;
    loop {
        let request = pull_request(account, wait.take()).await?;
        let response = account
            .authed(|api, token| {
                let request = request.clone();
                async move { api.pull(&token, &request).await }
            })
            .await?;
        let more = incoming::more_follows(&response);
        apply_pull(account, response).await?;
        if !more {
            return Ok(());
        }
    }
}

/// Applies one pull answer in one transaction and tells the UI.
pub async fn apply_pull(account: &Account, response: PullResponse) -> Result<()> {
    let actions = incoming::plan(response, &account.user_id);
    let topics = account
        .store
        .write(move |tx| {
            let mut topics: HashSet<Topic> = HashSet::new();
            for action in actions {
                match action {
                    Action::Put { kind, id, data, seq } => {
                        entities::put(tx, &kind, &id, &data, seq)?;
                        topics.insert(topic_of(&kind));
                    }
                    Action::Delete { kind, id, seq } => {
                        entities::delete(tx, &kind, &id, seq)?;
                        topics.insert(topic_of(&kind));
                    }
                    Action::Me(me) => {
                        session::save_me(tx, &me)?;
                        topics.insert(Topic::Profile);
                    }
                    Action::Cursor { bucket, cursor, more } => {
                        tx.execute(
                            "INSERT INTO buckets (bucket, cursor, more, opened_at) VALUES (?1, ?2, ?3, ?4) \
                             ON CONFLICT (bucket) DO UPDATE SET cursor = MAX(cursor, excluded.cursor), more = excluded.more",
                            params![bucket, cursor, more, now_ms()],
                        )?;
                    }
                    Action::Window { tab, cursor, ids } => {
                        tx.execute(
                            "INSERT INTO windows (tab, size, cursor, ids, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                             ON CONFLICT (tab) DO UPDATE SET size = excluded.size, cursor = excluded.cursor, \
                             ids = excluded.ids, fetched_at = excluded.fetched_at",
                            params![tab_name(tab), WINDOW_SIZE, cursor, serde_json::to_string(&ids)?, now_ms()],
                        )?;
                        topics.insert(Topic::Feed);
                    }
                }
            }
            Ok(topics)
        })
        .await?;
    if !topics.is_empty() {
        account.emit(topics.into_iter().collect());
    }
    Ok(())
}

fn topic_of(kind: &str) -> Topic {
    match kind {
        "review" => Topic::Reviews,
        "comment" => Topic::Comments,
        "like" => Topic::Likes,
        "scrap" => Topic::Scraps,
        "follow" => Topic::Follows,
        "notification" => Topic::Notifications,
        "profile" | "user" => Topic::Profile,
        _ => Topic::Feed,
    }
}
