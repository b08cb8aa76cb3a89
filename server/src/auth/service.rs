//! Sign-up, sign-in, refresh-token rotation, sign-out, password change and
//! account deletion: the rules, independent of HTTP.
//!
//! A *session* is one signed-in device and the family of its refresh tokens.
//! Refreshing spends the presented token and issues the next one in the same
//! family; presenting a spent token again means it was copied, so the whole
//! family is revoked (the thief's and the owner's tokens alike).

use moa_protocol::{
    AuthResponse, ChangePasswordRequest, DeleteAccountRequest, ErrorCode, LoginRequest, Role,
    SignupRequest,
};
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::tokens::{hash_refresh_token, new_refresh_token};
use crate::users::service::{self as users, NewUser, UserRow};
use crate::util::{new_id, now_ms};
use crate::{password, validate};

/// Validated sign-up input.
#[derive(Debug, Clone)]
pub struct ValidSignup {
    pub email: String,
    pub handle: String,
    pub display_name: String,
    pub password: String,
    /// The community to join, if any (checked when the account is made).
    pub community_id: Option<String>,
}

pub fn validate_signup(req: SignupRequest) -> Result<ValidSignup> {
    let email = validate::email(&req.email)?;
    validate::password("password", &req.password)?;
    Ok(ValidSignup {
        email,
        handle: validate::handle(&req.handle)?,
        display_name: validate::display_name(&req.display_name)?,
        password: req.password,
        community_id: req
            .community_id
            .map(|c| validate::uuid("community_id", &c).map(|()| c))
            .transpose()?,
    })
}

/// Creates an account with `role` (members sign up as `member`; the CLI and
/// the demo create others). Returns the new row.
pub async fn create_account(db: &Db, input: ValidSignup, role: Role) -> Result<UserRow> {
    {
        let mut conn = db.read().acquire().await?;
        users::ensure_available(&mut conn, &input.email, &input.handle).await?;
    }
    let password_hash = password::hash(input.password).await?;
    let mut tx = db.begin_write().await?;
    let new = NewUser {
        email: input.email,
        handle: input.handle,
        display_name: input.display_name,
        password_hash: Some(password_hash),
        role,
    };
    let now = now_ms();
    let mut user = users::create(&mut tx, new, now).await?;
    if let Some(community) = input.community_id.as_deref() {
        user.community_id =
            crate::shop::communities::join(&mut tx, &user.id, Some(community), "community_id")
                .await?;
        users::publish(&mut tx, &user, now).await?;
    }
    tx.commit().await?;
    Ok(user)
}

pub async fn signup(state: &AppState, input: ValidSignup) -> Result<AuthResponse> {
    let user = create_account(&state.db, input, Role::Member).await?;
    start_session(state, user).await
}

pub async fn login(state: &AppState, req: LoginRequest) -> Result<AuthResponse> {
    let email = validate::email(&req.email)?;
    let found = {
        let mut conn = state.db.read().acquire().await?;
        users::find_by_email(&mut conn, &email).await?
    };
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    // Verifies against a dummy hash when there is no account: same timing.
    let ok = password::verify(req.password, hash).await?;
    match user {
        Some(user) if ok => start_session(state, user).await,
        _ => Err(Error::unauthorized(
            ErrorCode::InvalidCredentials,
            "wrong email or password",
        )),
    }
}

