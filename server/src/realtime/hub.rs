//! This node's realtime connections and which rooms each hears.
//!
//! Delivery never waits on a connection: a frame is queued with `try_send`
//! into the connection's bounded queue, and a connection whose queue is full
//! is marked lagging (it gets nothing more until it has caught up and sent
//! `resume`), so one slow client never slows the others or the writer.
//! A frame is encoded once and shared: a [`Frame`] is one pointer, so a
//! connection's queue of them is small (an idle connection's first block
//! of queue slots is a quarter of what `Utf8Bytes`' four words took).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{Notify, mpsc};

use super::event::Event;

/// A frame as queued for connections (encoded once, shared).
pub type Frame = Arc<Utf8Bytes>;

/// `text` as a [`Frame`].
pub fn frame(text: impl Into<Utf8Bytes>) -> Frame {
    Arc::new(text.into())
}

/// Frames a connection may have queued before it counts as too slow.
pub const QUEUE_FRAMES: usize = 1024;

/// One realtime connection as the hub sees it.
pub struct Conn {
    /// `"<node>/<n>"`, unique across nodes (names the sender in events).
    pub key: String,
    pub user_id: String,
    tx: mpsc::Sender<Frame>,
    lagging: AtomicBool,
    /// Woken when the connection falls behind.
    pub lag: Notify,
    rooms: Mutex<HashSet<String>>,
}

impl Conn {
    /// Queues `frame` unless the connection is lagging; a full queue makes
    /// it lagging.
    pub fn push(&self, frame: &Frame) {
        if self.lagging.load(Ordering::Relaxed) {
            return;
        }
        match self.tx.try_send(frame.clone()) {
            Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                if !self.lagging.swap(true, Ordering::AcqRel) {
                    self.lag.notify_one();
                }
            }
        }
    }

    pub fn is_lagging(&self) -> bool {
        self.lagging.load(Ordering::Acquire)
    }

    /// Live delivery starts again (after the client caught up).
    pub fn resume(&self) {
        self.lagging.store(false, Ordering::Release);
    }

    /// Whether this connection hears `room_id` (its member is in it).
    pub fn is_in(&self, room_id: &str) -> bool {
        self.rooms
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(room_id)
    }
}

#[derive(Default)]
struct Maps {
    rooms: HashMap<String, Vec<Arc<Conn>>>,
    users: HashMap<String, Vec<Arc<Conn>>>,
}

/// The registry of this node's connections.
pub struct Hub {
    node: String,
    next: AtomicU64,
    maps: RwLock<Maps>,
}

fn remove_conn(list: &mut Vec<Arc<Conn>>, key: &str) {
    list.retain(|c| c.key != key);
}

