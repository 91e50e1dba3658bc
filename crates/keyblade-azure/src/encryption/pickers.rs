//! The Change key panel's pickers: Subscription, Key vault, Key, Version and Identity, and
//! its two "Create new" actions.

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use keyblade_core::ResourceId;

use crate::Session;
use crate::arm::CONCURRENCY;
use crate::arm::lro::Progress;
use crate::arm::model::{AccessPolicy, NewRoleAssignment, NewVault, UserAssignedIdentity, Vault};
use crate::error::AzureError;

use super::facts;

/// A subscription in the subscription picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionOption {
    /// The subscription's GUID.
    pub subscription_id: String,
    /// The name the portal shows.
    pub display_name: String,
    /// The tenant the subscription belongs to.
    pub tenant_id: Option<String>,
    /// `Enabled`, `Disabled`, `Warned`, ...
    pub state: Option<String>,
}

/// The subscriptions you can see, by name.
pub async fn list_subscriptions(session: &Session) -> Result<Vec<SubscriptionOption>, AzureError> {
    Ok(session
        .arm
        .list_subscriptions()
        .await?
        .into_iter()
        .map(|s| SubscriptionOption {
            subscription_id: s.subscription_id,
            display_name: s.display_name,
            tenant_id: s.tenant_id,
            state: s.state,
        })
        .collect())
}

/// How a vault authorizes data-plane calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum PermissionModel {
    /// Vault access policies.
    AccessPolicies,
    /// Azure role-based access control.
    Rbac,
}

/// Whether you can list a vault's keys. A vault you cannot list stays in the picker with
/// the reason; you can still type a key URI for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum KeyListAccess {
    /// You can list its keys.
    Allowed,
    /// Key Vault refused: `reason_code` is `accessDenied`, `forbiddenByPolicy`,
    /// `forbiddenByRbac`, `forbiddenByFirewall` or `forbidden`.
    Denied {
        /// Key Vault's reason.
        reason_code: String,
        /// Why, and what to do, as a sentence.
        reason: String,
    },
    /// The vault could not be asked (no URI, network, throttling).
    Failed {
        /// What went wrong, as a sentence.
        reason: String,
    },
}

/// A key vault in the vault picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct VaultOption {
    /// The vault's resource ID.
    pub id: String,
    /// The vault's name.
    pub name: String,
    /// The vault's subscription ID.
    pub subscription_id: String,
    /// The vault's resource group.
    pub resource_group: String,
    /// The vault's Azure region.
    pub location: String,
    /// The data-plane URI, e.g. `https://name.vault.azure.net/`.
    pub vault_uri: Option<String>,
    /// Access policies or RBAC.
    pub permission_model: PermissionModel,
    /// Whether soft delete is on.
    pub soft_delete: bool,
    /// Whether purge protection is on.
    pub purge_protection: bool,
    /// Public network access is off, or the firewall denies by default.
    pub network_restricted: bool,
    /// Whether you can list its keys.
    pub keys: KeyListAccess,
}

impl VaultOption {
    fn new(vault: Vault, keys: KeyListAccess) -> VaultOption {
        let network = &vault.network;
        let network_restricted = network
            .public_network_access
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("Disabled"))
            || network
                .default_action
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case("Deny"));
        VaultOption {
            id: vault.id.as_str().to_owned(),
            name: vault.id.name().to_owned(),
            subscription_id: vault.id.subscription_id().to_owned(),
            resource_group: vault.id.resource_group().to_owned(),
            location: vault.location,
            vault_uri: vault.vault_uri,
            permission_model: if vault.enable_rbac_authorization {
                PermissionModel::Rbac
            } else {
                PermissionModel::AccessPolicies
            },
            soft_delete: vault.soft_delete_enabled,
            purge_protection: vault.purge_protection_enabled,
            network_restricted,
            keys,
        }
    }
}

