//! Verifying a member's mobile number with a texted 6-digit code.
//!
//! Offered where the server sends texts (SENS, or the local fake); there a
//! verified number is needed to order in a group-buy and to quote on a
//! request ([`require_verified`]). One live code per member, for the number
//! it was sent to: asking again within a minute is refused with the wait,
//! later it replaces the code. A code lives 3 minutes, is stored only as a
//! keyed hash over the member, the number and the code, and dies after five
//! wrong tries or its one use. Sends are limited per number and per client
//! address (`AppState::phone_per_number`, `phone_per_ip`). Numbers are
//! Korean mobiles in any usual spelling, stored as digits (`01012345678`)
//! and shown back in E.164 (`+821012345678`).

use moa_protocol::{ErrorCode, PhoneCodeSent, TextKind, e164};
use rand::Rng;

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::users::service::{self as users, UserRow};
use crate::util::now_ms;
use crate::validate;

/// How long a texted code is valid.
pub const CODE_TTL_MS: i64 = 3 * 60 * 1000;
/// How long before another code can be texted to the member.
pub const RESEND_AFTER_MS: i64 = 60 * 1000;
/// Wrong tries a code survives.
pub const MAX_ATTEMPTS: i64 = 5;
const PURPOSE: &str = "phone_verification";

/// Whether this server verifies numbers (it can send texts).
pub fn offered(state: &AppState) -> bool {
    state.sms.is_some()
}

fn sms(state: &AppState) -> Result<&crate::sms::Sens> {
    state.sms.as_ref().ok_or_else(|| {
        Error::NotOffered(
            "phone verification is not set up on this server (no text provider)".into(),
        )
    })
}

/// Refuses (403 `phone_unverified`) the member `user_id` without a
/// verified number where the server verifies numbers (`required`, from
/// [`offered`]); checked before an order or a quote, on the write's
/// connection.
pub async fn require_verified(
    conn: &mut sqlx::AnyConnection,
    required: bool,
    user_id: &str,
    doing: &str,
) -> Result<()> {
    if !required {
        return Ok(());
    }
    let verified: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT phone_verified_at FROM users WHERE id = $1 AND phone IS NOT NULL",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    if verified.flatten().is_none() {
        return Err(Error::Forbidden {
            code: ErrorCode::PhoneUnverified,
            message: format!("{doing} needs a verified mobile number: verify yours in settings"),
        });
    }
    Ok(())
}

/// Texts a new code to `raw` for the member `user_id`.
pub async fn request(state: &AppState, user_id: &str, raw: &str) -> Result<PhoneCodeSent> {
    let sms = sms(state)?;
    let phone = validate::phone(raw)?;
    let now = now_ms();
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let hash = code_hash(state, user_id, &phone, &code);
    let fresh = state
        .write_quiet(async |tx| {
            // A code texted within the last minute stays; none is sent.
            let result = sqlx::query(
                "INSERT INTO phone_verifications (user_id, phone, code_hash, created_at, expires_at, attempts) \
                 VALUES ($1, $2, $3, $4, $5, 0) \
                 ON CONFLICT (user_id) DO UPDATE SET phone = $2, code_hash = $3, created_at = $4, \
                 expires_at = $5, attempts = 0 \
                 WHERE phone_verifications.created_at <= $6",
            )
            .bind(user_id)
            .bind(&phone)
            .bind(&hash)
            .bind(now)
            .bind(now + CODE_TTL_MS)
            .bind(now - RESEND_AFTER_MS)
            .execute(&mut *tx)
            .await?;
            if result.rows_affected() == 1 {
                return Ok(None);
            }
            let sent_at: Option<i64> = sqlx::query_scalar(
                "SELECT created_at FROM phone_verifications WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            Ok(Some(sent_at.unwrap_or(now)))
        })
        .await?;
    if let Some(sent_at) = fresh {
        let wait_ms = (sent_at + RESEND_AFTER_MS - now).max(1000);
        return Err(Error::RateLimited {
            retry_after_secs: u64::try_from((wait_ms + 999) / 1000).unwrap_or(60),
        });
    }
    let content = format!("[모아] 인증번호 [{code}]를 입력해 주세요. 3분 동안 유효합니다.");
    if let Err(e) = sms
        .send(
            TextKind::Sms,
            false,
            "",
            &content,
            std::slice::from_ref(&phone),
            now,
        )
        .await
    {
        tracing::error!(error = %e, "a phone verification code could not be texted");
        // Nothing reached the member: the next request may send at once.
        state
            .write_quiet(async |tx| delete(tx, user_id).await.map(|_| ()))
            .await?;
        return Err(Error::Upstream(format!(
            "the text with the code could not be sent ({e}); try again in a moment"
        )));
    }
    Ok(PhoneCodeSent {
        phone: e164(&phone),
        valid_for_secs: CODE_TTL_MS / 1000,
        resend_after_secs: RESEND_AFTER_MS / 1000,
    })
}

fn code_hash(state: &AppState, user_id: &str, phone: &str, code: &str) -> String {
    state
        .tokens
        .code_hash(PURPOSE, &format!("{user_id}:{phone}"), code)
}

/// What checking a code found.
enum Check {
    Verified(Box<UserRow>),
    Wrong { left: i64 },
    Dead,
}

/// Checks the texted code; when it is right, the number it was sent to
/// becomes the member's verified number. Answers the updated account.
pub async fn confirm(state: &AppState, user_id: &str, code: &str) -> Result<UserRow> {
    sms(state)?;
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            "code",
            "the code is the 6 digits from the text",
        ));
    }
    let now = now_ms();
    let check = state
        .write_quiet(async |tx| {
            let row: Option<(String, String, i64, i64)> = sqlx::query_as(
                "SELECT phone, code_hash, expires_at, attempts FROM phone_verifications WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((phone, stored, expires_at, attempts)) = row else {
                return Ok(Check::Dead);
            };
            if expires_at <= now || attempts >= MAX_ATTEMPTS {
                delete(tx, user_id).await?;
                return Ok(Check::Dead);
            }
            if !crate::auth::reset::same(&stored, &code_hash(state, user_id, &phone, code)) {
                let attempts = attempts + 1;
                if attempts >= MAX_ATTEMPTS {
                    delete(tx, user_id).await?;
                } else {
                    sqlx::query("UPDATE phone_verifications SET attempts = $1 WHERE user_id = $2")
                        .bind(attempts)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                }
                return Ok(Check::Wrong {
                    left: MAX_ATTEMPTS - attempts,
                });
            }
            // Single use: the delete that finds the row is the one use.
            if delete(tx, user_id).await? != 1 {
                return Ok(Check::Dead);
            }
            let user = users::set_verified_phone(tx, user_id, &phone, now).await?;
            Ok(Check::Verified(Box::new(user)))
        })
        .await?;
    match check {
        Check::Verified(user) => {
            tracing::info!(user_id, "mobile number verified");
            Ok(*user)
        }
        Check::Wrong { left } => Err(crate::auth::reset::wrong_code(Some(left))),
        Check::Dead => Err(crate::auth::reset::wrong_code(None)),
    }
}

async fn delete(tx: &mut sqlx::AnyConnection, user_id: &str) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM phone_verifications WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
    )
}
