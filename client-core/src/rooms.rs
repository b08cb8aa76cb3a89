//! Chat. On [`Client`]: the room list, new rooms and the realtime state.
//! On [`RoomHandle`] (`client.room(id)`): one room's messages (cached
//! history at once, older pages on demand), sending (optimistic, through the
//! outbox, with photos and videos from `client.media().add_photo` or
//! `add_video`), edits, deletes, read markers, typing, and the room itself
//! and its members.
//!
//! Every write is an outbox mutation (`chat.*`) shown at once through the
//! chat overlay (`crate::chat`) and pushed by the sync loop like any other;
//! refusals come back as [`Event::Rejected`] and a refused send stays in the
//! room marked [`MessageState::Failed`] until it is retried or discarded.
//! What other members do arrives live over the realtime connection
//! (`crate::realtime`) and through the room buckets.
//!
//! [`Event::Rejected`]: crate::Event::Rejected
//! [`MessageState::Failed`]: crate::MessageState::Failed

use moa_protocol::chat::args;
use moa_protocol::limits::{
    MAX_MESSAGE_CHARS, MAX_MESSAGE_MEDIA, MAX_ROOM_MEMBERS, MAX_ROOM_NAME_CHARS,
};
use moa_protocol::{
    Author, CreateRoomRequest, EntityKind, MessagePage, Op, Profile, RoomKind, SendMessageRequest,
    UpdateRoomRequest,
};
use rusqlite::Connection;

use crate::chat::{self, ReadPlan};
use crate::client::{Client, new_id};
use crate::error::{Error, Result};
use crate::model::{ChatMessage, ChatRoom, OutboxState, RealtimeState, RoomChanges, Topic};
use crate::outbox::{self as rules, ChangePlan, DeletePlan};
use crate::store::{chat as chat_store, entities, outbox};
use crate::view::{self, now_ms};

/// Most messages one history request asks for (the server's limit).
pub const HISTORY_PAGE_MAX: u32 = 100;

/// A member as far as the cache knows them: a cached profile, or a member
/// of a cached room, or just the id.
fn author(conn: &Connection, id: &str) -> Author {
    if let Ok(Some(profile)) = entities::get(conn, &EntityKind::User, id)
        && let Ok(p) = serde_json::from_value::<Profile>(profile)
    {
        return Author {
            id: p.id,
            handle: p.handle,
            display_name: p.display_name,
            avatar_media_id: p.avatar_media_id,
            deleted: p.deleted,
        };
    }
    chat::unknown_author(id)
}

/// The rooms as shown (confirmed plus pending), most recently active first.
fn rooms_view(conn: &Connection) -> Result<Vec<ChatRoom>> {
    let (ops, _) = view::pending(conn)?;
    let me = view::me(conn, &ops)?.ok_or_else(|| Error::Auth("not signed in".into()))?;
    let (pending, known_rooms, known_messages) = chat_store::pending(conn)?;
    let bases = chat_store::room_bases(conn)?;
    Ok(chat::rooms(
        bases,
        &pending,
        &known_rooms,
        &known_messages,
        &view::author_of(&me),
        &|id| author(conn, id),
    ))
}

/// A room's messages as shown, oldest first.
fn messages_view(
    conn: &Connection,
    room_id: &str,
    before: Option<i64>,
    limit: u32,
    me: &str,
) -> Result<Vec<ChatMessage>> {
    let confirmed = chat_store::newest(conn, room_id, before, limit)?;
    let (pending, _, known) = chat_store::pending(conn)?;
    Ok(chat::messages(
        room_id,
        confirmed,
        &pending,
        &known,
        me,
        before.is_none(),
    ))
}

/// Whether a room is known here (cached, or created here and pending).
fn room_known(conn: &Connection, room_id: &str) -> Result<bool> {
    if chat_store::room(conn, room_id)?.is_some() {
        return Ok(true);
    }
    Ok(chat_store::pending(conn)?
        .0
        .iter()
        .any(|p| matches!(&p.op, Op::ChatCreateRoom(r) if r.id == room_id)))
}

/// A message's sender, whether it is deleted and whether it has media: the
/// cached copy, or the member's own send on its way to the server (an edit
/// or delete queued after it goes out after it).
fn own_message(conn: &Connection, message_id: &str) -> Result<(String, bool, bool)> {
    if let Some(m) = chat_store::message(conn, message_id)? {
        return Ok((m.sender_id, m.deleted, !m.media.is_empty()));
    }
    let me = crate::store::session::load(conn)?
        .map(|s| s.me.id)
        .ok_or_else(|| Error::Auth("not signed in".into()))?;
    for row in outbox::chat(conn)? {
        if let Op::ChatSend(a) = &row.op
            && a.message.id == message_id
            && row.state != OutboxState::Failed
        {
            return Ok((me, false, !a.message.media.is_empty()));
        }
    }
    Err(Error::NotFound(format!("message {message_id}")))
}

