//! A new key version, and the key's rotation policy.

use serde::{Deserialize, Serialize};

/// A key's rotation policy in Key Vault's terms (`lifetimeActions` and
/// `attributes.expiryTime`), with ISO 8601 durations such as `P90D`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RotationPolicy {
    /// Rotate this long after a version is created (`timeAfterCreate` on a Rotate action).
    #[serde(default)]
    pub rotate_after_create: Option<String>,
    /// Rotate this long before a version expires (`timeBeforeExpiry` on a Rotate action).
    #[serde(default)]
    pub rotate_before_expiry: Option<String>,
    /// Notify this long before a version expires (`timeBeforeExpiry` on a Notify action).
    #[serde(default)]
    pub notify_before_expiry: Option<String>,
    /// New versions expire this long after they are created (`attributes.expiryTime`).
    #[serde(default)]
    pub expiry_time: Option<String>,
}
