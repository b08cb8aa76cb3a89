//! Reviews: the write path (create, edit with per-field conflict detection,
//! soft delete, views) and reading one review as a given reader sees it.
//!
//! Every write takes the caller's transaction, checks the rules, writes, and
//! records the resulting change in the change log, so the REST endpoints and
//! the sync push share one implementation.

use std::collections::BTreeMap;

use moa_protocol::limits::*;
use moa_protocol::{
    CreateReviewRequest, EditReviewRequest, EntityKind, ErrorCode, Review, ReviewKind, Role,
    SearchKind, Subject, SubjectType,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

use crate::actor::Actor;
use crate::catalog::service as catalog;
use crate::changelog::{self, PUBLIC, review_bucket, user_bucket};
use crate::db::json_column;
use crate::error::{Error, Result};
use crate::media::service::{self as media, RefType};
use crate::reviews::rank;
use crate::search::service as search;
use crate::users::service as users;
use crate::util::to_json_text;
use crate::validate;

/// Columns of a review as read by a reader (`$1` is the reader's id, `""` if
/// anonymous). Callers add `FROM ...` with the joins of [`REVIEW_JOINS`].
pub const REVIEW_COLUMNS: &str = "r.id, r.author_id, r.kind, r.title, r.body, r.photos, \
    r.subject_type, r.subject_id, r.rating, r.tags, r.official, r.like_count, r.comment_count, \
    r.scrap_count, r.view_count, r.version, r.field_versions, r.created_at, r.edited_at, \
    r.deleted_at, r.hidden_at, \
    u.handle AS a_handle, u.display_name AS a_name, u.avatar_media_id AS a_avatar, \
    u.deleted_at AS a_deleted, \
    COALESCE(p.name, pr.name) AS s_name, COALESCE(p.address, pr.shop_url) AS s_detail, \
    CAST(CASE WHEN lk.user_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS liked, \
    CAST(CASE WHEN sk.user_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS scrapped";

/// The joins [`REVIEW_COLUMNS`] needs, after `reviews r`; the query's
/// `WHERE` must include [`AUTHOR_OF_REVIEW`]. `CROSS JOIN` (rather than
/// `JOIN ... ON`) makes SQLite keep `reviews` as the outer loop, so a feed
/// walks its sort index and stops after a page; without it SQLite may start
/// from `users` and sort every review. PostgreSQL treats both forms alike.
/// The reader's like and scrap are left joins on those tables' primary
/// keys, one probe per row read: as `EXISTS` subqueries PostgreSQL hashed
/// all of the reader's likes for every page, a cost that grew with their
/// history (the 1M-review popular page at 1.52× the 10k one).
pub const REVIEW_JOINS: &str = "CROSS JOIN users u \
    LEFT JOIN places p ON r.subject_type = 'place' AND p.id = r.subject_id \
    LEFT JOIN products pr ON r.subject_type = 'product' AND pr.id = r.subject_id \
    LEFT JOIN likes lk ON lk.user_id = $1 AND lk.target_type = 'review' AND lk.target_id = r.id \
    LEFT JOIN scraps sk ON sk.user_id = $1 AND sk.review_id = r.id";

/// The join condition of `users u` in [`REVIEW_JOINS`].
pub const AUTHOR_OF_REVIEW: &str = "u.id = r.author_id";

/// What a reader may see (`$1` reader id, `$2` 1 for moderators): members
/// see neither deleted nor hidden reviews (authors still see their own
/// hidden ones, marked); moderators see everything, marked.
pub const VISIBLE: &str =
    "((r.deleted_at IS NULL AND (r.hidden_at IS NULL OR r.author_id = $1)) OR $2 = 1)";

/// A review as stored, with what the rules need beside the wire form.
#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub review: Review,
    pub author_id: String,
    pub subject: Option<(String, String)>,
    pub field_versions: BTreeMap<String, i64>,
}

