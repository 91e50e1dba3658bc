//! The one seam per kind: a resource whose encryption keyblade manages, read into one shape
//! ([`EncryptedResource`]) and written through its kind's own client call.
//!
//! Everything else in the Encryption path (the view, the facts, preflight and save) works
//! on this shape and on keyblade-core's kind rules. Registries keep their typed PATCH
//! ([`crate::arm::Arm::update_registry`]); Storage and Cognitive Services accounts go through
//! [`crate::arm::Arm::update_account`].

use serde_json::Value;

use keyblade_core::preflight::PlanStep;
use keyblade_core::{ResourceId, ResourceKind};

use crate::Session;
use crate::arm::accounts::{
    Account, AccountChange, AccountEncryptionChange, AccountIdentityChoice, AccountKind,
};
use crate::arm::lro::Progress;
use crate::arm::model::{
    EncryptionChange, EncryptionIdentity, EncryptionIdentityChoice, IdentityChange, Registry,
    RegistryChange, RegistryEncryption, ResourceIdentity,
};
use crate::error::AzureError;

/// A resource whose encryption keyblade manages, as read.
#[derive(Debug, Clone)]
pub(crate) enum EncryptedResource {
    /// A container registry.
    Registry(Registry),
    /// A Storage or Cognitive Services account.
    Account(Account),
}

/// The resource as read now, with the tenant of its subscription.
#[derive(Debug, Clone)]
pub(crate) struct ResourceRead {
    pub resource: EncryptedResource,
    pub tenant_id: String,
}

impl EncryptedResource {
    /// keyblade-core's kind, which decides the rules.
    pub fn kind(&self) -> ResourceKind {
        match self {
            EncryptedResource::Registry(_) => ResourceKind::ContainerRegistry,
            EncryptedResource::Account(account) => match account.kind {
                AccountKind::Storage => ResourceKind::StorageAccount,
                AccountKind::CognitiveServices => ResourceKind::CognitiveServicesAccount,
            },
        }
    }

    /// The resource's ID.
    pub fn id(&self) -> &ResourceId {
        match self {
            EncryptedResource::Registry(r) => &r.id,
            EncryptedResource::Account(a) => &a.id,
        }
    }

    /// The Azure region.
    pub fn location(&self) -> &str {
        match self {
            EncryptedResource::Registry(r) => &r.location,
            EncryptedResource::Account(a) => &a.location,
        }
    }

    /// The pricing tier, where keyblade reads one (registries).
    pub fn sku(&self) -> Option<&str> {
        match self {
            EncryptedResource::Registry(r) => Some(&r.sku),
            EncryptedResource::Account(_) => None,
        }
    }

    /// The ETag it was read with.
    pub fn etag(&self) -> Option<&str> {
        match self {
            EncryptedResource::Registry(r) => r.etag.as_deref(),
            EncryptedResource::Account(a) => a.etag.as_deref(),
        }
    }

    /// The same resource, to be written with `etag` as `If-Match`.
    pub fn with_etag(mut self, etag: &str) -> EncryptedResource {
        match &mut self {
            EncryptedResource::Registry(r) => r.etag = Some(etag.to_owned()),
            // Accounts the service reads without an ETag are written without If-Match.
            EncryptedResource::Account(a) => {
                if a.etag.is_some() {
                    a.etag = Some(etag.to_owned());
                }
            }
        }
        self
    }

    /// `provisioningState` as Azure reports it.
    pub fn provisioning_state(&self) -> Option<&str> {
        match self {
            EncryptedResource::Registry(r) => r.provisioning_state.as_deref(),
            EncryptedResource::Account(a) => a.provisioning_state.as_deref(),
        }
    }

    /// The identities attached.
    pub fn identity(&self) -> &ResourceIdentity {
        match self {
            EncryptedResource::Registry(r) => &r.identity,
            EncryptedResource::Account(a) => &a.identity,
        }
    }

    /// How the data is encrypted.
    pub fn encryption(&self) -> &RegistryEncryption {
        match self {
            EncryptedResource::Registry(r) => &r.encryption,
            EncryptedResource::Account(a) => &a.encryption,
        }
    }

