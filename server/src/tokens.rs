//! Access and refresh tokens.
//!
//! Access tokens are HS256 JWTs, short-lived (15 minutes by default), naming
//! the member (`sub`) and the session (`sid`); the session is checked on every
//! request, so signing out takes effect at once. Refresh tokens are 256-bit
//! random strings; the database keeps only their SHA-256 hashes.

use std::path::Path;

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use moa_protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The member's id.
    pub sub: String,
    /// The session (refresh-token family) the token belongs to.
    pub sid: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
    /// Always `"access"`: a token minted for another purpose is refused.
    pub typ: String,
}

const ACCESS: &str = "access";

/// Signs and verifies access tokens with the server's secret key.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl_ms: i64,
    /// Keys the hashes of mailed and texted codes (derived from the secret,
    /// so a copy of the database alone cannot try the million codes).
    code_key: [u8; 32],
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("access_ttl_ms", &self.access_ttl_ms)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl_ms: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl_ms,
            code_key: Sha256::new()
                .chain_update(b"moa one-time codes\0")
                .chain_update(secret)
                .finalize()
                .into(),
        }
    }

    /// The stored form of a one-time `code` sent for `purpose` to `subject`
    /// (HMAC-SHA256, hex): equal codes for other members or purposes hash
    /// apart.
    pub fn code_hash(&self, purpose: &str, subject: &str, code: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.code_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        for part in [purpose, subject, code] {
            mac.update(part.as_bytes());
            mac.update(b"\0");
        }
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A new access token for `user_id` in `session_id`, and when it expires (Unix ms).
    pub fn issue_access(
        &self,
        user_id: &str,
        session_id: &str,
        now_ms: i64,
    ) -> Result<(String, i64)> {
        let expires_ms = now_ms + self.access_ttl_ms;
        let claims = Claims {
            sub: user_id.to_owned(),
            sid: session_id.to_owned(),
            iat: now_ms / 1000,
            exp: expires_ms / 1000,
            typ: ACCESS.to_owned(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Internal(format!("cannot sign a token: {e}")))?;
        Ok((token, expires_ms))
    }

    /// Checks signature, algorithm, expiry and purpose; 401 otherwise.
    pub fn verify_access(&self, token: &str) -> Result<Claims> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => Error::unauthorized(
                    ErrorCode::TokenExpired,
                    "the access token has expired; refresh it",
                ),
                _ => Error::unauthorized(ErrorCode::InvalidToken, "the access token is not valid"),
            })?;
        if data.claims.typ != ACCESS {
            return Err(Error::unauthorized(
                ErrorCode::InvalidToken,
                "not an access token",
            ));
        }
        Ok(data.claims)
    }
}

/// A new refresh token and the hash to store for it.
pub fn new_refresh_token() -> (String, String) {
    let token = crate::util::random_token(32);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// SHA-256 of a refresh token, hex encoded: what the database stores.
pub fn hash_refresh_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Errors loading or creating the signing key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the configured JWT secret must be at least 32 bytes")]
    TooShort,
    #[error("cannot read or write the key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the key file {0} is corrupt (expected base64)")]
    Corrupt(String),
}

/// The JWT signing secret: the configured one, or the one kept in
/// `data_dir/jwt-secret`, created (mode 0600) on first start. Never logged.
pub fn load_or_create_secret(
    data_dir: &Path,
    configured: Option<&str>,
) -> Result<Vec<u8>, KeyError> {
    if let Some(secret) = configured {
        if secret.len() < 32 {
            return Err(KeyError::TooShort);
        }
        return Ok(secret.as_bytes().to_vec());
    }
    let path = data_dir.join("jwt-secret");
    let io = |source| KeyError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(data_dir).map_err(io)?;
    let b64 = base64::engine::general_purpose::STANDARD;
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let key = b64
                .decode(text.trim())
                .map_err(|_| KeyError::Corrupt(path.display().to_string()))?;
            if key.len() < 32 {
                return Err(KeyError::Corrupt(path.display().to_string()));
            }
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = vec![0u8; 64];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
            write_private(&path, b64.encode(&key).as_bytes()).map_err(io)?;
            tracing::info!(path = %path.display(), "created a new JWT signing key");
            Ok(key)
        }
        Err(e) => Err(io(e)),
    }
}

/// Creates `path` readable and writable by its owner only, failing if it exists.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7u8; 32], 15 * 60 * 1000)
    }

    fn code(e: Error) -> ErrorCode {
        match e {
            Error::Unauthorized { code, .. } => code,
            other => panic!("expected 401, got {other:?}"),
        }
    }

    #[test]
    fn access_tokens_round_trip() {
        let now = crate::util::now_ms();
        let (token, exp) = keys().issue_access("u1", "s1", now).unwrap();
        assert_eq!(exp, now + 15 * 60 * 1000);
        let claims = keys().verify_access(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.sid.as_str()), ("u1", "s1"));
    }

    #[test]
    fn expired_forged_and_tampered_tokens_are_refused() {
        let now = crate::util::now_ms();
        let (old, _) = keys().issue_access("u1", "s1", now - 3_600_000).unwrap();
        assert_eq!(
            code(keys().verify_access(&old).unwrap_err()),
            ErrorCode::TokenExpired
        );

        let forger = TokenKeys::new(&[8u8; 32], 900_000);
        let (forged, _) = forger.issue_access("u1", "s1", now).unwrap();
        assert_eq!(
            code(keys().verify_access(&forged).unwrap_err()),
            ErrorCode::InvalidToken
        );

        let (good, _) = keys().issue_access("u1", "s1", now).unwrap();
        let mut parts: Vec<&str> = good.split('.').collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = format!(
            r#"{{"sub":"admin","sid":"s1","iat":0,"exp":{},"typ":"access"}}"#,
            now / 1000 + 900
        );
        let tampered_payload = b64.encode(payload);
        parts[1] = &tampered_payload;
        assert_eq!(
            code(keys().verify_access(&parts.join(".")).unwrap_err()),
            ErrorCode::InvalidToken
        );

        // alg "none" is never accepted.
        let header = b64.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{header}.{tampered_payload}.");
        assert_eq!(
            code(keys().verify_access(&unsigned).unwrap_err()),
            ErrorCode::InvalidToken
        );
        assert_eq!(
            code(keys().verify_access("garbage").unwrap_err()),
            ErrorCode::InvalidToken
        );
    }

    #[test]
    fn refresh_tokens_are_stored_hashed() {
        let (token, hash) = new_refresh_token();
        assert_eq!(hash, hash_refresh_token(&token));
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&token));
    }

    #[test]
    fn secret_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_secret(dir.path(), None).unwrap();
        let second = load_or_create_secret(dir.path(), None).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("jwt-secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            load_or_create_secret(dir.path(), Some("short")),
            Err(KeyError::TooShort)
        ));
        let configured = "x".repeat(40);
        assert_eq!(
            load_or_create_secret(dir.path(), Some(&configured)).unwrap(),
            configured.as_bytes()
        );
    }
}
