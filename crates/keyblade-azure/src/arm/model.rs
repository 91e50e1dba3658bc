//! keyblade's own view of Resource Manager resources: only what the Encryption blade and the
//! preflight planner need, with Azure's optional-everything replaced by plain values.
//! Mapping from the SDK models lives here too, so replacing the `azure_mgmt_*` crates
//! touches only this module and `arm`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use azure_mgmt_authorization::package_2022_04_01::models as authz;
use azure_mgmt_containerregistry::package_2023_07::models as acr;
use azure_mgmt_keyvault::package_preview_2022_02::models as kv;
use azure_mgmt_msi::package_2023_01_31::models as msi;
use azure_mgmt_subscription::package_2021_10::models as subs;

use keyblade_core::ResourceId;

use crate::error::AzureError;

/// Refuses `id` unless it names a `namespace`/`resource_type`, e.g. a vault where a vault
/// is read or changed. A child resource's ID (`…/vaults/v/keys/k`) is refused too: its
/// type is `vaults/keys`.
pub(crate) fn expect_type(
    id: &ResourceId,
    namespace: &str,
    resource_type: &str,
) -> Result<(), AzureError> {
    if id.is(namespace, resource_type) {
        Ok(())
    } else {
        Err(AzureError::InvalidInput {
            what: format!("The resource ID `{id}`"),
            reason: format!("it is not a {namespace}/{resource_type}"),
        })
    }
}

/// A subscription the signed-in principal can see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// The subscription's GUID.
    pub subscription_id: String,
    /// The name the portal shows (the GUID when Azure gives none).
    pub display_name: String,
    /// The tenant the subscription belongs to.
    pub tenant_id: Option<String>,
    /// `Enabled`, `Disabled`, `Warned`, ... as Azure spells it.
    pub state: Option<String>,
}

/// A tenant (directory) the signed-in identity belongs to, for the tenant switcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantInfo {
    /// The tenant's ID (a GUID, lower-case).
    pub tenant_id: String,
    /// The organisation's name, e.g. `Contoso`, when Azure gives it.
    pub display_name: Option<String>,
    /// The tenant's default domain, e.g. `contoso.onmicrosoft.com`, when Azure gives it.
    pub default_domain: Option<String>,
}

/// A container registry as the Encryption blade shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registry {
    /// The registry's resource ID.
    pub id: ResourceId,
    /// The Azure region.
    pub location: String,
    /// The pricing tier (`Basic`, `Standard`, `Premium`).
    pub sku: String,
    /// The ETag it was read with (header, else body); a save sends it as `If-Match`.
    pub etag: Option<String>,
    /// `Succeeded`, `Updating`, ... as Azure reports it.
    pub provisioning_state: Option<String>,
    /// The identities attached to the registry.
    pub identity: ResourceIdentity,
    /// How the registry's data is encrypted.
    pub encryption: RegistryEncryption,
}

/// The managed identities attached to a resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceIdentity {
    /// The system-assigned identity, when it is on.
    pub system_assigned: Option<SystemAssignedIdentity>,
    /// The user-assigned identities attached.
    pub user_assigned: Vec<AttachedIdentity>,
}

/// The system-assigned identity of a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemAssignedIdentity {
    /// The identity's object ID in Entra ID (absent until Azure has created it).
    pub principal_id: Option<String>,
    /// The tenant the identity lives in.
    pub tenant_id: Option<String>,
}

/// A user-assigned identity attached to a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachedIdentity {
    /// The identity's resource ID.
    pub resource_id: String,
    /// The identity's object ID in Entra ID.
    pub principal_id: Option<String>,
    /// The identity's application (client) ID.
    pub client_id: Option<String>,
}

/// How a registry's data is encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum RegistryEncryption {
    /// Microsoft-managed key.
    MicrosoftManaged,
    /// Customer-managed key.
    #[serde(rename_all = "camelCase")]
    CustomerManaged {
        /// The key URI as configured (unversioned when the key rotates automatically).
        key_identifier: String,
        /// The versioned key URI in use, as the service reports it.
        versioned_key_identifier: Option<String>,
        /// The identity the registry reaches the key with.
        identity: EncryptionIdentity,
        /// Whether the registry follows the key's latest version.
        key_rotation_enabled: bool,
        /// When the registry last moved to a new key version.
        #[serde(with = "time::serde::rfc3339::option")]
        last_key_rotation: Option<OffsetDateTime>,
    },
}

