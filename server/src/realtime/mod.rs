//! The realtime layer: one WebSocket per signed-in client
//! (`GET /v1/realtime`, [`socket`]) carrying chat messages, read markers,
//! typing, notifications and sync pokes for every room the member is in.
//!
//! ```text
//!  REST / push / socket sends ──► service fn in a write tx ──► Vec<Event>
//!                                        │ commit(tx, events)
//!        SQLite: commit, then Hub::dispatch in-process (fan-out task)
//!        PostgreSQL: pg_notify('moa_realtime') in the tx ──► every node's
//!                    listener (bus.rs) ──► its Hub::dispatch
//!  Hub ──try_send──► per-connection bounded queue ──► socket task ──► client
//! ```
//!
//! Socket sends go through [`writer`], which stores whatever has queued up
//! in one transaction (group commit) and answers each with an ack. On
//! SQLite it does so on a connection of its own, on its own thread, and
//! delivers the committed batch from there ([`Realtime::deliver_now`]). Pokes and
//! notification frames come from the change log ([`pokes`]), which every
//! node reads, so they need no bus of their own.

pub mod bus;
pub mod event;
pub mod hub;
pub mod pokes;
pub mod socket;
pub mod writer;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::{Any, Transaction};
use tokio::sync::mpsc;

pub use event::Event;
pub use hub::Hub;

use crate::db::{Backend, Db};
use crate::error::Result;

/// Work for the fan-out task, in order.
pub enum Fanout {
    /// Committed events for this node's connections.
    Events(Vec<Event>),
    /// Frames for particular connections (the writer's acks and errors).
    Replies(Vec<(Arc<hub::Conn>, hub::Frame)>),
}

/// The node's realtime machinery; part of [`crate::AppState`].
pub struct Realtime {
    pub hub: Arc<Hub>,
    db: Db,
    writer: mpsc::Sender<writer::Job>,
    /// Taken by [`crate::serve`] when it starts the writer task.
    writer_rx: Mutex<Option<mpsc::Receiver<writer::Job>>>,
    /// Delivery happens on a task of its own, so writers (the socket
    /// writer above all) go on with the next batch while connections are
    /// woken: waking thousands of tasks costs more than the batch's SQL.
    fanout: mpsc::UnboundedSender<Fanout>,
    fanout_rx: Mutex<Option<mpsc::UnboundedReceiver<Fanout>>>,
    /// Work handed to the fan-out task and not yet done (see
    /// [`Realtime::deliver_now`]).
    fanout_pending: AtomicUsize,
}

impl Realtime {
    pub fn new(db: Db) -> Realtime {
        let (writer, rx) = mpsc::channel(writer::QUEUE);
        let (fanout, fanout_rx) = mpsc::unbounded_channel();
        Realtime {
            hub: Arc::new(Hub::new()),
            db,
            writer,
            writer_rx: Mutex::new(Some(rx)),
            fanout,
            fanout_rx: Mutex::new(Some(fanout_rx)),
            fanout_pending: AtomicUsize::new(0),
        }
    }

    /// Commits `tx` and fans `events` out: on PostgreSQL as notifications
    /// sent by the transaction itself (so they go out if and only if it
    /// commits, in commit order, to every node); on SQLite to this node's
    /// connections right after the commit.
    pub async fn commit(
        &self,
        mut tx: Transaction<'static, Any>,
        events: Vec<Event>,
    ) -> Result<()> {
        match self.db.backend() {
            Backend::Postgres => {
                for payload in bus::payloads(&events) {
                    bus::notify(&mut tx, &payload).await?;
                }
                tx.commit().await?;
            }
            Backend::Sqlite => {
                tx.commit().await?;
                self.deliver(events);
            }
        }
        Ok(())
    }

    /// Hands committed `events` to the fan-out task (in order).
    fn deliver(&self, events: Vec<Event>) {
        if !events.is_empty() {
            self.hand_over(Fanout::Events(events));
        }
    }

