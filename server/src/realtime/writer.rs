//! Group commit for what arrives over sockets: one task per node takes
//! every send and read marker that has queued up (at most [`BATCH`]), applies
//! each through the same service function as REST and push, in one write
//! transaction, commits once, then answers each sender (ack or error).
//!
//! Each service function checks all its rules before writing, so a refused
//! message leaves the shared transaction untouched and the others commit. A
//! database failure rolls the whole batch back and answers `internal` to
//! each sender, which sends again (sends are idempotent by message id).

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use moa_protocol::chat::{SendMessageRequest, ServerFrame};
use tokio::sync::mpsc;

use super::event::encode;
use super::hub::{Conn, Frame, frame};
use crate::actor::Actor;
use crate::chat::service as chat;
use crate::error::Error;
use crate::util::now_ms;

/// Jobs waiting for the writer before senders wait to queue more.
pub const QUEUE: usize = 16_384;
/// Most jobs in one transaction. At most half a connection's queue
/// ([`super::hub::QUEUE_FRAMES`]): a burst into one room fans a whole batch
/// out to each member at once, and a batch larger than the queue would mark
/// even a fast reader as lagging. (A cap of 2,048 kept up better under
/// overload in the chat benchmark, but failed exactly that way in
/// `slow_consumer_is_told_to_resync`.)
pub const BATCH: usize = 512;
const _: () = assert!(2 * BATCH <= super::hub::QUEUE_FRAMES);

/// Something a socket asked to store.
pub enum Job {
    Send {
        member: Actor,
        room_id: String,
        req: SendMessageRequest,
        conn: Arc<Conn>,
    },
    Read {
        member: Actor,
        room_id: String,
        seq: i64,
        conn: Arc<Conn>,
    },
}

impl Job {
    fn conn(&self) -> &Arc<Conn> {
        match self {
            Job::Send { conn, .. } | Job::Read { conn, .. } => conn,
        }
    }

    fn message_id(&self) -> Option<String> {
        match self {
            Job::Send { req, .. } => Some(req.id.clone()),
            Job::Read { .. } => None,
        }
    }
}

/// The error frame for `error`, naming the message when there is one.
pub fn error_frame(id: Option<String>, error: &Error) -> Utf8Bytes {
    let detail = error.detail();
    Utf8Bytes::from(encode(&ServerFrame::Error {
        id,
        code: detail.code,
        message: detail.message,
    }))
}

/// How long the writer keeps the write gate (on SQLite,
/// [`crate::db::Db::write_gate`]) while jobs keep coming and another writer
/// (REST, jobs) waits: past this that writer goes before the next batch.
/// Through a lull the gate goes to a waiting writer at once, and with no
/// one waiting it is kept (taking it back costs a round trip to sqlx's
/// connection thread; letting it go every 20 ms and after every 2 ms lull,
/// as before, put that round trip in front of one batch in twenty).
const GATE_HOLD: std::time::Duration = std::time::Duration::from_millis(20);

/// The write gate as the writer holds it, and since when.
type Gate = (sqlx::pool::PoolConnection<sqlx::Any>, std::time::Instant);

/// Runs until the server stops (jobs still queued then get no answer; their
/// senders send again, sends being idempotent).
///
/// On SQLite the writer runs its statements on a connection of its own, on
/// its own thread ([`crate::db::exec`]): a batch is a handful of statements
/// with no hop to another thread, where through sqlx each statement waited
/// for sqlx's connection thread to be scheduled (under load, most of a
/// batch's time). It holds the pool's write connection as the gate while it
/// writes, so the other writers queue behind it as behind any transaction.
/// Without a file of its own (PostgreSQL, an in-memory database, or the
/// file failing to open) it writes through sqlx like everyone else.
pub async fn run(state: crate::AppState, mut rx: mpsc::Receiver<Job>) {
    let mut stopping = state.stopping.subscribe();
    let mut batch = Vec::with_capacity(BATCH);
    let mut own = match state.db.open_sync_writer() {
        Some(Ok(conn)) => Some(conn),
        Some(Err(e)) => {
            tracing::warn!(error = %e, "the socket writer writes through the pool");
            None
        }
        None => None,
    };
    let mut gate: Option<Gate> = None;
    loop {
        if batch.is_empty() {
            tokio::select! {
                biased;
                _ = stopping.wait_for(|stopping| *stopping) => return,
                // A lull: another writer waiting gets the gate now.
                () = state.db.gate_wanted(), if gate.is_some() => {
                    if state.db.writers_waiting() > 0 {
                        gate = None;
                    }
                    continue;
                }
                n = rx.recv_many(&mut batch, BATCH) => if n == 0 { return },
            }
        }
        match own.as_mut() {
            Some(conn) => {
                if state.db.writers_waiting() > 0
                    && gate
                        .as_ref()
                        .is_some_and(|(_, since)| since.elapsed() > GATE_HOLD)
                {
                    gate = None;
                }
                if gate.is_none() {
                    match state.db.write_gate().await {
                        Ok(held) => gate = Some((held, std::time::Instant::now())),
                        Err(e) => {
                            refuse_all(&batch, &e.into());
                            batch.clear();
                            continue;
                        }
                    }
                }
                apply_own(&state, conn, &mut gate, &batch).await;
            }
            None => apply(&state, &batch).await,
        }
        batch.clear();
    }
}