/// Which identity the registry uses to reach its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum EncryptionIdentity {
    /// The registry's system-assigned identity.
    SystemAssigned {
        /// What the service stores: `system`, or the system identity's client ID.
        client_id: String,
    },
    /// A user-assigned identity attached to the registry.
    #[serde(rename_all = "camelCase")]
    UserAssigned {
        /// The identity's client ID.
        client_id: String,
        /// The attached identity with that client ID, if there is one.
        resource_id: Option<String>,
    },
}

/// A change to a registry: what to send in one PATCH.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryChange {
    /// The identities the registry should have afterwards (`None`: leave as is).
    pub identity: Option<IdentityChange>,
    /// The key and identity encryption should use (`None`: leave as is).
    pub encryption: Option<EncryptionChange>,
}

/// The identities to have attached after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityChange {
    /// Whether the system-assigned identity should be on.
    pub system_assigned: bool,
    /// Resource IDs of the user-assigned identities to have attached.
    pub user_assigned: Vec<String>,
    /// Resource IDs of user-assigned identities to detach. A PATCH merges
    /// `userAssignedIdentities`, so leaving one out keeps it: each is sent as `null`. Only
    /// sent while some user-assigned identity stays (otherwise the type drops them all).
    #[serde(default)]
    pub detach: Vec<String>,
}

/// The key and identity a registry's encryption should use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptionChange {
    /// Versioned (manual rotation) or unversioned (automatic rotation) key URI.
    pub key_identifier: String,
    /// The identity that reaches the key.
    pub identity: EncryptionIdentityChoice,
}

/// Which identity a registry's encryption should use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum EncryptionIdentityChoice {
    /// The registry's system-assigned identity.
    SystemAssigned,
    /// A user-assigned identity, named by client ID.
    #[serde(rename_all = "camelCase")]
    UserAssigned {
        /// The identity's client ID.
        client_id: String,
    },
}

/// A key vault with the settings preflight checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vault {
    /// The vault's resource ID.
    pub id: ResourceId,
    /// The Azure region.
    pub location: String,
    /// The tenant whose Entra ID authorizes requests to the vault.
    pub tenant_id: String,
    /// The data-plane URI, e.g. `https://name.vault.azure.net/`.
    pub vault_uri: Option<String>,
    /// `standard` or `premium`.
    pub sku: String,
    /// Whether Azure RBAC, rather than access policies, authorizes the data plane.
    pub enable_rbac_authorization: bool,
    /// The access policies (ignored by an RBAC vault).
    pub access_policies: Vec<AccessPolicy>,
    /// Who may reach the vault over the network.
    pub network: VaultNetwork,
    /// Whether soft delete is on.
    pub soft_delete_enabled: bool,
    /// How long a deleted vault or key is kept before it is purged.
    pub soft_delete_retention_days: Option<i32>,
    /// Whether purge protection is on (a registry's key vault must have it).
    pub purge_protection_enabled: bool,
    /// `Succeeded`, `RegisteringDns`, ... as Azure reports it.
    pub provisioning_state: Option<String>,
}

/// A key vault access policy: what one principal may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessPolicy {
    /// The tenant of the principal.
    pub tenant_id: String,
    /// The principal's object ID.
    pub object_id: String,
    /// Set for a compound identity (an application acting for a user).
    pub application_id: Option<String>,
    /// Key permissions as Azure spells them (`get`, `wrapKey`, `all`, ...).
    pub key_permissions: Vec<String>,
}

/// A vault's network rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultNetwork {
    /// `Enabled` / `Disabled` (absent means enabled).
    pub public_network_access: Option<String>,
    /// `Allow` or `Deny` (absent means allow).
    pub default_action: Option<String>,
    /// `AzureServices` or `None`.
    pub bypass: Option<String>,
    /// Allowed IP addresses and ranges (CIDR).
    pub ip_rules: Vec<String>,
    /// Resource IDs of the allowed subnets.
    pub virtual_network_rules: Vec<String>,
}

