//! Notifications: stored per member, created by the write that causes them
//! (in its transaction), listed with an unread count, marked read, and muted
//! per kind. Each one is also a change in the member's own bucket, which is
//! how sync and (later) the realtime socket deliver it.

use moa_protocol::{
    EntityKind, MarkReadRequest, Notification, NotificationKind, NotificationPage,
    NotificationSettings, UnreadCount,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

use crate::changelog::{self, Change, user_bucket};
use crate::error::{Error, Result};
use crate::pagination::{self, into_page, page_size};
use crate::users::service::{self as users, AUTHOR_COLUMNS};
use crate::util::new_id;

/// What happened, for [`notify`].
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// Who is told.
    pub user_id: &'a str,
    pub kind: NotificationKind,
    /// Who did it (`None` for moderation outcomes).
    pub actor_id: Option<&'a str>,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub review_id: Option<&'a str>,
    pub preview: &'a str,
}

/// Longest preview stored.
const PREVIEW_CHARS: usize = 80;

/// Records a notification unless the member did it themselves, muted the
/// kind, or (for likes and follows) was already told of this very event.
pub async fn notify(conn: &mut AnyConnection, event: Event<'_>, now: i64) -> Result<()> {
    if event.actor_id == Some(event.user_id) {
        return Ok(());
    }
    let muted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notification_mutes WHERE user_id = $1 AND kind = $2",
    )
    .bind(event.user_id)
    .bind(event.kind.as_str())
    .fetch_one(&mut *conn)
    .await?;
    if muted > 0 {
        return Ok(());
    }
    if matches!(
        event.kind,
        NotificationKind::Like | NotificationKind::Follow
    ) {
        let seen: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = $2 AND actor_id = $3 \
             AND target_id = $4",
        )
        .bind(event.user_id)
        .bind(event.kind.as_str())
        .bind(event.actor_id)
        .bind(event.target_id)
        .fetch_one(&mut *conn)
        .await?;
        if seen > 0 {
            return Ok(());
        }
    }
    let id = new_id();
    let preview: String = event.preview.chars().take(PREVIEW_CHARS).collect();
    sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, actor_id, target_type, target_id, review_id, preview, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(event.user_id)
    .bind(event.kind.as_str())
    .bind(event.actor_id)
    .bind(event.target_type)
    .bind(event.target_id)
    .bind(event.review_id)
    .bind(&preview)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    publish(conn, event.user_id, &id, now).await?;
    crate::push::enqueue_notification(
        conn,
        crate::push::NotificationPush {
            user_id: event.user_id,
            id: &id,
            kind: event.kind,
            actor_id: event.actor_id,
            target_id: event.target_id,
            preview: &preview,
        },
        now,
    )
    .await
}

/// Logs the notification `id` as it is now (with its read state) in its
/// member's bucket.
async fn publish(conn: &mut AnyConnection, user_id: &str, id: &str, now: i64) -> Result<()> {
    let sql = format!(
        "SELECT {COLUMNS}, {AUTHOR_COLUMNS} FROM notifications n LEFT JOIN users u ON u.id = n.actor_id \
         WHERE n.id = $1"
    );
    let row = sqlx::query(&sql).bind(id).fetch_one(&mut *conn).await?;
    let data = serde_json::to_value(from_row(&row)?)
        .map_err(|e| Error::Internal(format!("cannot encode a notification: {e}")))?;
    changelog::record(
        conn,
        Change::upsert(
            EntityKind::Notification,
            id,
            data,
            vec![user_bucket(user_id)],
        ),
        now,
    )
    .await
}

const COLUMNS: &str = "n.id, n.kind, n.actor_id, n.target_type, n.target_id, n.review_id, n.preview, \
    n.created_at, n.read_at";

/// The columns of [`COLUMNS`] and the actor's [`AUTHOR_COLUMNS`] as stored.
#[derive(sqlx::FromRow)]
struct NotificationColumns {
    id: String,
    kind: String,
    actor_id: Option<String>,
    target_type: String,
    target_id: String,
    review_id: Option<String>,
    preview: String,
    created_at: i64,
    read_at: Option<i64>,
    #[sqlx(flatten)]
    actor: users::AuthorColumns,
}

