//! "Forgot your password?": a single-use 6-digit code mailed to the
//! account's address sets a new password.
//!
//! Asking answers the same whether or not the address has an account (and
//! mails nothing when it has none), so the endpoint tells nobody who is a
//! member. One live code per member: asking again within a minute sends
//! nothing new, later it replaces the code. A code lives 30 minutes, is
//! stored only as a keyed hash, and dies after five wrong tries or its one
//! use; using it ends every session of the member and signs this device in.

use moa_protocol::{AuthResponse, ErrorCode, PasswordResetConfirm, PasswordResetSent};
use rand::Rng;

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::users::service as users;
use crate::util::now_ms;
use crate::{password, validate};

/// How long a mailed code is valid.
pub const CODE_TTL_MS: i64 = 30 * 60 * 1000;
/// How long before a member can be mailed another code.
pub const RESEND_AFTER_MS: i64 = 60 * 1000;
/// Wrong tries a code survives.
pub const MAX_ATTEMPTS: i64 = 5;
const PURPOSE: &str = "password_reset";

fn sent() -> PasswordResetSent {
    PasswordResetSent {
        valid_for_secs: CODE_TTL_MS / 1000,
        resend_after_secs: RESEND_AFTER_MS / 1000,
    }
}

/// The mailer, or 404 `not_offered` when the server has no mail settings.
fn mailer(state: &AppState) -> Result<&crate::mail::Mailer> {
    state.mail.as_ref().ok_or_else(|| {
        Error::NotOffered("password reset by email is not set up on this server".into())
    })
}

/// Mails a new code to `email` if it is a member's (in the background, so
/// the answer takes as long either way).
pub async fn request(state: &AppState, email: &str) -> Result<PasswordResetSent> {
    mailer(state)?;
    let email = validate::email(email)?;
    let user = {
        let mut conn = state.db.read().acquire().await?;
        users::find_by_email(&mut conn, &email).await?
    };
    let Some((user, _)) = user else {
        return Ok(sent());
    };
    let now = now_ms();
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let hash = state.tokens.code_hash(PURPOSE, &user.id, &code);
    let fresh = state
        .write_quiet(async |tx| {
            // A code mailed within the last minute stays; none is sent.
            let result = sqlx::query(
                "INSERT INTO password_resets (user_id, code_hash, created_at, expires_at, attempts) \
                 VALUES ($1, $2, $3, $4, 0) \
                 ON CONFLICT (user_id) DO UPDATE SET code_hash = $2, created_at = $3, \
                 expires_at = $4, attempts = 0 \
                 WHERE password_resets.created_at <= $5",
            )
            .bind(&user.id)
            .bind(&hash)
            .bind(now)
            .bind(now + CODE_TTL_MS)
            .bind(now - RESEND_AFTER_MS)
            .execute(&mut *tx)
            .await?;
            Ok(result.rows_affected() == 1)
        })
        .await?;
    if fresh {
        let state = state.clone();
        let name = user.display_name.clone();
        tokio::spawn(async move {
            let Ok(mail) = mailer(&state) else { return };
            let body = mail_body(&name, &code);
            if let Err(e) = mail
                .send(
                    &email,
                    "[모아] 비밀번호 재설정 코드 / Password reset code",
                    body,
                )
                .await
            {
                tracing::error!(error = %e, "a password reset code could not be mailed");
                state.alerts.send(crate::alerts::Alert::JobFailing {
                    kind: "password_reset_mail".into(),
                    key: String::new(),
                    attempts: 1,
                    error: e.to_string().chars().take(200).collect(),
                });
            }
        });
    }
    Ok(sent())
}

fn mail_body(name: &str, code: &str) -> String {
    format!(
        "{name}님, 안녕하세요.\n\n\
         모아 비밀번호 재설정 코드: {code}\n\n\
         앱의 '비밀번호 재설정' 화면에 이 코드를 입력하세요. 30분 동안 한 번만 쓸 수 있습니다.\n\
         요청하지 않으셨다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다.\n\n\
         ---\n\
         Your Moa password reset code: {code}\n\
         Enter it in the app within 30 minutes; it works once. \
         If you did not ask for it, ignore this mail: your password stays as it is.\n"
    )
}

/// What checking a code found.
enum Check {
    Used,
    Wrong { left: i64 },
    Dead,
}

/// Sets the new password with a mailed code, ends every session and opens
/// a new one.
pub async fn confirm(state: &AppState, req: PasswordResetConfirm) -> Result<AuthResponse> {
    mailer(state)?;
    let email = validate::email(&req.email)?;
    validate::password("new_password", &req.new_password)?;
    let code = req.code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            "code",
            "the code is the 6 digits from the mail",
        ));
    }
    let user = {
        let mut conn = state.db.read().acquire().await?;
        users::find_by_email(&mut conn, &email).await?
    };
    let Some((user, _)) = user else {
        return Err(wrong_code(None));
    };
    let hash = state.tokens.code_hash(PURPOSE, &user.id, code);
    let new_hash = password::hash(req.new_password).await?;
    let now = now_ms();
    let check = state
        .write_quiet(async |tx| {
            let row: Option<(String, i64, i64)> = sqlx::query_as(
                "SELECT code_hash, expires_at, attempts FROM password_resets WHERE user_id = $1",
            )
            .bind(&user.id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((stored, expires_at, attempts)) = row else {
                return Ok(Check::Dead);
            };
            if expires_at <= now || attempts >= MAX_ATTEMPTS {
                delete(tx, &user.id).await?;
                return Ok(Check::Dead);
            }
            if !same(&stored, &hash) {
                let attempts = attempts + 1;
                if attempts >= MAX_ATTEMPTS {
                    delete(tx, &user.id).await?;
                } else {
                    sqlx::query("UPDATE password_resets SET attempts = $1 WHERE user_id = $2")
                        .bind(attempts)
                        .bind(&user.id)
                        .execute(&mut *tx)
                        .await?;
                }
                return Ok(Check::Wrong {
                    left: MAX_ATTEMPTS - attempts,
                });
            }
            // Single use: the delete that finds the row is the one use.
            if delete(tx, &user.id).await? != 1 {
                return Ok(Check::Dead);
            }
            users::set_password_hash(tx, &user.id, &new_hash, now).await?;
            super::service::revoke_all_sessions(tx, &user.id, "password_reset", now).await?;
            Ok(Check::Used)
        })
        .await?;
    match check {
        Check::Used => {
            tracing::info!(user_id = %user.id, "password reset with a mailed code");
            super::service::start_session(state, user).await
        }
        Check::Wrong { left } => Err(wrong_code(Some(left))),
        Check::Dead => Err(wrong_code(None)),
    }
}

async fn delete(tx: &mut sqlx::AnyConnection, user_id: &str) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
    )
}

pub(crate) fn wrong_code(left: Option<i64>) -> Error {
    let message = match left {
        Some(n) if n > 0 => format!("the code is wrong ({n} tries left)"),
        _ => "the code is wrong, used or expired; ask for a new one".to_owned(),
    };
    Error::Unprocessable {
        code: ErrorCode::InvalidCode,
        message,
    }
}

/// Compares two hashes in time independent of where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
