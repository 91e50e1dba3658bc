//! Azure RBAC: built-in role definitions and the evaluation of actions and data
//! actions for a principal at a scope.
//!
//! Semantics follow Azure's documentation ("Understand Azure role definitions"):
//! a role grants an operation when one of its `actions` (or `dataActions`) matches
//! it and none of the same role's `notActions` (`notDataActions`) does; grants of
//! different role assignments add up; an assignment applies to its scope and
//! everything below it (root > subscription > resource group > resource > child).
//! Wildcards: `*` matches any run of characters, case-insensitively; `a/*/b` also
//! matches `a/b`, which is how `Microsoft.KeyVault/vaults/*/read` lets Key Vault
//! Reader read the vault itself.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::arm::id::scope_covers;
use crate::world::World;

/// A built-in role, as `GET /providers/Microsoft.Authorization/roleDefinitions/{id}` returns it.
#[derive(Debug, Clone, Copy)]
pub struct BuiltInRole {
    pub id: &'static str,
    pub role_name: &'static str,
    pub description: &'static str,
    pub actions: &'static [&'static str],
    pub not_actions: &'static [&'static str],
    pub data_actions: &'static [&'static str],
    pub not_data_actions: &'static [&'static str],
}

pub const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
pub const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
pub const USER_ACCESS_ADMINISTRATOR: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
pub const KEY_VAULT_ADMINISTRATOR: &str = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
pub const KEY_VAULT_CONTRIBUTOR: &str = "f25e0fa2-a7c8-4377-a976-54943a77a395";
pub const KEY_VAULT_CRYPTO_OFFICER: &str = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603";
pub const KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER: &str = "e147488a-f6f5-4113-8e2d-b22465e65bf6";
pub const KEY_VAULT_CRYPTO_USER: &str = "12338af0-0e69-4776-bea7-57ae8d297424";
pub const KEY_VAULT_READER: &str = "21090545-7ca7-4776-b22c-e363652d74d2";
pub const MANAGED_IDENTITY_OPERATOR: &str = "f1a07417-d97a-45cb-824c-7a7467783830";

/// Actions the Key Vault data-plane roles share (from Azure's built-in role list).
const KEY_VAULT_ROLE_ACTIONS: &[&str] = &[
    "Microsoft.Authorization/*/read",
    "Microsoft.Insights/alertRules/*",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Support/*",
    "Microsoft.KeyVault/checkNameAvailability/read",
    "Microsoft.KeyVault/deletedVaults/read",
    "Microsoft.KeyVault/locations/*/read",
    "Microsoft.KeyVault/vaults/*/read",
    "Microsoft.KeyVault/operations/read",
];

