//! Does an identity have what an encrypting service needs on a key: read (get), wrap and
//! unwrap? Answered from a vault's access policies or from Azure role assignments.

use crate::arm_id::Scope;

use super::input::{RoleAssignment, RoleDefinition, VaultFacts};

/// One permission a service needs, in both permission models' words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needed {
    /// Access-policy key permission, e.g. `wrapKey`.
    pub key_permission: &'static str,
    /// RBAC data action, e.g. `Microsoft.KeyVault/vaults/keys/wrap/action`.
    pub data_action: &'static str,
}

pub const NEEDED: [Needed; 3] = [
    Needed {
        key_permission: "get",
        data_action: "Microsoft.KeyVault/vaults/keys/read",
    },
    Needed {
        key_permission: "wrapKey",
        data_action: "Microsoft.KeyVault/vaults/keys/wrap/action",
    },
    Needed {
        key_permission: "unwrapKey",
        data_action: "Microsoft.KeyVault/vaults/keys/unwrap/action",
    },
];

/// The key permissions an access policy grant gives: what a service needs ([`NEEDED`]) and
/// `recover`, which the Cognitive Services customer-managed key document asks for so the
/// service can recover a key deleted by mistake. Only [`NEEDED`] is checked: `recover` is
/// not required for access, and the RBAC path (Key Vault Crypto Service Encryption User)
/// is left as it is.
pub const GRANTED_KEY_PERMISSIONS: [&str; 4] = ["get", "wrapKey", "unwrapKey", "recover"];

/// Key Vault Crypto Service Encryption User: the built-in role made for this purpose.
pub const CRYPTO_SERVICE_ENCRYPTION_USER: &str = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

/// Built-in roles keyblade knows without being told (copied from Azure's role
/// definitions), as (GUID, data actions).
const KNOWN_ROLES: [(&str, &[&str]); 1] = [(
    CRYPTO_SERVICE_ENCRYPTION_USER,
    &[
        "Microsoft.KeyVault/vaults/keys/read",
        "Microsoft.KeyVault/vaults/keys/wrap/action",
        "Microsoft.KeyVault/vaults/keys/unwrap/action",
    ],
)];

/// What an access check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessReport {
    /// Permissions not granted by anything keyblade could evaluate.
    pub missing: Vec<Needed>,
    /// Role definitions that apply to the principal but whose contents were not given:
    /// they might grant what is missing.
    pub unknown_roles: Vec<String>,
    /// Assignments with ABAC conditions, which keyblade does not evaluate.
    pub conditional_assignments: usize,
    /// The principal's current access-policy key permissions (access-policy vaults).
    pub existing_key_permissions: Vec<String>,
}

impl AccessReport {
    /// Whether the missing permissions might still be granted by something unevaluated.
    pub fn is_uncertain(&self) -> bool {
        !self.unknown_roles.is_empty() || self.conditional_assignments > 0
    }
}

/// Access-policy model: the principal's own entries (not compound-identity ones, which
/// only apply when an application acts for a user). Permission names are
/// case-insensitive and `all` grants everything.
pub fn check_access_policies(vault: &VaultFacts, principal_id: &str) -> AccessReport {
    let granted: Vec<&str> = vault
        .access_policies
        .iter()
        .filter(|policy| {
            policy.object_id.eq_ignore_ascii_case(principal_id) && policy.application_id.is_none()
        })
        .flat_map(|policy| policy.permissions.keys.iter().map(String::as_str))
        .collect();
    let has = |permission: &str| {
        granted
            .iter()
            .any(|g| g.eq_ignore_ascii_case(permission) || g.eq_ignore_ascii_case("all"))
    };
    let mut existing: Vec<String> = Vec::new();
    for permission in &granted {
        if !existing.iter().any(|e| e.eq_ignore_ascii_case(permission)) {
            existing.push((*permission).to_owned());
        }
    }
    AccessReport {
        missing: NEEDED
            .iter()
            .copied()
            .filter(|needed| !has(needed.key_permission))
            .collect(),
        existing_key_permissions: existing,
        ..AccessReport::default()
    }
}

