//! Key material and the cryptography Key Vault performs with it: RSA key
//! generation and RSA-OAEP / RSA-OAEP-256 / RSA1_5 wrap and unwrap; EC keys on
//! P-256 and P-384 (generated with ring).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, Pkcs1v15Encrypt, RsaPrivateKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::store::KeyType;

pub const SUPPORTED_CURVES: &[&str] = &["P-256", "P-384"];

/// Private key material, persisted as base64 PKCS#8 DER.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum KeyMaterial {
    Rsa {
        pkcs8: String,
    },
    Ec {
        curve: String,
        pkcs8: String,
        public_point: String,
    },
}

/// Key wrap algorithms Key Vault offers for RSA keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapAlgorithm {
    RsaOaep,
    RsaOaep256,
    Rsa15,
}

impl WrapAlgorithm {
    pub fn parse(alg: &str) -> Option<WrapAlgorithm> {
        match alg {
            "RSA-OAEP" => Some(WrapAlgorithm::RsaOaep),
            "RSA-OAEP-256" => Some(WrapAlgorithm::RsaOaep256),
            "RSA1_5" => Some(WrapAlgorithm::Rsa15),
            _ => None,
        }
    }
}

impl KeyMaterial {
    pub fn generate(
        kty: KeyType,
        key_size: Option<u32>,
        curve: Option<&str>,
    ) -> Result<KeyMaterial, String> {
        if kty.is_rsa() {
            let bits = key_size.unwrap_or(2048) as usize;
            let key = RsaPrivateKey::new(&mut rand::thread_rng(), bits)
                .map_err(|e| format!("RSA key generation failed: {e}"))?;
            let der = key
                .to_pkcs8_der()
                .map_err(|e| format!("RSA key encoding failed: {e}"))?;
            return Ok(KeyMaterial::Rsa {
                pkcs8: STANDARD.encode(der.as_bytes()),
            });
        }
        let curve = curve.unwrap_or("P-256");
        let algorithm = ec_algorithm(curve).ok_or_else(|| format!("unsupported curve {curve}"))?;
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(algorithm, &rng)
            .map_err(|_| "EC key generation failed".to_owned())?;
        let pair = ring::signature::EcdsaKeyPair::from_pkcs8(algorithm, pkcs8.as_ref(), &rng)
            .map_err(|_| "EC key parsing failed".to_owned())?;
        use ring::signature::KeyPair as _;
        Ok(KeyMaterial::Ec {
            curve: curve.to_owned(),
            pkcs8: STANDARD.encode(pkcs8.as_ref()),
            public_point: STANDARD.encode(pair.public_key().as_ref()),
        })
    }

    fn rsa_key(&self) -> Result<RsaPrivateKey, String> {
        match self {
            KeyMaterial::Rsa { pkcs8 } => {
                let der = STANDARD
                    .decode(pkcs8)
                    .map_err(|e| format!("stored key is not base64: {e}"))?;
                RsaPrivateKey::from_pkcs8_der(&der)
                    .map_err(|e| format!("stored key is unreadable: {e}"))
            }
            KeyMaterial::Ec { .. } => Err("not an RSA key".to_owned()),
        }
    }

    /// The public members of the JWK (`n`/`e` or `crv`/`x`/`y`), base64url.
    pub fn public_jwk_members(&self) -> Result<Map<String, Value>, String> {
        let mut members = Map::new();
        match self {
            KeyMaterial::Rsa { .. } => {
                let key = self.rsa_key()?;
                members.insert(
                    "n".into(),
                    json!(URL_SAFE_NO_PAD.encode(key.n().to_bytes_be())),
                );
                members.insert(
                    "e".into(),
                    json!(URL_SAFE_NO_PAD.encode(key.e().to_bytes_be())),
                );
            }
            KeyMaterial::Ec {
                curve,
                public_point,
                ..
            } => {
                let point = STANDARD
                    .decode(public_point)
                    .map_err(|e| format!("stored point is not base64: {e}"))?;
                // Uncompressed SEC1 point: 0x04 || x || y.
                let coordinate_len = (point.len().saturating_sub(1)) / 2;
                if point.first() != Some(&4) || coordinate_len == 0 {
                    return Err("stored EC point is not an uncompressed point".to_owned());
                }
                members.insert("crv".into(), json!(curve));
                members.insert(
                    "x".into(),
                    json!(URL_SAFE_NO_PAD.encode(&point[1..=coordinate_len])),
                );
                members.insert(
                    "y".into(),
                    json!(URL_SAFE_NO_PAD.encode(&point[1 + coordinate_len..])),
                );
            }
        }
        Ok(members)
    }

    pub fn wrap(&self, alg: WrapAlgorithm, plaintext: &[u8]) -> Result<Vec<u8>, String> {
        let public = self.rsa_key()?.to_public_key();
        let mut rng = rand::thread_rng();
        let result = match alg {
            WrapAlgorithm::RsaOaep => {
                public.encrypt(&mut rng, Oaep::new::<sha1::Sha1>(), plaintext)
            }
            WrapAlgorithm::RsaOaep256 => {
                public.encrypt(&mut rng, Oaep::new::<sha2::Sha256>(), plaintext)
            }
            WrapAlgorithm::Rsa15 => public.encrypt(&mut rng, Pkcs1v15Encrypt, plaintext),
        };
        result.map_err(|e| format!("{e}"))
    }

    pub fn unwrap(&self, alg: WrapAlgorithm, ciphertext: &[u8]) -> Result<Vec<u8>, String> {
        let key = self.rsa_key()?;
        let result = match alg {
            WrapAlgorithm::RsaOaep => key.decrypt(Oaep::new::<sha1::Sha1>(), ciphertext),
            WrapAlgorithm::RsaOaep256 => key.decrypt(Oaep::new::<sha2::Sha256>(), ciphertext),
            WrapAlgorithm::Rsa15 => key.decrypt(Pkcs1v15Encrypt, ciphertext),
        };
        result.map_err(|e| format!("{e}"))
    }
}

fn ec_algorithm(curve: &str) -> Option<&'static ring::signature::EcdsaSigningAlgorithm> {
    match curve {
        "P-256" => Some(&ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING),
        "P-384" => Some(&ring::signature::ECDSA_P384_SHA384_FIXED_SIGNING),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_wrap_round_trips_for_every_algorithm() {
        let material = KeyMaterial::generate(KeyType::Rsa, Some(2048), None).expect("generate");
        let cek = [7u8; 32];
        for alg in [
            WrapAlgorithm::RsaOaep,
            WrapAlgorithm::RsaOaep256,
            WrapAlgorithm::Rsa15,
        ] {
            let wrapped = material.wrap(alg, &cek).expect("wrap");
            assert_eq!(wrapped.len(), 256);
            assert_eq!(material.unwrap(alg, &wrapped).expect("unwrap"), cek);
        }
        let wrapped = material
            .wrap(WrapAlgorithm::RsaOaep256, &cek)
            .expect("wrap");
        assert!(
            material.unwrap(WrapAlgorithm::RsaOaep, &wrapped).is_err(),
            "OAEP hash must matter"
        );
    }

    #[test]
    fn ec_public_members_have_curve_sized_coordinates() {
        for (curve, len) in [("P-256", 32), ("P-384", 48)] {
            let material = KeyMaterial::generate(KeyType::Ec, None, Some(curve)).expect("generate");
            let members = material.public_jwk_members().expect("members");
            let x = URL_SAFE_NO_PAD
                .decode(members["x"].as_str().expect("x"))
                .expect("b64");
            assert_eq!(x.len(), len);
            assert_eq!(members["crv"], curve);
        }
    }
}