/// Answers every job of a batch that could not be stored.
fn refuse_all(batch: &[Job], e: &Error) {
    tracing::error!(error = %e, jobs = batch.len(), "realtime batch failed");
    for job in batch {
        job.conn().push(&Arc::new(error_frame(job.message_id(), e)));
    }
}

/// What storing a batch's sends answers: a frame for each sender (ack or
/// error) and the events for the rooms.
type Stored = (Vec<(Arc<Conn>, Frame)>, Vec<crate::realtime::Event>);

/// Stores the batch's sends on `conn` (either kind, see [`crate::db::exec`]).
async fn store_sends(
    conn: &mut impl crate::db::exec::Exec,
    batch: &[Job],
    now: i64,
) -> crate::Result<Stored> {
    let mut replies: Vec<(Arc<Conn>, Frame)> = Vec::with_capacity(batch.len());
    let mut events = Vec::with_capacity(batch.len());
    let (items, conns): (Vec<_>, Vec<_>) = batch
        .iter()
        .filter_map(|job| match job {
            Job::Send {
                member,
                room_id,
                req,
                conn,
            } => Some((
                chat::Outgoing {
                    member,
                    room_id,
                    req,
                },
                conn,
            )),
            Job::Read { .. } => None,
        })
        .unzip();
    if items.is_empty() {
        return Ok((replies, events));
    }
    let answers = chat::send_many(conn, &items, now).await?;
    for ((answer, item), conn) in answers.into_iter().zip(&items).zip(conns) {
        match answer {
            Ok((message, created)) => {
                let ack = ServerFrame::Ack {
                    id: message.id.clone(),
                    room_id: message.room_id.clone(),
                    seq: message.seq,
                    created_at: message.created_at,
                };
                replies.push((conn.clone(), frame(encode(&ack))));
                events.extend(chat::sent_events(&message, created, Some(conn.key.clone())));
            }
            Err(e) => replies.push((
                conn.clone(),
                Arc::new(error_frame(Some(item.req.id.clone()), &e)),
            )),
        }
    }
    Ok((replies, events))
}

/// Moves the batch's read markers (through sqlx: they are few).
async fn store_reads(
    conn: &mut sqlx::AnyConnection,
    batch: &[Job],
    now: i64,
    stored: &mut Stored,
) -> crate::Result<()> {
    let (replies, events) = stored;
    for job in batch {
        if let Job::Read {
            member,
            room_id,
            seq,
            conn: socket,
        } = job
        {
            match chat::mark_read(conn, member, room_id, *seq, now).await {
                Ok((_, read)) => events.extend(read),
                Err(e) if e.refusal().is_some() => {
                    replies.push((socket.clone(), Arc::new(error_frame(None, &e))));
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// One batch through sqlx: sends and reads in one transaction.
async fn apply(state: &crate::AppState, batch: &[Job]) {
    let started = std::time::Instant::now();
    let result = state
        .write(async |tx| {
            let now = now_ms();
            let mut stored = store_sends(&mut *tx, batch, now).await?;
            store_reads(tx, batch, now, &mut stored).await?;
            Ok(stored)
        })
        .await;
    log_batch(batch, started);
    match result {
        Ok(replies) => state.realtime.reply(replies),
        Err(e) => refuse_all(batch, &e),
    }
}

/// One batch on the writer's own SQLite connection (the gate held): the
/// sends in one transaction, committed before anyone hears of them; then
/// the read markers, if any, through sqlx.
async fn apply_own(
    state: &crate::AppState,
    conn: &mut rusqlite::Connection,
    gate: &mut Option<Gate>,
    batch: &[Job],
) {
    let started = std::time::Instant::now();
    let now = now_ms();
    let result: crate::Result<Stored> = async {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        match store_sends(conn, batch, now).await {
            Ok(stored) => {
                if let Err(e) = conn.execute_batch("COMMIT") {
                    let _ = conn.execute_batch("ROLLBACK");
                    return Err(e.into());
                }
                Ok(stored)
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
    .await;
    let (mut replies, events) = match result {
        Ok(stored) => stored,
        Err(e) => {
            log_batch(batch, started);
            return refuse_all(batch, &e);
        }
    };
    // Delivered before the gate is let go, on this thread (no hop to the
    // fan-out task unless it has work queued: order is kept).
    state.realtime.deliver_now(events);
    if batch.iter().any(|job| matches!(job, Job::Read { .. })) {
        // sqlx's writer needs the gate.
        *gate = None;
        let reads = state
            .write(async |tx| {
                let mut stored = (Vec::new(), Vec::new());
                store_reads(tx, batch, now, &mut stored).await?;
                Ok(stored)
            })
            .await;
        match reads {
            Ok(more) => replies.extend(more),
            Err(e) => {
                for job in batch.iter().filter(|j| matches!(j, Job::Read { .. })) {
                    replies.push((job.conn().clone(), Arc::new(error_frame(None, &e))));
                }
            }
        }
    }
    log_batch(batch, started);
    state.realtime.reply_now(replies);
}

fn log_batch(batch: &[Job], started: std::time::Instant) {
    tracing::debug!(
        jobs = batch.len(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "realtime batch"
    );
}
