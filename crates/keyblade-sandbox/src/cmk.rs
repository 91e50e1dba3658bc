//! Customer-managed-key semantics shared by the providers that encrypt with a
//! Key Vault key (Container Registry, Storage, Cognitive Services): parsing key
//! identifiers, checking that an identity can get, wrap and unwrap a key, the
//! data health an admin reads, and the auto-rotation of unversioned keys.

use serde_json::{Value, json};

use crate::arm::identity::{EncryptionPrincipal, current_principal};
use crate::arm::store::{StoredResource, get_ci, str_ci, timestamp};
use crate::keyvault::{KeyOperation, KeyType, NetworkOrigin, authorize_on_key};
use crate::world::World;

/// A Key Vault key identifier: `https://{vault}.vault.localhost:P/keys/{name}[/{version}]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    pub vault: String,
    pub name: String,
    pub version: Option<String>,
}

impl KeyRef {
    /// `https://{vault}.vault.localhost:P/` as the sandbox spells vault URIs.
    pub fn vault_uri(&self, world: &World) -> String {
        world.endpoints.vault_uri(&self.vault)
    }

    pub fn with_version(&self, world: &World, version: &str) -> String {
        format!("{}keys/{}/{}", self.vault_uri(world), self.name, version)
    }
}

/// Parses a key identifier against the sandbox's vault host names.
pub fn parse_key_identifier(world: &World, text: &str) -> Result<KeyRef, String> {
    let url = url::Url::parse(text.trim()).map_err(|e| format!("'{text}' is not a URL ({e})"))?;
    if url.scheme() != "https" {
        return Err(format!("'{text}' must use https"));
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let vault = vault_from_host(world, &host, url.port()).ok_or_else(|| {
        format!(
            "the host '{host}' is not a key vault of this sandbox; vault URIs look like '{}'",
            world.endpoints.vault_uri("{vault}")
        )
    })?;
    let segments: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [k, name] if k.eq_ignore_ascii_case("keys") => Ok(KeyRef {
            vault,
            name: (*name).to_owned(),
            version: None,
        }),
        [k, name, version] if k.eq_ignore_ascii_case("keys") => Ok(KeyRef {
            vault,
            name: (*name).to_owned(),
            version: Some((*version).to_owned()),
        }),
        _ => Err(format!(
            "'{text}' is not a key identifier; expected https://{{vault}}.{}/keys/{{name}}[/{{version}}]",
            world.endpoints.vault_suffix()
        )),
    }
}

/// The vault name of `{vault}.vault.localhost` on the sandbox's port.
pub fn vault_from_host(world: &World, host: &str, port: Option<u16>) -> Option<String> {
    let suffix = ".vault.localhost";
    let vault = host.strip_suffix(suffix)?;
    if vault.is_empty() || vault.contains('.') || port != Some(world.endpoints.port) {
        return None;
    }
    Some(vault.to_owned())
}

/// Parses a vault URI (`https://{vault}.vault.localhost:P[/]`) to the vault name.
pub fn parse_vault_uri(world: &World, text: &str) -> Result<String, String> {
    let url = url::Url::parse(text.trim()).map_err(|e| format!("'{text}' is not a URL ({e})"))?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    vault_from_host(world, &host, url.port()).ok_or_else(|| {
        format!(
            "the vault URI '{text}' is not a key vault of this sandbox; vault URIs look like '{}'",
            world.endpoints.vault_uri("{vault}")
        )
    })
}

/// The key type of the version a reference names (its newest enabled version when unversioned).
pub fn key_type(world: &World, key: &KeyRef) -> Result<KeyType, String> {
    let stored = world
        .vaults
        .key(&key.vault, &key.name)
        .ok_or_else(|| missing_key(world, key))?;
    let version = match &key.version {
        Some(v) => stored.find_version(Some(v)).map_err(|_| {
            format!(
                "the key '{}' has no version '{v}' in vault '{}'",
                key.name, key.vault
            )
        })?,
        None => stored.newest_enabled().ok_or_else(|| {
            format!(
                "the key '{}' in vault '{}' has no enabled version",
                key.name, key.vault
            )
        })?,
    };
    Ok(version.kty)
}

