//! All sandbox state. One `World` sits behind one lock; handlers take `&mut World`.
//! Everything here is serde-serialisable so `--state FILE` can persist it.
//!
//! Ownership: `endpoints`, `clock`, `directory`, `vaults`, `faults` and
//! `propagation` belong to the platform modules; `arm` belongs to the
//! resource-manager modules.

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::entra::Directory;
use crate::faults::FaultRules;
use crate::keyvault::VaultData;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Endpoints {
    /// The port every host name is served on.
    pub port: u16,
}

impl Endpoints {
    /// Resource Manager and Entra ID: `https://localhost:P`.
    pub fn arm(&self) -> String {
        format!("https://localhost:{}", self.port)
    }
    /// The Entra ID authority host (`https://localhost:P/`); append a tenant for an authority.
    pub fn login(&self) -> String {
        format!("https://localhost:{}/", self.port)
    }
    /// `https://localhost:P/{tenant}`.
    pub fn authority(&self, tenant: &str) -> String {
        format!("https://localhost:{}/{}", self.port, tenant)
    }
    /// The Key Vault DNS suffix, as `/metadata/endpoints` reports it: `vault.localhost:P`.
    pub fn vault_suffix(&self) -> String {
        format!("vault.localhost:{}", self.port)
    }
    /// A vault's base URI: `https://{vault}.vault.localhost:P/`.
    pub fn vault_uri(&self, vault: &str) -> String {
        format!("https://{}.vault.localhost:{}/", vault, self.port)
    }
    /// The Key Vault token audience named in the 401 challenge.
    pub fn vault_resource(&self) -> String {
        format!("https://vault.localhost:{}", self.port)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct World {
    pub endpoints: Endpoints,
    pub clock: Clock,
    pub directory: Directory,
    pub vaults: VaultData,
    pub faults: FaultRules,
    pub arm: crate::arm::ArmState,
    /// The access propagation delay and the grants still waiting for it
    /// (absent from older state files: no delay, nothing waiting).
    #[serde(default)]
    pub propagation: crate::propagation::Propagation,
}

impl World {
    /// A world with the built-in tenants and principals and nothing else; a
    /// scenario fills it afterwards.
    pub fn new(endpoints: Endpoints, clock: Clock, faults: FaultRules) -> Result<World, String> {
        Ok(World {
            endpoints,
            clock,
            directory: Directory::with_builtin_tenants()?,
            vaults: VaultData::default(),
            faults,
            arm: crate::arm::ArmState::default(),
            propagation: crate::propagation::Propagation::default(),
        })
    }

    /// Applies every time-driven change up to the clock's now (key rotation
    /// policies, purge of expired deleted keys, then Resource Manager's own).
    pub fn tick(&mut self) {
        crate::propagation::on_tick(self);
        crate::keyvault::on_tick(self);
        crate::arm::on_tick(self);
    }
}
