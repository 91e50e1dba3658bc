//! The key lifecycle beyond Change key: a new key version and the rotation policy
//! ([`rotation`]), revoking and restoring access ([`revoke`], [`restore`]), the resource's
//! identities ([`identity`]) and a vault's soft delete and purge protection ([`protect`]).
//!
//! Each action has the same two calls as Change key: a `plan_*` that gathers facts and
//! returns keyblade-core's [`LifecyclePlan`] as a [`LifecyclePlanView`] (steps with their `az`
//! equivalents, findings, what to confirm, what else is affected), and a `run_*` that plans
//! again from fresh facts, refuses when the plan has errors or the confirmation does not
//! match, runs the steps, then reads back and reports a [`LifecycleOutcome`]: what the read
//! shows, never what was hoped.

pub mod identity;
pub mod protect;
pub mod restore;
pub mod revoke;
pub mod rotation;
pub mod users;

use serde::{Deserialize, Serialize};

use keyblade_core::lifecycle::{AffectedResource, Confirmation, LifecycleAction, LifecyclePlan};

use super::{EncryptionView, FindingView, PlanStepView, ProblemView};
use crate::arm::lro::Progress;
use crate::cancel::Cancel;
use crate::{AzureError, Session};

/// Plans `action` on the resource `resource_id`: the review the user confirms. Writes nothing.
pub async fn plan(
    session: &Session,
    resource_id: &str,
    action: &LifecycleAction,
) -> Result<LifecyclePlanView, AzureError> {
    match action {
        LifecycleAction::NewKeyVersion | LifecycleAction::SetRotationPolicy { .. } => {
            rotation::plan(session, resource_id, action).await
        }
        LifecycleAction::Revoke { way } => revoke::plan(session, resource_id, *way).await,
        LifecycleAction::Restore { fix } => restore::plan(session, resource_id, *fix).await,
        LifecycleAction::Identity { change } => identity::plan(session, resource_id, change).await,
        LifecycleAction::ProtectVault { vault_id } => {
            protect::plan(session, resource_id, vault_id).await
        }
    }
}

/// Runs `action` on the resource `resource_id`: plans it again from fresh facts, refuses when
/// the plan has errors or `confirmation` is not what the plan asks the user to type, runs
/// the steps (reporting each to `progress`, stopping at `cancel`), and reads back.
pub async fn run(
    session: &Session,
    resource_id: &str,
    action: &LifecycleAction,
    confirmation: &Confirmed,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<LifecycleOutcome, AzureError> {
    match action {
        LifecycleAction::NewKeyVersion | LifecycleAction::SetRotationPolicy { .. } => {
            rotation::run(session, resource_id, action, confirmation, progress, cancel).await
        }
        LifecycleAction::Revoke { way } => {
            revoke::run(session, resource_id, *way, confirmation, progress, cancel).await
        }
        LifecycleAction::Restore { fix } => {
            restore::run(session, resource_id, *fix, confirmation, progress, cancel).await
        }
        LifecycleAction::Identity { change } => {
            identity::run(session, resource_id, change, confirmation, progress, cancel).await
        }
        LifecycleAction::ProtectVault { vault_id } => {
            protect::run(
                session,
                resource_id,
                vault_id,
                confirmation,
                progress,
                cancel,
            )
            .await
        }
    }
}

/// What the user gave to confirm a plan: the name as typed, and whether they ticked the
/// plan's acknowledgement ([`Confirmation::TypeNameAndAcknowledge`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Confirmed {
    /// The name as typed; empty when the plan asks only for a review.
    #[serde(default)]
    pub typed_name: String,
    /// Whether the acknowledgement was ticked.
    #[serde(default)]
    pub acknowledged: bool,
}

impl Confirmed {
    /// Nothing typed or ticked: enough for a plan that asks only for a review.
    pub fn review() -> Confirmed {
        Confirmed::default()
    }

    /// The name typed, no acknowledgement ticked.
    pub fn name(typed: &str) -> Confirmed {
        Confirmed {
            typed_name: typed.to_owned(),
            acknowledged: false,
        }
    }

    /// The name typed and the acknowledgement ticked.
    pub fn name_and_acknowledgement(typed: &str) -> Confirmed {
        Confirmed {
            typed_name: typed.to_owned(),
            acknowledged: true,
        }
    }
}

