//! The JSON Web Tokens the push providers take, signed with `ring`: RS256
//! for FCM's service-account assertion, ES256 for APNs' provider token.
//! Keys come as PEM (PKCS#8: what a Google service account's
//! `private_key` and Apple's `.p8` file hold).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use serde_json::Value;

use super::PushError;

/// The DER bytes inside a PEM block (its first one).
pub fn pem_der(pem: &str) -> Result<Vec<u8>, PushError> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    if body.is_empty() {
        return Err(PushError::Config(
            "the key is not PEM (no BEGIN line)".into(),
        ));
    }
    STANDARD
        .decode(body)
        .map_err(|e| PushError::Config(format!("the key's PEM is not base64: {e}")))
}

/// An RS256 signer (FCM).
pub struct Rs256(RsaKeyPair);

impl Rs256 {
    pub fn from_pem(pem: &str) -> Result<Self, PushError> {
        let der = pem_der(pem)?;
        RsaKeyPair::from_pkcs8(&der)
            .or_else(|_| RsaKeyPair::from_der(&der))
            .map(Rs256)
            .map_err(|e| PushError::Config(format!("not an RSA private key: {e}")))
    }

    /// The public key (PKCS#1 `RSAPublicKey` DER), for a verifier.
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public().as_ref().to_vec()
    }

    pub fn sign(&self, header: &Value, claims: &Value) -> Result<String, PushError> {
        let input = signing_input(header, claims);
        let mut sig = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .map_err(|_| PushError::Config("RSA signing failed".into()))?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }
}

/// An ES256 signer (APNs).
pub struct Es256(EcdsaKeyPair);

impl Es256 {
    pub fn from_pem(pem: &str) -> Result<Self, PushError> {
        let der = pem_der(pem)?;
        EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &der,
            &SystemRandom::new(),
        )
        .map(Es256)
        .map_err(|e| PushError::Config(format!("not a P-256 private key (.p8): {e}")))
    }

    /// The public key (the uncompressed point), for a verifier.
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key().as_ref().to_vec()
    }

    pub fn sign(&self, header: &Value, claims: &Value) -> Result<String, PushError> {
        let input = signing_input(header, claims);
        let sig = self
            .0
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| PushError::Config("ECDSA signing failed".into()))?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref())))
    }
}

fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// Checks `token`'s signature with `key` (an RS256 PKCS#1 public key or an
/// ES256 point, by `alg`) and answers its header and claims; for the fakes.
pub fn verify(token: &str, alg: &str, key: &[u8]) -> Result<(Value, Value), String> {
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a JWT (three parts)".into());
    };
    let decode = |part: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|e| format!("bad base64url: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("bad JSON: {e}"))
    };
    let header = decode(h)?;
    if header["alg"] != alg {
        return Err(format!("alg {} (want {alg})", header["alg"]));
    }
    let sig = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| format!("bad signature encoding: {e}"))?;
    let algorithm: &dyn signature::VerificationAlgorithm = match alg {
        "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
        "ES256" => &signature::ECDSA_P256_SHA256_FIXED,
        _ => return Err(format!("unsupported alg {alg}")),
    };
    signature::UnparsedPublicKey::new(algorithm, key)
        .verify(format!("{h}.{c}").as_bytes(), &sig)
        .map_err(|_| "bad signature".to_owned())?;
    Ok((header, decode(c)?))
}
