//! Communities (a university, a neighbourhood, a company): admins create
//! them, members join one at sign-up or in settings, and the sign-up picker
//! lists and searches them.

use moa_protocol::shop::MAX_SHOP_NAME_CHARS;
use moa_protocol::{Community, CommunityKind, CreateCommunityRequest, Page, Role};
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::pagination::{self, into_page, page_size};
use crate::util::{like_pattern, new_id};
use crate::validate;

const COLUMNS: &str = "id, name, kind, email_domain, member_count, created_at";

type Row = (String, String, String, Option<String>, i64, i64);

fn from_row((id, name, kind, email_domain, member_count, created_at): Row) -> Community {
    Community {
        id,
        name,
        kind: CommunityKind::parse(&kind).unwrap_or(CommunityKind::Neighbourhood),
        email_domain,
        member_count,
        created_at,
    }
}

/// A community by id.
pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Community>> {
    let sql = format!("SELECT {COLUMNS} FROM communities WHERE id = $1");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(from_row))
}

/// Checks an email domain: lowercase letters, digits, dots and hyphens,
/// with at least one dot.
fn email_domain(raw: &str) -> Result<String> {
    let d = raw.trim().trim_start_matches('@').to_lowercase();
    let ok = d.len() <= 100
        && d.contains('.')
        && !d.starts_with('.')
        && !d.ends_with('.')
        && d.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if ok {
        Ok(d)
    } else {
        Err(Error::invalid(
            "email_domain",
            "must be a domain such as snu.ac.kr",
        ))
    }
}

