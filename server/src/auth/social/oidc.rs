//! OpenID Connect for Kakao and Google: discovery, the authorization-code
//! exchange and the ID token's checks (signature against the provider's
//! JWKS, issuer, audience, authorized party, expiry, nonce).
//!
//! Built on `jsonwebtoken` (already in the tree for access tokens) rather
//! than the `openidconnect` crate, whose `oauth2` dependency brings a
//! second `reqwest` major version to compile; the checks are the ones
//! OpenID Connect Core 3.1.3.7 lists, each tested below.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::{Identity, SocialError};

/// A provider's OpenID Connect settings.
#[derive(Clone)]
pub struct OidcSettings {
    /// `https://kauth.kakao.com`, `https://accounts.google.com`, or a
    /// local provider's address in tests; discovery is read from
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Space-separated scopes asked for (`openid` and whatever releases
    /// the email address and name).
    pub scopes: String,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// What discovery says (the fields Moa uses).
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

/// How long discovery and keys are trusted before they are read again
/// (a key the cache does not know is looked up at once).
const CACHE_FOR: Duration = Duration::from_secs(3600);
/// Clock difference tolerated on `exp` and `iat`.
const LEEWAY_SECS: u64 = 60;

struct Cached {
    metadata: Metadata,
    keys: JwkSet,
    fetched: Instant,
}

/// One OpenID provider: its settings and its cached discovery and keys.
pub struct Oidc {
    pub settings: OidcSettings,
    cache: Mutex<Option<std::sync::Arc<Cached>>>,
}

/// The ID token claims Moa reads.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    azp: Option<String>,
    /// A string or an array of strings (checked by `jsonwebtoken`; only
    /// the count matters here).
    #[serde(default)]
    aud: serde_json::Value,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<EmailVerified>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    nickname: Option<String>,
}

/// `email_verified` is a boolean, but some providers send `"true"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum EmailVerified {
    Bool(bool),
    Text(String),
}

impl EmailVerified {
    fn is_true(&self) -> bool {
        match self {
            EmailVerified::Bool(b) => *b,
            EmailVerified::Text(s) => s.eq_ignore_ascii_case("true"),
        }
    }
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    id_token: Option<String>,
}

impl Oidc {
    pub fn new(settings: OidcSettings) -> Oidc {
        Oidc {
            settings,
            cache: Mutex::new(None),
        }
    }

    fn cached(&self) -> Option<std::sync::Arc<Cached>> {
        let guard = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        guard.clone().filter(|c| c.fetched.elapsed() < CACHE_FOR)
    }

    /// Discovery and keys, from the cache or read afresh (`refresh`: a
    /// key was missing).
    async fn load(
        &self,
        http: &reqwest::Client,
        refresh: bool,
    ) -> Result<std::sync::Arc<Cached>, SocialError> {
        if !refresh && let Some(c) = self.cached() {
            return Ok(c);
        }
        let issuer = self.settings.issuer.trim_end_matches('/');
        let url = format!("{issuer}/.well-known/openid-configuration");
        let metadata: Metadata = get_json(http, &url).await?;
        if metadata.issuer.trim_end_matches('/') != issuer {
            return Err(SocialError::Provider(format!(
                "discovery names issuer {} where {issuer} was configured",
                metadata.issuer
            )));
        }
        let keys: JwkSet = get_json(http, &metadata.jwks_uri).await?;
        let cached = std::sync::Arc::new(Cached {
            metadata,
            keys,
            fetched: Instant::now(),
        });
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(cached.clone());
        Ok(cached)
    }

    /// The authorization endpoint (discovery read if needed).
    pub async fn metadata(&self, http: &reqwest::Client) -> Result<Metadata, SocialError> {
        Ok(self.load(http, false).await?.metadata.clone())
    }

    /// Exchanges `code` (with the PKCE verifier) and checks the ID token.
    pub async fn exchange(
        &self,
        http: &reqwest::Client,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<Identity, SocialError> {
        let metadata = self.metadata(http).await?;
        let s = &self.settings;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", s.client_id.as_str()),
            ("client_secret", s.client_secret.as_str()),
            ("code_verifier", verifier),
        ];
        let answer = http
            .post(&metadata.token_endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(super::form(&form))
            .send()
            .await
            .map_err(SocialError::unreachable)?;
        let status = answer.status();
        let body = answer.bytes().await.map_err(SocialError::unreachable)?;
        if status.is_server_error() {
            return Err(SocialError::Unreachable(format!(
                "token endpoint answered {status}"
            )));
        }
        if !status.is_success() {
            return Err(SocialError::Refused(format!(
                "the provider refused the code ({status}: {})",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            )));
        }
        let token: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|e| SocialError::Provider(format!("token answer: {e}")))?;
        let id_token = token
            .id_token
            .ok_or_else(|| SocialError::Provider("the token answer has no id_token".into()))?;
        self.verify(http, &id_token, nonce).await
    }