fn key_list_access(result: &Result<(), AzureError>) -> KeyListAccess {
    match result {
        Ok(()) => KeyListAccess::Allowed,
        Err(AzureError::KeyVaultDenied { reason, .. }) => KeyListAccess::Denied {
            reason_code: reason.code().to_owned(),
            reason: format!("You cannot list keys in this vault: {reason}."),
        },
        Err(other) => KeyListAccess::Failed {
            reason: other.to_string(),
        },
    }
}

/// A vault as the picker lists it: with whether you can list its keys (and why not).
async fn with_key_access(session: &Session, vault: Vault) -> VaultOption {
    let access = match vault.vault_uri.as_deref().map(Url::parse) {
        Some(Ok(uri)) => key_list_access(&session.keyvault.check_key_listing(&uri).await),
        _ => KeyListAccess::Failed {
            reason: "Resource Manager gave no usable URI for this vault.".to_owned(),
        },
    };
    VaultOption::new(vault, access)
}

/// The key vaults of a subscription (through Resource Manager), each with whether you can
/// list its keys. That is answered by the first page of each vault's key list; the rest is
/// read in the background and kept, so picking a vault usually shows its keys at once
/// ([`crate::keyvault::KeyVault::check_key_listing`]).
///
/// Each check is two sequential round trips (the Key Vault challenge, then the first page),
/// and every vault is its own host with its own request limits: the checks run
/// under the session's Key Vault bound ([`crate::limit::HostLimiter`]: one at a time per
/// vault, [`crate::limit::KEY_VAULT_HOSTS_AT_ONCE`] vaults at once), not Resource Manager's
/// [`crate::arm::CONCURRENCY`], which made 50 vaults wait in waves for each other.
pub async fn list_vaults(
    session: &Session,
    subscription_id: &str,
) -> Result<Vec<VaultOption>, AzureError> {
    let vaults = session.arm.list_vaults(subscription_id).await?;
    let limiter = session.key_vault_limiter();
    let listings = vaults.into_iter().map(|vault| {
        let host = vault
            .vault_uri
            .as_deref()
            .and_then(|uri| Url::parse(uri).ok())
            .and_then(|uri| uri.host_str().map(str::to_owned))
            .unwrap_or_default();
        async move { limiter.run(&host, with_key_access(session, vault)).await }
    });
    Ok(futures::future::join_all(listings).await)
}

/// A key in the key picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KeyOption {
    /// The key's name.
    pub name: String,
    /// The unversioned key URI: picking the key without a version means automatic rotation.
    pub kid: String,
    /// Whether the key's current version is enabled, if known.
    pub enabled: Option<bool>,
    /// When the key expires, if it does.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub expires: Option<OffsetDateTime>,
    /// When the key was created.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub created: Option<OffsetDateTime>,
    /// When the key was last updated.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub updated: Option<OffsetDateTime>,
    /// Managed by a service (a certificate's key): not meant for encryption at rest.
    pub managed: bool,
}

/// A vault URI from the UI, checked against the active cloud's vault hosts before anything
/// (a bearer token above all) is sent to it.
fn vault_url(session: &Session, vault_uri: &str) -> Result<Url, AzureError> {
    session.arm.cloud().vault_url(vault_uri)
}

/// Key Vault's key-name rule (keyblade-core's, the one key URIs follow).
fn check_key_name(name: &str) -> Result<(), AzureError> {
    keyblade_core::validate_key_name(name).map_err(|error| AzureError::InvalidInput {
        what: format!("The key name `{name}`"),
        reason: error.to_string(),
    })
}

/// The keys of a vault, by name. A denial comes back as [`AzureError::KeyVaultDenied`] with
/// its reason.
pub async fn list_keys(session: &Session, vault_uri: &str) -> Result<Vec<KeyOption>, AzureError> {
    let mut keys: Vec<KeyOption> = session
        .keyvault
        .list_keys(&vault_url(session, vault_uri)?)
        .await?
        .into_iter()
        .map(|item| KeyOption {
            name: item.name,
            kid: item.kid,
            enabled: item.enabled,
            expires: item.expires,
            created: item.created,
            updated: item.updated,
            managed: item.managed,
        })
        .collect();
    keys.sort_by_key(|k| k.name.to_ascii_lowercase());
    Ok(keys)
}

