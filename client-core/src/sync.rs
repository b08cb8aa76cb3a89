//! The sync loop of one signed-in account: push the outbox, pull every
//! subscribed bucket and feed window until caught up (the member's bucket
//! first, then every chat room's bucket), drop what the server confirmed,
//! then wait (a long-polling pull, a local write, the next retry falls due,
//! or the realtime socket wakes it). Network failures back off with jitter;
//! the outbox keeps everything meanwhile.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use moa_protocol::sync::{
    BucketCursor, Mutation, PullRequest, PullResponse, PushRequest, WindowRequest,
};
use moa_protocol::{EntityKind, FeedTab, Op};
use rand::Rng;
use rusqlite::{Transaction, params};

use crate::account::Account;
use crate::chat;
use crate::error::{Error, Result};
use crate::incoming::{self, Action};
use crate::media::{self, UploadArgs};
use crate::model::{Event, ItemError, OutboxState, RealtimeState, Rejection, Topic};
use crate::outbox::{self as rules, Decision, Resolution};
use crate::store::{chat as chat_store, entities, outbox, session};
use crate::upload;
use crate::view::{now_ms, tab_name};

/// Mutations per push request (the server's limit).
pub const PUSH_BATCH: u32 = 100;
/// Reviews per feed window.
pub const WINDOW_SIZE: u32 = 20;
/// How many opened reviews stay subscribed (with the member's own bucket
/// and the two group-buy buckets, the server's limit of buckets per pull).
pub const OPENED_REVIEWS: usize = moa_protocol::limits::MAX_PULL_BUCKETS - 3;
/// The bucket of the group-buys offered to everyone.
pub const SHOP_BUCKET: &str = "shop";
/// How long a tombstone is kept at least (see
/// [`entities::compact_tombstones`]): well past any request in flight.
pub const TOMBSTONE_MIN_AGE_MS: i64 = 24 * 60 * 60 * 1000;
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
                if failures > 0 {
                    // Back online: the socket need not wait out its backoff.
                    account.realtime.wake();
                }
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
                tracing::debug!(error = %e, "sync cycle failed");
                failures = failures.saturating_add(1);
                if account.realtime.state() == RealtimeState::Connected {
                    // The server is reachable (the socket is up): this was a
                    // passing fault, so retry soon rather than back off far.
                    failures = 1;
                }
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
    pull_until_caught_up(account).await?;
    account
        .store
        .write(move |tx| {
            outbox::remove_applied(tx, applied_upto)?;
            entities::compact_tombstones(tx, now_ms(), TOMBSTONE_MIN_AGE_MS)?;
            Ok(())
        })
        .await?;
    if applied_upto > 0 {
        account.emit(vec![Topic::Outbox]);
    }
    Ok(())
}