    /// The kind's short name for sentences: `registry`, `storage account`, ...
    pub fn noun(&self) -> &'static str {
        keyblade_core::kind::KindRules::of(self.kind()).short_name
    }

    /// Changes the attached identities (one write, `If-Match` when there is an ETag);
    /// returns the resource as read back.
    pub async fn update_identity(
        &self,
        session: &Session,
        identity: IdentityChange,
        progress: &dyn Progress,
    ) -> Result<EncryptedResource, AzureError> {
        match self {
            EncryptedResource::Registry(registry) => {
                let change = RegistryChange {
                    identity: Some(identity),
                    encryption: None,
                };
                session
                    .arm
                    .update_registry(registry, &change, progress)
                    .await
                    .map(EncryptedResource::Registry)
            }
            EncryptedResource::Account(account) => {
                let change = AccountChange {
                    identity: Some(identity),
                    encryption: None,
                };
                session
                    .arm
                    .update_account(account, &change, progress)
                    .await
                    .map(EncryptedResource::Account)
            }
        }
    }

    /// Runs a `SetEncryptionKey` or `UseMicrosoftManagedKeys` step (its body already
    /// substituted) through the kind's client call; returns the resource as read back.
    pub async fn write_encryption(
        &self,
        session: &Session,
        step: &PlanStep,
        body: &Value,
        progress: &dyn Progress,
    ) -> Result<EncryptedResource, AzureError> {
        match self {
            EncryptedResource::Registry(registry) => {
                let change = registry_key_change(step, body)?;
                session
                    .arm
                    .update_registry(registry, &change, progress)
                    .await
                    .map(EncryptedResource::Registry)
            }
            EncryptedResource::Account(account) => {
                let change = AccountChange {
                    identity: None,
                    encryption: Some(account_encryption_change(account, step, body)?),
                };
                session
                    .arm
                    .update_account(account, &change, progress)
                    .await
                    .map(EncryptedResource::Account)
            }
        }
    }
}

/// Parses the ID of a resource keyblade manages encryption for: a registry, a storage
/// account or a Cognitive Services account.
pub(crate) fn parse_resource_id(text: &str) -> Result<ResourceId, AzureError> {
    let id = ResourceId::parse(text)?;
    let registry = id
        .namespace()
        .eq_ignore_ascii_case("Microsoft.ContainerRegistry")
        && id.resource_type().eq_ignore_ascii_case("registries");
    if registry || AccountKind::of(&id).is_some() {
        return Ok(id);
    }
    Err(AzureError::InvalidInput {
        what: format!("The resource ID `{text}`"),
        reason: format!(
            "it names a {}/{}, and keyblade manages encryption only for container registries, \
             storage accounts and Cognitive Services accounts; pick one of those",
            id.namespace(),
            id.resource_type()
        ),
    })
}

/// Reads the resource fresh (its ETag guards a save), by its kind's client call.
pub(crate) async fn get_resource(
    session: &Session,
    id: &ResourceId,
) -> Result<EncryptedResource, AzureError> {
    if AccountKind::of(id).is_some() {
        session
            .arm
            .get_account(id)
            .await
            .map(EncryptedResource::Account)
    } else {
        session
            .arm
            .get_registry(id)
            .await
            .map(EncryptedResource::Registry)
    }
}

/// The value the kind stores for the identity, as the planner compares it: `system`, or
/// the user-assigned identity as the kind names it (a client ID; Storage: a resource ID).
pub(crate) fn stored_identity_value(kind: ResourceKind, identity: &EncryptionIdentity) -> String {
    match identity {
        EncryptionIdentity::SystemAssigned { .. } => "system".to_owned(),
        EncryptionIdentity::UserAssigned {
            resource_id: Some(resource_id),
            ..
        } if kind == ResourceKind::StorageAccount => resource_id.clone(),
        EncryptionIdentity::UserAssigned { client_id, .. } => client_id.clone(),
    }
}

fn step_error(step: &PlanStep, reason: &str) -> AzureError {
    AzureError::Other(format!(
        "keyblade could not run the step \"{}\": {reason}. This is a keyblade bug; please \
         report it.",
        step.title
    ))
}

/// The value of the first of `keys` (any case) in `value`.
fn text_of<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a str> {
    let object = value.as_object()?;
    keys.iter().find_map(|key| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_str())
    })
}