/// A version of a key in the version picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KeyVersionOption {
    /// The version identifier.
    pub version: String,
    /// The versioned key URI: picking a version pins it (manual rotation).
    pub kid: String,
    /// Whether the version is enabled, if known.
    pub enabled: Option<bool>,
    /// The version cannot be used before this time, if set.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub not_before: Option<OffsetDateTime>,
    /// When the version expires, if it does.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub expires: Option<OffsetDateTime>,
    /// When the version was created.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub created: Option<OffsetDateTime>,
    /// The newest version, which an unversioned key URI would use.
    pub is_latest: bool,
}

/// The versions of a key, newest first.
pub async fn list_key_versions(
    session: &Session,
    vault_uri: &str,
    key_name: &str,
) -> Result<Vec<KeyVersionOption>, AzureError> {
    check_key_name(key_name)?;
    let versions = session
        .keyvault
        .list_versions(&vault_url(session, vault_uri)?, key_name)
        .await?;
    Ok(versions
        .into_iter()
        .enumerate()
        .filter_map(|(index, item)| {
            Some(KeyVersionOption {
                version: item.version?,
                kid: item.kid,
                enabled: item.enabled,
                not_before: item.not_before,
                expires: item.expires,
                created: item.created,
                is_latest: index == 0,
            })
        })
        .collect())
}

/// A user-assigned identity in the identity picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IdentityOption {
    /// The identity's resource ID.
    pub resource_id: String,
    /// The identity's name.
    pub name: String,
    /// The identity's subscription ID.
    pub subscription_id: String,
    /// The identity's resource group.
    pub resource_group: String,
    /// The name of the identity's subscription, when it is one the session lists.
    pub subscription_name: Option<String>,
    /// The identity's application (client) ID.
    pub client_id: Option<String>,
    /// The identity's object ID in Entra ID.
    pub principal_id: Option<String>,
    /// False for an identity still listed on the registry but deleted.
    pub exists: bool,
}

impl From<UserAssignedIdentity> for IdentityOption {
    /// An identity read from its own resource, which therefore exists.
    fn from(identity: UserAssignedIdentity) -> IdentityOption {
        IdentityOption {
            resource_id: identity.id.as_str().to_owned(),
            name: identity.id.name().to_owned(),
            subscription_id: identity.id.subscription_id().to_owned(),
            resource_group: identity.id.resource_group().to_owned(),
            subscription_name: None,
            client_id: identity.client_id,
            principal_id: identity.principal_id,
            exists: true,
        }
    }
}

/// The identities a resource (registry or account) can use to reach its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IdentityOptions {
    /// Whether the resource's system-assigned identity is on (Save can turn it on).
    pub system_assigned_enabled: bool,
    /// The system-assigned identity's object ID, when it is on.
    pub system_assigned_principal_id: Option<String>,
    /// User-assigned identities attached to the resource.
    pub attached: Vec<IdentityOption>,
    /// The other user-assigned identities of every subscription of the resource's tenant
    /// that the session can read, which can be attached.
    pub available: Vec<IdentityOption>,
    /// The resource's ETag, for [`super::attach_identity`].
    pub etag: Option<String>,
}