    /// Checks an ID token and answers who it names.
    pub async fn verify(
        &self,
        http: &reqwest::Client,
        id_token: &str,
        nonce: &str,
    ) -> Result<Identity, SocialError> {
        let cached = self.load(http, false).await?;
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|e| SocialError::Invalid(format!("ID token header: {e}")))?;
        let key = match pick_key(&cached.keys, header.kid.as_deref(), header.alg) {
            Some(k) => k,
            // A key rotated in since the cache was filled.
            None => {
                let fresh = self.load(http, true).await?;
                pick_key(&fresh.keys, header.kid.as_deref(), header.alg)
                    .ok_or_else(|| SocialError::Invalid("no provider key signed it".into()))?
            }
        };
        check(
            id_token,
            &key,
            header.alg,
            &cached.metadata.issuer,
            &self.settings.client_id,
            nonce,
        )
    }
}

/// The key that signed a token: by `kid`, or the only key fit for `alg`.
fn pick_key(keys: &JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
    use jsonwebtoken::jwk::AlgorithmParameters as Params;
    let fits = |k: &&Jwk| {
        matches!(
            (alg, &k.algorithm),
            (
                Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512,
                Params::RSA(_)
            ) | (
                Algorithm::ES256 | Algorithm::ES384,
                Params::EllipticCurve(_)
            )
        )
    };
    let jwk = match kid {
        Some(kid) => keys
            .keys
            .iter()
            .filter(fits)
            .find(|k| k.common.key_id.as_deref() == Some(kid)),
        None => {
            let mut fit = keys.keys.iter().filter(fits);
            match (fit.next(), fit.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        }
    }?;
    DecodingKey::from_jwk(jwk).ok()
}

/// The checks of OpenID Connect Core 3.1.3.7 on a token whose key is
/// known.
pub(crate) fn check(
    id_token: &str,
    key: &DecodingKey,
    alg: Algorithm,
    issuer: &str,
    client_id: &str,
    nonce: &str,
) -> Result<Identity, SocialError> {
    // Only asymmetric algorithms: a token "signed" with the client secret
    // or with `none` is refused before any key is tried.
    if !matches!(
        alg,
        Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::ES256
            | Algorithm::ES384
    ) {
        return Err(SocialError::Invalid(format!("ID token algorithm {alg:?}")));
    }
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    validation.leeway = LEEWAY_SECS;
    let data = jsonwebtoken::decode::<Claims>(id_token, key, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind::*;
        SocialError::Invalid(match e.kind() {
            ExpiredSignature => "the ID token has expired".into(),
            InvalidAudience => "the ID token is for another application".into(),
            InvalidIssuer => "the ID token is from another issuer".into(),
            InvalidSignature => "the ID token's signature does not verify".into(),
            other => format!("ID token: {other:?}"),
        })
    })?;
    let claims = data.claims;
    if claims.aud.as_array().is_some_and(|a| a.len() > 1)
        && claims.azp.as_deref() != Some(client_id)
    {
        return Err(SocialError::Invalid(
            "the ID token is for several applications and not authorized for this one".into(),
        ));
    }
    if claims.nonce.as_deref() != Some(nonce) {
        return Err(SocialError::Invalid(
            "the ID token's nonce is not this sign-in's".into(),
        ));
    }
    Ok(Identity {
        subject: claims.sub,
        email_verified: claims
            .email_verified
            .as_ref()
            .is_some_and(EmailVerified::is_true),
        email: claims.email,
        name: claims.name.or(claims.nickname),
    })
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
) -> Result<T, SocialError> {
    let answer = http
        .get(url)
        .send()
        .await
        .map_err(SocialError::unreachable)?;
    if !answer.status().is_success() {
        return Err(SocialError::Unreachable(format!(
            "{url} answered {}",
            answer.status()
        )));
    }
    let body = answer.bytes().await.map_err(SocialError::unreachable)?;
    serde_json::from_slice(&body).map_err(|e| SocialError::Provider(format!("{url}: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::push::jwt::Rs256;
    use serde_json::{Value, json};

    const PEM: &str = include_str!("../../../../tests/data/push/fcm-test-key.pem");
    const ISS: &str = "https://kauth.kakao.com";
    const CLIENT: &str = "moa-client";

    fn now() -> i64 {
        crate::util::now_ms() / 1000
    }

    fn claims() -> Value {
        json!({
            "iss": ISS, "aud": CLIENT, "sub": "4200", "iat": now(), "exp": now() + 600,
            "nonce": "n-1", "email": "haneul@kakao.kr", "email_verified": true, "nickname": "하늘",
        })
    }

    fn sign(header: Value, claims: &Value) -> String {
        Rs256::from_pem(PEM).unwrap().sign(&header, claims).unwrap()
    }

    fn verify(token: &str) -> Result<Identity, SocialError> {
        let key = DecodingKey::from_rsa_der(&Rs256::from_pem(PEM).unwrap().public_key());
        let alg = jsonwebtoken::decode_header(token).unwrap().alg;
        check(token, &key, alg, ISS, CLIENT, "n-1")
    }

    fn rs256() -> Value {
        json!({"alg": "RS256", "typ": "JWT"})
    }

    fn refused(mut edit: impl FnMut(&mut Value), why: &str) {
        let mut c = claims();
        edit(&mut c);
        match verify(&sign(rs256(), &c)) {
            Err(SocialError::Invalid(m)) => assert!(m.contains(why), "{m} (wanted {why})"),
            other => panic!("accepted or wrong error: {other:?} (wanted {why})"),
        }
    }

    #[test]
    fn a_good_token_names_the_member() {
        let id = verify(&sign(rs256(), &claims())).unwrap();
        assert_eq!(id.subject, "4200");
        assert_eq!(id.email.as_deref(), Some("haneul@kakao.kr"));
        assert!(id.email_verified);
        assert_eq!(id.name.as_deref(), Some("하늘"));
    }

    #[test]
    fn each_check_refuses_its_case() {
        refused(|c| c["exp"] = json!(now() - 120), "expired");
        refused(|c| c["aud"] = json!("someone-else"), "another application");
        refused(
            |c| c["iss"] = json!("https://evil.example"),
            "another issuer",
        );
        refused(|c| c["nonce"] = json!("n-2"), "nonce");
        refused(
            |c| {
                c.as_object_mut().unwrap().remove("nonce");
            },
            "nonce",
        );
        refused(
            |c| c["aud"] = json!([CLIENT, "other"]),
            "several applications",
        );
        refused(
            |c| {
                c.as_object_mut().unwrap().remove("exp");
            },
            "Missing",
        );
    }

    #[test]
    fn several_audiences_pass_when_authorized_for_this_one() {
        let mut c = claims();
        c["aud"] = json!([CLIENT, "other"]);
        c["azp"] = json!(CLIENT);
        assert!(verify(&sign(rs256(), &c)).is_ok());
    }

    #[test]
    fn forged_and_symmetric_tokens_are_refused() {
        // A changed payload under the original signature.
        let token = sign(rs256(), &claims());
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut c = claims();
        c["sub"] = json!("1");
        parts[1] = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            serde_json::to_vec(&c).unwrap(),
        );
        assert!(matches!(
            verify(&parts.join(".")),
            Err(SocialError::Invalid(_))
        ));
        // HS256 with a secret anyone could guess, and `none`.
        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &claims(),
            &jsonwebtoken::EncodingKey::from_secret(b"client-secret"),
        )
        .unwrap();
        assert!(matches!(verify(&hs), Err(SocialError::Invalid(_))));
        let b64 = |v: &Value| {
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                serde_json::to_vec(v).unwrap(),
            )
        };
        let none = format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&claims()));
        assert!(jsonwebtoken::decode_header(&none).is_err() || verify(&none).is_err());
    }

    #[test]
    fn unverified_or_missing_email_is_reported_as_such() {
        let mut c = claims();
        c["email_verified"] = json!(false);
        assert!(!verify(&sign(rs256(), &c)).unwrap().email_verified);
        c["email_verified"] = json!("true");
        assert!(verify(&sign(rs256(), &c)).unwrap().email_verified);
        c.as_object_mut().unwrap().remove("email_verified");
        assert!(!verify(&sign(rs256(), &c)).unwrap().email_verified);
    }

    #[test]
    fn keys_are_picked_by_kid_or_as_the_only_fit() {
        let set: JwkSet = serde_json::from_value(json!({"keys": [
            {"kty": "RSA", "kid": "a", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB"},
            {"kty": "RSA", "kid": "b", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB"}
        ]}))
        .unwrap();
        assert!(pick_key(&set, Some("b"), Algorithm::RS256).is_some());
        assert!(pick_key(&set, Some("c"), Algorithm::RS256).is_none());
        // Two fit and the token names neither: none is guessed.
        assert!(pick_key(&set, None, Algorithm::RS256).is_none());
        assert!(pick_key(&set, Some("a"), Algorithm::ES256).is_none());
    }
}
