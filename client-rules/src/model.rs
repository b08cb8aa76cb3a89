//! The client's own state types the rules work on: outbox states, chat
//! messages and rooms as shown, drafts. (The SDK's other public types live
//! in `moa-client-core`'s `model`, which re-exports these.)

use moa_protocol::Room;

/// Where an outbox item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    /// Waiting to be sent (possibly after a network failure, see `attempts`).
    Queued,
    /// On its way to the server.
    Sending,
    /// Accepted by the server; leaves the outbox once the next pull brought
    /// its effect.
    Applied,
    /// Refused by the server; stays until the user retries or discards it.
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Applied => "applied",
            OutboxState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> OutboxState {
        match s {
            "sending" => OutboxState::Sending,
            "applied" => OutboxState::Applied,
            "failed" => OutboxState::Failed,
            _ => OutboxState::Queued,
        }
    }
}

/// An error attached to an outbox item or a rejection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    /// `network`, or the server's code (`conflict`, `invalid_field`, ...).
    pub code: String,
    pub message: String,
}

/// Where a message stands on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageState {
    /// On the server (`seq` is set), with no change of this device pending.
    Sent,
    /// A send, edit or delete of this device is on its way.
    Pending,
    /// The server refused the send: it stays, marked, until the member
    /// retries or discards the outbox item (`OutboxItem::target_id` is the
    /// message id).
    Failed(ItemError),
}

/// A chat message as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// Client-generated UUIDv7 (stable from the moment it is sent).
    pub id: String,
    pub room_id: String,
    /// The per-room order; `None` until the server has it.
    pub seq: Option<i64>,
    pub sender_id: String,
    pub body: String,
    /// Photo and video media ids (`client.media().file` shows them).
    pub media: Vec<String>,
    pub reply_to: Option<String>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    /// A deleted message keeps its place with an empty body.
    pub deleted: bool,
    pub state: MessageState,
}

/// One row of the room list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRoom {
    /// The room with its members; `members[].last_read_seq` are the read
    /// markers as known here.
    pub room: Room,
    pub last_message: Option<ChatMessage>,
    /// Messages after the member's own read marker.
    pub unread: i64,
    pub muted: bool,
    /// Created on this device and not confirmed by the server yet.
    pub pending: bool,
}

/// What a draft would change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftKind {
    ReviewEdit,
    CommentEdit,
}
