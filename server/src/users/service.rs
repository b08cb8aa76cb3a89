//! Account storage: creating, reading and changing members. Every write takes
//! the caller's connection (a transaction) so that callers compose them, and
//! logs the member's account ([`Me`]) as a `profile` change in their bucket.

use moa_protocol::{
    AdminUser, Author, EntityKind, ErrorCode, Me, Profile, ProfileCounts, Role, SearchKind,
    UpdateProfileRequest,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

use crate::changelog::{self, Change, user_bucket};
use crate::db::json_column;
use crate::error::{Error, Result, is_unique_violation};
use crate::media::service::{self as media, RefType};
use crate::search::service as search;
use crate::validate;

/// The columns [`UserRow::from_row`] reads, in a `SELECT`.
pub const USER_COLUMNS: &str = "id, email, handle, display_name, bio, links, avatar_media_id, \
     role, suspended_until, deleted_at, created_at, updated_at, review_count, follower_count, \
     following_count, community_id, phone, sms_consent_at, helper_review_count, helper_rating_sum, \
     phone_verified_at";

/// A `users` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    pub links: Vec<String>,
    pub avatar_media_id: Option<String>,
    pub role: Role,
    pub suspended_until: Option<i64>,
    pub deleted_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub counts: ProfileCounts,
    pub community_id: Option<String>,
    /// The member's mobile number (digits, `01012345678`); private.
    pub phone: Option<String>,
    /// When they agreed to marketing texts (`None`: they did not).
    pub sms_consent_at: Option<i64>,
    /// When `phone` was confirmed with a texted code (`None`: it was not,
    /// or it changed since).
    pub phone_verified_at: Option<i64>,
}

/// The columns of [`USER_COLUMNS`] as stored.
#[derive(sqlx::FromRow)]
struct UserColumns {
    id: String,
    email: String,
    handle: String,
    display_name: String,
    bio: String,
    links: String,
    avatar_media_id: Option<String>,
    role: String,
    suspended_until: Option<i64>,
    deleted_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    review_count: i64,
    follower_count: i64,
    community_id: Option<String>,
    following_count: i64,
    helper_review_count: i64,
    helper_rating_sum: i64,
    phone: Option<String>,
    sms_consent_at: Option<i64>,
    phone_verified_at: Option<i64>,
}

impl UserRow {
    pub fn from_row(row: &AnyRow) -> Result<Self> {
        let c = UserColumns::from_row(row)?;
        Ok(UserRow {
            id: c.id,
            email: c.email,
            handle: c.handle,
            display_name: c.display_name,
            bio: c.bio,
            links: json_column(&c.links, "links column")?,
            avatar_media_id: c.avatar_media_id,
            role: Role::parse(&c.role)
                .ok_or_else(|| Error::Internal(format!("unknown role in database: {}", c.role)))?,
            suspended_until: c.suspended_until,
            deleted_at: c.deleted_at,
            created_at: c.created_at,
            updated_at: c.updated_at,
            counts: ProfileCounts {
                reviews: c.review_count,
                followers: c.follower_count,
                following: c.following_count,
                helper_reviews: c.helper_review_count,
                helper_rating_sum: c.helper_rating_sum,
            },
            community_id: c.community_id,
            phone: c.phone,
            sms_consent_at: c.sms_consent_at,
            phone_verified_at: c.phone_verified_at,
        })
    }