/// Waits for the server to report a change (long poll), or for the next
/// outbox retry to fall due, and applies what arrived. While the realtime
/// socket is up it reports room changes, so only the main request long
/// polls; when the socket goes down, the wait starts over with the rooms.
async fn idle(account: &Arc<Account>) {
    let now = now_ms();
    let due = account
        .store
        .read(move |c| outbox::next_due_at(c, now))
        .await
        .ok()
        .flatten();
    let until_due = due.map(|at| Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)));
    let mut realtime = account.realtime.watch();
    let live = *realtime.borrow_and_update() == RealtimeState::Connected;
    let poll = async {
        if let Err(e) = wait_for_changes(account, !live).await {
            // Report and back off a little; the loop's next cycle retries.
            tracing::warn!(error = %e, "waiting pull failed");
            account.set_status(|s| {
                s.online = !e.is_transient();
                s.error = Some(e.to_string());
            });
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    };
    let socket_lost = async {
        if !live {
            return std::future::pending().await;
        }
        while realtime.changed().await.is_ok() {
            if *realtime.borrow_and_update() != RealtimeState::Connected {
                return;
            }
        }
        std::future::pending::<()>().await
    };
    let due = async {
        match until_due {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = poll => {}
        _ = due => {}
        _ = socket_lost => {}
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
                let unanswered = outbox::unanswered_ids(tx)?;
                let rows = rules::next_batch(rows, outbox::Row::work, &uploading, |r| {
                    r.after.as_ref().is_some_and(|a| unanswered.contains(a))
                });
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
                let never_applied = e.never_applied();
                let message = e.to_string();
                let ids: Vec<(String, u32, bool)> = rows
                    .iter()
                    .map(|r| (r.id.clone(), r.attempts, r.sent))
                    .collect();
                account
                    .store
                    .write(move |tx| {
                        for (id, attempts, sent_before) in &ids {
                            if never_applied && !sent_before {
                                // It never got there: still only on this device.
                                outbox::unmark_sent(tx, id)?;
                            }
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
        let me = account.user_id.clone();
        let sender = account.events();
        let upto = account
            .store
            .write_then(
                move |tx| {
                    let mut rejections = Vec::new();
                    let mut upto = 0;
                    let mut chat_topics = HashSet::new();
                    let mut chat_events = Vec::new();
                    for (row, outcome) in by_id {
                        let Some(outcome) = outcome else {
                            outbox::set_state(tx, &row.id, OutboxState::Queued, None)?;
                            continue;
                        };
                        match rules::decide(&row.op, outcome) {
                            Decision::Applied { result } => {
                                outbox::set_state(tx, &row.id, OutboxState::Applied, None)?;
                                let version = result.get("version").and_then(|v| v.as_i64());
                                outbox::release_waiting(tx, &row.id, |op| {
                                    rules::rebase(op, Resolution::Applied(version))
                                })?;
                                if let Some((kind, id)) = rules::answered_entity(&row.op, &result) {
                                    entities::put_if_newer_version(tx, &kind, &id, &result)?;
                                }
                                chat_answer(
                                    tx,
                                    &me,
                                    &row.op,
                                    &result,
                                    &mut chat_topics,
                                    &mut chat_events,
                                )?;
                                if matches!(row.op, Op::OrderCancel(_))
                                    && crate::shop::keep_answer(tx, &EntityKind::Order, &result)?
                                {
                                    chat_topics.extend([Topic::Orders, Topic::Campaigns]);
                                }
                                if let Some(kind) = crate::requests::answered_kind(&row.op)
                                    && crate::shop::keep_answer(tx, &kind, &result)?
                                {
                                    chat_topics.insert(Topic::Requests);
                                }
                                upto = upto.max(row.seq);
                            }
                            Decision::Failed { error, draft } => {
                                outbox::set_state(
                                    tx,
                                    &row.id,
                                    OutboxState::Failed,
                                    Some((error.code.as_str(), &error.message)),
                                )?;
                                let base = rules::base_version(&row.op);
                                outbox::release_waiting(tx, &row.id, |op| {
                                    rules::rebase(op, Resolution::Refused(base))
                                })?;
                                if let Some(current) = &error.current {
                                    keep_current(tx, &row.op, current)?;
                                }
                                let draft_id = match draft {
                                    Some(d) => Some(save_draft(tx, &row.id, &d, &error)?),
                                    None => None,
                                };
                                rejections.push(Rejection {
                                    mutation_id: row.id.clone(),
                                    action: row.name.clone(),
                                    error: ItemError {
                                        code: error.code.to_string(),
                                        message: error.message,
                                    },
                                    draft_id,
                                });
                            }
                        }
                    }
                    Ok((rejections, upto, chat_topics, chat_events))
                },
                move |(rejections, upto, chat_topics, chat_events)| {
                    // Told once committed, even if the push's caller stopped waiting.
                    for event in chat_events {
                        let _ = sender.send(event);
                    }
                    let any_rejected = !rejections.is_empty();
                    for r in rejections {
                        let _ = sender.send(Event::Rejected(r));
                    }
                    let mut topics =
                        vec![Topic::Outbox, Topic::Reviews, Topic::Comments, Topic::Feed];
                    if any_rejected {
                        topics.extend([Topic::Drafts, Topic::Rooms, Topic::Messages]);
                    }
                    for t in chat_topics {
                        if !topics.contains(&t) {
                            topics.push(t);
                        }
                    }
                    let _ = sender.send(Event::Changed(topics));
                    upto
                },
            )
            .await?;
        applied_upto = applied_upto.max(upto);
    }
}

/// Sends one upload item; answers its seq once stored (0 otherwise). A
/// network failure waits for its backoff and ends the cycle, like a push.
async fn push_upload(account: &Account, row: outbox::Row) -> Result<i64> {
    let args: std::result::Result<UploadArgs, _> = serde_json::from_value(row.args.clone());
    let result = match args {
        Ok(args) => upload::send(account, &args).await,
        Err(e) => Err(Error::Rejected {
            code: moa_protocol::ErrorCode::Unknown("invalid_upload".into()),
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
                Error::Rejected { code, message, .. } => (code.to_string(), message),
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

/// The entity a conflict answered with is the newest the server has: keep
/// it (unless a pulled deletion came since).
fn keep_current(tx: &Transaction<'_>, op: &Op, current: &serde_json::Value) -> Result<()> {
    let kind = match op {
        Op::ReviewCreate(_) | Op::ReviewEdit(_) | Op::ReviewDelete(_) => EntityKind::Review,
        Op::CommentCreate(_) | Op::CommentEdit(_) | Op::CommentDelete(_) => EntityKind::Comment,
        _ => return Ok(()),
    };
    if let Some(id) = current.get("id").and_then(|v| v.as_str()) {
        let seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM entities WHERE kind = ?1 AND id = ?2",
            params![kind.as_str(), id],
            |r| r.get(0),
        )?;
        entities::put_unsequenced(tx, &kind, id, current, seq)?;
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
            error.code.as_str(),
            error.message,
            now_ms()
        ],
    )?;
    Ok(mutation_id.to_owned())
}

/// The first request of a pull: the member's bucket, the group-buy buckets
/// (`shop` and the member's community's), opened reviews and feed windows. With `only_more`, just the buckets that said "more
/// follows" (and no windows); `None` when that leaves nothing.
async fn main_request(
    account: &Account,
    wait_ms: Option<u32>,
    only_more: bool,
) -> Result<Option<PullRequest>> {
    let user_bucket = format!("user:{}", account.user_id);
    account
        .store
        .read(move |conn| {
            let mut buckets = Vec::new();
            let (user_cursor, user_more): (i64, bool) = conn
                .query_row(
                    "SELECT cursor, more FROM buckets WHERE bucket = ?1",
                    [&user_bucket],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap_or((0, true));
            if !only_more || user_more {
                buckets.push(BucketCursor {
                    bucket: user_bucket.clone(),
                    cursor: user_cursor,
                });
            }
            let community = session::load(conn)?
                .and_then(|s| s.me.community_id)
                .map(|id| format!("community:{id}"));
            for shop in std::iter::once(SHOP_BUCKET.to_owned()).chain(community) {
                let (cursor, more): (i64, bool) = conn
                    .query_row(
                        "SELECT cursor, more FROM buckets WHERE bucket = ?1",
                        [&shop],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .unwrap_or((0, true));
                if !only_more || more {
                    buckets.push(BucketCursor {
                        bucket: shop,
                        cursor,
                    });
                }
            }
            let mut stmt = conn.prepare_cached(
                "SELECT bucket, cursor, more FROM buckets WHERE bucket <> ?1 AND bucket LIKE 'review:%' \
                 ORDER BY opened_at DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![user_bucket, OPENED_REVIEWS as i64], |r| {
                Ok((
                    BucketCursor {
                        bucket: r.get(0)?,
                        cursor: r.get(1)?,
                    },
                    r.get::<_, bool>(2)?,
                ))
            })?;
            for row in rows {
                let (bucket, more) = row?;
                if !only_more || more {
                    buckets.push(bucket);
                }
            }
            let mut windows = Vec::new();
            if !only_more {
                for tab in [
                    FeedTab::Latest,
                    FeedTab::Popular,
                    FeedTab::Following,
                    FeedTab::ForYou,
                ] {
                    let cursor: i64 = conn
                        .query_row(
                            "SELECT cursor FROM windows WHERE tab = ?1",
                            [tab_name(tab)],
                            |r| r.get(0),
                        )
                        .unwrap_or(0);
                    windows.push(WindowRequest {
                        tab,
                        size: WINDOW_SIZE,
                        cursor,
                    });
                }
            }
            if buckets.is_empty() && windows.is_empty() {
                return Ok(None);
            }
            Ok(Some(PullRequest {
                buckets,
                windows,
                limit: None,
                wait_ms,
            }))
        })
        .await
}

/// The room buckets (every room the member is in, or with `only_more` the
/// ones that said "more follows"), in requests of at most
/// `MAX_PULL_BUCKETS` buckets.
async fn room_requests(
    account: &Account,
    wait_ms: Option<u32>,
    only_more: bool,
) -> Result<Vec<PullRequest>> {
    let buckets = account
        .store
        .read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT bucket, cursor FROM buckets WHERE bucket LIKE 'room:%' AND (more = 1 OR ?1 = 0) \
                 ORDER BY bucket",
            )?;
            let rows = stmt.query_map([only_more], |r| {
                Ok(BucketCursor {
                    bucket: r.get(0)?,
                    cursor: r.get(1)?,
                })
            })?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row?);
            }
            Ok(out)
        })
        .await?;
    Ok(buckets
        .chunks(moa_protocol::limits::MAX_PULL_BUCKETS)
        .map(|chunk| PullRequest {
            buckets: chunk.to_vec(),
            windows: Vec::new(),
            limit: None,
            wait_ms,
        })
        .collect())
}

async fn send_pull(account: &Account, request: &PullRequest) -> Result<PullResponse> {
    account
        .authed(|api, token| async move { api.pull(&token, request).await })
        .await
}

/// The member's community as last confirmed (whose bucket sync pulls).
async fn community(account: &Account) -> Result<Option<String>> {
    account
        .store
        .read(|c| Ok(session::load(c)?.and_then(|s| s.me.community_id)))
        .await
}

/// Pulls until no bucket says "more follows": the member's bucket, opened
/// reviews and windows first (they may add or remove rooms), then the room
/// buckets. A move to another community (in the member's bucket) pulls
/// once more, for the new community's bucket.
pub async fn pull_until_caught_up(account: &Account) -> Result<()> {
    let mut only_more = false;
    loop {
        let mut more = false;
        if let Some(request) = main_request(account, None, only_more).await? {
            let before = community(account).await?;
            let response = send_pull(account, &request).await?;
            pull_pages(account, response).await?;
            more |= community(account).await? != before;
        }
        for request in room_requests(account, None, only_more).await? {
            more |= pull_rooms(account, request).await?;
        }
        if !more {
            return Ok(());
        }
        only_more = true;
    }
}

/// Applies `response` and every page after it until its buckets are caught
/// up, fetching each next page while the one before is being stored (the
/// next cursors are in the answer), so the server's work and the local
/// writes overlap.
async fn pull_pages(account: &Account, mut response: PullResponse) -> Result<()> {
    loop {
        let Some(next) = incoming::next_page(&response) else {
            return apply_pull(account, response).await;
        };
        let (applied, fetched) =
            tokio::join!(apply_pull(account, response), send_pull(account, &next));
        applied?;
        response = fetched?;
    }
}

/// Pulls one request of room buckets; answers whether more follows. A room
/// the server refuses (`forbidden`: the member was removed since the last
/// look at their bucket) is looked up again through the member's bucket,
/// then one by one; a room still refused is dropped here (the server is
/// authoritative), so one lost membership never blocks sync.
async fn pull_rooms(account: &Account, request: PullRequest) -> Result<bool> {
    match send_pull(account, &request).await {
        Ok(response) => {
            let more = incoming::more_follows(&response);
            apply_pull(account, response).await?;
            Ok(more)
        }
        Err(Error::Rejected { code, .. }) if code == "forbidden" => {
            pull_user_bucket(account).await?;
            let mut more = false;
            for bucket in request.buckets {
                let name = bucket.bucket.clone();
                let cursor = account
                    .store
                    .read(move |c| {
                        Ok(c.query_row(
                            "SELECT cursor FROM buckets WHERE bucket = ?1",
                            [&name],
                            |r| r.get::<_, i64>(0),
                        )
                        .ok())
                    })
                    .await?;
                let Some(cursor) = cursor else {
                    continue; // gone with the member's bucket
                };
                let single = PullRequest {
                    buckets: vec![BucketCursor {
                        bucket: bucket.bucket.clone(),
                        cursor,
                    }],
                    windows: Vec::new(),
                    limit: None,
                    wait_ms: None,
                };
                match send_pull(account, &single).await {
                    Ok(response) => {
                        more |= incoming::more_follows(&response);
                        apply_pull(account, response).await?;
                    }
                    Err(Error::Rejected { code, .. }) if code == "forbidden" => {
                        let room_id = bucket.bucket.trim_start_matches("room:").to_owned();
                        tracing::warn!(room = %room_id, "the server refuses a cached room; dropped");
                        account
                            .store
                            .write(move |tx| chat_store::drop_room(tx, &room_id, None))
                            .await?;
                        account.emit(vec![Topic::Rooms, Topic::Messages]);
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(more)
        }
        Err(e) => Err(e),
    }
}

/// Pulls the member's own bucket until caught up.
async fn pull_user_bucket(account: &Account) -> Result<()> {
    let bucket = format!("user:{}", account.user_id);
    loop {
        let name = bucket.clone();
        let cursor = account
            .store
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT cursor FROM buckets WHERE bucket = ?1",
                    [&name],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap_or(0))
            })
            .await?;
        let request = PullRequest {
            buckets: vec![BucketCursor {
                bucket: bucket.clone(),
                cursor,
            }],
            windows: Vec::new(),
            limit: None,
            wait_ms: None,
        };
        let response = send_pull(account, &request).await?;
        let more = incoming::more_follows(&response);
        apply_pull(account, response).await?;
        if !more {
            return Ok(());
        }
    }
}

/// Waits (long polls) until the server reports a change and applies it:
/// the main request always, and the room buckets too when `rooms` (the
/// realtime socket is down; while it is up, it reports room changes). The
/// requests wait side by side; the first answer ends the wait.
async fn wait_for_changes(account: &Arc<Account>, rooms: bool) -> Result<()> {
    let mut requests = Vec::new();
    if let Some(r) = main_request(account, Some(IDLE_WAIT_MS), false).await? {
        requests.push(r);
    }
    if rooms {
        requests.extend(room_requests(account, Some(IDLE_WAIT_MS), false).await?);
    }
    let mut waits = tokio::task::JoinSet::new();
    for request in requests {
        let account = Arc::clone(account);
        waits.spawn(async move { send_pull(&account, &request).await });
    }
    // Dropping the set cancels the other waits.
    match waits.join_next().await {
        Some(answer) => apply_pull(account, answer??).await,
        None => Ok(()),
    }
}

/// Applies one pull answer in one transaction and tells the UI.
pub async fn apply_pull(account: &Account, response: PullResponse) -> Result<()> {
    let actions = incoming::plan(response, &account.user_id);
    let me = account.user_id.clone();
    let sender = account.events();
    let typers = account.realtime.typers();
    account
        .store
        .write_then(move |tx| {
            let mut topics: HashSet<Topic> = HashSet::new();
            let mut events: Vec<Event> = Vec::new();
            for action in actions {
                match action {
                    Action::Put { kind, id, data, seq } => {
                        if entities::put(tx, &kind, &id, &data, seq)? {
                            topics.extend(topic_of(&kind));
                        }
                    }
                    Action::Delete { kind, id, seq } => {
                        entities::delete(tx, &kind, &id, seq)?;
                        topics.extend(topic_of(&kind));
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
                    Action::Room { room, seq } => {
                        if chat_store::put_room(tx, &room, Some(seq), &me, now_ms())?
                            != chat_store::RoomPut::Stale
                        {
                            topics.insert(Topic::Rooms);
                        }
                    }
                    Action::RoomGone { id, seq } => {
                        if chat_store::drop_room(tx, &id, Some(seq))? {
                            topics.extend([Topic::Rooms, Topic::Messages]);
                        }
                    }
                    Action::Message { message, seq } => {
                        let put = chat_store::put_message(tx, &message, seq, false)?;
                        // History the member has read (a new device's first
                        // pull) or wrote is not news: it updates the view
                        // without a message event.
                        let read = chat_store::read_marker(tx, &message.room_id, &me)?;
                        let news = message.seq > read && message.sender_id != me;
                        if news || !matches!(put, chat_store::MessagePut::New(_)) {
                            message_event(put, &mut topics, &mut events);
                        } else {
                            topics.extend([Topic::Rooms, Topic::Messages]);
                        }
                    }
                    Action::MessageGone { id, seq } => {
                        if chat_store::drop_message(tx, &id, seq)? {
                            topics.extend([Topic::Rooms, Topic::Messages]);
                        }
                    }
                    Action::Read { room_id, user_id, seq } => {
                        if chat_store::put_read(tx, &room_id, &user_id, seq)? {
                            topics.insert(Topic::Rooms);
                            events.push(Event::ReadMarker { room_id, user_id, seq });
                        }
                    }
                }
            }
            Ok((topics, events))
        }, move |(topics, events)| {
            // Told once committed, even if this pull's caller stopped waiting.
            for event in events {
                if let Event::Message(m) = &event
                    && let Ok(mut t) = typers.lock()
                {
                    t.stopped(&m.room_id, &m.sender_id);
                }
                let _ = sender.send(event);
            }
            if !topics.is_empty() {
                let _ = sender.send(Event::Changed(topics.into_iter().collect()));
            }
        })
        .await
}

/// The event (and topics) of a stored message.
pub(crate) fn message_event(
    put: chat_store::MessagePut,
    topics: &mut HashSet<Topic>,
    events: &mut Vec<Event>,
) {
    use chat_store::MessagePut;
    match put {
        MessagePut::New(m) => {
            topics.extend([Topic::Rooms, Topic::Messages]);
            events.push(Event::Message(chat::sent(m)));
        }
        MessagePut::Confirmed(m) | MessagePut::Changed(m) => {
            topics.extend([Topic::Rooms, Topic::Messages]);
            events.push(Event::MessageChanged(chat::sent(m)));
        }
        MessagePut::Unchanged | MessagePut::Gap => {}
    }
}

/// What a chat mutation's answer changes here at once (before the pull
/// brings it): the stored message of a send or edit, the room of a room
/// change, a mute, the member's own read marker. A direct room answered
/// with the pair's existing room moves the pending mutations over to it.
fn chat_answer(
    tx: &Transaction<'_>,
    me: &str,
    op: &Op,
    result: &serde_json::Value,
    topics: &mut HashSet<Topic>,
    events: &mut Vec<Event>,
) -> Result<()> {
    use moa_protocol::{Message, Room, RoomCreated};
    fn de<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Option<T> {
        serde_json::from_value(v.clone()).ok()
    }
    match op {
        Op::ChatSend(_) | Op::ChatEdit(_) => {
            if let Some(message) = de::<Message>(result) {
                let put = chat_store::put_message(tx, &message, 0, false)?;
                message_event(put, topics, events);
            }
        }
        Op::ChatCreateRoom(req) => {
            let Some(created) = de::<RoomCreated>(result) else {
                return Ok(());
            };
            chat_store::put_room(tx, &created.room, None, me, now_ms())?;
            topics.insert(Topic::Rooms);
            if created.room.id != req.id {
                let (from, to) = (req.id.clone(), created.room.id);
                chat_store::add_alias(tx, &from, &to)?;
                for row in outbox::chat(tx)? {
                    if let Some(moved) = chat::remap_room(&row.op, &from, &to) {
                        outbox::set_op(tx, &row.id, &moved)?;
                    }
                }
                topics.insert(Topic::Messages);
                events.push(Event::RoomMoved { from, to });
            }
        }
        Op::ChatUpdateRoom(_) | Op::ChatInvite(_) | Op::ChatRemove(_) | Op::ChatTransfer(_) => {
            if let Some(room) = de::<Room>(result) {
                chat_store::put_room(tx, &room, None, me, now_ms())?;
                topics.insert(Topic::Rooms);
            }
            if let Op::ChatRemove(a) = op
                && a.user_id == me
            {
                chat_store::drop_room(tx, &a.room_id, None)?;
                topics.extend([Topic::Rooms, Topic::Messages]);
            }
        }
        Op::ChatRead(a) => {
            let moved = chat_store::put_read(tx, &a.room_id, me, a.seq)?;
            if moved {
                topics.insert(Topic::Rooms);
            }
        }
        // The mute comes back with the pull (the member's own bucket); the
        // overlay shows it meanwhile. The rest are not chat.
        _ => {}
    }
    Ok(())
}

/// The topic a change of `kind` moves (`None`: a kind this build does not
/// know, which nothing shows).
fn topic_of(kind: &EntityKind) -> Option<Topic> {
    Some(match kind {
        EntityKind::Review => Topic::Reviews,
        EntityKind::Comment => Topic::Comments,
        EntityKind::Like => Topic::Likes,
        EntityKind::Scrap => Topic::Scraps,
        EntityKind::Follow => Topic::Follows,
        EntityKind::Notification => Topic::Notifications,
        EntityKind::Profile | EntityKind::User => Topic::Profile,
        EntityKind::Mute | EntityKind::Room | EntityKind::Read => Topic::Rooms,
        EntityKind::Message => Topic::Messages,
        EntityKind::Place | EntityKind::Product => Topic::Feed,
        EntityKind::Campaign | EntityKind::CampaignScrap => Topic::Campaigns,
        EntityKind::Order => Topic::Orders,
        EntityKind::HelpRequest | EntityKind::Quote => Topic::Requests,
        EntityKind::Wallet | EntityKind::PointEntry | EntityKind::PointCharge => Topic::Wallet,
        EntityKind::Unknown(_) => return None,
    })
}