/// The identities the Identity picker offers: the resource's own, and those that could be
/// attached, from every subscription of the resource's tenant the session can read (an
/// identity of another tenant cannot be attached). The resource and the lists are read
/// concurrently; attached identities outside the lists are looked up one by one.
pub async fn list_identities(
    session: &Session,
    registry_id: &str,
) -> Result<IdentityOptions, AzureError> {
    let id = facts::parse_resource_id(registry_id)?;
    let (registry, (in_subscription, subscription_names)) = futures::join!(
        super::resource::get_resource(session, &id),
        identities_of_tenant(session, id.subscription_id())
    );
    let registry = registry?;
    let unlisted: Vec<ResourceId> = registry
        .identity()
        .user_assigned
        .iter()
        .filter(|a| {
            !in_subscription
                .iter()
                .any(|i| i.id.as_str().eq_ignore_ascii_case(&a.resource_id))
        })
        .filter_map(|a| ResourceId::parse(&a.resource_id).ok())
        .collect();
    let looked_up = session.arm.get_identities(&unlisted).await;
    let mut attached = Vec::new();
    for attached_identity in &registry.identity().user_assigned {
        let listed = in_subscription
            .iter()
            .find(|i| {
                i.id.as_str()
                    .eq_ignore_ascii_case(&attached_identity.resource_id)
            })
            .cloned()
            .map(Ok)
            .or_else(|| {
                unlisted
                    .iter()
                    .position(|u| {
                        u.as_str()
                            .eq_ignore_ascii_case(&attached_identity.resource_id)
                    })
                    .and_then(|at| looked_up.get(at).cloned())
            });
        let parsed = ResourceId::parse(&attached_identity.resource_id)?;
        attached.push(match listed {
            Some(Ok(identity)) => IdentityOption::from(identity),
            other => IdentityOption {
                resource_id: parsed.as_str().to_owned(),
                name: parsed.name().to_owned(),
                subscription_id: parsed.subscription_id().to_owned(),
                resource_group: parsed.resource_group().to_owned(),
                subscription_name: None,
                client_id: attached_identity.client_id.clone(),
                principal_id: attached_identity.principal_id.clone(),
                exists: !matches!(other, Some(Err(AzureError::NotFound { .. }))),
            },
        });
    }
    let mut available: Vec<IdentityOption> = in_subscription
        .into_iter()
        .filter(|i| {
            !registry
                .identity()
                .user_assigned
                .iter()
                .any(|a| a.resource_id.eq_ignore_ascii_case(i.id.as_str()))
        })
        .map(IdentityOption::from)
        .collect();
    for option in attached.iter_mut().chain(available.iter_mut()) {
        option.subscription_name = subscription_names
            .iter()
            .find(|(sub, _)| sub.eq_ignore_ascii_case(&option.subscription_id))
            .map(|(_, name)| name.clone());
    }
    available.sort_by_key(|i| {
        (
            i.subscription_name
                .clone()
                .unwrap_or_default()
                .to_ascii_lowercase(),
            i.name.to_ascii_lowercase(),
        )
    });
    attached.sort_by_key(|i| i.name.to_ascii_lowercase());
    Ok(IdentityOptions {
        system_assigned_enabled: registry.identity().system_assigned.is_some(),
        system_assigned_principal_id: registry
            .identity()
            .system_assigned
            .as_ref()
            .and_then(|s| s.principal_id.clone()),
        attached,
        available,
        etag: registry.etag().map(str::to_owned),
    })
}

