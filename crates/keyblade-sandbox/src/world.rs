//! All sandbox state. One `World` sits behind one lock; handlers take `&mut World`.
//! Everything here is serde-serialisable so `--state FILE` can persist it.
//!
//! The platform author fills `Directory`, `VaultData`, `Clock` and `FaultRules`;
//! the resource-manager author fills `ArmState`. Each replaces its placeholder
//! struct below with a real one in its own module and re-points the field.

use serde::{Deserialize, Serialize};

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
