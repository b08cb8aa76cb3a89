//! Confirmed server state: the latest version of each entity, by kind and id.
//!
//! A version only replaces an older one (by `seq`), so changes arriving from
//! different buckets or windows in any order settle on the newest.

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
        _ => (None, None),
    };
    (parent, owner, sort)
}

/// Stores `data` as entity (kind, id) unless a newer version is there.
pub fn put(tx: &Transaction<'_>, kind: &str, id: &str, data: &Value, seq: i64) -> Result<()> {
    let (parent, owner, sort) = index_fields(kind, data);
    tx.execute(
        "INSERT INTO entities (kind, id, data, seq, parent, owner, sort) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, seq = excluded.seq, \
         parent = excluded.parent, owner = excluded.owner, sort = excluded.sort \
         WHERE excluded.seq >= entities.seq",
        params![kind, id, data.to_string(), seq, parent, owner, sort],
    )?;
    Ok(())
}

/// Stores an entity the server answered a push with, if it is newer (by its
/// `version`) than the copy here, keeping the copy's `seq` so the next pull
/// still replaces it.
pub fn put_if_newer_version(
    tx: &Transaction<'_>,
    kind: &str,
    id: &str,
    data: &Value,
) -> Result<()> {
    let Some(version) = data.get("version").and_then(Value::as_i64) else {
        return Ok(());
    };
    let current: Option<(String, i64)> = tx
        .query_row(
            "SELECT data, seq FROM entities WHERE kind = ?1 AND id = ?2",
            [kind, id],
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

/// Applies a tombstone: the entity is gone unless a newer version is there.
pub fn delete(tx: &Transaction<'_>, kind: &str, id: &str, seq: i64) -> Result<()> {
    tx.execute(
        "DELETE FROM entities WHERE kind = ?1 AND id = ?2 AND seq <= ?3",
        params![kind, id, seq],
    )?;
    Ok(())
}

/// One entity's data.
pub fn get(conn: &Connection, kind: &str, id: &str) -> Result<Option<Value>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT data FROM entities WHERE kind = ?1 AND id = ?2")?
        .query_row([kind, id], |r| r.get(0))
        .optional()?;
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}

/// Whether the entity is there.
pub fn exists(conn: &Connection, kind: &str, id: &str) -> Result<bool> {
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
pub fn by_parent(conn: &Connection, kind: &str, parent: &str) -> Result<Vec<Value>> {
    collect(
        conn,
        "SELECT data FROM entities WHERE kind = ?1 AND parent = ?2 ORDER BY sort, id",
        &[&kind, &parent],
    )
}

/// Entities of a kind by an owner, newest first.
pub fn by_owner(conn: &Connection, kind: &str, owner: &str, limit: u32) -> Result<Vec<Value>> {
    collect(
        conn,
        "SELECT data FROM entities WHERE kind = ?1 AND owner = ?2 ORDER BY sort DESC, id DESC LIMIT ?3",
        &[&kind, &owner, &limit],
    )
}

/// Entities of a kind, newest first.
pub fn newest(conn: &Connection, kind: &str, limit: u32) -> Result<Vec<Value>> {
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
        put(&tx, "review", "r", &json!({"v": 2}), 20).unwrap();
        put(&tx, "review", "r", &json!({"v": 1}), 10).unwrap();
        assert_eq!(get(&tx, "review", "r").unwrap(), Some(json!({"v": 2})));
        delete(&tx, "review", "r", 15).unwrap();
        assert!(exists(&tx, "review", "r").unwrap());
        delete(&tx, "review", "r", 25).unwrap();
        assert!(!exists(&tx, "review", "r").unwrap());
    }
}
