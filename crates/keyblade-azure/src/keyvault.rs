//! Key Vault keys, through `azure_security_keyvault_keys` 1.x.
//!
//! One `KeyClient` per vault, kept for the session, each with the SDK's default challenge
//! check (the vault host must end in `.` plus the resource of Key Vault's 401 challenge), on
//! keyblade's transport with the token-host guard. Denials come back as
//! [`AzureError::KeyVaultDenied`] with the reason (no access policy, policy without the
//! permission, RBAC, firewall), so the UI can say "you cannot list keys in this vault: ...".

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use azure_security_keyvault_keys::KeyClient;
use azure_security_keyvault_keys::models::{
    CreateKeyParameters, Key, KeyAttributes, KeyClientGetKeyOptions,
    KeyClientUpdateKeyPropertiesOptions, KeyProperties, KeyType, UpdateKeyPropertiesParameters,
};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use crate::arm::CONCURRENCY;
use crate::cache::Cache;
use crate::credential::KeybladeCredential;
use crate::error::AzureError;
use crate::paging::PageGuard;
use crate::transport::HttpTransport;

/// A key or one of its versions, as listed (no key material).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyItem {
    /// The key ID: unversioned in a key list, versioned in a version list.
    pub kid: String,
    /// The key's name.
    pub name: String,
    /// The version, in a version list.
    pub version: Option<String>,
    /// Whether the key or version is enabled, if known.
    pub enabled: Option<bool>,
    /// Not usable before this time, if set.
    #[serde(with = "time::serde::rfc3339::option")]
    pub not_before: Option<OffsetDateTime>,
    /// When it expires, if it does.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires: Option<OffsetDateTime>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created: Option<OffsetDateTime>,
    /// When it was last updated.
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated: Option<OffsetDateTime>,
    /// Managed by a service (e.g. a certificate's key): not for CMK.
    pub managed: bool,
}

/// One key version with what preflight checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyDetails {
    /// The versioned key ID.
    pub kid: String,
    /// The key's name.
    pub name: String,
    /// The version identifier.
    pub version: String,
    /// `RSA`, `RSA-HSM`, `EC`, ...
    pub kty: String,
    /// RSA modulus size in bits, when known.
    pub key_size: Option<u32>,
    /// The operations the key allows, e.g. `wrapKey`, `unwrapKey`.
    pub key_ops: Vec<String>,
    /// Whether the version is enabled.
    pub enabled: bool,
    /// Not usable before this time, if set.
    #[serde(with = "time::serde::rfc3339::option")]
    pub not_before: Option<OffsetDateTime>,
    /// When it expires, if it does.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires: Option<OffsetDateTime>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created: Option<OffsetDateTime>,
    /// When it was last updated.
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated: Option<OffsetDateTime>,
}

/// Key Vault data-plane access for a session.
pub struct KeyVault {
    credential: KeybladeCredential,
    transport: HttpTransport,
    clients: Mutex<HashMap<String, Arc<KeyClient>>>,
    /// Shared with the background reads that [`KeyVault::check_key_listing`] leaves.
    list_cache: Arc<Cache<Vec<KeyItem>>>,
}

impl KeyVault {
    /// Key Vault access for the credential over `transport`; a client per vault is made on
    /// first use.
    pub fn new(credential: KeybladeCredential, transport: &HttpTransport) -> KeyVault {
        KeyVault {
            credential,
            transport: transport.clone(),
            clients: Mutex::new(HashMap::new()),
            list_cache: Arc::default(),
        }
    }

    /// The keys of a vault, all pages (cached until a write to the vault through keyblade).
    pub async fn list_keys(&self, vault_uri: &Url) -> Result<Vec<KeyItem>, AzureError> {
        let key = cache_key(vault_uri, "");
        if let Some(cached) = self.list_cache.get(&key) {
            return Ok(cached);
        }
        let vault = vault_name(vault_uri);
        let client = self.client(vault_uri)?;
        let pager = client
            .list_key_properties(None)
            .map_err(|e| AzureError::from_key_vault(e, &vault, "list keys"))?;
        let found = collect_items(
            pager,
            &vault,
            "list keys",
            format!("the keys of the key vault \"{vault}\""),
        )
        .await?;
        self.list_cache.put(&key, found.clone());
        Ok(found)
    }

