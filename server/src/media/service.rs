//! Media rows in the database: upload sessions and their chunks, stored
//! media, who owns it, and what refers to it (which decides who may see it).
//!
//! A media file is shared by everyone who uploaded the same bytes
//! (`media_owners`); content refers to it through `media_refs`
//! (`review`, `product`, `avatar`). A file is public once something visible
//! refers to it; until then only its owners (and moderators) may fetch it.

use moa_protocol::{Media, MediaKind, UploadSession, is_media_id};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

use crate::error::{Error, Result};

/// What refers to a media file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefType {
    Review,
    Product,
    Avatar,
    /// A sellable product of the shop.
    ShopProduct,
    /// A request (부탁).
    Request,
    /// A requester's review of a helper.
    HelperReview,
}

impl RefType {
    fn as_str(self) -> &'static str {
        match self {
            RefType::Review => "review",
            RefType::Product => "product",
            RefType::Avatar => "avatar",
            RefType::ShopProduct => "shop_product",
            RefType::Request => "request",
            RefType::HelperReview => "helper_review",
        }
    }
}

/// An upload session row.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: String,
    pub user_id: String,
    pub sha256: String,
    pub size: u64,
    pub kind: MediaKind,
    pub received: u64,
    pub expires_at: i64,
}

impl Upload {
    pub fn session(&self, max_chunk: u64) -> UploadSession {
        UploadSession {
            id: self.id.clone(),
            sha256: self.sha256.clone(),
            size: self.size,
            kind: self.kind,
            received: self.received,
            max_chunk,
            expires_at: self.expires_at,
        }
    }
}

const UPLOAD_COLUMNS: &str = "id, user_id, sha256, size, kind, received, expires_at";

/// The columns of [`UPLOAD_COLUMNS`] as stored.
#[derive(sqlx::FromRow)]
struct UploadColumns {
    id: String,
    user_id: String,
    sha256: String,
    size: i64,
    kind: String,
    received: i64,
    expires_at: i64,
}

fn upload_from_row(row: &AnyRow) -> Result<Upload> {
    let c = UploadColumns::from_row(row)?;
    Ok(Upload {
        id: c.id,
        user_id: c.user_id,
        sha256: c.sha256,
        size: u64::try_from(c.size).unwrap_or(0),
        kind: MediaKind::parse(&c.kind).unwrap_or(MediaKind::Photo),
        received: u64::try_from(c.received).unwrap_or(0),
        expires_at: c.expires_at,
    })
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The caller's unexpired session for `id`; someone else's is "not found".
pub async fn own_upload(
    conn: &mut AnyConnection,
    user_id: &str,
    id: &str,
    now: i64,
) -> Result<Upload> {
    let row = sqlx::query(&format!(
        "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1 AND user_id = $2 AND expires_at > $3"
    ))
    .bind(id)
    .bind(user_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => upload_from_row(&row),
        None => Err(Error::NotFound(
            "no such upload (it may have expired): start it again".into(),
        )),
    }
}

/// The caller's open session for the same file, to resume after losing the
/// session id.
pub async fn open_upload_for(
    conn: &mut AnyConnection,
    user_id: &str,
    sha256: &str,
    size: u64,
    now: i64,
) -> Result<Option<Upload>> {
    let row = sqlx::query(&format!(
        "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE user_id = $1 AND sha256 = $2 AND size = $3 \
         AND expires_at > $4 ORDER BY created_at DESC LIMIT 1"
    ))
    .bind(user_id)
    .bind(sha256)
    .bind(to_i64(size))
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(upload_from_row).transpose()
}

pub async fn insert_upload(conn: &mut AnyConnection, upload: &Upload, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO uploads (id, user_id, sha256, size, kind, received, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
    )
    .bind(&upload.id)
    .bind(&upload.user_id)
    .bind(&upload.sha256)
    .bind(to_i64(upload.size))
    .bind(upload.kind.as_str())
    .bind(now)
    .bind(upload.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records a stored chunk if the session is still at `offset`; `false` when
/// another request got there first.
pub async fn record_chunk(
    conn: &mut AnyConnection,
    upload_id: &str,
    offset: u64,
    len: u64,
    key: &str,
) -> Result<bool> {
    let moved =
        sqlx::query("UPDATE uploads SET received = received + $1 WHERE id = $2 AND received = $3")
            .bind(to_i64(len))
            .bind(upload_id)
            .bind(to_i64(offset))
            .execute(&mut *conn)
            .await?
            .rows_affected();
    if moved == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO upload_parts (upload_id, start_offset, len, object_key) VALUES ($1, $2, $3, $4)",
    )
    .bind(upload_id)
    .bind(to_i64(offset))
    .bind(to_i64(len))
    .bind(key)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// The stored chunks of an upload, in order: (offset, length, key).
pub async fn chunks(conn: &mut AnyConnection, upload_id: &str) -> Result<Vec<(u64, u64, String)>> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT start_offset, len, object_key FROM upload_parts WHERE upload_id = $1 \
         ORDER BY start_offset",
    )
    .bind(upload_id)
    .fetch_all(&mut *conn)
    .await?;
    let size = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|(offset, len, key)| (size(offset), size(len), key))
        .collect())
}