    pub fn to_me(&self) -> Me {
        Me {
            id: self.id.clone(),
            email: self.email.clone(),
            handle: self.handle.clone(),
            display_name: self.display_name.clone(),
            bio: self.bio.clone(),
            links: self.links.clone(),
            avatar_media_id: self.avatar_media_id.clone(),
            role: self.role,
            suspended_until: self.suspended_until,
            counts: self.counts,
            community_id: self.community_id.clone(),
            phone: self.phone.clone(),
            sms_opt_in: self.sms_consent_at.is_some(),
            phone_verified: self.phone.is_some() && self.phone_verified_at.is_some(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// What others see; a deleted account shows nothing personal.
    pub fn to_profile(&self, followed_by_me: bool) -> Profile {
        let deleted = self.deleted_at.is_some();
        let keep = |s: &String| if deleted { String::new() } else { s.clone() };
        Profile {
            id: self.id.clone(),
            handle: keep(&self.handle),
            display_name: keep(&self.display_name),
            bio: keep(&self.bio),
            links: if deleted { vec![] } else { self.links.clone() },
            avatar_media_id: if deleted {
                None
            } else {
                self.avatar_media_id.clone()
            },
            role: self.role,
            deleted,
            counts: self.counts,
            followed_by_me,
            created_at: self.created_at,
        }
    }

    pub fn to_admin(&self) -> AdminUser {
        AdminUser {
            id: self.id.clone(),
            email: self.email.clone(),
            handle: self.handle.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            suspended_until: self.suspended_until,
            deleted: self.deleted_at.is_some(),
            created_at: self.created_at,
        }
    }
}

/// The columns of `users u` that [`AuthorColumns`] reads.
pub const AUTHOR_COLUMNS: &str = "u.handle AS a_handle, u.display_name AS a_name, u.avatar_media_id AS a_avatar, u.deleted_at AS a_deleted";

/// The columns of [`AUTHOR_COLUMNS`] (which may come from a `LEFT JOIN`),
/// for row structs to flatten in.
#[derive(Debug, sqlx::FromRow)]
pub struct AuthorColumns {
    a_handle: Option<String>,
    a_name: Option<String>,
    a_avatar: Option<String>,
    a_deleted: Option<i64>,
}

impl AuthorColumns {
    /// The member `id` as shown with content. A deleted account shows
    /// nothing personal.
    pub fn into_author(self, id: String) -> Author {
        let deleted = self.a_deleted.is_some();
        if deleted {
            return Author {
                id,
                handle: String::new(),
                display_name: String::new(),
                avatar_media_id: None,
                deleted,
            };
        }
        Author {
            id,
            handle: self.a_handle.unwrap_or_default(),
            display_name: self.a_name.unwrap_or_default(),
            avatar_media_id: self.a_avatar,
            deleted,
        }
    }
}

/// A validated new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub handle: String,
    pub display_name: String,
    /// `None` for an account made through a sign-in provider.
    pub password_hash: Option<String>,
    pub role: Role,
}

/// Inserts a member; 409 `email_taken` / `handle_taken` when either exists.
pub async fn create(conn: &mut AnyConnection, new: NewUser, now: i64) -> Result<UserRow> {
    let id = crate::util::new_id();
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, handle, display_name, password_hash, role, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&id)
    .bind(&new.email)
    .bind(&new.handle)
    .bind(&new.display_name)
    .bind(&new.password_hash)
    .bind(new.role.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(taken(&e.to_string())),
        Err(e) => return Err(e.into()),
    }
    let user = UserRow {
        id,
        email: new.email,
        handle: new.handle,
        display_name: new.display_name,
        bio: String::new(),
        links: vec![],
        avatar_media_id: None,
        role: new.role,
        suspended_until: None,
        deleted_at: None,
        created_at: now,
        updated_at: now,
        counts: ProfileCounts::default(),
        community_id: None,
        phone: None,
        sms_consent_at: None,
        phone_verified_at: None,
    };
    publish(conn, &user, now).await?;
    Ok(user)
}

/// Logs the member's account as it is now in their own bucket.
pub async fn publish(conn: &mut AnyConnection, user: &UserRow, now: i64) -> Result<()> {
    index(conn, user).await?;
    let data = serde_json::to_value(user.to_me())
        .map_err(|e| Error::Internal(format!("cannot encode an account: {e}")))?;
    let change = Change::upsert(
        EntityKind::Profile,
        &user.id,
        data,
        vec![user_bucket(&user.id)],
    );
    changelog::record(conn, change, now).await
}

/// Makes the member findable by handle and display name (never by email);
/// a deleted account is taken out. (Suspended members stay indexed and are
/// left out when searched, until the suspension ends.)
pub(crate) async fn index(conn: &mut AnyConnection, user: &UserRow) -> Result<()> {
    if user.deleted_at.is_some() {
        return search::remove(conn, SearchKind::Person, &user.id).await;
    }
    let handle = format!("@{}", user.handle);
    let title = if user.display_name.is_empty() {
        &user.handle
    } else {
        &user.display_name
    };
    let doc = search::Doc {
        kind: SearchKind::Person,
        id: &user.id,
        author_id: Some(&user.id),
        title,
        body: &handle,
        extra: &user.bio,
        photo_id: user.avatar_media_id.as_deref(),
        created_at: user.created_at,
    };
    search::put(conn, &doc).await
}

/// [`publish`] of the member `id` as stored.
pub(crate) async fn republish(conn: &mut AnyConnection, id: &str, now: i64) -> Result<()> {
    match find_by_id(conn, id).await? {
        Some(user) if user.deleted_at.is_none() => publish(conn, &user, now).await,
        _ => Ok(()),
    }
}

/// Maps a unique violation on `users` to the field it concerns. SQLite says
/// `users.handle`, PostgreSQL `users_handle_key`: both name the column.
fn taken(db_message: &str) -> Error {
    if db_message.contains("handle") {
        Error::conflict(ErrorCode::HandleTaken, "this handle is already taken")
    } else {
        Error::conflict(
            ErrorCode::EmailTaken,
            "an account with this email already exists",
        )
    }
}

/// 409 if `email` or `handle` belongs to someone already (checked before the
/// expensive password hash; the unique constraints remain the real guard).
pub async fn ensure_available(conn: &mut AnyConnection, email: &str, handle: &str) -> Result<()> {
    #[derive(sqlx::FromRow)]
    struct Counts {
        emails: i64,
        handles: i64,
    }
    let found = sqlx::query_as::<_, Counts>(
        "SELECT \
           (SELECT COUNT(*) FROM users WHERE email = $1) AS emails, \
           (SELECT COUNT(*) FROM users WHERE handle = $2) AS handles",
    )
    .bind(email)
    .bind(handle)
    .fetch_one(&mut *conn)
    .await?;
    if found.emails > 0 {
        return Err(taken("email"));
    }
    if found.handles > 0 {
        return Err(taken("handle"));
    }
    Ok(())
}

/// The account `WHERE {filter}` (on `$1`, `value`), if there is one.
async fn find_where(
    conn: &mut AnyConnection,
    filter: &str,
    value: &str,
) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {filter}");
    let row = sqlx::query(&sql)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(UserRow::from_row).transpose()
}