pub const BUILT_IN_ROLES: &[BuiltInRole] = &[
    BuiltInRole {
        id: OWNER,
        role_name: "Owner",
        description: "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
        actions: &["*"],
        not_actions: &[],
        data_actions: &[],
        not_data_actions: &[],
    },
    BuiltInRole {
        id: CONTRIBUTOR,
        role_name: "Contributor",
        description: "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
        actions: &["*"],
        not_actions: &[
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ],
        data_actions: &[],
        not_data_actions: &[],
    },
    BuiltInRole {
        id: READER,
        role_name: "Reader",
        description: "View all resources, but does not allow you to make any changes.",
        actions: &["*/read"],
        not_actions: &[],
        data_actions: &[],
        not_data_actions: &[],
    },
    BuiltInRole {
        id: USER_ACCESS_ADMINISTRATOR,
        role_name: "User Access Administrator",
        description: "Lets you manage user access to Azure resources.",
        actions: &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
        not_actions: &[],
        data_actions: &[],
        not_data_actions: &[],
    },
    BuiltInRole {
        id: KEY_VAULT_ADMINISTRATOR,
        role_name: "Key Vault Administrator",
        description: "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments. Only works for key vaults that use the 'Azure role-based access control' permission model.",
        actions: KEY_VAULT_ROLE_ACTIONS,
        not_actions: &[],
        data_actions: &["Microsoft.KeyVault/vaults/*"],
        not_data_actions: &[],
    },
    BuiltInRole {
        id: KEY_VAULT_CONTRIBUTOR,
        role_name: "Key Vault Contributor",
        description: "Lets you manage key vaults, but not access to them.",
        actions: &[
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.KeyVault/*",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Support/*",
        ],
        not_actions: &[
            "Microsoft.KeyVault/locations/deletedVaults/purge/action",
            "Microsoft.KeyVault/hsmPools/*",
            "Microsoft.KeyVault/managedHsms/*",
        ],
        data_actions: &[],
        not_data_actions: &[],
    },
    BuiltInRole {
        id: KEY_VAULT_CRYPTO_OFFICER,
        role_name: "Key Vault Crypto Officer",
        description: "Perform any action on the keys of a key vault, except manage permissions. Only works for key vaults that use the 'Azure role-based access control' permission model.",
        actions: KEY_VAULT_ROLE_ACTIONS,
        not_actions: &[],
        data_actions: &[
            "Microsoft.KeyVault/vaults/keys/*",
            "Microsoft.KeyVault/vaults/keyrotationpolicies/*",
        ],
        not_data_actions: &[],
    },
    BuiltInRole {
        id: KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
        role_name: "Key Vault Crypto Service Encryption User",
        description: "Read metadata of keys and perform wrap/unwrap operations. Only works for key vaults that use the 'Azure role-based access control' permission model.",
        actions: &[
            "Microsoft.EventGrid/eventSubscriptions/write",
            "Microsoft.EventGrid/eventSubscriptions/read",
            "Microsoft.EventGrid/eventSubscriptions/delete",
        ],
        not_actions: &[],
        data_actions: &[
            "Microsoft.KeyVault/vaults/keys/read",
            "Microsoft.KeyVault/vaults/keys/wrap/action",
            "Microsoft.KeyVault/vaults/keys/unwrap/action",
        ],
        not_data_actions: &[],
    },
    BuiltInRole {
        id: KEY_VAULT_CRYPTO_USER,
        role_name: "Key Vault Crypto User",
        description: "Perform cryptographic operations using keys. Only works for key vaults that use the 'Azure role-based access control' permission model.",
        actions: &[],
        not_actions: &[],
        data_actions: &[
            "Microsoft.KeyVault/vaults/keys/read",
            "Microsoft.KeyVault/vaults/keys/update/action",
            "Microsoft.KeyVault/vaults/keys/backup/action",
            "Microsoft.KeyVault/vaults/keys/encrypt/action",
            "Microsoft.KeyVault/vaults/keys/decrypt/action",
            "Microsoft.KeyVault/vaults/keys/wrap/action",
            "Microsoft.KeyVault/vaults/keys/unwrap/action",
            "Microsoft.KeyVault/vaults/keys/sign/action",
            "Microsoft.KeyVault/vaults/keys/verify/action",
        ],
        not_data_actions: &[],
    },
    BuiltInRole {
        id: KEY_VAULT_READER,
        role_name: "Key Vault Reader",
        description: "Read metadata of key vaults and its certificates, keys, and secrets. Cannot read sensitive values such as secret contents or key material. Only works for key vaults that use the 'Azure role-based access control' permission model.",
        actions: KEY_VAULT_ROLE_ACTIONS,
        not_actions: &[],
        data_actions: &[
            "Microsoft.KeyVault/vaults/*/read",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
        ],
        not_data_actions: &[],
    },
    BuiltInRole {
        id: MANAGED_IDENTITY_OPERATOR,
        role_name: "Managed Identity Operator",
        description: "Read and Assign User Assigned Identity",
        actions: &[
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Support/*",
        ],
        not_actions: &[],
        data_actions: &[],
        not_data_actions: &[],
    },
];

/// A built-in role by GUID, by role definition ID, or by role name.
pub fn built_in_role(id_or_name: &str) -> Option<&'static BuiltInRole> {
    let guid = id_or_name.rsplit('/').next().unwrap_or(id_or_name);
    BUILT_IN_ROLES
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(guid) || r.role_name.eq_ignore_ascii_case(id_or_name))
}

impl BuiltInRole {
    /// The role definition resource. `scope` is where it is read from: Azure
    /// returns built-ins under the requested subscription as well as at the root.
    pub fn to_json(self, scope: &str) -> Value {
        let scope = scope.trim_end_matches('/');
        json!({
            "id": format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{}", self.id),
            "name": self.id,
            "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {
                "roleName": self.role_name,
                "type": "BuiltInRole",
                "description": self.description,
                "assignableScopes": ["/"],
                "permissions": [self.permission_json()],
                "createdOn": "2015-02-02T21:55:09.8806423Z",
                "updatedOn": "2024-01-01T00:00:00.0000000Z",
                "createdBy": null,
                "updatedBy": null
            }
        })
    }

    pub fn permission_json(&self) -> Value {
        json!({
            "actions": self.actions,
            "notActions": self.not_actions,
            "dataActions": self.data_actions,
            "notDataActions": self.not_data_actions,
        })
    }

    pub fn grants(&self, operation: &str, kind: OperationKind) -> bool {
        let (allow, deny) = match kind {
            OperationKind::Action => (self.actions, self.not_actions),
            OperationKind::DataAction => (self.data_actions, self.not_data_actions),
        };
        allow.iter().any(|p| pattern_matches(p, operation))
            && !deny.iter().any(|p| pattern_matches(p, operation))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// Control plane (`actions`/`notActions`).
    Action,
    /// Data plane (`dataActions`/`notDataActions`).
    DataAction,
}

/// Azure's wildcard match: case-insensitive, `*` matches any run of characters,
/// and `a/*/b` also matches `a/b`.
pub fn pattern_matches(pattern: &str, operation: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let operation = operation.to_ascii_lowercase();
    glob(pattern.as_bytes(), operation.as_bytes())
        || (pattern.contains("/*/")
            && glob(pattern.replace("/*/", "/").as_bytes(), operation.as_bytes()))
}

fn glob(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative wildcard matching that backtracks to the last `*`.
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// A role assignment as the sandbox keeps it; `to_json` gives Azure's shape.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// Canonical ID: `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`.
    pub id: String,
    /// A GUID.
    pub name: String,
    /// Canonical scope (`/` for the root).
    pub scope: String,
    /// As Azure stores it: `/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}`.
    pub role_definition_id: String,
    pub principal_id: String,
    pub principal_type: String,
    #[serde(default)]
    pub description: Option<String>,
    pub created_on: String,
    pub updated_on: String,
    #[serde(default)]
    pub created_by: Option<String>,
    /// Sandbox Unix seconds from which Key Vault honours the assignment (see
    /// `propagation`); `None`: at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_at: Option<i64>,
}

impl RoleAssignment {
    pub fn role_guid(&self) -> &str {
        self.role_definition_id
            .rsplit('/')
            .next()
            .unwrap_or(&self.role_definition_id)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {
                "roleDefinitionId": self.role_definition_id,
                "principalId": self.principal_id,
                "principalType": self.principal_type,
                "scope": self.scope,
                "condition": null,
                "conditionVersion": null,
                "description": self.description,
                "createdOn": self.created_on,
                "updatedOn": self.updated_on,
                "createdBy": self.created_by,
                "updatedBy": self.created_by,
                "delegatedManagedIdentityResourceId": null
            }
        })
    }
}

fn principal_and_groups(world: &World, principal: &str) -> Vec<String> {
    let mut principals = vec![principal.to_ascii_lowercase()];
    principals.extend(
        world
            .directory
            .groups_of(principal)
            .into_iter()
            .map(str::to_ascii_lowercase),
    );
    principals
}

/// The role assignments of `principal` (directly or through a group), wherever they apply.
pub fn assignments_of<'w>(world: &'w World, principal: &str) -> Vec<&'w RoleAssignment> {
    let principals = principal_and_groups(world, principal);
    world
        .arm
        .role_assignments
        .values()
        .filter(|a| {
            principals
                .iter()
                .any(|p| a.principal_id.eq_ignore_ascii_case(p))
        })
        .collect()
}

/// The role assignments that apply to `principal` at `scope`, with their roles.
pub fn effective_assignments<'w>(
    world: &'w World,
    principal: &str,
    scope: &str,
) -> Vec<(&'w RoleAssignment, &'static BuiltInRole)> {
    assignments_of(world, principal)
        .into_iter()
        .filter(|a| scope_covers(&a.scope, scope))
        .filter_map(|a| built_in_role(a.role_guid()).map(|role| (a, role)))
        .collect()
}

/// Whether `principal` may perform the control-plane `action` at `scope`.
pub fn action_allowed(world: &World, principal: &str, scope: &str, action: &str) -> bool {
    effective_assignments(world, principal, scope)
        .iter()
        .any(|(_, role)| role.grants(action, OperationKind::Action))
}

/// Whether `principal` (directly or through a group) holds a role assignment at
/// `scope` or any ancestor scope whose role grants `data_action` (for example
/// `Microsoft.KeyVault/vaults/keys/wrap/action` at a key's
/// `/subscriptions/…/vaults/{v}/keys/{k}`).
///
/// An assignment still propagating (see `propagation`) does not count yet.
pub fn data_action_allowed(
    world: &World,
    principal_object_id: &str,
    scope: &str,
    data_action: &str,
) -> bool {
    let now = world.clock.now_unix();
    effective_assignments(world, principal_object_id, scope)
        .iter()
        .any(|(assignment, role)| {
            crate::propagation::is_effective(assignment.effective_at, now)
                && role.grants(data_action, OperationKind::DataAction)
        })
}

/// Whether `principal` holds any role assignment at, above or below `scope`
/// (ARM lists a subscription to anyone with access to something in it).
pub fn has_any_access_within(world: &World, principal: &str, scope: &str) -> bool {
    assignments_of(world, principal)
        .iter()
        .any(|a| scope_covers(&a.scope, scope) || scope_covers(scope, &a.scope))
}

/// `{scope}/providers/Microsoft.Authorization/permissions`: one entry per applying role.
pub fn permissions_json(world: &World, principal: &str, scope: &str) -> Value {
    let value: Vec<Value> = effective_assignments(world, principal, scope)
        .iter()
        .map(|(_, role)| role.permission_json())
        .collect();
    json!({ "value": value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_azure() {
        let cases = [
            ("*", "Microsoft.KeyVault/vaults/write", true),
            ("*/read", "Microsoft.KeyVault/vaults/read", true),
            ("*/read", "Microsoft.KeyVault/vaults/write", false),
            (
                "Microsoft.KeyVault/vaults/*/read",
                "Microsoft.KeyVault/vaults/read",
                true,
            ),
            (
                "Microsoft.KeyVault/vaults/*/read",
                "Microsoft.KeyVault/vaults/keys/read",
                true,
            ),
            (
                "Microsoft.KeyVault/vaults/*/read",
                "Microsoft.KeyVault/vaults/write",
                false,
            ),
            (
                "Microsoft.Authorization/*/Write",
                "microsoft.authorization/roleAssignments/write",
                true,
            ),
            (
                "Microsoft.KeyVault/vaults/keys/*",
                "Microsoft.KeyVault/vaults/keys/wrap/action",
                true,
            ),
            (
                "Microsoft.KeyVault/vaults/keys/*",
                "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                false,
            ),
        ];
        for (pattern, operation, expected) in cases {
            assert_eq!(
                pattern_matches(pattern, operation),
                expected,
                "{pattern} vs {operation}"
            );
        }
    }

    #[test]
    fn not_actions_subtract_within_a_role() {
        let contributor = built_in_role(CONTRIBUTOR).expect("built in");
        assert!(contributor.grants(
            "Microsoft.ContainerRegistry/registries/write",
            OperationKind::Action
        ));
        assert!(!contributor.grants(
            "Microsoft.Authorization/roleAssignments/write",
            OperationKind::Action
        ));
        let reader = built_in_role("Reader").expect("by name");
        assert!(reader.grants(
            "Microsoft.ContainerRegistry/registries/read",
            OperationKind::Action
        ));
        assert!(!reader.grants(
            "Microsoft.ContainerRegistry/registries/write",
            OperationKind::Action
        ));
        let encryption_user =
            built_in_role(KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER).expect("built in");
        assert!(encryption_user.grants(
            "Microsoft.KeyVault/vaults/keys/unwrap/action",
            OperationKind::DataAction
        ));
        assert!(!encryption_user.grants(
            "Microsoft.KeyVault/vaults/keys/delete",
            OperationKind::DataAction
        ));
        assert!(
            !encryption_user.grants("Microsoft.KeyVault/vaults/keys/read", OperationKind::Action)
        );
    }
}
