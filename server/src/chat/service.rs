//! Chat's write path and reads: rooms, members, messages, read markers.
//!
//! Every write takes the caller's transaction, checks all its rules before
//! writing anything (so a refused message in a batch leaves the transaction
//! as it was), records what it changed in the change log (bucket
//! `room:<id>`, and `user:<id>` for membership) and returns the realtime
//! [`Event`]s to fan out once the transaction commits.
//!
//! Rooms: direct rooms have exactly two members and one room per pair
//! (`direct_key`); group rooms have a name, a photo and an owner; any member
//! may invite, only the owner removes others or changes the room, anyone may
//! leave (an owner who leaves hands the room to the longest-standing member).
//! New members see the whole history. Messages get the room's next `seq`
//! (1, 2, 3... without gaps); deleting keeps a tombstone.

use moa_protocol::EntityKind;
use moa_protocol::ErrorCode;
use moa_protocol::chat::{
    CreateRoomRequest, Message, MessagePage, Room, RoomCreated, RoomKind, RoomList, RoomMember,
    RoomSummary, SendMessageRequest, UpdateRoomRequest, room_bucket,
};
use moa_protocol::limits::{
    MAX_MESSAGE_CHARS, MAX_MESSAGE_MEDIA, MAX_PAGE_SIZE, MAX_ROOM_MEMBERS, MAX_ROOM_NAME_CHARS,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::changelog::{self, Change, user_bucket};
use crate::error::{Error, Result};
use crate::extract::Member;
use crate::realtime::Event;
use crate::users::service as users;
use crate::util::is_uuid;
use crate::validate;

fn not_member() -> Error {
    Error::forbidden("you are not a member of this room")
}

fn room_id_ok(id: &str) -> Result<()> {
    // Same answer as for a room one is not in: nothing leaks.
    if is_uuid(id) {
        Ok(())
    } else {
        Err(not_member())
    }
}

fn encode<T: serde::Serialize>(what: &str, v: &T) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| Error::Internal(format!("cannot encode a {what}: {e}")))
}