/// Creates a community (admins); a name already taken (case and spacing
/// aside) is a 409.
pub async fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &CreateCommunityRequest,
    now: i64,
) -> Result<Community> {
    actor.ensure_role(Role::Admin)?;
    let name = validate::text("name", &req.name, 1, MAX_SHOP_NAME_CHARS)?;
    let key = validate::fold(&name);
    let email_domain = req
        .email_domain
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(email_domain)
        .transpose()?;
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM communities WHERE name_key = $1")
        .bind(&key)
        .fetch_one(&mut *conn)
        .await?;
    if taken > 0 {
        return Err(Error::conflict(
            moa_protocol::ErrorCode::Conflict,
            "a community of this name exists",
        ));
    }
    let community = Community {
        id: new_id(),
        name,
        kind: req.kind,
        email_domain,
        member_count: 0,
        created_at: now,
    };
    sqlx::query(
        "INSERT INTO communities (id, name, name_key, kind, email_domain, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&community.id)
    .bind(&community.name)
    .bind(&key)
    .bind(community.kind.as_str())
    .bind(&community.email_domain)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    crate::admin::service::audit(
        conn,
        &actor.user_id,
        "create_community",
        ("community", &community.id),
        serde_json::json!({ "name": community.name }),
        now,
    )
    .await?;
    Ok(community)
}

/// Communities by name (the sign-up picker), most members first.
pub async fn list(
    conn: &mut AnyConnection,
    q: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<Community>> {
    let size = page_size(limit);
    let (count, id) = pagination::below_int_id(cursor)?;
    let pattern = like_pattern(&validate::fold(q));
    let sql = format!(
        "SELECT {COLUMNS} FROM communities \
         WHERE name_key LIKE $1 ESCAPE '\\' \
           AND (member_count < $2 OR (member_count = $2 AND id < $3)) \
         ORDER BY member_count DESC, id DESC LIMIT $4"
    );
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(pattern)
        .bind(count)
        .bind(id)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows.into_iter().map(from_row).collect();
    Ok(into_page(items, size, |c: &Community| {
        pagination::encode(&[&c.member_count.to_string(), &c.id])
    }))
}

/// Moves a member into `community` (or out of any, with `None`), keeping
/// the member counts; an unknown community is a 422 on `field`.
pub async fn join(
    conn: &mut AnyConnection,
    user_id: &str,
    community: Option<&str>,
    field: &str,
) -> Result<Option<String>> {
    if let Some(id) = community
        && (!crate::util::is_uuid(id) || get(conn, id).await?.is_none())
    {
        return Err(Error::invalid(field, "no such community"));
    }
    let current: Option<String> =
        sqlx::query_scalar("SELECT community_id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
    if current.as_deref() == community {
        return Ok(current);
    }
    if let Some(old) = &current {
        sqlx::query("UPDATE communities SET member_count = member_count - 1 WHERE id = $1")
            .bind(old)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(new) = community {
        sqlx::query("UPDATE communities SET member_count = member_count + 1 WHERE id = $1")
            .bind(new)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE users SET community_id = $1 WHERE id = $2")
        .bind(community)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(community.map(str::to_owned))
}

/// The community a member belongs to, if any.
pub async fn of_member(conn: &mut AnyConnection, user_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT community_id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?
            .flatten(),
    )
}

/// A name for a community: valid, and not another community's (case and
/// spacing aside; 409 otherwise). Answers the name and its key.
async fn free_name(conn: &mut AnyConnection, raw: &str, except: &str) -> Result<(String, String)> {
    let name = validate::text("name", raw, 1, MAX_SHOP_NAME_CHARS)?;
    let key = validate::fold(&name);
    let taken: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM communities WHERE name_key = $1 AND id <> $2")
            .bind(&key)
            .bind(except)
            .fetch_one(&mut *conn)
            .await?;
    if taken > 0 {
        return Err(Error::conflict(
            moa_protocol::ErrorCode::Conflict,
            "a community of this name exists",
        ));
    }
    Ok((name, key))
}

/// The community `id` (404 when there is none).
async fn existing(conn: &mut AnyConnection, id: &str) -> Result<Community> {
    if !crate::util::is_uuid(id) {
        return Err(Error::NotFound("no such community".into()));
    }
    get(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("no such community".into()))
}

/// Renames a community (admins).
pub async fn rename(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    name: &str,
    now: i64,
) -> Result<Community> {
    actor.ensure_role(Role::Admin)?;
    let before = existing(conn, id).await?;
    let (name, key) = free_name(conn, name, id).await?;
    sqlx::query("UPDATE communities SET name = $1, name_key = $2 WHERE id = $3")
        .bind(&name)
        .bind(&key)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    crate::admin::service::audit(
        conn,
        &actor.user_id,
        "rename_community",
        ("community", id),
        serde_json::json!({ "from": before.name, "to": name }),
        now,
    )
    .await?;
    existing(conn, id).await
}

/// Merges community `id` into `into` (admins): its members and its
/// campaigns' offers move over, the members' profiles are republished (so
/// their devices sync the new community's bucket), and `id` is gone.
pub async fn merge(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    into: &str,
    now: i64,
) -> Result<Community> {
    actor.ensure_role(Role::Admin)?;
    let from = existing(conn, id).await?;
    if !crate::util::is_uuid(into) || get(conn, into).await?.is_none() {
        return Err(Error::invalid("into", "no such community"));
    }
    if id == into {
        return Err(Error::invalid(
            "into",
            "a community cannot merge into itself",
        ));
    }
    let members: Vec<String> = sqlx::query_scalar("SELECT id FROM users WHERE community_id = $1")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    sqlx::query("UPDATE users SET community_id = $1, updated_at = $2 WHERE community_id = $3")
        .bind(into)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    // A campaign offered to both keeps one offer.
    sqlx::query(
        "DELETE FROM campaign_communities WHERE community_id = $1 AND campaign_id IN \
         (SELECT campaign_id FROM campaign_communities WHERE community_id = $2)",
    )
    .bind(id)
    .bind(into)
    .execute(&mut *conn)
    .await?;
    let campaigns: Vec<String> =
        sqlx::query_scalar("SELECT campaign_id FROM campaign_communities WHERE community_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    sqlx::query("UPDATE campaign_communities SET community_id = $1 WHERE community_id = $2")
        .bind(into)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    // Community-only requests follow their community.
    let requests: Vec<String> =
        sqlx::query_scalar("SELECT id FROM requests WHERE community_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    sqlx::query("UPDATE requests SET community_id = $1 WHERE community_id = $2")
        .bind(into)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE communities SET member_count = \
         (SELECT COUNT(*) FROM users WHERE community_id = $1) WHERE id = $1",
    )
    .bind(into)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM communities WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for user_id in &members {
        if let Some(user) = crate::users::service::find_by_id(conn, user_id).await? {
            crate::users::service::publish(conn, &user, now).await?;
        }
    }
    for campaign_id in &campaigns {
        super::campaigns::publish(conn, campaign_id, now).await?;
    }
    for request_id in &requests {
        crate::requests::service::publish(conn, request_id, now).await?;
    }
    crate::admin::service::audit(
        conn,
        &actor.user_id,
        "merge_community",
        ("community", id),
        serde_json::json!({ "name": from.name, "into": into, "members": members.len() }),
        now,
    )
    .await?;
    existing(conn, into).await
}
