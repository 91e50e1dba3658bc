//! The Identity blade's changes: system-assigned on and off, user-assigned added and removed.
//!
//! Facts: the resource through its kind's seam (fresh, for its ETag) and, to add a
//! user-assigned identity, that identity's own resource, read by ID from whichever
//! subscription holds it. keyblade-core's [`identity::plan`] decides; its one step is sent
//! through [`EncryptedResource::update_identity`] with `If-Match`, and the outcome is what
//! the resource shows when read back.

use std::collections::BTreeSet;

use serde_json::Value;

use keyblade_core::ResourceId;
use keyblade_core::lifecycle::IdentityAction;
use keyblade_core::lifecycle::LifecyclePlan;
use keyblade_core::lifecycle::identity::{self, IdentityInput, IdentityLookup};
use keyblade_core::preflight::{self as core, IdentityChoice, PlanStep};

use super::{LifecycleOutcome, LifecyclePlanView};
use crate::arm::lro::{Progress, ProgressUpdate};
use crate::arm::model::{IdentityChange, ResourceIdentity};
use crate::cancel::Cancel;
use crate::encryption::facts::{self, ResourceRead};
use crate::encryption::resource::EncryptedResource;
use crate::encryption::view::view_of;
use crate::encryption::{FindingView, PlanStepView, ProblemView};
use crate::{AzureError, Session};

/// Plans the change on the resource `resource_id`: the review. Writes nothing.
pub async fn plan(
    session: &Session,
    resource_id: &str,
    what: &IdentityAction,
) -> Result<LifecyclePlanView, AzureError> {
    let gathered = gather(session, resource_id, what).await?;
    Ok(LifecyclePlanView::new(resource_id, &gathered.plan))
}

