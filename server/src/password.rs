//! Password hashing with argon2id, on a blocking thread (it is CPU work by
//! design and would stall the async runtime otherwise).

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{Error, Result};

/// Hashes `password` with argon2id (the crate's defaults: 19 MiB, t=2, p=1,
/// the OWASP baseline) and a random salt, as a PHC string.
pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

fn hash_blocking(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("cannot hash a password: {e}")))
}

/// Whether `password` matches `stored` (a PHC string). With `stored = None`
/// (no such account) it still spends the time of one verification, so that
/// response times do not reveal which emails are registered.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let stored = stored.as_deref().unwrap_or(DUMMY_HASH.as_str());
        let parsed = PasswordHash::new(stored)
            .map_err(|e| Error::Internal(format!("stored password hash is corrupt: {e}")))?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && stored != DUMMY_HASH.as_str())
    })
    .await?
}

static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking("not a real password").unwrap_or_default());

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_salted() {
        let a = hash("비밀번호123!".into()).await.unwrap();
        let b = hash("비밀번호123!".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(
            verify("비밀번호123!".into(), Some(a.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong password".into(), Some(a)).await.unwrap());
        assert!(!verify("not a real password".into(), None).await.unwrap());
    }
}