/// The user-assigned identities of every subscription in the tenant of `home` (at most
/// [`CONCURRENCY`] listed at once), and the subscriptions' names. A subscription that
/// cannot be listed is left out; without the subscription list, `home` alone is listed.
async fn identities_of_tenant(
    session: &Session,
    home: &str,
) -> (Vec<UserAssignedIdentity>, Vec<(String, String)>) {
    let subscriptions = session.arm.list_subscriptions().await.unwrap_or_default();
    let tenant = subscriptions
        .iter()
        .find(|s| s.subscription_id.eq_ignore_ascii_case(home))
        .and_then(|s| s.tenant_id.clone());
    let names: Vec<(String, String)> = subscriptions
        .iter()
        .map(|s| (s.subscription_id.clone(), s.display_name.clone()))
        .collect();
    let mut listed: Vec<String> = subscriptions
        .into_iter()
        .filter(|s| match (&tenant, &s.tenant_id) {
            (Some(home_tenant), Some(other)) => home_tenant.eq_ignore_ascii_case(other),
            _ => true,
        })
        .map(|s| s.subscription_id)
        .collect();
    if !listed.iter().any(|s| s.eq_ignore_ascii_case(home)) {
        listed.push(home.to_owned());
    }
    let lists: Vec<Vec<UserAssignedIdentity>> = futures::stream::iter(listed)
        .map(|subscription| async move {
            session
                .arm
                .list_user_assigned_identities(&subscription)
                .await
                .unwrap_or_default()
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    (lists.into_iter().flatten().collect(), names)
}

/// "Create new" key vault. Soft delete and purge protection are always on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NewVaultRequest {
    /// The subscription to create it in.
    pub subscription_id: String,
    /// The resource group to create it in.
    pub resource_group: String,
    /// The vault name (globally unique).
    pub name: String,
    /// The Azure region.
    pub location: String,
    /// Access policies or RBAC.
    pub permission_model: PermissionModel,
}

/// Key Vault Crypto Officer: lets the vault's creator create keys in an RBAC vault.
const CRYPTO_OFFICER: &str = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603";

/// Key permissions the creator of an access-policy vault gets, as the portal gives them.
const CREATOR_KEY_PERMISSIONS: [&str; 12] = [
    "get",
    "list",
    "create",
    "update",
    "import",
    "delete",
    "recover",
    "backup",
    "restore",
    "rotate",
    "getrotationpolicy",
    "setrotationpolicy",
];

/// Key Vault's own naming rule, checked before anything is sent.
fn check_vault_name_rule(name: &str) -> Result<(), AzureError> {
    let bytes = name.as_bytes();
    let valid = (3..=24).contains(&name.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && !name.contains("--");
    if valid {
        Ok(())
    } else {
        Err(AzureError::InvalidInput {
            what: format!("The vault name `{name}`"),
            reason: "a vault name has 3 to 24 letters, digits and single hyphens, starts with a \
                     letter and ends with a letter or digit"
                .to_owned(),
        })
    }
}

/// Creates a key vault with soft delete and purge protection on, following the operation
/// with `progress`, and lets you create keys in it: an access policy for you, or the Key
/// Vault Crypto Officer role on an RBAC vault.
pub async fn create_vault(
    session: &Session,
    request: &NewVaultRequest,
    progress: &dyn Progress,
) -> Result<VaultOption, AzureError> {
    check_vault_name_rule(&request.name)?;
    let (subscriptions, caller) = futures::join!(
        session.arm.list_subscriptions(),
        facts::signed_in_object_id(session)
    );
    let caller = caller?;
    let tenant_id = subscriptions?
        .into_iter()
        .find(|s| {
            s.subscription_id
                .eq_ignore_ascii_case(&request.subscription_id)
        })
        .and_then(|s| s.tenant_id)
        .unwrap_or_else(|| session.credential().tenant_id().to_owned());
    let rbac = request.permission_model == PermissionModel::Rbac;
    let access_policies = if rbac {
        Vec::new()
    } else {
        vec![AccessPolicy {
            tenant_id: tenant_id.clone(),
            object_id: caller.clone(),
            application_id: None,
            key_permissions: CREATOR_KEY_PERMISSIONS
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
        }]
    };
    let vault = session
        .arm
        .create_vault(
            &NewVault {
                subscription_id: request.subscription_id.clone(),
                resource_group: request.resource_group.clone(),
                name: request.name.clone(),
                location: request.location.clone(),
                tenant_id,
                enable_rbac_authorization: rbac,
                access_policies,
            },
            progress,
        )
        .await?;
    if rbac {
        session
            .arm
            .create_role_assignment(&NewRoleAssignment {
                // Not part of a reviewed plan: any fresh name will do.
                name: uuid::Uuid::new_v4().to_string(),
                scope: vault.id.to_string(),
                role_definition_id: CRYPTO_OFFICER.to_owned(),
                principal_id: caller,
                principal_type: None,
            })
            .await?;
    }
    Ok(VaultOption::new(vault, KeyListAccess::Allowed))
}

/// "Create new" key: an RSA key with the operations a customer-managed key needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NewKeyRequest {
    /// The vault's data-plane URI.
    pub vault_uri: String,
    /// The key's name.
    pub name: String,
    /// 2048, 3072 or 4096 bits.
    pub size: u32,
}

/// Creates an RSA key and returns it as the key picker lists it.
///
/// Key Vault's "create key" on an existing name does not fail: it adds a version, and every
/// resource that follows that key without a version moves to it. So the name must first be
/// proved free (no key, no soft-deleted key); an existing name is refused and nothing is
/// written. A new version of an existing key is its own, reviewed action.
pub async fn create_key(
    session: &Session,
    request: &NewKeyRequest,
) -> Result<KeyOption, AzureError> {
    check_key_name(&request.name)?;
    let vault = vault_url(session, &request.vault_uri)?;
    if ![2048, 3072, 4096].contains(&request.size) {
        return Err(AzureError::InvalidInput {
            what: format!("The key size {}", request.size),
            reason: "customer-managed RSA keys are 2048, 3072 or 4096 bits".to_owned(),
        });
    }
    match session.keyvault.get_key(&vault, &request.name, None).await {
        Ok(existing) => {
            return Err(AzureError::Conflict {
                code: "KeyAlreadyExists".to_owned(),
                message: format!(
                    "No key was created: vault {} already has a key named {} (created {}). \
                     Creating it again would add a new version, and every resource that uses \
                     {} without a version would move to it. Pick {} from the list, or choose \
                     another name.",
                    vault
                        .host_str()
                        .and_then(|host| host.split('.').next())
                        .unwrap_or_default(),
                    request.name,
                    existing
                        .created
                        .and_then(|t| t
                            .format(&time::format_description::well_known::Rfc3339)
                            .ok())
                        .unwrap_or_else(|| "at an unknown time".to_owned()),
                    request.name,
                    request.name,
                ),
            });
        }
        Err(AzureError::KeyVault { status: 404, .. }) | Err(AzureError::NotFound { .. }) => {}
        Err(other) => return Err(other),
    }
    let created = session
        .keyvault
        .create_rsa_key(&vault, &request.name, request.size)
        .await?;
    let kid = created
        .kid
        .rsplit_once('/')
        .map(|(unversioned, _)| unversioned.to_owned())
        .unwrap_or(created.kid);
    Ok(KeyOption {
        name: created.name,
        kid,
        enabled: Some(created.enabled),
        expires: created.expires,
        created: created.created,
        updated: created.updated,
        managed: false,
    })
}

/// Whether "Create new" key vault may use a name, and if not, what the user can do instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum VaultNameCheck {
    /// No vault, live or soft-deleted, has this name: Create makes a new one.
    Available,
    /// Not a valid vault name.
    Invalid {
        /// Why, as a sentence.
        reason: String,
    },
    /// A vault of the subscription has this name: pick it from the list.
    InSubscription {
        /// That vault.
        vault: Box<VaultOption>,
    },
    /// A soft-deleted vault of the subscription holds the name until it is purged.
    SoftDeleted {
        /// The region the vault was in.
        location: String,
        /// The resource group the vault was in, if known.
        original_resource_group: Option<String>,
        /// When the vault was deleted, as Azure formats it.
        deletion_date: Option<String>,
        /// When the vault will be purged, as Azure formats it.
        scheduled_purge_date: Option<String>,
        /// You may recover it (you have `Microsoft.KeyVault/vaults/write` where it was).
        can_recover: bool,
    },
    /// Some vault you cannot see (another subscription or tenant) has this name.
    Taken {
        /// Azure's message.
        message: String,
    },
}

