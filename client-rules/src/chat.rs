//! Chat without I/O: the rules the chat cache, the outbox overlay and the
//! realtime connection follow, as plain functions over plain values.
//!
//! - Pending chat mutations (the chat variants of [`Op`]) laid over the confirmed rooms and
//!   messages ([`rooms`], [`messages`]): a send shows at once without a
//!   `seq`, after every confirmed message, until the server's copy arrives
//!   (by push answer, socket frame or pull: whichever comes first); from
//!   then on the confirmed copy is the one shown, so it never shows twice.
//! - Which copy of a message wins ([`newer`]) and where a live message goes
//!   ([`place`]): a message whose `seq` does not follow what the cache holds
//!   is a gap, and the room is pulled rather than trusting live order.
//! - The reconnect policy of the socket ([`Reconnect`]: exponential backoff
//!   with full jitter, reset after a stable connection), what a `Ready`
//!   frame says is missing ([`behind`]), typing throttling and expiry, and
//!   read-marker coalescing.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use moa_protocol::{Author, Message, Op, Room, RoomHead, RoomKind, RoomMember};

use crate::model::{ChatMessage, ChatRoom, ItemError, MessageState};

// ----- pending mutations -------------------------------------------------

/// The room a chat op is about (a room creation: the room it creates).
pub fn room_of(op: &Op) -> Option<&str> {
    match op {
        Op::ChatCreateRoom(r) => Some(&r.id),
        other => other.room_id(),
    }
}

/// The entity a chat op is about, for the outbox screen: the message of a
/// send, edit or delete, else the room.
pub fn target_id(op: &Op) -> Option<&str> {
    match op {
        Op::ChatSend(a) => Some(&a.message.id),
        Op::ChatEdit(a) => Some(&a.message_id),
        Op::ChatDelete(a) => Some(&a.message_id),
        other => room_of(other),
    }
}

/// A pending chat mutation as the view sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub op: Op,
    /// Refused by the server (only sends stay in view once refused).
    pub failed: Option<ItemError>,
    /// When it was made (Unix ms): the time a pending message shows.
    pub created_at: i64,
}

/// Whether an outbox item is laid over the chat view: the queued, sending
/// and applied ones, and refused sends (shown as not sent).
pub fn in_view(op: &Op, failed: bool) -> bool {
    !failed || matches!(op, Op::ChatSend(_))
}

/// A chat op moved from room `from` to `to` (a direct room the server
/// answered with the pair's existing room); `None` when it is not about
/// `from` (room creations never are).
pub fn remap_room(op: &Op, from: &str, to: &str) -> Option<Op> {
    if matches!(op, Op::ChatCreateRoom(_)) || op.room_id() != Some(from) {
        return None;
    }
    let mut moved = op.clone();
    moved.set_room_id(to).then_some(moved)
}

// ----- messages ----------------------------------------------------------

/// The version order of two copies of one message: a delete is final, a
/// later edit beats an earlier one. `true` when `incoming` may replace
/// `stored` (equal versions may: the copy is the same or fresher).
pub fn newer(incoming: &Message, stored: &Message) -> bool {
    let key = |m: &Message| (m.deleted, m.edited_at.unwrap_or(0));
    key(incoming) >= key(stored)
}

/// What to do with a message that arrived live (a socket frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// New here: store it.
    Insert,
    /// Known, and this copy is newer: replace it.
    Update,
    /// Known and not newer: nothing to do.
    Unchanged,
    /// Its `seq` does not follow what the cache holds for the room (or the
    /// room was never pulled): pull the room instead of trusting live order.
    Gap,
}

/// Where a live message goes. `stored` is the cached copy with the same id;
/// `head` the highest `seq` cached for the room (`Some(0)`: pulled, empty;
/// `None`: the room was never pulled here).
pub fn place(incoming: &Message, stored: Option<&Message>, head: Option<i64>) -> Placement {
    if let Some(stored) = stored {
        return if incoming == stored || !newer(incoming, stored) {
            Placement::Unchanged
        } else {
            Placement::Update
        };
    }
    match head {
        Some(head) if incoming.seq.saturating_sub(1) <= head => Placement::Insert,
        _ => Placement::Gap,
    }
}

