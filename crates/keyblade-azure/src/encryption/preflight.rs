//! Preflight: the plan for a desired key and identity, before anything is written, and
//! granting the identity access when that is what blocks it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use keyblade_core::ResourceId;
use keyblade_core::preflight::{
    CRYPTO_SERVICE_ENCRYPTION_USER, FindingCode, GrantAccess, IdentityChoice, Plan, PlanStep,
    StepKind,
};

use crate::Session;
use crate::arm::model::Vault;
use crate::error::AzureError;

use super::facts::{self, Gathered};
use super::{DesiredChange, FindingView, KeySource, PlanStepView, Rotation, save::run_grant_step};

/// What Save would do, and what stands in its way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PreflightReport {
    /// No finding is an error.
    pub can_save: bool,
    /// The key URI as it will be stored; empty when Microsoft-managed keys were asked for.
    pub key_uri: String,
    /// Whether the resource will follow new key versions (`automatic` when Microsoft-managed
    /// keys were asked for: there is no version to pin).
    pub rotation: Rotation,
    /// The calls Save makes, in order, each with its `az` equivalent.
    pub steps: Vec<PlanStepView>,
    /// Errors first, then warnings, then information.
    pub findings: Vec<FindingView>,
    /// Whether the identity's missing access can be granted from the panel.
    pub grant: GrantAvailability,
    /// The ETag of the registry this plan was made from.
    pub etag: Option<String>,
    /// The ARM ID of the key's vault, when it was found: what the review's "Turn on purge
    /// protection" acts on.
    pub vault_id: Option<String>,
}

/// Whether "Grant access" can be offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum GrantAvailability {
    /// The identity has the access it needs (or cannot be granted any until another error
    /// is fixed).
    NotNeeded,
    /// You may grant it now with [`grant_access`].
    Allowed {
        /// What would be granted, as a sentence.
        action: String,
        /// The same grant with Azure CLI.
        az_command: String,
    },
    /// The identity does not exist yet (Save turns on the system-assigned identity); Save
    /// with `grantAccess` grants it access right after creating it.
    AtSave {
        /// What Save will grant, as a sentence.
        action: String,
        /// The same grant with Azure CLI.
        az_command: String,
    },
    /// Your account may not grant it; someone who may can run the command.
    NotAllowed {
        /// Why not, as a sentence.
        reason: String,
        /// The command for someone who may grant it.
        az_command: String,
    },
    /// Your permissions could not be read; trying may still work.
    Unknown {
        /// Why the permissions could not be read.
        reason: String,
        /// The same grant with Azure CLI.
        az_command: String,
    },
}

/// What [`grant_access`] did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum GrantOutcome {
    /// Done; run preflight again.
    Granted {
        /// The call that granted it.
        step: PlanStepView,
        /// What was granted, as a sentence.
        message: String,
    },
    /// Nothing needed granting, or nothing can be granted yet.
    NothingToGrant {
        /// Why, as a sentence.
        reason: String,
    },
    /// The identity is created by Save: save with `grantAccess` to grant it then.
    AtSave {
        /// What Save will do, as a sentence.
        reason: String,
    },
    /// Your account may not grant access on the vault; nothing was changed.
    NotAllowed {
        /// Why not, as a sentence.
        reason: String,
        /// The command for someone who may grant it.
        az_command: String,
    },
}

/// The facts for a desired change, gathered.
pub(crate) struct Prepared {
    pub id: ResourceId,
    pub gathered: Gathered,
    pub choice: IdentityChoice,
}

impl Prepared {
    pub(crate) fn plan(&self, grant: bool) -> Result<(Plan, Vec<FindingView>), AzureError> {
        let resource = &self.gathered.read.resource;
        let grant = grant.then(|| GrantAccess {
            role_assignment_name: role_assignment_name(&RoleAssignmentSeed {
                registry_id: resource.id().as_str(),
                registry_etag: resource.etag(),
                identity: &self.choice,
                vault_id: self.gathered.vault.as_ref().map(|vault| vault.id.as_str()),
            }),
        });
        self.gathered
            .plan(self.choice.clone(), grant, OffsetDateTime::now_utc())
    }
}

/// What a grant's role assignment is about.
struct RoleAssignmentSeed<'a> {
    registry_id: &'a str,
    registry_etag: Option<&'a str>,
    identity: &'a IdentityChoice,
    vault_id: Option<&'a str>,
}