    /// Whether the signed-in identity may list the vault's keys, answered by the first page
    /// of the list: one request after Key Vault's challenge, where the whole list takes one
    /// per 25 keys, one after the other. The rest of the list is read in the background into
    /// the cache [`KeyVault::list_keys`] answers from, so the key picker that usually follows
    /// does not wait for it either. A write to the vault meanwhile makes that read's result
    /// stale, and it is then dropped.
    pub async fn check_key_listing(&self, vault_uri: &Url) -> Result<(), AzureError> {
        let key = cache_key(vault_uri, "");
        if self.list_cache.get(&key).is_some() {
            return Ok(());
        }
        let generation = self.list_cache.generation();
        let vault = vault_name(vault_uri);
        let client = self.client(vault_uri)?;
        let pager = client
            .list_key_properties(None)
            .map_err(|e| AzureError::from_key_vault(e, &vault, "list keys"))?;
        let mut pages = pager.into_pages();
        let mut guard = PageGuard::new(format!("the keys of the key vault \"{vault}\""));
        let mut items = Vec::new();
        let more = next_page(&mut pages, &mut guard, &vault, "list keys", &mut items).await?;
        if !more {
            self.list_cache
                .put_unless_invalidated(&key, items, generation);
            return Ok(());
        }
        let cache = self.list_cache.clone();
        tokio::spawn(async move {
            loop {
                match next_page(&mut pages, &mut guard, &vault, "list keys", &mut items).await {
                    Ok(true) => {}
                    Ok(false) => {
                        cache.put_unless_invalidated(&key, items, generation);
                        return;
                    }
                    // The picker reads the list again when it needs it, and says why then.
                    Err(_) => return,
                }
            }
        });
        Ok(())
    }

    /// The keys of several vaults, at most [`CONCURRENCY`] vaults at once; each vault
    /// answers for itself (one denied vault does not hide the others).
    pub async fn list_keys_of_vaults(
        &self,
        vault_uris: &[Url],
    ) -> Vec<(Url, Result<Vec<KeyItem>, AzureError>)> {
        futures::stream::iter(vault_uris)
            .map(|uri| async move { (uri.clone(), self.list_keys(uri).await) })
            .buffered(CONCURRENCY)
            .collect()
            .await
    }

    /// The versions of a key, all pages, newest first.
    pub async fn list_versions(
        &self,
        vault_uri: &Url,
        key_name: &str,
    ) -> Result<Vec<KeyItem>, AzureError> {
        let key = cache_key(vault_uri, key_name);
        if let Some(cached) = self.list_cache.get(&key) {
            return Ok(cached);
        }
        let vault = vault_name(vault_uri);
        let client = self.client(vault_uri)?;
        let pager = client
            .list_key_properties_versions(key_name, None)
            .map_err(|e| AzureError::from_key_vault(e, &vault, "list key versions"))?;
        let mut found = collect_items(
            pager,
            &vault,
            "list key versions",
            format!("the versions of the key \"{key_name}\" in the key vault \"{vault}\""),
        )
        .await?;
        found.sort_by_key(|item| std::cmp::Reverse(item.created));
        self.list_cache.put(&key, found.clone());
        Ok(found)
    }

    /// A key version (the current one when `version` is `None`).
    pub async fn get_key(
        &self,
        vault_uri: &Url,
        key_name: &str,
        version: Option<&str>,
    ) -> Result<KeyDetails, AzureError> {
        let vault = vault_name(vault_uri);
        let options = KeyClientGetKeyOptions {
            key_version: version.map(str::to_owned),
            ..Default::default()
        };
        let key = self
            .client(vault_uri)?
            .get_key(key_name, Some(options))
            .await
            .and_then(|response| response.into_model())
            .map_err(|e| AzureError::from_key_vault(e, &vault, "read the key"))?;
        key_details(key)
    }

