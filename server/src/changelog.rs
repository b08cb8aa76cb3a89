//! The change log: what every write changed, in one global order.
//!
//! Service functions call [`record`] in the same transaction as the write, so
//! a change is logged if and only if it happened. Each change names the
//! *bucket* it belongs to — `public` (feeds), `review:<id>` (a review and its
//! comments), `user:<id>` (a member's own data: likes, scraps, follows,
//! notifications) — and carries a JSON snapshot of the entity (or nothing,
//! for a tombstone). Sync pulls read buckets from a cursor (a `seq`).

use sqlx::AnyConnection;

use crate::error::Result;

/// Upsert (the entity now looks like `data`) or delete (a tombstone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Upsert,
    Delete,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Upsert => "upsert",
            Op::Delete => "delete",
        }
    }
}

/// The bucket of public content (feeds, places, products).
pub const PUBLIC: &str = "public";

/// A member's own bucket.
pub fn user_bucket(user_id: &str) -> String {
    format!("user:{user_id}")
}

/// A review's bucket (the review and its comments).
pub fn review_bucket(review_id: &str) -> String {
    format!("review:{review_id}")
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change {
    pub buckets: Vec<String>,
    pub entity: &'static str,
    pub entity_id: String,
    pub op: Op,
    pub data: Option<serde_json::Value>,
}

impl Change {
    pub fn upsert(
        entity: &'static str,
        id: &str,
        data: serde_json::Value,
        buckets: Vec<String>,
    ) -> Self {
        Change {
            buckets,
            entity,
            entity_id: id.to_owned(),
            op: Op::Upsert,
            data: Some(data),
        }
    }

    pub fn delete(entity: &'static str, id: &str, buckets: Vec<String>) -> Self {
        Change {
            buckets,
            entity,
            entity_id: id.to_owned(),
            op: Op::Delete,
            data: None,
        }
    }
}

/// Appends `change` (once per bucket) in the caller's transaction.
pub async fn record(conn: &mut AnyConnection, change: Change, now: i64) -> Result<()> {
    let data = change.data.as_ref().map(serde_json::Value::to_string);
    for bucket in &change.buckets {
        sqlx::query(
            "INSERT INTO changes (bucket, entity, entity_id, op, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(bucket)
        .bind(change.entity)
        .bind(&change.entity_id)
        .bind(change.op.as_str())
        .bind(&data)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