/// Forgets an upload session (its chunk objects are deleted by the caller).
pub async fn delete_upload(conn: &mut AnyConnection, upload_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM upload_parts WHERE upload_id = $1")
        .bind(upload_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM uploads WHERE id = $1")
        .bind(upload_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Up to `limit` expired sessions, oldest first (for clean-up).
pub async fn expired_uploads(
    conn: &mut AnyConnection,
    now: i64,
    limit: i64,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM uploads WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// Where a media file is served.
pub fn file_url(id: &str) -> String {
    format!("/v1/media/{id}")
}

/// Where a photo's thumbnail is served.
pub fn thumbnail_url(id: &str) -> String {
    format!("/v1/media/{id}/thumbnail")
}

const MEDIA_COLUMNS: &str =
    "id, kind, content_type, bytes, width, height, blurhash, has_thumbnail, created_at";

/// The columns of [`MEDIA_COLUMNS`] as stored.
#[derive(sqlx::FromRow)]
struct MediaColumns {
    id: String,
    kind: String,
    content_type: String,
    bytes: i64,
    width: Option<i64>,
    height: Option<i64>,
    blurhash: Option<String>,
    has_thumbnail: i64,
    created_at: i64,
}

fn media_from_row(row: &AnyRow) -> Result<Media> {
    let c = MediaColumns::from_row(row)?;
    let dim = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
    Ok(Media {
        url: file_url(&c.id),
        thumbnail_url: (c.has_thumbnail != 0).then(|| thumbnail_url(&c.id)),
        kind: MediaKind::parse(&c.kind).unwrap_or(MediaKind::Photo),
        content_type: c.content_type,
        bytes: u64::try_from(c.bytes).unwrap_or(0),
        width: dim(c.width),
        height: dim(c.height),
        blurhash: c.blurhash,
        created_at: c.created_at,
        id: c.id,
    })
}

pub async fn get_media(conn: &mut AnyConnection, id: &str) -> Result<Option<Media>> {
    if !is_media_id(id) {
        return Ok(None);
    }
    let row = sqlx::query(&format!("SELECT {MEDIA_COLUMNS} FROM media WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(media_from_row).transpose()
}

/// Stores a media row (once per file) and makes `user_id` one of its owners.
pub async fn insert_media(conn: &mut AnyConnection, media: &Media, user_id: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO media (id, kind, content_type, bytes, width, height, blurhash, has_thumbnail, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&media.id)
    .bind(media.kind.as_str())
    .bind(&media.content_type)
    .bind(to_i64(media.bytes))
    .bind(media.width.map(i64::from))
    .bind(media.height.map(i64::from))
    .bind(&media.blurhash)
    .bind(i64::from(media.thumbnail_url.is_some()))
    .bind(user_id)
    .bind(media.created_at)
    .execute(&mut *conn)
    .await?;
    add_owner(conn, &media.id, user_id, media.created_at).await
}

/// Makes `user_id` an owner of a stored file (they had its bytes: the same
/// SHA-256), so they may use it in their content.
pub async fn add_owner(conn: &mut AnyConnection, id: &str, user_id: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO media_owners (media_id, user_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (media_id, user_id) DO NOTHING",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes `ids` (already checked by `validate::media_ids`) the photos `what`
/// refers to. Each must be a photo `user_id` uploaded: 422 naming
/// `field[i]` otherwise.
pub async fn attach_photos(
    conn: &mut AnyConnection,
    user_id: &str,
    what: RefType,
    ref_id: &str,
    field: &str,
    ids: &[String],
) -> Result<()> {
    for (i, id) in ids.iter().enumerate() {
        let kind: Option<String> = sqlx::query_scalar(
            "SELECT m.kind FROM media m JOIN media_owners o ON o.media_id = m.id \
             WHERE m.id = $1 AND o.user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
        let field = if what == RefType::Avatar {
            field.to_owned()
        } else {
            format!("{field}[{i}]")
        };
        match kind {
            None => return Err(Error::invalid(field, "no such photo: upload it first")),
            Some(kind) if kind != "photo" => {
                return Err(Error::invalid(field, "must be a photo, not a video"));
            }
            Some(_) => {}
        }
    }
    sqlx::query("DELETE FROM media_refs WHERE ref_type = $1 AND ref_id = $2")
        .bind(what.as_str())
        .bind(ref_id)
        .execute(&mut *conn)
        .await?;
    for id in ids {
        sqlx::query(
            "INSERT INTO media_refs (media_id, ref_type, ref_id) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(what.as_str())
        .bind(ref_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Who may fetch a media file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Something anyone may see refers to it: cache publicly.
    Public,
    /// Only this reader may (an owner, e.g. the author of a hidden review,
    /// or a moderator): cache privately.
    Private,
    /// Not this reader: answered as "not found", so nothing leaks.
    Denied,
}

/// Decides [`Access`] for `viewer` (`""` when anonymous).
pub async fn access(
    conn: &mut AnyConnection,
    id: &str,
    viewer: &str,
    moderator: bool,
) -> Result<Access> {
    let public = sqlx::query(
        "SELECT 1 FROM media_refs mr LEFT JOIN reviews r \
           ON mr.ref_type = 'review' AND r.id = mr.ref_id \
         WHERE mr.media_id = $1 AND mr.ref_type <> 'message' AND (mr.ref_type <> 'review' \
           OR (r.deleted_at IS NULL AND r.hidden_at IS NULL)) LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    if public.is_some() {
        return Ok(Access::Public);
    }
    if moderator {
        return Ok(Access::Private);
    }
    if viewer.is_empty() {
        return Ok(Access::Denied);
    }
    // Owners, and the members of a room where a message shows it.
    let own = sqlx::query(
        "SELECT 1 FROM media_owners WHERE media_id = $1 AND user_id = $2 \
         UNION ALL SELECT 1 FROM media_refs mr JOIN messages m ON m.id = mr.ref_id \
           JOIN room_members rm ON rm.room_id = m.room_id \
         WHERE mr.media_id = $1 AND mr.ref_type = 'message' AND rm.user_id = $2 LIMIT 1",
    )
    .bind(id)
    .bind(viewer)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(if own.is_some() {
        Access::Private
    } else {
        Access::Denied
    })
}
