//! Restoring access: why a key is inaccessible ([`diagnose`]), and the fix that matches
//! ([`plan`]).
//!
//! The causes come from the same rules as the Encryption blade's data health: [`diagnose`]
//! runs Change key's planner on the key and identity the resource uses now and keeps the
//! findings that say the identity cannot reach the key, each with the [`RestoreFix`] that
//! answers it (or none, when keyblade cannot fix it: a firewall, a deleted identity, an
//! expired key). A fix that answers no cause found is refused.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::key_uri::KeyUri;
use crate::kind::{KindRules, ResourceKind};
use crate::preflight::{
    self, AzCommand, CurrentEncryption, Desired, DesiredEncryption, Facts, Finding, FindingCode,
    HttpMethod, IdentityChoice, KeyLookup, PlanStep, PreflightInput, Principal, ResourceState,
    Severity, StepKind, UserAssignedIdentity, VaultFacts, add_access_policy, check_access_policies,
    create_role_assignment, enable_system_identity,
};

use super::revoke::{KeyParts, encryption_principal, finding, recover_key, set_key_enabled};
use super::{Confirmation, LifecycleAction, LifecyclePlan, RestoreFix};

/// Everything [`diagnose`] and [`plan`] read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreInput {
    /// The resource as it is now.
    pub resource: ResourceState,
    /// The key version in use (parsed with the cloud's vault suffixes by the caller);
    /// `None` when the configured URI is not one keyblade can read.
    #[serde(default)]
    pub key_uri: Option<KeyUri>,
    /// The identity the encryption uses, as the caller found it: the system-assigned
    /// identity, or the user-assigned identity the encryption names (found by client ID in
    /// the subscription when it is no longer attached). `None` when it could not be found.
    #[serde(default)]
    pub identity: Option<IdentityChoice>,
    /// The key in use, its vault and role assignments, the identity (as Change key reads
    /// them).
    pub facts: Facts,
    /// The key as Key Vault's deleted keys have it, when the key is not found.
    #[serde(default)]
    pub deleted_key: Option<DeletedKey>,
}

/// A soft-deleted key (`GET {vault}/deletedkeys/{name}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedKey {
    /// When it was deleted.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub deleted_date: Option<OffsetDateTime>,
    /// When Key Vault purges it for good, unless it is recovered first.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub scheduled_purge_date: Option<OffsetDateTime>,
}

/// One reason the resource cannot reach its key, with the fix Restore access offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AccessProblem {
    /// The finding's code, e.g. `key.disabled` (a string on the wire, as in findings).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub code: FindingCode,
    /// Error: the key is out of reach for this reason; warning: keyblade could not check.
    pub severity: Severity,
    /// What is wrong, in a sentence.
    pub message: String,
    /// The fix Restore access can apply; `None` when keyblade cannot fix it.
    pub fix: Option<RestoreFix>,
    /// What to do, in words (the fix's effect, or what the user must do themselves).
    pub what_to_do: Option<String>,
}

/// Findings about picking or changing a key, not about reaching the key in use.
fn is_access_problem(code: FindingCode) -> bool {
    use FindingCode::*;
    !matches!(
        code,
        RotationAutomatic
            | RotationManual
            | RotationPinning
            | RotationNotLatestVersion
            | AcrNotPremium
            | AcrCreatedWithoutCmk
            | PlanNoChange
            | VaultOtherRegion
            | CognitiveUnversionedKey
            | VaultSoftDeleteOff
            | VaultPurgeProtectionOff
            | KeyExpiresSoon
    )
}

/// A fix's words in the UI (the button Restore access shows).
pub fn fix_label(fix: RestoreFix) -> &'static str {
    match fix {
        RestoreFix::AddAccessPolicy => "Add the access policy",
        RestoreFix::AddRoleAssignment => "Add the role assignment",
        RestoreFix::EnableKey => "Enable the key",
        RestoreFix::RecoverKey => "Recover the key",
        RestoreFix::AttachIdentity => "Attach the identity",
    }
}

fn date(moment: OffsetDateTime) -> String {
    let utc = moment.to_offset(time::UtcOffset::UTC);
    format!(
        "{}-{:02}-{:02} {:02}:{:02} UTC",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute()
    )
}