/// Checks a name for "Create new" key vault, as the user types: Resource Manager's
/// `checkNameAvailability` (vault names are global), then which vault holds it.
pub async fn check_vault_name(
    session: &Session,
    subscription_id: &str,
    name: &str,
) -> Result<VaultNameCheck, AzureError> {
    if let Err(AzureError::InvalidInput { reason, .. }) = check_vault_name_rule(name) {
        return Ok(VaultNameCheck::Invalid { reason });
    }
    let availability = session.arm.check_vault_name(subscription_id, name).await?;
    if availability.name_available {
        return Ok(VaultNameCheck::Available);
    }
    if availability
        .reason
        .as_deref()
        .is_some_and(|r| r.eq_ignore_ascii_case("AccountNameInvalid"))
    {
        return Ok(VaultNameCheck::Invalid {
            reason: availability
                .message
                .unwrap_or_else(|| "Azure does not accept this vault name.".to_owned()),
        });
    }
    // Fresh reads: the cached list may predate a vault made elsewhere a minute ago.
    session.arm.forget_vaults_of(subscription_id);
    let (vaults, deleted) = futures::join!(
        session.arm.list_vaults(subscription_id),
        session.arm.list_deleted_vaults(subscription_id)
    );
    if let Some(vault) = vaults?
        .into_iter()
        .find(|v| v.id.name().eq_ignore_ascii_case(name))
    {
        return Ok(VaultNameCheck::InSubscription {
            vault: Box::new(with_key_access(session, vault).await),
        });
    }
    // A subscription whose deleted vaults you may not list still answers the rest.
    if let Some(found) = deleted
        .ok()
        .and_then(|list| list.into_iter().find(|d| d.name.eq_ignore_ascii_case(name)))
    {
        let original = found
            .vault_id
            .as_deref()
            .and_then(|id| ResourceId::parse(id).ok());
        let can_recover = match &original {
            Some(id) => {
                let group = format!(
                    "/subscriptions/{}/resourceGroups/{}",
                    id.subscription_id(),
                    id.resource_group()
                );
                facts::caller_may(session, &group, "Microsoft.KeyVault/vaults/write")
                    .await
                    .unwrap_or(false)
            }
            None => false,
        };
        return Ok(VaultNameCheck::SoftDeleted {
            location: found.location,
            original_resource_group: original.map(|id| id.resource_group().to_owned()),
            deletion_date: found.deletion_date,
            scheduled_purge_date: found.scheduled_purge_date,
            can_recover,
        });
    }
    Ok(VaultNameCheck::Taken {
        message: availability.message.unwrap_or_else(|| {
            format!(
                "The name {name} is used by a vault you cannot see: vault names are global \
                 across Azure. Choose another name."
            )
        }),
    })
}

