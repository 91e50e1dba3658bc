//! Everything one signed-in user needs, built from one [`CloudSettings`].

use std::sync::Arc;

use crate::arm::Arm;
use crate::arm::lro::LroSettings;
use crate::cloud::CloudSettings;
use crate::credential::KeybladeCredential;
use crate::encryption::SaveSettings;
use crate::error::AzureError;
use crate::keyvault::KeyVault;
use crate::transport::{HttpSettings, HttpTransport};

/// The clients of one sign-in: Resource Manager and Key Vault over one transport.
pub struct Session {
    /// Resource Manager.
    pub arm: Arm,
    /// Key Vault's data plane.
    pub keyvault: KeyVault,
    credential: KeybladeCredential,
    transport: HttpTransport,
    save: SaveSettings,
    /// Home's listing, health cache and Key Vault bounds.
    pub(crate) home: crate::home::HomeCache,
}

/// Lets work that outlives a call (Home's prefetch) hold a session by `Arc`, whether it is
/// the bare session or the app's signed-in state around it.
impl AsRef<Session> for Session {
    fn as_ref(&self) -> &Session {
        self
    }
}

impl Session {
    /// Builds the clients for an existing credential.
    pub fn new(
        credential: KeybladeCredential,
        transport: HttpTransport,
        lro: LroSettings,
    ) -> Session {
        Session {
            arm: Arm::new(credential.clone(), &transport, lro),
            keyvault: KeyVault::new(credential.clone(), &transport),
            credential,
            transport,
            save: SaveSettings::default(),
            home: crate::home::HomeCache::default(),
        }
    }

    /// This session, waiting for Azure during saves as `save` says (tests shorten it).
    pub fn with_save_settings(self, save: SaveSettings) -> Session {
        Session { save, ..self }
    }

    /// How long saves wait for Azure.
    pub fn save_settings(&self) -> &SaveSettings {
        &self.save
    }

    /// Signs in as a service principal with a client secret.
    pub fn client_secret(
        cloud: CloudSettings,
        http: &HttpSettings,
        lro: LroSettings,
        tenant_id: &str,
        client_id: &str,
        client_secret: String,
    ) -> Result<Session, AzureError> {
        let cloud = Arc::new(cloud);
        let transport = HttpTransport::for_cloud(cloud.clone(), http)?;
        let credential = KeybladeCredential::client_secret(
            cloud,
            &transport,
            tenant_id,
            client_id,
            client_secret,
        )?;
        Ok(Session::new(credential, transport, lro))
    }

    /// The sign-in the clients use.
    pub fn credential(&self) -> &KeybladeCredential {
        &self.credential
    }

    /// The transport every client sends through.
    pub fn transport(&self) -> &HttpTransport {
        &self.transport
    }

    /// The bound on concurrent Key Vault work this session's reads share (one resource or
    /// listing per vault at a time, a global cap).
    pub(crate) fn key_vault_limiter(&self) -> &crate::limit::HostLimiter {
        self.home.limiter()
    }

    /// Forgets every cached read (the user's "Refresh").
    pub fn invalidate_all(&self) {
        self.arm.invalidate_all();
        self.keyvault.invalidate_all();
        self.home.clear();
    }
}
