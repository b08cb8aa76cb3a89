//! Answering pulls: the changes of each bucket since the client's cursor,
//! and the feed windows that may have changed since theirs, all read in one
//! snapshot of the read pool.
//!
//! A member may pull `public`, `shop` (group-buys for everyone), their own `user:<id>` (another member's is a
//! 403), `room:<id>` of a room they are in (403 otherwise),
//! `community:<id>` of their own community (another community's answers
//! nothing, see below) and `review:<id>`
//! of a review they can see. For a review they cannot
//! see (deleted, hidden, or never existed) the bucket answers one tombstone
//! of the review, with the bucket's latest `seq` as its `seq` and cursor, so
//! a client drops what it had of it (its comments included); once the client
//! holds that cursor, such a bucket answers nothing more until it changes.
//!
//! With `wait_ms`, a pull that would answer nothing waits (at most
//! [`PULL_WAIT_MAX_MS`]) for the change log to move, checking its head every
//! [`POLL_INTERVAL`] (a cheap primary-key lookup that also sees the writes of
//! other server nodes), and answers as soon as something for this member
//! arrived; on shutdown it answers at once.

use moa_protocol::limits::{MAX_PULL_BUCKETS, MAX_PULL_WINDOWS, MAX_WINDOW_SIZE};
use moa_protocol::sync::{
    BucketChanges, BucketCursor, Change, ChangeOp, PULL_LIMIT_MAX, PULL_WAIT_MAX_MS, PullRequest,
    PullResponse, WindowPage, WindowRequest,
};
use moa_protocol::{FeedTab, Role};
use sqlx::AnyConnection;
use tokio::sync::watch;
use tokio::time::{Duration, Instant};

use crate::actor::{Actor, Reader};
use crate::changelog::{self, PUBLIC, SHOP, user_bucket};
use crate::db::{Backend, Db};
use crate::error::{Error, Result};
use crate::reviews::feed::{self, Source};
use crate::reviews::service as reviews;
use crate::util::is_uuid;

/// A bucket the member asked for.
enum Bucket<'a> {
    /// `public` or the member's own `user:<id>`.
    Log,
    Review(&'a str),
    /// `room:<id>`: members only.
    Room(&'a str),
    /// `community:<id>`: the campaigns offered to a community; its members
    /// (and admins) only.
    Community(&'a str),
}

fn parse_bucket<'a>(member: &Actor, i: usize, b: &'a BucketCursor) -> Result<Bucket<'a>> {
    let field = || format!("buckets[{i}].bucket");
    if b.cursor < 0 {
        return Err(Error::invalid(
            format!("buckets[{i}].cursor"),
            "must be 0 or a cursor answered before",
        ));
    }
    if b.bucket == PUBLIC || b.bucket == SHOP {
        return Ok(Bucket::Log);
    }
    if let Some(id) = b.bucket.strip_prefix("user:") {
        if id == member.user_id {
            return Ok(Bucket::Log);
        }
        if is_uuid(id) {
            return Err(Error::forbidden("you can pull only your own user bucket"));
        }
        return Err(Error::invalid(field(), "not a member id"));
    }
    if let Some(id) = b.bucket.strip_prefix("review:") {
        return if is_uuid(id) {
            Ok(Bucket::Review(id))
        } else {
            Err(Error::invalid(field(), "not a review id"))
        };
    }
    if let Some(id) = b.bucket.strip_prefix("room:") {
        return if is_uuid(id) {
            Ok(Bucket::Room(id))
        } else {
            Err(Error::invalid(field(), "not a room id"))
        };
    }
    if let Some(id) = b.bucket.strip_prefix("community:") {
        return if is_uuid(id) {
            Ok(Bucket::Community(id))
        } else {
            Err(Error::invalid(field(), "not a community id"))
        };
    }
    Err(Error::invalid(
        field(),
        "expected public, shop, user:<your id>, review:<id>, room:<id> or community:<your community>",
    ))
}

fn validate_window(i: usize, w: &WindowRequest) -> Result<()> {
    if w.size == 0 || w.size > MAX_WINDOW_SIZE {
        return Err(Error::invalid(
            format!("windows[{i}].size"),
            format!("must be 1 to {MAX_WINDOW_SIZE}"),
        ));
    }
    if w.cursor < 0 {
        return Err(Error::invalid(
            format!("windows[{i}].cursor"),
            "must be 0 or a cursor answered before",
        ));
    }
    Ok(())
}

