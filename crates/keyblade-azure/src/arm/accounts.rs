//! Storage and Cognitive Services accounts: read into one kind-neutral [`Account`] and
//! written from one [`AccountChange`], each kind's wire shape kept here.
//!
//! The two kinds spell the same idea differently: Storage has the lower-case
//! `keyvaultproperties` (`keyvaulturi`, `keyname`, `keyversion`, an empty version meaning
//! "follow the newest") and names a user-assigned identity by resource ID
//! (`encryption.identity.userAssignedIdentity`); Cognitive Services has
//! `keyVaultProperties` (`keyVaultUri`, `keyName`, `keyVersion`) and names it by client ID
//! (`identityClientId`), and never follows new versions by itself. Both can go back to
//! Microsoft-managed keys. Raw JSON, not generated clients: keyblade needs four fields of
//! each, and the generated 0.21 crates for these services would add megabytes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use keyblade_core::ResourceId;

use super::model::{
    AttachedIdentity, EncryptionIdentity, IdentityChange, RegistryEncryption, ResourceIdentity,
    SystemAssignedIdentity,
};
use super::{Arm, json_error};
use crate::arm::lro::Progress;
use crate::error::AzureError;
use crate::paging::PageGuard;

/// The Storage API version keyblade reads and writes accounts with.
pub const STORAGE_API_VERSION: &str = "2023-05-01";
/// The Cognitive Services API version keyblade reads and writes accounts with.
pub const COGNITIVE_API_VERSION: &str = "2024-10-01";

/// Which kind of account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AccountKind {
    /// `Microsoft.Storage/storageAccounts`.
    Storage,
    /// `Microsoft.CognitiveServices/accounts` (Azure AI services).
    CognitiveServices,
}

impl AccountKind {
    /// The resource provider namespace.
    pub fn namespace(self) -> &'static str {
        match self {
            AccountKind::Storage => "Microsoft.Storage",
            AccountKind::CognitiveServices => "Microsoft.CognitiveServices",
        }
    }

    /// The resource type within the namespace.
    pub fn type_name(self) -> &'static str {
        match self {
            AccountKind::Storage => "storageAccounts",
            AccountKind::CognitiveServices => "accounts",
        }
    }

    /// The API version keyblade uses for this kind.
    pub fn api_version(self) -> &'static str {
        match self {
            AccountKind::Storage => STORAGE_API_VERSION,
            AccountKind::CognitiveServices => COGNITIVE_API_VERSION,
        }
    }

    /// The kind of a resource ID, if it is an account keyblade knows.
    pub fn of(id: &ResourceId) -> Option<AccountKind> {
        [AccountKind::Storage, AccountKind::CognitiveServices]
            .into_iter()
            .find(|kind| {
                id.namespace().eq_ignore_ascii_case(kind.namespace())
                    && id.resource_type().eq_ignore_ascii_case(kind.type_name())
            })
    }

    fn plural(self) -> &'static str {
        match self {
            AccountKind::Storage => "storage accounts",
            AccountKind::CognitiveServices => "Cognitive Services accounts",
        }
    }

    fn what(self) -> &'static str {
        match self {
            AccountKind::Storage => "a storage account",
            AccountKind::CognitiveServices => "a Cognitive Services account",
        }
    }
}

/// A Storage or Cognitive Services account as the Encryption blade shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Which kind.
    pub kind: AccountKind,
    /// The account's resource ID.
    pub id: ResourceId,
    /// The Azure region.
    pub location: String,
    /// The ETag it was read with; a save sends it as `If-Match` when there is one.
    pub etag: Option<String>,
    /// `Succeeded`, `Updating`, ... as Azure reports it.
    pub provisioning_state: Option<String>,
    /// The identities attached.
    pub identity: ResourceIdentity,
    /// How the account's data is encrypted (the same shape as a registry's).
    pub encryption: RegistryEncryption,
    /// When the key version in use expires, where the service reports it (Storage).
    #[serde(with = "time::serde::rfc3339::option")]
    pub key_expires: Option<OffsetDateTime>,
}

