//! Revoking access: the four ways, what each cuts off, and what the user must confirm.
//!
//! [`plan`] is pure: the caller gathers the resource, the key in use, its vault and role
//! assignments (the same [`Facts`] Change key reads) and the other resources that use the
//! same key or the same identity's vault access, and gets a [`LifecyclePlan`] back. A way
//! that does not apply (a policy on an RBAC vault, a key already disabled, a resource
//! without a customer-managed key) is refused with an error finding, never planned.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::arm_id::ResourceId;
use crate::kind::KindRules;
use crate::preflight::{
    AzArg, AzCommand, CurrentEncryption, Facts, Finding, FindingCode, HttpMethod, KeyLookup,
    PlanStep, ResourceState, RoleAssignment, Severity, StepKind, VaultFacts, check_access_policies,
    check_role_assignments,
};

use super::{AffectedResource, Confirmation, LifecycleAction, LifecyclePlan, RevokeWay};

use crate::preflight::KEY_VAULT_DATA_API_VERSION;

/// The sentence the acknowledgement checkbox states when a deleted key cannot be recovered.
pub const UNRECOVERABLE_ACKNOWLEDGEMENT: &str = "I understand this key cannot be recovered";

/// Everything [`plan`] reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeInput {
    /// The resource as it is now (its key and identity).
    pub resource: ResourceState,
    /// The key version in use, its vault, the identity and the vault's role assignments.
    pub facts: Facts,
    /// Other resources that use the same key (any version of it).
    #[serde(default)]
    pub key_users: Vec<AffectedResource>,
    /// Other resources whose keys in the same vault are reached by the same identity.
    #[serde(default)]
    pub identity_users: Vec<AffectedResource>,
    /// Set when some subscription's resources could not be listed: others may use the key
    /// or the identity too.
    #[serde(default)]
    pub users_incomplete: bool,
}

/// A key URI split into what the steps name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyParts {
    /// `https://{vault}.{suffix}[:port]`, without a trailing slash.
    pub vault_url: String,
    /// The vault's name (the host's first label).
    pub vault_name: String,
    /// The key's name.
    pub name: String,
    /// The version, when the URI names one.
    pub version: Option<String>,
}

impl KeyParts {
    /// Splits `https://{vault}/keys/{name}[/{version}]`; `None` for anything else.
    pub(crate) fn parse(uri: &str) -> Option<KeyParts> {
        let (scheme, rest) = uri.trim().split_once("://")?;
        let (host, path) = rest.split_once('/')?;
        let mut segments = path.trim_end_matches('/').split('/');
        if !segments.next()?.eq_ignore_ascii_case("keys") {
            return None;
        }
        let name = segments.next().filter(|n| !n.is_empty())?.to_owned();
        let version = segments.next().filter(|v| !v.is_empty()).map(str::to_owned);
        if segments.next().is_some() || host.is_empty() {
            return None;
        }
        Some(KeyParts {
            vault_url: format!("{scheme}://{host}"),
            vault_name: host.split('.').next().unwrap_or(host).to_owned(),
            name,
            version,
        })
    }

    /// The key (a version of it when `version` is set) as a URL with the data-plane
    /// API version: what a data-plane step's `path` holds.
    pub(crate) fn url(&self, version: Option<&str>) -> String {
        match version {
            Some(version) => format!(
                "{}/keys/{}/{version}?api-version={KEY_VAULT_DATA_API_VERSION}",
                self.vault_url, self.name
            ),
            None => format!(
                "{}/keys/{}?api-version={KEY_VAULT_DATA_API_VERSION}",
                self.vault_url, self.name
            ),
        }
    }
}

/// The key version the resource uses now: its versioned URI, else the configured one.
pub(crate) fn key_in_use(resource: &ResourceState) -> Option<KeyParts> {
    let CurrentEncryption::CustomerManaged {
        key_uri,
        versioned_key_uri,
        ..
    } = &resource.encryption
    else {
        return None;
    };
    let configured = KeyParts::parse(key_uri)?;
    match versioned_key_uri.as_deref().and_then(KeyParts::parse) {
        Some(in_use) if in_use.name.eq_ignore_ascii_case(&configured.name) => Some(in_use),
        _ => Some(configured),
    }
}

