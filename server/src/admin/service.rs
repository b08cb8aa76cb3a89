//! Account moderation rules: who may change roles and suspend whom, and the
//! audit log every such action writes to in the same transaction.

use moa_protocol::{AdminUser, AuditEntry, Page, Role, limits};
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::pagination::{self, into_page, page_size};
use crate::users::service::{self as users, USER_COLUMNS, UserRow};
use crate::util::{like_pattern, new_id, now_ms};

/// Accounts, newest first, optionally filtered by handle, email or name.
pub async fn list_users(
    conn: &mut AnyConnection,
    q: Option<&str>,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<AdminUser>> {
    let size = page_size(limit);
    let after = cursor.map(pagination::decode_id).transpose()?;
    let pattern = like_pattern(q.unwrap_or(""));
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users \
         WHERE ($1 = '' OR id < $1) \
           AND (LOWER(handle) LIKE $2 ESCAPE '\\' OR LOWER(email) LIKE $2 ESCAPE '\\' \
                OR LOWER(display_name) LIKE $2 ESCAPE '\\') \
         ORDER BY id DESC LIMIT $3"
    );
    let rows = sqlx::query(&sql)
        .bind(after.unwrap_or_default())
        .bind(pattern)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let users = rows
        .iter()
        .map(UserRow::from_row)
        .collect::<Result<Vec<_>>>()?;
    let page = into_page(users, size, |u| pagination::encode(&[&u.id]));
    Ok(Page {
        items: page.items.iter().map(UserRow::to_admin).collect(),
        next_cursor: page.next_cursor,
    })
}

async fn target(conn: &mut AnyConnection, id: &str) -> Result<UserRow> {
    let user = if crate::util::is_uuid(id) {
        users::find_by_id(conn, id).await?
    } else {
        None
    };
    match user {
        Some(u) if u.deleted_at.is_none() => Ok(u),
        _ => Err(Error::NotFound("no such member".into())),
    }
}

/// Appends to the audit log, in the caller's transaction.
pub async fn audit(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    target: (&str, &str),
    detail: serde_json::Value,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, actor_id, action, target_type, target_id, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(actor)
    .bind(action)
    .bind(target.0)
    .bind(target.1)
    .bind(detail.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Admins change roles of others (never their own, so an admin always remains).
pub async fn set_role(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    role: Role,
) -> Result<AdminUser> {
    actor.ensure_role(Role::Admin)?;
    if actor.user_id == id {
        return Err(Error::forbidden("you cannot change your own role"));
    }
    let mut user = target(conn, id).await?;
    let now = now_ms();
    if user.role != role {
        users::set_role(conn, id, role, now).await?;
        let detail = serde_json::json!({"from": user.role.as_str(), "to": role.as_str()});
        audit(conn, &actor.user_id, "set_role", ("user", id), detail, now).await?;
        user.role = role;
    }
    Ok(user.to_admin())
}

/// Moderators suspend members; admins also moderators; admins are never
/// suspended (demote first), nobody suspends themselves.
pub async fn suspend(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    days: Option<u32>,
    reason: &str,
) -> Result<AdminUser> {
    actor.ensure_role(Role::Moderator)?;
    if let Some(days) = days
        && !(1..=limits::MAX_SUSPENSION_DAYS).contains(&days)
    {
        return Err(Error::invalid(
            "days",
            format!(
                "must be 1 to {}, or absent for an indefinite suspension",
                limits::MAX_SUSPENSION_DAYS
            ),
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > limits::MAX_REASON_CHARS {
        return Err(Error::invalid(
            "reason",
            format!(
                "give a reason of 1 to {} characters",
                limits::MAX_REASON_CHARS
            ),
        ));
    }
    if actor.user_id == id {
        return Err(Error::forbidden("you cannot suspend yourself"));
    }
    let mut user = target(conn, id).await?;
    if user.role >= actor.role {
        return Err(Error::forbidden(format!(
            "a {} cannot suspend a {}",
            actor.role.as_str(),
            user.role.as_str()
        )));
    }
    let now = now_ms();
    let until = match days {
        Some(days) => now + i64::from(days) * 24 * 3600 * 1000,
        None => limits::INDEFINITE,
    };
    users::set_suspended_until(conn, id, Some(until), now).await?;
    audit(
        conn,
        &actor.user_id,
        "suspend",
        ("user", id),
        serde_json::json!({"days": days, "until": until, "reason": reason}),
        now,
    )
    .await?;
    user.suspended_until = Some(until);
    Ok(user.to_admin())
}

/// Lifts a suspension.
pub async fn unsuspend(conn: &mut AnyConnection, actor: &Actor, id: &str) -> Result<AdminUser> {
    actor.ensure_role(Role::Moderator)?;
    let mut user = target(conn, id).await?;
    if user.suspended_until.is_some() {
        let now = now_ms();
        users::set_suspended_until(conn, id, None, now).await?;
        audit(
            conn,
            &actor.user_id,
            "unsuspend",
            ("user", id),
            serde_json::json!({}),
            now,
        )
        .await?;
        user.suspended_until = None;
    }
    Ok(user.to_admin())
}

/// An `audit_log` row.
#[derive(sqlx::FromRow)]
struct AuditColumns {
    id: String,
    actor_id: String,
    action: String,
    target_type: String,
    target_id: String,
    detail: String,
    created_at: i64,
}

impl From<AuditColumns> for AuditEntry {
    fn from(c: AuditColumns) -> Self {
        AuditEntry {
            id: c.id,
            actor_id: c.actor_id,
            action: c.action,
            target_type: c.target_type,
            target_id: c.target_id,
            detail: c.detail,
            created_at: c.created_at,
        }
    }
}

/// The audit log, newest first.
pub async fn list_audit(
    conn: &mut AnyConnection,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<AuditEntry>> {
    let size = page_size(limit);
    let after = cursor.map(pagination::decode_id).transpose()?;
    let rows = sqlx::query_as::<_, AuditColumns>(
        "SELECT id, actor_id, action, target_type, target_id, detail, created_at FROM audit_log \
         WHERE ($1 = '' OR id < $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(after.unwrap_or_default())
    .bind(size + 1)
    .fetch_all(&mut *conn)
    .await?;
    let items = rows.into_iter().map(AuditEntry::from).collect();
    Ok(into_page(items, size, |e| pagination::encode(&[&e.id])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern(" Min_%"), "%min\\_\\%%");
    }
}