/// Why the resource cannot reach its key now, each cause with its fix. Empty when the
/// identity can get, wrap and unwrap the key (or the resource has no customer-managed key).
pub fn diagnose(input: &RestoreInput, now: OffsetDateTime) -> Vec<AccessProblem> {
    let CurrentEncryption::CustomerManaged {
        identity: stored_identity,
        ..
    } = &input.resource.encryption
    else {
        return Vec::new();
    };
    let rules = KindRules::of(input.resource.kind);
    let noun = rules.short_name;
    let name = input.resource.id.name();
    if stored_identity.eq_ignore_ascii_case("system")
        && input.resource.identity.system_assigned.is_none()
    {
        return vec![AccessProblem {
            code: FindingCode::IdentitySystemAssignedOff,
            severity: Severity::Error,
            message: format!(
                "The {noun}'s encryption uses its system-assigned identity, which is turned \
                 off, so nothing can reach the key."
            ),
            fix: Some(RestoreFix::AttachIdentity),
            what_to_do: Some(
                "Turn the system-assigned identity on again and grant the new identity get, \
                 wrapKey and unwrapKey on the key."
                    .to_owned(),
            ),
        }];
    }
    let Some(identity) = input.identity.clone() else {
        return vec![AccessProblem {
            code: FindingCode::RestoreIdentityDetached,
            severity: Severity::Error,
            message: format!(
                "The {noun}'s encryption uses the identity {stored_identity}, which is no longer \
                 attached to {name}, and keyblade could not find it in the subscription: it \
                 was probably deleted, so nothing can reach the key."
            ),
            fix: None,
            what_to_do: Some(
                "Use Change key to reach the key with another identity that has access.".to_owned(),
            ),
        }];
    };
    let Some(key_uri) = input.key_uri.clone() else {
        return vec![AccessProblem {
            code: FindingCode::KeyUnreadable,
            severity: Severity::Warning,
            message: format!(
                "The key URI configured on {name} is not a Key Vault key URI of this cloud, so \
                 keyblade cannot check why it is inaccessible."
            ),
            fix: None,
            what_to_do: Some("Check the key in the Encryption blade.".to_owned()),
        }];
    };
    // The planner treats an identity that is not attached as one a save attaches first (a
    // choice); here it is the resource as it is, whose key nothing can reach.
    if let IdentityChoice::UserAssigned { resource_id } = &identity
        && !input.facts.user_assigned_identity_deleted
        && !input
            .resource
            .identity
            .user_assigned
            .iter()
            .any(|u| u.resource_id == *resource_id)
    {
        return vec![AccessProblem {
            code: FindingCode::IdentityNotAttached,
            severity: Severity::Error,
            message: format!(
                "The {noun}'s encryption uses the user-assigned identity {}, which is no longer \
                 attached to {name}, so nothing can reach the key.",
                resource_id.name()
            ),
            fix: Some(RestoreFix::AttachIdentity),
            what_to_do: Some(format!(
                "Attach {} to the {noun} again.",
                resource_id.name()
            )),
        }];
    }
    let preflight_input = PreflightInput {
        resource: input.resource.clone(),
        desired: Desired::CustomerManagedKey(DesiredEncryption {
            key_uri: key_uri.clone(),
            identity,
            grant_access: None,
        }),
        facts: input.facts.clone(),
    };
    let plan = preflight::plan(&preflight_input, now);
    let grant_fix = match &input.facts.vault {
        Some(vault) if vault.enable_rbac_authorization => Some(RestoreFix::AddRoleAssignment),
        Some(_) => Some(RestoreFix::AddAccessPolicy),
        None => None,
    };
    plan.findings
        .iter()
        .filter(|f| f.severity != Severity::Info && is_access_problem(f.code))
        .map(|f| problem_of(f, input, &key_uri, grant_fix))
        .collect()
}

fn problem_of(
    f: &Finding,
    input: &RestoreInput,
    key_uri: &KeyUri,
    grant_fix: Option<RestoreFix>,
) -> AccessProblem {
    let plain = |fix: Option<RestoreFix>, what_to_do: Option<String>| AccessProblem {
        code: f.code,
        severity: f.severity,
        message: f.message.clone(),
        fix,
        what_to_do,
    };
    use FindingCode::*;
    match f.code {
        AccessMissingPermissions | AccessUnverified | AccessUnreadable => plain(
            grant_fix,
            Some(
                "Give the identity get, wrapKey and unwrapKey on the key again (Key Vault \
                 Crypto Service Encryption User on an RBAC vault)."
                    .to_owned(),
            ),
        ),
        KeyDisabled => plain(
            Some(RestoreFix::EnableKey),
            Some("Enable the key version the resource uses.".to_owned()),
        ),
        KeyNotFound => match &input.deleted_key {
            Some(deleted) => AccessProblem {
                code: RestoreKeyDeleted,
                severity: Severity::Error,
                message: format!(
                    "Key {} was deleted{}; soft delete keeps it, so it can be recovered{}.",
                    key_uri.key_name(),
                    deleted
                        .deleted_date
                        .map(|d| format!(" on {}", date(d)))
                        .unwrap_or_default(),
                    deleted
                        .scheduled_purge_date
                        .map(|d| format!(" until {}, when Key Vault purges it", date(d)))
                        .unwrap_or_default()
                ),
                fix: Some(RestoreFix::RecoverKey),
                what_to_do: Some("Recover the deleted key, with every version it had.".to_owned()),
            },
            None => plain(None, f.fix.clone()),
        },
        IdentityNotAttached => plain(
            Some(RestoreFix::AttachIdentity),
            Some("Attach the identity to the resource again.".to_owned()),
        ),
        _ => plain(None, f.fix.clone()),
    }
}

