//! Confirmed server state: the latest version of each entity, by kind and id.
//!
//! A version only replaces an older one (by `seq`), so changes arriving from
//! different buckets or windows in any order settle on the newest. A pulled
//! deletion leaves a tombstone (kind, id, the deletion's `seq`): pulled data
//! older than it, and data that carries no `seq` at all (push answers, REST
//! reads, conflict answers), is refused, so a late answer never brings back
//! what the server deleted. A newer pulled version (a moderator's restore)
//! replaces the tombstone.

use moa_protocol::EntityKind;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::Value;

use crate::error::Result;

/// The columns lifted out of an entity's JSON for local queries: its parent
/// (a comment's review, a like's or scrap's target, a follow's followee),
/// its owner (author, follower) and its time.
pub fn index_fields(kind: &str, data: &Value) -> (Option<String>, Option<String>, i64) {
    let text = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_owned);
    let author = data
        .get("author")
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let sort = data.get("created_at").and_then(Value::as_i64).unwrap_or(0);
    let (parent, owner) = match kind {
        "review" => (
            data.get("subject")
                .and_then(|s| s.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            author,
        ),
        "comment" => (text("review_id"), author),
        "like" => (text("target_id"), text("target_type")),
        "scrap" => (text("review_id"), None),
        "follow" => (text("followee_id"), text("follower_id")),
        "order" => (text("campaign_id"), text("user_id")),
        "request" => (
            None,
            data.get("requester")
                .and_then(|a| a.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        ),
        "quote" => (
            text("request_id"),
            data.get("quoter")
                .and_then(|a| a.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        ),
        _ => (None, None),
    };
    (parent, owner, sort)
}

/// Whether a pulled deletion of (kind, id) at `seq` or later is recorded.
fn tombstoned(conn: &Connection, kind: &str, id: &str, seq: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM tombstones WHERE kind = ?1 AND id = ?2 AND seq >= ?3")?
        .exists(params![kind, id, seq])?)
}

/// Whether the entity was deleted (a tombstone is kept for it).
pub fn is_deleted(conn: &Connection, kind: &EntityKind, id: &str) -> Result<bool> {
    let kind = kind.as_str();
    tombstoned(conn, kind, id, i64::MIN)
}

/// Stores `data` as entity (kind, id) at change `seq`, unless a newer
/// version, or a deletion at `seq` or later, is there. Answers whether it
/// was stored.
pub fn put(
    tx: &Transaction<'_>,
    kind: &EntityKind,
    id: &str,
    data: &Value,
    seq: i64,
) -> Result<bool> {
    let kind = kind.as_str();
    if tombstoned(tx, kind, id, seq)? {
        return Ok(false);
    }
    tx.prepare_cached("DELETE FROM tombstones WHERE kind = ?1 AND id = ?2 AND seq < ?3")?
        .execute(params![kind, id, seq])?;
    let (parent, owner, sort) = index_fields(kind, data);
    let n = tx.execute(
        "INSERT INTO entities (kind, id, data, seq, parent, owner, sort) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, seq = excluded.seq, \
         parent = excluded.parent, owner = excluded.owner, sort = excluded.sort \
         WHERE excluded.seq >= entities.seq",
        params![kind, id, data.to_string(), seq, parent, owner, sort],
    )?;
    if n > 0 {
        super::search::index(tx, &EntityKind::parse(kind), id, data)?;
    }
    Ok(n > 0)
}

/// Stores data that carries no change `seq` (a REST read, a conflict's
/// current copy) under `seq`, unless the entity was deleted: such data may
/// be older than the deletion.
pub fn put_unsequenced(
    tx: &Transaction<'_>,
    kind: &EntityKind,
    id: &str,
    data: &Value,
    seq: i64,
) -> Result<bool> {
    if is_deleted(tx, kind, id)? {
        return Ok(false);
    }
    put(tx, kind, id, data, seq)
}

/// Stores an entity the server answered a push with, if it is newer (by its
/// `version`) than the copy here, keeping the copy's `seq` so the next pull
/// still replaces it; never over a deletion (the answer may be a resend's,
/// older than the deletion pulled meanwhile).
pub fn put_if_newer_version(
    tx: &Transaction<'_>,
    kind: &EntityKind,
    id: &str,
    data: &Value,
) -> Result<()> {
    let Some(version) = data.get("version").and_then(Value::as_i64) else {
        return Ok(());
    };
    if is_deleted(tx, kind, id)? {
        return Ok(());
    }
    let current: Option<(String, i64)> = tx
        .query_row(
            "SELECT data, seq FROM entities WHERE kind = ?1 AND id = ?2",
            [kind.as_str(), id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, newer) = match current {
        None => (0, true),
        Some((text, seq)) => {
            let old: Value = serde_json::from_str(&text)?;
            let old_version = old.get("version").and_then(Value::as_i64).unwrap_or(0);
            (seq, version > old_version)
        }
    };
    if newer {
        put(tx, kind, id, data, seq)?;
    }
    Ok(())
}

/// Applies a pulled tombstone: the entity is gone unless a newer version is
/// there, and the deletion is remembered (see the module comment).
pub fn delete(tx: &Transaction<'_>, kind: &EntityKind, id: &str, seq: i64) -> Result<()> {
    let kind = kind.as_str();
    let newer: bool = tx
        .prepare_cached("SELECT 1 FROM entities WHERE kind = ?1 AND id = ?2 AND seq > ?3")?
        .exists(params![kind, id, seq])?;
    if newer {
        return Ok(());
    }
    tx.execute(
        "DELETE FROM entities WHERE kind = ?1 AND id = ?2",
        params![kind, id],
    )?;
    super::search::unindex(tx, &EntityKind::parse(kind), id)?;
    tx.prepare_cached(
        "INSERT INTO tombstones (kind, id, seq, created_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (kind, id) DO UPDATE SET seq = MAX(tombstones.seq, excluded.seq)",
    )?
    .execute(params![kind, id, seq, crate::view::now_ms()])?;
    Ok(())
}

/// Forgets tombstones that nothing can contradict any more: recorded more
/// than `min_age_ms` before `now` (a REST read started before the deletion
/// has long ended), with no outbox item from before them still unanswered
/// (a late answer could carry the entity), and at or below every followed
/// bucket's cursor (no bucket can still deliver an older version). Answers
/// how many went.
pub fn compact_tombstones(tx: &Transaction<'_>, now: i64, min_age_ms: i64) -> Result<usize> {
    Ok(tx.execute(
        "DELETE FROM tombstones WHERE created_at <= ?1 \
         AND seq <= COALESCE((SELECT MIN(cursor) FROM buckets), 9223372036854775807) \
         AND NOT EXISTS (SELECT 1 FROM outbox WHERE state IN ('queued', 'sending') \
                         AND created_at <= tombstones.created_at)",
        params![now.saturating_sub(min_age_ms)],
    )?)
}

/// One entity's data.
pub fn get(conn: &Connection, kind: &EntityKind, id: &str) -> Result<Option<Value>> {
    let kind = kind.as_str();
    let text: Option<String> = conn
        .prepare_cached("SELECT data FROM entities WHERE kind = ?1 AND id = ?2")?
        .query_row([kind, id], |r| r.get(0))
        .optional()?;
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}

/// Whether the entity is there.
pub fn exists(conn: &Connection, kind: &EntityKind, id: &str) -> Result<bool> {
    let kind = kind.as_str();
    Ok(conn
        .prepare_cached("SELECT 1 FROM entities WHERE kind = ?1 AND id = ?2")?
        .exists([kind, id])?)
}

fn collect(conn: &Connection, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Value>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for text in rows {
        out.push(serde_json::from_str(&text?)?);
    }
    Ok(out)
}

/// Entities of a kind under a parent, oldest first.
pub fn by_parent(conn: &Connection, kind: &EntityKind, parent: &str) -> Result<Vec<Value>> {
    let kind = kind.as_str();
    collect(
        conn,
        "SELECT data FROM entities WHERE kind = ?1 AND parent = ?2 ORDER BY sort, id",
        &[&kind, &parent],
    )
}

/// Entities of a kind by an owner, newest first.
pub fn by_owner(
    conn: &Connection,
    kind: &EntityKind,
    owner: &str,
    limit: u32,
) -> Result<Vec<Value>> {
    let kind = kind.as_str();
    collect(
        conn,
        "SELECT data FROM entities WHERE kind = ?1 AND owner = ?2 ORDER BY sort DESC, id DESC LIMIT ?3",
        &[&kind, &owner, &limit],
    )
}

/// Entities of a kind, newest first.
pub fn newest(conn: &Connection, kind: &EntityKind, limit: u32) -> Result<Vec<Value>> {
    let kind = kind.as_str();
    collect(
        conn,
        "SELECT data FROM entities WHERE kind = ?1 ORDER BY sort DESC, id DESC LIMIT ?2",
        &[&kind, &limit],
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn index_fields_lift_parent_owner_and_time() {
        let comment = json!({"review_id": "r1", "author": {"id": "u1"}, "created_at": 5});
        assert_eq!(
            index_fields("comment", &comment),
            (Some("r1".into()), Some("u1".into()), 5)
        );
        let follow = json!({"follower_id": "a", "followee_id": "b", "created_at": 9});
        assert_eq!(
            index_fields("follow", &follow),
            (Some("b".into()), Some("a".into()), 9)
        );
        assert_eq!(index_fields("profile", &json!({})), (None, None, 0));
    }

    #[test]
    fn an_older_version_never_replaces_a_newer_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("e.db")).unwrap();
        super::super::migrate(&mut conn, super::super::MIGRATIONS).unwrap();
        let tx = conn.transaction().unwrap();
        put(&tx, &EntityKind::Review, "r", &json!({"v": 2}), 20).unwrap();
        put(&tx, &EntityKind::Review, "r", &json!({"v": 1}), 10).unwrap();
        assert_eq!(
            get(&tx, &EntityKind::Review, "r").unwrap(),
            Some(json!({"v": 2}))
        );
        delete(&tx, &EntityKind::Review, "r", 15).unwrap();
        assert!(exists(&tx, &EntityKind::Review, "r").unwrap());
        delete(&tx, &EntityKind::Review, "r", 25).unwrap();
        assert!(!exists(&tx, &EntityKind::Review, "r").unwrap());
    }

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("e.db")).unwrap();
        super::super::migrate(&mut conn, super::super::MIGRATIONS).unwrap();
        (dir, conn)
    }

    #[test]
    fn a_deletion_is_never_undone_by_older_data() {
        let (_dir, mut conn) = db();
        let tx = conn.transaction().unwrap();
        put(
            &tx,
            &EntityKind::Comment,
            "c",
            &json!({"version": 1, "body": "a"}),
            10,
        )
        .unwrap();
        delete(&tx, &EntityKind::Comment, "c", 30).unwrap();
        assert!(!exists(&tx, &EntityKind::Comment, "c").unwrap());
        // A resend's answer (no seq, a version above the copy that is gone),
        // a REST read, an older pulled version: all refused.
        put_if_newer_version(
            &tx,
            &EntityKind::Comment,
            "c",
            &json!({"version": 2, "body": "b"}),
        )
        .unwrap();
        assert!(
            !put_unsequenced(&tx, &EntityKind::Comment, "c", &json!({"version": 2}), 0).unwrap()
        );
        assert!(!put(&tx, &EntityKind::Comment, "c", &json!({"version": 2}), 20).unwrap());
        assert!(!put(&tx, &EntityKind::Comment, "c", &json!({"version": 2}), 30).unwrap());
        assert!(!exists(&tx, &EntityKind::Comment, "c").unwrap());
        // A deletion never seen as an entity is remembered too.
        delete(&tx, &EntityKind::Review, "gone", 5).unwrap();
        put_if_newer_version(&tx, &EntityKind::Review, "gone", &json!({"version": 1})).unwrap();
        assert!(!exists(&tx, &EntityKind::Review, "gone").unwrap());
        // A newer pulled version (a restore) wins and ends the tombstone.
        assert!(
            put(
                &tx,
                &EntityKind::Comment,
                "c",
                &json!({"version": 3, "body": "c"}),
                31
            )
            .unwrap()
        );
        assert!(!is_deleted(&tx, &EntityKind::Comment, "c").unwrap());
        put_if_newer_version(
            &tx,
            &EntityKind::Comment,
            "c",
            &json!({"version": 4, "body": "d"}),
        )
        .unwrap();
        assert_eq!(
            get(&tx, &EntityKind::Comment, "c").unwrap().unwrap()["body"],
            "d"
        );
        // A deletion older than the copy here changes nothing.
        delete(&tx, &EntityKind::Comment, "c", 15).unwrap();
        assert!(exists(&tx, &EntityKind::Comment, "c").unwrap());
        assert!(!is_deleted(&tx, &EntityKind::Comment, "c").unwrap());
    }

    #[test]
    fn tombstones_are_compacted_only_when_nothing_can_contradict_them() {
        let (_dir, mut conn) = db();
        let tx = conn.transaction().unwrap();
        let now = crate::view::now_ms();
        tx.execute(
            "INSERT INTO buckets (bucket, cursor, more, opened_at) VALUES ('user:me', 50, 0, 0)",
            [],
        )
        .unwrap();
        delete(&tx, &EntityKind::Review, "r", 40).unwrap();
        delete(&tx, &EntityKind::Review, "late", 60).unwrap();
        // Too young.
        assert_eq!(compact_tombstones(&tx, now, 60_000).unwrap(), 0);
        // An unanswered item older than the tombstone could still carry it.
        tx.execute(
            "INSERT INTO outbox (id, name, args, state, created_at) VALUES ('m', 'review.edit', '{}', 'queued', 0)",
            [],
        )
        .unwrap();
        assert_eq!(compact_tombstones(&tx, now + 120_000, 60_000).unwrap(), 0);
        tx.execute("UPDATE outbox SET state = 'applied'", [])
            .unwrap();
        // Now the one at or below every cursor goes; the one a bucket has not
        // reached stays.
        assert_eq!(compact_tombstones(&tx, now + 120_000, 60_000).unwrap(), 1);
        assert!(!is_deleted(&tx, &EntityKind::Review, "r").unwrap());
        assert!(is_deleted(&tx, &EntityKind::Review, "late").unwrap());
    }
}
