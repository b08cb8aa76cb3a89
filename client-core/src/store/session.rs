//! The session of the signed-in account: tokens and the member, kept in the
//! account's own database so a restart stays signed in.

use moa_protocol::{AuthResponse, Me};
use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::error::Result;

/// Tokens and the member they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub access_token: String,
    pub access_expires_at: i64,
    pub refresh_token: String,
    pub me: Me,
}

impl From<AuthResponse> for Session {
    fn from(auth: AuthResponse) -> Self {
        Session {
            access_token: auth.access_token,
            access_expires_at: auth.access_expires_at,
            refresh_token: auth.refresh_token,
            me: auth.user,
        }
    }
}

/// A value kept with the session (also small per-account values such as the
/// last community list).
pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM session WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Keeps `value` under `key` (see [`get`]).
pub fn set(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO session (key, value) VALUES (?1, ?2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// The stored session, if signed in.
pub fn load(conn: &Connection) -> Result<Option<Session>> {
    let (Some(access), Some(expires), Some(refresh), Some(me)) = (
        get(conn, "access_token")?,
        get(conn, "access_expires_at")?,
        get(conn, "refresh_token")?,
        get(conn, "me")?,
    ) else {
        return Ok(None);
    };
    Ok(Some(Session {
        access_token: access,
        access_expires_at: expires.parse().unwrap_or(0),
        refresh_token: refresh,
        me: serde_json::from_str(&me)?,
    }))
}

/// Stores the session (after sign-in or a token refresh).
pub fn save(tx: &Transaction<'_>, session: &Session) -> Result<()> {
    set(tx, "access_token", &session.access_token)?;
    set(
        tx,
        "access_expires_at",
        &session.access_expires_at.to_string(),
    )?;
    set(tx, "refresh_token", &session.refresh_token)?;
    save_me(tx, &session.me)
}

/// Stores the member's own profile as the server last sent it.
pub fn save_me(tx: &Transaction<'_>, me: &Me) -> Result<()> {
    set(tx, "me", &serde_json::to_string(me)?)
}

/// Forgets the tokens (sign out); the cache stays for the next sign-in.
pub fn clear_tokens(tx: &Transaction<'_>) -> Result<()> {
    tx.execute(
        "DELETE FROM session WHERE key IN ('access_token', 'access_expires_at', 'refresh_token', 'push_device')",
        [],
    )?;
    Ok(())
}