    fn hand_over(&self, work: Fanout) {
        self.fanout_pending.fetch_add(1, Ordering::AcqRel);
        // Fails only once the server has stopped.
        if self.fanout.send(work).is_err() {
            self.fanout_pending.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Queues frames for particular connections behind the events before.
    pub fn reply(&self, replies: Vec<(Arc<hub::Conn>, hub::Frame)>) {
        if !replies.is_empty() {
            self.hand_over(Fanout::Replies(replies));
        }
    }

    /// [`Realtime::deliver`] on the calling thread when the fan-out task has
    /// nothing queued (else behind what it has, so order is kept): the
    /// socket writer's committed batches, which it delivers while it still
    /// holds the write gate. One hop less per message (the fan-out task
    /// waited for a worker busy with connections; BENCHMARKS.md).
    pub(crate) fn deliver_now(&self, events: Vec<Event>) {
        let fetches = events
            .iter()
            .any(|e| matches!(e, Event::FetchMessage { .. }));
        if fetches || self.fanout_pending.load(Ordering::Acquire) > 0 {
            return self.deliver(events);
        }
        for event in &events {
            self.hub.dispatch(event);
        }
    }

    /// [`Realtime::reply`] on the calling thread when it keeps the order
    /// (as [`Realtime::deliver_now`]).
    pub(crate) fn reply_now(&self, replies: Vec<(Arc<hub::Conn>, hub::Frame)>) {
        if self.fanout_pending.load(Ordering::Acquire) > 0 {
            return self.reply(replies);
        }
        for (conn, frame) in &replies {
            conn.push(frame);
        }
    }

    /// Fans out `events` that no write goes with (typing).
    pub async fn publish(&self, events: Vec<Event>) -> Result<()> {
        match self.db.backend() {
            Backend::Postgres => {
                let mut conn = self.db.read().acquire().await?;
                for payload in bus::payloads(&events) {
                    bus::notify(&mut conn, &payload).await?;
                }
            }
            Backend::Sqlite => self.deliver(events),
        }
        Ok(())
    }

    /// Delivers one event to this node's connections (loading a message an
    /// event names when it was too large to carry).
    pub async fn dispatch(&self, event: &Event) {
        if let Event::FetchMessage {
            message_id, except, ..
        } = event
        {
            let loaded = match self.db.read().acquire().await {
                Ok(mut conn) => crate::chat::service::load_message(&mut conn, message_id).await,
                Err(e) => Err(e.into()),
            };
            match loaded {
                Ok(Some(message)) => self.hub.dispatch(&Event::message(&message, except.clone())),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(error = %e, "cannot load a message to fan out");
                    self.hub.resync_all();
                }
            }
            return;
        }
        self.hub.dispatch(event);
    }

    /// Queues a job for the writer.
    pub async fn submit(&self, job: writer::Job) -> bool {
        self.writer.send(job).await.is_ok()
    }

    fn take_fanout_rx(&self) -> Option<mpsc::UnboundedReceiver<Fanout>> {
        self.fanout_rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    fn take_writer_rx(&self) -> Option<mpsc::Receiver<writer::Job>> {
        self.writer_rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// Starts the node's realtime tasks (writer, PostgreSQL listener, pokes);
/// they end when the server stops.
pub fn spawn_tasks(state: &crate::AppState) {
    if let Some(mut rx) = state.realtime.take_fanout_rx() {
        let state = state.clone();
        tokio::spawn(async move {
            while let Some(work) = rx.recv().await {
                match work {
                    Fanout::Events(events) => {
                        for event in &events {
                            state.realtime.dispatch(event).await;
                        }
                    }
                    Fanout::Replies(replies) => {
                        for (conn, frame) in &replies {
                            conn.push(frame);
                        }
                    }
                }
                state.realtime.fanout_pending.fetch_sub(1, Ordering::AcqRel);
            }
        });
    }
    if let Some(rx) = state.realtime.take_writer_rx() {
        on_own_thread("moa-chat-writer", writer::run(state.clone(), rx));
    }
    if state.db.backend() == Backend::Postgres
        && let Some(url) = state.settings.database_url.clone()
    {
        tokio::spawn(bus::listen(state.clone(), url));
    }
    tokio::spawn(pokes::run(state.clone()));
}

/// Runs `task` on a thread of its own with a single-threaded runtime. On
/// SQLite the socket writer runs its statements on that thread (its own
/// connection); on PostgreSQL it awaits the database a dozen times a batch,
/// and on the shared runtime each of those turns queued behind the socket
/// tasks of a busy node (a batch took ~0.3 ms per message of waiting, not
/// working: BENCHMARKS.md "Chat fan-out"). The fan-out task stays on the shared runtime: the connections
/// it wakes live there, and on a thread of its own it measured slower.
/// Should no thread be had, the task shares the runtime (slower under load).
fn on_own_thread<F>(name: &str, task: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let (hand, take) = std::sync::mpsc::sync_channel::<F>(1);
    let thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|runtime| {
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || {
                    if let Ok(task) = take.recv() {
                        runtime.block_on(task);
                    }
                })
        });
    let task = match thread {
        Ok(_) => match hand.send(task) {
            Ok(()) => return,
            Err(std::sync::mpsc::SendError(task)) => task,
        },
        Err(e) => {
            tracing::warn!(error = %e, task = name, "no thread of its own: it shares the runtime");
            task
        }
    };
    tokio::spawn(task);
}
