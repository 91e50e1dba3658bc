//! Gathering what the planner reads, and translating keyblade-azure's DTOs into
//! keyblade-core's input types.
//!
//! The order is forced by data, not habit: the registry first (its key URI and identity
//! say what else to read), then the key, the vault and the identity concurrently, and the
//! vault's role assignments as soon as the vault is known to use RBAC.

use futures::StreamExt;
use time::OffsetDateTime;
use url::Url;

use keyblade_core::preflight::{
    self as core, DesiredEncryption, IdentityChoice, KeyLookup, Plan, PreflightInput,
};
use keyblade_core::{KeyUri, ResourceId};

use crate::Session;
use crate::arm::CONCURRENCY;
use crate::arm::model::{
    AssignmentFilter, RegistryEncryption, UserAssignedIdentity, Vault, expect_type,
};
use crate::error::{AzureError, KeyVaultDenial};

use super::{FindingView, Severity};

pub(crate) use super::resource::{ResourceRead, parse_resource_id, stored_identity_value};

pub(crate) fn parse_identity_id(text: &str) -> Result<ResourceId, AzureError> {
    let id = ResourceId::parse(text)?;
    expect_user_assigned(&id)?;
    Ok(id)
}

/// Refuses an ID that parses but names something other than a user-assigned identity.
pub(crate) fn expect_user_assigned(id: &ResourceId) -> Result<(), AzureError> {
    expect_type(id, "Microsoft.ManagedIdentity", "userAssignedIdentities")
}

/// Parses a key URI against the vault suffixes of the session's cloud.
pub(crate) fn parse_key_uri(session: &Session, text: &str) -> Result<KeyUri, AzureError> {
    KeyUri::parse_with_suffixes(text, &session.arm.cloud().vault_suffixes()).map_err(|error| {
        AzureError::InvalidInput {
            what: "The key URI".to_owned(),
            reason: error.to_string(),
        }
    })
}

/// Reads the resource fresh (for its ETag) and, concurrently, the subscription list
/// (cached) for the tenant its identities live in.
pub(crate) async fn read_resource(
    session: &Session,
    id: &ResourceId,
) -> Result<ResourceRead, AzureError> {
    let (resource, subscriptions) = futures::join!(
        super::resource::get_resource(session, id),
        session.arm.list_subscriptions()
    );
    let resource = resource?;
    // A caller who cannot list subscriptions still reads the registry; its identities then
    // count as being in the signed-in tenant, which is where ARM found the registry.
    let tenant_id = subscriptions
        .ok()
        .and_then(|subscriptions| {
            subscriptions
                .into_iter()
                .find(|s| s.subscription_id.eq_ignore_ascii_case(id.subscription_id()))
                .and_then(|s| s.tenant_id)
        })
        .unwrap_or_else(|| session.credential().tenant_id().to_owned());
    Ok(ResourceRead {
        resource,
        tenant_id,
    })
}

/// What became of the user-assigned identity the registry would use.
#[derive(Debug, Clone)]
pub(crate) enum IdentityLookup {
    /// The system-assigned identity: nothing to look up.
    SystemAssigned,
    Found(UserAssignedIdentity),
    /// Resource Manager says it does not exist (deleted, or never did).
    Deleted(ResourceId),
    /// It could not be read (permissions, network); preflight cannot check it.
    Unreadable,
}

/// The vault's role assignments, when they matter (RBAC vaults).
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleFacts {
    pub assignments: Vec<core::RoleAssignment>,
    pub definitions: Vec<core::RoleDefinition>,
    /// Why the assignments could not be listed; the access check is then unknown.
    pub unreadable: Option<AzureError>,
}

/// Everything looked up for one key and identity choice.
#[derive(Debug, Clone)]
pub(crate) struct Gathered {
    pub read: ResourceRead,
    /// The key asked for; `None` asks for Microsoft-managed keys.
    pub key_uri: Option<KeyUri>,
    pub key: KeyLookup,
    pub vault: Option<Vault>,
    pub identity: IdentityLookup,
    pub roles: RoleFacts,
}

/// With Microsoft-managed keys asked for, nothing but the resource matters.
pub(crate) fn without_key(read: ResourceRead) -> Gathered {
    Gathered {
        read,
        key_uri: None,
        key: KeyLookup::NotFound,
        vault: None,
        identity: IdentityLookup::SystemAssigned,
        roles: RoleFacts::default(),
    }
}

