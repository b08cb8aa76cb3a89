//! The chat tables: rooms, messages, read markers and room aliases. Which
//! copy wins and where a live message goes are decided in `crate::chat`
//! (no I/O); this module reads and writes rows.
//!
//! A room the member is in is followed as bucket `room:<id>` (a row in
//! `buckets`, added with the room and removed with it), so the sync loop
//! pulls it like any other bucket.

use std::collections::{HashMap, HashSet};

use moa_protocol::{Message, Op, Room, room_bucket};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::chat::{self, Pending, Placement, RoomBase};
use crate::error::Result;
use crate::model::{ItemError, OutboxState};
use crate::store::outbox;

/// What storing a room did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomPut {
    /// Stored (new or newer).
    Stored,
    /// The member is not in it (any more): it was dropped here.
    Left,
    /// A newer copy is here already.
    Stale,
}

/// Stores a room the server sent. `seq` is the change seq of a pulled copy;
/// `None` for a copy answered to a push or a REST call (it replaces the
/// stored one unless that one is newer by `updated_at`, and keeps its seq so
/// the next pull still replaces it). A room without `me` among its members
/// is dropped with its messages.
pub fn put_room(
    tx: &Transaction<'_>,
    room: &Room,
    seq: Option<i64>,
    me: &str,
    now: i64,
) -> Result<RoomPut> {
    if !room.members.iter().any(|m| m.user.id == me) {
        drop_room(tx, &room.id, seq)?;
        return Ok(RoomPut::Left);
    }
    let existing: Option<(String, i64)> = tx
        .prepare_cached("SELECT data, seq FROM rooms WHERE id = ?1")?
        .query_row([&room.id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (replace, stored_seq) = match (&existing, seq) {
        (None, s) => (true, s.unwrap_or(0)),
        (Some((_, old)), Some(s)) => (s >= *old, s),
        (Some((data, old)), None) => {
            let newer = serde_json::from_str::<Room>(data)
                .map_or(true, |stored| room.updated_at >= stored.updated_at);
            (newer, *old)
        }
    };
    if !replace {
        return Ok(RoomPut::Stale);
    }
    tx.prepare_cached(
        "INSERT INTO rooms (id, data, seq, last_seq, activity) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, seq = excluded.seq, \
         last_seq = MAX(rooms.last_seq, excluded.last_seq), \
         activity = MAX(rooms.activity, excluded.activity)",
    )?
    .execute(params![
        room.id,
        serde_json::to_string(room)?,
        stored_seq,
        room.last_seq,
        room.created_at
    ])?;
    tx.prepare_cached(
        "INSERT INTO buckets (bucket, cursor, more, opened_at) VALUES (?1, 0, 1, ?2) \
         ON CONFLICT (bucket) DO NOTHING",
    )?
    .execute(params![room_bucket(&room.id), now])?;
    for member in &room.members {
        put_read(tx, &room.id, &member.user.id, member.last_read_seq)?;
    }
    Ok(RoomPut::Stored)
}

/// Drops a room with its messages, markers and bucket; with `seq` (a
/// tombstone), only if the stored copy is not newer. Answers whether a room
/// was there.
pub fn drop_room(tx: &Transaction<'_>, id: &str, seq: Option<i64>) -> Result<bool> {
    if let Some(seq) = seq {
        let newer: bool = tx
            .prepare_cached("SELECT 1 FROM rooms WHERE id = ?1 AND seq > ?2")?
            .exists(params![id, seq])?;
        if newer {
            return Ok(false);
        }
    }
    let n = tx.execute("DELETE FROM rooms WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM messages WHERE room_id = ?1", [id])?;
    tx.execute("DELETE FROM read_markers WHERE room_id = ?1", [id])?;
    tx.execute("DELETE FROM buckets WHERE bucket = ?1", [room_bucket(id)])?;
    Ok(n > 0)
}

/// What storing a message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessagePut {
    /// Not seen here before.
    New(Message),
    /// The confirmed copy of the member's own pending send.
    Confirmed(Message),
    /// A newer copy (edited, deleted) of a message shown already.
    Changed(Message),
    /// Nothing new.
    Unchanged,
    /// A live message that does not follow the cached ones: not stored;
    /// pull the room.
    Gap,
}

fn stored_message(conn: &Connection, id: &str) -> Result<Option<(Message, i64)>> {
    let row: Option<(String, i64)> = conn
        .prepare_cached("SELECT data, change_seq FROM messages WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match row {
        Some((data, change_seq)) => Some((serde_json::from_str(&data)?, change_seq)),
        None => None,
    })
}