/// The outbox rows about message `message_id` (its send and edits, oldest
/// first), and the send's row id.
fn message_items<'a>(
    rows: &'a [outbox::Row],
    message_id: &str,
) -> (Vec<&'a outbox::Row>, Option<&'a str>) {
    let mut items = Vec::new();
    let mut created = None;
    for row in rows {
        match &row.op {
            Op::ChatSend(a) if a.message.id == message_id => {
                created = Some(row.id.as_str());
                items.push(row);
            }
            Op::ChatEdit(a) if a.message_id == message_id => items.push(row),
            _ => {}
        }
    }
    (items, created)
}

fn check_body(body: &str, media: bool) -> Result<()> {
    if body.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Error::invalid(
            "body",
            &format!("at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    if body.trim().is_empty() && !media {
        return Err(Error::invalid("body", "must not be empty"));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<()> {
    let n = name.trim().chars().count();
    if n == 0 || n > MAX_ROOM_NAME_CHARS {
        return Err(Error::invalid(
            "name",
            &format!("1 to {MAX_ROOM_NAME_CHARS} characters"),
        ));
    }
    Ok(())
}

impl Client {
    /// The state of the realtime connection.
    pub fn realtime_state(&self) -> RealtimeState {
        self.account()
            .map(|a| a.realtime.state())
            .unwrap_or(RealtimeState::Off)
    }

    /// The rooms the member is in, most recently active first, with their
    /// last message, unread count and mute (from the cache, with pending
    /// changes; rooms created here show at once).
    pub async fn rooms(&self) -> Result<Vec<ChatRoom>> {
        let account = self.account()?;
        account.store.read(rooms_view).await
    }

    /// One room, by id (also the id a direct room had before the server
    /// answered with the pair's existing room): a handle on its messages,
    /// sends, reads, typing and members. Cheap; it checks nothing (a room
    /// not known here answers [`Error::NotFound`] from its methods).
    pub fn room(&self, room_id: &str) -> RoomHandle {
        RoomHandle {
            client: self.clone(),
            id: room_id.to_owned(),
        }
    }

    /// The direct room with `user_id`: the one known here, or a new one
    /// (usable at once, offline too). If the server already has a room for
    /// the pair, the new id moves to it ([`crate::Event::RoomMoved`]).
    pub async fn create_direct_room(&self, user_id: &str) -> Result<String> {
        let account = self.account()?;
        if user_id == account.user_id {
            return Err(Error::invalid(
                "user_id",
                "a direct room needs someone else",
            ));
        }
        let other = user_id.to_owned();
        let existing = account
            .store
            .read(move |c| {
                Ok(rooms_view(c)?
                    .into_iter()
                    .find(|r| {
                        r.room.kind == RoomKind::Direct
                            && r.room.members.iter().any(|m| m.user.id == other)
                    })
                    .map(|r| r.room.id))
            })
            .await?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let id = new_id();
        let req = CreateRoomRequest {
            id: id.clone(),
            kind: RoomKind::Direct,
            name: None,
            photo_media_id: None,
            members: vec![user_id.to_owned()],
        };
        self.enqueue(Op::ChatCreateRoom(req), vec![Topic::Rooms])
            .await?;
        Ok(id)
    }

    /// A new group room with the member as owner; answers its id (usable at
    /// once, offline too).
    pub async fn create_group_room(&self, name: &str, members: Vec<String>) -> Result<String> {
        check_name(name)?;
        let account = self.account()?;
        let mut others: Vec<String> = Vec::new();
        for m in members {
            if m != account.user_id && !others.contains(&m) {
                others.push(m);
            }
        }
        if others.len() + 1 > MAX_ROOM_MEMBERS {
            return Err(Error::invalid(
                "members",
                &format!("at most {MAX_ROOM_MEMBERS} members"),
            ));
        }
        let id = new_id();
        let req = CreateRoomRequest {
            id: id.clone(),
            kind: RoomKind::Group,
            name: Some(name.trim().to_owned()),
            photo_media_id: None,
            members: others,
        };
        self.enqueue(Op::ChatCreateRoom(req), vec![Topic::Rooms])
            .await?;
        Ok(id)
    }
}

/// One chat room, from [`Client::room`]: its messages (cached history at
/// once, older pages on demand), sends, edits, deletes, read marker, typing,
/// and the room itself and its members. Cheap to clone (a [`Client`] clone
/// and the room id); it lives as long as the caller keeps it and follows
/// the client's signed-in account.
#[derive(Clone)]
pub struct RoomHandle {
    client: Client,
    id: String,
}

impl std::fmt::Debug for RoomHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomHandle").field("id", &self.id).finish()
    }
}

impl RoomHandle {
    /// The room id the handle was made with.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The room as shown (with pending changes; also by the id a direct
    /// room had before the server answered with the pair's existing room).
    pub async fn info(&self) -> Result<ChatRoom> {
        let account = self.client.account()?;
        let id = self.id.clone();
        account
            .store
            .read(move |c| {
                let id = chat_store::resolve(c, &id)?;
                rooms_view(c)?
                    .into_iter()
                    .find(|r| r.room.id == id)
                    .ok_or_else(|| Error::NotFound(format!("room {id}")))
            })
            .await
    }

    /// A room's messages from the cache, oldest first: the newest `limit`
    /// before `before_seq` (`None`: the newest, followed by the member's
    /// pending sends). Answers at once, offline too; [`Self::load_older`]
    /// fetches history the cache lacks.
    pub async fn messages(&self, before_seq: Option<i64>, limit: u32) -> Result<Vec<ChatMessage>> {
        let account = self.client.account()?;
        let id = self.id.clone();
        let me = account.user_id.clone();
        account
            .store
            .read(move |c| {
                let id = chat_store::resolve(c, &id)?;
                messages_view(c, &id, before_seq, limit, &me)
            })
            .await
    }

    /// The `limit` messages before `before_seq`, oldest first: from the
    /// cache when it holds them all, else fetched from the server (and
    /// cached). Empty at the beginning of the room.
    pub async fn load_older(&self, before_seq: i64, limit: u32) -> Result<Vec<ChatMessage>> {
        let account = self.client.account()?;
        let limit = limit.clamp(1, HISTORY_PAGE_MAX);
        if before_seq <= 1 {
            return Ok(Vec::new());
        }
        let id = self.id.clone();
        let (room, cached) = account
            .store
            .read(move |c| {
                let room = chat_store::resolve(c, &id)?;
                let from = (before_seq - i64::from(limit)).max(1);
                let cached = chat_store::cached_between(c, &room, from, before_seq - 1)?;
                Ok((room, cached == before_seq - from))
            })
            .await?;
        if !cached {
            let path = format!("/rooms/{room}/messages?before={before_seq}&limit={limit}");
            let page: MessagePage = account.get(&path).await?;
            account
                .store
                .write(move |tx| {
                    for m in &page.items {
                        // History, not news: stored without events.
                        chat_store::put_message(tx, m, 0, false)?;
                    }
                    Ok(())
                })
                .await?;
        }
        let me = account.user_id.clone();
        account
            .store
            .read(move |c| messages_view(c, &room, Some(before_seq), limit, &me))
            .await
    }

    /// Sends a message (text, and/or media ids from
    /// [`MediaHandle::add_photo`] or [`MediaHandle::add_video`], optionally
    /// replying to a message). It shows at once as pending and goes out
    /// through the outbox (after its media are uploaded); answers its id.
    ///
    /// [`MediaHandle::add_photo`]: crate::media::MediaHandle::add_photo
    /// [`MediaHandle::add_video`]: crate::media::MediaHandle::add_video
    pub async fn send(
        &self,
        body: &str,
        media: Vec<String>,
        reply_to: Option<&str>,
    ) -> Result<String> {
        check_body(body, !media.is_empty())?;
        if media.len() > MAX_MESSAGE_MEDIA {
            return Err(Error::invalid(
                "media",
                &format!("at most {MAX_MESSAGE_MEDIA} photos or videos"),
            ));
        }
        if media.iter().any(|m| !moa_protocol::is_media_id(m)) {
            return Err(Error::invalid("media", "not a media id"));
        }
        let account = self.client.account()?;
        let id = new_id();
        let (mid, message_id) = (new_id(), id.clone());
        let (room, body, reply_to) = (
            self.id.clone(),
            body.to_owned(),
            reply_to.map(str::to_owned),
        );
        account
            .store
            .write(move |tx| {
                let room_id = chat_store::resolve(tx, &room)?;
                if !room_known(tx, &room_id)? {
                    return Err(Error::NotFound(format!("room {room_id}")));
                }
                let args = args::Send {
                    room_id,
                    message: SendMessageRequest {
                        id: message_id,
                        body,
                        media,
                        reply_to,
                    },
                };
                outbox::append(tx, &mid, &Op::ChatSend(args), now_ms())
            })
            .await?;
        self.client
            .after_write(&account, vec![Topic::Messages, Topic::Rooms])
            .await;
        Ok(id)
    }

    /// Edits one's own message. A message whose send (or last edit) never
    /// left the device is changed in place; otherwise the edit goes out as a
    /// mutation of its own, after it (see `crate::outbox`).
    pub async fn edit(&self, message_id: &str, body: &str) -> Result<()> {
        let account = self.client.account()?;
        let me = account.user_id.clone();
        let (room, message_id, body) = (self.id.clone(), message_id.to_owned(), body.to_owned());
        let mutation = new_id();
        account
            .store
            .write(move |tx| {
                let room_id = chat_store::resolve(tx, &room)?;
                let rows = outbox::chat(tx)?;
                let (items, _) = message_items(&rows, &message_id);
                let pending: Vec<_> = items.iter().map(|r| r.pending()).collect();
                if let ChangePlan::Fold(row_id) = rules::plan_change(&pending)
                    && let Some(row) = items.iter().find(|r| r.id == row_id)
                {
                    let op = match row.op.clone() {
                        Op::ChatSend(mut a) => {
                            check_body(&body, !a.message.media.is_empty())?;
                            a.message.body = body;
                            Op::ChatSend(a)
                        }
                        Op::ChatEdit(mut a) => {
                            check_body(&body, true)?;
                            a.body = body;
                            Op::ChatEdit(a)
                        }
                        _ => return Err(Error::Storage("an outbox item changed its kind".into())),
                    };
                    outbox::set_op(tx, row_id, &op)?;
                    return Ok(());
                }
                let (sender, deleted, media) = own_message(tx, &message_id)?;
                if sender != me {
                    return Err(Error::invalid("message_id", "only your own messages"));
                }
                if deleted {
                    return Err(Error::invalid("message_id", "the message is deleted"));
                }
                check_body(&body, media)?;
                // A chat edit carries no base version: it goes out in order,
                // after the send or edit before it, without waiting.
                let args = args::Edit {
                    room_id,
                    message_id,
                    body,
                };
                outbox::append(tx, &mutation, &Op::ChatEdit(args), now_ms())
            })
            .await?;
        self.client
            .after_write(&account, vec![Topic::Messages, Topic::Rooms])
            .await;
        Ok(())
    }

    /// Deletes one's own message (it stays as "deleted" in its place). A
    /// message whose send never left the device is simply dropped; one
    /// whose send may have reached the server is deleted there.
    pub async fn delete(&self, message_id: &str) -> Result<()> {
        let account = self.client.account()?;
        let me = account.user_id.clone();
        let (room, message_id) = (self.id.clone(), message_id.to_owned());
        let mutation = new_id();
        account
            .store
            .write(move |tx| {
                let room_id = chat_store::resolve(tx, &room)?;
                let rows = outbox::chat(tx)?;
                let (items, created) = message_items(&rows, &message_id);
                let pending: Vec<_> = items.iter().map(|r| r.pending()).collect();
                let (drop, send) = match rules::plan_delete(&pending, created) {
                    DeletePlan::DropAll(ids) => (ids, false),
                    DeletePlan::Send { drop } => (drop, true),
                };
                if send {
                    let (sender, _, _) = own_message(tx, &message_id)?;
                    if sender != me {
                        return Err(Error::invalid("message_id", "only your own messages"));
                    }
                }
                for id in drop {
                    outbox::discard(tx, id)?;
                }
                if !send {
                    return Ok(());
                }
                let args = args::Delete {
                    room_id,
                    message_id,
                };
                outbox::append(tx, &mutation, &Op::ChatDelete(args), now_ms())
            })
            .await?;
        self.client
            .after_write(&account, vec![Topic::Messages, Topic::Rooms])
            .await;
        Ok(())
    }

    /// Marks a room read up to `seq` (usually the last message shown).
    /// Markers only move forward; repeated reads before the push coalesce
    /// into one.
    pub async fn mark_read(&self, seq: i64) -> Result<()> {
        let account = self.client.account()?;
        let me = account.user_id.clone();
        let room = self.id.clone();
        let mutation = new_id();
        let queued = account
            .store
            .write(move |tx| {
                let room_id = chat_store::resolve(tx, &room)?;
                let Some(stored) = chat_store::room(tx, &room_id)? else {
                    // A room created here and not confirmed has nothing to read.
                    return if room_known(tx, &room_id)? {
                        Ok(false)
                    } else {
                        Err(Error::NotFound(format!("room {room_id}")))
                    };
                };
                // Never past the newest message known (the server refuses).
                let head = chat_store::head(tx, &room_id)?.unwrap_or(0);
                let seq = seq.min(head.max(stored.last_seq));
                let mut read = chat_store::read_marker(tx, &room_id, &me)?;
                let mut waiting = None;
                for row in outbox::chat(tx)? {
                    if let Op::ChatRead(a) = &row.op
                        && a.room_id == room_id
                        && row.state != OutboxState::Failed
                    {
                        read = read.max(a.seq);
                        // Only a marker that never left the device moves in
                        // place (a resend of a sent one answers its old seq).
                        waiting = (row.state == OutboxState::Queued && !row.sent).then_some(row.id);
                    }
                }
                let args = args::Read { room_id, seq };
                match chat::plan_read(read, waiting, seq) {
                    ReadPlan::Skip => Ok(false),
                    ReadPlan::Update(id) => {
                        outbox::set_op(tx, &id, &Op::ChatRead(args))?;
                        Ok(true)
                    }
                    ReadPlan::Append => {
                        outbox::append(tx, &mutation, &Op::ChatRead(args), now_ms())?;
                        Ok(true)
                    }
                }
            })
            .await?;
        if queued {
            self.client.after_write(&account, vec![Topic::Rooms]).await;
        }
        Ok(())
    }

    /// Tells the room's other members the member is typing; call it as they
    /// type (it is throttled to one notice every two seconds per room, and
    /// dropped when not connected). Answers whether a notice went out.
    pub async fn typing(&self) -> Result<bool> {
        let account = self.client.account()?;
        let id = self.id.clone();
        let room = account
            .store
            .read(move |c| chat_store::resolve(c, &id))
            .await?;
        Ok(account.realtime.typing(&room))
    }

    /// The members typing in a room now (from live notices).
    pub fn typing_members(&self) -> Vec<String> {
        self.client
            .account()
            .map(|a| a.realtime.typing_in(&self.id))
            .unwrap_or_default()
    }

    /// Renames a group room or changes its photo (the owner only).
    pub async fn update(&self, changes: RoomChanges) -> Result<()> {
        if let Some(name) = &changes.name {
            check_name(name)?;
        }
        let room_id = self.resolve().await?;
        let args = args::UpdateRoom {
            room_id,
            update: UpdateRoomRequest {
                name: changes.name.map(|n| n.trim().to_owned()),
                photo_media_id: changes.photo_media_id,
            },
        };
        self.client
            .enqueue(Op::ChatUpdateRoom(args), vec![Topic::Rooms])
            .await
            .map(|_| ())
    }

    /// Adds a member to a group room.
    pub async fn invite(&self, user_id: &str) -> Result<()> {
        self.member_op(Op::ChatInvite, user_id).await
    }

    /// Removes a member from a group room (the owner only).
    pub async fn remove_member(&self, user_id: &str) -> Result<()> {
        self.member_op(Op::ChatRemove, user_id).await
    }

    /// Leaves a room: it disappears from the list at once, with its
    /// messages. An owner who leaves hands the room to the longest-standing
    /// member.
    pub async fn leave(&self) -> Result<()> {
        let me = self.client.account()?.user_id.clone();
        self.member_op(Op::ChatRemove, &me).await
    }

    /// Hands a group room to another member (the owner only).
    pub async fn transfer_owner(&self, user_id: &str) -> Result<()> {
        self.member_op(Op::ChatTransfer, user_id).await
    }

    /// Mutes or unmutes a room for the member (no notifications; unread
    /// still counts).
    pub async fn set_muted(&self, muted: bool) -> Result<()> {
        let room_id = self.resolve().await?;
        let args = args::Mute { room_id, muted };
        self.client
            .enqueue(Op::ChatMute(args), vec![Topic::Rooms])
            .await
            .map(|_| ())
    }

    async fn member_op(&self, op: fn(args::Member) -> Op, user_id: &str) -> Result<()> {
        let room_id = self.resolve().await?;
        let args = args::Member {
            room_id,
            user_id: user_id.to_owned(),
        };
        self.client
            .enqueue(op(args), vec![Topic::Rooms, Topic::Messages])
            .await
            .map(|_| ())
    }

    /// The room an id names now; not found if it is not known here.
    async fn resolve(&self) -> Result<String> {
        let account = self.client.account()?;
        let id = self.id.clone();
        account
            .store
            .read(move |c| {
                let id = chat_store::resolve(c, &id)?;
                if room_known(c, &id)? {
                    Ok(id)
                } else {
                    Err(Error::NotFound(format!("room {id}")))
                }
            })
            .await
    }
}