/// The identity an account's encryption should use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AccountIdentityChoice {
    /// The account's system-assigned identity.
    SystemAssigned,
    /// A user-assigned identity: Storage names it by resource ID, Cognitive Services by
    /// client ID, so both are given.
    #[serde(rename_all = "camelCase")]
    UserAssigned {
        /// The identity's resource ID.
        resource_id: String,
        /// The identity's client ID.
        client_id: String,
    },
}

/// How an account's data should be encrypted after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AccountEncryptionChange {
    /// Back to Microsoft-managed keys.
    MicrosoftManaged,
    /// A customer-managed key.
    #[serde(rename_all = "camelCase")]
    CustomerManaged {
        /// `https://{vault}.{suffix}/`.
        vault_uri: String,
        /// The key's name.
        key_name: String,
        /// A version pins the account to it; `None` follows the newest (Storage only:
        /// Cognitive Services needs a version).
        key_version: Option<String>,
        /// The identity that reaches the key.
        identity: AccountIdentityChoice,
    },
}

/// A change to an account, sent in one PATCH.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountChange {
    /// The identities to have afterwards (`None`: leave as is).
    pub identity: Option<IdentityChange>,
    /// The encryption to have afterwards (`None`: leave as is).
    pub encryption: Option<AccountEncryptionChange>,
}

impl Arm {
    /// The subscription's accounts of `kind`, all pages.
    pub async fn list_accounts(
        &self,
        kind: AccountKind,
        subscription_id: &str,
    ) -> Result<Vec<Account>, AzureError> {
        let path = format!(
            "/subscriptions/{subscription_id}/providers/{}/{}",
            kind.namespace(),
            kind.type_name()
        );
        let mut url = self.resource_url(&path, kind.api_version())?;
        let mut pages =
            PageGuard::starting_at(format!("the subscription's {}", kind.plural()), &url);
        let mut found = Vec::new();
        loop {
            let page = self
                .send_raw(azure_core_legacy::Method::Get, url.clone(), None, &[])
                .await?
                .json();
            for item in page["value"].as_array().into_iter().flatten() {
                found.push(account_from(kind, item, None)?);
            }
            let next = page["nextLink"].as_str();
            if !pages.after_page(next)? {
                break;
            }
            url = url::Url::parse(next.unwrap_or_default()).map_err(|e| {
                AzureError::InvalidResponse {
                    what: format!("the list of {}", kind.plural()),
                    reason: format!("its nextLink is not a URL: {e}"),
                }
            })?;
        }
        found.sort_by_key(|account| account.id.name().to_ascii_lowercase());
        Ok(found)
    }

    /// Reads an account fresh (a save needs its current state and ETag).
    pub async fn get_account(&self, id: &ResourceId) -> Result<Account, AzureError> {
        let kind = AccountKind::of(id).ok_or_else(|| AzureError::InvalidInput {
            what: format!("The resource {id}"),
            reason: "it is neither a storage account nor a Cognitive Services account".to_owned(),
        })?;
        let url = self.resource_url(id.as_str(), kind.api_version())?;
        let raw = self
            .send_raw(azure_core_legacy::Method::Get, url, None, &[])
            .await?;
        let value: Value =
            serde_json::from_slice(&raw.body).map_err(|e| json_error(kind.what(), e))?;
        let etag = raw.header("etag").map(str::to_owned);
        account_from(kind, &value, etag)
    }