/// The columns of [`REVIEW_COLUMNS`] as stored.
#[derive(sqlx::FromRow)]
struct ReviewColumns {
    id: String,
    author_id: String,
    kind: String,
    title: String,
    body: String,
    photos: String,
    subject_type: Option<String>,
    subject_id: Option<String>,
    rating: Option<i64>,
    tags: String,
    official: i64,
    like_count: i64,
    comment_count: i64,
    scrap_count: i64,
    view_count: i64,
    version: i64,
    field_versions: String,
    created_at: i64,
    edited_at: Option<i64>,
    deleted_at: Option<i64>,
    hidden_at: Option<i64>,
    #[sqlx(flatten)]
    author: users::AuthorColumns,
    s_name: Option<String>,
    s_detail: Option<String>,
    liked: i64,
    scrapped: i64,
}

pub fn review_from_row(row: &AnyRow) -> Result<ReviewRow> {
    let c = ReviewColumns::from_row(row)?;
    let subject = match (&c.subject_type, &c.subject_id) {
        (Some(t), Some(id)) => Some(Subject {
            kind: SubjectType::parse(t)
                .ok_or_else(|| Error::Internal(format!("subject type {t}")))?,
            id: id.clone(),
            name: c.s_name.unwrap_or_default(),
            detail: c.s_detail.unwrap_or_default(),
        }),
        _ => None,
    };
    let review = Review {
        id: c.id,
        author: c.author.into_author(c.author_id.clone()),
        kind: ReviewKind::parse(&c.kind)
            .ok_or_else(|| Error::Internal(format!("review kind {}", c.kind)))?,
        title: c.title,
        body: c.body,
        photos: json_column(&c.photos, "photos")?,
        subject,
        rating: c.rating,
        tags: json_column(&c.tags, "tags")?,
        official: c.official != 0,
        like_count: c.like_count,
        comment_count: c.comment_count,
        scrap_count: c.scrap_count,
        view_count: c.view_count,
        liked_by_me: c.liked != 0,
        scrapped_by_me: c.scrapped != 0,
        version: c.version,
        created_at: c.created_at,
        edited_at: c.edited_at,
        hidden: c.hidden_at.is_some(),
        deleted: c.deleted_at.is_some(),
    };
    Ok(ReviewRow {
        review,
        author_id: c.author_id,
        subject: c.subject_type.zip(c.subject_id),
        field_versions: json_column(&c.field_versions, "field_versions")?,
    })
}

/// One review as `reader` sees it, or `None` if it does not exist or is not
/// visible to them.
pub async fn get(
    conn: &mut AnyConnection,
    reader: &str,
    moderator: bool,
    id: &str,
) -> Result<Option<ReviewRow>> {
    let sql = format!(
        "SELECT {REVIEW_COLUMNS} FROM reviews r {REVIEW_JOINS} \
         WHERE r.id = $3 AND {AUTHOR_OF_REVIEW} AND {VISIBLE}"
    );
    let row = sqlx::query(&sql)
        .bind(reader)
        .bind(i64::from(moderator))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(review_from_row).transpose()
}

/// The review whatever its state (for the rules and the change log).
pub(crate) async fn load(conn: &mut AnyConnection, id: &str) -> Result<Option<ReviewRow>> {
    get(conn, "", true, id).await
}

fn not_found() -> Error {
    Error::NotFound("no such review".into())
}