/// The wire message as shown, confirmed.
pub fn sent(message: Message) -> ChatMessage {
    ChatMessage {
        id: message.id,
        room_id: message.room_id,
        seq: Some(message.seq),
        sender_id: message.sender_id,
        body: message.body,
        media: message.media,
        reply_to: message.reply_to,
        created_at: message.created_at,
        edited_at: message.edited_at,
        deleted: message.deleted,
        state: MessageState::Sent,
    }
}

/// A room's messages as shown: the confirmed ones (ascending `seq`) with
/// pending edits and deletes applied, then, when `with_new` (the newest
/// page), the pending sends the server does not have yet (`known`: ids of
/// sends the cache already holds confirmed), in the order they were made.
pub fn messages(
    room_id: &str,
    confirmed: Vec<Message>,
    pending: &[Pending],
    known: &HashSet<String>,
    me: &str,
    with_new: bool,
) -> Vec<ChatMessage> {
    let mut out: Vec<ChatMessage> = confirmed.into_iter().map(sent).collect();
    for p in pending {
        match &p.op {
            Op::ChatSend(a) if a.room_id == room_id => {
                if !with_new || known.contains(&a.message.id) {
                    continue;
                }
                if out.iter().any(|m| m.id == a.message.id) {
                    continue;
                }
                out.push(ChatMessage {
                    id: a.message.id.clone(),
                    room_id: room_id.to_owned(),
                    seq: None,
                    sender_id: me.to_owned(),
                    body: a.message.body.clone(),
                    media: a.message.media.clone(),
                    reply_to: a.message.reply_to.clone(),
                    created_at: p.created_at,
                    edited_at: None,
                    deleted: false,
                    state: match &p.failed {
                        Some(e) => MessageState::Failed(e.clone()),
                        None => MessageState::Pending,
                    },
                });
            }
            Op::ChatEdit(a) if a.room_id == room_id => {
                if let Some(m) = out.iter_mut().find(|m| m.id == a.message_id && !m.deleted) {
                    m.body.clone_from(&a.body);
                    m.edited_at = Some(m.edited_at.unwrap_or(p.created_at).max(p.created_at));
                    if m.state == MessageState::Sent {
                        m.state = MessageState::Pending;
                    }
                }
            }
            Op::ChatDelete(a) if a.room_id == room_id => {
                if let Some(m) = out.iter_mut().find(|m| m.id == a.message_id) {
                    m.deleted = true;
                    m.body.clear();
                    m.media.clear();
                    if m.state == MessageState::Sent {
                        m.state = MessageState::Pending;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

// ----- rooms -------------------------------------------------------------

/// A confirmed room as cached, with what the room list needs.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomBase {
    pub room: Room,
    /// The newest message seq known.
    pub last_seq: i64,
    pub last_message: Option<Message>,
    /// Read markers known from the room bucket and the member's own
    /// messages (member id, seq; the highest per member counts).
    pub markers: Vec<(String, i64)>,
    pub muted: bool,
    /// Sort key: the newest message's time, else the room's.
    pub activity: i64,
}

/// The rooms as shown, most recently active first: confirmed rooms with
/// pending membership, settings, reads and sends applied, and rooms
/// created here and not confirmed yet (`known_rooms`: created ids the cache
/// already holds). `author` names a member id (from cached profiles).
pub fn rooms(
    bases: Vec<RoomBase>,
    pending: &[Pending],
    known_rooms: &HashSet<String>,
    known_messages: &HashSet<String>,
    me: &Author,
    author: &dyn Fn(&str) -> Author,
) -> Vec<ChatRoom> {
    struct Entry {
        shown: ChatRoom,
        last: Option<Message>,
        last_seq: i64,
        activity: i64,
    }
    let mut list: Vec<Entry> = Vec::with_capacity(bases.len());
    for base in bases {
        let mut room = base.room;
        for member in room.members.iter_mut() {
            for (_, seq) in base.markers.iter().filter(|(u, _)| *u == member.user.id) {
                member.last_read_seq = member.last_read_seq.max(*seq);
            }
        }
        let last_seq = base
            .last_seq
            .max(room.last_seq)
            .max(base.last_message.as_ref().map_or(0, |m| m.seq));
        list.push(Entry {
            shown: ChatRoom {
                room,
                last_message: None,
                unread: 0,
                muted: base.muted,
                pending: false,
            },
            last: base.last_message,
            last_seq,
            activity: base.activity,
        });
    }
    for p in pending {
        if let Op::ChatCreateRoom(req) = &p.op {
            if known_rooms.contains(&req.id) || list.iter().any(|e| e.shown.room.id == req.id) {
                continue;
            }
            let member = |user: Author| RoomMember {
                user,
                joined_at: p.created_at,
                last_read_seq: 0,
            };
            let mut members = vec![member(me.clone())];
            members.extend(req.members.iter().map(|id| member(author(id))));
            list.push(Entry {
                shown: ChatRoom {
                    room: Room {
                        id: req.id.clone(),
                        kind: req.kind,
                        name: req.name.clone(),
                        photo_media_id: req.photo_media_id.clone(),
                        owner_id: (req.kind == RoomKind::Group).then(|| me.id.clone()),
                        members,
                        last_seq: 0,
                        created_at: p.created_at,
                        updated_at: p.created_at,
                    },
                    last_message: None,
                    unread: 0,
                    muted: false,
                    pending: true,
                },
                last: None,
                last_seq: 0,
                activity: p.created_at,
            });
        }
    }
    let mut left: HashSet<String> = HashSet::new();
    for p in pending {
        let Some(entry) = list
            .iter_mut()
            .find(|e| Some(e.shown.room.id.as_str()) == room_of(&p.op))
        else {
            continue;
        };
        let room = &mut entry.shown.room;
        match &p.op {
            Op::ChatUpdateRoom(a) => {
                if let Some(name) = &a.update.name {
                    room.name = Some(name.clone());
                }
                if let Some(photo) = &a.update.photo_media_id {
                    room.photo_media_id.clone_from(photo);
                }
            }
            Op::ChatInvite(a) if !room.members.iter().any(|m| m.user.id == a.user_id) => {
                room.members.push(RoomMember {
                    user: author(&a.user_id),
                    joined_at: p.created_at,
                    last_read_seq: 0,
                });
            }
            Op::ChatRemove(a) => {
                if a.user_id == me.id {
                    left.insert(room.id.clone());
                }
                room.members.retain(|m| m.user.id != a.user_id);
            }
            Op::ChatTransfer(a) => room.owner_id = Some(a.user_id.clone()),
            Op::ChatMute(a) => entry.shown.muted = a.muted,
            Op::ChatRead(a) => {
                let upto = a.seq.min(entry.last_seq);
                if let Some(m) = room.members.iter_mut().find(|m| m.user.id == me.id) {
                    m.last_read_seq = m.last_read_seq.max(upto);
                }
            }
            Op::ChatSend(a) if !known_messages.contains(&a.message.id) => {
                entry.activity = entry.activity.max(p.created_at);
            }
            // Messages are laid over in `messages`; the rest is not chat.
            _ => {}
        }
    }
    list.retain(|e| !left.contains(&e.shown.room.id));
    for entry in list.iter_mut() {
        let id = entry.shown.room.id.clone();
        let confirmed: Vec<Message> = entry.last.take().into_iter().collect();
        entry.shown.last_message =
            messages(&id, confirmed, pending, known_messages, &me.id, true).pop();
        let mine = entry
            .shown
            .room
            .members
            .iter()
            .find(|m| m.user.id == me.id)
            .map_or(0, |m| m.last_read_seq);
        entry.shown.unread = (entry.last_seq - mine).max(0);
    }
    list.sort_by(|a, b| {
        b.activity
            .cmp(&a.activity)
            .then_with(|| a.shown.room.id.cmp(&b.shown.room.id))
    });
    list.into_iter().map(|e| e.shown).collect()
}

/// An author known only by id (no cached profile yet).
pub fn unknown_author(id: &str) -> Author {
    Author {
        id: id.to_owned(),
        handle: String::new(),
        display_name: String::new(),
        avatar_media_id: None,
        deleted: false,
    }
}

// ----- reads -------------------------------------------------------------

/// What marking a room read up to `seq` does to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadPlan {
    /// Already read that far (confirmed or pending): nothing.
    Skip,
    /// Move the queued read of this outbox row forward (coalesced).
    Update(String),
    /// Queue a new read.
    Append,
}

/// `read`: the marker as known (confirmed and pending); `queued`: a read of
/// this room still waiting in the outbox (row id), if any.
pub fn plan_read(read: i64, queued: Option<String>, seq: i64) -> ReadPlan {
    if seq <= read {
        return ReadPlan::Skip;
    }
    match queued {
        Some(id) => ReadPlan::Update(id),
        None => ReadPlan::Append,
    }
}

// ----- the realtime connection -------------------------------------------

/// First reconnect delay (before jitter).
pub const RECONNECT_BASE_MS: u64 = 500;
/// Longest reconnect delay.
pub const RECONNECT_MAX_MS: u64 = 30_000;
/// A connection that stayed up this long resets the backoff.
pub const STABLE_AFTER: Duration = Duration::from_secs(10);

/// How long to wait after `failures` failed attempts: exponential, capped,
/// "full jitter" (uniform in 0..=cap; `random` in 0..=1), so clients cut
/// off together do not come back together.
pub fn reconnect_delay(failures: u32, random: f64) -> Duration {
    let cap = RECONNECT_BASE_MS
        .saturating_mul(1_u64 << failures.min(16))
        .min(RECONNECT_MAX_MS);
    let ms = (cap as f64 * random.clamp(0.0, 1.0)) as u64;
    Duration::from_millis(ms)
}

/// The reconnect state of the socket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconnect {
    failures: u32,
}

impl Reconnect {
    /// The connection ended (or never opened: `lived` is zero); answers how
    /// long to wait before the next attempt.
    pub fn next_delay(&mut self, lived: Duration, random: f64) -> Duration {
        if lived >= STABLE_AFTER {
            self.failures = 0;
        }
        let delay = reconnect_delay(self.failures, random);
        self.failures = self.failures.saturating_add(1);
        delay
    }

    /// Failed attempts since the last stable connection.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// What a `Ready` frame says the cache misses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Behind {
    /// Rooms with messages newer than the cache holds (or unknown here).
    pub rooms: Vec<String>,
    /// Rooms cached here that the server no longer lists (left, removed).
    pub gone: Vec<String>,
}

impl Behind {
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty() && self.gone.is_empty()
    }
}

/// Compares the server's room heads with the cached ones (room id → highest
/// seq known).
pub fn behind(ready: &[RoomHead], cached: &HashMap<String, i64>) -> Behind {
    let mut out = Behind::default();
    for head in ready {
        match cached.get(&head.room_id) {
            Some(seq) if *seq >= head.last_seq => {}
            _ => out.rooms.push(head.room_id.clone()),
        }
    }
    let listed: HashSet<&str> = ready.iter().map(|h| h.room_id.as_str()).collect();
    let mut gone: Vec<String> = cached
        .keys()
        .filter(|id| !listed.contains(id.as_str()))
        .cloned()
        .collect();
    gone.sort();
    out.gone = gone;
    out
}

/// The least time between two typing notices for one room.
pub const TYPING_EVERY: Duration = Duration::from_secs(2);

/// Throttles the member's own typing notices per room.
#[derive(Debug, Default)]
pub struct TypingThrottle {
    last: HashMap<String, Instant>,
}

impl TypingThrottle {
    /// Whether a typing notice for `room_id` goes out now (and if so, notes it).
    pub fn allow(&mut self, room_id: &str, now: Instant) -> bool {
        match self.last.get(room_id) {
            Some(at) if now.duration_since(*at) < TYPING_EVERY => false,
            _ => {
                self.last
                    .retain(|_, at| now.duration_since(*at) < TYPING_EVERY);
                self.last.insert(room_id.to_owned(), now);
                true
            }
        }
    }
}

/// Who is typing where, each until their notice expires.
#[derive(Debug, Default)]
pub struct Typers {
    until: HashMap<(String, String), Instant>,
}

impl Typers {
    /// `user_id` is typing in `room_id` for `ttl`.
    pub fn typing(&mut self, room_id: &str, user_id: &str, ttl: Duration, now: Instant) {
        self.until
            .insert((room_id.to_owned(), user_id.to_owned()), now + ttl);
    }

    /// `user_id` stopped (their message arrived).
    pub fn stopped(&mut self, room_id: &str, user_id: &str) {
        self.until.remove(&(room_id.to_owned(), user_id.to_owned()));
    }

    /// Members typing in `room_id` now, sorted.
    pub fn in_room(&mut self, room_id: &str, now: Instant) -> Vec<String> {
        self.until.retain(|_, until| *until > now);
        let mut out: Vec<String> = self
            .until
            .keys()
            .filter(|(room, _)| room == room_id)
            .map(|(_, user)| user.clone())
            .collect();
        out.sort();
        out
    }

    /// Forgets everyone (the connection dropped: notices stop arriving).
    pub fn clear(&mut self) {
        self.until.clear();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::overlay::tests::author;
    use moa_protocol::chat::args;
    use moa_protocol::{CreateRoomRequest, SendMessageRequest};
    use serde_json::json;

    fn msg(id: &str, seq: i64) -> Message {
        Message {
            id: id.into(),
            room_id: "r".into(),
            seq,
            sender_id: "other".into(),
            body: format!("body {id}"),
            media: vec![],
            reply_to: None,
            created_at: seq * 10,
            edited_at: None,
            deleted: false,
        }
    }

    fn send(id: &str, body: &str, at: i64) -> Pending {
        Pending {
            op: Op::ChatSend(args::Send {
                room_id: "r".into(),
                message: SendMessageRequest {
                    id: id.into(),
                    body: body.into(),
                    media: vec![],
                    reply_to: None,
                },
            }),
            failed: None,
            created_at: at,
        }
    }

    fn room(id: &str, members: &[&str], last_seq: i64) -> Room {
        Room {
            id: id.into(),
            kind: RoomKind::Group,
            name: Some("모임".into()),
            photo_media_id: None,
            owner_id: Some(members[0].into()),
            members: members
                .iter()
                .map(|m| RoomMember {
                    user: author(m),
                    joined_at: 1,
                    last_read_seq: 0,
                })
                .collect(),
            last_seq,
            created_at: 1,
            updated_at: 1,
        }
    }

    #[test]
    fn chat_mutations_name_their_room_and_target() {
        let op = Op::decode(
            "chat.send",
            &json!({"room_id": "r", "id": "m", "body": "안녕"}),
        )
        .unwrap();
        assert_eq!(room_of(&op), Some("r"));
        assert_eq!(target_id(&op), Some("m"));
        let read = Op::decode("chat.read", &json!({"room_id": "r", "seq": 3})).unwrap();
        assert_eq!(target_id(&read), Some("r"));
        let like = Op::lenient("like.set", &json!({}));
        assert_eq!(room_of(&like), None);
        assert!(in_view(&read, false));
        assert!(!in_view(&read, true));
    }

    #[test]
    fn a_pending_send_shows_last_until_its_confirmed_copy_is_known() {
        let pending = [send("p1", "보내는 중", 500), send("p2", "둘째", 600)];
        let shown = messages(
            "r",
            vec![msg("a", 1), msg("b", 2)],
            &pending,
            &HashSet::new(),
            "me",
            true,
        );
        let ids: Vec<_> = shown.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "p1", "p2"]);
        assert_eq!(shown[2].seq, None);
        assert_eq!(shown[2].state, MessageState::Pending);
        assert_eq!(shown[2].sender_id, "me");
        // Confirmed (pulled, or in this page): shown once, as sent.
        let mut p1 = msg("p1", 3);
        p1.sender_id = "me".into();
        let known: HashSet<String> = ["p1".to_string()].into();
        let shown = messages(
            "r",
            vec![msg("a", 1), msg("b", 2), p1],
            &pending,
            &known,
            "me",
            true,
        );
        let ids: Vec<_> = shown.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "p1", "p2"]);
        assert_eq!(shown[2].seq, Some(3));
        assert_eq!(shown[2].state, MessageState::Sent);
        // An older page never carries pending sends.
        let older = messages("r", vec![msg("a", 1)], &pending, &known, "me", false);
        assert_eq!(older.len(), 1);
    }

    #[test]
    fn refused_sends_stay_marked_and_pending_edits_and_deletes_apply() {
        let mut refused = send("x", "거절됨", 5);
        refused.failed = Some(ItemError {
            code: "forbidden".into(),
            message: "no".into(),
        });
        let edit = Pending {
            op: Op::ChatEdit(args::Edit {
                room_id: "r".into(),
                message_id: "a".into(),
                body: "고침".into(),
            }),
            failed: None,
            created_at: 7,
        };
        let delete = Pending {
            op: Op::ChatDelete(args::Delete {
                room_id: "r".into(),
                message_id: "b".into(),
            }),
            failed: None,
            created_at: 8,
        };
        let shown = messages(
            "r",
            vec![msg("a", 1), msg("b", 2)],
            &[refused, edit, delete],
            &HashSet::new(),
            "me",
            true,
        );
        assert_eq!(shown[0].body, "고침");
        assert_eq!(shown[0].edited_at, Some(7));
        assert_eq!(shown[0].state, MessageState::Pending);
        assert!(shown[1].deleted);
        assert!(shown[1].body.is_empty());
        assert!(matches!(&shown[2].state, MessageState::Failed(e) if e.code == "forbidden"));
    }

    #[test]
    fn deletes_are_final_and_later_edits_win() {
        let base = msg("a", 1);
        let mut edited = base.clone();
        edited.body = "v2".into();
        edited.edited_at = Some(50);
        let mut deleted = base.clone();
        deleted.deleted = true;
        deleted.body.clear();
        assert!(newer(&edited, &base));
        assert!(!newer(&base, &edited));
        assert!(newer(&deleted, &edited));
        assert!(!newer(&edited, &deleted));
        assert!(newer(&base, &base));
    }

    #[test]
    fn live_messages_are_placed_or_reported_as_gaps() {
        let m3 = msg("c", 3);
        assert_eq!(place(&m3, None, Some(2)), Placement::Insert);
        assert_eq!(place(&m3, None, Some(5)), Placement::Insert);
        assert_eq!(place(&m3, None, Some(1)), Placement::Gap);
        assert_eq!(place(&m3, None, None), Placement::Gap);
        assert_eq!(place(&msg("a", 1), None, Some(0)), Placement::Insert);
        // Seen already (its own frame, a pull, the push answer): once.
        assert_eq!(place(&m3, Some(&m3), Some(3)), Placement::Unchanged);
        let mut edited = m3.clone();
        edited.edited_at = Some(99);
        edited.body = "고침".into();
        assert_eq!(place(&edited, Some(&m3), Some(3)), Placement::Update);
        assert_eq!(place(&m3, Some(&edited), Some(3)), Placement::Unchanged);
    }

    #[test]
    fn room_list_counts_unread_and_applies_pending_changes() {
        let me = author("me");
        let base = RoomBase {
            room: room("r", &["me", "you"], 5),
            last_seq: 5,
            last_message: Some(msg("e", 5)),
            markers: vec![("me".into(), 2), ("you".into(), 5)],
            muted: false,
            activity: 50,
        };
        let other = RoomBase {
            room: room("s", &["you", "me"], 0),
            last_seq: 0,
            last_message: None,
            markers: vec![],
            muted: false,
            activity: 10,
        };
        let list = rooms(
            vec![other.clone(), base.clone()],
            &[],
            &HashSet::new(),
            &HashSet::new(),
            &me,
            &unknown_author,
        );
        assert_eq!(list[0].room.id, "r");
        assert_eq!(list[0].unread, 3);
        assert_eq!(list[0].room.members[1].last_read_seq, 5);
        assert_eq!(list[1].unread, 0);

        let pending = [
            Pending {
                op: Op::ChatRead(args::Read {
                    room_id: "r".into(),
                    seq: 4,
                }),
                failed: None,
                created_at: 60,
            },
            Pending {
                op: Op::ChatMute(args::Mute {
                    room_id: "r".into(),
                    muted: true,
                }),
                failed: None,
                created_at: 61,
            },
            Pending {
                op: Op::ChatRemove(args::Member {
                    room_id: "s".into(),
                    user_id: "me".into(),
                }),
                failed: None,
                created_at: 62,
            },
            Pending {
                op: Op::ChatCreateRoom(CreateRoomRequest {
                    id: "new".into(),
                    kind: RoomKind::Direct,
                    name: None,
                    photo_media_id: None,
                    members: vec!["them".into()],
                }),
                failed: None,
                created_at: 70,
            },
            send("p", "새 방 첫 메시지", 71),
        ];
        let mut pending = pending.to_vec();
        if let Op::ChatSend(a) = &mut pending[4].op {
            a.room_id = "new".into();
        }
        let list = rooms(
            vec![other, base],
            &pending,
            &HashSet::new(),
            &HashSet::new(),
            &me,
            &unknown_author,
        );
        let ids: Vec<_> = list.iter().map(|r| r.room.id.as_str()).collect();
        assert_eq!(ids, ["new", "r"], "left room gone, new room first");
        assert!(list[0].pending);
        assert_eq!(list[0].room.members.len(), 2);
        assert_eq!(list[0].room.owner_id, None);
        assert_eq!(list[0].last_message.as_ref().unwrap().id, "p");
        assert_eq!(list[1].unread, 1);
        assert!(list[1].muted);
        // Once the server has the room, the confirmed copy is the one shown.
        let known: HashSet<String> = ["new".to_string()].into();
        let list = rooms(
            vec![],
            &pending,
            &known,
            &HashSet::new(),
            &me,
            &unknown_author,
        );
        assert!(list.is_empty());
    }

    #[test]
    fn pending_mutations_follow_a_moved_room() {
        let send = Op::decode(
            "chat.send",
            &json!({"room_id": "local", "id": "m", "body": "hi"}),
        )
        .unwrap();
        let moved = remap_room(&send, "local", "server").unwrap();
        assert_eq!(moved.room_id(), Some("server"));
        assert!(matches!(&moved, Op::ChatSend(a) if a.message.body == "hi"));
        assert_eq!(remap_room(&send, "other", "x"), None);
        let like = Op::decode(
            "like.set",
            &json!({"target_type": "review", "target_id": "local", "liked": true}),
        )
        .unwrap();
        assert_eq!(remap_room(&like, "local", "x"), None);
    }

    #[test]
    fn reads_are_coalesced_and_never_move_back() {
        assert_eq!(plan_read(5, None, 5), ReadPlan::Skip);
        assert_eq!(plan_read(5, None, 3), ReadPlan::Skip);
        assert_eq!(plan_read(5, None, 6), ReadPlan::Append);
        assert_eq!(
            plan_read(5, Some("row".into()), 9),
            ReadPlan::Update("row".into())
        );
    }

    #[test]
    fn reconnects_back_off_with_full_jitter_and_reset_after_a_stable_connection() {
        assert_eq!(reconnect_delay(0, 1.0), Duration::from_millis(500));
        assert_eq!(reconnect_delay(3, 1.0), Duration::from_millis(4000));
        assert_eq!(reconnect_delay(40, 1.0), Duration::from_millis(30_000));
        assert_eq!(reconnect_delay(5, 0.0), Duration::ZERO);
        assert_eq!(reconnect_delay(2, 0.5), Duration::from_millis(1000));
        let mut r = Reconnect::default();
        let d: Vec<Duration> = (0..4).map(|_| r.next_delay(Duration::ZERO, 1.0)).collect();
        assert_eq!(
            d,
            [500, 1000, 2000, 4000].map(Duration::from_millis).to_vec()
        );
        // A short-lived connection does not reset the backoff...
        assert_eq!(
            r.next_delay(Duration::from_secs(1), 1.0),
            Duration::from_millis(8000)
        );
        // ...a stable one does.
        assert_eq!(r.next_delay(STABLE_AFTER, 1.0), Duration::from_millis(500));
        assert_eq!(r.failures(), 1);
    }

    #[test]
    fn ready_names_rooms_behind_and_rooms_gone() {
        let ready = [
            RoomHead {
                room_id: "a".into(),
                last_seq: 5,
            },
            RoomHead {
                room_id: "b".into(),
                last_seq: 2,
            },
            RoomHead {
                room_id: "new".into(),
                last_seq: 0,
            },
        ];
        let cached: HashMap<String, i64> =
            [("a".into(), 4), ("b".into(), 2), ("old".into(), 9)].into();
        let b = behind(&ready, &cached);
        assert_eq!(b.rooms, ["a", "new"]);
        assert_eq!(b.gone, ["old"]);
        let cached: HashMap<String, i64> =
            [("a".into(), 5), ("b".into(), 3), ("new".into(), 0)].into();
        assert!(behind(&ready, &cached).is_empty());
    }

    #[test]
    fn typing_is_throttled_out_and_expires_in() {
        let t0 = Instant::now();
        let mut throttle = TypingThrottle::default();
        assert!(throttle.allow("r", t0));
        assert!(!throttle.allow("r", t0 + Duration::from_millis(1500)));
        assert!(throttle.allow("s", t0 + Duration::from_millis(1500)));
        assert!(throttle.allow("r", t0 + TYPING_EVERY));

        let mut typers = Typers::default();
        typers.typing("r", "u", Duration::from_secs(5), t0);
        typers.typing("r", "v", Duration::from_secs(1), t0);
        typers.typing("s", "w", Duration::from_secs(5), t0);
        assert_eq!(typers.in_room("r", t0), ["u", "v"]);
        assert_eq!(typers.in_room("r", t0 + Duration::from_secs(2)), ["u"]);
        typers.stopped("r", "u");
        assert!(typers.in_room("r", t0).is_empty());
        assert_eq!(typers.in_room("s", t0), ["w"]);
    }
}
