//! Comments on reviews and one level of replies: the write path and lists.

use moa_protocol::limits::MAX_COMMENT_CHARS;
use moa_protocol::{
    Comment, CreateCommentRequest, EditCommentRequest, EntityKind, ErrorCode, NotificationKind,
    Page, ProfileComment,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

use crate::actor::{Actor, Reader};
use crate::changelog::{self, review_bucket, user_bucket};
use crate::error::{Error, Result};
use crate::notifications::service as notifications;
use crate::pagination::{self, into_page, page_size};
use crate::reviews::{rank, service as reviews};
use crate::users::service as users;
use crate::validate;

const COMMENT_COLUMNS: &str = "c.id, c.review_id, c.parent_id, c.author_id, c.body, c.like_count, \
    c.reply_count, c.version, c.created_at, c.edited_at, c.deleted_at, c.hidden_at, \
    u.handle AS a_handle, u.display_name AS a_name, u.avatar_media_id AS a_avatar, \
    u.deleted_at AS a_deleted, \
    CAST(CASE WHEN EXISTS (SELECT 1 FROM likes l WHERE l.user_id = $1 AND l.target_type = 'comment' \
        AND l.target_id = c.id) THEN 1 ELSE 0 END AS BIGINT) AS liked";

/// What a reader may see (`$1` reader, `$2` moderator flag), like reviews.
const VISIBLE: &str =
    "((c.deleted_at IS NULL AND (c.hidden_at IS NULL OR c.author_id = $1)) OR $2 = 1)";

/// A comment with the author id the rules need.
#[derive(Debug, Clone)]
pub struct CommentRow {
    pub comment: Comment,
    pub author_id: String,
}

/// The columns of [`COMMENT_COLUMNS`] as stored.
#[derive(sqlx::FromRow)]
struct CommentColumns {
    id: String,
    review_id: String,
    parent_id: Option<String>,
    author_id: String,
    body: String,
    like_count: i64,
    reply_count: i64,
    version: i64,
    created_at: i64,
    edited_at: Option<i64>,
    deleted_at: Option<i64>,
    hidden_at: Option<i64>,
    #[sqlx(flatten)]
    author: users::AuthorColumns,
    liked: i64,
}

fn from_row(row: &AnyRow) -> Result<CommentRow> {
    let c = CommentColumns::from_row(row)?;
    let comment = Comment {
        id: c.id,
        review_id: c.review_id,
        parent_id: c.parent_id,
        author: c.author.into_author(c.author_id.clone()),
        body: c.body,
        like_count: c.like_count,
        reply_count: c.reply_count,
        liked_by_me: c.liked != 0,
        version: c.version,
        created_at: c.created_at,
        edited_at: c.edited_at,
        hidden: c.hidden_at.is_some(),
        deleted: c.deleted_at.is_some(),
    };
    Ok(CommentRow {
        comment,
        author_id: c.author_id,
    })
}

/// One comment as `reader` sees it.
pub async fn get(
    conn: &mut AnyConnection,
    reader: &str,
    moderator: bool,
    id: &str,
) -> Result<Option<CommentRow>> {
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} FROM comments c JOIN users u ON u.id = c.author_id \
         WHERE c.id = $3 AND {VISIBLE}"
    );
    let row = sqlx::query(&sql)
        .bind(reader)
        .bind(i64::from(moderator))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

fn not_found() -> Error {
    Error::NotFound("no such comment".into())
}

/// Writes the comment's current form to the change log, in its review's
/// bucket and its author's: a deleted comment is a tombstone in both; a
/// hidden one a tombstone in the review's bucket and an upsert (marked
/// hidden) in the author's own bucket only.
pub async fn publish(conn: &mut AnyConnection, id: &str, now: i64) -> Result<()> {
    let row = get(conn, "", true, id).await?.ok_or_else(not_found)?;
    let content = changelog::Content {
        entity: EntityKind::Comment,
        id,
        value: &row.comment,
        deleted: row.comment.deleted,
        hidden: row.comment.hidden,
        shared: vec![review_bucket(&row.comment.review_id)],
        own: user_bucket(&row.author_id),
    };
    changelog::record_content(conn, content, now).await
}

