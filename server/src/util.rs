//! Small shared helpers: the clock, ids, random secrets and the status of
//! an idempotent create.

use base64::Engine;
use rand::RngCore;

/// `value` as JSON; a value that cannot be encoded is an internal error.
pub fn to_json<T: serde::Serialize>(value: &T) -> crate::Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| crate::Error::Internal(format!("cannot encode: {e}")))
}

/// `value` as JSON text (for a text column), as [`to_json`].
pub fn to_json_text<T: serde::Serialize>(value: &T) -> crate::Result<String> {
    serde_json::to_string(value).map_err(|e| crate::Error::Internal(format!("cannot encode: {e}")))
}

/// Now, in Unix milliseconds UTC (the protocol's time unit).
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// The status of an idempotent create: 201 when it created something, 200
/// when it answered what a replay (same id, same content) created before.
pub fn created_status(created: bool) -> axum::http::StatusCode {
    if created {
        axum::http::StatusCode::CREATED
    } else {
        axum::http::StatusCode::OK
    }
}

/// A new UUIDv7 id as text: time-ordered, so ids sort by creation.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Whether `s` is a UUID in its canonical hyphenated lowercase text form.
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok_and(|u| u.to_string() == s)
}

/// `n` bytes from the OS's secure random generator, URL-safe base64 encoded.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A password people can type: `len` characters without look-alikes.
pub fn random_password(len: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// `%` and `_` match literally in a user's search text.
pub fn like_pattern(q: &str) -> String {
    let escaped = q
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_canonical_uuids_and_ordered() {
        let a = new_id();
        let b = new_id();
        assert!(is_uuid(&a) && is_uuid(&b));
        assert!(a < b, "UUIDv7 ids sort by creation time");
        assert!(!is_uuid("not-a-uuid"));
        assert!(!is_uuid(&a.to_uppercase()));
    }

    #[test]
    fn tokens_and_passwords_are_random() {
        assert_ne!(random_token(32), random_token(32));
        assert_eq!(random_token(32).len(), 43);
        let p = random_password(14);
        assert_eq!(p.chars().count(), 14);
        assert!(!p.contains('0') && !p.contains('l'));
    }
}
