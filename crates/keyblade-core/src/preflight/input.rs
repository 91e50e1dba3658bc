//! What the planner is told: the resource as it is, what the user wants, and facts
//! gathered about the key, the vault and the identity.
//!
//! The shapes follow Azure's JSON (field names in camelCase as ARM and Key Vault return
//! them) but are keyblade's own, so this crate depends on no Azure SDK. The caller fills
//! them from ARM and Key Vault responses; timestamps are `time` values (Key Vault's epoch
//! seconds converted by the caller).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::arm_id::ResourceId;
use crate::key_uri::KeyUri;
pub use crate::kind::ResourceKind;

/// The resource whose encryption is being changed, as ARM describes it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceState {
    /// Which service it is, which decides the rules that apply.
    pub kind: ResourceKind,
    /// The resource's ID, from which the steps' paths are built.
    pub id: ResourceId,
    /// The tenant of the resource's subscription.
    pub tenant_id: String,
    /// `sku.name`, e.g. `Premium`.
    #[serde(default)]
    pub sku: Option<String>,
    /// `location`, e.g. `westeurope`: some kinds need the vault in the same region.
    #[serde(default)]
    pub location: Option<String>,
    /// The identities attached now; empty when ARM returned no `identity` block.
    #[serde(default)]
    pub identity: ResourceIdentity,
    /// The key (or Microsoft-managed key) the resource uses now.
    pub encryption: CurrentEncryption,
}

/// The managed identities attached to the resource (ARM's `identity` block).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceIdentity {
    /// Present when `identity.type` includes `SystemAssigned`.
    #[serde(default)]
    pub system_assigned: Option<SystemAssignedIdentity>,
    /// `identity.userAssignedIdentities`, one entry per attached identity.
    #[serde(default)]
    pub user_assigned: Vec<UserAssignedIdentity>,
}

/// The resource's system-assigned identity, from ARM's `identity` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemAssignedIdentity {
    /// `identity.principalId`: the object ID that access policies and role assignments name.
    pub principal_id: String,
    /// `identity.tenantId`: the tenant the identity lives in.
    pub tenant_id: String,
}

/// A user-assigned identity: its resource ID and the IDs Entra gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAssignedIdentity {
    /// The identity's own resource (`Microsoft.ManagedIdentity/userAssignedIdentities`).
    pub resource_id: ResourceId,
    /// `principalId`: the object ID that access policies and role assignments name.
    pub principal_id: String,
    /// `clientId`: how ACR's `keyVaultProperties.identity` names the identity.
    pub client_id: String,
    /// Known from the identity resource itself; ARM's `userAssignedIdentities` map on
    /// the resource does not carry it.
    #[serde(default)]
    pub tenant_id: Option<String>,
}

/// The resource's encryption now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "status"
)]
pub enum CurrentEncryption {
    /// Microsoft-managed keys (ACR: `encryption.status` = `disabled`).
    ServiceManaged,
    /// A customer-managed key in Key Vault or Managed HSM.
    CustomerManaged {
        /// `keyVaultProperties.keyIdentifier` as ARM returns it (not re-validated: it is
        /// what is configured, even if keyblade would reject it as input). For kinds that
        /// store the vault URI, name and version apart (Azure AI services, storage), the
        /// caller joins them: `{vaultUri}/keys/{name}` plus `/{version}` when one is set.
        key_uri: String,
        /// `keyVaultProperties.versionedKeyIdentifier`: the version in use.
        #[serde(default)]
        versioned_key_uri: Option<String>,
        /// The identity that reaches the key: the reserved word `system`, or the
        /// user-assigned identity as the kind names it ([`crate::kind::IdentityReference`]):
        /// ACR's `keyVaultProperties.identity` and Azure AI services'
        /// `identityClientId` (client IDs), storage's `identity.userAssignedIdentity`
        /// (a resource ID).
        identity: String,
    },
}

/// Which identity the resource should use to reach the key: the one type for it in every
/// layer (the planner, keyblade-azure, the history file and the UI). On the wire
/// `{"type": "systemAssigned"}` or `{"type": "userAssigned", "resourceId": "/subscriptions/…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum IdentityChoice {
    /// The resource's system-assigned identity (turned on by the plan if it is off).
    SystemAssigned,
    /// A user-assigned identity (attached by the plan if the resource lacks it).
    #[serde(rename_all = "camelCase")]
    UserAssigned {
        /// The identity's ARM resource ID.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        resource_id: ResourceId,
    },
}

