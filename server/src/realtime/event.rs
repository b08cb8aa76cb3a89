//! What the realtime layer fans out: frames for a room's connections and
//! membership changes. Write paths return these; the caller hands them to
//! [`super::Realtime::commit`] with its transaction, so they go out only if
//! (and once) the write committed. They travel between nodes as JSON in
//! PostgreSQL notifications, hence `Serialize`.

use moa_protocol::chat::{Message, ServerFrame};
use serde::{Deserialize, Serialize};

/// One thing to fan out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum Event {
    /// `frame` (a [`ServerFrame`] as JSON) to the connections of the room's
    /// members, except connection `except` (`"<node>/<conn>"`) and the
    /// connections of `skip_user`.
    ToRoom {
        room_id: String,
        frame: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        except: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        skip_user: Option<String>,
        /// The message the frame carries, to load instead when the frame
        /// is too large for one notification.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<String>,
    },
    /// `user_id` joined (or left) `room_id`: every node updates which of its
    /// connections hear the room, and tells that member's connections.
    Membership {
        room_id: String,
        user_id: String,
        joined: bool,
    },
    /// A message too large for one notification: each node loads it.
    FetchMessage {
        room_id: String,
        message_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        except: Option<String>,
    },
}

/// A frame as JSON text (frames are plain data: encoding cannot fail).
pub fn encode(frame: &ServerFrame) -> String {
    serde_json::to_string(frame).unwrap_or_default()
}

impl Event {
    /// A new, edited or deleted message, for every member but the sending
    /// connection (`except`).
    pub fn message(message: &Message, except: Option<String>) -> Event {
        Event::ToRoom {
            room_id: message.room_id.clone(),
            frame: encode(&ServerFrame::Message {
                message: message.clone(),
            }),
            except,
            skip_user: None,
            message_id: Some(message.id.clone()),
        }
    }

    /// A member's read marker moved.
    pub fn read(room_id: &str, user_id: &str, seq: i64) -> Event {
        Event::ToRoom {
            room_id: room_id.to_owned(),
            frame: encode(&ServerFrame::Read {
                room_id: room_id.to_owned(),
                user_id: user_id.to_owned(),
                seq,
            }),
            except: None,
            skip_user: None,
            message_id: None,
        }
    }

    /// A member is typing (not sent back to their own connections).
    pub fn typing(room_id: &str, user_id: &str) -> Event {
        Event::ToRoom {
            room_id: room_id.to_owned(),
            frame: encode(&ServerFrame::Typing {
                room_id: room_id.to_owned(),
                user_id: user_id.to_owned(),
                ttl_ms: moa_protocol::chat::TYPING_TTL_MS,
            }),
            except: None,
            skip_user: Some(user_id.to_owned()),
            message_id: None,
        }
    }

    /// `user_id` joined (or left) `room_id`.
    pub fn membership(room_id: &str, user_id: &str, joined: bool) -> Event {
        Event::Membership {
            room_id: room_id.to_owned(),
            user_id: user_id.to_owned(),
            joined,
        }
    }

    /// The room's settings or members changed.
    pub fn room_changed(room_id: &str) -> Event {
        Event::ToRoom {
            room_id: room_id.to_owned(),
            frame: encode(&ServerFrame::Room {
                room_id: room_id.to_owned(),
            }),
            except: None,
            skip_user: None,
            message_id: None,
        }
    }
}
