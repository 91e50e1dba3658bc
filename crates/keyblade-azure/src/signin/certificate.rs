//! A service principal's certificate credential: client assertions signed with its key.
//!
//! azure_identity 1.0 has a `ClientCertificateCredential`, but only behind its
//! `client_certificate` feature, which links OpenSSL (for PKCS#12 and signing): a C
//! dependency keyblade keeps out (its TLS is rustls with `ring`, and the desktop bundles
//! must not need an OpenSSL on Windows and macOS). So keyblade uses azure_identity's
//! `ClientAssertionCredential`, which does the token request, and signs the assertion
//! itself with `ring`, exactly as Entra ID's certificate credentials are specified
//! (<https://learn.microsoft.com/entra/identity-platform/certificate-credentials>): a JWT
//! signed RS256, whose header names the certificate by `x5t` (base64url SHA-1 thumbprint),
//! with `aud` = the token endpoint, `iss` = `sub` = the client ID, a random `jti`, and a
//! ten-minute lifetime. A fresh assertion is made for every token request.
//!
//! Input is PEM ([`ClientCertificate::from_pem`]: the certificate and its RSA private key,
//! PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`, in one text or two), or PKCS#12
//! ([`ClientCertificate::from_pfx`]: a `.pfx`/`.p12` file and its password, as Windows'
//! certificate export and Azure Key Vault's download give it), read by the pure-Rust
//! `p12-keystore` crate: both the legacy 3DES/RC2 encryption (PBES1) of older Windows
//! exports and the AES one (PBES2) of newer tools.

use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use azure_core::http::ClientMethodOptions;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::OffsetDateTime;

use crate::cloud::CloudSettings;
use crate::error::AzureError;
use crate::transport::{HttpTransport, core_error};

/// How long an assertion is valid; Entra ID accepts up to ten minutes of lifetime.
const ASSERTION_LIFETIME_SECS: i64 = 600;