/// A new vault: soft delete and purge protection are always on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewVault {
    /// The subscription to create it in.
    pub subscription_id: String,
    /// The resource group to create it in.
    pub resource_group: String,
    /// The vault name (globally unique).
    pub name: String,
    /// The Azure region.
    pub location: String,
    /// The tenant whose Entra ID authorizes requests to the vault.
    pub tenant_id: String,
    /// Whether Azure RBAC, rather than access policies, authorizes the data plane.
    pub enable_rbac_authorization: bool,
    /// Access policies to create it with (ignored by an RBAC vault).
    pub access_policies: Vec<AccessPolicy>,
}

/// Resource Manager's answer to "may a vault have this name?" (vault names are global, and a
/// soft-deleted vault keeps its name until it is purged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NameAvailability {
    /// Whether the name may be used.
    pub name_available: bool,
    /// `AccountNameInvalid` or `AlreadyExists` when it is not available.
    pub reason: Option<String>,
    /// Azure's explanation when it is not available.
    pub message: Option<String>,
}

/// A soft-deleted key vault (`Microsoft.KeyVault/deletedVaults`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedVault {
    /// The vault's name.
    pub name: String,
    /// The region the vault was in.
    pub location: String,
    /// The resource ID the vault had, which a recovery restores.
    pub vault_id: Option<String>,
    /// When the vault was deleted, as Azure formats it.
    pub deletion_date: Option<String>,
    /// When the vault will be purged, as Azure formats it.
    pub scheduled_purge_date: Option<String>,
    /// Whether purge protection was on (then it cannot be purged early).
    pub purge_protection_enabled: bool,
}

/// A role assignment: a role granted to a principal at a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// The assignment's resource ID.
    pub id: String,
    /// The scope it applies at (and below).
    pub scope: Option<String>,
    /// The full ID of the role definition it grants.
    pub role_definition_id: String,
    /// The object ID of the principal it grants to.
    pub principal_id: String,
    /// `User`, `Group`, `ServicePrincipal`, ... as Azure spells it.
    pub principal_type: Option<String>,
    /// An ABAC condition that limits the assignment (keyblade does not evaluate these, so
    /// such an assignment must not count as a plain grant).
    pub condition: Option<String>,
}

/// A role definition: a named set of permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinition {
    /// The definition's full resource ID.
    pub id: String,
    /// The GUID.
    pub name: String,
    /// The display name, e.g. `Key Vault Crypto Service Encryption User`.
    pub role_name: String,
    /// `BuiltInRole` or `CustomRole`.
    pub role_type: Option<String>,
    /// What the role allows and excludes.
    pub permissions: Vec<RolePermission>,
}

/// One permission block of a role definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePermission {
    /// Control-plane actions allowed (may contain wildcards).
    pub actions: Vec<String>,
    /// Control-plane actions excluded from `actions`.
    pub not_actions: Vec<String>,
    /// Data-plane actions allowed (may contain wildcards).
    pub data_actions: Vec<String>,
    /// Data-plane actions excluded from `data_actions`.
    pub not_data_actions: Vec<String>,
}

/// Which role assignments to list at a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignmentFilter {
    /// At the scope, above it and below it.
    All,
    /// At the scope and above it (what applies to the scope).
    AtScope,
    /// Assigned to this principal (directly or through groups), at, above or below.
    AssignedTo(String),
}

/// A role assignment to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewRoleAssignment {
    /// The assignment's name, a GUID the caller picks (ARM requires it): a plan's step
    /// names it, and the assignment created must be the one the user reviewed.
    pub name: String,
    /// The scope to assign at.
    pub scope: String,
    /// Full role definition ID, or just its GUID (resolved at the subscription).
    pub role_definition_id: String,
    /// The object ID of the principal to grant to.
    pub principal_id: String,
    /// `ServicePrincipal` for managed identities (lets ARM skip a directory lookup that
    /// fails for identities created moments ago).
    pub principal_type: Option<String>,
}

/// A user-assigned managed identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAssignedIdentity {
    /// The identity's resource ID.
    pub id: ResourceId,
    /// The Azure region.
    pub location: String,
    /// The tenant the identity lives in.
    pub tenant_id: Option<String>,
    /// The identity's object ID in Entra ID.
    pub principal_id: Option<String>,
    /// The identity's application (client) ID.
    pub client_id: Option<String>,
}

// ---------------------------------------------------------------------------------------
// From the SDK models.

fn enum_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn missing(what: &str, field: &str) -> AzureError {
    AzureError::InvalidResponse {
        what: what.to_owned(),
        reason: format!("it has no `{field}`"),
    }
}