/// The object ID of the identity the resource's encryption uses, when it is known: the
/// system-assigned identity's, or that of the user-assigned identity the encryption names
/// (attached, or read from its own resource).
pub fn encryption_principal(resource: &ResourceState, facts: &Facts) -> Option<String> {
    let CurrentEncryption::CustomerManaged { identity, .. } = &resource.encryption else {
        return None;
    };
    if identity.eq_ignore_ascii_case("system") {
        return resource
            .identity
            .system_assigned
            .as_ref()
            .map(|s| s.principal_id.clone());
    }
    let names = |u: &crate::preflight::UserAssignedIdentity| {
        u.client_id.eq_ignore_ascii_case(identity)
            || u.resource_id.as_str().eq_ignore_ascii_case(identity)
    };
    resource
        .identity
        .user_assigned
        .iter()
        .find(|u| names(u))
        .or(facts.user_assigned_identity.as_ref().filter(|u| names(u)))
        .map(|u| u.principal_id.clone())
        .filter(|p| !p.is_empty())
}

/// Builds a finding.
pub(crate) fn finding(
    severity: Severity,
    code: FindingCode,
    message: String,
    fix: Option<String>,
) -> Finding {
    Finding {
        severity,
        code,
        message,
        fix,
    }
}

/// Enable or disable one key version (`PATCH {vault}/keys/{name}/{version}`).
pub(crate) fn set_key_enabled(key: &KeyParts, version: Option<&str>, enabled: bool) -> PlanStep {
    let mut command = AzCommand::new(&["az", "keyvault", "key", "set-attributes"])
        .option("--vault-name", &key.vault_name)
        .option("--name", &key.name);
    if let Some(version) = version {
        command = command.option("--version", version);
    }
    let command = command.option("--enabled", if enabled { "true" } else { "false" });
    let which = match version {
        Some(version) => format!("version {version} of key {}", key.name),
        None => format!("key {}", key.name),
    };
    PlanStep {
        kind: if enabled {
            StepKind::EnableKey
        } else {
            StepKind::DisableKey
        },
        title: format!(
            "{} {which} in vault {}",
            if enabled { "Enable" } else { "Disable" },
            key.vault_name
        ),
        method: HttpMethod::Patch,
        path: key.url(version),
        body: json!({ "attributes": { "enabled": enabled } }),
        body_summary: format!("attributes.enabled = {enabled}"),
        az_command: command.render(),
        placeholders: Vec::new(),
    }
}

/// Delete a key, every version (`DELETE {vault}/keys/{name}`).
fn delete_key(key: &KeyParts) -> PlanStep {
    PlanStep {
        kind: StepKind::DeleteKey,
        title: format!(
            "Delete key {} (every version) from vault {}",
            key.name, key.vault_name
        ),
        method: HttpMethod::Delete,
        path: key.url(None),
        body: serde_json::Value::Null,
        body_summary: "no body".to_owned(),
        az_command: AzCommand::new(&["az", "keyvault", "key", "delete"])
            .option("--vault-name", &key.vault_name)
            .option("--name", &key.name)
            .render(),
        placeholders: Vec::new(),
    }
}

/// Recover a soft-deleted key (`POST {vault}/deletedkeys/{name}/recover`).
pub(crate) fn recover_key(key: &KeyParts) -> PlanStep {
    PlanStep {
        kind: StepKind::RecoverDeletedKey,
        title: format!(
            "Recover the deleted key {} in vault {}",
            key.name, key.vault_name
        ),
        method: HttpMethod::Post,
        path: format!(
            "{}/deletedkeys/{}/recover?api-version={KEY_VAULT_DATA_API_VERSION}",
            key.vault_url, key.name
        ),
        body: serde_json::Value::Null,
        body_summary: "no body".to_owned(),
        az_command: AzCommand::new(&["az", "keyvault", "key", "recover"])
            .option("--vault-name", &key.vault_name)
            .option("--name", &key.name)
            .render(),
        placeholders: Vec::new(),
    }
}