/// How often the head watcher reads the change log's head while pulls wait.
/// One query per interval per node, however many pulls wait; it also sees
/// writes made on other nodes of the same PostgreSQL.
pub const HEAD_POLL: Duration = Duration::from_millis(10);

/// One task per server: while at least one pull waits, reads the change
/// log's latest `seq` every [`HEAD_POLL`] and publishes it when it moved.
/// Ends when the server stops.
pub async fn watch_head(db: Db, head: watch::Sender<i64>, mut stopping: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(HEAD_POLL) => {}
            _ = stopping.changed() => return,
        }
        if *stopping.borrow() {
            return;
        }
        if head.receiver_count() == 0 {
            continue;
        }
        match global_head(&db).await {
            Ok(now) => {
                head.send_if_modified(|seen| {
                    let moved = now > *seen;
                    if moved {
                        *seen = now;
                    }
                    moved
                });
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the change log head"),
        }
    }
}

/// Answers `req` for `member`, waiting up to `req.wait_ms` for something to
/// answer (until `stopping` turns true); `head` wakes it when the change
/// log moves.
pub async fn pull(
    db: &Db,
    member: &Actor,
    req: &PullRequest,
    mut stopping: watch::Receiver<bool>,
    mut head: watch::Receiver<i64>,
) -> Result<PullResponse> {
    // Out of bounds is refused, as the document's bounds say.
    if req.wait_ms.is_some_and(|w| w > PULL_WAIT_MAX_MS) {
        return Err(Error::invalid(
            "wait_ms",
            format!("at most {PULL_WAIT_MAX_MS} milliseconds"),
        ));
    }
    if req
        .limit
        .is_some_and(|l| !(1..=PULL_LIMIT_MAX).contains(&l))
    {
        return Err(Error::invalid(
            "limit",
            format!("1 to {PULL_LIMIT_MAX} changes per bucket"),
        ));
    }
    let wait = Duration::from_millis(u64::from(req.wait_ms.unwrap_or(0)));
    let deadline = Instant::now() + wait;
    let mut seen = global_head(db).await?;
    let mut answer = pull_once(db, member, req).await?;
    while is_empty(&answer) && Instant::now() < deadline && !*stopping.borrow() {
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => break,
            _ = stopping.changed() => break,
            changed = head.changed() => {
                if changed.is_err() {
                    break;
                }
            }
        }
        let now = *head.borrow_and_update();
        if now > seen {
            seen = now;
            answer = pull_once(db, member, req).await?;
        }
    }
    Ok(answer)
}

/// Whether a pull answer has nothing new for the client.
fn is_empty(answer: &PullResponse) -> bool {
    answer
        .buckets
        .iter()
        .all(|b| b.changes.is_empty() && !b.more)
        && answer.windows.iter().all(|w| w.reviews.is_none())
}

/// The latest `seq` of the whole change log.
pub async fn global_head(db: &Db) -> Result<i64> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM changes")
            .fetch_one(db.read())
            .await?,
    )
}