/// Comments a review (or replies to a top-level comment of it). Replaying
/// the same id by the same author answers the existing comment (`false`).
pub async fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    review_id: &str,
    req: &CreateCommentRequest,
    now: i64,
) -> Result<(Comment, bool)> {
    actor.ensure_can_write()?;
    let id = validate::client_id("id", req.id.as_deref())?;
    if let Some(existing) = get(conn, "", true, &id).await? {
        return if existing.author_id == actor.user_id && existing.comment.review_id == review_id {
            Ok((existing.comment, false))
        } else {
            Err(Error::conflict(
                ErrorCode::Conflict,
                "this id is already used by another comment",
            ))
        };
    }
    let body = validate::text("body", &req.body, 1, MAX_COMMENT_CHARS)?;
    let review = reviews::get(conn, &actor.user_id, false, review_id).await?;
    let review = review.filter(|r| !r.review.deleted && !r.review.hidden);
    let review = review.ok_or_else(|| Error::NotFound("no such review".into()))?;
    let mut parent_author = None;
    if let Some(parent_id) = &req.parent_id {
        let parent = get(conn, &actor.user_id, false, parent_id).await?;
        match parent {
            Some(p) if p.comment.review_id == review_id && !p.comment.deleted => {
                if p.comment.parent_id.is_some() {
                    return Err(Error::invalid(
                        "parent_id",
                        "replies take one level: reply to the comment",
                    ));
                }
                parent_author = Some(p.author_id);
            }
            _ => {
                return Err(Error::invalid(
                    "parent_id",
                    "no such comment on this review",
                ));
            }
        }
    }
    sqlx::query(
        "INSERT INTO comments (id, review_id, parent_id, author_id, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(review_id)
    .bind(&req.parent_id)
    .bind(&actor.user_id)
    .bind(&body)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    count(conn, review_id, req.parent_id.as_deref(), 1).await?;
    publish(conn, &id, now).await?;
    let (told, kind) = match &parent_author {
        Some(parent_author) => (parent_author.as_str(), NotificationKind::Reply),
        None => (review.author_id.as_str(), NotificationKind::Comment),
    };
    let event = notifications::Event {
        user_id: told,
        kind,
        actor_id: Some(&actor.user_id),
        target_type: "comment",
        target_id: &id,
        review_id: Some(review_id),
        preview: &body,
    };
    notifications::notify(conn, event, now).await?;
    reviews::publish(conn, &review.review.id, now).await?;
    let row = get(conn, &actor.user_id, false, &id)
        .await?
        .ok_or_else(not_found)?;
    Ok((row.comment, true))
}

async fn count(
    conn: &mut AnyConnection,
    review_id: &str,
    parent_id: Option<&str>,
    sign: i64,
) -> Result<()> {
    sqlx::query("UPDATE reviews SET comment_count = comment_count + $1 WHERE id = $2")
        .bind(sign)
        .bind(review_id)
        .execute(&mut *conn)
        .await?;
    if let Some(parent) = parent_id {
        sqlx::query("UPDATE comments SET reply_count = reply_count + $1 WHERE id = $2")
            .bind(sign)
            .bind(parent)
            .execute(&mut *conn)
            .await?;
    }
    rank::refresh(conn, review_id).await
}

async fn own(conn: &mut AnyConnection, actor: &Actor, id: &str) -> Result<CommentRow> {
    let row = get(conn, "", true, id).await?.ok_or_else(not_found)?;
    actor.ensure_author(&row.author_id, row.comment.deleted, "comment")?;
    Ok(row)
}

/// Edits the body; an edit based on an older version is refused with the
/// current comment (a comment has one field, so any newer version conflicts).
pub async fn edit(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &EditCommentRequest,
    now: i64,
) -> Result<Comment> {
    let row = own(conn, actor, id).await?;
    if row.comment.hidden {
        // Hidden by a moderator: an edit must not slip new text past them.
        return Err(Error::conflict(
            ErrorCode::InvalidState,
            "a moderator hid this comment; it cannot be edited",
        ));
    }
    if req.base_version < 1 || req.base_version > row.comment.version {
        return Err(Error::invalid(
            "base_version",
            "not a version of this comment",
        ));
    }
    if req.base_version != row.comment.version {
        let current = serde_json::to_value(&row.comment)
            .map_err(|e| Error::Internal(format!("cannot encode a comment: {e}")))?;
        return Err(Error::EditConflict { current });
    }
    let body = validate::text("body", &req.body, 1, MAX_COMMENT_CHARS)?;
    sqlx::query(
        "UPDATE comments SET body = $1, version = version + 1, edited_at = $2 WHERE id = $3",
    )
    .bind(&body)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    publish(conn, id, now).await?;
    Ok(get(conn, &actor.user_id, false, id)
        .await?
        .ok_or_else(not_found)?
        .comment)
}

/// Soft-deletes the actor's comment. Deleting twice is harmless.
pub async fn delete(conn: &mut AnyConnection, actor: &Actor, id: &str, now: i64) -> Result<()> {
    let row = get(conn, "", true, id).await?.ok_or_else(not_found)?;
    if row.comment.deleted && row.author_id == actor.user_id {
        return Ok(());
    }
    actor.ensure_author(&row.author_id, row.comment.deleted, "comment")?;
    remove(conn, &row, now).await
}

/// Marks a comment deleted and takes it out of the counts (shared with moderation).
pub async fn remove(conn: &mut AnyConnection, row: &CommentRow, now: i64) -> Result<()> {
    sqlx::query("UPDATE comments SET deleted_at = $1, version = version + 1 WHERE id = $2")
        .bind(now)
        .bind(&row.comment.id)
        .execute(&mut *conn)
        .await?;
    count(
        conn,
        &row.comment.review_id,
        row.comment.parent_id.as_deref(),
        -1,
    )
    .await?;
    publish(conn, &row.comment.id, now).await?;
    reviews::publish(conn, &row.comment.review_id, now).await
}

/// A review's comments and replies, oldest first (clients nest replies under
/// their `parent_id`).
pub async fn list(
    conn: &mut AnyConnection,
    reader: &Reader,
    review_id: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<Comment>> {
    let review = reviews::get(conn, reader.id(), reader.is_moderator(), review_id).await?;
    if review.is_none() {
        return Err(Error::NotFound("no such review".into()));
    }
    let size = page_size(limit);
    let (time, id) = pagination::above_int_id(cursor)?;
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} FROM comments c JOIN users u ON u.id = c.author_id \
         WHERE c.review_id = $3 AND {VISIBLE} AND (c.created_at, c.id) > ($4, $5) \
         ORDER BY c.created_at, c.id LIMIT $6"
    );
    let rows = sqlx::query(&sql)
        .bind(reader.id())
        .bind(i64::from(reader.is_moderator()))
        .bind(review_id)
        .bind(time)
        .bind(id)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows
        .iter()
        .map(|r| from_row(r).map(|c| c.comment))
        .collect::<Result<Vec<_>>>()?;
    Ok(into_page(items, size, |c| {
        pagination::encode(&[&c.created_at.to_string(), &c.id])
    }))
}