/// Looks up the key, its vault (and its role assignments) and the identity concurrently
/// with `resource`, which is either already read (the blade: the key comes from it) or
/// being read (preflight: the key comes from the user).
pub(crate) async fn gather(
    session: &Session,
    resource_id: &ResourceId,
    resource: impl std::future::Future<Output = Result<ResourceRead, AzureError>>,
    key_uri: KeyUri,
    identity: &IdentityChoice,
) -> Result<Gathered, AzureError> {
    let identity_id = match identity {
        IdentityChoice::SystemAssigned => None,
        IdentityChoice::UserAssigned { resource_id } => {
            expect_user_assigned(resource_id)?;
            Some(resource_id.clone())
        }
    };
    let home_subscription = resource_id.subscription_id();
    let (read, key, (vault, roles), identity) = futures::join!(
        resource,
        look_up_key(session, &key_uri),
        async {
            let vault = find_vault(session, &key_uri, home_subscription).await;
            let roles = match &vault {
                Some(vault) if vault.enable_rbac_authorization => role_facts(session, vault).await,
                _ => RoleFacts::default(),
            };
            (vault, roles)
        },
        look_up_identity(session, identity_id),
    );
    Ok(Gathered {
        read: read?,
        key_uri: Some(key_uri),
        key,
        vault,
        identity,
        roles,
    })
}

async fn look_up_identity(session: &Session, id: Option<ResourceId>) -> IdentityLookup {
    let Some(id) = id else {
        return IdentityLookup::SystemAssigned;
    };
    match session.arm.get_identity(&id).await {
        Ok(identity) => IdentityLookup::Found(identity),
        Err(AzureError::NotFound { .. }) => IdentityLookup::Deleted(id),
        Err(_) => IdentityLookup::Unreadable,
    }
}

/// Reads the key version the URI names (the current one when unversioned), and the key's
/// latest version for the rotation checks.
async fn look_up_key(session: &Session, key: &KeyUri) -> KeyLookup {
    let vault_url = match Url::parse(&key.vault_url()) {
        Ok(url) => url,
        Err(error) => {
            return KeyLookup::Unreadable {
                reason: format!("its vault URL is not a URL ({error})"),
                cause: core::UnreadableCause::Other,
            };
        }
    };
    let name = key.key_name();
    let (named, latest) = match key.version() {
        Some(version) => {
            let (named, latest) = futures::join!(
                session
                    .keyvault
                    .get_key(&vault_url, name, Some(version.as_str())),
                session.keyvault.get_key(&vault_url, name, None)
            );
            (named, latest.ok())
        }
        None => {
            let current = session.keyvault.get_key(&vault_url, name, None).await;
            let latest = current.as_ref().ok().cloned();
            (current, latest)
        }
    };
    match named {
        Ok(details) => KeyLookup::Found(core::KeyDetails {
            kid: details.kid,
            kty: details.kty,
            key_ops: details.key_ops,
            enabled: details.enabled,
            not_before: details.not_before,
            expires: details.expires,
            latest_version: latest.map(|latest| latest.version),
        }),
        Err(AzureError::NotFound { .. }) => KeyLookup::NotFound,
        Err(AzureError::KeyVaultDenied { reason, .. }) => KeyLookup::Unreadable {
            reason: format!("Key Vault denied it: {}", reason.explanation()),
            cause: match reason {
                KeyVaultDenial::ForbiddenByFirewall => core::UnreadableCause::Firewall,
                _ => core::UnreadableCause::Permission,
            },
        },
        Err(other) => KeyLookup::Unreadable {
            reason: other.to_string(),
            cause: core::UnreadableCause::Other,
        },
    }
}

/// The vault resource whose URI has the key's host: in the registry's subscription first
/// (where it usually is, and already cached for the pickers), then in the others.
/// Managed HSMs are not looked up: the planner then says the vault was not found.
pub(crate) async fn find_vault(
    session: &Session,
    key: &KeyUri,
    home_subscription: &str,
) -> Option<Vault> {
    if key.is_managed_hsm() {
        return None;
    }
    if let Ok(Some(vault)) = session
        .arm
        .find_vault_by_host(home_subscription, key.host())
        .await
    {
        return Some(vault);
    }
    let subscriptions = session.arm.list_subscriptions().await.ok()?;
    let mut found = futures::stream::iter(
        subscriptions
            .into_iter()
            .filter(|s| !s.subscription_id.eq_ignore_ascii_case(home_subscription)),
    )
    .map(|subscription| async move {
        session
            .arm
            .find_vault_by_host(&subscription.subscription_id, key.host())
            .await
            .ok()
            .flatten()
    })
    .buffer_unordered(CONCURRENCY)
    .filter_map(futures::future::ready);
    found.next().await
}