/// Answers `req` for `member` from one snapshot, without waiting.
pub async fn pull_once(db: &Db, member: &Actor, req: &PullRequest) -> Result<PullResponse> {
    if req.buckets.len() > MAX_PULL_BUCKETS {
        return Err(Error::invalid(
            "buckets",
            format!("at most {MAX_PULL_BUCKETS} buckets per pull"),
        ));
    }
    if req.windows.len() > MAX_PULL_WINDOWS {
        return Err(Error::invalid(
            "windows",
            format!("at most {MAX_PULL_WINDOWS} windows per pull"),
        ));
    }
    let buckets = req
        .buckets
        .iter()
        .enumerate()
        .map(|(i, b)| parse_bucket(member, i, b))
        .collect::<Result<Vec<_>>>()?;
    for (i, w) in req.windows.iter().enumerate() {
        validate_window(i, w)?;
    }
    let limit = req.limit.unwrap_or(PULL_LIMIT_MAX).clamp(1, PULL_LIMIT_MAX);

    let mut tx = db.read().begin().await?;
    if db.backend() == Backend::Postgres {
        // One snapshot for every query below (SQLite's deferred read
        // transaction takes one at its first read).
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    let mut out = Vec::with_capacity(buckets.len());
    for (asked, bucket) in req.buckets.iter().zip(&buckets) {
        let answer = match bucket {
            Bucket::Log => log(&mut tx, asked, limit).await?,
            Bucket::Review(id) => review(&mut tx, member, asked, id, limit).await?,
            Bucket::Room(id) => {
                if !crate::chat::service::is_member(&mut tx, id, &member.user_id).await? {
                    return Err(Error::forbidden("you are not a member of this room"));
                }
                log(&mut tx, asked, limit).await?
            }
            Bucket::Community(id) => {
                let mine = member.role >= Role::Admin
                    || crate::shop::communities::of_member(&mut tx, &member.user_id).await?
                        == Some((*id).to_owned());
                if mine {
                    log(&mut tx, asked, limit).await?
                } else {
                    // Not (or no longer) theirs: nothing, and no error, so a
                    // device that has not yet pulled the member's move to
                    // another community still gets the rest of its pull.
                    BucketChanges {
                        bucket: asked.bucket.clone(),
                        changes: Vec::new(),
                        cursor: asked.cursor,
                        more: false,
                    }
                }
            }
        };
        out.push(answer);
    }
    let mut windows = Vec::with_capacity(req.windows.len());
    if !req.windows.is_empty() {
        let head = changelog::head(&mut tx, PUBLIC)
            .await?
            .max(changelog::head(&mut tx, &user_bucket(&member.user_id)).await?);
        for w in &req.windows {
            windows.push(window(&mut tx, member, w, head).await?);
        }
    }
    tx.commit().await?;
    Ok(PullResponse {
        buckets: out,
        windows,
    })
}

async fn log(conn: &mut AnyConnection, asked: &BucketCursor, limit: u32) -> Result<BucketChanges> {
    let (changes, more) = changelog::since(conn, &asked.bucket, asked.cursor, limit).await?;
    Ok(BucketChanges {
        bucket: asked.bucket.clone(),
        cursor: changes.last().map_or(asked.cursor, |c| c.seq),
        changes,
        more,
    })
}

async fn review(
    conn: &mut AnyConnection,
    member: &Actor,
    asked: &BucketCursor,
    id: &str,
    limit: u32,
) -> Result<BucketChanges> {
    let visible = reviews::get(conn, &member.user_id, member.role.can_moderate(), id)
        .await?
        .is_some();
    if visible {
        return log(conn, asked, limit).await;
    }
    let head = changelog::head(conn, &asked.bucket).await?;
    let cursor = head.max(asked.cursor);
    let changes = if head > asked.cursor || asked.cursor == 0 {
        vec![Change {
            seq: cursor,
            entity: moa_protocol::EntityKind::Review,
            id: id.to_owned(),
            op: ChangeOp::Delete,
            data: None,
        }]
    } else {
        vec![]
    };
    Ok(BucketChanges {
        bucket: asked.bucket.clone(),
        changes,
        cursor,
        more: false,
    })
}

/// The window as the member sees it now, if anything in the public bucket or
/// theirs moved since its cursor (likes and follows are in theirs).
async fn window(
    conn: &mut AnyConnection,
    member: &Actor,
    w: &WindowRequest,
    head: i64,
) -> Result<WindowPage> {
    if head <= w.cursor && w.cursor != 0 {
        return Ok(WindowPage {
            tab: w.tab,
            cursor: w.cursor,
            reviews: None,
        });
    }
    if w.tab == FeedTab::ForYou {
        let page = crate::discovery::for_you::page(
            conn,
            member,
            None,
            Some(w.size),
            crate::util::now_ms(),
        )
        .await?;
        return Ok(WindowPage {
            tab: w.tab,
            cursor: head,
            reviews: Some(page.items),
        });
    }
    let source = match w.tab {
        FeedTab::ForYou => Source::Popular,
        FeedTab::Latest => Source::Latest,
        FeedTab::Popular => Source::Popular,
        FeedTab::Following => Source::Following(&member.user_id),
    };
    let reader = Reader(Some(member.clone()));
    let page = feed::page(conn, &reader, source, None, Some(w.size)).await?;
    Ok(WindowPage {
        tab: w.tab,
        cursor: head,
        reviews: Some(page.items),
    })
}
