//! Certificate credentials of applications: client assertions (`private_key_jwt`), as
//! Entra ID checks them for the client-credentials grant
//! (<https://learn.microsoft.com/entra/identity-platform/certificate-credentials>).
//!
//! An application's certificate is registered with
//! [`Directory::add_certificate`](super::Directory::add_certificate), as "Certificates &
//! secrets" uploads a `.cer`: the sandbox keeps
//! its SHA-1 thumbprint (`x5t`, base64url) and its public key. An assertion is a JWT signed
//! RS256 whose header names the certificate by `x5t` (or `x5t#S256`), with `aud` the token
//! endpoint, `iss` = `sub` = the client ID, and a time range that includes now.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::RsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// The grant's `client_assertion_type` for a JWT assertion.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A certificate registered on an application.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CertificateCredential {
    /// base64url SHA-1 of the certificate's DER: the `x5t` assertions name it by.
    pub x5t: String,
    /// base64url SHA-256 of the DER: `x5t#S256`.
    pub x5t_s256: String,
    /// The certificate's SubjectPublicKeyInfo, DER in standard base64.
    pub public_key: String,
}

impl CertificateCredential {
    /// Reads the first certificate of a PEM text.
    pub fn from_pem(pem: &str) -> Result<CertificateCredential, String> {
        let der = CertificateDer::pem_slice_iter(pem.as_bytes())
            .next()
            .ok_or("the text contains no PEM certificate")?
            .map_err(|e| format!("the certificate is not valid PEM: {e}"))?;
        let spki = subject_public_key_info(der.as_ref())
            .ok_or("the certificate's structure could not be read")?;
        RsaPublicKey::from_public_key_der(spki)
            .map_err(|e| format!("the certificate's key is not an RSA key: {e}"))?;
        Ok(CertificateCredential {
            x5t: URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(der.as_ref())),
            x5t_s256: URL_SAFE_NO_PAD.encode(Sha256::digest(der.as_ref())),
            public_key: STANDARD.encode(spki),
        })
    }
}

/// Why an assertion was refused: the AADSTS number and Entra's words.
pub struct Refusal {
    pub code: u32,
    pub description: String,
}

fn refuse(code: u32, description: impl Into<String>) -> Refusal {
    Refusal {
        code,
        description: description.into(),
    }
}

/// Checks a client assertion for `client_id` at `token_endpoints` (the URLs the request
/// may name as `aud`) against the application's certificates, at `now` (Unix seconds).
pub fn verify_assertion(
    assertion: &str,
    client_id: &str,
    token_endpoints: &[String],
    certificates: &[CertificateCredential],
    now: i64,
) -> Result<(), Refusal> {
    let malformed = || refuse(50_027, "JWT token is invalid or malformed.");
    let mut parts = assertion.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let json = |part: &str| -> Result<Value, Refusal> {
        URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(malformed)
    };
    let (header, claims) = (json(header)?, json(payload)?);
    let text =
        |value: &Value, name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
    if text(&header, "alg").as_deref() != Some("RS256") {
        return Err(refuse(
            5_002_738,
            "Invalid JWT token. 'alg' must be RS256 for a certificate credential.",
        ));
    }
    let certificate = certificates
        .iter()
        .find(|c| {
            text(&header, "x5t").as_deref() == Some(c.x5t.as_str())
                || text(&header, "x5t#S256").as_deref() == Some(c.x5t_s256.as_str())
        })
        .ok_or_else(|| {
            refuse(
                700_027,
                format!(
                    "The certificate with identifier used to sign the client assertion is not registered on application. \
                     [Reason - The key was not found., Thumbprint of key used by client: '{}']",
                    text(&header, "x5t").unwrap_or_default()
                ),
            )
        })?;
    let spki = STANDARD
        .decode(&certificate.public_key)
        .map_err(|_| refuse(90_033, "The registered certificate could not be read."))?;
    let key = RsaPublicKey::from_public_key_der(&spki)
        .map_err(|_| refuse(90_033, "The registered certificate could not be read."))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|bytes| Signature::try_from(bytes.as_slice()).ok())
        .ok_or_else(malformed)?;
    let signing_input = &assertion[..assertion.rfind('.').unwrap_or(assertion.len())];
    VerifyingKey::<Sha256>::new(key)
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| refuse(700_027, "Client assertion failed signature validation."))?;
    for claim in ["iss", "sub"] {
        if !text(&claims, claim).is_some_and(|value| value.eq_ignore_ascii_case(client_id)) {
            return Err(refuse(
                700_023,
                format!("Client assertion '{claim}' must be the client ID '{client_id}'."),
            ));
        }
    }
    let audience = text(&claims, "aud").unwrap_or_default();
    if !token_endpoints
        .iter()
        .any(|endpoint| endpoint.eq_ignore_ascii_case(&audience))
    {
        return Err(refuse(
            700_212,
            format!(
                "No matching federated identity record found for presented assertion audience '{audience}'."
            ),
        ));
    }
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    let (Some(expires), not_before) = (number("exp"), number("nbf")) else {
        return Err(malformed());
    };
    // Five minutes of clock skew, as Entra allows.
    if expires + 300 <= now || not_before.is_some_and(|nbf| nbf > now + 300) {
        return Err(refuse(
            700_024,
            "Client assertion is not within its valid time range.",
        ));
    }
    Ok(())
}

