//! Chat on the wire: rooms, messages, read markers, and the frames of the
//! realtime socket (`GET /v1/realtime`).
//!
//! A room is a sync bucket, `room:<id>`: its messages (upserts; a deleted
//! message stays as a tombstone with an empty body), its metadata (entity
//! `room`) and its members' read markers (entity `read`, id = member id).
//! Messages carry a per-room `seq` that starts at 1 and has no gaps, so a
//! client that holds messages 1..n and receives n+2 knows it missed one and
//! pulls the bucket from its cursor.
//!
//! The socket carries JSON text frames, one object each, tagged by `type`:
//! [`ClientFrame`] from the client, [`ServerFrame`] from the server.

use serde::{Deserialize, Serialize};

use crate::content::Author;
use crate::moderation::Notification;

/// The bucket of a room.
pub fn room_bucket(room_id: &str) -> String {
    format!("room:{room_id}")
}

/// Direct (exactly two members) or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    Direct,
    Group,
}

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Direct => "direct",
            RoomKind::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<RoomKind> {
        match s {
            "direct" => Some(RoomKind::Direct),
            "group" => Some(RoomKind::Group),
            _ => None,
        }
    }
}

/// A member of a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomMember {
    pub user: Author,
    pub joined_at: i64,
    /// The last message `seq` this member has read.
    pub last_read_seq: i64,
}

/// A room and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Room {
    pub id: String,
    pub kind: RoomKind,
    /// Group rooms only.
    pub name: Option<String>,
    /// A photo (media id) of a group room.
    pub photo_media_id: Option<String>,
    /// The owner of a group room (`None` for direct rooms).
    pub owner_id: Option<String>,
    pub members: Vec<RoomMember>,
    /// The `seq` of the latest message (0 when there is none).
    pub last_seq: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One row of the room list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomSummary {
    pub room: Room,
    pub last_message: Option<Message>,
    /// Messages after the member's read marker.
    pub unread: i64,
    pub muted: bool,
}

/// `GET /v1/rooms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomList {
    /// Most recently active first.
    pub items: Vec<RoomSummary>,
}

/// `POST /v1/rooms`: a direct room with one other member (answers the
/// existing room of the pair, 200) or a group room (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateRoomRequest {
    /// Client-generated UUIDv7 (used unless a direct room of the pair exists).
    pub id: String,
    pub kind: RoomKind,
    /// Group rooms: 1-50 characters.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub photo_media_id: Option<String>,
    /// The other members (exactly one for a direct room).
    pub members: Vec<String>,
}

/// The answer to creating a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomCreated {
    pub room: Room,
    /// `false` when an existing direct room was answered.
    pub created: bool,
}

/// `PATCH /v1/rooms/{id}` (group owner): absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateRoomRequest {
    #[serde(default)]
    pub name: Option<String>,
    /// `null` removes the photo; absent leaves it (a rename must not send
    /// `null`, which the server reads as "remove").
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub photo_media_id: Option<Option<String>>,
}

/// `POST /v1/rooms/{id}/owner`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferOwnerRequest {
    pub user_id: String,
}

/// `PUT /v1/rooms/{id}/mute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MuteRequest {
    pub muted: bool,
}

/// `PUT /v1/rooms/{id}/read`: everything up to `seq` is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadRequest {
    pub seq: i64,
}

/// A chat message. A deleted one keeps its id and `seq` with an empty body,
/// no media and `deleted: true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: String,
    pub room_id: String,
    /// Per-room sequence: 1, 2, 3... without gaps.
    pub seq: i64,
    pub sender_id: String,
    pub body: String,
    /// Photo and video media ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<i64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// `POST /v1/rooms/{id}/messages` and the `chat.send` mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendMessageRequest {
    /// Client-generated UUIDv7: sending it again answers the same message.
    pub id: String,
    /// Up to 4,000 characters; may be empty when `media` is not.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub media: Vec<String>,
    #[serde(default)]
    pub reply_to: Option<String>,
}

/// `PATCH /v1/rooms/{id}/messages/{message_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditMessageRequest {
    pub body: String,
}

/// `GET /v1/rooms/{id}/messages?before=SEQ&limit=N`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagePage {
    /// Descending `seq`.
    pub items: Vec<Message>,
    /// Pass as `before` for the next (older) page; `None` at the first message.
    pub next_before: Option<i64>,
}

/// Arguments of the chat mutations (`chat.*` in [`crate::Op`]).
pub mod args {
    use serde::{Deserialize, Serialize};

