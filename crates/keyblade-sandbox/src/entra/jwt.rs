//! RS256 JSON Web Tokens signed by the sandbox's own key, and their verification.

use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The token-signing key, persisted as PKCS#8 PEM so tokens survive a restart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenSigningKey {
    /// The `kid` in token headers and in the JWKS.
    pub kid: String,
    pub private_key_pem: String,
    #[serde(skip)]
    parsed: OnceLock<Arc<RsaPrivateKey>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    Malformed(&'static str),
    UnknownKey,
    BadSignature,
}

impl std::fmt::Display for JwtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwtError::Malformed(what) => write!(f, "the token is malformed: {what}"),
            JwtError::UnknownKey => {
                f.write_str("the token was signed with a key this sandbox does not know")
            }
            JwtError::BadSignature => f.write_str("the token signature is invalid"),
        }
    }
}

impl TokenSigningKey {
    pub fn generate() -> Result<Self, String> {
        let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
            .map_err(|e| format!("could not generate the token-signing key: {e}"))?;
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| format!("could not encode the token-signing key: {e}"))?;
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(key.n().to_bytes_be())[..15]);
        let signing = TokenSigningKey {
            kid,
            private_key_pem: pem.to_string(),
            parsed: OnceLock::new(),
        };
        let _ = signing.parsed.set(Arc::new(key));
        Ok(signing)
    }

    fn key(&self) -> Result<Arc<RsaPrivateKey>, JwtError> {
        if let Some(key) = self.parsed.get() {
            return Ok(key.clone());
        }
        let key = RsaPrivateKey::from_pkcs8_pem(&self.private_key_pem).map_err(|_| {
            JwtError::Malformed("the sandbox's persisted signing key is unreadable")
        })?;
        Ok(self.parsed.get_or_init(|| Arc::new(key)).clone())
    }

    /// The JSON Web Key Set served at `/{tenant}/discovery/v2.0/keys`.
    pub fn jwks(&self) -> Value {
        let Ok(key) = self.key() else {
            return json!({ "keys": [] });
        };
        json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": self.kid,
                "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
                "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
            }]
        })
    }

    pub fn sign(&self, claims: &Map<String, Value>) -> Result<String, JwtError> {
        let key = self.key()?;
        let header = json!({ "typ": "JWT", "alg": "RS256", "kid": self.kid, "x5t": self.kid });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string())
        );
        let signer = SigningKey::<Sha256>::new((*key).clone());
        let signature = signer.sign(signing_input.as_bytes());
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }

    /// Checks the signature and returns the claims. Lifetime, audience and
    /// issuer are the caller's business: each has its own Azure error.
    pub fn verify(&self, token: &str) -> Result<Map<String, Value>, JwtError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed("a JWT has three dot-separated parts"));
        };
        let header: Value = decode_json(header)?;
        if header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return Err(JwtError::Malformed("only RS256 tokens are issued here"));
        }
        if header.get("kid").and_then(Value::as_str) != Some(self.kid.as_str()) {
            return Err(JwtError::UnknownKey);
        }
        let signature_bytes = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| JwtError::Malformed("the signature is not base64url"))?;
        let signature =
            Signature::try_from(signature_bytes.as_slice()).map_err(|_| JwtError::BadSignature)?;
        let key = self.key()?;
        let verifier = VerifyingKey::<Sha256>::new(key.to_public_key());
        let signing_input_len = header_len(token);
        verifier
            .verify(&token.as_bytes()[..signing_input_len], &signature)
            .map_err(|_| JwtError::BadSignature)?;
        match decode_json(payload)? {
            Value::Object(claims) => Ok(claims),
            _ => Err(JwtError::Malformed("the payload is not a JSON object")),
        }
    }
}

/// Length of `header.payload`, the signed part of a compact JWT.
fn header_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(token.len())
}

fn decode_json(part: &str) -> Result<Value, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| JwtError::Malformed("a part is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed("a part is not JSON"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_tokens_verify_and_tampered_ones_do_not() {
        let key = TokenSigningKey::generate().expect("key");
        let mut claims = Map::new();
        claims.insert("oid".into(), json!("abc"));
        let token = key.sign(&claims).expect("sign");
        assert_eq!(key.verify(&token).expect("verify")["oid"], "abc");

        let mut forged = Map::new();
        forged.insert("oid".into(), json!("evil"));
        let forged_payload = URL_SAFE_NO_PAD.encode(Value::Object(forged).to_string());
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[1] = &forged_payload;
        assert_eq!(key.verify(&parts.join(".")), Err(JwtError::BadSignature));

        let restored: TokenSigningKey =
            serde_json::from_value(serde_json::to_value(&key).expect("ser")).expect("de");
        assert!(restored.verify(&token).is_ok());
    }
}