/// A member's comments as `reader` sees them, newest first, with the title
/// of the review each is on; comments on reviews the reader cannot see are
/// left out.
pub async fn by_author(
    conn: &mut AnyConnection,
    reader: &Reader,
    author_id: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<ProfileComment>> {
    let size = page_size(limit);
    let (time, id) = pagination::below_int_id(cursor)?;
    let sql = format!(
        "SELECT {COMMENT_COLUMNS}, \
         COALESCE(NULLIF(r.title, ''), SUBSTR(r.body, 1, 40)) AS review_title \
         FROM comments c JOIN users u ON u.id = c.author_id JOIN reviews r ON r.id = c.review_id \
         WHERE c.author_id = $3 AND {VISIBLE} AND r.deleted_at IS NULL \
         AND (r.hidden_at IS NULL OR r.author_id = $1 OR $2 = 1) \
         AND (c.created_at, c.id) < ($4, $5) \
         ORDER BY c.created_at DESC, c.id DESC LIMIT $6"
    );
    let rows = sqlx::query(&sql)
        .bind(reader.id())
        .bind(i64::from(reader.is_moderator()))
        .bind(author_id)
        .bind(time)
        .bind(id)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(ProfileComment {
                comment: from_row(r)?.comment,
                review_title: r.try_get("review_title")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(into_page(items, size, |c| {
        pagination::encode(&[&c.comment.created_at.to_string(), &c.comment.id])
    }))
}