    /// `chat.send`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Send {
        pub room_id: String,
        #[serde(flatten)]
        pub message: super::SendMessageRequest,
    }

    /// `chat.edit`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Edit {
        pub room_id: String,
        pub message_id: String,
        pub body: String,
    }

    /// `chat.delete`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Delete {
        pub room_id: String,
        pub message_id: String,
    }

    /// `chat.read`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Read {
        pub room_id: String,
        pub seq: i64,
    }

    /// `chat.invite` and `chat.remove` (removing oneself is leaving).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Member {
        pub room_id: String,
        pub user_id: String,
    }

    /// `chat.mute`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Mute {
        pub room_id: String,
        pub muted: bool,
    }

    /// `chat.update_room`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct UpdateRoom {
        pub room_id: String,
        #[serde(flatten)]
        pub update: super::UpdateRoomRequest,
    }
}

/// How long a typing indicator lasts unless renewed.
pub const TYPING_TTL_MS: i64 = 5_000;

/// Close code sent when a token is missing, invalid or expired.
pub const CLOSE_UNAUTHORIZED: u16 = 4401;

/// A frame from the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Send a message; answered by [`ServerFrame::Ack`] (or `Error` with the
    /// same `id`). Sending an id again answers the stored message's `seq`.
    Send {
        room_id: String,
        #[serde(flatten)]
        message: SendMessageRequest,
    },
    /// "I am typing in this room" (renew every few seconds).
    Typing { room_id: String },
    /// Move the read marker.
    Read { room_id: String, seq: i64 },
    /// Go live again after a [`ServerFrame::Resync`].
    Resume,
    /// Answered by [`ServerFrame::Pong`].
    Ping,
}

/// A room's head at connect time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomHead {
    pub room_id: String,
    pub last_seq: i64,
}

/// A frame from the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// First frame: who is connected, and each room's latest `seq`, so the
    /// client can fetch what it missed while it was away.
    Ready {
        user_id: String,
        rooms: Vec<RoomHead>,
        heartbeat_ms: u64,
    },
    /// A message was sent, edited or deleted (upsert it by id).
    Message {
        message: Message,
    },
    /// A [`ClientFrame::Send`] is stored.
    Ack {
        id: String,
        room_id: String,
        seq: i64,
        created_at: i64,
    },
    /// A member's read marker moved.
    Read {
        room_id: String,
        user_id: String,
        seq: i64,
    },
    /// A member is typing; show it for `ttl_ms` unless renewed.
    Typing {
        room_id: String,
        user_id: String,
        ttl_ms: i64,
    },
    /// A room's members or settings changed, or the member joined or left
    /// it: pull its bucket and the member's own.
    Room {
        room_id: String,
    },
    /// A new notification for this member.
    Notification {
        notification: Notification,
    },
    /// These buckets moved: pull them.
    Poke {
        buckets: Vec<String>,
    },
    /// The client fell behind and live delivery stopped: pull every room from
    /// its cursor, then send [`ClientFrame::Resume`].
    Resync,
    /// Something the client sent was refused. `id` names the message when it
    /// was a send.
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        code: crate::ErrorCode,
        message: String,
    },
    Pong,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_a_flat_tagged_shape() {
        let f: ClientFrame = serde_json::from_str(
            r#"{"type":"send","room_id":"r","id":"m","body":"안녕","reply_to":null}"#,
        )
        .unwrap();
        assert_eq!(
            f,
            ClientFrame::Send {
                room_id: "r".into(),
                message: SendMessageRequest {
                    id: "m".into(),
                    body: "안녕".into(),
                    media: vec![],
                    reply_to: None,
                },
            }
        );
        let ack = ServerFrame::Ack {
            id: "m".into(),
            room_id: "r".into(),
            seq: 7,
            created_at: 1,
        };
        assert_eq!(
            serde_json::to_string(&ack).unwrap(),
            r#"{"type":"ack","id":"m","room_id":"r","seq":7,"created_at":1}"#
        );
        let msg = ServerFrame::Message {
            message: Message {
                id: "m".into(),
                room_id: "r".into(),
                seq: 1,
                sender_id: "u".into(),
                body: "hi".into(),
                media: vec![],
                reply_to: None,
                created_at: 5,
                edited_at: None,
                deleted: false,
            },
        };
        assert_eq!(
            serde_json::to_string(&msg).unwrap(),
            r#"{"type":"message","message":{"id":"m","room_id":"r","seq":1,"sender_id":"u","body":"hi","created_at":5}}"#
        );
        assert_eq!(
            serde_json::to_string(&ServerFrame::Resync).unwrap(),
            r#"{"type":"resync"}"#
        );
    }
}