/// The principal the grant fixes name: the encryption's identity (attached, or read from
/// its own resource when it is detached).
fn principal(input: &RestoreInput) -> Option<String> {
    encryption_principal(&input.resource, &input.facts)
}

/// `PATCH {resource}` attaching a user-assigned identity, keeping the others.
fn add_user_assigned_identity(
    resource: &ResourceState,
    rules: &KindRules,
    identity: &UserAssignedIdentity,
) -> PlanStep {
    let mut map = serde_json::Map::new();
    for attached in &resource.identity.user_assigned {
        map.insert(attached.resource_id.to_string(), json!({}));
    }
    map.insert(identity.resource_id.to_string(), json!({}));
    let kind = if resource.identity.system_assigned.is_some() {
        "SystemAssigned, UserAssigned"
    } else {
        "UserAssigned"
    };
    let body =
        json!({ "identity": { "type": kind, "userAssignedIdentities": Value::Object(map) } });
    let path = format!("{}?api-version={}", resource.id, rules.api_version);
    let az_command = match resource.kind {
        ResourceKind::ContainerRegistry => AzCommand::new(rules.az_assign_identity)
            .option("--name", resource.id.name())
            .option("--resource-group", resource.id.resource_group())
            .option("--subscription", resource.id.subscription_id())
            .option("--identities", identity.resource_id.as_str())
            .render(),
        // Their CLIs restate the identity block in ways that differ by version; the REST
        // call is the same change everywhere.
        _ => AzCommand::new(&["az", "rest", "--method", "patch"])
            .option("--url", &path)
            .option("--body", &body.to_string())
            .render(),
    };
    PlanStep {
        kind: StepKind::AddUserAssignedIdentity,
        title: format!(
            "Attach the user-assigned identity {} to {} {}",
            identity.resource_id.name(),
            rules.short_name,
            resource.id.name()
        ),
        method: HttpMethod::Patch,
        path,
        body,
        body_summary: format!(
            "identity.type = {kind}, adds {}",
            identity.resource_id.name()
        ),
        az_command,
        placeholders: Vec::new(),
    }
}

fn grant_step(vault: &VaultFacts, principal: &Principal, assignment_name: &str) -> PlanStep {
    if vault.enable_rbac_authorization {
        create_role_assignment(&vault.id, principal, assignment_name)
    } else {
        let existing = match principal {
            Principal::Known(id) => check_access_policies(vault, id).existing_key_permissions,
            Principal::NewSystemAssigned { .. } => Vec::new(),
        };
        add_access_policy(&vault.id, &vault.tenant_id, principal, &existing)
    }
}

fn title(fix: RestoreFix) -> String {
    format!("Restore access: {}", fix_label(fix).to_lowercase())
}

