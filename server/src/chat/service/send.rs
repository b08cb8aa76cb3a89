//! Sending messages: one over REST or push, or the socket writer's whole
//! batch, checked item by item before anything is written and stored with
//! a handful of statements whatever their number.

use moa_protocol::EntityKind;
use moa_protocol::ErrorCode;
use moa_protocol::chat::{Message, SendMessageRequest, room_bucket};
use moa_protocol::limits::{MAX_MESSAGE_CHARS, MAX_MESSAGE_MEDIA};
use sqlx::AnyConnection;

use crate::db::exec::{Arg, Exec, SqlRow};

use super::messages::{MESSAGE_COLUMNS, message_from_row};
use super::{encode, not_member, room_id_ok};
use crate::actor::Actor;
use crate::changelog::{self, Change};
use crate::db::batch::{in_row_chunks, padded, placeholders};
use crate::error::{Error, Result};
use crate::realtime::Event;
use crate::state::Events;
use crate::validate;

/// Checks a message's media (ids already well-formed): each must be the
/// sender's own upload (photo or video).
async fn check_media(conn: &mut impl Exec, sender: &str, media: &[String]) -> Result<()> {
    for (i, id) in media.iter().enumerate() {
        let owned = conn
            .fetch(
                "SELECT 1 FROM media_owners WHERE media_id = $1 AND user_id = $2",
                &[id.into(), sender.into()],
            )
            .await?;
        if owned.is_empty() {
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
    pub member: &'a Actor,
    pub room_id: &'a str,
    pub req: &'a SendMessageRequest,
}

/// Sends a message. Sending an id again (same sender, same room) answers
/// the stored message and `false`, changing nothing.
pub async fn send(
    conn: &mut AnyConnection,
    member: &Actor,
    room_id: &str,
    req: &SendMessageRequest,
    now: i64,
) -> Result<((Message, bool), Events)> {
    let item = Outgoing {
        member,
        room_id,
        req,
    };
    let (message, created) = send_many(conn, &[item], now)
        .await?
        .pop()
        .unwrap_or_else(|| Err(Error::Internal("no answer for a message".into())))?;
    let events = sent_events(&message, created, None);
    Ok(((message, created), events))
}

/// What a sent message tells the room's sockets: a new message goes to
/// every connection but `except` (the sender's own, answered by an ack); a
/// replay tells nobody.
pub fn sent_events(message: &Message, created: bool, except: Option<String>) -> Events {
    if created {
        vec![Event::message(message, except)]
    } else {
        Vec::new()
    }
}

/// Checks what needs no database: ids, body, media count.
fn precheck(item: &Outgoing<'_>) -> Result<String> {
    validate::uuid("id", &item.req.id)?;
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
    conn: &mut impl Exec,
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
    let args: Vec<Arg<'_>> = (0..padded(open.len()))
        .map(|k| items[open[k.min(open.len() - 1)]].req.id.as_str().into())
        .collect();
    let mut stored: std::collections::HashMap<String, Message> = conn
        .fetch(&sql, &args)
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
    let args: Vec<Arg<'_>> = (0..padded(senders.len()))
        .map(|k| senders[k.min(senders.len() - 1)].into())
        .collect();
    let members: std::collections::HashSet<(String, String)> = conn
        .fetch(&sql, &args)
        .await?
        .iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?)))
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
                let target = conn
                    .fetch(
                        "SELECT 1 FROM messages WHERE id = $1 AND room_id = $2",
                        &[reply_to.into(), item.room_id.into()],
                    )
                    .await?;
                if target.is_empty() {
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
            Err(e) if e.refusal().is_some() => answers[i] = Some(Err(e)),
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
        let mut args: Vec<Arg<'_>> = vec![now.into()];
        for (room, n) in &counts {
            args.extend([(*room).into(), (*n).into()]);
        }
        let heads: std::collections::HashMap<String, i64> = conn
            .fetch(&sql, &args)
            .await?
            .iter()
            .map(|r| Ok((r.text(0)?, r.int(1)?)))
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
                conn.execute(
                    "INSERT INTO media_refs (media_id, ref_type, ref_id) VALUES ($1, 'message', $2) \
                     ON CONFLICT DO NOTHING",
                    &[id.into(), (&m.id).into()],
                )
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

async fn insert_messages(conn: &mut impl Exec, messages: &[Message]) -> Result<()> {
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
        let mut args: Vec<Arg<'_>> = Vec::with_capacity(8 * chunk.len());
        for m in chunk {
            let media = serde_json::to_string(&m.media)
                .map_err(|e| Error::Internal(format!("cannot encode media ids: {e}")))?;
            args.extend([
                (&m.id).into(),
                (&m.room_id).into(),
                m.seq.into(),
                (&m.sender_id).into(),
                (&m.body).into(),
                media.into(),
                m.reply_to.as_deref().into(),
                m.created_at.into(),
            ]);
        }
        conn.execute(&sql, &args).await?;
    }
    // Pushes to the phones of members not connected (one query when
    // nobody has registered a phone).
    let any_phone = conn.fetch("SELECT 1 FROM devices LIMIT 1", &[]).await?;
    if !any_phone.is_empty() {
        let mut seen = std::collections::HashSet::new();
        for m in messages {
            if seen.insert((m.room_id.as_str(), m.sender_id.as_str())) {
                crate::push::enqueue_chat(conn, &m.room_id, &m.sender_id, m.created_at).await?;
            }
        }
    }
    Ok(())
}