/// Stores a message: pulled (`live` false, `change_seq` its change) or live
/// from the socket or a push answer (`live` true for a socket frame, which
/// is checked for gaps).
pub fn put_message(
    tx: &Transaction<'_>,
    message: &Message,
    change_seq: i64,
    live: bool,
) -> Result<MessagePut> {
    let stored = stored_message(tx, &message.id)?;
    let head = if live {
        head(tx, &message.room_id)?
    } else {
        Some(i64::MAX)
    };
    let placement = chat::place(message, stored.as_ref().map(|(m, _)| m), head);
    let data = serde_json::to_string(message)?;
    match placement {
        Placement::Gap => Ok(MessagePut::Gap),
        Placement::Unchanged => {
            tx.prepare_cached(
                "UPDATE messages SET change_seq = ?1 WHERE id = ?2 AND change_seq < ?1",
            )?
            .execute(params![change_seq, message.id])?;
            Ok(MessagePut::Unchanged)
        }
        Placement::Update => {
            tx.prepare_cached(
                "UPDATE messages SET data = ?1, change_seq = MAX(change_seq, ?2) WHERE id = ?3",
            )?
            .execute(params![data, change_seq, message.id])?;
            Ok(MessagePut::Changed(message.clone()))
        }
        Placement::Insert => {
            // Another id in this place would be a server inconsistency: the
            // server's latest word wins.
            tx.prepare_cached("DELETE FROM messages WHERE room_id = ?1 AND seq = ?2")?
                .execute(params![message.room_id, message.seq])?;
            tx.prepare_cached(
                "INSERT INTO messages (room_id, seq, id, data, change_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                message.room_id,
                message.seq,
                message.id,
                data,
                change_seq
            ])?;
            tx.prepare_cached(
                "UPDATE rooms SET last_seq = MAX(last_seq, ?1), activity = MAX(activity, ?2) \
                 WHERE id = ?3",
            )?
            .execute(params![message.seq, message.created_at, message.room_id])?;
            if outbox::has_send(tx, &message.id)? {
                Ok(MessagePut::Confirmed(message.clone()))
            } else {
                Ok(MessagePut::New(message.clone()))
            }
        }
    }
}

/// A message tombstone (a message removed for good): gone here too.
pub fn drop_message(tx: &Transaction<'_>, id: &str, change_seq: i64) -> Result<bool> {
    Ok(tx.execute(
        "DELETE FROM messages WHERE id = ?1 AND change_seq <= ?2",
        params![id, change_seq],
    )? > 0)
}

/// The highest message seq cached for a room: `Some(0)` when its bucket was
/// pulled and it has none, `None` when the room was never pulled here (so a
/// live message cannot be trusted to follow anything).
pub fn head(conn: &Connection, room_id: &str) -> Result<Option<i64>> {
    let max: Option<i64> = conn
        .prepare_cached("SELECT MAX(seq) FROM messages WHERE room_id = ?1")?
        .query_row([room_id], |r| r.get(0))?;
    if max.is_some() {
        return Ok(max);
    }
    let pulled: bool = conn
        .prepare_cached(
            "SELECT 1 FROM buckets JOIN rooms ON rooms.id = ?2 WHERE bucket = ?1 AND cursor > 0",
        )?
        .exists(params![room_bucket(room_id), room_id])?;
    Ok(pulled.then_some(0))
}

/// Each cached room's highest cached message seq (0 for none).
pub fn heads(conn: &Connection) -> Result<HashMap<String, i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, COALESCE((SELECT MAX(seq) FROM messages m WHERE m.room_id = r.id), 0) \
         FROM rooms r",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, seq) = row?;
        out.insert(id, seq);
    }
    Ok(out)
}

/// Moves a member's read marker forward; answers whether it moved.
pub fn put_read(tx: &Transaction<'_>, room_id: &str, user_id: &str, seq: i64) -> Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT INTO read_markers (room_id, user_id, seq) VALUES (?1, ?2, ?3) \
             ON CONFLICT (room_id, user_id) DO UPDATE SET seq = excluded.seq \
             WHERE excluded.seq > read_markers.seq",
        )?
        .execute(params![room_id, user_id, seq])?;
    Ok(n > 0 && seq > 0)
}

/// A member's read marker as known (0 for none).
pub fn read_marker(conn: &Connection, room_id: &str, user_id: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT seq FROM read_markers WHERE room_id = ?1 AND user_id = ?2")?
        .query_row([room_id, user_id], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// The room an id names: itself, or the room a locally made id became.
pub fn resolve(conn: &Connection, id: &str) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT room_id FROM room_aliases WHERE local_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| id.to_owned()))
}

/// Records that the locally made room id `local` is `room` on the server.
pub fn add_alias(tx: &Transaction<'_>, local: &str, room: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO room_aliases (local_id, room_id) VALUES (?1, ?2) \
         ON CONFLICT (local_id) DO UPDATE SET room_id = excluded.room_id",
        params![local, room],
    )?;
    Ok(())
}