    /// Creates an RSA key (`size` bits) with the operations CMK needs.
    pub async fn create_rsa_key(
        &self,
        vault_uri: &Url,
        key_name: &str,
        size: u32,
    ) -> Result<KeyDetails, AzureError> {
        let vault = vault_name(vault_uri);
        let parameters = CreateKeyParameters {
            kty: Some(KeyType::Rsa),
            key_size: Some(i32::try_from(size).map_err(|_| AzureError::InvalidInput {
                what: "The key size".to_owned(),
                reason: format!("{size} is too large"),
            })?),
            key_attributes: Some(KeyAttributes {
                enabled: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        };
        let written = self
            .client(vault_uri)?
            .create_key(
                key_name,
                parameters
                    .try_into()
                    .map_err(|e| AzureError::from_key_vault(e, &vault, "create a key"))?,
                None,
            )
            .await
            .and_then(|response| response.into_model());
        self.key_written(vault_uri, "create a key", written)
    }

    /// Creates a new version of a key (Key Vault's rotate), on the API version the review
    /// of a New key version shows (see the Rotation policy block).
    pub async fn rotate_key(
        &self,
        vault_uri: &Url,
        key_name: &str,
    ) -> Result<KeyDetails, AzureError> {
        let written = self
            .reviewed_client(vault_uri)?
            .rotate_key(key_name, None)
            .await
            .and_then(|response| response.into_model());
        self.key_written(vault_uri, "create a new key version", written)
    }

    /// Enables or disables a key version (the current one when `version` is `None`).
    pub async fn set_enabled(
        &self,
        vault_uri: &Url,
        key_name: &str,
        version: Option<&str>,
        enabled: bool,
    ) -> Result<KeyDetails, AzureError> {
        let vault = vault_name(vault_uri);
        let action = if enabled {
            "enable the key"
        } else {
            "disable the key"
        };
        let parameters = UpdateKeyPropertiesParameters {
            key_attributes: Some(KeyAttributes {
                enabled: Some(enabled),
                ..Default::default()
            }),
            ..Default::default()
        };
        let options = KeyClientUpdateKeyPropertiesOptions {
            key_version: version.map(str::to_owned),
            ..Default::default()
        };
        let written = self
            .reviewed_client(vault_uri)?
            .update_key_properties(
                key_name,
                parameters
                    .try_into()
                    .map_err(|e| AzureError::from_key_vault(e, &vault, action))?,
                Some(options),
            )
            .await
            .and_then(|response| response.into_model());
        self.key_written(vault_uri, action, written)
    }

    /// What every key write ends with: Key Vault's answer as keyblade's key, or its refusal
    /// saying what `action` was refused; and the vault's key lists forgotten, since a write
    /// that may have happened makes them stale.
    fn key_written(
        &self,
        vault_uri: &Url,
        action: &str,
        written: azure_core::Result<Key>,
    ) -> Result<KeyDetails, AzureError> {
        self.list_cache.invalidate_prefix(&cache_key(vault_uri, ""));
        let key =
            written.map_err(|e| AzureError::from_key_vault(e, &vault_name(vault_uri), action))?;
        key_details(key)
    }

    /// Forgets cached key lists.
    pub fn invalidate_all(&self) {
        self.list_cache.clear();
    }

    fn client(&self, vault_uri: &Url) -> Result<Arc<KeyClient>, AzureError> {
        let key = vault_root(vault_uri);
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let options = azure_security_keyvault_keys::KeyClientOptions {
            client_options: self.transport.core_options(),
            ..Default::default()
        };
        let client = Arc::new(
            KeyClient::new(&key, self.credential.core(), Some(options)).map_err(|error| {
                AzureError::InvalidInput {
                    what: format!("The vault URI `{vault_uri}`"),
                    reason: AzureError::from_core(error).to_string(),
                }
            })?,
        );
        clients.insert(key, client.clone());
        Ok(client)
    }
}

/// `https://host[:port]/`, lower-cased: one client per vault whatever path was given.
fn vault_root(vault_uri: &Url) -> String {
    let mut root = vault_uri.clone();
    root.set_path("/");
    root.set_query(None);
    root.set_fragment(None);
    root.as_str().to_ascii_lowercase()
}

fn cache_key(vault_uri: &Url, key_name: &str) -> String {
    format!("{}{key_name}", vault_root(vault_uri))
}

/// The vault's name: its host's first label.
fn vault_name(vault_uri: &Url) -> String {
    vault_uri
        .host_str()
        .and_then(|host| host.split('.').next())
        .unwrap_or_default()
        .to_owned()
}

/// Every page of a key list, bounded by a [`PageGuard`] (`list` names the list for its
/// messages): the SDK's pager requests the page its continuation names when polled, so the
/// guard sees each continuation before the pager is polled again.
type KeyPages = azure_core::http::PageIterator<
    azure_core::http::Response<azure_security_keyvault_keys::models::ListKeyPropertiesResult>,
>;

async fn collect_items(
    pager: azure_core::http::Pager<azure_security_keyvault_keys::models::ListKeyPropertiesResult>,
    vault: &str,
    action: &str,
    list: String,
) -> Result<Vec<KeyItem>, AzureError> {
    let mut pages = pager.into_pages();
    let mut guard = PageGuard::new(list);
    let mut items = Vec::new();
    while next_page(&mut pages, &mut guard, vault, action, &mut items).await? {}
    Ok(items)
}

/// Reads one page into `items`; whether another follows (within the guard's bounds).
async fn next_page(
    pages: &mut KeyPages,
    guard: &mut PageGuard,
    vault: &str,
    action: &str,
    items: &mut Vec<KeyItem>,
) -> Result<bool, AzureError> {
    let denied = |e| AzureError::from_key_vault(e, vault, action);
    let Some(page) = pages.try_next().await.map_err(denied)? else {
        return Ok(false);
    };
    let page = page.into_model().map_err(denied)?;
    for properties in page.value {
        items.push(key_item(properties)?);
    }
    let next = pages.continuation().map(|next| next.as_ref().to_owned());
    guard.after_page(next.as_deref())
}

/// `(name, version)` from `https://vault/keys/{name}[/{version}]`.
pub fn split_kid(kid: &str) -> Result<(String, Option<String>), AzureError> {
    let invalid = || AzureError::InvalidResponse {
        what: format!("the key ID `{kid}`"),
        reason: "expected https://{vault}/keys/{name}[/{version}]".to_owned(),
    };
    let url = Url::parse(kid).map_err(|_| invalid())?;
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|segment| !segment.is_empty()).collect())
        .unwrap_or_default();
    match segments.as_slice() {
        ["keys", name] => Ok(((*name).to_owned(), None)),
        ["keys", name, version] => Ok(((*name).to_owned(), Some((*version).to_owned()))),
        _ => Err(invalid()),
    }
}