fn missing_key(world: &World, key: &KeyRef) -> String {
    if crate::arm::vault_resource(world, &key.vault).is_none() {
        format!(
            "the key vault '{}' does not exist (or is deleted)",
            key.vault
        )
    } else if world.vaults.is_deleted(&key.vault, &key.name) {
        format!(
            "the key '{}' in vault '{}' is deleted; recover it to restore access",
            key.name, key.vault
        )
    } else {
        format!(
            "the key '{}' does not exist in vault '{}'",
            key.name, key.vault
        )
    }
}

/// The newest enabled version of a key, as the service picks it for an unversioned identifier.
pub fn newest_enabled_version(world: &World, key: &KeyRef) -> Option<String> {
    world
        .vaults
        .key(&key.vault, &key.name)
        .and_then(|k| k.newest_enabled())
        .map(|v| v.version.clone())
}

/// Where a service's call to Key Vault with `principal` comes from, for the
/// vault firewall: Key Vault admits a service as a trusted service only when it
/// authenticates with its resource's system-assigned identity; with a
/// user-assigned identity it is ordinary public-network traffic.
pub fn service_network_origin(principal: &EncryptionPrincipal) -> NetworkOrigin {
    match principal.user_assigned_id {
        None => NetworkOrigin::TrustedService,
        Some(_) => NetworkOrigin::AzureServiceWithUserAssignedIdentity,
    }
}

/// Whether `principal` can get, wrap and unwrap with `key` (a specific version,
/// or the newest enabled one) now, as an Azure service reaching the vault (the
/// trusted-services bypass applies to a system-assigned identity only). `Err`
/// says why not.
pub fn check_key_access(
    world: &World,
    principal: &EncryptionPrincipal,
    tenant_id: &str,
    key: &KeyRef,
) -> Result<(), String> {
    let network = service_network_origin(principal);
    if crate::arm::vault_resource(world, &key.vault).is_none() {
        return Err(format!(
            "the key vault '{}' does not exist (or is deleted)",
            key.vault
        ));
    }
    for op in [
        KeyOperation::Get,
        KeyOperation::WrapKey,
        KeyOperation::UnwrapKey,
    ] {
        authorize_on_key(
            world,
            &principal.principal_id,
            tenant_id,
            &key.vault,
            Some(&key.name),
            op,
            network.clone(),
        )
        .map_err(|denial| {
            format!(
                "Key Vault refused '{}' ({}): {}",
                op.access_policy_permission(),
                denial.inner_code(),
                denial.message().replace("\r\n", " ")
            )
        })?;
    }
    let stored = world
        .vaults
        .key(&key.vault, &key.name)
        .ok_or_else(|| missing_key(world, key))?;
    let now = world.clock.now_unix();
    let version = match &key.version {
        Some(v) => stored
            .find_version(Some(v))
            .map_err(|_| format!("the key '{}' has no version '{v}'", key.name))?,
        None => stored
            .newest_usable(now)
            .ok_or_else(|| format!("the key '{}' has no enabled, unexpired version", key.name))?,
    };
    for operation in ["wrapKey", "unwrapKey"] {
        version.check_usable(operation, now).map_err(|e| {
            format!(
                "the key version '{}' cannot {operation}: {e:?}",
                version.version
            )
        })?;
    }
    Ok(())
}

/// Where a resource's customer-managed key configuration lives, per provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmkConfig {
    /// The key identifier as configured (versioned or not).
    pub key_identifier: String,
    /// The version the service uses now.
    pub version_in_use: Option<String>,
    /// A client ID, a user-assigned identity resource ID, or `system`.
    pub identity: String,
}