/// One cached room.
pub fn room(conn: &Connection, id: &str) -> Result<Option<Room>> {
    let data: Option<String> = conn
        .prepare_cached("SELECT data FROM rooms WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
}

/// Every cached room with what the room list needs.
pub fn room_bases(conn: &Connection) -> Result<Vec<RoomBase>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.data, r.last_seq, r.activity, \
         COALESCE(json_extract(e.data, '$.muted'), 0) FROM rooms r \
         LEFT JOIN entities e ON e.kind = 'mute' AND e.id = r.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, bool>(4)?,
        ))
    })?;
    let me = crate::store::session::load(conn)?.map(|s| s.me.id);
    let mut out = Vec::new();
    for row in rows {
        let (id, data, last_seq, activity, muted) = row?;
        let Ok(room) = serde_json::from_str::<Room>(&data) else {
            tracing::warn!(room = %id, "a cached room cannot be read; skipped");
            continue;
        };
        let last_message = newest(conn, &id, None, 1)?.pop();
        let mut markers = Vec::new();
        let mut stmt =
            conn.prepare_cached("SELECT user_id, seq FROM read_markers WHERE room_id = ?1")?;
        for marker in stmt.query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))? {
            markers.push(marker?);
        }
        // Sending marks one's own read marker up to the message.
        let own_seq: Option<i64> = conn
            .prepare_cached(
                "SELECT MAX(seq) FROM messages WHERE room_id = ?1 \
                 AND json_extract(data, '$.sender_id') = ?2",
            )?
            .query_row(params![id, me], |r| r.get(0))?;
        if let (Some(me), Some(seq)) = (&me, own_seq) {
            markers.push((me.clone(), seq));
        }
        out.push(RoomBase {
            room,
            last_seq,
            last_message,
            markers,
            muted,
            activity,
        });
    }
    Ok(out)
}

/// The newest `limit` messages of a room before `before` (all when `None`),
/// oldest first.
pub fn newest(
    conn: &Connection,
    room_id: &str,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Message>> {
    let mut stmt = conn.prepare_cached(
        "SELECT data FROM messages WHERE room_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![room_id, before.unwrap_or(i64::MAX), limit], |r| {
        r.get::<_, String>(0)
    })?;
    let mut out = Vec::new();
    for data in rows {
        out.push(serde_json::from_str(&data?)?);
    }
    out.reverse();
    Ok(out)
}

/// How many of the seqs `from..=to` of a room are cached.
pub fn cached_between(conn: &Connection, room_id: &str, from: i64, to: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM messages WHERE room_id = ?1 AND seq BETWEEN ?2 AND ?3",
        )?
        .query_row(params![room_id, from, to], |r| r.get(0))?)
}

/// One cached message.
pub fn message(conn: &Connection, id: &str) -> Result<Option<Message>> {
    Ok(stored_message(conn, id)?.map(|(m, _)| m))
}

