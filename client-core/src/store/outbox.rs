//! The outbox table: mutations waiting to reach the server, in order.
//! Which state follows which is decided in `crate::outbox` (no I/O); this
//! module only reads and writes rows.

use rusqlite::{Connection, OptionalExtension, Row as SqlRow, Transaction, params};
use serde_json::Value;

use moa_protocol::Op;

use crate::error::Result;
use crate::model::OutboxState;
use crate::outbox::Work;

/// One outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub seq: i64,
    pub id: String,
    pub name: String,
    /// The args as stored (what goes on the wire, byte for byte).
    pub args: Value,
    /// The mutation, typed ([`Op::Unknown`] for an upload, which is not a
    /// mutation, and for args this build cannot read).
    pub op: Op,
    pub state: OutboxState,
    pub attempts: u32,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub next_attempt_at: i64,
    pub created_at: i64,
    /// It left the device at least once: the server may have applied it.
    pub sent: bool,
    /// The item whose answer this one waits for (see `crate::outbox`).
    pub after: Option<String>,
}

impl Row {
    /// Its state as the outbox rules see it.
    /// What the item is, for [`crate::outbox::next_batch`].
    pub fn work(&self) -> Work<'_> {
        if self.name == crate::media::UPLOAD {
            Work::Upload
        } else {
            Work::Op(&self.op)
        }
    }

    pub fn pending(&self) -> crate::outbox::Pending<'_> {
        crate::outbox::Pending {
            id: &self.id,
            state: self.state,
            sent: self.sent,
        }
    }
}

const COLUMNS: &str = "seq, id, name, args, state, attempts, error_code, error_message, \
                       next_attempt_at, created_at, sent, after_id";

fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<(Row, String)> {
    let state: String = r.get(4)?;
    Ok((
        Row {
            seq: r.get(0)?,
            id: r.get(1)?,
            name: r.get(2)?,
            args: Value::Null,
            op: Op::Unknown {
                name: String::new(),
                args: Value::Null,
            },
            state: OutboxState::parse(&state),
            attempts: r.get(5)?,
            error_code: r.get(6)?,
            error_message: r.get(7)?,
            next_attempt_at: r.get(8)?,
            created_at: r.get(9)?,
            sent: r.get(10)?,
            after: r.get(11)?,
        },
        r.get(3)?,
    ))
}

fn query(conn: &Connection, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Row>> {
    query_limit(conn, filter, "", args)
}

fn query_limit(
    conn: &Connection,
    filter: &str,
    limit: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Row>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox {filter} ORDER BY seq {limit}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(args, from_row)?;
    let mut out = Vec::new();
    for row in rows {
        let (mut row, args) = row?;
        row.args = serde_json::from_str(&args)?;
        row.op = Op::lenient(&row.name, &row.args);
        out.push(row);
    }
    Ok(out)
}

/// Appends a mutation (in the same transaction as its local effect).
pub fn append(tx: &Transaction<'_>, id: &str, op: &Op, now: i64) -> Result<()> {
    append_after(tx, id, op, now, None)
}

/// Appends a mutation that waits for the answer to item `after` (an edit
/// written on top of a change that may have reached the server).
pub fn append_after(
    tx: &Transaction<'_>,
    id: &str,
    op: &Op,
    now: i64,
    after: Option<&str>,
) -> Result<()> {
    insert(tx, id, op.name(), &op.args()?, now, after)
}

/// Appends an upload (its args are the media pipeline's, not a mutation's).
pub fn append_upload(tx: &Transaction<'_>, id: &str, args: &Value, now: i64) -> Result<()> {
    insert(tx, id, crate::media::UPLOAD, args, now, None)
}

fn insert(
    tx: &Transaction<'_>,
    id: &str,
    name: &str,
    args: &Value,
    now: i64,
    after: Option<&str>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO outbox (id, name, args, state, created_at, after_id) \
         VALUES (?1, ?2, ?3, 'queued', ?4, ?5)",
        params![id, name, args.to_string(), now, after],
    )?;
    Ok(())
}

/// Every row, oldest first.
pub fn all(conn: &Connection) -> Result<Vec<Row>> {
    query(conn, "", &[])
}

/// One row.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Row>> {
    Ok(query(conn, "WHERE id = ?1", &[&id])?.into_iter().next())
}

/// The rows whose effect the local view shows on top of the server state.
pub fn in_view(conn: &Connection) -> Result<Vec<Row>> {
    query(conn, "WHERE state IN ('queued', 'sending', 'applied')", &[])
}