pub(crate) fn subscription_from(sdk: subs::Subscription) -> Result<Subscription, AzureError> {
    let subscription_id = sdk
        .subscription_id
        .ok_or_else(|| missing("a subscription", "subscriptionId"))?;
    Ok(Subscription {
        display_name: sdk.display_name.unwrap_or_else(|| subscription_id.clone()),
        subscription_id,
        tenant_id: sdk.tenant_id,
        state: sdk.state.as_ref().map(enum_text),
    })
}

pub(crate) fn registry_from(
    sdk: acr::Registry,
    etag: Option<String>,
) -> Result<Registry, AzureError> {
    let id = ResourceId::parse(
        sdk.resource
            .id
            .as_deref()
            .ok_or_else(|| missing("a registry", "id"))?,
    )?;
    let identity = match &sdk.identity {
        None => ResourceIdentity::default(),
        Some(identity) => {
            let kind = identity.type_.as_ref().map(enum_text).unwrap_or_default();
            let system_on = kind.contains("SystemAssigned");
            let mut user_assigned: Vec<AttachedIdentity> = identity
                .user_assigned_identities
                .as_ref()
                .and_then(serde_json::Value::as_object)
                .map(|map| {
                    map.iter()
                        .map(|(resource_id, props)| AttachedIdentity {
                            resource_id: resource_id.clone(),
                            principal_id: props["principalId"].as_str().map(str::to_owned),
                            client_id: props["clientId"].as_str().map(str::to_owned),
                        })
                        .collect()
                })
                .unwrap_or_default();
            user_assigned.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
            ResourceIdentity {
                system_assigned: system_on.then(|| SystemAssignedIdentity {
                    principal_id: identity.principal_id.clone(),
                    tenant_id: identity.tenant_id.clone(),
                }),
                user_assigned,
            }
        }
    };
    let properties = sdk.properties.unwrap_or_default();
    let encryption = match properties.encryption {
        Some(acr::EncryptionProperty {
            status: Some(acr::encryption_property::Status::Enabled),
            key_vault_properties: Some(key_vault),
        }) => {
            let client_id = key_vault.identity.unwrap_or_default();
            let attached = identity.user_assigned.iter().find(|candidate| {
                candidate
                    .client_id
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(&client_id))
            });
            let encryption_identity = match attached {
                Some(attached) => EncryptionIdentity::UserAssigned {
                    client_id,
                    resource_id: Some(attached.resource_id.clone()),
                },
                // Neither a user-assigned identity of this registry: the service stores the
                // system identity's client ID (or `system`), which ARM does not otherwise
                // show. A detached user-assigned identity would also land here only if the
                // registry had no system identity; say so rather than guess.
                None if identity.system_assigned.is_some() || client_id == "system" => {
                    EncryptionIdentity::SystemAssigned { client_id }
                }
                None => EncryptionIdentity::UserAssigned {
                    client_id,
                    resource_id: None,
                },
            };
            RegistryEncryption::CustomerManaged {
                key_identifier: key_vault.key_identifier.unwrap_or_default(),
                versioned_key_identifier: key_vault.versioned_key_identifier,
                identity: encryption_identity,
                key_rotation_enabled: key_vault.key_rotation_enabled.unwrap_or(false),
                last_key_rotation: key_vault.last_key_rotation_timestamp,
            }
        }
        _ => RegistryEncryption::MicrosoftManaged,
    };
    Ok(Registry {
        id,
        location: sdk.resource.location,
        sku: enum_text(&sdk.sku.name),
        etag,
        provisioning_state: properties.provisioning_state.as_ref().map(enum_text),
        identity,
        encryption,
    })
}

