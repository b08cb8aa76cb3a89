//! Read markers: a member's marker only moves forward, and telling the
//! room happens only when it moved.

use moa_protocol::EntityKind;
use moa_protocol::chat::room_bucket;
use sqlx::AnyConnection;

use super::ensure_member;
use crate::actor::Actor;
use crate::changelog::{self, Change};
use crate::error::{Error, Result};
use crate::realtime::Event;
use crate::state::Events;

/// Moves `member`'s read marker forward to `seq` (never back). Answers
/// whether it moved (and if so, the event telling the room).
pub async fn mark_read(
    conn: &mut AnyConnection,
    member: &Actor,
    room_id: &str,
    seq: i64,
    now: i64,
) -> Result<(bool, Events)> {
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
        return Ok((true, vec![Event::read(room_id, &member.user_id, seq)]));
    }
    Ok((false, Vec::new()))
}