/// The SubjectPublicKeyInfo of an X.509 certificate (DER): the seventh element of
/// `tbsCertificate` counting the optional `[0] version`, read with a minimal DER walk so
/// the sandbox needs no X.509 library.
fn subject_public_key_info(certificate: &[u8]) -> Option<&[u8]> {
    let (certificate_body, _) = element(certificate, 0x30)?;
    let (tbs, _) = element(certificate_body, 0x30)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xA0) {
        rest = skip(rest)?;
    }
    // serialNumber, signature, issuer, validity, subject
    for _ in 0..5 {
        rest = skip(rest)?;
    }
    let whole = rest;
    let after = skip(rest)?;
    (whole.first() == Some(&0x30)).then(|| &whole[..whole.len() - after.len()])
}

/// The contents of the DER element at the start of `input` with tag `tag`, and what
/// follows it.
fn element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    if *input.first()? != tag {
        return None;
    }
    let (length, header) = length(input.get(1..)?)?;
    let start = 1 + header;
    let end = start.checked_add(length)?;
    Some((input.get(start..end)?, input.get(end..)?))
}

/// What follows the DER element at the start of `input`.
fn skip(input: &[u8]) -> Option<&[u8]> {
    let (length, header) = length(input.get(1..)?)?;
    input.get(1 + header + length..)
}

/// A DER length and the number of bytes it took.
fn length(input: &[u8]) -> Option<(usize, usize)> {
    let first = *input.first()?;
    if first < 0x80 {
        return Some((usize::from(first), 1));
    }
    let count = usize::from(first & 0x7F);
    if count == 0 || count > 4 {
        return None;
    }
    let mut length = 0usize;
    for byte in input.get(1..=count)? {
        length = (length << 8) | usize::from(*byte);
    }
    Some((length, 1 + count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::SigningKey;
    use rsa::pkcs8::{EncodePrivateKey as _, LineEnding};
    use rsa::signature::{SignatureEncoding as _, Signer as _};
    use serde_json::json;

    const CLIENT: &str = "b3c1d2e4-5f60-4a71-8b92-c3d4e5f6a7b8";
    const ENDPOINT: &str = "https://localhost:8443/tenant/oauth2/v2.0/token";
    const NOW: i64 = 1_700_000_000;

    /// A registered certificate and a function signing assertions with its key.
    fn certificate() -> (CertificateCredential, impl Fn(&Value, &Value) -> String) {
        let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key");
        let pem = key.to_pkcs8_pem(LineEnding::LF).expect("PKCS#8");
        let pair = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256)
            .expect("rcgen reads it");
        let cert = rcgen::CertificateParams::new(vec!["app".to_owned()])
            .expect("params")
            .self_signed(&pair)
            .expect("certificate");
        let registered = CertificateCredential::from_pem(&cert.pem()).expect("registered");
        let signer = SigningKey::<Sha256>::new(key);
        let sign = move |header: &Value, claims: &Value| {
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
            let signature = signer.sign(input.as_bytes()).to_vec();
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
        };
        (registered, sign)
    }

    #[test]
    fn assertions_are_checked_as_entra_checks_them() {
        let (registered, sign) = certificate();
        let header = json!({"alg": "RS256", "typ": "JWT", "x5t": registered.x5t});
        let claims = json!({"aud": ENDPOINT, "iss": CLIENT, "sub": CLIENT, "jti": "1",
            "nbf": NOW, "exp": NOW + 600});
        let check = |assertion: &str| {
            verify_assertion(
                assertion,
                CLIENT,
                &[ENDPOINT.to_owned()],
                std::slice::from_ref(&registered),
                NOW,
            )
            .err()
            .map(|refusal| refusal.code)
        };
        assert_eq!(check(&sign(&header, &claims)), None);
        let s256 = json!({"alg": "RS256", "x5t#S256": registered.x5t_s256});
        assert_eq!(check(&sign(&s256, &claims)), None);

        let changed = |name: &str, value: Value| {
            let mut claims = claims.clone();
            claims[name] = value;
            sign(&header, &claims)
        };
        assert_eq!(
            check(&changed("aud", json!("https://elsewhere/token"))),
            Some(700_212)
        );
        assert_eq!(check(&changed("iss", json!("someone-else"))), Some(700_023));
        assert_eq!(check(&changed("exp", json!(NOW - 400))), Some(700_024));
        assert_eq!(check(&changed("nbf", json!(NOW + 400))), Some(700_024));
        let unknown = json!({"alg": "RS256", "x5t": "bm90LXJlZ2lzdGVyZWQ"});
        assert_eq!(check(&sign(&unknown, &claims)), Some(700_027));
        let good = sign(&header, &claims);
        let (input, _) = good.rsplit_once('.').expect("three parts");
        let other = changed("jti", json!("2"));
        let (_, forged) = other.rsplit_once('.').expect("three parts");
        assert_eq!(
            check(&format!("{input}.{forged}")),
            Some(700_027),
            "a signature of other claims"
        );
        assert_eq!(check("not.a-jwt"), Some(50_027));
        let hs256 = json!({"alg": "HS256", "x5t": registered.x5t});
        assert_eq!(check(&sign(&hs256, &claims)), Some(5_002_738));
    }

    #[test]
    fn der_lengths_and_truncation() {
        assert_eq!(length(&[0x05]), Some((5, 1)));
        assert_eq!(length(&[0x81, 0x80]), Some((128, 2)));
        assert_eq!(length(&[0x82, 0x01, 0x00]), Some((256, 3)));
        assert_eq!(length(&[0x80]), None);
        assert_eq!(element(&[0x30, 0x05, 1, 2], 0x30), None, "truncated");
        assert_eq!(subject_public_key_info(b"not a certificate"), None);
    }
}