fn key_item(properties: KeyProperties) -> Result<KeyItem, AzureError> {
    let kid = properties.kid.unwrap_or_default();
    let (name, version) = split_kid(&kid)?;
    let attributes = properties.attributes.unwrap_or_default();
    Ok(KeyItem {
        kid,
        name,
        version,
        enabled: attributes.enabled,
        not_before: attributes.not_before,
        expires: attributes.expires,
        created: attributes.created,
        updated: attributes.updated,
        managed: properties.managed.unwrap_or(false),
    })
}

fn key_details(key: Key) -> Result<KeyDetails, AzureError> {
    let jwk = key.key.unwrap_or_default();
    let kid = jwk.kid.clone().unwrap_or_default();
    let (name, version) = split_kid(&kid)?;
    let attributes = key.attributes.unwrap_or_default();
    let kty = jwk
        .kty
        .as_ref()
        .map(|kty| match serde_json::to_value(kty) {
            Ok(serde_json::Value::String(text)) => text,
            _ => String::new(),
        })
        .unwrap_or_default();
    // The modulus may carry a leading zero byte in some encodings.
    let key_size = jwk.n.as_ref().map(|n| {
        let significant = n.iter().skip_while(|byte| **byte == 0).count();
        u32::try_from(significant * 8).unwrap_or(u32::MAX)
    });
    Ok(KeyDetails {
        kid: kid.clone(),
        name,
        version: version.ok_or_else(|| AzureError::InvalidResponse {
            what: format!("the key `{kid}`"),
            reason: "its ID has no version".to_owned(),
        })?,
        kty,
        key_size,
        key_ops: jwk.key_ops.unwrap_or_default(),
        enabled: attributes.enabled.unwrap_or(true),
        not_before: attributes.not_before,
        expires: attributes.expires,
        created: attributes.created,
        updated: attributes.updated,
    })
}