    /// Changes an account's identity and/or encryption in one PATCH (with `If-Match` when
    /// the account was read with an ETag), follows the operation if Azure makes it one,
    /// and returns the account as read back afterwards.
    pub async fn update_account(
        &self,
        account: &Account,
        change: &AccountChange,
        progress: &dyn Progress,
    ) -> Result<Account, AzureError> {
        let body = serde_json::to_vec(&account_update_body(account.kind, change))
            .map_err(|e| AzureError::Other(format!("cannot encode the change: {e}")))?;
        let url = self.resource_url(account.id.as_str(), account.kind.api_version())?;
        let operation = format!("Update {}", account.id.name());
        let headers: Vec<(&'static str, &str)> = account
            .etag
            .as_deref()
            .map(|etag| ("if-match", etag))
            .into_iter()
            .collect();
        let first = self
            .send_raw(
                azure_core_legacy::Method::Patch,
                url.clone(),
                Some(body),
                &headers,
            )
            .await?;
        progress.report(crate::arm::lro::ProgressUpdate::Submitted {
            operation: operation.clone(),
        });
        self.await_operation(&operation, &first, &url, progress)
            .await?;
        self.get_account(&account.id).await
    }
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
        .filter(|s| !s.is_empty())
}

fn field<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn timestamp(value: Option<&str>) -> Option<OffsetDateTime> {
    value.and_then(|text| {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
    })
}

fn identity_from(value: &Value) -> ResourceIdentity {
    let Some(identity) = field(value, "identity") else {
        return ResourceIdentity::default();
    };
    let kind = text(identity, "type")
        .unwrap_or("None")
        .to_ascii_lowercase();
    let system_assigned = kind
        .contains("systemassigned")
        .then(|| SystemAssignedIdentity {
            principal_id: text(identity, "principalId").map(str::to_owned),
            tenant_id: text(identity, "tenantId").map(str::to_owned),
        });
    let user_assigned = field(identity, "userAssignedIdentities")
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(resource_id, details)| AttachedIdentity {
                    resource_id: resource_id.clone(),
                    principal_id: text(details, "principalId").map(str::to_owned),
                    client_id: text(details, "clientId").map(str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default();
    ResourceIdentity {
        system_assigned,
        user_assigned,
    }
}

fn key_uri(vault_uri: &str, key_name: &str, version: Option<&str>) -> String {
    let vault = vault_uri.trim_end_matches('/');
    match version {
        Some(version) => format!("{vault}/keys/{key_name}/{version}"),
        None => format!("{vault}/keys/{key_name}"),
    }
}

/// An account from its Resource Manager JSON.
pub(crate) fn account_from(
    kind: AccountKind,
    value: &Value,
    etag: Option<String>,
) -> Result<Account, AzureError> {
    let invalid = |reason: &str| AzureError::InvalidResponse {
        what: kind.what().to_owned(),
        reason: reason.to_owned(),
    };
    let id = ResourceId::parse(text(value, "id").ok_or_else(|| invalid("it has no id"))?)?;
    let identity = identity_from(value);
    let properties = field(value, "properties").cloned().unwrap_or(Value::Null);
    let encryption = field(&properties, "encryption")
        .cloned()
        .unwrap_or(Value::Null);
    let key_source = text(&encryption, "keySource").unwrap_or_default();
    let customer_managed = key_source.eq_ignore_ascii_case("Microsoft.KeyVault");
    let mut key_expires = None;
    let encryption = if !customer_managed {
        RegistryEncryption::MicrosoftManaged
    } else {
        let properties = field(&encryption, "keyVaultProperties")
            .cloned()
            .unwrap_or(Value::Null);
        let vault_uri =
            text(&properties, "keyVaultUri").ok_or_else(|| invalid("its key has no vault URI"))?;
        let key_name =
            text(&properties, "keyName").ok_or_else(|| invalid("its key has no name"))?;
        let version = text(&properties, "keyVersion");
        let attached = |matches: &dyn Fn(&AttachedIdentity) -> bool| {
            identity.user_assigned.iter().find(|a| matches(a)).cloned()
        };
        let (used_identity, follows_latest, versioned, last_rotation) = match kind {
            AccountKind::Storage => {
                key_expires =
                    timestamp(text(&properties, "currentVersionedKeyExpirationTimestamp"));
                let user = field(&encryption, "identity")
                    .and_then(|i| text(i, "userAssignedIdentity"))
                    .map(str::to_owned);
                let used = match user {
                    Some(resource_id) => {
                        let found = attached(&|a| a.resource_id.eq_ignore_ascii_case(&resource_id));
                        EncryptionIdentity::UserAssigned {
                            client_id: found.and_then(|a| a.client_id).unwrap_or_default(),
                            resource_id: Some(resource_id),
                        }
                    }
                    None => EncryptionIdentity::SystemAssigned {
                        client_id: "system".to_owned(),
                    },
                };
                (
                    used,
                    version.is_none(),
                    text(&properties, "currentVersionedKeyIdentifier")
                        .map(str::to_owned)
                        .or_else(|| version.map(|v| key_uri(vault_uri, key_name, Some(v)))),
                    timestamp(text(&properties, "lastKeyRotationTimestamp")),
                )
            }
            AccountKind::CognitiveServices => {
                let used = match text(&properties, "identityClientId") {
                    Some(client_id) => EncryptionIdentity::UserAssigned {
                        client_id: client_id.to_owned(),
                        resource_id: attached(&|a| {
                            a.client_id
                                .as_deref()
                                .is_some_and(|c| c.eq_ignore_ascii_case(client_id))
                        })
                        .map(|a| a.resource_id),
                    },
                    None => EncryptionIdentity::SystemAssigned {
                        client_id: "system".to_owned(),
                    },
                };
                (
                    used,
                    false,
                    version.map(|v| key_uri(vault_uri, key_name, Some(v))),
                    None,
                )
            }
        };
        RegistryEncryption::CustomerManaged {
            key_identifier: key_uri(vault_uri, key_name, version),
            versioned_key_identifier: versioned,
            identity: used_identity,
            key_rotation_enabled: follows_latest,
            last_key_rotation: last_rotation,
        }
    };
    Ok(Account {
        kind,
        id,
        location: text(value, "location").unwrap_or_default().to_owned(),
        etag: etag.or_else(|| text(value, "etag").map(str::to_owned)),
        provisioning_state: text(&properties, "provisioningState").map(str::to_owned),
        identity,
        encryption,
        key_expires,
    })
}

/// The PATCH body of a change, in the kind's own spelling.
pub(crate) fn account_update_body(kind: AccountKind, change: &AccountChange) -> Value {
    let mut body = Map::new();
    if let Some(identity) = &change.identity {
        let kind_text = match (identity.system_assigned, identity.user_assigned.is_empty()) {
            (true, true) => "SystemAssigned",
            // Storage spells the pair without a space, Cognitive Services with one.
            (true, false) if kind == AccountKind::Storage => "SystemAssigned,UserAssigned",
            (true, false) => "SystemAssigned, UserAssigned",
            (false, false) => "UserAssigned",
            (false, true) => "None",
        };
        let mut value = json!({ "type": kind_text });
        if !identity.user_assigned.is_empty() {
            // PATCH merges the map: a `null` entry detaches an identity.
            let attached: Map<String, Value> = identity
                .user_assigned
                .iter()
                .map(|id| (id.clone(), json!({})))
                .chain(identity.detach.iter().map(|id| (id.clone(), Value::Null)))
                .collect();
            value["userAssignedIdentities"] = Value::Object(attached);
        }
        body.insert("identity".to_owned(), value);
    }
    if let Some(encryption) = &change.encryption {
        let value = match (kind, encryption) {
            (AccountKind::Storage, AccountEncryptionChange::MicrosoftManaged) => json!({
                "keySource": "Microsoft.Storage",
                "services": storage_services(),
            }),
            (AccountKind::CognitiveServices, AccountEncryptionChange::MicrosoftManaged) => {
                json!({ "keySource": "Microsoft.CognitiveServices" })
            }
            (
                AccountKind::Storage,
                AccountEncryptionChange::CustomerManaged {
                    vault_uri,
                    key_name,
                    key_version,
                    identity,
                },
            ) => {
                let mut value = json!({
                    "keySource": "Microsoft.Keyvault",
                    "keyvaultproperties": {
                        "keyvaulturi": vault_uri,
                        "keyname": key_name,
                        // Empty: follow the newest version.
                        "keyversion": key_version.clone().unwrap_or_default(),
                    },
                    "services": storage_services(),
                });
                value["identity"] = match identity {
                    AccountIdentityChoice::UserAssigned { resource_id, .. } => {
                        json!({ "userAssignedIdentity": resource_id })
                    }
                    // An empty identity clears a user-assigned one: the system identity.
                    AccountIdentityChoice::SystemAssigned => json!({ "userAssignedIdentity": "" }),
                };
                value
            }
            (
                AccountKind::CognitiveServices,
                AccountEncryptionChange::CustomerManaged {
                    vault_uri,
                    key_name,
                    key_version,
                    identity,
                },
            ) => {
                let mut properties = json!({
                    "keyVaultUri": vault_uri,
                    "keyName": key_name,
                    "keyVersion": key_version.clone().unwrap_or_default(),
                });
                if let AccountIdentityChoice::UserAssigned { client_id, .. } = identity {
                    properties["identityClientId"] = json!(client_id);
                }
                json!({ "keySource": "Microsoft.KeyVault", "keyVaultProperties": properties })
            }
        };
        body.insert("properties".to_owned(), json!({ "encryption": value }));
    }
    Value::Object(body)
}

/// Blob and file encryption on, with account-scoped keys: what the portal sends.
fn storage_services() -> Value {
    json!({
        "blob": { "enabled": true, "keyType": "Account" },
        "file": { "enabled": true, "keyType": "Account" },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORAGE: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1";

    #[test]
    fn a_storage_account_that_follows_the_newest_version() {
        let account = account_from(
            AccountKind::Storage,
            &json!({
                "id": STORAGE, "location": "eastus",
                "identity": {"type": "SystemAssigned", "principalId": "p", "tenantId": "t"},
                "properties": {"encryption": {
                    "keySource": "Microsoft.Keyvault",
                    "keyvaultproperties": {
                        "keyvaulturi": "https://kv1.vault.azure.net/", "keyname": "k", "keyversion": "",
                        "currentVersionedKeyIdentifier": "https://kv1.vault.azure.net/keys/k/abc",
                        "lastKeyRotationTimestamp": "2026-01-02T03:04:05Z",
                        "currentVersionedKeyExpirationTimestamp": "2027-01-02T03:04:05Z"
                    }
                }}
            }),
            None,
        )
        .unwrap();
        let RegistryEncryption::CustomerManaged {
            key_identifier,
            versioned_key_identifier,
            key_rotation_enabled,
            identity,
            ..
        } = &account.encryption
        else {
            panic!("customer-managed");
        };
        assert_eq!(key_identifier, "https://kv1.vault.azure.net/keys/k");
        assert_eq!(
            versioned_key_identifier.as_deref(),
            Some("https://kv1.vault.azure.net/keys/k/abc")
        );
        assert!(key_rotation_enabled);
        assert!(matches!(
            identity,
            EncryptionIdentity::SystemAssigned { .. }
        ));
        assert!(account.key_expires.is_some());
    }

    #[test]
    fn each_kind_writes_its_own_spelling() {
        let change = AccountChange {
            identity: None,
            encryption: Some(AccountEncryptionChange::CustomerManaged {
                vault_uri: "https://kv1.vault.azure.net/".to_owned(),
                key_name: "k".to_owned(),
                key_version: None,
                identity: AccountIdentityChoice::UserAssigned {
                    resource_id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1".to_owned(),
                    client_id: "c1".to_owned(),
                },
            }),
        };
        let storage = account_update_body(AccountKind::Storage, &change);
        let encryption = &storage["properties"]["encryption"];
        assert_eq!(encryption["keySource"], "Microsoft.Keyvault");
        assert_eq!(encryption["keyvaultproperties"]["keyversion"], "");
        assert!(
            encryption["identity"]["userAssignedIdentity"]
                .as_str()
                .unwrap()
                .ends_with("/id1")
        );
        let cognitive = account_update_body(AccountKind::CognitiveServices, &change);
        let encryption = &cognitive["properties"]["encryption"];
        assert_eq!(encryption["keySource"], "Microsoft.KeyVault");
        assert_eq!(encryption["keyVaultProperties"]["identityClientId"], "c1");
        let off = AccountChange {
            identity: None,
            encryption: Some(AccountEncryptionChange::MicrosoftManaged),
        };
        assert_eq!(
            account_update_body(AccountKind::CognitiveServices, &off)["properties"]["encryption"]["keySource"],
            "Microsoft.CognitiveServices"
        );
        assert_eq!(
            account_update_body(AccountKind::Storage, &off)["properties"]["encryption"]["keySource"],
            "Microsoft.Storage"
        );
    }
}