/// The CMK configuration of a stored resource; `None` when it uses Microsoft-managed keys.
pub fn cmk_config(world: &World, resource: &StoredResource) -> Option<CmkConfig> {
    let properties = resource.body.get("properties")?;
    let encryption = get_ci(properties, "encryption")?;
    let resource_type = resource.resource_type().to_ascii_lowercase();
    match resource_type.as_str() {
        "microsoft.containerregistry/registries" => {
            if !str_ci(encryption, "status").is_some_and(|s| s.eq_ignore_ascii_case("enabled")) {
                return None;
            }
            let kv = get_ci(encryption, "keyVaultProperties")?;
            let key_identifier = str_ci(kv, "keyIdentifier")?.to_owned();
            let version_in_use = str_ci(kv, "versionedKeyIdentifier")
                .and_then(|v| parse_key_identifier(world, v).ok())
                .and_then(|k| k.version);
            Some(CmkConfig {
                key_identifier,
                version_in_use,
                identity: str_ci(kv, "identity").unwrap_or("system").to_owned(),
            })
        }
        "microsoft.storage/storageaccounts" => {
            if !str_ci(encryption, "keySource")
                .is_some_and(|s| s.eq_ignore_ascii_case("Microsoft.Keyvault"))
            {
                return None;
            }
            let kv = get_ci(encryption, "keyvaultproperties")?;
            let uri = str_ci(kv, "keyvaulturi")?.trim_end_matches('/');
            let name = str_ci(kv, "keyname")?;
            let version = str_ci(kv, "keyversion").filter(|v| !v.is_empty());
            let key_identifier = match version {
                Some(v) => format!("{uri}/keys/{name}/{v}"),
                None => format!("{uri}/keys/{name}"),
            };
            let version_in_use = str_ci(kv, "currentVersionedKeyIdentifier")
                .and_then(|v| parse_key_identifier(world, v).ok())
                .and_then(|k| k.version)
                .or_else(|| version.map(str::to_owned));
            let identity = get_ci(encryption, "identity")
                .and_then(|i| str_ci(i, "userAssignedIdentity"))
                .filter(|s| !s.is_empty())
                .unwrap_or("system")
                .to_owned();
            Some(CmkConfig {
                key_identifier,
                version_in_use,
                identity,
            })
        }
        "microsoft.cognitiveservices/accounts" => {
            if !str_ci(encryption, "keySource")
                .is_some_and(|s| s.eq_ignore_ascii_case("Microsoft.KeyVault"))
            {
                return None;
            }
            let kv = get_ci(encryption, "keyVaultProperties")?;
            let uri = str_ci(kv, "keyVaultUri")?.trim_end_matches('/');
            let name = str_ci(kv, "keyName")?;
            let version = str_ci(kv, "keyVersion").filter(|v| !v.is_empty());
            let key_identifier = match version {
                Some(v) => format!("{uri}/keys/{name}/{v}"),
                None => format!("{uri}/keys/{name}"),
            };
            Some(CmkConfig {
                key_identifier,
                version_in_use: version.map(str::to_owned),
                identity: str_ci(kv, "identityClientId")
                    .filter(|s| !s.is_empty())
                    .unwrap_or("system")
                    .to_owned(),
            })
        }
        _ => None,
    }
}

/// The tenant a resource's identities belong to: its subscription's.
fn resource_tenant(world: &World, resource: &StoredResource) -> String {
    crate::arm::id::Scope::parse_str(resource.id())
        .and_then(|s| s.subscription().map(str::to_owned))
        .and_then(|sub| {
            world
                .arm
                .subscription(&sub)
                .ok()
                .map(|s| s.tenant_id.clone())
        })
        .unwrap_or_default()
}

/// Why a CMK resource cannot use its key now, or `Ok` with the principal it uses.
pub fn evaluate(
    world: &World,
    resource: &StoredResource,
    config: &CmkConfig,
) -> Result<EncryptionPrincipal, String> {
    let principal = current_principal(world, resource, &config.identity).ok_or_else(|| {
        if config.identity.eq_ignore_ascii_case("system") {
            "the resource has no system-assigned identity any more".to_owned()
        } else {
            format!(
                "the encryption identity '{}' is no longer attached to the resource (or was deleted)",
                config.identity
            )
        }
    })?;
    let mut key = parse_key_identifier(world, &config.key_identifier)?;
    if key.version.is_none() {
        key.version = config.version_in_use.clone();
    }
    let tenant = resource_tenant(world, resource);
    check_key_access(world, &principal, &tenant, &key)?;
    Ok(principal)
}