/// Whether `given` satisfies `confirmation`; the refusal's finding when it does not. The
/// UI asks for the same, but the check that counts is this one, made before anything is sent.
pub fn check_confirmation(
    confirmation: &Confirmation,
    given: &Confirmed,
) -> Result<(), FindingView> {
    let (name, acknowledgement) = match confirmation {
        Confirmation::Review => return Ok(()),
        Confirmation::TypeName { name } => (name, None),
        Confirmation::TypeNameAndAcknowledge {
            name,
            acknowledgement,
        } => (name, Some(acknowledgement)),
    };
    if given.typed_name.trim() != name {
        return Err(FindingView::new(
            keyblade_core::preflight::Severity::Error,
            keyblade_core::preflight::FindingCode::LifecycleConfirmationMismatch,
            format!("The name typed to confirm is not \"{name}\"; nothing was changed."),
            Some(format!("Type {name} exactly to confirm.")),
        ));
    }
    match acknowledgement {
        Some(sentence) if !given.acknowledged => Err(FindingView::new(
            keyblade_core::preflight::Severity::Error,
            keyblade_core::preflight::FindingCode::LifecycleConfirmationMismatch,
            format!("The acknowledgement \"{sentence}\" was not ticked; nothing was changed."),
            Some(
                "Tick the acknowledgement to confirm that you understand the consequence."
                    .to_owned(),
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod confirmation_tests {
    use super::*;

    #[test]
    fn the_name_and_the_acknowledgement_are_both_checked() {
        let review = Confirmation::Review;
        assert!(check_confirmation(&review, &Confirmed::review()).is_ok());
        let typed = Confirmation::TypeName {
            name: "crcontosoprod".to_owned(),
        };
        assert!(check_confirmation(&typed, &Confirmed::name(" crcontosoprod ")).is_ok());
        assert!(check_confirmation(&typed, &Confirmed::name("crcontoso")).is_err());
        let acknowledged = Confirmation::TypeNameAndAcknowledge {
            name: "crcontosoprod".to_owned(),
            acknowledgement: "I understand this key cannot be recovered".to_owned(),
        };
        let refused = check_confirmation(&acknowledged, &Confirmed::name("crcontosoprod"))
            .expect_err("a name without the tick is not enough");
        assert!(
            refused.message.contains("was not ticked"),
            "{}",
            refused.message
        );
        assert!(
            check_confirmation(
                &acknowledged,
                &Confirmed::name_and_acknowledgement("crcontosoprod")
            )
            .is_ok()
        );
        assert!(
            check_confirmation(&acknowledged, &Confirmed::name_and_acknowledgement("x")).is_err()
        );
    }
}

/// A planned lifecycle action, as the review shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LifecyclePlanView {
    /// The resource the plan is for.
    pub resource_id: String,
    /// What was asked for.
    pub action: LifecycleAction,
    /// A title for the review.
    pub title: String,
    /// What the plan does and what it means for the data.
    pub summary: String,
    /// The calls, in order, each with its `az` equivalent.
    pub steps: Vec<PlanStepView>,
    /// Errors first; an error blocks running the plan.
    pub findings: Vec<FindingView>,
    /// What the user must do before it runs.
    pub confirmation: Confirmation,
    /// Other resources the change reaches.
    pub affected: Vec<AffectedResource>,
    /// Whether nothing blocks running it.
    pub can_run: bool,
}

impl LifecyclePlanView {
    /// The view of `plan` for the resource `resource_id`.
    pub fn new(resource_id: &str, plan: &LifecyclePlan) -> LifecyclePlanView {
        LifecyclePlanView {
            resource_id: resource_id.to_owned(),
            action: plan.action.clone(),
            title: plan.title.clone(),
            summary: plan.summary.clone(),
            steps: plan.steps.iter().map(PlanStepView::from).collect(),
            findings: plan.findings.iter().map(FindingView::from).collect(),
            confirmation: plan.confirmation.clone(),
            affected: plan.affected.clone(),
            can_run: plan.can_run(),
        }
    }
}

/// How a lifecycle action ended, as read back afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum LifecycleOutcome {
    /// Read back with the change in place.
    Applied {
        /// The calls made, in order.
        steps: Vec<PlanStepView>,
        /// What the read-back shows, in a sentence (e.g. "The key is disabled; the
        /// registry's data is inaccessible.").
        message: String,
        /// The blade after the change; `None` if it could not be read.
        view: Option<Box<EncryptionView>>,
    },
    /// Nothing needed doing: the read shows the wanted state already.
    Unchanged {
        /// Why.
        message: String,
    },
    /// Azure accepted the change but the read-back does not show it yet (e.g. access
    /// takes time to propagate).
    InProgress {
        /// The calls made.
        steps: Vec<PlanStepView>,
        /// What keyblade saw and what to expect.
        message: String,
    },
    /// The plan has errors, or the confirmation did not match; nothing was written.
    Refused {
        /// The findings (at least one error), or the confirmation problem as a finding.
        findings: Vec<FindingView>,
    },
    /// A step failed.
    Failed {
        /// The call that failed.
        failed_step: Box<PlanStepView>,
        /// The calls that completed before it.
        completed_steps: Vec<PlanStepView>,
        /// The error.
        error: ProblemView,
        /// Read back: nothing changed.
        unchanged: bool,
        /// What the user can do next.
        what_to_do: String,
    },
}