/// The name (a GUID ARM makes the caller pick) of the role assignment a grant creates.
///
/// It is derived from what the grant is about rather than drawn at random, so the plan shown
/// in the review, the "Grant access" button and Save (which plans again) all name the same
/// assignment, and a grant repeated after a failure PUTs the same assignment again instead
/// of a duplicate that ARM would refuse. The registry's ETag is part of it because turning a
/// system-assigned identity off and on makes a new principal, whose assignment needs a new
/// name (ARM refuses to move an assignment to another principal); that change also changes
/// the ETag, and Save refuses to run on another ETag than the plan's.
fn role_assignment_name(seed: &RoleAssignmentSeed) -> String {
    let identity = match seed.identity {
        IdentityChoice::SystemAssigned => "systemAssigned".to_owned(),
        IdentityChoice::UserAssigned { resource_id } => resource_id.to_string(),
    };
    let text = format!(
        "keyblade:roleAssignment?role={CRYPTO_SERVICE_ENCRYPTION_USER}&registry={}&etag={}\
         &identity={}&vault={}",
        seed.registry_id,
        seed.registry_etag.unwrap_or_default(),
        identity,
        seed.vault_id.unwrap_or_default(),
    )
    .to_ascii_lowercase();
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, text.as_bytes()).to_string()
}

/// Validates the input, then reads the resource, the key, its vault (with its role
/// assignments when it uses RBAC) and the identity, all concurrently. With
/// Microsoft-managed keys asked for, only the resource is read.
pub(crate) async fn prepare(
    session: &Session,
    resource_id: &str,
    desired: &DesiredChange,
) -> Result<Prepared, AzureError> {
    let id = facts::parse_resource_id(resource_id)?;
    if desired.key_source == KeySource::MicrosoftManaged {
        let read = facts::read_resource(session, &id).await?;
        return Ok(Prepared {
            id,
            gathered: facts::without_key(read),
            choice: IdentityChoice::SystemAssigned,
        });
    }
    let key_uri = facts::parse_key_uri(session, &desired.key_uri)?;
    let choice = desired.identity.clone();
    let gathered = facts::gather(
        session,
        &id,
        facts::read_resource(session, &id),
        key_uri,
        &choice,
    )
    .await?;
    Ok(Prepared {
        id,
        gathered,
        choice,
    })
}

/// Plans the change on a registry, storage account or Cognitive Services account: the
/// steps Save would make (with their `az` commands) and the findings, errors first.
/// Nothing is written.
pub async fn preflight(
    session: &Session,
    resource_id: &str,
    desired: &DesiredChange,
) -> Result<PreflightReport, AzureError> {
    let prepared = prepare(session, resource_id, desired).await?;
    let (plan, findings) = prepared.plan(desired.grant_access)?;
    let grant = grant_availability(session, &prepared, &findings).await?;
    Ok(PreflightReport {
        can_save: !facts::has_errors(&findings),
        key_uri: prepared
            .gathered
            .key_uri
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        rotation: prepared
            .gathered
            .key_uri
            .as_ref()
            .map_or(Rotation::Automatic, |uri| uri.rotation()),
        steps: plan.steps.iter().map(PlanStepView::from).collect(),
        findings,
        grant,
        etag: prepared.gathered.read.resource.etag().map(str::to_owned),
        vault_id: prepared
            .gathered
            .vault
            .as_ref()
            .map(|vault| vault.id.to_string()),
    })
}

/// The plan's grant step, when access is missing and the vault is known.
fn grant_step(prepared: &Prepared) -> Result<Option<(PlanStep, &Vault)>, AzureError> {
    let Some(vault) = prepared.gathered.vault.as_ref() else {
        return Ok(None);
    };
    let (plan, _) = prepared.plan(true)?;
    Ok(plan
        .steps
        .into_iter()
        .find(|step| {
            matches!(
                step.kind,
                StepKind::AddAccessPolicy | StepKind::CreateRoleAssignment
            )
        })
        .map(|step| (step, vault)))
}

/// The Resource Manager action a grant needs, and how to say it.
fn grant_action(vault: &Vault) -> (&'static str, String) {
    if vault.enable_rbac_authorization {
        (
            "Microsoft.Authorization/roleAssignments/write",
            format!(
                "assign the identity the role Key Vault Crypto Service Encryption User on vault {}",
                vault.id.name()
            ),
        )
    } else {
        (
            "Microsoft.KeyVault/vaults/accessPolicies/write",
            format!(
                "add an access policy with get, wrapKey and unwrapKey for the identity to vault {}",
                vault.id.name()
            ),
        )
    }
}

fn not_allowed_reason(vault: &Vault, action: &str, what: &str) -> String {
    let role = if vault.enable_rbac_authorization {
        "Owner, User Access Administrator or Role Based Access Control Administrator"
    } else {
        "Owner, Contributor or Key Vault Contributor"
    };
    format!(
        "Your account may not {what}: none of your roles there allows {action}. Ask someone \
         with {role} on the vault to run the command, or to give you such a role."
    )
}