/// Queued rows due for sending, oldest first. The queue keeps its order: a
/// row waiting out a retry delay holds back the rows after it (so messages
/// sent offline arrive in the order they were written).
pub fn due(conn: &Connection, now: i64, limit: u32) -> Result<Vec<Row>> {
    query_limit(
        conn,
        "WHERE state = 'queued' AND next_attempt_at <= ?1 AND seq < COALESCE(\
         (SELECT MIN(seq) FROM outbox WHERE state = 'queued' AND next_attempt_at > ?1), \
         9223372036854775807)",
        "LIMIT ?2",
        &[&now, &limit],
    )
}

/// When the next queued row waiting out a retry delay falls due (None:
/// none is). Rows due already are either sent by the cycle that just ran
/// or held back by an upload, which wakes the loop when it moves.
pub fn next_due_at(conn: &Connection, now: i64) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'queued' AND next_attempt_at > ?1",
            [now],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten())
}

/// Mutations the app queues on its own, not edits the member made (the
/// batch of reviews read long enough to count as views): the status bar's
/// "changes waiting" leaves them out.
pub const BOOKKEEPING: &str = "views.record";

/// How many of the member's own changes are in `state` ([`BOOKKEEPING`]
/// left out).
pub fn count_changes(conn: &Connection, state: OutboxState) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM outbox WHERE state = ?1 AND name <> ?2",
        params![state.as_str(), BOOKKEEPING],
        |r| r.get(0),
    )?)
}

/// Counts rows in a state.
pub fn count(conn: &Connection, state: OutboxState) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM outbox WHERE state = ?1",
        [state.as_str()],
        |r| r.get(0),
    )?)
}

/// Moves a row to `state`, recording the error (or clearing it). A row
/// moved to `sending` is marked sent for good.
pub fn set_state(
    tx: &Transaction<'_>,
    id: &str,
    state: OutboxState,
    error: Option<(&str, &str)>,
) -> Result<bool> {
    let n = tx.execute(
        "UPDATE outbox SET state = ?1, error_code = ?2, error_message = ?3, \
         sent = (sent OR ?1 = 'sending') WHERE id = ?4",
        params![state.as_str(), error.map(|e| e.0), error.map(|e| e.1), id],
    )?;
    Ok(n == 1)
}

/// A send that failed on the network: count the attempt, wait until `next_at`.
pub fn schedule_retry(tx: &Transaction<'_>, id: &str, next_at: i64, message: &str) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET state = 'queued', attempts = attempts + 1, next_attempt_at = ?1, \
         error_code = 'network', error_message = ?2 WHERE id = ?3",
        params![next_at, message, id],
    )?;
    Ok(())
}

/// A send that certainly never reached the server (no connection): the
/// row counts as never sent again (it may still be changed or dropped).
pub fn unmark_sent(tx: &Transaction<'_>, id: &str) -> Result<()> {
    tx.execute("UPDATE outbox SET sent = 0 WHERE id = ?1", [id])?;
    Ok(())
}

/// Makes a row due now (user asked to retry, or the network came back).
pub fn retry(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    let n = tx.execute(
        "UPDATE outbox SET state = 'queued', next_attempt_at = 0, error_code = NULL, \
         error_message = NULL WHERE id = ?1 AND state IN ('queued', 'failed')",
        [id],
    )?;
    Ok(n == 1)
}

/// Makes every waiting row due now (an explicit "sync now").
pub fn retry_all_now(tx: &Transaction<'_>) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET next_attempt_at = 0 WHERE state = 'queued'",
        [],
    )?;
    Ok(())
}

/// The rows `crate::outbox::may_rewrite` allows to change or drop: never
/// sent, or refused.
const REWRITABLE: &str = "(state = 'failed' OR (state = 'queued' AND sent = 0))";

/// Removes a row that never left the device, or that the server refused.
pub fn discard(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    let n = tx.execute(
        &format!("DELETE FROM outbox WHERE id = ?1 AND {REWRITABLE}"),
        [id],
    )?;
    Ok(n == 1)
}

/// Replaces the args of a row that never left the device (or was refused).
pub fn set_op(tx: &Transaction<'_>, id: &str, op: &Op) -> Result<bool> {
    let n = tx.execute(
        &format!("UPDATE outbox SET args = ?1 WHERE id = ?2 AND {REWRITABLE}"),
        params![op.args()?.to_string(), id],
    )?;
    Ok(n == 1)
}