/// Whether `user_id` is in `room_id`.
pub async fn is_member(conn: &mut AnyConnection, room_id: &str, user_id: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM room_members WHERE room_id = $1 AND user_id = $2")
            .bind(room_id)
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

async fn ensure_member(conn: &mut AnyConnection, room_id: &str, user_id: &str) -> Result<()> {
    room_id_ok(room_id)?;
    if is_member(conn, room_id, user_id).await? {
        Ok(())
    } else {
        Err(not_member())
    }
}

/// The rooms `user_id` is in, with their latest `seq`.
pub async fn heads(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT r.id, r.last_seq FROM room_members rm JOIN rooms r ON r.id = rm.room_id \
         WHERE rm.user_id = $1",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("last_seq")?)))
        .collect()
}

/// A room with its members, whoever asks.
pub async fn load_room(conn: &mut AnyConnection, room_id: &str) -> Result<Option<Room>> {
    let Some(row) = sqlx::query(
        "SELECT id, kind, name, photo_media_id, owner_id, last_seq, created_at, updated_at \
         FROM rooms WHERE id = $1",
    )
    .bind(room_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let members = sqlx::query(
        "SELECT rm.user_id, rm.joined_at, rm.last_read_seq, u.handle AS a_handle, \
         u.display_name AS a_name, u.avatar_media_id AS a_avatar, u.deleted_at AS a_deleted \
         FROM room_members rm JOIN users u ON u.id = rm.user_id WHERE rm.room_id = $1 \
         ORDER BY rm.joined_at, rm.user_id",
    )
    .bind(room_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|m| {
        Ok(RoomMember {
            user: users::author_from_row(m, m.try_get("user_id")?)?,
            joined_at: m.try_get("joined_at")?,
            last_read_seq: m.try_get("last_read_seq")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let kind: String = row.try_get("kind")?;
    Ok(Some(Room {
        id: row.try_get("id")?,
        kind: RoomKind::parse(&kind).ok_or_else(|| Error::Internal(format!("room kind {kind}")))?,
        name: row.try_get("name")?,
        photo_media_id: row.try_get("photo_media_id")?,
        owner_id: row.try_get("owner_id")?,
        members,
        last_seq: row.try_get("last_seq")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    }))
}

/// A room `member` is in (403 otherwise, also for rooms that do not exist).
pub async fn get_room(conn: &mut AnyConnection, member: &Member, room_id: &str) -> Result<Room> {
    ensure_member(conn, room_id, &member.user_id).await?;
    load_room(conn, room_id).await?.ok_or_else(not_member)
}

/// Records the room as it is now in its bucket and each member's own, plus a
/// tombstone in the buckets of `gone` (members who just left).
async fn publish_room(
    conn: &mut AnyConnection,
    room_id: &str,
    gone: &[&str],
    now: i64,
) -> Result<Room> {
    let room = load_room(conn, room_id)
        .await?
        .ok_or_else(|| Error::Internal("room vanished in its transaction".into()))?;
    let mut buckets = vec![room_bucket(room_id)];
    buckets.extend(room.members.iter().map(|m| user_bucket(&m.user.id)));
    let data = encode("room", &room)?;
    changelog::record(
        conn,
        Change::upsert(EntityKind::Room, room_id, data, buckets),
        now,
    )
    .await?;
    if !gone.is_empty() {
        let buckets = gone.iter().map(|u| user_bucket(u)).collect();
        changelog::record(
            conn,
            Change::delete(EntityKind::Room, room_id, buckets),
            now,
        )
        .await?;
    }
    Ok(room)
}

async fn ensure_users_exist(conn: &mut AnyConnection, ids: &[String], field: &str) -> Result<()> {
    for (i, id) in ids.iter().enumerate() {
        let exists = is_uuid(id)
            && sqlx::query("SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .is_some();
        if !exists {
            return Err(Error::invalid(format!("{field}[{i}]"), "no such member"));
        }
    }
    Ok(())
}

async fn add_member(
    conn: &mut AnyConnection,
    room_id: &str,
    user_id: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO room_members (room_id, user_id, joined_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(room_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn room_name(raw: Option<&str>) -> Result<String> {
    validate::text("name", raw.unwrap_or(""), 1, MAX_ROOM_NAME_CHARS)
}

async fn room_photo(conn: &mut AnyConnection, member: &Member, id: Option<&str>) -> Result<()> {
    if let Some(id) = id {
        let id = validate::media_id("photo_media_id", id)?;
        let owned = sqlx::query(
            "SELECT 1 FROM media m JOIN media_owners o ON o.media_id = m.id \
             WHERE m.id = $1 AND o.user_id = $2 AND m.kind = 'photo'",
        )
        .bind(&id)
        .bind(&member.user_id)
        .fetch_optional(&mut *conn)
        .await?;
        if owned.is_none() {
            return Err(Error::invalid(
                "photo_media_id",
                "no such photo: upload it first",
            ));
        }
    }
    Ok(())
}

/// Creates a room. A direct room with a member one already has a room with
/// answers that room (`created: false`).
pub async fn create_room(
    conn: &mut AnyConnection,
    member: &Member,
    req: &CreateRoomRequest,
    now: i64,
) -> Result<(RoomCreated, Vec<Event>)> {
    member.ensure_can_write()?;
    if !is_uuid(&req.id) {
        return Err(Error::invalid(
            "id",
            "must be a lowercase UUID (v7 preferred)",
        ));
    }
    let mut others: Vec<String> = Vec::with_capacity(req.members.len());
    for id in &req.members {
        if id != &member.user_id && !others.contains(id) {
            others.push(id.clone());
        }
    }
    ensure_users_exist(conn, &others, "members").await?;
    let (name, direct_key) = match req.kind {
        RoomKind::Direct => {
            if others.len() != 1 || req.members.len() != 1 {
                return Err(Error::invalid(
                    "members",
                    "a direct room has exactly one other member",
                ));
            }
            let (a, b) = if member.user_id < others[0] {
                (&member.user_id, &others[0])
            } else {
                (&others[0], &member.user_id)
            };
            let key = format!("{a}:{b}");
            let existing: Option<String> =
                sqlx::query_scalar("SELECT id FROM rooms WHERE direct_key = $1")
                    .bind(&key)
                    .fetch_optional(&mut *conn)
                    .await?;
            if let Some(id) = existing {
                // The pair's room; someone who left it comes back.
                let mut events = Vec::new();
                if !is_member(conn, &id, &member.user_id).await? {
                    add_member(conn, &id, &member.user_id, now).await?;
                    events.push(Event::Membership {
                        room_id: id.clone(),
                        user_id: member.user_id.clone(),
                        joined: true,
                    });
                    events.push(Event::room_changed(&id));
                    let room = publish_room(conn, &id, &[], now).await?;
                    return Ok((
                        RoomCreated {
                            room,
                            created: false,
                        },
                        events,
                    ));
                }
                let room = load_room(conn, &id).await?.ok_or_else(not_member)?;
                return Ok((
                    RoomCreated {
                        room,
                        created: false,
                    },
                    events,
                ));
            }
            (None, Some(key))
        }
        RoomKind::Group => {
            if others.len() + 1 > MAX_ROOM_MEMBERS {
                return Err(Error::invalid(
                    "members",
                    format!("at most {MAX_ROOM_MEMBERS} members"),
                ));
            }
            (Some(room_name(req.name.as_deref())?), None)
        }
    };
    if req.kind == RoomKind::Group {
        room_photo(conn, member, req.photo_media_id.as_deref()).await?;
    }
    if let Some(room) = load_room(conn, &req.id).await? {
        // Replayed creation by its creator answers the room; anyone else's
        // id collision is refused.
        if room.members.iter().any(|m| m.user.id == member.user_id) {
            return Ok((
                RoomCreated {
                    room,
                    created: false,
                },
                Vec::new(),
            ));
        }
        return Err(Error::conflict(
            ErrorCode::Conflict,
            "this room id is taken",
        ));
    }
    let owner = (req.kind == RoomKind::Group).then_some(member.user_id.as_str());
    sqlx::query(
        "INSERT INTO rooms (id, kind, name, photo_media_id, owner_id, direct_key, last_seq, \
         last_message_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7, $7)",
    )
    .bind(&req.id)
    .bind(req.kind.as_str())
    .bind(&name)
    .bind(if req.kind == RoomKind::Group {
        req.photo_media_id.as_deref()
    } else {
        None
    })
    .bind(owner)
    .bind(&direct_key)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let mut events = Vec::new();
    for user in std::iter::once(&member.user_id).chain(others.iter()) {
        add_member(conn, &req.id, user, now).await?;
        events.push(Event::Membership {
            room_id: req.id.clone(),
            user_id: user.clone(),
            joined: true,
        });
    }
    let room = publish_room(conn, &req.id, &[], now).await?;
    Ok((
        RoomCreated {
            room,
            created: true,
        },
        events,
    ))
}

async fn group_room(conn: &mut AnyConnection, member: &Member, room_id: &str) -> Result<Room> {
    let room = get_room(conn, member, room_id).await?;
    if room.kind != RoomKind::Group {
        return Err(Error::invalid(
            "room",
            "a direct room has exactly two members",
        ));
    }
    Ok(room)
}

fn ensure_owner(room: &Room, member: &Member) -> Result<()> {
    if room.owner_id.as_deref() == Some(member.user_id.as_str()) {
        Ok(())
    } else {
        Err(Error::forbidden("only the room's owner may do this"))
    }
}

/// After a change of the room's settings or owner: touched, recorded, and
/// the members told.
async fn settings_changed(
    conn: &mut AnyConnection,
    room_id: &str,
    now: i64,
) -> Result<(Room, Vec<Event>)> {
    touch(conn, room_id, now).await?;
    let room = publish_room(conn, room_id, &[], now).await?;
    Ok((room, vec![Event::room_changed(room_id)]))
}

async fn touch(conn: &mut AnyConnection, room_id: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE rooms SET updated_at = $2 WHERE id = $1")
        .bind(room_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Renames a group room or changes its photo (owner).
pub async fn update_room(
    conn: &mut AnyConnection,
    member: &Member,
    room_id: &str,
    req: &UpdateRoomRequest,
    now: i64,
) -> Result<(Room, Vec<Event>)> {
    member.ensure_can_write()?;
    let room = group_room(conn, member, room_id).await?;
    ensure_owner(&room, member)?;
    let name = match &req.name {
        Some(n) => Some(room_name(Some(n))?),
        None => None,
    };
    if let Some(Some(photo)) = &req.photo_media_id {
        room_photo(conn, member, Some(photo)).await?;
    }
    if let Some(name) = &name {
        sqlx::query("UPDATE rooms SET name = $2 WHERE id = $1")
            .bind(room_id)
            .bind(name)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(photo) = &req.photo_media_id {
        sqlx::query("UPDATE rooms SET photo_media_id = $2 WHERE id = $1")
            .bind(room_id)
            .bind(photo.as_deref())
            .execute(&mut *conn)
            .await?;
    }
    settings_changed(conn, room_id, now).await
}

/// Adds `user_id` to a group room (any member may invite).
pub async fn invite(
    conn: &mut AnyConnection,
    member: &Member,
    room_id: &str,
    user_id: &str,
    now: i64,
) -> Result<(Room, Vec<Event>)> {
    member.ensure_can_write()?;
    let room = group_room(conn, member, room_id).await?;
    if room.members.iter().any(|m| m.user.id == user_id) {
        return Ok((room, Vec::new()));
    }
    if room.members.len() >= MAX_ROOM_MEMBERS {
        return Err(Error::invalid(
            "user_id",
            format!("a room has at most {MAX_ROOM_MEMBERS} members"),
        ));
    }
    ensure_users_exist(conn, &[user_id.to_owned()], "user_id").await?;
    add_member(conn, room_id, user_id, now).await?;
    touch(conn, room_id, now).await?;
    let room = publish_room(conn, room_id, &[], now).await?;
    let events = vec![
        Event::Membership {
            room_id: room_id.to_owned(),
            user_id: user_id.to_owned(),
            joined: true,
        },
        Event::room_changed(room_id),
    ];
    Ok((room, events))
}

/// Removes `user_id` from a room: leaving (oneself, any room) or removing
/// someone else (the owner of a group room).
pub async fn remove(
    conn: &mut AnyConnection,
    member: &Member,
    room_id: &str,
    user_id: &str,
    now: i64,
) -> Result<Vec<Event>> {
    let room = get_room(conn, member, room_id).await?;
    if user_id != member.user_id {
        member.ensure_can_write()?;
        if room.kind != RoomKind::Group {
            return Err(Error::forbidden("you can only leave a direct room"));
        }
        ensure_owner(&room, member)?;
        if !room.members.iter().any(|m| m.user.id == user_id) {
            return Ok(Vec::new());
        }
    }
    sqlx::query("DELETE FROM room_members WHERE room_id = $1 AND user_id = $2")
        .bind(room_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    if room.owner_id.as_deref() == Some(user_id) {
        let heir = room.members.iter().find(|m| m.user.id != user_id);
        sqlx::query("UPDATE rooms SET owner_id = $2 WHERE id = $1")
            .bind(room_id)
            .bind(heir.map(|m| m.user.id.as_str()))
            .execute(&mut *conn)
            .await?;
    }
    touch(conn, room_id, now).await?;
    publish_room(conn, room_id, &[user_id], now).await?;
    Ok(vec![
        Event::Membership {
            room_id: room_id.to_owned(),
            user_id: user_id.to_owned(),
            joined: false,
        },
        Event::room_changed(room_id),
    ])
}

/// Hands a group room to another member (owner).
pub async fn transfer(
    conn: &mut AnyConnection,
    member: &Member,
    room_id: &str,
    user_id: &str,
    now: i64,
) -> Result<(Room, Vec<Event>)> {
    member.ensure_can_write()?;
    let room = group_room(conn, member, room_id).await?;
    ensure_owner(&room, member)?;
    if !room.members.iter().any(|m| m.user.id == user_id) {
        return Err(Error::invalid("user_id", "not a member of this room"));
    }
    sqlx::query("UPDATE rooms SET owner_id = $2 WHERE id = $1")
        .bind(room_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    settings_changed(conn, room_id, now).await
}

/// Mutes or unmutes a room for `member` (recorded in their own bucket as
/// entity `mute`).
pub async fn set_muted(
    conn: &mut AnyConnection,
    member: &Member,
    room_id: &str,
    muted: bool,
    now: i64,
) -> Result<()> {
    ensure_member(conn, room_id, &member.user_id).await?;
    sqlx::query("UPDATE room_members SET muted = $3 WHERE room_id = $1 AND user_id = $2")
        .bind(room_id)
        .bind(&member.user_id)
        .bind(i64::from(muted))
        .execute(&mut *conn)
        .await?;
    let data = serde_json::json!({ "room_id": room_id, "muted": muted });
    let change = Change::upsert(
        EntityKind::Mute,
        room_id,
        data,
        vec![user_bucket(&member.user_id)],
    );
    changelog::record(conn, change, now).await
}

const MESSAGE_COLUMNS: &str =
    "id, room_id, seq, sender_id, body, media, reply_to, created_at, edited_at, deleted_at";

fn message_from_row(row: &AnyRow) -> Result<Message> {
    let media: String = row.try_get("media")?;
    Ok(Message {
        id: row.try_get("id")?,
        room_id: row.try_get("room_id")?,
        seq: row.try_get("seq")?,
        sender_id: row.try_get("sender_id")?,
        body: row.try_get("body")?,
        media: serde_json::from_str(&media)
            .map_err(|e| Error::Internal(format!("corrupt message media: {e}")))?,
        reply_to: row.try_get("reply_to")?,
        created_at: row.try_get("created_at")?,
        edited_at: row.try_get("edited_at")?,
        deleted: row.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
    })
}

/// One message by id, whoever asks.
pub async fn load_message(conn: &mut AnyConnection, id: &str) -> Result<Option<Message>> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(message_from_row).transpose()
}

/// Checks a message's media (ids already well-formed): each must be the
/// sender's own upload (photo or video).
async fn check_media(conn: &mut AnyConnection, sender: &str, media: &[String]) -> Result<()> {
    for (i, id) in media.iter().enumerate() {
        let owned = sqlx::query("SELECT 1 FROM media_owners WHERE media_id = $1 AND user_id = $2")
            .bind(id)
            .bind(sender)
            .fetch_optional(&mut *conn)
            .await?;
        if owned.is_none() {
            return Err(Error::invalid(
                format!("media[{i}]"),
                "no such photo or video: upload it first",
            ));
        }
    }
    Ok(())
}

/// One message to send, as [`send_many`] takes it.
pub struct Outgoing<'a> {
    pub member: &'a Member,
    pub room_id: &'a str,
    pub req: &'a SendMessageRequest,
}

/// Sends a message. Sending an id again (same sender, same room) answers
/// the stored message and `false`, changing nothing.
pub async fn send(
    conn: &mut AnyConnection,
    member: &Member,
    room_id: &str,
    req: &SendMessageRequest,
    now: i64,
) -> Result<(Message, bool)> {
    let item = Outgoing {
        member,
        room_id,
        req,
    };
    send_many(conn, &[item], now)
        .await?
        .pop()
        .unwrap_or_else(|| Err(Error::Internal("no answer for a message".into())))
}

/// Statement shapes are kept to a few sizes so the prepared statements are
/// reused (sqlx caches them per connection by SQL text; preparing a new
/// shape per batch cost more than running it): lists are padded to the next
/// power of two by repeating their last value, and multi-row inserts go in
/// power-of-two chunks of at most [`MAX_ROWS`] rows (SQLite looks bound
/// parameters up by name, so very wide statements get slow too).
pub fn padded(n: usize) -> usize {
    n.max(1).next_power_of_two()
}

/// Most rows in one multi-row statement.
pub const MAX_ROWS: usize = 16;

/// `n` split into power-of-two chunk sizes of at most [`MAX_ROWS`].
pub fn row_chunks(mut n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    while n > 0 {
        let size = MAX_ROWS.min(1 << (usize::BITS - 1 - n.leading_zeros()));
        out.push(size);
        n -= size;
    }
    out
}

/// `items` split into consecutive slices of [`row_chunks`] sizes.
pub fn in_row_chunks<T>(items: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    row_chunks(items.len()).into_iter().map(move |n| {
        let (head, tail) = rest.split_at(n);
        rest = tail;
        head
    })
}

fn placeholders(n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks what needs no database: ids, body, media count.
fn precheck(item: &Outgoing<'_>) -> Result<String> {
    if !is_uuid(&item.req.id) {
        return Err(Error::invalid(
            "id",
            "must be a lowercase UUID (v7 preferred)",
        ));
    }
    room_id_ok(item.room_id)?;
    if item.req.media.len() > MAX_MESSAGE_MEDIA {
        return Err(Error::invalid(
            "media",
            format!("at most {MAX_MESSAGE_MEDIA} photos or videos"),
        ));
    }
    for (i, id) in item.req.media.iter().enumerate() {
        validate::media_id(&format!("media[{i}]"), id)?;
    }
    let min = usize::from(item.req.media.is_empty());
    validate::text("body", &item.req.body, min, MAX_MESSAGE_CHARS)
}

/// Sends many messages in the caller's transaction with a handful of
/// statements whatever their number (the socket writer's group commit; one
/// message over REST or push is a batch of one). Each answer is the stored
/// message and whether it is new, or why that one was refused (the others
/// are not affected: every check happens before anything is written). An
/// `Err` of the whole call is a database failure.
pub async fn send_many(
    conn: &mut AnyConnection,
    items: &[Outgoing<'_>],
    now: i64,
) -> Result<Vec<Result<(Message, bool)>>> {
    let mut answers: Vec<Option<Result<(Message, bool)>>> = Vec::with_capacity(items.len());
    let mut bodies: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        match precheck(item) {
            Ok(body) => {
                bodies.push(body);
                answers.push(None);
            }
            Err(e) => {
                bodies.push(String::new());
                answers.push(Some(Err(e)));
            }
        }
    }
    let open: Vec<usize> = (0..items.len()).filter(|&i| answers[i].is_none()).collect();
    if open.is_empty() {
        return Ok(answers.into_iter().flatten().collect());
    }
    // Sent before: answer the stored message (the same sender's replay) or
    // refuse someone else's id.
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN ({})",
        placeholders(padded(open.len()), 1)
    );
    let mut query = sqlx::query(&sql);
    for k in 0..padded(open.len()) {
        query = query.bind(&items[open[k.min(open.len() - 1)]].req.id);
    }
    let mut stored: std::collections::HashMap<String, Message> = query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| message_from_row(r).map(|m| (m.id.clone(), m)))
        .collect::<Result<_>>()?;
    // Who is in which of these rooms.
    let mut senders: Vec<&str> = open
        .iter()
        .map(|&i| items[i].member.user_id.as_str())
        .collect();
    senders.sort_unstable();
    senders.dedup();
    // By member only: the (room, member) key would make SQLite probe every
    // pair of the two lists.
    let sql = format!(
        "SELECT room_id, user_id FROM room_members WHERE user_id IN ({})",
        placeholders(padded(senders.len()), 1)
    );
    let mut query = sqlx::query(&sql);
    for k in 0..padded(senders.len()) {
        query = query.bind(senders[k.min(senders.len() - 1)]);
    }
    let members: std::collections::HashSet<(String, String)> = query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("room_id")?, r.try_get("user_id")?)))
        .collect::<Result<_>>()?;
    // The rules, item by item, in order (a repeated id within the batch
    // answers the first one).
    let mut accepted: Vec<usize> = Vec::new();
    let mut first_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for &i in &open {
        let item = &items[i];
        let verdict: Result<bool> = async {
            if let Some(existing) = stored.get(&item.req.id) {
                return if existing.sender_id == item.member.user_id
                    && existing.room_id == item.room_id
                {
                    Ok(false)
                } else {
                    Err(Error::conflict(
                        ErrorCode::Conflict,
                        "this message id is taken",
                    ))
                };
            }
            if let Some(&first) = first_of.get(item.req.id.as_str()) {
                let f = &items[first];
                return if f.member.user_id == item.member.user_id && f.room_id == item.room_id {
                    Ok(false)
                } else {
                    Err(Error::conflict(
                        ErrorCode::Conflict,
                        "this message id is taken",
                    ))
                };
            }
            if !members.contains(&(item.room_id.to_owned(), item.member.user_id.clone())) {
                return Err(not_member());
            }
            item.member.ensure_can_write()?;
            check_media(conn, &item.member.user_id, &item.req.media).await?;
            if let Some(reply_to) = &item.req.reply_to {
                let target = sqlx::query("SELECT 1 FROM messages WHERE id = $1 AND room_id = $2")
                    .bind(reply_to)
                    .bind(item.room_id)
                    .fetch_optional(&mut *conn)
                    .await?;
                if target.is_none() {
                    return Err(Error::invalid("reply_to", "no such message in this room"));
                }
            }
            Ok(true)
        }
        .await;
        match verdict {
            Ok(true) => {
                first_of.insert(&item.req.id, i);
                accepted.push(i);
            }
            // A replay: filled in below, once the batch's own are stored.
            Ok(false) => {}
            Err(e) if e.detail().0.is_client_error() => answers[i] = Some(Err(e)),
            Err(e) => return Err(e),
        }
    }
    let mut created: Vec<Message> = Vec::with_capacity(accepted.len());
    if !accepted.is_empty() {
        // Sequence numbers: each room's counter moves by its count at once.
        let mut counts: Vec<(&str, i64)> = Vec::new();
        for &i in &accepted {
            match counts.iter_mut().find(|(r, _)| *r == items[i].room_id) {
                Some((_, n)) => *n += 1,
                None => counts.push((items[i].room_id, 1)),
            }
        }
        // Padded with repeats of the first room moving by 0 (the first
        // WHEN that matches wins).
        let first_room = counts[0].0;
        let real = counts.len();
        while counts.len() < padded(real) {
            counts.push((first_room, 0));
        }
        let cases: String = (0..counts.len())
            .map(|k| format!(" WHEN ${} THEN CAST(${} AS BIGINT)", 2 * k + 2, 2 * k + 3))
            .collect();
        let ids = (0..counts.len())
            .map(|k| format!("${}", 2 * k + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE rooms SET last_seq = last_seq + CASE id{cases} ELSE 0 END, last_message_at = $1 \
             WHERE id IN ({ids}) RETURNING id, last_seq"
        );
        let mut query = sqlx::query(&sql).bind(now);
        for (room, n) in &counts {
            query = query.bind(*room).bind(*n);
        }
        let heads: std::collections::HashMap<String, i64> = query
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("last_seq")?)))
            .collect::<Result<_>>()?;
        let mut next: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
        for (room, n) in &counts[..real] {
            let head = heads
                .get(*room)
                .ok_or_else(|| Error::Internal("a room vanished while sending".into()))?;
            next.insert(room, head - n + 1);
        }
        for &i in &accepted {
            let item = &items[i];
            let seq = next.get_mut(item.room_id).map_or(0, |s| {
                *s += 1;
                *s - 1
            });
            created.push(Message {
                id: item.req.id.clone(),
                room_id: item.room_id.to_owned(),
                seq,
                sender_id: item.member.user_id.clone(),
                body: std::mem::take(&mut bodies[i]),
                media: item.req.media.clone(),
                reply_to: item.req.reply_to.clone(),
                created_at: now,
                edited_at: None,
                deleted: false,
            });
        }
        insert_messages(conn, &created).await?;
        for m in created.iter().filter(|m| !m.media.is_empty()) {
            for id in &m.media {
                sqlx::query(
                    "INSERT INTO media_refs (media_id, ref_type, ref_id) VALUES ($1, 'message', $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(&m.id)
                .execute(&mut *conn)
                .await?;
            }
        }
        let changes = created
            .iter()
            .map(|m| {
                Ok(Change::upsert(
                    EntityKind::Message,
                    &m.id,
                    encode("message", m)?,
                    vec![room_bucket(&m.room_id)],
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        changelog::append_many(conn, &changes, now).await?;
    }
    for m in &created {
        stored.insert(m.id.clone(), m.clone());
    }
    let mut fresh: std::collections::HashSet<&str> =
        created.iter().map(|m| m.id.as_str()).collect();
    let mut out = Vec::with_capacity(items.len());
    for (i, answer) in answers.into_iter().enumerate() {
        out.push(match answer {
            Some(a) => a,
            None => {
                let id = items[i].req.id.as_str();
                let message = stored
                    .get(id)
                    .cloned()
                    .ok_or_else(|| Error::Internal("a sent message went missing".into()))?;
                // The first of an id in this batch is new; repeats are not.
                Ok((message, fresh.remove(id)))
            }
        });
    }
    Ok(out)
}

async fn insert_messages(conn: &mut AnyConnection, messages: &[Message]) -> Result<()> {
    for chunk in in_row_chunks(messages) {
        let rows = (0..chunk.len())
            .map(|k| {
                let b = k * 8;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO messages (id, room_id, seq, sender_id, body, media, reply_to, created_at) \
             VALUES {rows}"
        );
        let mut query = sqlx::query(&sql);
        for m in chunk {
            let media = serde_json::to_string(&m.media)
                .map_err(|e| Error::Internal(format!("cannot encode media ids: {e}")))?;
            query = query
                .bind(&m.id)
                .bind(&m.room_id)
                .bind(m.seq)
                .bind(&m.sender_id)
                .bind(&m.body)
                .bind(media)
                .bind(&m.reply_to)
                .bind(m.created_at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn own_message(
    conn: &mut AnyConnection,
    member: &Member,
    room_id: &str,
    message_id: &str,
) -> Result<Message> {
    ensure_member(conn, room_id, &member.user_id).await?;
    let message = load_message(conn, message_id)
        .await?
        .filter(|m| m.room_id == room_id)
        .ok_or_else(|| Error::NotFound("no such message in this room".into()))?;
    member.ensure_author(&message.sender_id, message.deleted, "message")?;
    Ok(message)
}

async fn publish_message(conn: &mut AnyConnection, message: &Message, now: i64) -> Result<()> {
    let change = Change::upsert(
        EntityKind::Message,
        &message.id,
        encode("message", message)?,
        vec![room_bucket(&message.room_id)],
    );
    changelog::record(conn, change, now).await
}

/// Edits one's own message.
pub async fn edit(
    conn: &mut AnyConnection,
    member: &Member,
    room_id: &str,
    message_id: &str,
    body: &str,
    now: i64,
) -> Result<Message> {
    let mut message = own_message(conn, member, room_id, message_id).await?;
    let min = usize::from(message.media.is_empty());
    let body = validate::text("body", body, min, MAX_MESSAGE_CHARS)?;
    sqlx::query("UPDATE messages SET body = $2, edited_at = $3 WHERE id = $1")
        .bind(message_id)
        .bind(&body)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    message.body = body;
    message.edited_at = Some(now);
    publish_message(conn, &message, now).await?;
    Ok(message)
}

/// Deletes one's own message, leaving a tombstone (same id and `seq`).
pub async fn delete(
    conn: &mut AnyConnection,
    member: &Member,
    room_id: &str,
    message_id: &str,
    now: i64,
) -> Result<Message> {
    let mut message = own_message(conn, member, room_id, message_id).await?;
    sqlx::query("UPDATE messages SET body = '', media = '[]', deleted_at = $2 WHERE id = $1")
        .bind(message_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM media_refs WHERE ref_type = 'message' AND ref_id = $1")
        .bind(message_id)
        .execute(&mut *conn)
        .await?;
    message.body.clear();
    message.media.clear();
    message.deleted = true;
    publish_message(conn, &message, now).await?;
    Ok(message)
}

/// Moves `member`'s read marker forward to `seq` (never back). Answers
/// whether it moved.
pub async fn mark_read(
    conn: &mut AnyConnection,
    member: &Member,
    room_id: &str,
    seq: i64,
    now: i64,
) -> Result<bool> {
    ensure_member(conn, room_id, &member.user_id).await?;
    let last: i64 = sqlx::query_scalar("SELECT last_seq FROM rooms WHERE id = $1")
        .bind(room_id)
        .fetch_one(&mut *conn)
        .await?;
    if seq < 0 || seq > last {
        return Err(Error::invalid(
            "seq",
            format!("must be between 0 and the room's latest seq ({last})"),
        ));
    }
    let moved = sqlx::query(
        "UPDATE room_members SET last_read_seq = $3 \
         WHERE room_id = $1 AND user_id = $2 AND last_read_seq < $3",
    )
    .bind(room_id)
    .bind(&member.user_id)
    .bind(seq)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0;
    if moved {
        let data = serde_json::json!({ "room_id": room_id, "user_id": member.user_id, "seq": seq });
        let change = Change::upsert(
            EntityKind::Read,
            &member.user_id,
            data,
            vec![room_bucket(room_id)],
        );
        changelog::record(conn, change, now).await?;
    }
    Ok(moved)
}

/// A page of a room's history, newest first, before `before` (a `seq`).
pub async fn history(
    conn: &mut AnyConnection,
    member: &Member,
    room_id: &str,
    before: Option<i64>,
    limit: Option<u32>,
) -> Result<MessagePage> {
    ensure_member(conn, room_id, &member.user_id).await?;
    let limit = limit.unwrap_or(50).clamp(1, MAX_PAGE_SIZE);
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE room_id = $1 AND seq < $2 \
         ORDER BY seq DESC LIMIT $3"
    );
    let items = sqlx::query(&sql)
        .bind(room_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(message_from_row)
        .collect::<Result<Vec<_>>>()?;
    let next_before = items.last().map(|m| m.seq).filter(|&s| s > 1);
    Ok(MessagePage { items, next_before })
}

/// The member's rooms, most recently active first.
pub async fn list_rooms(conn: &mut AnyConnection, member: &Member) -> Result<RoomList> {
    let rows = sqlx::query(
        "SELECT r.id, r.last_seq, rm.last_read_seq, rm.muted FROM room_members rm \
         JOIN rooms r ON r.id = rm.room_id WHERE rm.user_id = $1 \
         ORDER BY r.last_message_at DESC, r.id LIMIT 500",
    )
    .bind(&member.user_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: String = row.try_get("id")?;
        let last_seq: i64 = row.try_get("last_seq")?;
        let read: i64 = row.try_get("last_read_seq")?;
        // Others' messages after the marker (one's own are read).
        let unread: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM messages WHERE room_id = $1 AND seq > $2 \
             AND sender_id <> $3",
        )
        .bind(&id)
        .bind(read)
        .bind(&member.user_id)
        .fetch_one(&mut *conn)
        .await?;
        let Some(room) = load_room(conn, &id).await? else {
            continue;
        };
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE room_id = $1 AND seq = $2");
        let last_message = sqlx::query(&sql)
            .bind(&id)
            .bind(last_seq)
            .fetch_optional(&mut *conn)
            .await?
            .as_ref()
            .map(message_from_row)
            .transpose()?;
        items.push(RoomSummary {
            room,
            last_message,
            unread,
            muted: row.try_get::<i64, _>("muted")? != 0,
        });
    }
    Ok(RoomList { items })
}

/// Whether `reader` may see message `id` (a member of its room), for reports.
pub async fn can_see_message(conn: &mut AnyConnection, reader: &str, id: &str) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 FROM messages m JOIN room_members rm ON rm.room_id = m.room_id \
         WHERE m.id = $1 AND rm.user_id = $2",
    )
    .bind(id)
    .bind(reader)
    .fetch_optional(&mut *conn)
    .await?
    .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_shapes_come_in_few_sizes() {
        assert_eq!(row_chunks(0), Vec::<usize>::new());
        assert_eq!(row_chunks(1), [1]);
        assert_eq!(row_chunks(37), [16, 16, 4, 1]);
        assert_eq!(row_chunks(15), [8, 4, 2, 1]);
        let items: Vec<u32> = (0..37).collect();
        let chunks: Vec<&[u32]> = in_row_chunks(&items).collect();
        assert_eq!(chunks.iter().map(|c| c.len()).sum::<usize>(), 37);
        assert_eq!(chunks.concat(), items);
        assert_eq!(
            (padded(0), padded(1), padded(3), padded(64), padded(65)),
            (1, 1, 4, 64, 128)
        );
    }
}
