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
//!
//! By concern: [`rooms`] (rooms, members, mutes, the room list),
//! [`messages`] (loading, editing, deleting, history), [`send`] (single and
//! batched sends) and [`reads`] (read markers). The SQL batching helpers
//! the batched send uses live with the database code (`db::batch`).

mod messages;
mod reads;
mod rooms;
mod send;

pub use messages::{can_see_message, delete, edit, erase, history, latest_messages, load_message};
pub use reads::mark_read;
pub use rooms::{
    create_room, get_room, heads, invite, list_rooms, load_room, remove, set_muted, transfer,
    update_room,
};
pub use send::{Outgoing, send, send_many, sent_events};

use sqlx::AnyConnection;

use crate::error::{Error, Result};
use crate::util::is_uuid;

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
