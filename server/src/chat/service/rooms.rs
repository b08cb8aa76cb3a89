//! Rooms and their members: creating (a direct room once per pair), the
//! settings of a group room, inviting, leaving and removing, handing the
//! room over, muting, and the member's list of rooms. Each membership
//! change records the room in its bucket and in every member's own, with a
//! tombstone for whoever left.

use moa_protocol::EntityKind;
use moa_protocol::ErrorCode;
use moa_protocol::chat::{
    CreateRoomRequest, Room, RoomCreated, RoomKind, RoomList, RoomMember, RoomSummary,
    UpdateRoomRequest, room_bucket,
};
use moa_protocol::limits::{MAX_ROOM_MEMBERS, MAX_ROOM_NAME_CHARS};
use sqlx::AnyConnection;

use super::messages::{MESSAGE_COLUMNS, message_from_row};
use super::{encode, ensure_member, is_member, not_member};
use crate::actor::Actor;
use crate::changelog::{self, Change, user_bucket};
use crate::error::{Error, Result};
use crate::realtime::Event;
use crate::users::service as users;
use crate::util::is_uuid;
use crate::validate;

/// The rooms `user_id` is in, with their latest `seq`.
pub async fn heads(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT r.id, r.last_seq FROM room_members rm JOIN rooms r ON r.id = rm.room_id \
         WHERE rm.user_id = $1",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// A `rooms` row.
#[derive(sqlx::FromRow)]
struct RoomColumns {
    id: String,
    kind: String,
    name: Option<String>,
    photo_media_id: Option<String>,
    owner_id: Option<String>,
    last_seq: i64,
    created_at: i64,
    updated_at: i64,
}

/// A member of a room with their author columns.
#[derive(sqlx::FromRow)]
struct MemberColumns {
    user_id: String,
    joined_at: i64,
    last_read_seq: i64,
    #[sqlx(flatten)]
    author: users::AuthorColumns,
}

/// A room with its members, whoever asks.
pub async fn load_room(conn: &mut AnyConnection, room_id: &str) -> Result<Option<Room>> {
    let Some(row) = sqlx::query_as::<_, RoomColumns>(
        "SELECT id, kind, name, photo_media_id, owner_id, last_seq, created_at, updated_at \
         FROM rooms WHERE id = $1",
    )
    .bind(room_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let members = sqlx::query_as::<_, MemberColumns>(
        "SELECT rm.user_id, rm.joined_at, rm.last_read_seq, u.handle AS a_handle, \
         u.display_name AS a_name, u.avatar_media_id AS a_avatar, u.deleted_at AS a_deleted \
         FROM room_members rm JOIN users u ON u.id = rm.user_id WHERE rm.room_id = $1 \
         ORDER BY rm.joined_at, rm.user_id",
    )
    .bind(room_id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|m| RoomMember {
        user: m.author.into_author(m.user_id),
        joined_at: m.joined_at,
        last_read_seq: m.last_read_seq,
    })
    .collect();
    let RoomColumns {
        id,
        kind,
        name,
        photo_media_id,
        owner_id,
        last_seq,
        created_at,
        updated_at,
    } = row;
    let kind =
        RoomKind::parse(&kind).ok_or_else(|| Error::Internal(format!("room kind {kind}")))?;
    Ok(Some(Room {
        id,
        kind,
        name,
        photo_media_id,
        owner_id,
        members,
        last_seq,
        created_at,
        updated_at,
    }))
}

/// A room `member` is in (403 otherwise, also for rooms that do not exist).
pub async fn get_room(conn: &mut AnyConnection, member: &Actor, room_id: &str) -> Result<Room> {
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

async fn room_photo(conn: &mut AnyConnection, member: &Actor, id: Option<&str>) -> Result<()> {
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
    member: &Actor,
    req: &CreateRoomRequest,
    now: i64,
) -> Result<(RoomCreated, Vec<Event>)> {
    member.ensure_can_write()?;
    validate::uuid("id", &req.id)?;
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
                    events.push(Event::membership(&id, &member.user_id, true));
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
        events.push(Event::membership(&req.id, user, true));
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

/// A group room `member` is in and may change (they may write).
async fn group_room(conn: &mut AnyConnection, member: &Actor, room_id: &str) -> Result<Room> {
    member.ensure_can_write()?;
    let room = get_room(conn, member, room_id).await?;
    if room.kind != RoomKind::Group {
        return Err(Error::invalid(
            "room",
            "a direct room has exactly two members",
        ));
    }
    Ok(room)
}

fn ensure_owner(room: &Room, member: &Actor) -> Result<()> {
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

/// A setting of a room, as [`set_room`] changes it.
#[derive(Clone, Copy)]
enum Setting {
    Name,
    Photo,
    Owner,
}

/// Changes one of a room's settings (the caller records and tells).
async fn set_room(
    conn: &mut AnyConnection,
    room_id: &str,
    setting: Setting,
    value: Option<&str>,
) -> Result<()> {
    let sql = match setting {
        Setting::Name => "UPDATE rooms SET name = $2 WHERE id = $1",
        Setting::Photo => "UPDATE rooms SET photo_media_id = $2 WHERE id = $1",
        Setting::Owner => "UPDATE rooms SET owner_id = $2 WHERE id = $1",
    };
    sqlx::query(sql)
        .bind(room_id)
        .bind(value)
        .execute(&mut *conn)
        .await?;
    Ok(())
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
    member: &Actor,
    room_id: &str,
    req: &UpdateRoomRequest,
    now: i64,
) -> Result<(Room, Vec<Event>)> {
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
        set_room(conn, room_id, Setting::Name, Some(name)).await?;
    }
    if let Some(photo) = &req.photo_media_id {
        set_room(conn, room_id, Setting::Photo, photo.as_deref()).await?;
    }
    settings_changed(conn, room_id, now).await
}

/// Adds `user_id` to a group room (any member may invite).
pub async fn invite(
    conn: &mut AnyConnection,
    member: &Actor,
    room_id: &str,
    user_id: &str,
    now: i64,
) -> Result<(Room, Vec<Event>)> {
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
        Event::membership(room_id, user_id, true),
        Event::room_changed(room_id),
    ];
    Ok((room, events))
}

/// Removes `user_id` from a room: leaving (oneself, any room) or removing
/// someone else (the owner of a group room).
pub async fn remove(
    conn: &mut AnyConnection,
    member: &Actor,
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
        let heir = heir.map(|m| m.user.id.as_str());
        set_room(conn, room_id, Setting::Owner, heir).await?;
    }
    touch(conn, room_id, now).await?;
    publish_room(conn, room_id, &[user_id], now).await?;
    Ok(vec![
        Event::membership(room_id, user_id, false),
        Event::room_changed(room_id),
    ])
}

/// Hands a group room to another member (owner).
pub async fn transfer(
    conn: &mut AnyConnection,
    member: &Actor,
    room_id: &str,
    user_id: &str,
    now: i64,
) -> Result<(Room, Vec<Event>)> {
    let room = group_room(conn, member, room_id).await?;
    ensure_owner(&room, member)?;
    if !room.members.iter().any(|m| m.user.id == user_id) {
        return Err(Error::invalid("user_id", "not a member of this room"));
    }
    set_room(conn, room_id, Setting::Owner, Some(user_id)).await?;
    settings_changed(conn, room_id, now).await
}

/// Mutes or unmutes a room for `member` (recorded in their own bucket as
/// entity `mute`).
pub async fn set_muted(
    conn: &mut AnyConnection,
    member: &Actor,
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

/// The member's rooms, most recently active first.
pub async fn list_rooms(conn: &mut AnyConnection, member: &Actor) -> Result<RoomList> {
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT r.id, r.last_seq, rm.last_read_seq, rm.muted FROM room_members rm \
         JOIN rooms r ON r.id = rm.room_id WHERE rm.user_id = $1 \
         ORDER BY r.last_message_at DESC, r.id LIMIT 500",
    )
    .bind(&member.user_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for (id, last_seq, read, muted) in rows {
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
            muted: muted != 0,
        });
    }
    Ok(RoomList { items })
}