/// The pending chat mutations in view, oldest first, with the ids among the
/// rooms and messages they create that the cache already holds confirmed.
pub fn pending(conn: &Connection) -> Result<(Vec<Pending>, HashSet<String>, HashSet<String>)> {
    let mut out = Vec::new();
    let mut known_rooms = HashSet::new();
    let mut known_messages = HashSet::new();
    for row in outbox::chat(conn)? {
        let failed = row.state == OutboxState::Failed;
        if !row.op.is_chat() || !chat::in_view(&row.op, failed) {
            continue;
        }
        let op = row.op;
        match &op {
            // Known under its own id, or under the existing room the
            // server answered with.
            Op::ChatCreateRoom(r) if room(conn, &resolve(conn, &r.id)?)?.is_some() => {
                known_rooms.insert(r.id.clone());
            }
            Op::ChatSend(a) if stored_message(conn, &a.message.id)?.is_some() => {
                known_messages.insert(a.message.id.clone());
            }
            _ => {}
        }
        out.push(Pending {
            op,
            failed: failed.then(|| ItemError {
                code: row.error_code.clone().unwrap_or_default(),
                message: row.error_message.clone().unwrap_or_default(),
            }),
            created_at: row.created_at,
        });
    }
    Ok((out, known_rooms, known_messages))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use moa_protocol::{Author, RoomKind, RoomMember};

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("c.db")).unwrap();
        super::super::migrate(&mut conn, super::super::MIGRATIONS).unwrap();
        (dir, conn)
    }

    fn room(id: &str, members: &[&str], updated_at: i64) -> Room {
        Room {
            id: id.into(),
            kind: RoomKind::Group,
            name: Some("방".into()),
            photo_media_id: None,
            owner_id: Some(members[0].into()),
            members: members
                .iter()
                .map(|m| RoomMember {
                    user: Author {
                        id: (*m).into(),
                        handle: (*m).into(),
                        display_name: (*m).into(),
                        avatar_media_id: None,
                        deleted: false,
                    },
                    joined_at: 1,
                    last_read_seq: 1,
                })
                .collect(),
            last_seq: 0,
            created_at: 1,
            updated_at,
        }
    }

    fn msg(id: &str, seq: i64) -> Message {
        Message {
            id: id.into(),
            room_id: "r".into(),
            seq,
            sender_id: "you".into(),
            body: id.into(),
            media: vec![],
            reply_to: None,
            created_at: 100 + seq,
            edited_at: None,
            deleted: false,
        }
    }

    #[test]
    fn rooms_follow_their_bucket_and_leave_with_their_messages() {
        let (_dir, mut conn) = db();
        let tx = conn.transaction().unwrap();
        assert_eq!(
            put_room(&tx, &room("r", &["me", "you"], 5), Some(10), "me", 0).unwrap(),
            RoomPut::Stored
        );
        assert_eq!(
            put_room(&tx, &room("r", &["me", "you"], 4), Some(9), "me", 0).unwrap(),
            RoomPut::Stale
        );
        assert_eq!(
            put_room(&tx, &room("r", &["me", "you"], 3), None, "me", 0).unwrap(),
            RoomPut::Stale
        );
        assert_eq!(read_marker(&tx, "r", "you").unwrap(), 1);
        let bucket: i64 = tx
            .query_row(
                "SELECT COUNT(*) FROM buckets WHERE bucket = 'room:r'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(bucket, 1);
        // Never pulled: live messages cannot be placed yet.
        assert_eq!(head(&tx, "r").unwrap(), None);
        tx.execute("UPDATE buckets SET cursor = 3 WHERE bucket = 'room:r'", [])
            .unwrap();
        assert_eq!(head(&tx, "r").unwrap(), Some(0));
        assert!(matches!(
            put_message(&tx, &msg("a", 1), 0, true).unwrap(),
            MessagePut::New(_)
        ));
        assert_eq!(
            put_message(&tx, &msg("c", 3), 0, true).unwrap(),
            MessagePut::Gap
        );
        assert_eq!(
            put_message(&tx, &msg("a", 1), 12, false).unwrap(),
            MessagePut::Unchanged
        );
        assert!(matches!(
            put_message(&tx, &msg("c", 3), 13, false).unwrap(),
            MessagePut::New(_)
        ));
        assert_eq!(heads(&tx).unwrap()["r"], 3);
        let page = newest(&tx, "r", None, 10).unwrap();
        assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(cached_between(&tx, "r", 1, 3).unwrap(), 2);
        // Removed from the room: it goes, with everything in it.
        assert_eq!(
            put_room(&tx, &room("r", &["you"], 9), Some(20), "me", 0).unwrap(),
            RoomPut::Left
        );
        assert!(newest(&tx, "r", None, 10).unwrap().is_empty());
        assert_eq!(read_marker(&tx, "r", "you").unwrap(), 0);
        let bucket: i64 = tx
            .query_row("SELECT COUNT(*) FROM buckets", [], |r| r.get(0))
            .unwrap();
        assert_eq!(bucket, 0);
    }

    #[test]
    fn own_sends_are_confirmed_and_markers_only_move_forward() {
        let (_dir, mut conn) = db();
        let tx = conn.transaction().unwrap();
        let send = Op::decode(
            "chat.send",
            &serde_json::json!({"room_id": "r", "id": "mine", "body": "hi"}),
        )
        .unwrap();
        outbox::append(&tx, "mut1", &send, 1).unwrap();
        assert!(matches!(
            put_message(&tx, &msg("mine", 1), 0, false).unwrap(),
            MessagePut::Confirmed(_)
        ));
        let mut edited = msg("mine", 1);
        edited.body = "고침".into();
        edited.edited_at = Some(200);
        assert!(matches!(
            put_message(&tx, &edited, 0, true).unwrap(),
            MessagePut::Changed(_)
        ));
        assert_eq!(
            put_message(&tx, &msg("mine", 1), 30, false).unwrap(),
            MessagePut::Unchanged
        );
        assert_eq!(message(&tx, "mine").unwrap().unwrap().body, "고침");
        assert!(put_read(&tx, "r", "u", 3).unwrap());
        assert!(!put_read(&tx, "r", "u", 2).unwrap());
        assert!(!put_read(&tx, "r", "u", 3).unwrap());
        assert_eq!(read_marker(&tx, "r", "u").unwrap(), 3);
        add_alias(&tx, "local", "server").unwrap();
        assert_eq!(resolve(&tx, "local").unwrap(), "server");
        assert_eq!(resolve(&tx, "other").unwrap(), "other");
    }
}