// Key state: delete and recover

/// A soft-deleted key, as Key Vault's deleted keys list has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedKeyInfo {
    /// The key's name.
    pub name: String,
    /// `recoveryId`: what recovering it names, when the vault keeps deleted keys.
    pub recovery_id: Option<String>,
    /// When it was deleted.
    #[serde(with = "time::serde::rfc3339::option")]
    pub deleted_date: Option<OffsetDateTime>,
    /// When Key Vault purges it for good, unless it is recovered first.
    #[serde(with = "time::serde::rfc3339::option")]
    pub scheduled_purge_date: Option<OffsetDateTime>,
}

impl KeyVault {
    /// Deletes a key, every version. With soft delete the vault keeps it for its retention
    /// period (the answer carries the purge date); without, it is gone.
    pub async fn delete_key(
        &self,
        vault_uri: &Url,
        key_name: &str,
    ) -> Result<DeletedKeyInfo, AzureError> {
        let vault = vault_name(vault_uri);
        let answer = self
            .reviewed_client(vault_uri)?
            .delete_key(key_name, None)
            .await
            .and_then(|response| response.into_model());
        self.list_cache.invalidate_prefix(&cache_key(vault_uri, ""));
        let deleted =
            answer.map_err(|e| AzureError::from_key_vault(e, &vault, "delete the key"))?;
        Ok(deleted_key_info(key_name, deleted))
    }

    /// A soft-deleted key (404 [`AzureError::NotFound`] when the vault keeps no such key).
    pub async fn get_deleted_key(
        &self,
        vault_uri: &Url,
        key_name: &str,
    ) -> Result<DeletedKeyInfo, AzureError> {
        let vault = vault_name(vault_uri);
        let deleted = self
            .client(vault_uri)?
            .get_deleted_key(key_name, None)
            .await
            .and_then(|response| response.into_model())
            .map_err(|e| AzureError::from_key_vault(e, &vault, "read the deleted key"))?;
        Ok(deleted_key_info(key_name, deleted))
    }

    /// Recovers a soft-deleted key with its versions; answers the key's current version.
    /// Key Vault finishes a recovery in the background: the key may answer 404 for a
    /// short while after this returns.
    pub async fn recover_deleted_key(
        &self,
        vault_uri: &Url,
        key_name: &str,
    ) -> Result<KeyDetails, AzureError> {
        let written = self
            .reviewed_client(vault_uri)?
            .recover_deleted_key(key_name, None)
            .await
            .and_then(|response| response.into_model());
        self.key_written(vault_uri, "recover the deleted key", written)
    }
}

fn deleted_key_info(
    key_name: &str,
    deleted: azure_security_keyvault_keys::models::DeletedKey,
) -> DeletedKeyInfo {
    DeletedKeyInfo {
        name: key_name.to_owned(),
        recovery_id: deleted.recovery_id,
        deleted_date: deleted.deleted_date,
        scheduled_purge_date: deleted.scheduled_purge_date,
    }
}

// Rotation policy
//
// The rotation calls (a new version, the rotation policy) go through a client pinned to
// keyblade-core's `KEY_VAULT_DATA_API_VERSION`, so the request sent is the one the review
// showed (`{vault}/keys/{name}/rotate?api-version=7.4`), whatever version the SDK defaults to.
impl KeyVault {
    /// The key's rotation policy (Key Vault answers its default, notify 30 days before
    /// expiry, for a key that never had one).
    pub async fn get_rotation_policy(
        &self,
        vault_uri: &Url,
        key_name: &str,
    ) -> Result<keyblade_core::lifecycle::rotation::RotationPolicy, AzureError> {
        let vault = vault_name(vault_uri);
        let policy = self
            .reviewed_client(vault_uri)?
            .get_key_rotation_policy(key_name, None)
            .await
            .and_then(|response| response.into_model())
            .map_err(|e| AzureError::from_key_vault(e, &vault, "read the key's rotation policy"))?;
        Ok(policy_of(&policy))
    }