pub(crate) fn registry_update_from(change: &RegistryChange) -> acr::RegistryUpdateParameters {
    let identity = change.identity.as_ref().map(|wanted| {
        let kind = match (wanted.system_assigned, wanted.user_assigned.is_empty()) {
            (true, false) => acr::identity_properties::Type::SystemAssignedUserAssigned,
            (true, true) => acr::identity_properties::Type::SystemAssigned,
            (false, false) => acr::identity_properties::Type::UserAssigned,
            (false, true) => acr::identity_properties::Type::None,
        };
        let user_assigned = (!wanted.user_assigned.is_empty()).then(|| {
            serde_json::Value::Object(
                wanted
                    .user_assigned
                    .iter()
                    .map(|id| (id.clone(), serde_json::json!({})))
                    .chain(
                        wanted
                            .detach
                            .iter()
                            .map(|id| (id.clone(), serde_json::Value::Null)),
                    )
                    .collect(),
            )
        });
        acr::IdentityProperties {
            principal_id: None,
            tenant_id: None,
            type_: Some(kind),
            user_assigned_identities: user_assigned,
        }
    });
    let properties = change.encryption.as_ref().map(|wanted| {
        let identity = match &wanted.identity {
            EncryptionIdentityChoice::SystemAssigned => "system".to_owned(),
            EncryptionIdentityChoice::UserAssigned { client_id } => client_id.clone(),
        };
        acr::RegistryPropertiesUpdateParameters {
            encryption: Some(acr::EncryptionProperty {
                status: Some(acr::encryption_property::Status::Enabled),
                key_vault_properties: Some(acr::KeyVaultProperties {
                    key_identifier: Some(wanted.key_identifier.clone()),
                    identity: Some(identity),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        }
    });
    acr::RegistryUpdateParameters {
        identity,
        properties,
        ..Default::default()
    }
}

pub(crate) fn vault_from(sdk: kv::Vault) -> Result<Vault, AzureError> {
    let id = ResourceId::parse(
        sdk.id
            .as_deref()
            .ok_or_else(|| missing("a key vault", "id"))?,
    )?;
    let properties = sdk.properties;
    let network = properties.network_acls.as_ref();
    Ok(Vault {
        id,
        location: sdk.location.unwrap_or_default(),
        tenant_id: properties.tenant_id.clone(),
        vault_uri: properties.vault_uri.clone(),
        sku: enum_text(&properties.sku.name),
        enable_rbac_authorization: properties.enable_rbac_authorization.unwrap_or(false),
        access_policies: properties
            .access_policies
            .iter()
            .map(|entry| AccessPolicy {
                tenant_id: entry.tenant_id.clone(),
                object_id: entry.object_id.clone(),
                application_id: entry.application_id.clone(),
                key_permissions: entry.permissions.keys.clone(),
            })
            .collect(),
        network: VaultNetwork {
            public_network_access: properties.public_network_access.clone(),
            default_action: network.and_then(|n| n.default_action.as_ref().map(enum_text)),
            bypass: network.and_then(|n| n.bypass.as_ref().map(enum_text)),
            ip_rules: network
                .map(|n| n.ip_rules.iter().map(|r| r.value.clone()).collect())
                .unwrap_or_default(),
            virtual_network_rules: network
                .map(|n| {
                    n.virtual_network_rules
                        .iter()
                        .map(|r| r.id.clone())
                        .collect()
                })
                .unwrap_or_default(),
        },
        // Soft delete is on by default since 2020 and cannot be turned off; absent means on.
        soft_delete_enabled: properties.enable_soft_delete.unwrap_or(true),
        soft_delete_retention_days: properties.soft_delete_retention_in_days,
        purge_protection_enabled: properties.enable_purge_protection.unwrap_or(false),
        provisioning_state: properties.provisioning_state.as_ref().map(enum_text),
    })
}

pub(crate) fn access_policy_entry(policy: &AccessPolicy) -> kv::AccessPolicyEntry {
    kv::AccessPolicyEntry {
        tenant_id: policy.tenant_id.clone(),
        object_id: policy.object_id.clone(),
        application_id: policy.application_id.clone(),
        permissions: kv::Permissions {
            keys: policy.key_permissions.clone(),
            ..Default::default()
        },
    }
}

pub(crate) fn new_vault_parameters(new: &NewVault) -> kv::VaultCreateOrUpdateParameters {
    let mut properties = kv::VaultProperties::new(
        new.tenant_id.clone(),
        kv::Sku::new(kv::sku::Family::A, kv::sku::Name::Standard),
    );
    properties.access_policies = new
        .access_policies
        .iter()
        .map(access_policy_entry)
        .collect();
    properties.enable_soft_delete = Some(true);
    properties.soft_delete_retention_in_days = Some(90);
    properties.enable_purge_protection = Some(true);
    properties.enable_rbac_authorization = Some(new.enable_rbac_authorization);
    // Said explicitly: in `default` mode Azure refuses a name held by a soft-deleted vault
    // instead of recovering it.
    properties.create_mode = Some(kv::vault_properties::CreateMode::Default);
    kv::VaultCreateOrUpdateParameters::new(new.location.clone(), properties)
}

pub(crate) fn role_assignment_from(
    sdk: authz::RoleAssignment,
) -> Result<RoleAssignment, AzureError> {
    let properties = sdk
        .properties
        .ok_or_else(|| missing("a role assignment", "properties"))?;
    Ok(RoleAssignment {
        id: sdk.id.unwrap_or_default(),
        scope: properties.scope,
        role_definition_id: properties.role_definition_id,
        principal_id: properties.principal_id,
        principal_type: properties.principal_type.as_ref().map(enum_text),
        condition: properties.condition,
    })
}

pub(crate) fn role_definition_from(
    sdk: authz::RoleDefinition,
) -> Result<RoleDefinition, AzureError> {
    let properties = sdk
        .properties
        .ok_or_else(|| missing("a role definition", "properties"))?;
    Ok(RoleDefinition {
        id: sdk.id.unwrap_or_default(),
        name: sdk.name.unwrap_or_default(),
        role_name: properties.role_name.unwrap_or_default(),
        role_type: properties.type_,
        permissions: properties
            .permissions
            .into_iter()
            .map(|p| RolePermission {
                actions: p.actions,
                not_actions: p.not_actions,
                data_actions: p.data_actions,
                not_data_actions: p.not_data_actions,
            })
            .collect(),
    })
}

pub(crate) fn identity_from(sdk: msi::Identity) -> Result<UserAssignedIdentity, AzureError> {
    let id = ResourceId::parse(
        sdk.tracked_resource
            .resource
            .id
            .as_deref()
            .ok_or_else(|| missing("a managed identity", "id"))?,
    )?;
    let properties = sdk.properties.unwrap_or_default();
    Ok(UserAssignedIdentity {
        id,
        location: sdk.tracked_resource.location,
        tenant_id: properties.tenant_id,
        principal_id: properties.principal_id,
        client_id: properties.client_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expect_type_refuses_other_and_child_types() {
        let registry = ResourceId::parse(
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r1",
        )
        .unwrap();
        assert!(expect_type(&registry, "microsoft.containerregistry", "REGISTRIES").is_ok());
        assert!(matches!(
            expect_type(&registry, "Microsoft.KeyVault", "vaults"),
            Err(AzureError::InvalidInput { .. })
        ));
        // Azure's own parser used to refuse IDs longer than 8 segments; a key's ID must
        // still not pass for its vault's.
        let key = ResourceId::parse(
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v/keys/k",
        )
        .unwrap();
        let refused = expect_type(&key, "Microsoft.KeyVault", "vaults").unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("it is not a Microsoft.KeyVault/vaults"),
            "{refused}"
        );
    }

    #[test]
    fn unparsable_ids_are_invalid_input() {
        for bad in [
            "",
            "/subscriptions/s1",
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults",
            "/subscriptions//resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v",
        ] {
            let error = AzureError::from(ResourceId::parse(bad).unwrap_err());
            match error {
                AzureError::InvalidInput { what, reason } => {
                    assert_eq!(what, format!("The resource ID `{bad}`"));
                    assert!(reason.contains("is not an Azure resource ID"), "{reason}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn registry_change_serialises_as_acr_expects() {
        let change = RegistryChange {
            identity: Some(IdentityChange {
                system_assigned: true,
                user_assigned: vec!["/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u".into()],
                detach: Vec::new(),
            }),
            encryption: Some(EncryptionChange {
                key_identifier: "https://v.vault.azure.net/keys/k".into(),
                identity: EncryptionIdentityChoice::SystemAssigned,
            }),
        };
        let body = serde_json::to_value(registry_update_from(&change)).unwrap();
        assert_eq!(body["identity"]["type"], "SystemAssigned, UserAssigned");
        assert!(body["identity"]["userAssignedIdentities"].is_object());
        let kv = &body["properties"]["encryption"]["keyVaultProperties"];
        assert_eq!(kv["keyIdentifier"], "https://v.vault.azure.net/keys/k");
        assert_eq!(kv["identity"], "system");
        assert_eq!(body["properties"]["encryption"]["status"], "enabled");
        assert!(body.get("sku").is_none() && body.get("tags").is_none());
    }
}