/// Remove the principal's key permissions from the vault's access policy
/// (`PUT .../accessPolicies/remove`; an entry left with no permissions goes away).
fn remove_access_policy(
    vault: &ResourceId,
    tenant_id: &str,
    principal_id: &str,
    key_permissions: &[String],
) -> PlanStep {
    PlanStep {
        kind: StepKind::RemoveAccessPolicy,
        title: format!(
            "Remove the identity's access policy from vault {}",
            vault.name()
        ),
        method: HttpMethod::Put,
        path: format!(
            "{vault}/accessPolicies/remove?api-version={}",
            crate::preflight::KEY_VAULT_API_VERSION
        ),
        body: json!({
            "properties": {
                "accessPolicies": [{
                    "tenantId": tenant_id,
                    "objectId": principal_id,
                    "permissions": { "keys": key_permissions }
                }]
            }
        }),
        body_summary: format!(
            "remove access policy for object {principal_id}: keys {}",
            key_permissions.join(", ")
        ),
        az_command: AzCommand::new(&["az", "keyvault", "delete-policy"])
            .option("--name", vault.name())
            .option("--resource-group", vault.resource_group())
            .option("--subscription", vault.subscription_id())
            .option("--object-id", principal_id)
            .render(),
        placeholders: Vec::new(),
    }
}

/// Delete one role assignment (`DELETE {assignment id}`).
fn delete_role_assignment(assignment_id: &str, role: &str, vault_name: &str) -> PlanStep {
    PlanStep {
        kind: StepKind::DeleteRoleAssignment,
        title: format!("Remove the identity's role assignment {role} on vault {vault_name}"),
        method: HttpMethod::Delete,
        path: format!(
            "{assignment_id}?api-version={}",
            crate::preflight::AUTHORIZATION_API_VERSION
        ),
        body: serde_json::Value::Null,
        body_summary: "no body".to_owned(),
        az_command: AzCommand::new(&["az", "role", "assignment", "delete"])
            .arg(AzArg::Literal("--ids".to_owned()))
            .arg(AzArg::Literal(assignment_id.to_owned()))
            .render(),
        placeholders: Vec::new(),
    }
}

fn trailing_guid(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

/// A role's name for a step title: the definition's name when known, else its GUID.
fn role_name(facts: &Facts, role_definition_id: &str) -> String {
    let guid = trailing_guid(role_definition_id);
    if guid.eq_ignore_ascii_case(crate::preflight::CRYPTO_SERVICE_ENCRYPTION_USER) {
        return "Key Vault Crypto Service Encryption User".to_owned();
    }
    facts
        .role_definitions
        .iter()
        .find(|d| trailing_guid(&d.id).eq_ignore_ascii_case(guid))
        .and_then(|d| d.role_name.clone())
        .unwrap_or_else(|| guid.to_owned())
}

/// The title of a revoke plan, by way.
fn title(way: RevokeWay) -> &'static str {
    match way {
        RevokeWay::RemoveAccessPolicy => "Revoke access by removing the access policy",
        RevokeWay::RemoveRoleAssignment => "Revoke access by removing the role assignment",
        RevokeWay::DisableKey => "Revoke access by disabling the key",
        RevokeWay::DeleteKey => "Revoke access by deleting the key",
    }
}

/// The Restore access fix that undoes a way, for the findings' fixes.
fn undo(way: RevokeWay) -> &'static str {
    match way {
        RevokeWay::RemoveAccessPolicy => "Restore access, Add the access policy",
        RevokeWay::RemoveRoleAssignment => "Restore access, Add the role assignment",
        RevokeWay::DisableKey => "Restore access, Enable the key",
        RevokeWay::DeleteKey => "Restore access, Recover the key",
    }
}