/// Runs the change: plans it again from a fresh read, refuses when the plan has errors,
/// sends its step guarded by the ETag of that read, and reads the resource back.
pub async fn run(
    session: &Session,
    resource_id: &str,
    what: &IdentityAction,
    confirmation: &super::Confirmed,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<LifecycleOutcome, AzureError> {
    let gathered = gather(session, resource_id, what).await?;
    let plan = &gathered.plan;
    if let Err(finding) = super::check_confirmation(&plan.confirmation, confirmation) {
        return Ok(LifecycleOutcome::Refused {
            findings: vec![finding],
        });
    }
    if !plan.can_run() {
        return Ok(LifecycleOutcome::Refused {
            findings: plan.findings.iter().map(FindingView::from).collect(),
        });
    }
    let Some(step) = plan.steps.first() else {
        return Ok(LifecycleOutcome::Unchanged {
            message: plan
                .findings
                .first()
                .map_or_else(|| plan.summary.clone(), |f| f.message.clone()),
        });
    };
    let wanted = identity_change(step)?;
    let before = gathered.read.resource.identity().clone();
    let shown = PlanStepView::from(step);
    let noun = gathered.read.resource.noun();
    let name = gathered.read.resource.id().name().to_owned();

    let ran: Option<Result<EncryptedResource, AzureError>> = if cancel.is_cancelled() {
        None
    } else {
        progress.report(ProgressUpdate::Submitted {
            operation: step.title.clone(),
        });
        let scoped = StepProgress {
            inner: progress,
            title: &step.title,
        };
        tokio::select! {
            biased;
            () = cancel.cancelled() => None,
            written = gathered.read.resource.update_identity(session, wanted.clone(), &scoped) => Some(written),
        }
    };
    let error = match &ran {
        Some(Ok(_)) => {
            progress.report(ProgressUpdate::Succeeded {
                operation: step.title.clone(),
            });
            None
        }
        Some(Err(error)) => {
            progress.report(ProgressUpdate::Failed {
                operation: step.title.clone(),
                code: error.code().to_owned(),
                message: error.to_string(),
            });
            Some(error.clone())
        }
        None => {
            progress.report(ProgressUpdate::Failed {
                operation: step.title.clone(),
                code: "lifecycle.cancelled".to_owned(),
                message: "Cancelled: keyblade stopped waiting.".to_owned(),
            });
            Some(AzureError::Other(
                "The change was cancelled: keyblade stopped waiting for Azure.".to_owned(),
            ))
        }
    };

    // Read back: the write's own read when it answered, a fresh one otherwise.
    let verify = format!("Verify the identities of {noun} {name}");
    progress.report(ProgressUpdate::Submitted {
        operation: verify.clone(),
    });
    let id = gathered.read.resource.id().clone();
    let read = match ran {
        Some(Ok(resource)) => Ok(ResourceRead {
            resource,
            tenant_id: gathered.read.tenant_id.clone(),
        }),
        _ => facts::read_resource(session, &id).await,
    };
    let outcome = match read {
        Err(read_error) => LifecycleOutcome::InProgress {
            steps: vec![shown],
            message: format!(
                "keyblade could not read {name} back ({read_error}), so it does not know yet \
                 whether the change was applied{}. Refresh the Identity blade in a minute.",
                error
                    .as_ref()
                    .map(|e| format!(" (the change answered: {e})"))
                    .unwrap_or_default()
            ),
        },
        Ok(read) => judge(session, read, &before, &wanted, shown, error, noun, &name).await,
    };
    match &outcome {
        LifecycleOutcome::Applied { .. } => {
            progress.report(ProgressUpdate::Succeeded { operation: verify })
        }
        LifecycleOutcome::InProgress { message, .. } => progress.report(ProgressUpdate::Waiting {
            operation: verify,
            reason: message.clone(),
            attempts: 0,
            next_check_ms: 0,
        }),
        _ => progress.report(ProgressUpdate::Failed {
            operation: verify,
            code: "lifecycle.unverified".to_owned(),
            message: "The resource read back does not show the change.".to_owned(),
        }),
    }
    Ok(outcome)
}

/// What the resource read back shows, against what was asked and what it was before.
#[allow(clippy::too_many_arguments)]
async fn judge(
    session: &Session,
    read: ResourceRead,
    before: &ResourceIdentity,
    wanted: &IdentityChange,
    shown: PlanStepView,
    error: Option<AzureError>,
    noun: &str,
    name: &str,
) -> LifecycleOutcome {
    let now = read.resource.identity().clone();
    let running = read
        .resource
        .provisioning_state()
        .filter(|state| !is_terminal(state))
        .map(str::to_owned);
    if let Some(state) = running {
        return LifecycleOutcome::InProgress {
            steps: vec![shown],
            message: format!(
                "Azure reports {name} as {state}: the change has not finished. Refresh the \
                 Identity blade in a minute to see how it ended."
            ),
        };
    }
    if matches_wanted(&now, wanted) {
        let mut message = format!("Read back: {}.", describe(&now, noun, name));
        if let Some(error) = &error {
            message.push_str(&format!(
                " Azure answered \"{}\", but the read-back shows the change in place.",
                error.to_string().trim_end_matches('.')
            ));
        }
        return LifecycleOutcome::Applied {
            steps: vec![shown],
            message,
            view: view_of(session, read).await.ok().map(Box::new),
        };
    }
    let unchanged = same_identities(&now, before);
    let error = error.unwrap_or_else(|| {
        AzureError::Other(
            "Azure answered success, but the resource read back does not show the change."
                .to_owned(),
        )
    });
    let what_to_do = match &error {
        AzureError::PreconditionFailed { .. } => format!(
            "The {noun} {name} was changed elsewhere after keyblade read it, so nothing was \
             written over that change. Refresh the Identity blade, review, and try again."
        ),
        AzureError::AuthorizationFailed { .. } => format!(
            "Ask for a role that may change the {noun}'s identities (Contributor on the {noun}; \
             attaching a user-assigned identity also needs Managed Identity Operator on it), \
             then try again."
        ),
        AzureError::Throttled { .. }
        | AzureError::Unreachable { .. }
        | AzureError::ConnectionLost { .. } => "Wait a minute, then try again.".to_owned(),
        _ if unchanged => "Fix the cause Azure gives, then try again.".to_owned(),
        _ => format!(
            "Check the {noun}'s identities on the Identity blade: they are neither as before nor \
             as asked."
        ),
    };
    LifecycleOutcome::Failed {
        failed_step: Box::new(shown),
        completed_steps: Vec::new(),
        error: ProblemView::from(&error),
        unchanged,
        what_to_do,
    }
}

/// The resource's identities in a sentence.
fn describe(identity: &ResourceIdentity, noun: &str, name: &str) -> String {
    let system = if identity.system_assigned.is_some() {
        "on"
    } else {
        "off"
    };
    let users: Vec<String> = identity
        .user_assigned
        .iter()
        .map(|u| {
            u.resource_id
                .rsplit('/')
                .next()
                .unwrap_or(&u.resource_id)
                .to_owned()
        })
        .collect();
    format!(
        "the system-assigned identity of {noun} {name} is {system}, and {}",
        if users.is_empty() {
            "no user-assigned identity is attached".to_owned()
        } else {
            format!("its user-assigned identities are {}", users.join(", "))
        }
    )
}

fn user_set(identity: &ResourceIdentity) -> BTreeSet<String> {
    identity
        .user_assigned
        .iter()
        .map(|u| u.resource_id.to_ascii_lowercase())
        .collect()
}

fn matches_wanted(now: &ResourceIdentity, wanted: &IdentityChange) -> bool {
    let wanted_users: BTreeSet<String> = wanted
        .user_assigned
        .iter()
        .map(|id| id.to_ascii_lowercase())
        .collect();
    now.system_assigned.is_some() == wanted.system_assigned && user_set(now) == wanted_users
}

fn same_identities(a: &ResourceIdentity, b: &ResourceIdentity) -> bool {
    a.system_assigned.is_some() == b.system_assigned.is_some() && user_set(a) == user_set(b)
}

/// ARM's terminal provisioning states; anything else (`Updating`, ...) still runs.
fn is_terminal(state: &str) -> bool {
    ["Succeeded", "Failed", "Canceled", "Cancelled"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(state))
}

/// What was read for a plan, and the plan.
struct Gathered {
    read: ResourceRead,
    plan: LifecyclePlan,
}

/// Reads the resource and (to add one) the user-assigned identity concurrently, then plans.
async fn gather(
    session: &Session,
    resource_id: &str,
    what: &IdentityAction,
) -> Result<Gathered, AzureError> {
    let id = facts::parse_resource_id(resource_id)?;
    let to_add = match what {
        // An ID that is not an identity's is refused by the planner, with its reason.
        IdentityAction::AddUserAssigned { resource_id } => {
            facts::parse_identity_id(resource_id).ok()
        }
        _ => None,
    };
    let (read, identity_to_add) =
        futures::join!(facts::read_resource(session, &id), look_up(session, to_add));
    let read = read?;
    // The Encryption path's translation of the resource into keyblade-core's state; the key
    // and its facts do not matter to an identity change.
    let resource = facts::without_key(read.clone())
        .planner_input(IdentityChoice::SystemAssigned, None)?
        .resource;
    let plan = identity::plan(&IdentityInput {
        resource,
        change: what.clone(),
        identity_to_add,
    });
    Ok(Gathered { read, plan })
}

/// The identity to add, read by ID: it may live in any subscription the user can read.
async fn look_up(session: &Session, id: Option<ResourceId>) -> IdentityLookup {
    let Some(id) = id else {
        return IdentityLookup::NotLookedUp;
    };
    match session.arm.get_identity(&id).await {
        Ok(found) => IdentityLookup::Found {
            identity: core::UserAssignedIdentity {
                resource_id: found.id,
                principal_id: found.principal_id.unwrap_or_default(),
                client_id: found.client_id.unwrap_or_default(),
                tenant_id: found.tenant_id,
            },
        },
        Err(AzureError::NotFound { .. }) => IdentityLookup::Deleted,
        Err(other) => IdentityLookup::Unreadable {
            reason: other.to_string(),
        },
    }
}

/// The step's body as the typed change the seam writes: the system-assigned identity from
/// `identity.type`, the identities to keep (entries with a value) and to detach (`null`).
pub(crate) fn identity_change(step: &PlanStep) -> Result<IdentityChange, AzureError> {
    let bad = |reason: &str| {
        AzureError::Other(format!(
            "keyblade could not run the step \"{}\": {reason}. This is a keyblade bug; please \
             report it.",
            step.title
        ))
    };
    let identity = step
        .body
        .get("identity")
        .ok_or_else(|| bad("its body has no identity"))?;
    let type_text = identity
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("its body has no identity type"))?;
    let system_assigned = type_text
        .split(',')
        .any(|part| part.trim().eq_ignore_ascii_case("SystemAssigned"));
    let mut user_assigned = Vec::new();
    let mut detach = Vec::new();
    if let Some(map) = identity
        .get("userAssignedIdentities")
        .and_then(Value::as_object)
    {
        for (id, value) in map {
            if value.is_null() {
                detach.push(id.clone());
            } else {
                user_assigned.push(id.clone());
            }
        }
    }
    Ok(IdentityChange {
        system_assigned,
        user_assigned,
        detach,
    })
}