/// Role assignments that apply at the vault (its own and inherited ones) and the role
/// definitions of its subscription, concurrently. Both are cached per scope.
async fn role_facts(session: &Session, vault: &Vault) -> RoleFacts {
    let subscription_scope = format!("/subscriptions/{}", vault.id.subscription_id());
    let (assignments, definitions) = futures::join!(
        session
            .arm
            .list_role_assignments(vault.id.as_str(), &AssignmentFilter::AtScope),
        session.arm.list_role_definitions(&subscription_scope, None)
    );
    // Missing definitions leave the planner unsure (a warning), which is the truth.
    let definitions = definitions
        .unwrap_or_default()
        .into_iter()
        .map(|definition| core::RoleDefinition {
            id: definition.id,
            role_name: Some(definition.role_name),
            permissions: definition
                .permissions
                .into_iter()
                .map(|p| core::RolePermission {
                    data_actions: p.data_actions,
                    not_data_actions: p.not_data_actions,
                })
                .collect(),
        })
        .collect();
    match assignments {
        Ok(assignments) => RoleFacts {
            assignments: assignments
                .into_iter()
                .map(|assignment| core::RoleAssignment {
                    // An assignment listed for the vault's scope without a scope of its own
                    // was made at the vault.
                    scope: assignment.scope.unwrap_or_else(|| vault.id.to_string()),
                    role_definition_id: assignment.role_definition_id,
                    principal_id: assignment.principal_id,
                    condition: assignment.condition,
                    id: Some(assignment.id).filter(|id| !id.is_empty()),
                })
                .collect(),
            definitions,
            unreadable: None,
        },
        Err(error) => RoleFacts {
            definitions,
            unreadable: Some(error),
            ..RoleFacts::default()
        },
    }
}

impl Gathered {
    /// The planner's input for `desired`, from what was gathered.
    pub(crate) fn planner_input(
        &self,
        desired: IdentityChoice,
        grant: Option<core::GrantAccess>,
    ) -> Result<PreflightInput, AzureError> {
        let resource = &self.read.resource;
        let deleted = match &self.identity {
            IdentityLookup::Deleted(id) => Some(id.as_str()),
            _ => None,
        };
        let identity = core::ResourceIdentity {
            system_assigned: resource.identity().system_assigned.as_ref().and_then(|s| {
                s.principal_id
                    .clone()
                    .map(|principal_id| core::SystemAssignedIdentity {
                        principal_id,
                        tenant_id: s
                            .tenant_id
                            .clone()
                            .unwrap_or_else(|| self.read.tenant_id.clone()),
                    })
            }),
            // A deleted identity still listed on the resource cannot reach anything: the
            // planner must not count it as attached.
            user_assigned: resource
                .identity()
                .user_assigned
                .iter()
                .filter(|attached| {
                    deleted.is_none_or(|gone| !attached.resource_id.eq_ignore_ascii_case(gone))
                })
                .map(|attached| {
                    Ok(core::UserAssignedIdentity {
                        // Azure listed it on the resource: a bad ID is Azure's answer, not
                        // the user's input.
                        resource_id: ResourceId::parse(&attached.resource_id).map_err(|error| {
                            AzureError::InvalidResponse {
                                what: format!("the identity ID `{}`", attached.resource_id),
                                reason: error.to_string(),
                            }
                        })?,
                        principal_id: attached.principal_id.clone().unwrap_or_default(),
                        client_id: attached.client_id.clone().unwrap_or_default(),
                        tenant_id: None,
                    })
                })
                .collect::<Result<_, AzureError>>()?,
        };
        let encryption = match resource.encryption() {
            RegistryEncryption::MicrosoftManaged => core::CurrentEncryption::ServiceManaged,
            RegistryEncryption::CustomerManaged {
                key_identifier,
                versioned_key_identifier,
                identity,
                ..
            } => core::CurrentEncryption::CustomerManaged {
                key_uri: key_identifier.clone(),
                versioned_key_uri: versioned_key_identifier.clone(),
                identity: stored_identity_value(resource.kind(), identity),
            },
        };
        let user_assigned_identity = match &self.identity {
            IdentityLookup::Found(found) => match (&found.principal_id, &found.client_id) {
                (Some(principal_id), Some(client_id)) => Some(core::UserAssignedIdentity {
                    resource_id: found.id.clone(),
                    principal_id: principal_id.clone(),
                    client_id: client_id.clone(),
                    tenant_id: found.tenant_id.clone(),
                }),
                _ => None,
            },
            _ => None,
        };
        Ok(PreflightInput {
            resource: core::ResourceState {
                kind: resource.kind(),
                id: resource.id().clone(),
                tenant_id: self.read.tenant_id.clone(),
                sku: resource.sku().map(str::to_owned),
                location: Some(resource.location().to_owned()).filter(|l| !l.is_empty()),
                identity,
                encryption,
            },
            desired: match &self.key_uri {
                Some(key_uri) => core::Desired::CustomerManagedKey(DesiredEncryption {
                    key_uri: key_uri.clone(),
                    identity: desired,
                    grant_access: grant,
                }),
                None => core::Desired::MicrosoftManagedKeys,
            },
            facts: core::Facts {
                key: self.key.clone(),
                vault: self.vault.as_ref().map(vault_facts),
                user_assigned_identity,
                role_assignments: self.roles.assignments.clone(),
                role_definitions: self.roles.definitions.clone(),
                user_assigned_identity_deleted: matches!(self.identity, IdentityLookup::Deleted(_)),
                role_assignments_unreadable: self.roles.unreadable.as_ref().map(|e| e.to_string()),
            },
        })
    }

