//! Turning on a vault's soft delete and purge protection ([`plan`], [`run`]): what
//! keyblade-core's [`keyblade_core::lifecycle::protect`] plans, over the vault as read now.
//!
//! The read-back is the vault itself, not the resource's blade: the vault may be one that
//! Change key is about to use, not the one the resource uses today.

use keyblade_core::ResourceId;
use keyblade_core::lifecycle::LifecyclePlan;
use keyblade_core::lifecycle::protect::ProtectInput;
use keyblade_core::preflight::{ResourceKind, StepKind, VaultFacts};

use super::revoke::{CANCELLED, what_to_do};
use super::{Confirmed, LifecycleOutcome, LifecyclePlanView, check_confirmation};
use crate::arm::lro::{Progress, ProgressUpdate};
use crate::arm::model::Vault;
use crate::cancel::Cancel;
use crate::encryption::facts;
use crate::encryption::save::step_error;
use crate::encryption::{FindingView, PlanStepView, ProblemView};
use crate::{AzureError, Session};

/// The plan over the vault as it is now, for the resource whose blade asked.
async fn plan_core(
    session: &Session,
    resource_id: &str,
    vault_id: &str,
) -> Result<(LifecyclePlan, Option<ResourceId>), AzureError> {
    let resource = facts::parse_resource_id(resource_id)?;
    let resource_kind = ResourceKind::ALL
        .into_iter()
        .find(|kind| resource.is_type(kind.arm_type()))
        .ok_or_else(|| AzureError::InvalidInput {
            what: format!("The resource ID `{resource_id}`"),
            reason: "it names no kind of resource keyblade manages".to_owned(),
        })?;
    let vault = ResourceId::parse(vault_id)?;
    let (facts, readable) = if vault.is("Microsoft.KeyVault", "vaults") {
        let read = session.arm.get_vault(&vault).await?;
        (facts::vault_facts(&read), Some(vault))
    } else {
        // Not a vault keyblade can change (a Managed HSM, or a key's ID): the planner
        // refuses it, from its ID alone.
        (unreadable_vault(vault), None)
    };
    let plan = keyblade_core::lifecycle::protect::plan(&ProtectInput {
        resource_kind,
        resource_name: resource.name().to_owned(),
        vault: facts,
    });
    Ok((plan, readable))
}

fn unreadable_vault(id: ResourceId) -> VaultFacts {
    VaultFacts {
        id,
        tenant_id: String::new(),
        location: None,
        enable_rbac_authorization: false,
        access_policies: Vec::new(),
        enable_soft_delete: None,
        enable_purge_protection: None,
        soft_delete_retention_in_days: None,
        network_acls: None,
        public_network_access: None,
    }
}

/// Plans turning on the vault's protection: the review. Writes nothing.
pub async fn plan(
    session: &Session,
    resource_id: &str,
    vault_id: &str,
) -> Result<LifecyclePlanView, AzureError> {
    let (plan, _) = plan_core(session, resource_id, vault_id).await?;
    Ok(LifecyclePlanView::new(resource_id, &plan))
}

/// Whether the vault, as read, has both soft delete and purge protection on.
fn protected(vault: &Vault) -> bool {
    vault.soft_delete_enabled && vault.purge_protection_enabled
}

fn applied_message(vault: &Vault) -> String {
    format!(
        "Vault {} now has soft delete ({} days) and purge protection on; purge protection \
         cannot be turned off again.",
        vault.id.name(),
        vault.soft_delete_retention_days.unwrap_or(90)
    )
}

/// Turns the vault's protection on: plans again from the vault as it is now, refuses when
/// the plan has errors or the confirmation does not match, sends the one PATCH, and reads
/// the vault back. A failed or cancelled call is read back too: an answer lost after Key
/// Vault applied the change still changed the vault.
pub async fn run(
    session: &Session,
    resource_id: &str,
    vault_id: &str,
    confirmation: &Confirmed,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<LifecycleOutcome, AzureError> {
    session.invalidate_all();
    let (plan, vault) = plan_core(session, resource_id, vault_id).await?;
    if !plan.can_run() {
        return Ok(LifecycleOutcome::Refused {
            findings: plan.findings.iter().map(FindingView::from).collect(),
        });
    }
    let (Some(step), Some(vault)) = (plan.steps.first(), vault) else {
        return Ok(LifecycleOutcome::Unchanged {
            message: plan.summary,
        });
    };
    if let Err(refusal) = check_confirmation(&plan.confirmation, confirmation) {
        return Ok(LifecycleOutcome::Refused {
            findings: vec![refusal],
        });
    }
    if step.kind != StepKind::ProtectVault {
        return Err(step_error(step, "it is not a vault protection step"));
    }
    let soft_delete = step.body.pointer("/properties/enableSoftDelete") == Some(&true.into());
    let shown = PlanStepView::from(step);
    progress.report(ProgressUpdate::Submitted {
        operation: step.title.clone(),
    });
    let sent = tokio::select! {
        biased;
        () = cancel.cancelled() => None,
        sent = session.arm.protect_vault(&vault, soft_delete) => Some(sent),
    };
    let error = match sent {
        Some(Ok(read)) if protected(&read) => {
            progress.report(ProgressUpdate::Succeeded {
                operation: step.title.clone(),
            });
            return Ok(LifecycleOutcome::Applied {
                steps: vec![shown],
                message: applied_message(&read),
                view: None,
            });
        }
        Some(Ok(read)) => {
            let message = format!(
                "Key Vault accepted the change, but vault {} still reads with soft delete {} \
                 and purge protection {}. Open the vault in the Azure portal to check its \
                 properties.",
                read.id.name(),
                on_off(read.soft_delete_enabled),
                on_off(read.purge_protection_enabled)
            );
            progress.report(ProgressUpdate::Failed {
                operation: step.title.clone(),
                code: "vault.notProtected".to_owned(),
                message: message.clone(),
            });
            return Ok(LifecycleOutcome::InProgress {
                steps: vec![shown],
                message,
            });
        }
        Some(Err(error)) => Some(error),
        None => None,
    };
    progress.report(ProgressUpdate::Failed {
        operation: step.title.clone(),
        code: error
            .as_ref()
            .map_or(CANCELLED, |error| error.code())
            .to_owned(),
        message: error.as_ref().map_or_else(
            || "Cancelled: keyblade stopped waiting.".to_owned(),
            ToString::to_string,
        ),
    });
    session.invalidate_all();
    if let Ok(read) = session.arm.get_vault(&vault).await
        && protected(&read)
    {
        let note = error
            .as_ref()
            .map(|error| {
                format!(
                    " Azure answered \"{}\", but the read-back shows the change in place.",
                    error.to_string().trim_end_matches('.')
                )
            })
            .unwrap_or_default();
        return Ok(LifecycleOutcome::Applied {
            steps: vec![shown],
            message: format!("{}{note}", applied_message(&read)),
            view: None,
        });
    }
    let (problem, what_to_do) = match &error {
        Some(error) => (ProblemView::from(error), what_to_do(error)),
        None => (
            ProblemView {
                code: CANCELLED.to_owned(),
                message: "Cancelled: keyblade stopped before the vault was changed.".to_owned(),
            },
            "Plan the change again when you are ready.".to_owned(),
        ),
    };
    Ok(LifecycleOutcome::Failed {
        failed_step: Box::new(shown),
        completed_steps: Vec::new(),
        error: problem,
        unchanged: true,
        what_to_do,
    })
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}
