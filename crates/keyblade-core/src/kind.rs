//! The kinds of resource keyblade manages keys for, and what differs between them, as
//! one table ([`KindRules::ALL`]).
//!
//! Every per-service difference the planner (and the UI's description of what a kind can
//! do) depends on lives here, so supporting a service's quirk means changing a row, not
//! hunting for `match` arms.

use serde::{Deserialize, Serialize};

use crate::preflight::Severity;

/// The kinds of resource whose encryption keyblade manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum ResourceKind {
    /// Azure Container Registry (`Microsoft.ContainerRegistry/registries`).
    ContainerRegistry = 0,
    /// Azure AI services (`Microsoft.CognitiveServices/accounts`).
    CognitiveServicesAccount = 1,
    /// A storage account (`Microsoft.Storage/storageAccounts`).
    StorageAccount = 2,
}

impl ResourceKind {
    /// Every kind, in the order of [`KindRules::ALL`].
    pub const ALL: [ResourceKind; 3] = [
        ResourceKind::ContainerRegistry,
        ResourceKind::CognitiveServicesAccount,
        ResourceKind::StorageAccount,
    ];

    /// The ARM type, e.g. `Microsoft.ContainerRegistry/registries`.
    pub fn arm_type(self) -> &'static str {
        KindRules::of(self).arm_type
    }

    /// How the UI and messages name it.
    pub fn display_name(self) -> &'static str {
        KindRules::of(self).display_name
    }
}

/// How the kind's ARM body names the key (`properties.encryption…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum BodyShape {
    /// Container Registry: `status: enabled`, `keyVaultProperties {keyIdentifier, identity}`
    /// with the full key URI and `system` or a client ID.
    RegistryKeyVaultProperties,
    /// Azure AI services: `keySource`, `keyVaultProperties {keyVaultUri, keyName,
    /// keyVersion, identityClientId}` (no client ID for the system-assigned identity).
    CognitiveKeyVaultProperties,
    /// Storage: `keySource`, `keyvaultproperties {keyvaulturi, keyname, keyversion}` (all
    /// lower case; an empty version follows new versions) and
    /// `identity.userAssignedIdentity` (a resource ID).
    StorageKeyvaultproperties,
}

/// How the kind's stored encryption names the identity that reaches the key, which is
/// what [`crate::preflight::CurrentEncryption::CustomerManaged::identity`] holds (or
/// `system` for the system-assigned identity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum IdentityReference {
    /// The user-assigned identity's client ID (registry, Azure AI services).
    ClientId,
    /// The user-assigned identity's resource ID (storage).
    ResourceId,
}

/// What a service allows and needs for a customer-managed key. One row per
/// [`ResourceKind`]; serialisable so the UI can describe a kind's capabilities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KindRules {
    /// The kind this row is about.
    pub kind: ResourceKind,
    /// The ARM resource type.
    pub arm_type: &'static str,
    /// How messages name one, e.g. `storage account`.
    pub display_name: &'static str,
    /// How a step's title names one, e.g. `registry`.
    pub short_name: &'static str,
    /// The API version of the resource's reads and writes.
    pub api_version: &'static str,
    /// Whether the system-assigned identity can reach the key.
    pub system_assigned_identity: bool,
    /// Whether a user-assigned identity can reach the key.
    pub user_assigned_identity: bool,
    /// How the stored encryption names a user-assigned identity.
    pub identity_reference: IdentityReference,
    /// Whether the service moves to a key's new versions by itself when the key is given
    /// without a version. Azure AI services does not: it keeps the version it was given.
    pub follows_new_versions: bool,
    /// Whether the resource can go back to Microsoft-managed keys. A registry cannot:
    /// its encryption is fixed at creation.
    pub can_disable: bool,
    /// Whether a customer-managed key can be turned on after creation.
    pub can_enable_after_creation: bool,
    /// `encryption.keySource` for a customer-managed key (Storage spells it
    /// `Microsoft.Keyvault`); `None` when the kind has no key source (a registry has
    /// `encryption.status`).
    pub key_vault_key_source: Option<&'static str>,
    /// `encryption.keySource` for Microsoft-managed keys.
    pub platform_key_source: Option<&'static str>,
    /// Whether the vault must be in the resource's tenant.
    pub vault_same_tenant: bool,
    /// Whether the vault must be in the resource's region.
    pub vault_same_region: bool,
    /// The shape of the body that sets the key.
    pub body_shape: BodyShape,
    /// The Azure CLI command that sets (or removes) the key.
    pub az_set_key: &'static [&'static str],
    /// The Azure CLI command that turns the system-assigned identity on.
    pub az_assign_identity: &'static [&'static str],
    /// The Azure CLI command that shows the resource's identity, and the `--query` that
    /// picks its principal ID from the answer.
    pub az_show_identity: &'static [&'static str],
    /// `--query` for [`az_show_identity`](Self::az_show_identity).
    pub az_principal_id_query: &'static str,
    /// How much a vault without soft delete matters.
    pub soft_delete: Severity,
    /// How much a vault without purge protection matters.
    pub purge_protection: Severity,
    /// Whether a user-assigned identity passes a vault firewall's trusted-services
    /// exception (for these services only the system-assigned identity does).
    pub user_assigned_is_trusted_service: bool,
    /// When the service picks up a new key version, in words (`within an hour`).
    pub automatic_rotation: &'static str,
}