/// Forwards the write's `running` updates under the step's title; the run reports the
/// step's start and end itself.
struct StepProgress<'a> {
    inner: &'a dyn Progress,
    title: &'a str,
}

impl Progress for StepProgress<'_> {
    fn report(&self, update: ProgressUpdate) {
        if let ProgressUpdate::Running {
            status,
            polls,
            next_check_ms,
            ..
        } = update
        {
            self.inner.report(ProgressUpdate::Running {
                operation: self.title.to_owned(),
                status,
                polls,
                next_check_ms,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyblade_core::preflight::{HttpMethod, StepKind};
    use serde_json::json;

    #[test]
    fn a_steps_body_becomes_the_typed_change() {
        let step = PlanStep {
            kind: StepKind::RemoveUserAssignedIdentity,
            title: "t".to_owned(),
            method: HttpMethod::Patch,
            path: String::new(),
            body: json!({"identity": {"type": "SystemAssigned,UserAssigned",
                "userAssignedIdentities": {"/a": {}, "/b": null}}}),
            body_summary: String::new(),
            az_command: String::new(),
            placeholders: Vec::new(),
        };
        let change = identity_change(&step).unwrap();
        assert!(change.system_assigned);
        assert_eq!(change.user_assigned, ["/a"]);
        assert_eq!(change.detach, ["/b"]);
        let none = PlanStep {
            body: json!({"identity": {"type": "None"}}),
            ..step
        };
        let change = identity_change(&none).unwrap();
        assert!(!change.system_assigned && change.user_assigned.is_empty());
    }
}
