//! The change log: what every write changed, in one global order.
//!
//! Service functions call [`record`] in the same transaction as the write, so
//! a change is logged if and only if it happened. Each change names the
//! *bucket* it belongs to — `public` (feeds), `review:<id>` (a review and its
//! comments), `user:<id>` (a member's own data: likes, scraps, follows,
//! notifications) — and carries a JSON snapshot of the entity (or nothing,
//! for a tombstone). Sync pulls read buckets from a cursor (a `seq`).
//!
//! Each bucket keeps only the latest change of each entity: [`record`]
//! deletes the earlier ones before appending, so a pull sends an entity once
//! however often it changed, while `seq` stays global and only grows.

use sqlx::AnyConnection;

use moa_protocol::EntityKind;

use crate::db::exec::{Arg, Exec};
use crate::error::{Error, Result};

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

/// The bucket of the group-buys offered to everyone (those offered to
/// communities are in [`community_bucket`]s).
pub const SHOP: &str = "shop";

/// A member's own bucket.
pub fn user_bucket(user_id: &str) -> String {
    format!("user:{user_id}")
}

/// A community's bucket (the campaigns offered to it); its members pull it.
pub fn community_bucket(community_id: &str) -> String {
    format!("community:{community_id}")
}

/// A review's bucket (the review and its comments).
pub fn review_bucket(review_id: &str) -> String {
    format!("review:{review_id}")
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change {
    pub buckets: Vec<String>,
    pub entity: EntityKind,
    pub entity_id: String,
    pub op: Op,
    pub data: Option<serde_json::Value>,
}

impl Change {
    pub fn upsert(
        entity: EntityKind,
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

    pub fn delete(entity: EntityKind, id: &str, buckets: Vec<String>) -> Self {
        Change {
            buckets,
            entity,
            entity_id: id.to_owned(),
            op: Op::Delete,
            data: None,
        }
    }

    /// An upsert of `data` when there is some, else a tombstone: the change
    /// of something that is set or unset (a like, a scrap, a follow).
    pub fn upsert_or_delete(
        entity: EntityKind,
        id: &str,
        data: Option<serde_json::Value>,
        buckets: Vec<String>,
    ) -> Self {
        match data {
            Some(data) => Change::upsert(entity, id, data, buckets),
            None => Change::delete(entity, id, buckets),
        }
    }
}

/// Appends `change` (once per bucket) in the caller's transaction, replacing
/// the earlier change of the same entity in each bucket.
pub async fn record(conn: &mut AnyConnection, change: Change, now: i64) -> Result<()> {
    for bucket in &change.buckets {
        sqlx::query("DELETE FROM changes WHERE bucket = $1 AND entity = $2 AND entity_id = $3")
            .bind(bucket)
            .bind(change.entity.as_str())
            .bind(&change.entity_id)
            .execute(&mut *conn)
            .await?;
    }
    append(conn, change, now).await
}

/// A review or comment as it now stands, for [`record_content`].
pub struct Content<'a, T> {
    pub entity: EntityKind,
    pub id: &'a str,
    /// What members see of it (its wire form).
    pub value: &'a T,
    pub deleted: bool,
    pub hidden: bool,
    /// The buckets that show it to others.
    pub shared: Vec<String>,
    /// Its author's own bucket.
    pub own: String,
}

/// Records a review or comment as it now stands: deleted, a tombstone in
/// every bucket; hidden, a tombstone in the shared buckets and an upsert
/// (marked hidden) in its author's own bucket only; otherwise an upsert in
/// every bucket.
pub async fn record_content<T: serde::Serialize>(
    conn: &mut AnyConnection,
    content: Content<'_, T>,
    now: i64,
) -> Result<()> {
    let Content {
        entity,
        id,
        value,
        deleted,
        hidden,
        mut shared,
        own,
    } = content;
    if deleted {
        shared.push(own);
        return record(conn, Change::delete(entity, id, shared), now).await;
    }
    let data = serde_json::to_value(value)
        .map_err(|e| Error::Internal(format!("cannot encode a {entity}: {e}")))?;
    if hidden {
        record(conn, Change::delete(entity.clone(), id, shared), now).await?;
        record(conn, Change::upsert(entity, id, data, vec![own]), now).await
    } else {
        shared.push(own);
        record(conn, Change::upsert(entity, id, data, shared), now).await
    }
}

/// Appends `change` for an entity that is new (nothing earlier to replace),
/// saving [`record`]'s delete: a chat message as it is sent.
pub async fn append(conn: &mut AnyConnection, change: Change, now: i64) -> Result<()> {
    let data = change.data.as_ref().map(serde_json::Value::to_string);
    for bucket in &change.buckets {
        sqlx::query(
            "INSERT INTO changes (bucket, entity, entity_id, op, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(bucket)
        .bind(change.entity.as_str())
        .bind(&change.entity_id)
        .bind(change.op.as_str())
        .bind(&data)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Appends many new entities' changes with a few multi-row statements (the
/// chat writer's batches; sizes as `db::batch::in_row_chunks`).
pub async fn append_many(conn: &mut impl Exec, changes: &[Change], now: i64) -> Result<()> {
    let rows: Vec<(&str, &Change)> = changes
        .iter()
        .flat_map(|c| c.buckets.iter().map(move |b| (b.as_str(), c)))
        .collect();
    for chunk in crate::db::batch::in_row_chunks(&rows) {
        let values = (0..chunk.len())
            .map(|k| {
                let b = k * 5;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, $1)",
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO changes (bucket, entity, entity_id, op, data, created_at) VALUES {values}"
        );
        let mut args: Vec<Arg<'_>> = Vec::with_capacity(1 + 5 * chunk.len());
        args.push(now.into());
        for (bucket, change) in chunk {
            args.extend([
                (*bucket).into(),
                change.entity.as_str().into(),
                change.entity_id.as_str().into(),
                change.op.as_str().into(),
                change
                    .data
                    .as_ref()
                    .map(serde_json::Value::to_string)
                    .into(),
            ]);
        }
        conn.execute(&sql, &args).await?;
    }
    Ok(())
}

/// A `changes` row as [`since`] reads it.
#[derive(sqlx::FromRow)]
struct ChangeColumns {
    seq: i64,
    entity: String,
    entity_id: String,
    op: String,
    data: Option<String>,
}

/// The changes of `bucket` after `cursor`, oldest first, at most `limit`,
/// and whether more follow.
pub async fn since(
    conn: &mut AnyConnection,
    bucket: &str,
    cursor: i64,
    limit: u32,
) -> Result<(Vec<moa_protocol::sync::Change>, bool)> {
    use moa_protocol::sync::ChangeOp;
    let rows = sqlx::query_as::<_, ChangeColumns>(
        "SELECT seq, entity, entity_id, op, data FROM changes WHERE bucket = $1 AND seq > $2 \
         ORDER BY seq LIMIT $3",
    )
    .bind(bucket)
    .bind(cursor)
    .bind(i64::from(limit) + 1)
    .fetch_all(&mut *conn)
    .await?;
    let more = rows.len() > limit as usize;
    let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
    for row in rows.into_iter().take(limit as usize) {
        changes.push(moa_protocol::sync::Change {
            seq: row.seq,
            entity: EntityKind::parse(&row.entity),
            id: row.entity_id,
            op: match row.op.as_str() {
                "upsert" => ChangeOp::Upsert,
                "delete" => ChangeOp::Delete,
                other => return Err(Error::Internal(format!("change op {other}"))),
            },
            data: row
                .data
                .map(|d| crate::db::json_column(&d, "change data"))
                .transpose()?,
        });
    }
    Ok((changes, more))
}

/// The `seq` of the latest change in `bucket` (0 when it has none).
pub async fn head(conn: &mut AnyConnection, bucket: &str) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM changes WHERE bucket = $1",
    )
    .bind(bucket)
    .fetch_one(&mut *conn)
    .await?)
}