/// RBAC model: the principal's assignments whose scope covers the vault, through the
/// data actions of their roles (`*` wildcards, `notDataActions` subtracted within the
/// same permission block, as Azure evaluates them). Deny assignments are not considered.
pub fn check_role_assignments(
    vault: &VaultFacts,
    principal_id: &str,
    assignments: &[RoleAssignment],
    definitions: &[RoleDefinition],
) -> AccessReport {
    let mut report = AccessReport::default();
    let mut granted = [false; NEEDED.len()];
    for assignment in assignments {
        if !assignment.principal_id.eq_ignore_ascii_case(principal_id)
            || Scope::classify(&vault.id, &assignment.scope) == Scope::Unrelated
        {
            continue;
        }
        if assignment
            .condition
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty())
        {
            report.conditional_assignments += 1;
            continue;
        }
        let role_guid = trailing_guid(&assignment.role_definition_id);
        let given = definitions
            .iter()
            .find(|d| trailing_guid(&d.id).eq_ignore_ascii_case(role_guid));
        let known = KNOWN_ROLES
            .iter()
            .find(|(guid, _)| guid.eq_ignore_ascii_case(role_guid));
        let role_grants: [bool; NEEDED.len()] = match (given, known) {
            (Some(definition), _) => NEEDED.map(|needed| {
                definition.permissions.iter().any(|permission| {
                    permission
                        .data_actions
                        .iter()
                        .any(|p| wildcard_match(p, needed.data_action))
                        && !permission
                            .not_data_actions
                            .iter()
                            .any(|p| wildcard_match(p, needed.data_action))
                })
            }),
            (None, Some((_, actions))) => NEEDED.map(|needed| {
                actions
                    .iter()
                    .any(|p| wildcard_match(p, needed.data_action))
            }),
            (None, None) => {
                if !report
                    .unknown_roles
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(&assignment.role_definition_id))
                {
                    report
                        .unknown_roles
                        .push(assignment.role_definition_id.clone());
                }
                continue;
            }
        };
        for (slot, grants) in granted.iter_mut().zip(role_grants) {
            *slot |= grants;
        }
    }
    report.missing = NEEDED
        .iter()
        .zip(granted)
        .filter(|(_, granted)| !granted)
        .map(|(needed, _)| *needed)
        .collect();
    report
}

fn trailing_guid(role_definition_id: &str) -> &str {
    role_definition_id
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(role_definition_id)
}

/// Azure's action pattern match: case-insensitive, `*` matches any run of characters
/// (including `/`).
pub fn wildcard_match(pattern: &str, action: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let action = action.to_ascii_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == action;
    }
    let (first, rest) = parts.split_first().expect("split yields at least one part");
    let (last, middle) = rest.split_last().expect("a pattern with * has two parts");
    if action.len() < first.len() + last.len()
        || !action.starts_with(first)
        || !action.ends_with(last)
    {
        return false;
    }
    let mut remaining = &action[first.len()..action.len() - last.len()];
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_azure() {
        let wrap = "Microsoft.KeyVault/vaults/keys/wrap/action";
        for (pattern, expected) in [
            ("*", true),
            ("Microsoft.KeyVault/*", true),
            ("microsoft.keyvault/vaults/keys/*", true),
            ("Microsoft.KeyVault/vaults/*/action", true),
            ("Microsoft.KeyVault/vaults/keys/wrap/action", true),
            ("Microsoft.KeyVault/vaults/keys/unwrap/action", false),
            ("Microsoft.KeyVault/vaults/secrets/*", false),
            ("Microsoft.KeyVault/vaults/keys/*/read", false),
            ("*/wrap/*", true),
            ("Microsoft.KeyVault/vaults/keys/wrap/action*", true),
            ("Microsoft.KeyVault/vaults/keys/wrap/action/*", false),
            ("Microsoft.Storage/*", false),
        ] {
            assert_eq!(wildcard_match(pattern, wrap), expected, "{pattern}");
        }
    }
}