/// The CMK data health of a resource, for the admin API: `None` when there is
/// no such resource.
pub fn health(world: &World, resource_id: &str) -> Option<Value> {
    let resource = world.arm.resource(resource_id)?;
    let checked_at = timestamp(world.clock.now());
    let Some(config) = cmk_config(world, resource) else {
        return Some(json!({
            "resourceId": resource.id(),
            "customerManagedKey": false,
            "health": "not applicable: the resource uses Microsoft-managed keys",
            "checkedAt": checked_at,
        }));
    };
    let (health, principal) = match evaluate(world, resource, &config) {
        Ok(principal) => ("accessible".to_owned(), Some(principal)),
        Err(reason) => (format!("inaccessible: {reason}"), None),
    };
    Some(json!({
        "resourceId": resource.id(),
        "customerManagedKey": true,
        "health": health,
        "keyIdentifier": config.key_identifier,
        "versionInUse": config.version_in_use,
        "identity": config.identity,
        "principalId": principal.map(|p| p.principal_id),
        "checkedAt": checked_at,
    }))
}

/// Moves unversioned CMK key identifiers to the newest enabled key version, at
/// most once per configured interval of sandbox time (Azure: "within one hour").
/// A resource whose identity cannot read the key is not rotated, as in Azure.
pub fn rotate_due(world: &mut World) {
    let now_ms = world.clock.now_unix_ms();
    let interval_ms = world.arm.settings.rotation_check_interval_secs.max(1) * 1000;
    match world.arm.next_rotation_sweep_ms {
        None => {
            world.arm.next_rotation_sweep_ms = Some(now_ms + interval_ms);
            return;
        }
        Some(due) if now_ms < due => return,
        Some(_) => {}
    }
    world.arm.next_rotation_sweep_ms = Some(now_ms + interval_ms);
    rotate_now(world);
}

/// One auto-rotation sweep, regardless of the interval. Returns the IDs of the
/// resources whose key version moved.
pub fn rotate_now(world: &mut World) -> Vec<String> {
    let now = timestamp(world.clock.now());
    let mut updates: Vec<(String, Value)> = Vec::new();
    for resource in world.arm.resources.values() {
        let Some(config) = cmk_config(world, resource) else {
            continue;
        };
        let Ok(key) = parse_key_identifier(world, &config.key_identifier) else {
            continue;
        };
        if key.version.is_some() {
            continue;
        }
        let Some(newest) = newest_enabled_version(world, &key) else {
            continue;
        };
        if config
            .version_in_use
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case(&newest))
        {
            continue;
        }
        let Some(principal) = current_principal(world, resource, &config.identity) else {
            continue;
        };
        let tenant = resource_tenant(world, resource);
        let newest_ref = KeyRef {
            version: Some(newest.clone()),
            ..key.clone()
        };
        if check_key_access(world, &principal, &tenant, &newest_ref).is_err() {
            continue;
        }
        let versioned = key.with_version(world, &newest);
        let mut body = resource.body.clone();
        let moved = match resource.resource_type().to_ascii_lowercase().as_str() {
            "microsoft.containerregistry/registries" => body
                .pointer_mut("/properties/encryption/keyVaultProperties")
                .and_then(Value::as_object_mut)
                .map(|kv| {
                    kv.insert(
                        "versionedKeyIdentifier".to_owned(),
                        Value::String(versioned.clone()),
                    );
                    kv.insert(
                        "lastKeyRotationTimestamp".to_owned(),
                        Value::String(now.clone()),
                    );
                })
                .is_some(),
            "microsoft.storage/storageaccounts" => body
                .pointer_mut("/properties/encryption/keyvaultproperties")
                .and_then(Value::as_object_mut)
                .map(|kv| {
                    kv.insert(
                        "currentVersionedKeyIdentifier".to_owned(),
                        Value::String(versioned.clone()),
                    );
                    kv.insert(
                        "lastKeyRotationTimestamp".to_owned(),
                        Value::String(now.clone()),
                    );
                })
                .is_some(),
            _ => false,
        };
        if moved {
            updates.push((resource.id().to_owned(), body));
        }
    }
    let ids: Vec<String> = updates.iter().map(|(id, _)| id.clone()).collect();
    for (id, body) in updates {
        world.arm.replace_body(&id, body);
    }
    ids
}
