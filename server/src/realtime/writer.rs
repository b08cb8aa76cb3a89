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
use super::hub::Conn;
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

/// Runs until the server stops (jobs still queued then get no answer; their
/// senders send again, sends being idempotent).
pub async fn run(state: crate::AppState, mut rx: mpsc::Receiver<Job>) {
    let mut stopping = state.stopping.subscribe();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        tokio::select! {
            biased;
            _ = stopping.wait_for(|stopping| *stopping) => return,
            n = rx.recv_many(&mut batch, BATCH) => if n == 0 { return },
        }
        apply(&state, &mut batch).await;
        batch.clear();
    }
}

async fn apply(state: &crate::AppState, batch: &mut [Job]) {
    let started = std::time::Instant::now();
    let mut replies: Vec<(Arc<Conn>, Utf8Bytes)> = Vec::with_capacity(batch.len());
    let result: crate::Result<()> = state
        .write(async |tx| {
            let now = now_ms();
            let mut events = Vec::with_capacity(batch.len());
            let sends: Vec<(chat::Outgoing<'_>, &Arc<Conn>)> = batch
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
                .collect();
            let (items, conns): (Vec<_>, Vec<_>) = sends.into_iter().unzip();
            let answers = chat::send_many(tx, &items, now).await?;
            for ((answer, item), conn) in answers.into_iter().zip(&items).zip(conns) {
                match answer {
                    Ok((message, created)) => {
                        let ack = ServerFrame::Ack {
                            id: message.id.clone(),
                            room_id: message.room_id.clone(),
                            seq: message.seq,
                            created_at: message.created_at,
                        };
                        replies.push((conn.clone(), Utf8Bytes::from(encode(&ack))));
                        events.extend(chat::sent_events(&message, created, Some(conn.key.clone())));
                    }
                    Err(e) => {
                        replies.push((conn.clone(), error_frame(Some(item.req.id.clone()), &e)))
                    }
                }
            }
            for job in batch.iter() {
                if let Job::Read {
                    member,
                    room_id,
                    seq,
                    conn,
                } = job
                {
                    match chat::mark_read(tx, member, room_id, *seq, now).await {
                        Ok((_, read)) => events.extend(read),
                        Err(e) if e.refusal().is_some() => {
                            replies.push((conn.clone(), error_frame(None, &e)));
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            Ok(((), events))
        })
        .await;
    tracing::debug!(
        jobs = batch.len(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "realtime batch"
    );
    match result {
        Ok(()) => state.realtime.reply(replies),
        Err(e) => {
            tracing::error!(error = %e, jobs = batch.len(), "realtime batch failed");
            for job in batch.iter() {
                job.conn().push(&error_frame(job.message_id(), &e));
            }
        }
    }
}