/// Plans `fix` for `input.resource`. `role_assignment_name` names a new role assignment
/// (ARM makes the caller pick it; derive it from what the grant is about, so planning
/// again names the same one).
pub fn plan(
    fix: RestoreFix,
    input: &RestoreInput,
    role_assignment_name: &str,
    now: OffsetDateTime,
) -> LifecyclePlan {
    let rules = KindRules::of(input.resource.kind);
    let name = input.resource.id.name().to_owned();
    let problems = diagnose(input, now);
    let mut findings = Vec::new();
    let mut steps = Vec::new();
    let matching = problems.iter().find(|p| p.fix == Some(fix));
    match matching {
        None => {
            let found = if problems.is_empty() {
                format!("the identity of {name} can reach its key")
            } else {
                problems
                    .iter()
                    .map(|p| p.message.trim_end_matches('.').to_owned())
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let offered: Vec<&str> = problems
                .iter()
                .filter_map(|p| p.fix.map(fix_label))
                .collect();
            findings.push(finding(
                Severity::Error,
                FindingCode::RestoreFixDoesNotMatch,
                format!(
                    "\"{}\" does not answer what keyblade found: {found}.",
                    fix_label(fix)
                ),
                Some(if offered.is_empty() {
                    "Refresh the blade; if the data is still inaccessible, follow what the \
                     diagnosis says to do."
                        .to_owned()
                } else {
                    format!("Choose {} instead.", offered.join(" or "))
                }),
            ));
        }
        Some(_) => steps = fix_steps(fix, input, rules, role_assignment_name, &mut findings),
    }
    if !steps.is_empty()
        && matches!(
            fix,
            RestoreFix::AddAccessPolicy
                | RestoreFix::AddRoleAssignment
                | RestoreFix::AttachIdentity
        )
    {
        findings.push(finding(
            Severity::Info,
            FindingCode::RestoreTakesEffectLater,
            "New access takes a few minutes to take effect in Key Vault: keyblade waits a \
             while, and says so if the data is not accessible yet."
                .to_owned(),
            None,
        ));
    }
    let mut plan = LifecyclePlan {
        action: LifecycleAction::Restore { fix },
        title: title(fix),
        summary: format!(
            "Restoring access lets {} {name} reach its key again, so its data becomes \
             accessible again.",
            rules.short_name
        ),
        steps,
        findings,
        confirmation: Confirmation::Review,
        affected: Vec::new(),
    };
    plan.sort_findings();
    plan
}

fn fix_steps(
    fix: RestoreFix,
    input: &RestoreInput,
    rules: &'static KindRules,
    role_assignment_name: &str,
    findings: &mut Vec<Finding>,
) -> Vec<PlanStep> {
    let mut missing = |what: &str| {
        findings.push(finding(
            Severity::Error,
            FindingCode::RestoreFixDoesNotMatch,
            format!("keyblade cannot plan \"{}\": {what}.", fix_label(fix)),
            Some("Refresh the blade and diagnose again.".to_owned()),
        ));
        Vec::new()
    };
    let vault = input.facts.vault.clone();
    match fix {
        RestoreFix::AddAccessPolicy | RestoreFix::AddRoleAssignment => {
            let (Some(vault), Some(principal)) = (vault, principal(input)) else {
                return missing("the vault or the identity could not be read");
            };
            vec![grant_step(
                &vault,
                &Principal::Known(principal),
                role_assignment_name,
            )]
        }
        RestoreFix::EnableKey => match &input.facts.key {
            KeyLookup::Found(details) => match KeyParts::parse(&details.kid) {
                Some(parts) => {
                    let version = parts.version.clone();
                    vec![set_key_enabled(&parts, version.as_deref(), true)]
                }
                None => missing("the key's ID is not a key URI"),
            },
            _ => missing("the key could not be read"),
        },
        RestoreFix::RecoverKey => match KeyParts::parse(&input.key_uri_text()) {
            Some(parts) => vec![recover_key(&parts)],
            None => missing("the key URI could not be read"),
        },
        RestoreFix::AttachIdentity => {
            if input.resource.identity.system_assigned.is_none()
                && matches!(input.identity, Some(IdentityChoice::SystemAssigned) | None)
                && matches!(&input.resource.encryption, CurrentEncryption::CustomerManaged { identity, .. } if identity.eq_ignore_ascii_case("system"))
            {
                let Some(vault) = vault else {
                    return missing(
                        "the key's vault could not be read, so the new identity cannot be granted access",
                    );
                };
                let user_assigned: Vec<_> = input
                    .resource
                    .identity
                    .user_assigned
                    .iter()
                    .map(|u| u.resource_id.clone())
                    .collect();
                let principal = Principal::NewSystemAssigned {
                    resource: input.resource.id.clone(),
                    kind: input.resource.kind,
                };
                return vec![
                    enable_system_identity(&input.resource.id, rules, &user_assigned),
                    grant_step(&vault, &principal, role_assignment_name),
                ];
            }
            match &input.facts.user_assigned_identity {
                Some(identity) => {
                    vec![add_user_assigned_identity(&input.resource, rules, identity)]
                }
                None => missing("the identity the key uses could not be read"),
            }
        }
    }
}

impl RestoreInput {
    /// The key in use as text (the parsed URI, else the configured one).
    fn key_uri_text(&self) -> String {
        match (&self.key_uri, &self.resource.encryption) {
            (Some(uri), _) => uri.to_string(),
            (None, CurrentEncryption::CustomerManaged { key_uri, .. }) => key_uri.clone(),
            (None, CurrentEncryption::ServiceManaged) => String::new(),
        }
    }
}
