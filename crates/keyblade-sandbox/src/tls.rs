//! The sandbox's own certificate authority and its server certificate for
//! `localhost`, `127.0.0.1`, `::1`, `vault.localhost` and `*.vault.localhost`.
//!
//! The CA is generated once and persisted with the state (`--state`), so a
//! client that trusts the CA file keeps trusting the sandbox across restarts;
//! the leaf certificate is re-issued at every start.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

const CA_COMMON_NAME: &str = "keyblade sandbox local CA";

/// Host names the leaf certificate covers.
pub const SERVER_NAMES: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "::1",
    "vault.localhost",
    "*.vault.localhost",
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CertificateAuthority {
    pub cert_pem: String,
    pub key_pem: String,
}

impl CertificateAuthority {
    pub fn generate() -> Result<CertificateAuthority, String> {
        let key = KeyPair::generate().map_err(|e| format!("could not generate the CA key: {e}"))?;
        let cert = ca_params()
            .self_signed(&key)
            .map_err(|e| format!("could not self-sign the CA certificate: {e}"))?;
        Ok(CertificateAuthority {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// A rustls server configuration with a fresh leaf certificate signed by this CA.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, String> {
        let ca_key = KeyPair::from_pem(&self.key_pem)
            .map_err(|e| format!("the persisted CA key is unreadable: {e}"))?;
        // The issuer's name and key identifier come from the same parameters and
        // key that made the CA certificate, so the chain links up.
        let issuer = Issuer::new(ca_params(), ca_key);
        let leaf_key =
            KeyPair::generate().map_err(|e| format!("could not generate the server key: {e}"))?;
        let mut params = CertificateParams::new(
            SERVER_NAMES
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>(),
        )
        .map_err(|e| format!("invalid server names: {e}"))?;
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, "localhost");
        params.distinguished_name = name;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::days(1);
        // Within the 398-day limit some TLS stacks enforce for leaf certificates.
        params.not_after = now + Duration::days(397);
        let leaf = params
            .signed_by(&leaf_key, &issuer)
            .map_err(|e| format!("could not sign the server certificate: {e}"))?;

        let ca_der = pem_to_der(&self.cert_pem)?;
        let chain = vec![leaf.der().clone(), CertificateDer::from(ca_der)];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS configuration failed: {e}"))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| format!("TLS configuration failed: {e}"))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, CA_COMMON_NAME);
    name.push(DnType::OrganizationName, "keyblade sandbox");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    // Fixed dates: the issuer parameters must be reproducible from the key alone.
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2049, 12, 31);
    params
}

fn pem_to_der(pem: &str) -> Result<Vec<u8>, String> {
    use base64::Engine as _;
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|e| format!("the CA certificate PEM is unreadable: {e}"))
}