/// What the user asked for in the Encryption blade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredEncryption {
    /// The key to use: unversioned to follow its latest version, versioned to pin one.
    pub key_uri: KeyUri,
    /// The identity the resource should read the key with.
    pub identity: IdentityChoice,
    /// Set when the user asked keyblade to grant the identity access to the key.
    #[serde(default)]
    pub grant_access: Option<GrantAccess>,
}

/// What the user asked for: a customer-managed key, or back to Microsoft-managed keys.
///
/// On the wire a key choice is a [`DesiredEncryption`] object as it always was, and going
/// back is `{"keySource": "microsoftManaged"}`; an untagged enum would hide every typo
/// in a key choice behind "did not match any variant", so (de)serialisation is by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "one value per plan, never in a collection: boxing would only add noise"
)]
pub enum Desired {
    /// Use this customer-managed key.
    CustomerManagedKey(DesiredEncryption),
    /// Turn the customer-managed key off (where the kind allows it).
    MicrosoftManagedKeys,
}

/// The `keySource` that asks for Microsoft-managed keys.
const MICROSOFT_MANAGED: &str = "microsoftManaged";

impl Serialize for Desired {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Desired::CustomerManagedKey(desired) => desired.serialize(serializer),
            Desired::MicrosoftManagedKeys => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("keySource", MICROSOFT_MANAGED)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Desired {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Desired, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        match value.get("keySource").and_then(serde_json::Value::as_str) {
            Some(MICROSOFT_MANAGED) => Ok(Desired::MicrosoftManagedKeys),
            Some(other) if other != "customerManaged" => Err(D::Error::custom(format!(
                "unknown keySource `{other}`: expected `{MICROSOFT_MANAGED}` or `customerManaged`"
            ))),
            _ => serde_json::from_value(value)
                .map(Desired::CustomerManagedKey)
                .map_err(D::Error::custom),
        }
    }
}

/// The user's request to grant access, with what a pure planner cannot make itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantAccess {
    /// The GUID that names a new role assignment (ARM makes the caller pick it); used only
    /// for vaults with the RBAC permission model. The caller derives it from what the grant
    /// is about, so planning again (review, then Save) names the same assignment.
    pub role_assignment_name: String,
}

/// Everything looked up about the key, its vault and the identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    /// The key as Key Vault answered for it (or why it could not).
    pub key: KeyLookup,
    /// The vault (or Managed HSM) resource holding the key; `None` when it could not be
    /// found in the subscriptions the user can read.
    #[serde(default)]
    pub vault: Option<VaultFacts>,
    /// The chosen user-assigned identity, read from its own resource (needed when it is
    /// not attached to the resource yet).
    #[serde(default)]
    pub user_assigned_identity: Option<UserAssignedIdentity>,
    /// Role assignments listed for the vault's scope (`…/roleAssignments?$filter=atScope()`
    /// or by principal), including inherited ones.
    #[serde(default)]
    pub role_assignments: Vec<RoleAssignment>,
    /// Definitions of the roles those assignments name. Built-in Key Vault roles keyblade
    /// knows need not be listed.
    #[serde(default)]
    pub role_definitions: Vec<RoleDefinition>,
    /// Set when the chosen user-assigned identity's resource answered 404: it was deleted
    /// (the resource may still list it). Such an identity gets no tokens, so the planner
    /// reports it as deleted rather than as unattached or unreadable.
    #[serde(default)]
    pub user_assigned_identity_deleted: bool,
    /// Why the vault's role assignments could not be listed, when they could not. An empty
    /// `role_assignments` then proves nothing, so missing access is reported as unknown.
    #[serde(default)]
    pub role_assignments_unreadable: Option<String>,
}

/// The outcome of reading the key from Key Vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum KeyLookup {
    /// Key Vault returned the key (or the version).
    Found(KeyDetails),
    /// Key Vault answered 404 for the key (or for the version).
    NotFound,
    /// The key could not be read (no permission to read it, firewall, network); the
    /// reason is shown to the user.
    Unreadable {
        /// What went wrong, in words for the user.
        reason: String,
        /// What stood in the way, so the fix can name the right remedy.
        #[serde(default)]
        cause: UnreadableCause,
    },
}

/// Why keyblade itself could not read a key. It says nothing about whether the
/// resource's identity can: a firewall that blocks the admin's machine may still
/// admit the service through the trusted-services bypass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UnreadableCause {
    /// Key Vault refused the signed-in account (access policy or RBAC).
    Permission,
    /// The vault's firewall refused the network keyblade runs on.
    Firewall,
    /// Anything else: network, DNS, an unexpected answer.
    #[default]
    Other,
}