async fn grant_availability(
    session: &Session,
    prepared: &Prepared,
    findings: &[FindingView],
) -> Result<GrantAvailability, AzureError> {
    let wants_access = findings
        .iter()
        .any(|f| f.code.is_missing_access() || f.code == FindingCode::AccessWillGrant);
    if !wants_access {
        return Ok(GrantAvailability::NotNeeded);
    }
    let Some((step, vault)) = grant_step(prepared)? else {
        return Ok(GrantAvailability::NotNeeded);
    };
    let (action, what) = grant_action(vault);
    let az_command = step.az_command.clone();
    Ok(
        match facts::caller_may(session, vault.id.as_str(), action).await {
            Ok(true) if !step.placeholders.is_empty() => GrantAvailability::AtSave {
                action: what,
                az_command,
            },
            Ok(true) => GrantAvailability::Allowed {
                action: what,
                az_command,
            },
            Ok(false) => GrantAvailability::NotAllowed {
                reason: not_allowed_reason(vault, action, &what),
                az_command,
            },
            Err(error) => GrantAvailability::Unknown {
                reason: format!(
                    "keyblade could not read your permissions on vault {}: {error}",
                    vault.id.name()
                ),
                az_command,
            },
        },
    )
}

/// Grants the identity get, wrapKey and unwrapKey on the key (an access policy, or a role
/// assignment on an RBAC vault) when your account may; then run preflight again.
pub async fn grant_access(
    session: &Session,
    resource_id: &str,
    desired: &DesiredChange,
) -> Result<GrantOutcome, AzureError> {
    let prepared = prepare(session, resource_id, desired).await?;
    let Some((step, vault)) = grant_step(&prepared)? else {
        let (_, findings) = prepared.plan(false)?;
        let reason = if findings.iter().any(|f| f.code.is_missing_access()) {
            "keyblade cannot grant access until the identity and the key's vault are known; fix \
             the other findings first."
        } else {
            "The identity already has get, wrapKey and unwrapKey on the key."
        };
        return Ok(GrantOutcome::NothingToGrant {
            reason: reason.to_owned(),
        });
    };
    if !step.placeholders.is_empty() {
        return Ok(GrantOutcome::AtSave {
            reason: "The system-assigned identity is off, so there is nobody to grant access \
                     to yet. Save with \"grant access\" turns it on and grants it access in one go."
                .to_owned(),
        });
    }
    let (action, what) = grant_action(vault);
    // When the permissions cannot be read, trying is the only way to find out; Resource
    // Manager refuses what is not allowed.
    if let Ok(false) = facts::caller_may(session, vault.id.as_str(), action).await {
        return Ok(GrantOutcome::NotAllowed {
            reason: not_allowed_reason(vault, action, &what),
            az_command: step.az_command.clone(),
        });
    }
    run_grant_step(session, &step, None).await?;
    Ok(GrantOutcome::Granted {
        step: PlanStepView::from(&step),
        message: format!(
            "Done: keyblade {}. Run preflight again; new access can take a few minutes to apply.",
            past_tense(&what)
        ),
    })
}

fn past_tense(what: &str) -> String {
    what.replacen("assign ", "assigned ", 1)
        .replacen("add ", "added ", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_names_the_same_assignment_until_what_it_is_about_changes() {
        let identity = IdentityChoice::SystemAssigned;
        let seed = RoleAssignmentSeed {
            registry_id: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r",
            registry_etag: Some("\"e1\""),
            identity: &identity,
            vault_id: Some(
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v",
            ),
        };
        let name = role_assignment_name(&seed);
        assert!(uuid::Uuid::parse_str(&name).is_ok(), "{name}");
        assert_eq!(role_assignment_name(&seed), name);
        let other_etag = RoleAssignmentSeed {
            registry_etag: Some("\"e2\""),
            ..seed
        };
        assert_ne!(role_assignment_name(&other_etag), name);
        let other_vault = RoleAssignmentSeed {
            vault_id: Some(
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/w",
            ),
            ..seed
        };
        assert_ne!(role_assignment_name(&other_vault), name);
        let user_assigned = IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i",
            )
            .unwrap(),
        };
        let other_identity = RoleAssignmentSeed {
            identity: &user_assigned,
            ..seed
        };
        assert_ne!(role_assignment_name(&other_identity), name);
    }

    #[test]
    fn grant_messages_read_as_done() {
        assert_eq!(
            past_tense("add an access policy with get to vault kv"),
            "added an access policy with get to vault kv"
        );
        assert_eq!(
            past_tense("assign the identity the role X on vault kv"),
            "assigned the identity the role X on vault kv"
        );
    }
}