/// A certificate and its private key. Its `Debug` prints the thumbprint only.
#[derive(Clone)]
pub struct ClientCertificate {
    key: Arc<RsaKeyPair>,
    /// base64url SHA-1 of the certificate's DER (`x5t`).
    thumbprint: String,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("x5t", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

impl ClientCertificate {
    /// Reads the certificate (the first in `certificate_pem`) and the RSA private key (the
    /// first in `key_pem`; pass the same text twice for a combined PEM file).
    pub fn from_pem(certificate_pem: &str, key_pem: &str) -> Result<ClientCertificate, AzureError> {
        let invalid = |reason: String| AzureError::InvalidInput {
            what: "The certificate".to_owned(),
            reason,
        };
        let certificate = CertificateDer::pem_slice_iter(certificate_pem.as_bytes())
            .next()
            .ok_or_else(|| {
                invalid(
                    "it contains no PEM certificate (-----BEGIN CERTIFICATE-----); for a \
                     .pfx or .p12 file, choose it as a PFX file with its password"
                        .to_owned(),
                )
            })?
            .map_err(|error| invalid(format!("its certificate is not valid PEM ({error})")))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|error| {
            invalid(format!(
                "no private key was found in it ({error}); it needs the certificate's RSA \
                 private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)"
            ))
        })?;
        ClientCertificate::from_der(&certificate, &key)
    }

    /// Reads a PKCS#12 file (`.pfx`, `.p12`) protected by `password` (empty when it has
    /// none): its first private key and that key's certificate. A wrong password, a file
    /// that is not PKCS#12, or one without a private key is an
    /// [`AzureError::InvalidInput`] saying which.
    pub fn from_pfx(pfx: &[u8], password: &str) -> Result<ClientCertificate, AzureError> {
        let invalid = |reason: String| AzureError::InvalidInput {
            what: "The PFX certificate".to_owned(),
            reason,
        };
        let store = p12_keystore::KeyStore::from_pkcs12(pfx, password).map_err(|error| {
            invalid(match error {
                // The file's MAC is keyed by the password: the one check that names it.
                p12_keystore::error::Error::MacError(_) => {
                    "the password is not the file's; type the password it was exported with"
                        .to_owned()
                }
                // Decryption failures: a wrong password in a file without a MAC.
                p12_keystore::error::Error::UnpadError
                | p12_keystore::error::Error::Pkcs5Error(_) => format!(
                    "it could not be decrypted ({error}); check the password it was exported with"
                ),
                other => format!(
                    "it is not a PKCS#12 (.pfx or .p12) file keyblade can read ({other}); \
                     export the certificate again with its private key, or use PEM files"
                ),
            })
        })?;
        let Some((_, chain)) = store.private_key_chain() else {
            return Err(invalid(
                "it holds no private key, only certificates; export the certificate again \
                 with \"Yes, export the private key\" (Windows) or as PFX/PKCS#12 with its key"
                    .to_owned(),
            ));
        };
        // The leaf comes first; a file from an older tool may order its chain otherwise,
        // so the key's own certificate is looked for among all of them.
        let key = PrivateKeyDer::Pkcs8(chain.key().to_vec().into());
        let mut mismatch = None;
        for certificate in chain.chain() {
            match ClientCertificate::from_der(&CertificateDer::from(certificate.as_der()), &key) {
                Ok(found) => return Ok(found),
                Err(error) => mismatch = Some(error),
            }
        }
        Err(mismatch.unwrap_or_else(|| {
            invalid(
                "it holds a private key but not its certificate; export the certificate again \
                 with its private key"
                    .to_owned(),
            )
        }))
    }

    /// The certificate and its RSA private key, checked to belong together.
    fn from_der(
        certificate: &CertificateDer<'_>,
        key: &PrivateKeyDer<'_>,
    ) -> Result<ClientCertificate, AzureError> {
        let invalid = |reason: String| AzureError::InvalidInput {
            what: "The certificate".to_owned(),
            reason,
        };
        let key = match key {
            PrivateKeyDer::Pkcs8(der) => RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(der) => RsaKeyPair::from_der(der.secret_pkcs1_der()),
            _ => {
                return Err(invalid(
                    "its private key is not an RSA key; Entra ID certificate credentials are RSA"
                        .to_owned(),
                ));
            }
        }
        .map_err(|error| invalid(format!("its RSA private key is not usable ({error})")))?;
        // The certificate's SubjectPublicKeyInfo holds the RSA public key's DER verbatim, so a
        // key of another certificate is caught here rather than as Entra's AADSTS700027.
        let public = key.public_key().as_ref();
        if !certificate
            .as_ref()
            .windows(public.len())
            .any(|window| window == public)
        {
            return Err(invalid(
                "the private key does not belong to the certificate".to_owned(),
            ));
        }
        let thumbprint = URL_SAFE_NO_PAD.encode(
            ring::digest::digest(
                &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
                certificate.as_ref(),
            )
            .as_ref(),
        );
        Ok(ClientCertificate {
            key: Arc::new(key),
            thumbprint,
        })
    }

    /// The `x5t` the assertions carry: the certificate's SHA-1 thumbprint, base64url, as
    /// Entra ID lists it (in hex) under the app's "Certificates & secrets".
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A signed client assertion for `token_endpoint`, valid from `now`.
    pub(crate) fn assertion(
        &self,
        token_endpoint: &str,
        client_id: &str,
        now: OffsetDateTime,
    ) -> Result<String, AzureError> {
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t": self.thumbprint});
        let issued = now.unix_timestamp();
        let claims = serde_json::json!({
            "aud": token_endpoint,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": issued,
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| AzureError::Other("signing the client assertion failed".to_owned()))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    /// azure_identity's assertion credential with this certificate, through `transport`.
    pub(crate) fn credential(
        self,
        cloud: &CloudSettings,
        transport: &HttpTransport,
        tenant_id: &str,
        client_id: &str,
    ) -> Result<Arc<dyn TokenCredential>, AzureError> {
        let token_endpoint = cloud
            .authority_host()
            .join(&format!("{tenant_id}/oauth2/v2.0/token"))
            .map_err(|error| AzureError::InvalidInput {
                what: format!("The tenant `{tenant_id}`"),
                reason: format!("it does not make a sign-in URL ({error})"),
            })?;
        let mut custom = azure_core::cloud::CustomConfiguration::default();
        custom.authority_host = cloud.authority_host().as_str().to_owned();
        let mut client_options = transport.core_options();
        client_options.cloud = Some(Arc::new(custom.into()));
        let credential = azure_identity::ClientAssertionCredential::new(
            tenant_id.to_owned(),
            client_id.to_owned(),
            Assertion {
                certificate: self,
                token_endpoint: token_endpoint.to_string(),
                client_id: client_id.to_owned(),
            },
            Some(azure_identity::ClientAssertionCredentialOptions { client_options }),
        )
        .map_err(|error| AzureError::InvalidInput {
            what: "The certificate sign-in".to_owned(),
            reason: AzureError::from_core(error).to_string(),
        })?;
        Ok(credential)
    }
}

#[derive(Debug)]
struct Assertion {
    certificate: ClientCertificate,
    token_endpoint: String,
    client_id: String,
}

#[async_trait::async_trait]
impl azure_identity::ClientAssertion for Assertion {
    async fn secret(
        &self,
        _options: Option<ClientMethodOptions<'_>>,
    ) -> azure_core::Result<String> {
        self.certificate
            .assertion(
                &self.token_endpoint,
                &self.client_id,
                OffsetDateTime::now_utc(),
            )
            .map_err(core_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_without_a_certificate_or_key_is_refused_with_a_reason() {
        let no_cert = ClientCertificate::from_pem("nothing", "nothing").unwrap_err();
        assert_eq!(no_cert.code(), "azure.invalidInput");
        assert!(
            no_cert.to_string().contains("BEGIN CERTIFICATE"),
            "{no_cert}"
        );
    }
}