    /// Replaces the key's rotation policy with `body` (Key Vault's JSON, exactly as the
    /// plan's step carries it) and returns the policy Key Vault answered with.
    pub async fn set_rotation_policy(
        &self,
        vault_uri: &Url,
        key_name: &str,
        body: &serde_json::Value,
    ) -> Result<keyblade_core::lifecycle::rotation::RotationPolicy, AzureError> {
        let vault = vault_name(vault_uri);
        let action = "set the key's rotation policy";
        let policy: azure_security_keyvault_keys::models::KeyRotationPolicy =
            serde_json::from_value(body.clone()).map_err(|e| AzureError::InvalidInput {
                what: "The rotation policy".to_owned(),
                reason: e.to_string(),
            })?;
        let written = self
            .reviewed_client(vault_uri)?
            .update_key_rotation_policy(
                key_name,
                policy
                    .try_into()
                    .map_err(|e| AzureError::from_key_vault(e, &vault, action))?,
                None,
            )
            .await
            .and_then(|response| response.into_model())
            .map_err(|e| AzureError::from_key_vault(e, &vault, action))?;
        Ok(policy_of(&written))
    }

    /// Forgets the cached version list of a key: Key Vault's own rotation policy adds
    /// versions that no write through keyblade announces.
    pub fn forget_key_versions(&self, vault_uri: &Url, key_name: &str) {
        self.list_cache.invalidate(&cache_key(vault_uri, key_name));
    }

    /// A client for one vault on `KEY_VAULT_DATA_API_VERSION`, for the writes a review shows
    /// (new version, rotation policy, enable or disable, delete, recover), so the request sent
    /// is the one reviewed; not kept, as these calls are rare and the reads stay on the
    /// SDK's version.
    fn reviewed_client(&self, vault_uri: &Url) -> Result<KeyClient, AzureError> {
        let root = vault_root(vault_uri);
        let options = azure_security_keyvault_keys::KeyClientOptions {
            client_options: self.transport.core_options(),
            api_version: keyblade_core::preflight::KEY_VAULT_DATA_API_VERSION.to_owned(),
            ..Default::default()
        };
        KeyClient::new(&root, self.credential.core(), Some(options)).map_err(|error| {
            AzureError::InvalidInput {
                what: format!("The vault URI `{vault_uri}`"),
                reason: AzureError::from_core(error).to_string(),
            }
        })
    }
}

/// The SDK's policy in keyblade-core's terms, through Key Vault's JSON (one parser for
/// both the wire and the tests).
fn policy_of(
    policy: &azure_security_keyvault_keys::models::KeyRotationPolicy,
) -> keyblade_core::lifecycle::rotation::RotationPolicy {
    let json = serde_json::to_value(policy).unwrap_or_default();
    keyblade_core::lifecycle::rotation::RotationPolicy::from_key_vault(&json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_split_into_name_and_version() {
        assert_eq!(
            split_kid("https://v.vault.azure.net/keys/k").unwrap(),
            ("k".to_owned(), None)
        );
        assert_eq!(
            split_kid("https://v.vault.localhost:8443/keys/k/abc").unwrap(),
            ("k".to_owned(), Some("abc".to_owned()))
        );
        assert!(split_kid("https://v.vault.azure.net/secrets/k").is_err());
        assert!(split_kid("not a url").is_err());
    }

    #[test]
    fn vault_names_and_roots() {
        let uri = Url::parse("https://KB-Demo.vault.localhost:8443/keys/x?y=1").unwrap();
        assert_eq!(vault_name(&uri), "kb-demo");
        assert_eq!(vault_root(&uri), "https://kb-demo.vault.localhost:8443/");
    }
}
