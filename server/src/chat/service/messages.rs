//! Messages once sent: loading them, editing and deleting one's own (a
//! tombstone keeps the id and `seq`), and history pages.

use moa_protocol::EntityKind;
use moa_protocol::chat::{Message, MessagePage, room_bucket};
use moa_protocol::limits::{MAX_MESSAGE_CHARS, MAX_PAGE_SIZE};
use sqlx::AnyConnection;

use super::{encode, ensure_member};
use crate::actor::Actor;
use crate::changelog::{self, Change};
use crate::db::exec::SqlRow;
use crate::error::{Error, Result};
use crate::realtime::Event;
use crate::state::Events;
use crate::validate;

pub(super) const MESSAGE_COLUMNS: &str =
    "id, room_id, seq, sender_id, body, media, reply_to, created_at, edited_at, deleted_at";

/// A message from a row of [`MESSAGE_COLUMNS`], in that order (from either
/// kind of connection: the socket writer reads them through rusqlite).
pub(super) fn message_from_row(row: &impl SqlRow) -> Result<Message> {
    Ok(Message {
        id: row.text(0)?,
        room_id: row.text(1)?,
        seq: row.int(2)?,
        sender_id: row.text(3)?,
        body: row.text(4)?,
        media: crate::db::json_column(&row.text(5)?, "message media")?,
        reply_to: row.opt_text(6)?,
        created_at: row.int(7)?,
        edited_at: row.opt_int(8)?,
        deleted: row.opt_int(9)?.is_some(),
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

async fn own_message(
    conn: &mut AnyConnection,
    member: &Actor,
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

/// Records the message as it is now and answers the event telling its room.
async fn publish_message(conn: &mut AnyConnection, message: &Message, now: i64) -> Result<Events> {
    let change = Change::upsert(
        EntityKind::Message,
        &message.id,
        encode("message", message)?,
        vec![room_bucket(&message.room_id)],
    );
    changelog::record(conn, change, now).await?;
    Ok(vec![Event::message(message, None)])
}

/// Edits one's own message.
pub async fn edit(
    conn: &mut AnyConnection,
    member: &Actor,
    room_id: &str,
    message_id: &str,
    body: &str,
    now: i64,
) -> Result<(Message, Events)> {
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
    let events = publish_message(conn, &message, now).await?;
    Ok((message, events))
}

/// Deletes one's own message, leaving a tombstone (same id and `seq`).
pub async fn delete(
    conn: &mut AnyConnection,
    member: &Actor,
    room_id: &str,
    message_id: &str,
    now: i64,
) -> Result<(Message, Events)> {
    own_message(conn, member, room_id, message_id).await?;
    erase(conn, room_id, message_id, now).await
}

/// Leaves a tombstone of a message (its text and media gone, same id and
/// `seq`), whoever sent it and whether or not they are still in the room:
/// the sender's delete, and a deleted account's erase schedule.
pub async fn erase(
    conn: &mut AnyConnection,
    room_id: &str,
    message_id: &str,
    now: i64,
) -> Result<(Message, Events)> {
    let mut message = load_message(conn, message_id)
        .await?
        .filter(|m| m.room_id == room_id)
        .ok_or_else(|| Error::NotFound("no such message in this room".into()))?;
    sqlx::query(
        "UPDATE messages SET body = '', media = '[]', deleted_at = COALESCE(deleted_at, $2) \
         WHERE id = $1",
    )
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
    let events = publish_message(conn, &message, now).await?;
    Ok((message, events))
}

/// A page of a room's history, newest first, before `before` (a `seq`).
pub async fn history(
    conn: &mut AnyConnection,
    member: &Actor,
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

/// The latest `n` messages of a room, oldest first, whoever asks (what
/// moderators see beside a reported request).
pub async fn latest_messages(
    conn: &mut AnyConnection,
    room_id: &str,
    n: i64,
) -> Result<Vec<Message>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE room_id = $1 ORDER BY seq DESC LIMIT $2"
    );
    let mut items = sqlx::query(&sql)
        .bind(room_id)
        .bind(n)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(message_from_row)
        .collect::<Result<Vec<_>>>()?;
    items.reverse();
    Ok(items)
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