impl KindRules {
    /// The rules of every kind, indexed by the kind's discriminant.
    pub const ALL: [KindRules; 3] = [
        // ACR recommends purge protection and relies on soft delete being on (the
        // default); neither is enforced by the service.
        KindRules {
            kind: ResourceKind::ContainerRegistry,
            arm_type: "Microsoft.ContainerRegistry/registries",
            display_name: "container registry",
            short_name: "registry",
            api_version: crate::preflight::CONTAINER_REGISTRY_API_VERSION,
            system_assigned_identity: true,
            user_assigned_identity: true,
            identity_reference: IdentityReference::ClientId,
            follows_new_versions: true,
            can_disable: false,
            can_enable_after_creation: false,
            key_vault_key_source: None,
            platform_key_source: None,
            vault_same_tenant: true,
            vault_same_region: false,
            body_shape: BodyShape::RegistryKeyVaultProperties,
            az_set_key: &["az", "acr", "encryption", "rotate-key"],
            az_assign_identity: &["az", "acr", "identity", "assign"],
            az_show_identity: &["az", "acr", "identity", "show"],
            az_principal_id_query: "principalId",
            soft_delete: Severity::Warning,
            purge_protection: Severity::Warning,
            user_assigned_is_trusted_service: false,
            automatic_rotation: "within an hour",
        },
        // Storage and Azure AI services refuse a vault without both protections.
        KindRules {
            kind: ResourceKind::CognitiveServicesAccount,
            arm_type: "Microsoft.CognitiveServices/accounts",
            display_name: "Azure AI services account",
            short_name: "Azure AI services account",
            api_version: crate::preflight::COGNITIVE_SERVICES_API_VERSION,
            system_assigned_identity: true,
            user_assigned_identity: true,
            identity_reference: IdentityReference::ClientId,
            follows_new_versions: false,
            can_disable: true,
            can_enable_after_creation: true,
            key_vault_key_source: Some("Microsoft.KeyVault"),
            platform_key_source: Some("Microsoft.CognitiveServices"),
            vault_same_tenant: true,
            vault_same_region: true,
            body_shape: BodyShape::CognitiveKeyVaultProperties,
            az_set_key: &["az", "cognitiveservices", "account", "update"],
            az_assign_identity: &["az", "cognitiveservices", "account", "identity", "assign"],
            az_show_identity: &["az", "cognitiveservices", "account", "identity", "show"],
            az_principal_id_query: "principalId",
            soft_delete: Severity::Error,
            purge_protection: Severity::Error,
            user_assigned_is_trusted_service: false,
            automatic_rotation: "when the service next checks the vault",
        },
        KindRules {
            kind: ResourceKind::StorageAccount,
            arm_type: "Microsoft.Storage/storageAccounts",
            display_name: "storage account",
            short_name: "storage account",
            api_version: crate::preflight::STORAGE_API_VERSION,
            system_assigned_identity: true,
            user_assigned_identity: true,
            identity_reference: IdentityReference::ResourceId,
            follows_new_versions: true,
            can_disable: true,
            can_enable_after_creation: true,
            key_vault_key_source: Some("Microsoft.Keyvault"),
            platform_key_source: Some("Microsoft.Storage"),
            vault_same_tenant: true,
            vault_same_region: false,
            body_shape: BodyShape::StorageKeyvaultproperties,
            az_set_key: &["az", "storage", "account", "update"],
            az_assign_identity: &["az", "storage", "account", "update"],
            az_show_identity: &["az", "storage", "account", "show"],
            az_principal_id_query: "identity.principalId",
            soft_delete: Severity::Error,
            purge_protection: Severity::Error,
            user_assigned_is_trusted_service: false,
            automatic_rotation: "within 24 hours",
        },
    ];

    /// The rules for `kind`.
    pub fn of(kind: ResourceKind) -> &'static KindRules {
        // Discriminants are the table's indexes (checked by a test below).
        &KindRules::ALL[kind as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_row() {
        for kind in ResourceKind::ALL {
            assert_eq!(KindRules::of(kind).kind, kind);
            assert!(KindRules::of(kind).arm_type.contains('/'));
        }
    }

    #[test]
    fn rules_serialise_for_the_ui() {
        let json = serde_json::to_value(KindRules::of(ResourceKind::StorageAccount))
            .expect("rules serialise");
        assert_eq!(json["kind"], "storageAccount");
        assert_eq!(json["bodyShape"], "storageKeyvaultproperties");
        assert_eq!(json["keyVaultKeySource"], "Microsoft.Keyvault");
        assert_eq!(json["followsNewVersions"], true);
        assert_eq!(
            json["azSetKey"],
            serde_json::json!(["az", "storage", "account", "update"])
        );
        let cognitive = KindRules::of(ResourceKind::CognitiveServicesAccount);
        assert!(!cognitive.follows_new_versions && cognitive.vault_same_region);
        assert!(!KindRules::of(ResourceKind::ContainerRegistry).can_disable);
    }
}