/// Opens a new session for `user` and answers its first token pair.
pub(crate) async fn start_session(state: &AppState, user: UserRow) -> Result<AuthResponse> {
    let now = now_ms();
    let session_id = new_id();
    let (refresh_token, refresh_expires_at) = state
        .write_quiet(async |tx| {
            sqlx::query(
                "INSERT INTO sessions (id, user_id, created_at, refreshed_at) \
                 VALUES ($1, $2, $3, $3)",
            )
            .bind(&session_id)
            .bind(&user.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            insert_refresh_token(state, tx, &session_id, now).await
        })
        .await?;
    token_pair(
        state,
        &user,
        &session_id,
        refresh_token,
        refresh_expires_at,
        now,
    )
}

async fn insert_refresh_token(
    state: &AppState,
    conn: &mut AnyConnection,
    session_id: &str,
    now: i64,
) -> Result<(String, i64)> {
    let (token, hash) = new_refresh_token();
    let ttl = i64::try_from(state.settings.refresh_token_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    let expires_at = now.saturating_add(ttl);
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash)
    .bind(session_id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok((token, expires_at))
}

fn token_pair(
    state: &AppState,
    user: &UserRow,
    session_id: &str,
    refresh_token: String,
    refresh_expires_at: i64,
    now: i64,
) -> Result<AuthResponse> {
    let (access_token, access_expires_at) = state.tokens.issue_access(&user.id, session_id, now)?;
    Ok(AuthResponse {
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at,
        user: user.to_me(),
    })
}

/// What presenting a refresh token leads to.
enum Refresh {
    Rotated {
        user: Box<UserRow>,
        session_id: String,
        token: String,
        expires_at: i64,
    },
    Reused,
    Invalid(&'static str),
}

/// Spends `refresh_token` and answers the next pair (rotation). A spent token
/// revokes its family; unknown, expired or revoked ones answer 401.
pub async fn refresh(state: &AppState, refresh_token: &str) -> Result<AuthResponse> {
    let now = now_ms();
    let hash = hash_refresh_token(refresh_token);
    // Committed in every case: a detected reuse must stay revoked.
    let outcome = state
        .write_quiet(async |tx| rotate(state, tx, &hash, now).await)
        .await?;
    match outcome {
        Refresh::Rotated {
            user,
            session_id,
            token,
            expires_at,
        } => token_pair(state, &user, &session_id, token, expires_at, now),
        Refresh::Reused => {
            tracing::warn!("refresh token reuse detected; session revoked");
            Err(Error::unauthorized(
                ErrorCode::RefreshTokenReused,
                "this refresh token was already used; the session has been signed out",
            ))
        }
        Refresh::Invalid(message) => {
            Err(Error::unauthorized(ErrorCode::InvalidRefreshToken, message))
        }
    }
}

/// A refresh token with its session, as [`rotate`] reads it.
#[derive(sqlx::FromRow)]
struct RefreshColumns {
    session_id: String,
    expires_at: i64,
    used_at: Option<i64>,
    user_id: String,
    revoked_at: Option<i64>,
}

async fn rotate(
    state: &AppState,
    conn: &mut AnyConnection,
    hash: &str,
    now: i64,
) -> Result<Refresh> {
    let row = sqlx::query_as::<_, RefreshColumns>(
        "SELECT rt.session_id, rt.expires_at, rt.used_at, s.user_id, s.revoked_at \
         FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id WHERE rt.token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(Refresh::Invalid("unknown refresh token; sign in again"));
    };
    let session_id = row.session_id;
    if row.revoked_at.is_some() {
        return Ok(Refresh::Invalid(
            "this session has been signed out; sign in again",
        ));
    }
    if row.used_at.is_some() {
        revoke_session(conn, &session_id, "refresh_token_reused", now).await?;
        return Ok(Refresh::Reused);
    }
    if row.expires_at <= now {
        return Ok(Refresh::Invalid(
            "the refresh token has expired; sign in again",
        ));
    }
    // Spend it; of two concurrent refreshes with one token only one wins here.
    let spent = sqlx::query(
        "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
    )
    .bind(now)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    if spent.rows_affected() != 1 {
        revoke_session(conn, &session_id, "refresh_token_reused", now).await?;
        return Ok(Refresh::Reused);
    }
    let user = match users::find_by_id(conn, &row.user_id).await? {
        Some(user) if user.deleted_at.is_none() => user,
        _ => return Ok(Refresh::Invalid("this account no longer exists")),
    };
    sqlx::query("UPDATE sessions SET refreshed_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&session_id)
        .execute(&mut *conn)
        .await?;
    let (token, expires_at) = insert_refresh_token(state, conn, &session_id, now).await?;
    Ok(Refresh::Rotated {
        user: Box::new(user),
        session_id,
        token,
        expires_at,
    })
}

async fn revoke_session(
    conn: &mut AnyConnection,
    session_id: &str,
    reason: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(reason)
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    // Its phone stops getting pushes.
    crate::push::forget_session_devices(conn, session_id).await?;
    Ok(())
}

/// Revokes every live session of `user_id` (a password reset).
pub(crate) async fn revoke_all_sessions(
    conn: &mut AnyConnection,
    user_id: &str,
    reason: &str,
    now: i64,
) -> Result<u64> {
    revoke_other_sessions(conn, user_id, None, reason, now).await
}

/// Revokes every live session of `user_id` except `keep` (if any).
async fn revoke_other_sessions(
    conn: &mut AnyConnection,
    user_id: &str,
    keep: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<u64> {
    let result = sqlx::query(
        "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 \
         WHERE user_id = $3 AND revoked_at IS NULL AND id <> $4",
    )
    .bind(now)
    .bind(reason)
    .bind(user_id)
    .bind(keep.unwrap_or(""))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM devices WHERE user_id = $1 AND (session_id IS NULL OR session_id <> $2)",
    )
    .bind(user_id)
    .bind(keep.unwrap_or(""))
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected())
}

/// Signs out the member's current session (its refresh tokens die with it).
pub async fn logout(state: &AppState, member: &Actor) -> Result<()> {
    state
        .write_quiet(async |tx| revoke_session(tx, &member.session_id, "logout", now_ms()).await)
        .await?;
    Ok(())
}

/// The member behind a live session, or `None` if the session was revoked or
/// the account deleted.
pub async fn load_member(db: &Db, user_id: &str, session_id: &str) -> Result<Option<Actor>> {
    #[derive(sqlx::FromRow)]
    struct MemberColumns {
        role: String,
        suspended_until: Option<i64>,
    }
    let mut conn = db.read().acquire().await?;
    let row = sqlx::query_as::<_, MemberColumns>(
        "SELECT u.role, u.suspended_until FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND u.deleted_at IS NULL",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role = &row.role;
    Ok(Some(Actor {
        user_id: user_id.to_owned(),
        session_id: session_id.to_owned(),
        role: Role::parse(role).ok_or_else(|| Error::Internal(format!("unknown role {role}")))?,
        suspended_until: row.suspended_until,
    }))
}

/// 422 on `field` unless `password` is the member's current password.
async fn check_password(
    state: &AppState,
    member: &Actor,
    field: &str,
    password: String,
) -> Result<()> {
    state
        .login_per_account
        .check(&format!("verify:{}", member.user_id))
        .map_err(|wait| Error::RateLimited {
            retry_after_secs: crate::ratelimit::retry_after_secs(wait),
        })?;
    let hash = {
        let mut conn = state.db.read().acquire().await?;
        users::password_hash(&mut conn, &member.user_id).await?
    };
    if password::verify(password, hash).await? {
        Ok(())
    } else {
        Err(Error::invalid(field, "the password is wrong"))
    }
}

/// Changes the password and signs out every other session of the member.
pub async fn change_password(
    state: &AppState,
    member: &Actor,
    req: ChangePasswordRequest,
) -> Result<()> {
    validate::password("new_password", &req.new_password)?;
    check_password(state, member, "current_password", req.current_password).await?;
    let hash = password::hash(req.new_password).await?;
    let now = now_ms();
    state
        .write_quiet(async |tx| {
            users::set_password_hash(tx, &member.user_id, &hash, now).await?;
            let me = Some(member.session_id.as_str());
            revoke_other_sessions(tx, &member.user_id, me, "password_changed", now).await?;
            Ok(())
        })
        .await?;
    Ok(())
}

/// How recent a provider sign-in must be to delete an account that has
/// no password (signing in again is how such a member confirms).
pub const FRESH_SIGN_IN_MS: i64 = 10 * 60 * 1000;

/// Soft-deletes the member's account and signs out all its sessions. The
/// password confirms it; an account made through a sign-in provider has
/// none, and confirms by a sign-in of this session within ten minutes.
pub async fn delete_account(
    state: &AppState,
    member: &Actor,
    req: DeleteAccountRequest,
) -> Result<()> {
    let (has_password, signed_in_at) = {
        let mut conn = state.db.read().acquire().await?;
        let hash = users::password_hash(&mut conn, &member.user_id).await?;
        let at: Option<i64> = sqlx::query_scalar("SELECT created_at FROM sessions WHERE id = $1")
            .bind(&member.session_id)
            .fetch_optional(&mut *conn)
            .await?;
        (hash.is_some(), at.unwrap_or(0))
    };
    if has_password {
        check_password(state, member, "password", req.password).await?;
    } else if now_ms() - signed_in_at > FRESH_SIGN_IN_MS {
        return Err(Error::invalid(
            "password",
            "this account has no password: sign in again with your provider, then delete it \
             within ten minutes",
        ));
    }
    let now = now_ms();
    state
        .write_quiet(async |tx| {
            users::soft_delete(tx, &member.user_id, now).await?;
            crate::privacy::erase::schedule(tx, &member.user_id, state.settings.erase_after, now)
                .await?;
            revoke_other_sessions(tx, &member.user_id, None, "account_deleted", now).await?;
            Ok(())
        })
        .await?;
    Ok(())
}