/// The key version the URI resolves to (the current version for an unversioned URI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyDetails {
    /// `key.kid`: always versioned.
    pub kid: String,
    /// `key.kty`: `RSA`, `RSA-HSM`, `EC`, `oct-HSM`, …
    pub kty: String,
    /// `key.key_ops`.
    #[serde(default)]
    pub key_ops: Vec<String>,
    /// `attributes.enabled`.
    pub enabled: bool,
    /// `attributes.nbf`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub not_before: Option<OffsetDateTime>,
    /// `attributes.exp`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires: Option<OffsetDateTime>,
    /// The version of the key's current (latest) version, from `GET /keys/{name}`.
    #[serde(default)]
    pub latest_version: Option<String>,
}

/// The vault (`Microsoft.KeyVault/vaults`) or Managed HSM (`Microsoft.KeyVault/managedHSMs`)
/// resource, flattened from its `properties`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultFacts {
    /// The vault's resource ID: the scope a role assignment is made at.
    pub id: ResourceId,
    /// `tenantId`: the tenant the vault trusts; an identity from another tenant cannot use it.
    pub tenant_id: String,
    /// The vault resource's `location`.
    #[serde(default)]
    pub location: Option<String>,
    /// `enableRbacAuthorization`; Managed HSMs always use their own local RBAC.
    #[serde(default)]
    pub enable_rbac_authorization: bool,
    /// `accessPolicies`: who may do what with keys when the vault does not use RBAC.
    #[serde(default)]
    pub access_policies: Vec<AccessPolicy>,
    /// `enableSoftDelete`; ARM omits it on old vaults, where it defaults to on since 2020.
    #[serde(default)]
    pub enable_soft_delete: Option<bool>,
    /// `enablePurgeProtection`; omitted means off.
    #[serde(default)]
    pub enable_purge_protection: Option<bool>,
    /// `softDeleteRetentionInDays`: how long a deleted key can be recovered (7 to 90;
    /// omitted means Azure's default, 90).
    #[serde(default)]
    pub soft_delete_retention_in_days: Option<u32>,
    /// `networkAcls`: the vault firewall; `None` means it has no rules.
    #[serde(default)]
    pub network_acls: Option<NetworkAcls>,
    /// `publicNetworkAccess`: `Enabled` or `Disabled`.
    #[serde(default)]
    pub public_network_access: Option<String>,
}

/// One entry of a vault's `accessPolicies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessPolicy {
    /// `tenantId`: the tenant of the principal.
    pub tenant_id: String,
    /// `objectId`: the principal (user, group, service principal or managed identity).
    pub object_id: String,
    /// Set for a compound identity (an application acting for a user): such an entry
    /// does not let the principal act on its own.
    #[serde(default)]
    pub application_id: Option<String>,
    /// What the principal may do.
    pub permissions: AccessPolicyPermissions,
}

/// An access policy's `permissions`; only key permissions matter for a CMK.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessPolicyPermissions {
    /// `permissions.keys`, e.g. `get`, `wrapKey`, `unwrapKey` (compared ignoring case).
    #[serde(default)]
    pub keys: Vec<String>,
}

/// A vault's `networkAcls`: whether its firewall admits a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkAcls {
    /// `Allow` or `Deny`.
    pub default_action: String,
    /// `AzureServices` or `None`.
    #[serde(default)]
    pub bypass: Option<String>,
}

/// An Azure RBAC role assignment, as listed for the vault's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// Where it was made: the vault, or one of its ancestors for an inherited assignment.
    pub scope: String,
    /// The role it grants: its definition's ID, matched on the trailing GUID.
    pub role_definition_id: String,
    /// The object ID of the principal it grants the role to.
    pub principal_id: String,
    /// An ABAC condition; keyblade cannot evaluate one, so such an assignment is not
    /// counted as granting access.
    #[serde(default)]
    pub condition: Option<String>,
    /// The assignment's own resource ID, when listed (what deleting it names).
    #[serde(default)]
    pub id: Option<String>,
}

/// A role's definition: what its data actions allow, for roles keyblade does not know built in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinition {
    /// Full ID or bare GUID; matched on the trailing GUID.
    pub id: String,
    /// `roleName`, for display; roles are matched by ID.
    #[serde(default)]
    pub role_name: Option<String>,
    /// `permissions`: the role grants an action if one entry allows it and does not exclude it.
    pub permissions: Vec<RolePermission>,
}

/// One entry of a role definition's `permissions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePermission {
    /// `dataActions`: allowed data-plane actions, with `*` wildcards.
    #[serde(default)]
    pub data_actions: Vec<String>,
    /// `notDataActions`: actions taken back out of `dataActions`.
    #[serde(default)]
    pub not_data_actions: Vec<String>,
}