/// The item `after` has its answer: the rows waiting for it go out with
/// their op rebased by `rebase` (see `crate::outbox::Resolution`).
pub fn release_waiting(tx: &Transaction<'_>, after: &str, rebase: impl Fn(Op) -> Op) -> Result<()> {
    for row in query(tx, "WHERE after_id = ?1", &[&after])? {
        // An op this build cannot read goes out as it was stored.
        let args = match row.op {
            Op::Unknown { .. } => row.args,
            op => rebase(op).args()?,
        };
        tx.execute(
            "UPDATE outbox SET args = ?1, after_id = NULL WHERE id = ?2",
            params![args.to_string(), row.id],
        )?;
    }
    Ok(())
}

/// Ids of the rows that may still be answered (queued or sending): an item
/// waiting for one of them is held back.
pub fn unanswered_ids(conn: &Connection) -> Result<std::collections::HashSet<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM outbox WHERE state IN ('queued', 'sending')")?;
    let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = std::collections::HashSet::new();
    for id in ids {
        out.insert(id?);
    }
    Ok(out)
}

/// Forgets applied rows once a pull has brought their effect.
pub fn remove_applied(tx: &Transaction<'_>, up_to_seq: i64) -> Result<usize> {
    Ok(tx.execute(
        "DELETE FROM outbox WHERE state = 'applied' AND seq <= ?1",
        [up_to_seq],
    )?)
}

/// At start: a send cut short by a crash is sent again (the server answers
/// a replay with the first outcome, so this is safe).
pub fn reset_sending(tx: &Transaction<'_>) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET state = 'queued' WHERE state = 'sending'",
        [],
    )?;
    Ok(())
}

/// The upload item of a media id that has not finished (queued, sending or
/// failed), if any.
pub fn pending_upload_of(conn: &Connection, media_id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT id FROM outbox WHERE name = ?1 AND state IN ('queued', 'sending', 'failed') \
             AND json_extract(args, '$.sha256') = ?2 ORDER BY seq LIMIT 1",
            params![crate::media::UPLOAD, media_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Media ids whose upload has not finished: items that use them wait.
pub fn pending_upload_media(conn: &Connection) -> Result<std::collections::HashSet<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT json_extract(args, '$.sha256') FROM outbox WHERE name = ?1 \
         AND state IN ('queued', 'sending', 'failed')",
    )?;
    let ids = stmt.query_map([crate::media::UPLOAD], |r| r.get::<_, Option<String>>(0))?;
    let mut out = std::collections::HashSet::new();
    for id in ids {
        if let Some(id) = id? {
            out.insert(id);
        }
    }
    Ok(out)
}

/// The chat mutations, oldest first (any state: the chat view also shows
/// refused sends).
pub fn chat(conn: &Connection) -> Result<Vec<Row>> {
    query(conn, "WHERE name LIKE 'chat.%'", &[])
}

/// Whether a send of message `message_id` is in the outbox (any state).
pub fn has_send(conn: &Connection, message_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM outbox WHERE name = ?1 AND json_extract(args, '$.id') = ?2")?
        .exists(params!["chat.send", message_id])?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn recorded_views_are_not_counted_as_changes_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("o.db")).unwrap();
        super::super::migrate(&mut conn, super::super::MIGRATIONS).unwrap();
        let tx = conn.transaction().unwrap();
        let views = Op::decode("views.record", &serde_json::json!({"review_ids": ["r1"]}));
        append(&tx, "v", &views.unwrap(), 0).unwrap();
        let read = Op::decode("chat.read", &serde_json::json!({"room_id": "r", "seq": 1}));
        append(&tx, "c", &read.unwrap(), 0).unwrap();
        tx.commit().unwrap();
        assert_eq!(count(&conn, OutboxState::Queued).unwrap(), 2);
        assert_eq!(count_changes(&conn, OutboxState::Queued).unwrap(), 1);
    }

    #[test]
    fn a_row_waiting_to_retry_holds_back_the_rows_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("o.db")).unwrap();
        super::super::migrate(&mut conn, super::super::MIGRATIONS).unwrap();
        let tx = conn.transaction().unwrap();
        for id in ["a", "b", "c"] {
            let read = Op::decode("chat.read", &serde_json::json!({"room_id": "r", "seq": 1}));
            append(&tx, id, &read.unwrap(), 0).unwrap();
        }
        schedule_retry(&tx, "b", 500, "offline").unwrap();
        schedule_retry(&tx, "c", 200, "offline").unwrap();
        let ids = |rows: Vec<Row>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(due(&tx, 300, 10).unwrap()), ["a"]);
        assert_eq!(next_due_at(&tx, 300).unwrap(), Some(500));
        assert_eq!(ids(due(&tx, 500, 10).unwrap()), ["a", "b", "c"]);
        assert_eq!(next_due_at(&tx, 500).unwrap(), None);
    }
}
