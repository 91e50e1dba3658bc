//! Keys per vault: versions, attributes, lazily generated key material, deleted
//! keys and rotation policies. This is the key-store API the scenarios and the
//! CMK health code use directly; the HTTP handlers in `keyvault::routes` sit on it.
//!
//! Vault names and key names are case-insensitive in Key Vault; both are stored
//! under their lower-case form while the key keeps the spelling it was created with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::crypto::KeyMaterial;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VaultData {
    vaults: BTreeMap<String, VaultKeys>,
    /// Earliest sandbox time (Unix seconds) at which a rotation policy may fire;
    /// `None` means "recompute on the next tick". Not persisted.
    #[serde(skip)]
    pub(crate) next_rotation_due: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VaultKeys {
    pub keys: BTreeMap<String, StoredKey>,
    pub deleted: BTreeMap<String, DeletedKey>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredKey {
    /// The name as created (Key Vault keeps its case in `kid`).
    pub name: String,
    /// Versions in creation order; the last one is the current version.
    pub versions: Vec<KeyVersion>,
    pub rotation_policy: Option<RotationPolicy>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum KeyType {
    #[serde(rename = "RSA")]
    Rsa,
    #[serde(rename = "RSA-HSM")]
    RsaHsm,
    #[serde(rename = "EC")]
    Ec,
    #[serde(rename = "EC-HSM")]
    EcHsm,
}

impl KeyType {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::RsaHsm => "RSA-HSM",
            KeyType::Ec => "EC",
            KeyType::EcHsm => "EC-HSM",
        }
    }

    pub fn parse(value: &str) -> Option<KeyType> {
        match value {
            "RSA" => Some(KeyType::Rsa),
            "RSA-HSM" => Some(KeyType::RsaHsm),
            "EC" => Some(KeyType::Ec),
            "EC-HSM" => Some(KeyType::EcHsm),
            _ => None,
        }
    }

    pub fn is_rsa(self) -> bool {
        matches!(self, KeyType::Rsa | KeyType::RsaHsm)
    }

    /// The operations Key Vault grants a key of this type when `key_ops` is omitted.
    pub fn default_key_ops(self) -> Vec<String> {
        let ops: &[&str] = if self.is_rsa() {
            &[
                "encrypt",
                "decrypt",
                "sign",
                "verify",
                "wrapKey",
                "unwrapKey",
            ]
        } else {
            &["sign", "verify"]
        };
        ops.iter().map(|s| (*s).to_owned()).collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyVersion {
    /// 32 lower-case hex digits, as Key Vault issues them.
    pub version: String,
    pub kty: KeyType,
    /// RSA modulus size in bits.
    pub key_size: Option<u32>,
    /// EC curve name (`P-256`, `P-384`).
    pub curve: Option<String>,
    pub key_ops: Vec<String>,
    pub enabled: bool,
    /// Unix seconds.
    pub not_before: Option<i64>,
    pub expires: Option<i64>,
    pub created: i64,
    pub updated: i64,
    pub tags: BTreeMap<String, String>,
    /// Generated on first use (a GET that shows the public key, or a crypto
    /// operation): the `large` scenario holds 100,000 keys.
    pub material: Option<KeyMaterial>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeletedKey {
    pub key: StoredKey,
    /// Unix seconds.
    pub deleted_date: i64,
    pub scheduled_purge_date: i64,
}

/// Key Vault's key rotation policy, as `PUT /keys/{name}/rotationpolicy` takes it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RotationPolicy {
    pub lifetime_actions: Vec<LifetimeAction>,
    /// ISO 8601 duration for new versions' expiry, e.g. `P2Y`.
    pub expiry_time: Option<String>,
    pub created: i64,
    pub updated: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LifetimeAction {
    pub trigger: LifetimeTrigger,
    pub action: LifetimeActionType,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum LifetimeTrigger {
    TimeAfterCreate(String),
    TimeBeforeExpiry(String),
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum LifetimeActionType {
    Rotate,
    Notify,
}

/// What to create: `NewKey::rsa(2048)` then adjust fields.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub kty: KeyType,
    pub key_size: Option<u32>,
    pub curve: Option<String>,
    /// `None`: the key type's defaults.
    pub key_ops: Option<Vec<String>>,
    pub enabled: bool,
    pub not_before: Option<i64>,
    pub expires: Option<i64>,
    pub tags: BTreeMap<String, String>,
}

impl NewKey {
    pub fn rsa(key_size: u32) -> NewKey {
        NewKey {
            kty: KeyType::Rsa,
            key_size: Some(key_size),
            curve: None,
            key_ops: None,
            enabled: true,
            not_before: None,
            expires: None,
            tags: BTreeMap::new(),
        }
    }

    pub fn rsa_hsm(key_size: u32) -> NewKey {
        NewKey {
            kty: KeyType::RsaHsm,
            ..NewKey::rsa(key_size)
        }
    }

    pub fn ec(curve: &str) -> NewKey {
        NewKey {
            kty: KeyType::Ec,
            key_size: None,
            curve: Some(curve.to_owned()),
            ..NewKey::rsa(0)
        }
    }
}

/// Why a key-store operation failed; `keyvault::routes` turns these into Key Vault's error bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStoreError {
    KeyNotFound {
        name: String,
    },
    VersionNotFound {
        name: String,
        version: String,
    },
    DeletedKeyNotFound {
        name: String,
    },
    /// The name is held by a soft-deleted key: recover or purge it first.
    NameHeldByDeletedKey {
        name: String,
    },
    BadParameter(String),
    KeyDisabled {
        operation: String,
    },
    KeyExpired {
        operation: String,
    },
    KeyNotYetValid {
        operation: String,
    },
    OperationNotPermitted {
        operation: String,
    },
    CryptoFailure(String),
}

/// A key version whose material is not made yet (see [`VaultData::versions_without_material`]).
#[derive(Debug, Clone)]
pub struct MaterialWanted {
    vault: String,
    key: String,
    version: String,
    kty: KeyType,
    key_size: Option<u32>,
    curve: Option<String>,
}

impl MaterialWanted {
    /// Makes the material (slow for RSA: call it without the world locked).
    pub fn generate(&self) -> Result<KeyMaterial, String> {
        KeyMaterial::generate(self.kty, self.key_size, self.curve.as_deref())
    }
}

impl VaultData {
    /// Every live key version without material yet, current versions first (the ones a
    /// resource's encryption and Home read).
    pub fn versions_without_material(&self) -> Vec<MaterialWanted> {
        let mut current = Vec::new();
        let mut older = Vec::new();
        for (vault, keys) in &self.vaults {
            for (key, stored) in &keys.keys {
                let last = stored.versions.len().saturating_sub(1);
                for (index, version) in stored.versions.iter().enumerate() {
                    if version.material.is_some() {
                        continue;
                    }
                    let wanted = MaterialWanted {
                        vault: vault.clone(),
                        key: key.clone(),
                        version: version.version.clone(),
                        kty: version.kty,
                        key_size: version.key_size,
                        curve: version.curve.clone(),
                    };
                    if index == last {
                        current.push(wanted);
                    } else {
                        older.push(wanted);
                    }
                }
            }
        }
        current.extend(older);
        current
    }

    /// Gives `wanted` its material unless it got some meanwhile (or is gone); true when set.
    pub fn set_material_if_missing(
        &mut self,
        wanted: &MaterialWanted,
        material: KeyMaterial,
    ) -> bool {
        let slot = self
            .vaults
            .get_mut(&wanted.vault)
            .and_then(|keys| keys.keys.get_mut(&wanted.key))
            .and_then(|stored| {
                stored
                    .versions
                    .iter_mut()
                    .find(|v| v.version == wanted.version)
            })
            .map(|version| &mut version.material);
        match slot {
            Some(slot @ None) => {
                *slot = Some(material);
                true
            }
            _ => false,
        }
    }

    fn vault(&self, vault: &str) -> Option<&VaultKeys> {
        self.vaults.get(&vault.to_ascii_lowercase())
    }

    fn vault_mut(&mut self, vault: &str) -> &mut VaultKeys {
        self.vaults.entry(vault.to_ascii_lowercase()).or_default()
    }

    /// Drops every key and deleted key of a vault (the vault was purged).
    pub fn remove_vault(&mut self, vault: &str) {
        self.vaults.remove(&vault.to_ascii_lowercase());
    }

    pub fn keys(&self, vault: &str) -> impl Iterator<Item = &StoredKey> {
        self.vault(vault).into_iter().flat_map(|v| v.keys.values())
    }

    pub fn deleted_keys(&self, vault: &str) -> impl Iterator<Item = &DeletedKey> {
        self.vault(vault)
            .into_iter()
            .flat_map(|v| v.deleted.values())
    }

    pub fn key(&self, vault: &str, name: &str) -> Option<&StoredKey> {
        self.vault(vault)?.keys.get(&name.to_ascii_lowercase())
    }

    pub fn key_mut(&mut self, vault: &str, name: &str) -> Option<&mut StoredKey> {
        self.vaults
            .get_mut(&vault.to_ascii_lowercase())?
            .keys
            .get_mut(&name.to_ascii_lowercase())
    }

    pub fn deleted_key(&self, vault: &str, name: &str) -> Option<&DeletedKey> {
        self.vault(vault)?.deleted.get(&name.to_ascii_lowercase())
    }

    pub fn is_deleted(&self, vault: &str, name: &str) -> bool {
        self.deleted_key(vault, name).is_some()
    }

    pub fn version_mut(
        &mut self,
        vault: &str,
        name: &str,
        version: Option<&str>,
    ) -> Result<&mut KeyVersion, KeyStoreError> {
        let key = self
            .key_mut(vault, name)
            .ok_or_else(|| KeyStoreError::KeyNotFound {
                name: name.to_owned(),
            })?;
        key.find_version_mut(version)
    }

    /// Creates a key, or a new version of an existing key, and returns the new version ID.
    /// `now` is the creation time (sandbox Unix seconds): scenarios may backdate keys.
    pub fn create_key(
        &mut self,
        vault: &str,
        name: &str,
        spec: NewKey,
        now: i64,
    ) -> Result<String, KeyStoreError> {
        validate_key_name(name)?;
        validate_spec(&spec)?;
        if self.is_deleted(vault, name) {
            return Err(KeyStoreError::NameHeldByDeletedKey {
                name: name.to_owned(),
            });
        }
        let version = new_version_id();
        let key_ops = spec.key_ops.unwrap_or_else(|| spec.kty.default_key_ops());
        let entry = KeyVersion {
            version: version.clone(),
            kty: spec.kty,
            key_size: if spec.kty.is_rsa() {
                spec.key_size.or(Some(2048))
            } else {
                None
            },
            curve: if spec.kty.is_rsa() {
                None
            } else {
                spec.curve.or_else(|| Some("P-256".to_owned()))
            },
            key_ops,
            enabled: spec.enabled,
            not_before: spec.not_before,
            expires: spec.expires,
            created: now,
            updated: now,
            tags: spec.tags,
            material: None,
        };
        let vault_keys = self.vault_mut(vault);
        vault_keys
            .keys
            .entry(name.to_ascii_lowercase())
            .or_insert_with(|| StoredKey {
                name: name.to_owned(),
                versions: Vec::new(),
                rotation_policy: None,
            })
            .versions
            .push(entry);
        self.next_rotation_due = None;
        Ok(version)
    }

    /// Makes a new version with the current version's type, size and operations
    /// (and the rotation policy's expiry), as Key Vault's rotate does.
    pub fn rotate_key(
        &mut self,
        vault: &str,
        name: &str,
        now: i64,
    ) -> Result<String, KeyStoreError> {
        let key = self
            .key(vault, name)
            .ok_or_else(|| KeyStoreError::KeyNotFound {
                name: name.to_owned(),
            })?;
        let current = key.find_version(None)?;
        let expires = key
            .rotation_policy
            .as_ref()
            .and_then(|p| p.expiry_time.as_deref())
            .and_then(|d| super::rotation::add_iso_duration(now, d));
        let spec = NewKey {
            kty: current.kty,
            key_size: current.key_size,
            curve: current.curve.clone(),
            key_ops: Some(current.key_ops.clone()),
            enabled: true,
            not_before: None,
            expires,
            tags: current.tags.clone(),
        };
        let name = key.name.clone();
        self.create_key(vault, &name, spec, now)
    }

    /// Enables or disables a version (the current one when `version` is `None`).
    pub fn set_enabled(
        &mut self,
        vault: &str,
        name: &str,
        version: Option<&str>,
        enabled: bool,
        now: i64,
    ) -> Result<(), KeyStoreError> {
        let entry = self.version_mut(vault, name, version)?;
        entry.enabled = enabled;
        entry.updated = now;
        Ok(())
    }

    /// Soft-deletes a key with all its versions, for `retention_days`.
    pub fn delete_key(
        &mut self,
        vault: &str,
        name: &str,
        now: i64,
        retention_days: i64,
    ) -> Result<&DeletedKey, KeyStoreError> {
        let vault_keys = self.vault_mut(vault);
        let lower = name.to_ascii_lowercase();
        let key = vault_keys
            .keys
            .remove(&lower)
            .ok_or_else(|| KeyStoreError::KeyNotFound {
                name: name.to_owned(),
            })?;
        let deleted = DeletedKey {
            key,
            deleted_date: now,
            scheduled_purge_date: now + retention_days * 86_400,
        };
        vault_keys.deleted.insert(lower.clone(), deleted);
        self.next_rotation_due = None;
        self.deleted_key(vault, &lower)
            .ok_or_else(|| KeyStoreError::DeletedKeyNotFound {
                name: name.to_owned(),
            })
    }

    /// Deletes a key at once, without a recoverable copy (vaults without soft delete).
    pub fn delete_key_permanently(
        &mut self,
        vault: &str,
        name: &str,
    ) -> Result<StoredKey, KeyStoreError> {
        self.vault_mut(vault)
            .keys
            .remove(&name.to_ascii_lowercase())
            .ok_or_else(|| KeyStoreError::KeyNotFound {
                name: name.to_owned(),
            })
    }

    pub fn recover_deleted_key(
        &mut self,
        vault: &str,
        name: &str,
    ) -> Result<&StoredKey, KeyStoreError> {
        let vault_keys = self.vault_mut(vault);
        let lower = name.to_ascii_lowercase();
        let deleted =
            vault_keys
                .deleted
                .remove(&lower)
                .ok_or_else(|| KeyStoreError::DeletedKeyNotFound {
                    name: name.to_owned(),
                })?;
        vault_keys.keys.insert(lower.clone(), deleted.key);
        self.next_rotation_due = None;
        self.key(vault, &lower)
            .ok_or_else(|| KeyStoreError::KeyNotFound {
                name: name.to_owned(),
            })
    }

    /// Removes a deleted key for good. Purge protection is the caller's check:
    /// it is a property of the vault resource, not of the key store.
    pub fn purge_deleted_key(&mut self, vault: &str, name: &str) -> Result<(), KeyStoreError> {
        self.vault_mut(vault)
            .deleted
            .remove(&name.to_ascii_lowercase())
            .map(|_| ())
            .ok_or_else(|| KeyStoreError::DeletedKeyNotFound {
                name: name.to_owned(),
            })
    }

    /// Puts a deleted key (back) into the deleted-keys collection.
    pub fn insert_deleted(&mut self, vault: &str, deleted: DeletedKey) {
        self.vault_mut(vault)
            .deleted
            .insert(deleted.key.name.to_ascii_lowercase(), deleted);
    }

    /// Purges deleted keys whose scheduled purge date has passed.
    pub fn purge_due(&mut self, now: i64) {
        for vault in self.vaults.values_mut() {
            vault.deleted.retain(|_, d| d.scheduled_purge_date > now);
        }
    }

    pub fn set_rotation_policy(
        &mut self,
        vault: &str,
        name: &str,
        lifetime_actions: Vec<LifetimeAction>,
        expiry_time: Option<String>,
        now: i64,
    ) -> Result<&RotationPolicy, KeyStoreError> {
        if let Some(expiry) = expiry_time.as_deref()
            && super::rotation::parse_iso_duration(expiry).is_none()
        {
            return Err(KeyStoreError::BadParameter(format!(
                "The expiry time '{expiry}' is not an ISO 8601 duration such as P90D or P2Y."
            )));
        }
        for action in &lifetime_actions {
            let (LifetimeTrigger::TimeAfterCreate(d) | LifetimeTrigger::TimeBeforeExpiry(d)) =
                &action.trigger;
            if super::rotation::parse_iso_duration(d).is_none() {
                return Err(KeyStoreError::BadParameter(format!(
                    "The trigger time '{d}' is not an ISO 8601 duration such as P90D."
                )));
            }
        }
        let key = self
            .key_mut(vault, name)
            .ok_or_else(|| KeyStoreError::KeyNotFound {
                name: name.to_owned(),
            })?;
        let created = key.rotation_policy.as_ref().map_or(now, |p| p.created);
        key.rotation_policy = Some(RotationPolicy {
            lifetime_actions,
            expiry_time,
            created,
            updated: now,
        });
        self.next_rotation_due = None;
        self.key(vault, name)
            .and_then(|k| k.rotation_policy.as_ref())
            .ok_or_else(|| KeyStoreError::KeyNotFound {
                name: name.to_owned(),
            })
    }

    pub(crate) fn all_keys(&self) -> impl Iterator<Item = (&str, &StoredKey)> {
        self.vaults
            .iter()
            .flat_map(|(vault, keys)| keys.keys.values().map(move |k| (vault.as_str(), k)))
    }
}

impl StoredKey {
    /// The current (newest) version.
    pub fn current(&self) -> Option<&KeyVersion> {
        self.versions.last()
    }

    /// The newest version that is enabled and inside its validity period at `now`.
    pub fn newest_usable(&self, now: i64) -> Option<&KeyVersion> {
        self.versions.iter().rev().find(|v| v.is_active(now))
    }

    /// The newest enabled version, ignoring validity dates.
    pub fn newest_enabled(&self) -> Option<&KeyVersion> {
        self.versions.iter().rev().find(|v| v.enabled)
    }

    pub fn find_version(&self, version: Option<&str>) -> Result<&KeyVersion, KeyStoreError> {
        match version.filter(|v| !v.is_empty()) {
            None => self.current().ok_or_else(|| KeyStoreError::KeyNotFound {
                name: self.name.clone(),
            }),
            Some(wanted) => self
                .versions
                .iter()
                .find(|v| v.version.eq_ignore_ascii_case(wanted))
                .ok_or_else(|| KeyStoreError::VersionNotFound {
                    name: self.name.clone(),
                    version: wanted.to_owned(),
                }),
        }
    }

    pub fn find_version_mut(
        &mut self,
        version: Option<&str>,
    ) -> Result<&mut KeyVersion, KeyStoreError> {
        let name = self.name.clone();
        match version.filter(|v| !v.is_empty()) {
            None => self
                .versions
                .last_mut()
                .ok_or(KeyStoreError::KeyNotFound { name }),
            Some(wanted) => self
                .versions
                .iter_mut()
                .find(|v| v.version.eq_ignore_ascii_case(wanted))
                .ok_or_else(|| KeyStoreError::VersionNotFound {
                    name,
                    version: wanted.to_owned(),
                }),
        }
    }
}

impl KeyVersion {
    pub fn is_active(&self, now: i64) -> bool {
        self.enabled
            && self.not_before.is_none_or(|nbf| nbf <= now)
            && self.expires.is_none_or(|exp| exp > now)
    }

    pub fn check_usable(&self, operation: &str, now: i64) -> Result<(), KeyStoreError> {
        if !self.enabled {
            return Err(KeyStoreError::KeyDisabled {
                operation: operation.to_owned(),
            });
        }
        if self.not_before.is_some_and(|nbf| nbf > now) {
            return Err(KeyStoreError::KeyNotYetValid {
                operation: operation.to_owned(),
            });
        }
        if self.expires.is_some_and(|exp| exp <= now) {
            return Err(KeyStoreError::KeyExpired {
                operation: operation.to_owned(),
            });
        }
        if !self.key_ops.iter().any(|op| op == operation) {
            return Err(KeyStoreError::OperationNotPermitted {
                operation: operation.to_owned(),
            });
        }
        Ok(())
    }

    /// The key material, generated on first use.
    pub fn material(&mut self) -> Result<&KeyMaterial, KeyStoreError> {
        if self.material.is_none() {
            let material = KeyMaterial::generate(self.kty, self.key_size, self.curve.as_deref())
                .map_err(KeyStoreError::CryptoFailure)?;
            self.material = Some(material);
        }
        self.material.as_ref().ok_or_else(|| {
            KeyStoreError::CryptoFailure("key material missing after generation".into())
        })
    }
}

fn new_version_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Key Vault object names: 1-127 characters, letters, digits and dashes.
pub fn validate_key_name(name: &str) -> Result<(), KeyStoreError> {
    let valid = !name.is_empty()
        && name.len() <= 127
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(KeyStoreError::BadParameter(format!(
            "The request URI contains an invalid name: {name}. Names are 1-127 characters of letters, digits and dashes."
        )))
    }
}

/// The JSON Web Key operations a key's `key_ops` may list.
pub(crate) const JWK_OPERATIONS: &[&str] = &[
    "encrypt",
    "decrypt",
    "sign",
    "verify",
    "wrapKey",
    "unwrapKey",
    "import",
    "export",
];

fn validate_spec(spec: &NewKey) -> Result<(), KeyStoreError> {
    if spec.kty.is_rsa() {
        if let Some(size) = spec.key_size
            && ![2048, 3072, 4096].contains(&size)
        {
            return Err(KeyStoreError::BadParameter(format!(
                "The key size {size} is not supported. Use 2048, 3072 or 4096 for RSA keys."
            )));
        }
    } else {
        let curve = spec.curve.as_deref().unwrap_or("P-256");
        if !super::crypto::SUPPORTED_CURVES.contains(&curve) {
            return Err(KeyStoreError::BadParameter(format!(
                "The curve '{curve}' is not supported by the sandbox. Use one of: {}.",
                super::crypto::SUPPORTED_CURVES.join(", ")
            )));
        }
    }
    if let Some(ops) = &spec.key_ops
        && let Some(bad) = ops.iter().find(|op| !JWK_OPERATIONS.contains(&op.as_str()))
    {
        return Err(KeyStoreError::BadParameter(format!(
            "Invalid key operation '{bad}'. Valid operations are: {}.",
            JWK_OPERATIONS.join(", ")
        )));
    }
    Ok(())
}