fn from_row(row: &AnyRow) -> Result<Notification> {
    let c = NotificationColumns::from_row(row)?;
    Ok(Notification {
        id: c.id,
        kind: NotificationKind::parse(&c.kind)
            .ok_or_else(|| Error::Internal(format!("notification kind {}", c.kind)))?,
        actor: c.actor_id.map(|id| c.actor.into_author(id)),
        target_type: c.target_type,
        target_id: c.target_id,
        review_id: c.review_id,
        preview: c.preview,
        created_at: c.created_at,
        read: c.read_at.is_some(),
    })
}

pub async fn unread_count(conn: &mut AnyConnection, user_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// A member's notifications, newest first, with the unread count.
pub async fn list(
    conn: &mut AnyConnection,
    user_id: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<NotificationPage> {
    let size = page_size(limit);
    let (time, id) = pagination::below_int_id(cursor)?;
    let sql = format!(
        "SELECT {COLUMNS}, {AUTHOR_COLUMNS} FROM notifications n LEFT JOIN users u ON u.id = n.actor_id \
         WHERE n.user_id = $1 AND (n.created_at, n.id) < ($2, $3) \
         ORDER BY n.created_at DESC, n.id DESC LIMIT $4"
    );
    let rows = sqlx::query(&sql)
        .bind(user_id)
        .bind(time)
        .bind(id)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let page = into_page(items, size, |n| {
        pagination::encode(&[&n.created_at.to_string(), &n.id])
    });
    Ok(NotificationPage {
        items: page.items,
        next_cursor: page.next_cursor,
        unread_count: unread_count(conn, user_id).await?,
    })
}

/// Marks some (or all) of the member's notifications read. Ids of other
/// members' notifications match nothing and change nothing.
pub async fn mark_read(
    conn: &mut AnyConnection,
    user_id: &str,
    req: &MarkReadRequest,
    now: i64,
) -> Result<UnreadCount> {
    let ids: Vec<String> = if req.all {
        sqlx::query_scalar(
            "SELECT id FROM notifications WHERE user_id = $1 AND read_at IS NULL ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?
    } else {
        if req.ids.is_empty() {
            return Err(Error::invalid(
                "ids",
                "name the notifications to mark, or set all",
            ));
        }
        if req.ids.len() > 500 {
            return Err(Error::invalid("ids", "at most 500 at a time"));
        }
        for (i, id) in req.ids.iter().enumerate() {
            if !crate::util::is_uuid(id) {
                return Err(Error::invalid(format!("ids[{i}]"), "not a notification id"));
            }
        }
        req.ids.clone()
    };
    // Each one that changes is logged again, now read, for the member's devices.
    for id in &ids {
        let marked = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
        if marked.rows_affected() == 1 {
            publish(conn, user_id, id, now).await?;
        }
    }
    Ok(UnreadCount {
        unread_count: unread_count(conn, user_id).await?,
    })
}

pub async fn settings(conn: &mut AnyConnection, user_id: &str) -> Result<NotificationSettings> {
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM notification_mutes WHERE user_id = $1 ORDER BY kind")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    let mut muted: Vec<NotificationKind> = kinds
        .iter()
        .filter_map(|k| NotificationKind::parse(k))
        .collect();
    muted.sort();
    let previews: Option<i64> =
        sqlx::query_scalar("SELECT chat_push_previews FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(NotificationSettings {
        muted,
        chat_previews: previews.unwrap_or(1) != 0,
    })
}

/// Replaces the member's muted kinds.
pub async fn set_settings(
    conn: &mut AnyConnection,
    user_id: &str,
    req: &NotificationSettings,
) -> Result<NotificationSettings> {
    sqlx::query("DELETE FROM notification_mutes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for kind in &req.muted {
        sqlx::query(
            "INSERT INTO notification_mutes (user_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("UPDATE users SET chat_push_previews = $1 WHERE id = $2")
        .bind(i64::from(req.chat_previews))
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    settings(conn, user_id).await
}