/// Writes the review's current form to the change log: an upsert in the
/// public, review and author's buckets; a deleted review is a tombstone in
/// all three; a hidden one is a tombstone in the public and review buckets
/// and an upsert (marked hidden) in the author's own bucket only. A deleted
/// or hidden review is a tombstone in the buckets of the members who
/// scrapped it as well: their devices hold it through their scraps.
pub async fn publish(conn: &mut AnyConnection, id: &str, now: i64) -> Result<()> {
    let row = load(conn, id).await?.ok_or_else(not_found)?;
    let mut shared = vec![PUBLIC.to_owned(), review_bucket(id)];
    if row.review.deleted || row.review.hidden {
        // Its scrappers hold it through their scraps, in no bucket of its
        // own: tell their devices it is gone too.
        let scrappers: Vec<String> =
            sqlx::query_scalar("SELECT user_id FROM scraps WHERE review_id = $1 AND user_id <> $2")
                .bind(id)
                .bind(&row.author_id)
                .fetch_all(&mut *conn)
                .await?;
        shared.extend(scrappers.iter().map(|u| user_bucket(u)));
    }
    index(conn, &row).await?;
    let content = changelog::Content {
        entity: EntityKind::Review,
        id,
        value: &row.review,
        deleted: row.review.deleted,
        hidden: row.review.hidden,
        shared,
        own: user_bucket(&row.author_id),
    };
    changelog::record_content(conn, content, now).await
}

/// Keeps the review's search entry in step with it: found while visible,
/// gone once hidden or deleted.
pub(crate) async fn index(conn: &mut AnyConnection, row: &ReviewRow) -> Result<()> {
    let review = &row.review;
    if review.deleted || review.hidden {
        return search::remove(conn, SearchKind::Review, &review.id).await;
    }
    let title = moa_hangul::query::title_or_body(&review.title, &review.body);
    let doc = search::Doc {
        kind: SearchKind::Review,
        id: &review.id,
        author_id: Some(&row.author_id),
        title: &title,
        body: &review.body,
        extra: &moa_hangul::query::hashtags(&review.tags),
        photo_id: review.photos.first().map(String::as_str),
        created_at: review.created_at,
    };
    search::put(conn, &doc).await
}

struct Content {
    title: String,
    body: String,
    photos: Vec<String>,
}

fn validate_content(
    kind: ReviewKind,
    title: &str,
    body: &str,
    photos: &[String],
) -> Result<Content> {
    match kind {
        ReviewKind::Story => Ok(Content {
            title: validate::text("title", title, 1, MAX_TITLE_CHARS)?,
            body: validate::text("body", body, 1, MAX_STORY_BODY_CHARS)?,
            photos: validate::media_ids("photos", photos, MAX_STORY_PHOTOS)?,
        }),
        ReviewKind::Snap => {
            if !title.trim().is_empty() {
                return Err(Error::invalid("title", "snap reviews have no title"));
            }
            Ok(Content {
                title: String::new(),
                body: validate::text("body", body, 1, MAX_SNAP_BODY_CHARS)?,
                photos: validate::media_ids("photos", photos, MAX_SNAP_PHOTOS)?,
            })
        }
    }
}

fn validate_rating(rating: Option<i64>) -> Result<Option<i64>> {
    match rating {
        Some(r) if !(1..=5).contains(&r) => Err(Error::invalid("rating", "must be 1 to 5")),
        other => Ok(other),
    }
}