struct Planner<'a> {
    way: RevokeWay,
    input: &'a RevokeInput,
    rules: &'static KindRules,
    findings: Vec<Finding>,
    steps: Vec<PlanStep>,
    confirmation: Option<Confirmation>,
}

impl Planner<'_> {
    fn error(&mut self, code: FindingCode, message: String, fix: String) {
        self.findings
            .push(finding(Severity::Error, code, message, Some(fix)));
    }

    fn resource_name(&self) -> &str {
        self.input.resource.id.name()
    }

    fn vault(&mut self, key: &KeyParts) -> Option<VaultFacts> {
        match &self.input.facts.vault {
            Some(vault) if vault.id.name().eq_ignore_ascii_case(&key.vault_name) => {
                Some(vault.clone())
            }
            _ => {
                let name = key.vault_name.clone();
                self.error(
                    FindingCode::VaultNotFound,
                    format!(
                        "keyblade could not find the key vault {name} in the subscriptions you \
                         can read, so it cannot see who has access to the key."
                    ),
                    format!(
                        "Check that your account can read vault {name} (Reader on it), or \
                         revoke by disabling the key."
                    ),
                );
                None
            }
        }
    }

    fn principal(&mut self) -> Option<String> {
        let principal = encryption_principal(&self.input.resource, &self.input.facts);
        if principal.is_none() {
            let noun = self.rules.short_name;
            self.error(
                FindingCode::RevokeIdentityUnknown,
                format!(
                    "keyblade cannot tell which identity the {noun}'s encryption reaches the key \
                     with (it is not attached, turned off or was deleted), so there is no \
                     identity's access to remove."
                ),
                "Revoke by disabling or deleting the key instead, or check the Identity \
                 section of the Encryption blade."
                    .to_owned(),
            );
        }
        principal
    }

    fn run(&mut self) {
        if !matches!(
            self.input.resource.encryption,
            CurrentEncryption::CustomerManaged { .. }
        ) {
            let noun = self.rules.short_name;
            self.error(
                FindingCode::RevokeNoCustomerManagedKey,
                format!(
                    "The {noun} {} is encrypted with Microsoft-managed keys: there is no key of \
                     yours whose access could be revoked.",
                    self.resource_name()
                ),
                format!("Use a customer-managed key on the {noun} first (Change key)."),
            );
            return;
        }
        let Some(key) = key_in_use(&self.input.resource) else {
            self.error(
                FindingCode::RevokeNoCustomerManagedKey,
                format!(
                    "The key URI configured on {} is not a Key Vault key URI keyblade can read, \
                     so it cannot plan a revoke.",
                    self.resource_name()
                ),
                "Check the key in the Encryption blade, or revoke in Key Vault directly."
                    .to_owned(),
            );
            return;
        };
        match self.way {
            RevokeWay::RemoveAccessPolicy => self.remove_policy(&key),
            RevokeWay::RemoveRoleAssignment => self.remove_roles(&key),
            RevokeWay::DisableKey => self.disable(&key),
            RevokeWay::DeleteKey => self.delete(&key),
        }
        if !self.steps.is_empty() {
            self.explain();
        }
    }

    fn remove_policy(&mut self, key: &KeyParts) {
        let Some(vault) = self.vault(key) else {
            return;
        };
        if vault.enable_rbac_authorization {
            self.error(
                FindingCode::RevokeWayNotApplicable,
                format!(
                    "Vault {} uses Azure role-based access control, so access policies do not \
                     apply to it.",
                    vault.id.name()
                ),
                "Choose Remove the role assignment, or disable the key.".to_owned(),
            );
            return;
        }
        let Some(principal) = self.principal() else {
            return;
        };
        let entries: Vec<_> = vault
            .access_policies
            .iter()
            .filter(|p| p.object_id.eq_ignore_ascii_case(&principal) && p.application_id.is_none())
            .collect();
        let report = check_access_policies(&vault, &principal);
        let Some(entry) = entries.first().filter(|_| report.missing.len() < 3) else {
            self.error(
                FindingCode::RevokeNothingToRemove,
                format!(
                    "Vault {} has no access policy that lets the identity ({principal}) use \
                     keys, so there is nothing to remove: the {} cannot reach the key this way \
                     already.",
                    vault.id.name(),
                    self.rules.short_name
                ),
                "Check the data health on the Encryption blade; to block the key for every \
                 identity, disable the key instead."
                    .to_owned(),
            );
            return;
        };
        let permissions: Vec<String> = entries
            .iter()
            .flat_map(|e| e.permissions.keys.iter().cloned())
            .collect();
        self.steps.push(remove_access_policy(
            &vault.id,
            &entry.tenant_id,
            &principal,
            &permissions,
        ));
    }

    fn remove_roles(&mut self, key: &KeyParts) {
        let Some(vault) = self.vault(key) else {
            return;
        };
        if !vault.enable_rbac_authorization {
            self.error(
                FindingCode::RevokeWayNotApplicable,
                format!(
                    "Vault {} uses access policies, so role assignments do not give keys to \
                     anyone there.",
                    vault.id.name()
                ),
                "Choose Remove the access policy, or disable the key.".to_owned(),
            );
            return;
        }
        if let Some(reason) = &self.input.facts.role_assignments_unreadable {
            self.error(
                FindingCode::AccessUnreadable,
                format!(
                    "keyblade could not list the role assignments on vault {} ({}), so it \
                     cannot tell which one to remove.",
                    vault.id.name(),
                    reason.trim_end_matches('.')
                ),
                "Ask for Reader on the vault (it includes reading role assignments), or \
                 disable the key instead."
                    .to_owned(),
            );
            return;
        }
        let Some(principal) = self.principal() else {
            return;
        };
        let facts = &self.input.facts;
        let vault_id = vault.id.as_str().to_ascii_lowercase();
        // A key-scope assignment (`{vault}/keys/{name}`) is judged against the key's own
        // scope, which it covers.
        let below_vault = |a: &RoleAssignment| {
            a.scope
                .trim_end_matches('/')
                .to_ascii_lowercase()
                .starts_with(&format!("{vault_id}/"))
        };
        let grants = |assignment: &RoleAssignment| {
            let target = if below_vault(assignment) {
                match ResourceId::parse(assignment.scope.trim_end_matches('/')) {
                    Ok(id) => VaultFacts {
                        id,
                        ..vault.clone()
                    },
                    Err(_) => return false,
                }
            } else {
                vault.clone()
            };
            check_role_assignments(
                &target,
                &principal,
                std::slice::from_ref(assignment),
                &facts.role_definitions,
            )
            .missing
            .len()
                < 3
        };
        let granting: Vec<&RoleAssignment> = facts
            .role_assignments
            .iter()
            .filter(|a| a.principal_id.eq_ignore_ascii_case(&principal))
            .filter(|a| grants(a))
            .collect();
        let (at_vault, above): (Vec<&RoleAssignment>, Vec<&RoleAssignment>) =
            granting.into_iter().partition(|a| {
                a.scope
                    .trim_end_matches('/')
                    .eq_ignore_ascii_case(vault.id.as_str())
                    || below_vault(a)
            });
        let remaining: Vec<RoleAssignment> = above.iter().map(|a| (*a).clone()).collect();
        let still = check_role_assignments(&vault, &principal, &remaining, &facts.role_definitions);
        if !remaining.is_empty() && still.missing.is_empty() {
            let scopes: Vec<&str> = above.iter().map(|a| a.scope.as_str()).collect();
            self.error(
                FindingCode::RevokeAccessInherited,
                format!(
                    "The identity's access to the key comes from a role assigned above vault {} \
                     (at {}); removing it would take away much more than this key, so keyblade \
                     does not.",
                    vault.id.name(),
                    scopes.join(", ")
                ),
                "Remove or narrow that assignment yourself in Access control (IAM), or \
                 disable the key instead."
                    .to_owned(),
            );
            return;
        }
        let removable: Vec<(&RoleAssignment, &String)> = at_vault
            .iter()
            .filter_map(|a| a.id.as_ref().map(|id| (*a, id)))
            .collect();
        if removable.is_empty() {
            self.error(
                FindingCode::RevokeNothingToRemove,
                format!(
                    "No role assignment on vault {} grants the identity ({principal}) the key \
                     permissions, so there is nothing to remove: the {} cannot reach the key \
                     this way already.",
                    vault.id.name(),
                    self.rules.short_name
                ),
                "Check the data health on the Encryption blade; to block the key for every \
                 identity, disable the key instead."
                    .to_owned(),
            );
            return;
        }
        for (assignment, id) in removable {
            let role = role_name(facts, &assignment.role_definition_id);
            self.steps
                .push(delete_role_assignment(id, &role, vault.id.name()));
        }
    }

    fn disable(&mut self, key: &KeyParts) {
        let version = match &self.input.facts.key {
            KeyLookup::Found(details) if !details.enabled => {
                self.error(
                    FindingCode::RevokeKeyAlreadyDisabled,
                    format!(
                        "Key {} (the version {} uses) is already disabled: the {} cannot use it \
                         now.",
                        key.name,
                        self.resource_name(),
                        self.rules.short_name
                    ),
                    "To give access back, use Restore access, Enable the key.".to_owned(),
                );
                return;
            }
            KeyLookup::Found(details) => KeyParts::parse(&details.kid)
                .and_then(|p| p.version)
                .or_else(|| key.version.clone()),
            KeyLookup::NotFound => {
                self.key_not_found(key);
                return;
            }
            KeyLookup::Unreadable { reason, .. } => {
                let reason = reason.clone();
                self.findings.push(finding(
                    Severity::Warning,
                    FindingCode::KeyUnreadable,
                    format!(
                        "keyblade could not read key {} ({reason}), so it cannot check that it \
                         is enabled now.",
                        key.name
                    ),
                    Some(
                        "Disabling needs the key update permission in the vault; if it is \
                         refused, ask for Key Vault Crypto Officer."
                            .to_owned(),
                    ),
                ));
                key.version.clone()
            }
        };
        self.warn_newer_version(key, version.as_deref());
        self.steps
            .push(set_key_enabled(key, version.as_deref(), false));
    }

    /// Disabling the version in use leaves a newer enabled version, which a resource that
    /// follows new versions moves to by itself: access would come back.
    fn warn_newer_version(&mut self, key: &KeyParts, disabled: Option<&str>) {
        let follows = matches!(
            &self.input.resource.encryption,
            CurrentEncryption::CustomerManaged { key_uri, .. }
                if KeyParts::parse(key_uri).is_some_and(|p| p.version.is_none())
        ) && self.rules.follows_new_versions;
        let KeyLookup::Found(details) = &self.input.facts.key else {
            return;
        };
        let (Some(latest), Some(disabled)) = (&details.latest_version, disabled) else {
            return;
        };
        if !follows || latest.eq_ignore_ascii_case(disabled) {
            return;
        }
        self.findings.push(finding(
            Severity::Warning,
            FindingCode::RevokeNewerVersionEnabled,
            format!(
                "The {} follows new versions of key {}, and a newer version ({}) is enabled: \
                 the service may move to it {} and reach the data again.",
                self.rules.short_name,
                key.name,
                latest.to_ascii_lowercase(),
                self.rules.automatic_rotation
            ),
            Some(format!(
                "Disable version {} too (az keyvault key set-attributes --vault-name {} --name {} \
                 --version {} --enabled false), or revoke by removing the identity's access \
                 instead.",
                latest.to_ascii_lowercase(),
                key.vault_name,
                key.name,
                latest.to_ascii_lowercase()
            )),
        ));
    }

    fn key_not_found(&mut self, key: &KeyParts) {
        self.error(
            FindingCode::KeyNotFound,
            format!(
                "Key Vault has no key {} in vault {}: it was deleted (or never existed), so \
                 there is nothing to revoke; the {} cannot reach it already.",
                key.name, key.vault_name, self.rules.short_name
            ),
            "Use Restore access to see whether it can be recovered.".to_owned(),
        );
    }

    fn delete(&mut self, key: &KeyParts) {
        if matches!(self.input.facts.key, KeyLookup::NotFound) {
            self.key_not_found(key);
            return;
        }
        self.steps.push(delete_key(key));
        let name = self.resource_name().to_owned();
        let vault = self
            .input
            .facts
            .vault
            .as_ref()
            .filter(|v| v.id.name().eq_ignore_ascii_case(&key.vault_name));
        let unrecoverable = |why: String| {
            finding(
                Severity::Warning,
                FindingCode::RevokeKeyUnrecoverable,
                why,
                Some(format!(
                    "Turn soft delete on first (az keyvault update --name {} \
                     --enable-soft-delete true), or disable the key instead: a disabled key \
                     can be enabled again.",
                    key.vault_name
                )),
            )
        };
        match vault {
            Some(vault) if vault.enable_soft_delete != Some(false) => {
                let days = vault.soft_delete_retention_in_days.unwrap_or(90);
                let purge = if vault.enable_purge_protection == Some(true) {
                    "Purge protection is on, so nobody can purge it before then.".to_owned()
                } else {
                    "Purge protection is off: anyone allowed to purge keys can destroy it for \
                     good before then, and the data with it."
                        .to_owned()
                };
                self.findings.push(finding(
                    Severity::Info,
                    FindingCode::RevokeKeyRecoverable,
                    format!(
                        "Vault {} has soft delete on: the deleted key can be recovered for {days} \
                         days (Restore access, Recover the key). {purge}",
                        key.vault_name
                    ),
                    None,
                ));
                if vault.enable_purge_protection != Some(true) {
                    self.findings.push(finding(
                        Severity::Warning,
                        FindingCode::VaultPurgeProtectionOff,
                        format!(
                            "Vault {} has no purge protection: a purge of the deleted key \
                             would make {name}'s data unreadable for ever.",
                            key.vault_name
                        ),
                        Some(format!(
                            "Turn purge protection on first (az keyvault update --name {} \
                             --enable-purge-protection true), or disable the key instead.",
                            key.vault_name
                        )),
                    ));
                }
            }
            Some(_) => {
                self.findings.push(unrecoverable(format!(
                    "Vault {} has soft delete off: the deleted key is gone at once and cannot \
                     be recovered, and {name}'s data with it.",
                    key.vault_name
                )));
                self.confirmation = Some(Confirmation::TypeNameAndAcknowledge {
                    name: name.clone(),
                    acknowledgement: UNRECOVERABLE_ACKNOWLEDGEMENT.to_owned(),
                });
            }
            None => {
                self.findings.push(unrecoverable(format!(
                    "keyblade could not read vault {}, so it cannot tell whether soft delete \
                     would let the key be recovered: count on it being gone for good, and \
                     {name}'s data with it.",
                    key.vault_name
                )));
                self.confirmation = Some(Confirmation::TypeNameAndAcknowledge {
                    name: name.clone(),
                    acknowledgement: UNRECOVERABLE_ACKNOWLEDGEMENT.to_owned(),
                });
            }
        }
    }

    /// What the plan means, once it has steps: the data goes dark, and who else loses it.
    fn explain(&mut self) {
        let name = self.resource_name().to_owned();
        let noun = self.rules.short_name;
        self.findings.push(finding(
            Severity::Warning,
            FindingCode::RevokeDataInaccessible,
            format!(
                "After this, the {noun} {name} cannot unwrap its data encryption key: all of \
                 its data is inaccessible until access is restored."
            ),
            Some(format!(
                "To give access back later, use {}.",
                undo(self.way)
            )),
        ));
        if self.input.users_incomplete {
            self.findings.push(finding(
                Severity::Warning,
                FindingCode::RevokeAffectedUnknown,
                "keyblade could not list the resources of every subscription, so other \
                 resources may use this key or identity too and lose access with it."
                    .to_owned(),
                Some(
                    "Check the key's users in the subscriptions keyblade could not read before \
                     revoking."
                        .to_owned(),
                ),
            ));
        }
        let affected = self.affected();
        if !affected.is_empty() {
            let names: Vec<String> = affected
                .iter()
                .map(|a| format!("{} ({})", a.name, a.reason))
                .collect();
            self.findings.push(finding(
                Severity::Warning,
                FindingCode::RevokeAlsoAffects,
                format!(
                    "This also cuts off {} other resource{}, whose data becomes inaccessible \
                     too: {}.",
                    affected.len(),
                    if affected.len() == 1 { "" } else { "s" },
                    names.join("; ")
                ),
                Some(
                    "Move them to another key or identity first (Change key on each), or \
                     accept that their data becomes inaccessible as well."
                        .to_owned(),
                ),
            ));
        }
    }

    fn affected(&self) -> Vec<AffectedResource> {
        match self.way {
            RevokeWay::RemoveAccessPolicy | RevokeWay::RemoveRoleAssignment => {
                self.input.identity_users.clone()
            }
            RevokeWay::DisableKey | RevokeWay::DeleteKey => self.input.key_users.clone(),
        }
    }
}