    /// Runs the planner; its findings as the UI shows them.
    pub(crate) fn plan(
        &self,
        desired: IdentityChoice,
        grant: Option<core::GrantAccess>,
        now: OffsetDateTime,
    ) -> Result<(Plan, Vec<FindingView>), AzureError> {
        let input = self.planner_input(desired, grant)?;
        let plan = core::plan(&input, now);
        let findings = plan.findings.iter().map(FindingView::from).collect();
        Ok((plan, findings))
    }
}

/// Whether any finding blocks saving.
pub(crate) fn has_errors(findings: &[FindingView]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

pub(crate) fn vault_facts(vault: &Vault) -> core::VaultFacts {
    core::VaultFacts {
        id: vault.id.clone(),
        tenant_id: vault.tenant_id.clone(),
        location: Some(vault.location.clone()).filter(|l| !l.is_empty()),
        enable_rbac_authorization: vault.enable_rbac_authorization,
        access_policies: vault
            .access_policies
            .iter()
            .map(|policy| core::AccessPolicy {
                tenant_id: policy.tenant_id.clone(),
                object_id: policy.object_id.clone(),
                application_id: policy.application_id.clone(),
                permissions: core::AccessPolicyPermissions {
                    keys: policy.key_permissions.clone(),
                },
            })
            .collect(),
        enable_soft_delete: Some(vault.soft_delete_enabled),
        enable_purge_protection: Some(vault.purge_protection_enabled),
        soft_delete_retention_in_days: vault
            .soft_delete_retention_days
            .and_then(|days| u32::try_from(days).ok()),
        network_acls: vault.network.default_action.as_ref().map(|default_action| {
            core::NetworkAcls {
                default_action: default_action.clone(),
                bypass: vault.network.bypass.clone(),
            }
        }),
        public_network_access: vault.network.public_network_access.clone(),
    }
}

/// Whether the signed-in identity may perform `action` at `scope`, from Resource Manager's
/// permissions API: some role allows it and that role's `notActions` do not take it away.
pub(crate) async fn caller_may(
    session: &Session,
    scope: &str,
    action: &str,
) -> Result<bool, AzureError> {
    let permissions = session.arm.caller_permissions(scope).await?;
    Ok(permissions.iter().any(|permission| {
        permission
            .actions
            .iter()
            .any(|a| core::wildcard_match(a, action))
            && !permission
                .not_actions
                .iter()
                .any(|a| core::wildcard_match(a, action))
    }))
}

/// The object ID of the signed-in user or service principal: the `oid` claim of its
/// Resource Manager token. Only read to name the caller in an access policy it creates
/// for itself; never trusted for anything else.
pub(crate) async fn signed_in_object_id(session: &Session) -> Result<String, AzureError> {
    let scope = session.arm.cloud().arm_scope();
    let token = session.credential().token(&[&scope]).await?;
    let invalid = |reason: &str| AzureError::InvalidResponse {
        what: "the sign-in token".to_owned(),
        reason: reason.to_owned(),
    };
    let payload = token
        .token
        .secret()
        .split('.')
        .nth(1)
        .ok_or_else(|| invalid("it is not a JSON web token"))?;
    let bytes = azure_core::base64::decode_url_safe(payload)
        .map_err(|_| invalid("its payload is not base64url"))?;
    let claims: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| invalid("its payload is not JSON"))?;
    claims["oid"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| invalid("it has no `oid` claim"))
}