/// Creates a review. Replaying a create with the same id by the same author
/// answers the existing review (`false`) and changes nothing.
pub async fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &CreateReviewRequest,
    now: i64,
) -> Result<(Review, bool)> {
    actor.ensure_can_write()?;
    let id = validate::client_id("id", req.id.as_deref())?;
    if let Some(existing) = load(conn, &id).await? {
        return if existing.author_id == actor.user_id {
            Ok((existing.review, false))
        } else {
            Err(Error::conflict(
                ErrorCode::Conflict,
                "this id is already used by another review",
            ))
        };
    }
    let content = validate_content(req.kind, &req.title, &req.body, &req.photos)?;
    media::attach_photos(
        conn,
        &actor.user_id,
        RefType::Review,
        &id,
        "photos",
        &content.photos,
    )
    .await?;
    let rating = validate_rating(req.rating)?;
    let tags = validate::tags(&req.tags)?;
    if req.official {
        actor
            .ensure_role(Role::Moderator)
            .map_err(|_| Error::forbidden("only moderators and admins post official reviews"))?;
    }
    if let Some(subject) = &req.subject {
        let exists = match subject.kind {
            SubjectType::Place => catalog::get_place(conn, &subject.id).await?.is_some(),
            SubjectType::Product => catalog::get_product(conn, &subject.id).await?.is_some(),
        };
        if !exists {
            return Err(Error::invalid("subject.id", "no such place or product"));
        }
    }
    sqlx::query(
        "INSERT INTO reviews (id, author_id, kind, title, body, photos, subject_type, subject_id, \
         rating, tags, official, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&id)
    .bind(&actor.user_id)
    .bind(req.kind.as_str())
    .bind(&content.title)
    .bind(&content.body)
    .bind(to_json_text(&content.photos)?)
    .bind(req.subject.as_ref().map(|s| s.kind.as_str()))
    .bind(req.subject.as_ref().map(|s| s.id.clone()))
    .bind(rating)
    .bind(to_json_text(&tags)?)
    .bind(i64::from(req.official))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    set_tags(conn, &id, &tags, now).await?;
    rank::refresh(conn, &id).await?;
    sqlx::query("UPDATE users SET review_count = review_count + 1 WHERE id = $1")
        .bind(&actor.user_id)
        .execute(&mut *conn)
        .await?;
    if let Some(subject) = &req.subject {
        catalog::count_review(conn, subject.kind.as_str(), &subject.id, rating, 1).await?;
    }
    publish(conn, &id, now).await?;
    let row = load(conn, &id).await?.ok_or_else(not_found)?;
    Ok((row.review, true))
}

async fn set_tags(
    conn: &mut AnyConnection,
    id: &str,
    tags: &[String],
    created_at: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM review_tags WHERE review_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for tag in tags {
        sqlx::query("INSERT INTO review_tags (tag, review_id, created_at) VALUES ($1, $2, $3)")
            .bind(tag)
            .bind(id)
            .bind(created_at)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Loads a review the actor may change (their own, not deleted).
async fn own(conn: &mut AnyConnection, actor: &Actor, id: &str) -> Result<ReviewRow> {
    let row = load(conn, id).await?.ok_or_else(not_found)?;
    actor.ensure_author(&row.author_id, row.review.deleted, "review")?;
    Ok(row)
}

/// Edits the fields present in `req`. An edit based on a version older than
/// the last change of any field it sets is refused with the current review;
/// edits of different fields from two devices both apply.
pub async fn edit(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &EditReviewRequest,
    now: i64,
) -> Result<Review> {
    let row = own(conn, actor, id).await?;
    let current = &row.review;
    if current.hidden {
        // Hidden by a moderator: an edit must not slip new text past them.
        return Err(Error::conflict(
            ErrorCode::InvalidState,
            "a moderator hid this review; it cannot be edited",
        ));
    }
    if req.base_version < 1 || req.base_version > current.version {
        return Err(Error::invalid(
            "base_version",
            "not a version of this review",
        ));
    }
    let touched: Vec<&str> = [
        ("title", req.title.is_some()),
        ("body", req.body.is_some()),
        ("photos", req.photos.is_some()),
        ("rating", req.rating.is_some()),
        ("tags", req.tags.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, set)| set.then_some(field))
    .collect();
    if touched.is_empty() {
        return Ok(row.review);
    }
    let changed_since =
        |field: &str| row.field_versions.get(field).copied().unwrap_or(1) > req.base_version;
    if touched.iter().any(|f| changed_since(f)) {
        let current = serde_json::to_value(&row.review)
            .map_err(|e| Error::Internal(format!("cannot encode a review: {e}")))?;
        return Err(Error::EditConflict { current });
    }
    let content = validate_content(
        current.kind,
        req.title.as_deref().unwrap_or(&current.title),
        req.body.as_deref().unwrap_or(&current.body),
        req.photos.as_deref().unwrap_or(&current.photos),
    )?;
    if req.photos.is_some() {
        media::attach_photos(
            conn,
            &actor.user_id,
            RefType::Review,
            id,
            "photos",
            &content.photos,
        )
        .await?;
    }
    let rating = match req.rating {
        Some(r) => validate_rating(r)?,
        None => current.rating,
    };
    let tags = match &req.tags {
        Some(t) => validate::tags(t)?,
        None => current.tags.clone(),
    };
    let version = current.version + 1;
    let mut field_versions = row.field_versions.clone();
    for field in &touched {
        field_versions.insert((*field).to_owned(), version);
    }
    sqlx::query(
        "UPDATE reviews SET title = $1, body = $2, photos = $3, rating = $4, tags = $5, version = $6, \
         field_versions = $7, edited_at = $8 WHERE id = $9",
    )
    .bind(&content.title)
    .bind(&content.body)
    .bind(to_json_text(&content.photos)?)
    .bind(rating)
    .bind(to_json_text(&tags)?)
    .bind(version)
    .bind(to_json_text(&field_versions)?)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if req.tags.is_some() {
        set_tags(conn, id, &tags, current.created_at).await?;
    }
    if let Some((subject_type, subject_id)) = &row.subject
        && rating != current.rating
    {
        catalog::count_review(conn, subject_type, subject_id, current.rating, -1).await?;
        catalog::count_review(conn, subject_type, subject_id, rating, 1).await?;
    }
    publish(conn, id, now).await?;
    let updated = get(conn, &actor.user_id, false, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(updated.review)
}

/// Soft-deletes the actor's review: it leaves feeds and counts, and the
/// change log gets a tombstone. Deleting twice is harmless.
pub async fn delete(conn: &mut AnyConnection, actor: &Actor, id: &str, now: i64) -> Result<()> {
    let row = load(conn, id).await?.ok_or_else(not_found)?;
    if row.review.deleted && row.author_id == actor.user_id {
        return Ok(());
    }
    actor.ensure_author(&row.author_id, row.review.deleted, "review")?;
    remove(conn, &row, now).await
}

/// Marks a review deleted and takes it out of the counts (shared with
/// moderation, which deletes others' reviews).
pub async fn remove(conn: &mut AnyConnection, row: &ReviewRow, now: i64) -> Result<()> {
    let id = &row.review.id;
    sqlx::query("UPDATE reviews SET deleted_at = $1, version = version + 1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE users SET review_count = review_count - 1 WHERE id = $1")
        .bind(&row.author_id)
        .execute(&mut *conn)
        .await?;
    if let Some((subject_type, subject_id)) = &row.subject {
        catalog::count_review(conn, subject_type, subject_id, row.review.rating, -1).await?;
    }
    publish(conn, id, now).await
}

/// Official reviews, newest first, hidden and deleted ones too (marked), for
/// the admin list (moderators and admins).
pub async fn official(
    conn: &mut AnyConnection,
    actor: &Actor,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<moa_protocol::Page<Review>> {
    actor.ensure_role(moa_protocol::Role::Moderator)?;
    let size = crate::pagination::page_size(limit);
    let (at, id) = crate::pagination::below_int_id(cursor)?;
    let sql = format!(
        "SELECT {REVIEW_COLUMNS} FROM reviews r {REVIEW_JOINS} \
         WHERE r.official = 1 AND {AUTHOR_OF_REVIEW} \
         AND (r.created_at < $2 OR (r.created_at = $2 AND r.id < $3)) \
         ORDER BY r.created_at DESC, r.id DESC LIMIT $4"
    );
    let rows = sqlx::query(&sql)
        .bind(&actor.user_id)
        .bind(at)
        .bind(id)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows
        .iter()
        .map(|r| review_from_row(r).map(|row| row.review))
        .collect::<Result<Vec<_>>>()?;
    Ok(crate::pagination::into_page(items, size, |r: &Review| {
        crate::pagination::encode(&[&r.created_at.to_string(), &r.id])
    }))
}
