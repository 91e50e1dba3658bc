//! Turning on soft delete and purge protection for a vault that lacks them: what a
//! customer-managed key needs from its vault ("use or create a key vault with soft delete
//! and purge protection"), as a reviewed action instead of an `az` command to paste.
//!
//! Purge protection cannot be turned off again, so the plan asks for the vault's name and
//! an explicit acknowledgement, and says what the change means before anything is sent.

use serde::{Deserialize, Serialize};

use crate::kind::{KindRules, ResourceKind};
use crate::preflight::{
    AzCommand, Finding, FindingCode, HttpMethod, KEY_VAULT_API_VERSION, PlanStep, Severity,
    StepKind, VaultFacts,
};

use super::{Confirmation, LifecycleAction, LifecyclePlan};

/// The sentence the user ticks before purge protection is turned on.
pub const IRREVERSIBLE_ACKNOWLEDGEMENT: &str =
    "I understand purge protection cannot be turned off again";

/// Key Vault's retention when soft delete is turned on without saying how long.
const DEFAULT_RETENTION_DAYS: u32 = 90;

/// What the plan needs: the resource whose blade asked, and the vault as read now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtectInput {
    /// The kind of the resource whose key is (or is to be) in the vault.
    pub resource_kind: ResourceKind,
    /// That resource's name.
    pub resource_name: String,
    /// The vault.
    pub vault: VaultFacts,
}

/// Plans turning on what the vault lacks of soft delete and purge protection.
pub fn plan(input: &ProtectInput) -> LifecyclePlan {
    let vault = &input.vault;
    let name = vault.id.name().to_owned();
    let action = LifecycleAction::ProtectVault {
        vault_id: vault.id.to_string(),
    };
    let noun = KindRules::of(input.resource_kind).short_name;
    let mut plan = LifecyclePlan {
        action,
        title: format!("Turn on purge protection for vault {name}"),
        summary: String::new(),
        steps: Vec::new(),
        findings: Vec::new(),
        confirmation: Confirmation::Review,
        affected: Vec::new(),
    };
    if !vault.id.is_type("Microsoft.KeyVault/vaults") {
        plan.summary = format!("{name} is not a key vault, so keyblade cannot change it.");
        plan.findings.push(Finding {
            severity: Severity::Error,
            code: FindingCode::VaultProtectionUnsupported,
            message: format!(
                "{name} is a {}/{}, not a key vault: a Managed HSM always has soft delete, \
                 and its purge protection is set on the HSM itself.",
                vault.id.namespace(),
                vault.id.resource_type()
            ),
            fix: Some(format!(
                "Turn it on with az keyvault update-hsm --hsm-name {name} --resource-group {} \
                 --enable-purge-protection true.",
                vault.id.resource_group()
            )),
        });
        return plan;
    }
    let soft_delete_off = vault.enable_soft_delete == Some(false);
    let purge_protection_off = vault.enable_purge_protection != Some(true);
    let retention = vault
        .soft_delete_retention_in_days
        .unwrap_or(DEFAULT_RETENTION_DAYS);
    if !soft_delete_off && !purge_protection_off {
        plan.summary = format!(
            "Vault {name} already has soft delete and purge protection on: nothing to change."
        );
        plan.findings.push(Finding {
            severity: Severity::Info,
            code: FindingCode::VaultAlreadyProtected,
            message: format!(
                "Vault {name} already has soft delete ({retention} days) and purge protection \
                 on, as a customer-managed key needs."
            ),
            fix: None,
        });
        return plan;
    }
    let turned_on = if soft_delete_off {
        "soft delete and purge protection"
    } else {
        "purge protection"
    };
    plan.title = format!("Turn on {turned_on} for vault {name}");
    plan.summary = format!(
        "Turns on {turned_on} for vault {name}, which the {noun} {} needs for a \
         customer-managed key. A deleted key or vault is then kept for {retention} days, and \
         nobody can purge it before then, so the {noun}'s data cannot be lost to a deleted \
         key. Nothing else about the vault changes, and no access changes.",
        input.resource_name
    );
    plan.findings.push(Finding {
        severity: Severity::Warning,
        code: FindingCode::VaultPurgeProtectionIrreversible,
        message: format!(
            "Purge protection cannot be turned off again: for {retention} days after any key, \
             secret or certificate of {name}, or {name} itself, is deleted, nobody (not even \
             an owner) can purge it, and the vault's name stays taken."
        ),
        fix: Some(
            "If this vault must be able to purge at once (a throwaway test vault, say), choose \
             or create another vault for the key instead."
                .to_owned(),
        ),
    });
    if soft_delete_off {
        plan.findings.push(Finding {
            severity: Severity::Warning,
            code: FindingCode::VaultSoftDeleteRetentionFixed,
            message: format!(
                "Soft delete is turned on with Key Vault's default retention of \
                 {DEFAULT_RETENTION_DAYS} days, which cannot be changed afterwards."
            ),
            fix: Some(format!(
                "To keep deleted items for fewer days, run az keyvault update --name {name} \
                 --enable-soft-delete true --retention-days N yourself instead."
            )),
        });
    }
    plan.steps.push(protect_vault_step(vault, soft_delete_off));
    plan.confirmation = Confirmation::TypeNameAndAcknowledge {
        name,
        acknowledgement: IRREVERSIBLE_ACKNOWLEDGEMENT.to_owned(),
    };
    plan.sort_findings();
    plan
}

/// One PATCH of the vault's properties, naming only what changes.
fn protect_vault_step(vault: &VaultFacts, soft_delete_off: bool) -> PlanStep {
    let mut properties = serde_json::Map::new();
    let mut command = AzCommand::new(&["az", "keyvault", "update"])
        .option("--name", vault.id.name())
        .option("--resource-group", vault.id.resource_group())
        .option("--subscription", vault.id.subscription_id());
    if soft_delete_off {
        properties.insert("enableSoftDelete".to_owned(), true.into());
        command = command.option("--enable-soft-delete", "true");
    }
    properties.insert("enablePurgeProtection".to_owned(), true.into());
    command = command.option("--enable-purge-protection", "true");
    let summary = properties
        .keys()
        .map(|key| format!("properties.{key} = true"))
        .collect::<Vec<_>>()
        .join(", ");
    PlanStep {
        kind: StepKind::ProtectVault,
        title: format!(
            "Turn on {} for vault {}",
            if soft_delete_off {
                "soft delete and purge protection"
            } else {
                "purge protection"
            },
            vault.id.name()
        ),
        method: HttpMethod::Patch,
        path: format!("{}?api-version={KEY_VAULT_API_VERSION}", vault.id),
        body: serde_json::json!({ "properties": properties }),
        body_summary: summary,
        az_command: command.render(),
        placeholders: Vec::new(),
    }
}