/// Plans revoking `input.resource`'s access to its key `way`.
pub fn plan(way: RevokeWay, input: &RevokeInput) -> LifecyclePlan {
    let rules = KindRules::of(input.resource.kind);
    let mut planner = Planner {
        way,
        input,
        rules,
        findings: Vec::new(),
        steps: Vec::new(),
        confirmation: None,
    };
    planner.run();
    let name = input.resource.id.name().to_owned();
    let affected = if planner.steps.is_empty() {
        Vec::new()
    } else {
        planner.affected()
    };
    let mut plan = LifecyclePlan {
        action: LifecycleAction::Revoke { way },
        title: title(way).to_owned(),
        summary: format!(
            "Revoking access blocks access to all of {} {name}'s data until access is \
             restored.",
            rules.short_name
        ),
        steps: planner.steps,
        findings: planner.findings,
        confirmation: planner
            .confirmation
            .unwrap_or(Confirmation::TypeName { name }),
        affected,
    };
    plan.sort_findings();
    plan
}

/// Whether a way can apply to the resource at all, and why not: what the UI greys out.
/// The same rules as [`plan`]'s refusals, without planning.
pub fn applicability(way: RevokeWay, input: &RevokeInput) -> Result<(), String> {
    let plan = plan(way, input);
    match plan.findings.iter().find(|f| f.severity == Severity::Error) {
        Some(error) => Err(error.message.clone()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_uris_split_into_vault_name_and_version() {
        let parts = KeyParts::parse("https://kv1.vault.azure.net/keys/k1/abc").unwrap();
        assert_eq!(parts.vault_url, "https://kv1.vault.azure.net");
        assert_eq!(parts.vault_name, "kv1");
        assert_eq!(parts.name, "k1");
        assert_eq!(parts.version.as_deref(), Some("abc"));
        let sandbox = KeyParts::parse("https://kv2.vault.localhost:8443/keys/k2/").unwrap();
        assert_eq!(sandbox.vault_url, "https://kv2.vault.localhost:8443");
        assert_eq!(sandbox.version, None);
        assert!(KeyParts::parse("https://kv1.vault.azure.net/secrets/k1").is_none());
        assert!(KeyParts::parse("nonsense").is_none());
    }
}