impl Hub {
    pub fn new() -> Hub {
        Hub {
            node: crate::util::random_token(6),
            next: AtomicU64::new(1),
            maps: RwLock::default(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Maps> {
        self.maps.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Maps> {
        self.maps.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a connection of `user_id` (hearing no room yet) and answers
    /// it with the receiving end of its queue.
    pub fn register(&self, user_id: &str) -> (Arc<Conn>, mpsc::Receiver<Frame>) {
        let (tx, rx) = mpsc::channel(QUEUE_FRAMES);
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            key: format!("{}/{n}", self.node),
            user_id: user_id.to_owned(),
            tx,
            lagging: AtomicBool::new(false),
            lag: Notify::new(),
            rooms: Mutex::default(),
        });
        self.write()
            .users
            .entry(user_id.to_owned())
            .or_default()
            .push(conn.clone());
        (conn, rx)
    }

    /// `conn` hears `rooms` from now on.
    pub fn subscribe(&self, conn: &Arc<Conn>, rooms: impl IntoIterator<Item = String>) {
        let mut maps = self.write();
        let mut mine = conn.rooms.lock().unwrap_or_else(PoisonError::into_inner);
        for room in rooms {
            if mine.insert(room.clone()) {
                maps.rooms.entry(room).or_default().push(conn.clone());
            }
        }
    }

    /// Forgets `conn` (it closed).
    pub fn unregister(&self, conn: &Arc<Conn>) {
        let mut maps = self.write();
        let rooms = std::mem::take(&mut *conn.rooms.lock().unwrap_or_else(PoisonError::into_inner));
        for room in rooms {
            if let Some(list) = maps.rooms.get_mut(&room) {
                remove_conn(list, &conn.key);
                if list.is_empty() {
                    maps.rooms.remove(&room);
                }
            }
        }
        if let Some(list) = maps.users.get_mut(&conn.user_id) {
            remove_conn(list, &conn.key);
            if list.is_empty() {
                maps.users.remove(&conn.user_id);
            }
        }
    }

    /// This node's name (the first part of its connections' keys).
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Whether `user_id` has a connection open on this node.
    pub fn has_user(&self, user_id: &str) -> bool {
        self.read().users.contains_key(user_id)
    }

    /// The members with a connection open on this node.
    pub fn users(&self) -> Vec<String> {
        self.read().users.keys().cloned().collect()
    }

    /// Open connections on this node.
    pub fn connections(&self) -> usize {
        self.read().users.values().map(Vec::len).sum()
    }

    /// Queues `frame` on every connection of `user_id`.
    pub fn to_user(&self, user_id: &str, frame: &Frame) {
        if let Some(list) = self.read().users.get(user_id) {
            for conn in list {
                conn.push(frame);
            }
        }
    }

    /// Queues `frame` on every connection.
    pub fn to_all(&self, frame: &Frame) {
        for list in self.read().users.values() {
            for conn in list {
                conn.push(frame);
            }
        }
    }

    /// Every connection is told to resync (events may have been missed).
    pub fn resync_all(&self) {
        for list in self.read().users.values() {
            for conn in list {
                if !conn.lagging.swap(true, Ordering::AcqRel) {
                    conn.lag.notify_one();
                }
            }
        }
    }

    /// Delivers one event to this node's connections. `FetchMessage` is
    /// resolved by the caller (it needs the database).
    pub fn dispatch(&self, event: &Event) {
        match event {
            Event::ToRoom {
                room_id,
                frame,
                except,
                skip_user,
                ..
            } => {
                let frame = self::frame(frame.as_str());
                if let Some(list) = self.read().rooms.get(room_id) {
                    for conn in list {
                        if except.as_deref() == Some(conn.key.as_str())
                            || skip_user.as_deref() == Some(conn.user_id.as_str())
                        {
                            continue;
                        }
                        conn.push(&frame);
                    }
                }
            }
            Event::Membership {
                room_id,
                user_id,
                joined,
            } => {
                let conns = self.read().users.get(user_id).cloned().unwrap_or_default();
                for conn in &conns {
                    if *joined {
                        self.subscribe(conn, [room_id.clone()]);
                    } else {
                        let mut maps = self.write();
                        conn.rooms
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .remove(room_id);
                        if let Some(list) = maps.rooms.get_mut(room_id) {
                            remove_conn(list, &conn.key);
                            if list.is_empty() {
                                maps.rooms.remove(room_id);
                            }
                        }
                    }
                }
                // Tell the member's connections directly (once gone, the
                // room's own frames no longer reach them).
                let frame = self::frame(super::event::encode(
                    &moa_protocol::chat::ServerFrame::Room {
                        room_id: room_id.clone(),
                    },
                ));
                for conn in &conns {
                    conn.push(&frame);
                }
            }
            Event::FetchMessage { .. } => {}
        }
    }
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(s: &str) -> Event {
        Event::ToRoom {
            room_id: "r".into(),
            frame: s.into(),
            except: None,
            skip_user: None,
            message_id: None,
        }
    }

    #[test]
    fn delivers_to_room_members_only_and_drops_slow_ones() {
        let hub = Hub::new();
        let (a, mut rx_a) = hub.register("a");
        let (b, mut rx_b) = hub.register("b");
        let (_c, mut rx_c) = hub.register("c");
        hub.subscribe(&a, ["r".to_owned()]);
        hub.subscribe(&b, ["r".to_owned()]);
        hub.dispatch(&frame("1"));
        assert_eq!(rx_a.try_recv().unwrap().as_str(), "1");
        assert_eq!(rx_b.try_recv().unwrap().as_str(), "1");
        assert!(rx_c.try_recv().is_err());
        // b stops reading: after QUEUE_FRAMES it lags, a keeps getting all.
        for i in 0..QUEUE_FRAMES + 10 {
            hub.dispatch(&frame(&i.to_string()));
            assert_eq!(rx_a.try_recv().unwrap().as_str(), i.to_string());
        }
        assert!(b.is_lagging());
        assert!(!a.is_lagging());
        // Leaving the room stops delivery.
        hub.dispatch(&Event::Membership {
            room_id: "r".into(),
            user_id: "a".into(),
            joined: false,
        });
        assert!(rx_a.try_recv().is_ok(), "told about the room change");
        hub.dispatch(&frame("x"));
        assert!(rx_a.try_recv().is_err());
        hub.unregister(&a);
        hub.unregister(&b);
        assert_eq!(hub.connections(), 1);
    }
}