/// Recovers the soft-deleted vault `name` of the subscription where it was, with its keys
/// and access as they were, and returns it as the vault picker lists it.
pub async fn recover_vault(
    session: &Session,
    subscription_id: &str,
    name: &str,
    progress: &dyn Progress,
) -> Result<VaultOption, AzureError> {
    check_vault_name_rule(name)?;
    let deleted = session
        .arm
        .list_deleted_vaults(subscription_id)
        .await?
        .into_iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| AzureError::NotFound {
            code: "DeletedVaultNotFound".to_owned(),
            message: format!(
                "There is no soft-deleted vault named {name} in this subscription to recover."
            ),
        })?;
    let tenant_id = session
        .arm
        .list_subscriptions()
        .await?
        .into_iter()
        .find(|s| s.subscription_id.eq_ignore_ascii_case(subscription_id))
        .and_then(|s| s.tenant_id)
        .unwrap_or_else(|| session.credential().tenant_id().to_owned());
    let vault = session
        .arm
        .recover_vault(&deleted, &tenant_id, progress)
        .await?;
    Ok(with_key_access(session, vault).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_names_follow_key_vault_rules() {
        for good in ["kv1", "kv-contoso-prod", "a23456789012345678901234"] {
            assert!(check_vault_name_rule(good).is_ok(), "{good}");
        }
        for bad in [
            "kv",
            "1kv",
            "kv-",
            "kv--x",
            "kv_x",
            "a234567890123456789012345",
        ] {
            assert!(check_vault_name_rule(bad).is_err(), "{bad}");
        }
    }
}