pub async fn find_by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<UserRow>> {
    find_where(conn, "id = $1", id).await
}

pub async fn find_by_handle(conn: &mut AnyConnection, handle: &str) -> Result<Option<UserRow>> {
    find_where(conn, "handle = $1 AND deleted_at IS NULL", handle).await
}

/// A live (not deleted) account by email, with its password hash.
pub async fn find_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<(UserRow, Option<String>)>> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1 AND deleted_at IS NULL"
    );
    let Some(row) = sqlx::query(&sql)
        .bind(email)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    #[derive(sqlx::FromRow)]
    struct PasswordHash {
        password_hash: Option<String>,
    }
    Ok(Some((
        UserRow::from_row(&row)?,
        PasswordHash::from_row(&row)?.password_hash,
    )))
}

/// The password hash of a live account.
pub async fn password_hash(conn: &mut AnyConnection, id: &str) -> Result<Option<String>> {
    let hash: Option<Option<String>> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(hash.flatten())
}

/// Validates and applies a partial profile edit; returns the updated row.
pub async fn update_profile(
    conn: &mut AnyConnection,
    id: &str,
    edit: &UpdateProfileRequest,
    now: i64,
) -> Result<UserRow> {
    let mut user = find_by_id(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("no such member".into()))?;
    if let Some(name) = &edit.display_name {
        user.display_name = validate::display_name(name)?;
    }
    if let Some(bio) = &edit.bio {
        user.bio = validate::bio(bio)?;
    }
    if let Some(links) = &edit.links {
        user.links = validate::links(links)?;
    }
    if let Some(avatar) = &edit.avatar_media_id {
        user.avatar_media_id = avatar
            .as_deref()
            .map(|a| validate::media_id("avatar_media_id", a))
            .transpose()?;
        let photos: Vec<String> = user.avatar_media_id.iter().cloned().collect();
        media::attach_photos(conn, id, RefType::Avatar, id, "avatar_media_id", &photos).await?;
    }
    if let Some(phone) = &edit.phone {
        let phone = phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(validate::phone)
            .transpose()?;
        if phone != user.phone {
            // Another number is not verified until its own code comes back.
            user.phone_verified_at = None;
        }
        user.phone = phone;
    }
    match edit.sms_opt_in {
        Some(true) if user.sms_consent_at.is_none() => user.sms_consent_at = Some(now),
        Some(false) => user.sms_consent_at = None,
        _ => {}
    }
    if let Some(community) = &edit.community_id {
        user.community_id =
            crate::shop::communities::join(conn, id, community.as_deref(), "community_id").await?;
    }
    user.updated_at = now;
    let links = serde_json::to_string(&user.links)
        .map_err(|e| Error::Internal(format!("cannot encode links: {e}")))?;
    sqlx::query(
        "UPDATE users SET display_name = $1, bio = $2, links = $3, avatar_media_id = $4, updated_at = $5, \
         phone = $6, sms_consent_at = $7, phone_verified_at = $8 WHERE id = $9",
    )
    .bind(&user.display_name)
    .bind(&user.bio)
    .bind(links)
    .bind(&user.avatar_media_id)
    .bind(now)
    .bind(&user.phone)
    .bind(user.sms_consent_at)
    .bind(user.phone_verified_at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    publish(conn, &user, now).await?;
    Ok(user)
}

/// Makes `phone` the member's number, verified now (a texted code came
/// back); answers the updated account, published to their devices.
pub async fn set_verified_phone(
    conn: &mut AnyConnection,
    id: &str,
    phone: &str,
    now: i64,
) -> Result<UserRow> {
    let mut user = find_by_id(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("no such member".into()))?;
    user.phone = Some(phone.to_owned());
    user.phone_verified_at = Some(now);
    user.updated_at = now;
    sqlx::query(
        "UPDATE users SET phone = $1, phone_verified_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(phone)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    publish(conn, &user, now).await?;
    Ok(user)
}

pub async fn set_password_hash(
    conn: &mut AnyConnection,
    id: &str,
    hash: &str,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_role(conn: &mut AnyConnection, id: &str, role: Role, now: i64) -> Result<()> {
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    republish(conn, id, now).await
}

pub async fn set_suspended_until(
    conn: &mut AnyConnection,
    id: &str,
    until: Option<i64>,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE users SET suspended_until = $1, updated_at = $2 WHERE id = $3")
        .bind(until)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    republish(conn, id, now).await
}

/// Soft delete: the row (and so the member's content, until
/// `privacy::erase` runs) stays, shown as a deleted user; personal data is
/// erased and the email and handle are freed (replaced by values no valid
/// sign-up can produce).
pub async fn soft_delete(conn: &mut AnyConnection, id: &str, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE users SET email = $1, handle = $2, display_name = '', bio = '', links = '[]', \
         avatar_media_id = NULL, password_hash = NULL, phone = NULL, phone_verified_at = NULL, \
         sms_consent_at = NULL, deleted_at = $3, updated_at = $3 WHERE id = $4",
    )
    .bind(format!("deleted-{id}@deleted.invalid"))
    .bind(format!("deleted-{id}"))
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    // Its provider accounts may sign up afresh.
    sqlx::query("DELETE FROM identities WHERE user_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    search::remove(conn, SearchKind::Person, id).await
}

/// How many accounts exist (deleted ones included).
pub async fn count(conn: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *conn)
        .await?)
}