fn field_of<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// A registry's key step as its typed change.
fn registry_key_change(step: &PlanStep, body: &Value) -> Result<RegistryChange, AzureError> {
    let key_vault = body
        .pointer("/properties/encryption/keyVaultProperties")
        .ok_or_else(|| step_error(step, "its body has no keyVaultProperties"))?;
    let identity = text_of(key_vault, &["identity"])
        .ok_or_else(|| step_error(step, "its body names no identity"))?;
    let key_identifier = text_of(key_vault, &["keyIdentifier"])
        .ok_or_else(|| step_error(step, "its body has no keyIdentifier"))?;
    Ok(RegistryChange {
        identity: None,
        encryption: Some(EncryptionChange {
            key_identifier: key_identifier.to_owned(),
            identity: if identity.eq_ignore_ascii_case("system") {
                EncryptionIdentityChoice::SystemAssigned
            } else {
                EncryptionIdentityChoice::UserAssigned {
                    client_id: identity.to_owned(),
                }
            },
        }),
    })
}

/// An account's encryption step (in either kind's spelling) as the typed change.
fn account_encryption_change(
    account: &Account,
    step: &PlanStep,
    body: &Value,
) -> Result<AccountEncryptionChange, AzureError> {
    let encryption = body
        .pointer("/properties/encryption")
        .ok_or_else(|| step_error(step, "its body has no encryption"))?;
    let key_source = text_of(encryption, &["keySource"]).unwrap_or_default();
    if !key_source.eq_ignore_ascii_case("Microsoft.KeyVault") {
        return Ok(AccountEncryptionChange::MicrosoftManaged);
    }
    let properties = field_of(encryption, "keyVaultProperties")
        .ok_or_else(|| step_error(step, "its body has no key vault properties"))?;
    let vault_uri = text_of(properties, &["keyVaultUri"])
        .ok_or_else(|| step_error(step, "its body has no vault URI"))?;
    let key_name = text_of(properties, &["keyName"])
        .ok_or_else(|| step_error(step, "its body has no key name"))?;
    let key_version = text_of(properties, &["keyVersion"])
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    // Storage names a user-assigned identity by resource ID, Cognitive Services by client
    // ID; the other ID is looked up among the attached identities.
    let by_resource = field_of(encryption, "identity")
        .and_then(|i| text_of(i, &["userAssignedIdentity"]))
        .filter(|id| !id.is_empty());
    let by_client = text_of(properties, &["identityClientId"]).filter(|id| !id.is_empty());
    let attached = &account.identity.user_assigned;
    let identity = match (by_resource, by_client) {
        (Some(resource_id), _) => AccountIdentityChoice::UserAssigned {
            resource_id: resource_id.to_owned(),
            client_id: attached
                .iter()
                .find(|a| a.resource_id.eq_ignore_ascii_case(resource_id))
                .and_then(|a| a.client_id.clone())
                .unwrap_or_default(),
        },
        (None, Some(client_id)) => AccountIdentityChoice::UserAssigned {
            resource_id: attached
                .iter()
                .find(|a| {
                    a.client_id
                        .as_deref()
                        .is_some_and(|c| c.eq_ignore_ascii_case(client_id))
                })
                .map(|a| a.resource_id.clone())
                .unwrap_or_default(),
            client_id: client_id.to_owned(),
        },
        (None, None) => AccountIdentityChoice::SystemAssigned,
    };
    Ok(AccountEncryptionChange::CustomerManaged {
        vault_uri: vault_uri.to_owned(),
        key_name: key_name.to_owned(),
        key_version,
        identity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::model::AttachedIdentity;
    use serde_json::json;

    const UAI: &str = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1";

    fn account(kind: AccountKind, id: &str) -> Account {
        Account {
            kind,
            id: ResourceId::parse(id).unwrap(),
            location: "eastus".to_owned(),
            etag: None,
            provisioning_state: None,
            identity: ResourceIdentity {
                system_assigned: None,
                user_assigned: vec![AttachedIdentity {
                    resource_id: UAI.to_owned(),
                    principal_id: Some("p1".to_owned()),
                    client_id: Some("c1".to_owned()),
                }],
            },
            encryption: RegistryEncryption::MicrosoftManaged,
            key_expires: None,
        }
    }

    fn step(body: Value) -> PlanStep {
        PlanStep {
            kind: keyblade_core::preflight::StepKind::SetEncryptionKey,
            title: "t".to_owned(),
            method: keyblade_core::preflight::HttpMethod::Patch,
            path: String::new(),
            body,
            body_summary: String::new(),
            az_command: String::new(),
            placeholders: Vec::new(),
        }
    }

    /// A key step in each kind's spelling (as keyblade-core writes it) becomes the same
    /// typed change, with both IDs of the identity filled in from the attached identities.
    #[test]
    fn each_kinds_key_step_becomes_its_typed_change() {
        let storage = account(
            AccountKind::Storage,
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/st1",
        );
        let cognitive = account(
            AccountKind::CognitiveServices,
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/c1",
        );
        let cases = [
            (
                &storage,
                json!({"properties": {"encryption": {
                    "keySource": "Microsoft.Keyvault",
                    "keyvaultproperties": {"keyvaulturi": "https://kv1.vault.azure.net", "keyname": "k", "keyversion": ""},
                    "identity": {"userAssignedIdentity": UAI}
                }}}),
                None,
            ),
            (
                &cognitive,
                json!({"properties": {"encryption": {
                    "keySource": "Microsoft.KeyVault",
                    "keyVaultProperties": {"keyVaultUri": "https://kv1.vault.azure.net/", "keyName": "k",
                        "keyVersion": "v1", "identityClientId": "c1"}
                }}}),
                Some("v1"),
            ),
        ];
        for (account, body, version) in cases {
            let kind = account.kind;
            let change = account_encryption_change(account, &step(body.clone()), &body).unwrap();
            let AccountEncryptionChange::CustomerManaged {
                vault_uri,
                key_name,
                key_version,
                identity,
            } = change
            else {
                panic!("{kind:?}: customer-managed");
            };
            assert!(
                vault_uri.starts_with("https://kv1.vault.azure.net"),
                "{kind:?}"
            );
            assert_eq!(key_name, "k");
            assert_eq!(key_version.as_deref(), version, "{kind:?}");
            assert_eq!(
                identity,
                AccountIdentityChoice::UserAssigned {
                    resource_id: UAI.to_owned(),
                    client_id: "c1".to_owned(),
                },
                "{kind:?}"
            );
        }
        let off = json!({"properties": {"encryption": {"keySource": "Microsoft.Storage"}}});
        assert_eq!(
            account_encryption_change(&storage, &step(off.clone()), &off).unwrap(),
            AccountEncryptionChange::MicrosoftManaged
        );
        let system = json!({"properties": {"encryption": {
            "keySource": "Microsoft.Keyvault",
            "keyvaultproperties": {"keyvaulturi": "https://kv1.vault.azure.net", "keyname": "k", "keyversion": ""},
            "identity": {}
        }}});
        assert!(matches!(
            account_encryption_change(&storage, &step(system.clone()), &system).unwrap(),
            AccountEncryptionChange::CustomerManaged {
                identity: AccountIdentityChoice::SystemAssigned,
                ..
            }
        ));
    }

    #[test]
    fn only_managed_kinds_are_accepted() {
        assert!(parse_resource_id(UAI).is_err());
        assert!(
            parse_resource_id(
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r"
            )
            .is_ok()
        );
    }

    #[test]
    fn child_and_slashless_ids_are_refused_clearly() {
        // A child of a registry parses as an ID, but is no registry: its type says so.
        let child = parse_resource_id(
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r/replications/westus",
        )
        .unwrap_err();
        assert!(
            child
                .to_string()
                .contains("Microsoft.ContainerRegistry/registries/replications"),
            "{child}"
        );
        // Every ID keyblade passes comes from Resource Manager with its leading `/`; one
        // without is refused as input rather than guessed at.
        let slashless = parse_resource_id(
            "subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r",
        )
        .unwrap_err();
        assert!(
            matches!(slashless, AzureError::InvalidInput { .. }),
            "{slashless:?}"
        );
    }

    #[test]
    fn storage_names_a_user_assigned_identity_by_resource_id() {
        let identity = EncryptionIdentity::UserAssigned {
            client_id: "c1".to_owned(),
            resource_id: Some(UAI.to_owned()),
        };
        assert_eq!(
            stored_identity_value(ResourceKind::StorageAccount, &identity),
            UAI
        );
        assert_eq!(
            stored_identity_value(ResourceKind::CognitiveServicesAccount, &identity),
            "c1"
        );
    }
}
