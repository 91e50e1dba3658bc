//! Save: re-plan against the registry as it is, refuse when the plan has errors, run the
//! steps in order (every registry write carries `If-Match`), then read the registry back
//! and verify that the new key and identity are in place.
//!
//! The plan's steps are data (method, path, body); each is executed through the typed
//! client call for its kind, with the values taken from the step's body, so what runs is
//! what the user was shown, and the session's caches are invalidated by the same calls.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use keyblade_core::preflight::{Placeholder, PlanStep, StepKind};
use keyblade_core::{KeyUri, ResourceId};

use crate::Session;
use crate::arm::lro::{Progress, ProgressUpdate};
use crate::arm::model::{
    AccessPolicy, EncryptionIdentity, IdentityChange, NewRoleAssignment, RegistryEncryption,
    ResourceIdentity,
};
use crate::error::AzureError;

use super::facts::{self, ResourceRead};
use super::pickers::{IdentityOptions, list_identities};
use super::preflight::prepare;
use super::resource::EncryptedResource;
use super::view::{EncryptionView, same_key_uri, view_of};
use super::{DesiredChange, FindingView, IdentityChoice, PlanStepView, ProblemView};

/// How a save ended: what keyblade read back, never what it hoped. Every outcome says
/// whether anything was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SaveOutcome {
    /// Read back in a finished state, with the new key and identity in place.
    Applied {
        /// The calls made, in order.
        steps: Vec<PlanStepView>,
        /// The blade after the save, health included; `None` if it could not be built.
        view: Option<Box<EncryptionView>>,
        /// An error on the way that did not stop the change (an answer lost after Azure
        /// had applied the write), said so the user is not surprised by a notification.
        note: Option<String>,
    },
    /// The registry already uses this key and identity; nothing was written.
    Unchanged {
        /// The blade as read back.
        view: Box<EncryptionView>,
    },
    /// The change has not finished, or keyblade cannot tell yet (the operation still runs,
    /// waiting timed out, or the connection was lost). keyblade keeps watching
    /// ([`watch_until_settled`]) and reports the end.
    InProgress {
        /// The calls that completed before keyblade lost sight of the change.
        completed_steps: Vec<PlanStepView>,
        /// What keyblade knows and why it cannot say more yet.
        reason: String,
        /// The registry's `provisioningState` as last read, if it was read.
        provisioning_state: Option<String>,
        /// What a watcher needs to settle this save later.
        watch: SaveWatch,
        /// keyblade watches it and reports its end (`save-settled` in the app). `false`
        /// when the user cancelled or the watch itself gave up: then nothing more comes.
        watching: bool,
    },
    /// Preflight found errors; nothing was written.
    Refused {
        /// The findings; at least one is an error.
        findings: Vec<FindingView>,
    },
    /// The registry was changed elsewhere after it was read (its ETag no longer matches):
    /// that change was not overwritten. Reload, review and save again.
    ChangedElsewhere {
        /// What Azure said about the conflict.
        message: String,
        /// Steps of this save that took effect before the conflict (grants, identity).
        completed_steps: Vec<PlanStepView>,
    },
    /// The save did not apply. The registry was read back in a finished state.
    Failed {
        /// The call that failed.
        failed_step: Box<PlanStepView>,
        /// 1-based position of the failed step, and how many there were.
        step_number: u32,
        /// How many steps the plan had.
        step_count: u32,
        /// The calls that completed before it.
        completed_steps: Vec<PlanStepView>,
        /// The error, as the UI shows it.
        error: ProblemView,
        /// Read back: the registry's key and identity are as before the save. When `false`,
        /// `mismatches` says how they differ from both before and what was asked.
        encryption_unchanged: bool,
        /// How the registry's key and identity differ, one sentence each.
        mismatches: Vec<String>,
        /// What happened, in a sentence or two.
        summary: String,
        /// What the user can do next.
        what_to_do: String,
        /// The blade as read back after the failure.
        view: Option<Box<EncryptionView>>,
    },
}

/// What a save wanted and what it started from: enough to settle an unfinished save later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SaveWatch {
    /// The resource's ID (any kind; named for registries, the first kind).
    pub registry_id: String,
    /// What the save asked for.
    pub desired: DesiredChange,
    /// The key identifier and stored identity value before the save (`None`: Microsoft-
    /// managed key).
    pub before_key: Option<String>,
    /// The stored identity value before the save (`None`: Microsoft-managed key).
    pub before_identity: Option<String>,
    /// The step that did not finish, its position, and how many steps the plan had.
    pub step: PlanStepView,
    /// 1-based position of the step.
    pub step_number: u32,
    /// How many steps the plan had.
    pub step_count: u32,
}

/// How long a save waits for Azure, besides the per-request and operation limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveSettings {
    /// How long the key step is retried while a new grant or identity is not effective yet.
    /// On Azure a new role assignment or access policy takes up to minutes to apply.
    pub propagation_timeout: Duration,
    /// The first wait before retrying the key step; doubled up to [`Self::max_retry_wait`].
    pub propagation_first_wait: Duration,
    /// The longest wait between retries of the key step.
    pub max_retry_wait: Duration,
    /// After a write whose answer was lost, how long the save itself waits for the
    /// registry's operation to finish before it reports "still in progress".
    pub settle_timeout: Duration,
    /// How long [`watch_until_settled`] keeps looking at an unfinished save.
    pub watch_timeout: Duration,
    /// How long [`watch_until_settled`] waits between looks.
    pub watch_interval: Duration,
}

impl Default for SaveSettings {
    fn default() -> Self {
        SaveSettings {
            propagation_timeout: Duration::from_secs(5 * 60),
            propagation_first_wait: Duration::from_secs(5),
            max_retry_wait: Duration::from_secs(60),
            settle_timeout: Duration::from_secs(2 * 60),
            watch_timeout: Duration::from_secs(30 * 60),
            watch_interval: Duration::from_secs(5),
        }
    }
}

/// Cancels a running save: the save stops waiting and reports the registry as it reads it.
pub type CancelSave = crate::cancel::Cancel;

/// Saves `desired` on the resource (a registry, storage account or Cognitive Services
/// account), if it is still the one read with `etag`. An account the service reads without
/// an ETag cannot be guarded: pass an empty `etag` (the view's `None`).
///
/// Re-plans from fresh facts first (the plan shown may be minutes old), and refuses when the
/// plan has errors. `progress` hears one `submitted` and one `succeeded`/`failed` per step,
/// `running` updates while a registry operation runs or a new grant is awaited, and a final
/// "Verify" operation. A step's `submitted` comes before its first request is sent: after
/// `i - 1` `succeeded`, a `submitted` means step `i` of the plan has started.
/// `Err` means nothing was attempted (the registry or facts could not be read, or the input
/// is invalid); once a write was attempted the outcome is what the read-back shows.
pub async fn save(
    session: &Session,
    resource_id: &str,
    desired: &DesiredChange,
    etag: &str,
    progress: &dyn Progress,
    cancel: &CancelSave,
) -> Result<SaveOutcome, AzureError> {
    let prepared = prepare(session, resource_id, desired).await?;
    let before = prepared.gathered.read.resource.clone();
    if !guard_matches(&before, etag) {
        return Ok(SaveOutcome::ChangedElsewhere {
            message: changed_elsewhere_message(before.kind(), before.id().name()),
            completed_steps: Vec::new(),
        });
    }
    let (plan, findings) = prepared.plan(desired.grant_access)?;
    if facts::has_errors(&findings) {
        return Ok(SaveOutcome::Refused { findings });
    }
    if plan.steps.is_empty() {
        let view = view_of(session, prepared.gathered.read.clone()).await?;
        return Ok(SaveOutcome::Unchanged {
            view: Box::new(view),
        });
    }

    let step_count = u32::try_from(plan.steps.len()).unwrap_or(u32::MAX);
    let wanted = Wanted {
        id: &prepared.id,
        kind: before.kind(),
        before: before.encryption(),
        key_uri: prepared.gathered.key_uri.as_ref(),
        desired,
    };
    let mut resource = before.clone().with_etag(etag);
    let mut system_principal: Option<String> = None;
    let mut completed: Vec<PlanStepView> = Vec::new();
    for (index, step) in plan.steps.iter().enumerate() {
        let shown = PlanStepView::from(step);
        let step_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let interrupted = |error: Option<AzureError>, completed: Vec<PlanStepView>| Interrupted {
            step: shown.clone(),
            step_number,
            step_count,
            completed,
            error,
        };
        if cancel.is_cancelled() {
            return Ok(settle(
                session,
                &wanted,
                interrupted(None, completed),
                progress,
                cancel,
            )
            .await);
        }
        progress.report(ProgressUpdate::Submitted {
            operation: step.title.clone(),
        });
        let scoped = StepProgress {
            inner: progress,
            title: &step.title,
        };
        let ran = tokio::select! {
            biased;
            () = cancel.cancelled() => None,
            ran = run_step(session, step, &mut resource, &mut system_principal, &scoped) => Some(ran),
        };
        match ran {
            Some(Ok(())) => {
                progress.report(ProgressUpdate::Succeeded {
                    operation: step.title.clone(),
                });
                completed.push(shown);
            }
            Some(Err(error)) => {
                progress.report(ProgressUpdate::Failed {
                    operation: step.title.clone(),
                    code: error.code().to_owned(),
                    message: error.to_string(),
                });
                return Ok(settle(
                    session,
                    &wanted,
                    interrupted(Some(error), completed),
                    progress,
                    cancel,
                )
                .await);
            }
            None => {
                progress.report(ProgressUpdate::Failed {
                    operation: step.title.clone(),
                    code: CANCELLED.to_owned(),
                    message: "Cancelled: keyblade stopped waiting.".to_owned(),
                });
                return Ok(settle(
                    session,
                    &wanted,
                    interrupted(None, completed),
                    progress,
                    cancel,
                )
                .await);
            }
        }
    }
    // The last registry write already read the registry back after its operation ended;
    // verify that reading rather than fetching it again.
    let read_back = plan
        .steps
        .last()
        .is_some_and(|step| {
            matches!(
                step.kind,
                StepKind::SetEncryptionKey | StepKind::UseMicrosoftManagedKeys
            )
        })
        .then(|| ResourceRead {
            resource,
            tenant_id: prepared.gathered.read.tenant_id.clone(),
        });
    let last_step = plan
        .steps
        .last()
        .map(PlanStepView::from)
        .ok_or_else(|| AzureError::Other("a plan with steps has a last step".to_owned()))?;
    Ok(verify(
        session, &wanted, read_back, completed, last_step, step_count, progress,
    )
    .await)
}

/// The title of the read-back "operation" a save reports last.
fn verify_title(wanted: &Wanted<'_>) -> String {
    let noun = keyblade_core::KindRules::of(wanted.kind).short_name;
    match wanted.key_uri {
        Some(_) => format!("Verify the {noun}'s new key and identity"),
        None => format!("Verify the {noun}'s Microsoft-managed keys"),
    }
}
const CANCELLED: &str = "save.cancelled";

/// What a save is judged against.
struct Wanted<'a> {
    id: &'a ResourceId,
    /// Which kind of resource (how it stores the identity).
    kind: keyblade_core::ResourceKind,
    /// The resource's encryption before the save.
    before: &'a RegistryEncryption,
    /// The key asked for; `None`: Microsoft-managed keys.
    key_uri: Option<&'a KeyUri>,
    desired: &'a DesiredChange,
}

/// What the registry shows when read back after a save's writes.
#[derive(Debug)]
enum ReadBack {
    /// Finished, with the new key and identity.
    Desired(Box<ResourceRead>),
    /// Finished, with the key and identity it had before.
    Before(Box<ResourceRead>),
    /// Finished, with something that is neither.
    Other(Box<ResourceRead>, Vec<String>),
    /// Its operation still runs (`provisioningState` not terminal).
    Running(Box<ResourceRead>, String),
    /// It could not be read.
    Unreadable(AzureError),
}

fn classify(
    session: &Session,
    wanted: &Wanted<'_>,
    read: Result<ResourceRead, AzureError>,
) -> ReadBack {
    let read = match read {
        Ok(read) => read,
        Err(error) => return ReadBack::Unreadable(error),
    };
    if let Some(state) = read
        .resource
        .provisioning_state()
        .filter(|state| !is_terminal(state))
    {
        let state = state.to_owned();
        return ReadBack::Running(Box::new(read), state);
    }
    let mismatches = match wanted.key_uri {
        Some(key_uri) => mismatches(session, &read.resource, key_uri, &wanted.desired.identity),
        None => match read.resource.encryption() {
            RegistryEncryption::MicrosoftManaged => Vec::new(),
            RegistryEncryption::CustomerManaged { key_identifier, .. } => vec![format!(
                "The {} still uses the customer-managed key {key_identifier}.",
                read.resource.noun()
            )],
        },
    };
    if mismatches.is_empty() {
        ReadBack::Desired(Box::new(read))
    } else if same_encryption(wanted.kind, read.resource.encryption(), wanted.before) {
        ReadBack::Before(Box::new(read))
    } else {
        ReadBack::Other(Box::new(read), mismatches)
    }
}

/// ARM's terminal provisioning states; anything else (`Updating`, `Creating`, ...) runs.
fn is_terminal(state: &str) -> bool {
    ["Succeeded", "Failed", "Canceled", "Cancelled"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(state))
}

async fn verify(
    session: &Session,
    wanted: &Wanted<'_>,
    read_back: Option<ResourceRead>,
    steps: Vec<PlanStepView>,
    last_step: PlanStepView,
    step_count: u32,
    progress: &dyn Progress,
) -> SaveOutcome {
    progress.report(ProgressUpdate::Submitted {
        operation: verify_title(wanted),
    });
    let read = match read_back {
        Some(read) => Ok(read),
        None => facts::read_resource(session, wanted.id).await,
    };
    let outcome = match classify(session, wanted, read) {
        ReadBack::Desired(read) => SaveOutcome::Applied {
            steps,
            view: view_of(session, *read).await.ok().map(Box::new),
            note: None,
        },
        other => {
            // Every step answered success, yet the registry does not show the change.
            let interrupted = Interrupted {
                step: last_step,
                step_number: step_count,
                step_count,
                completed: steps,
                error: Some(AzureError::Other(
                    "Every step answered success, but the resource read back does not show \
                     the new encryption."
                        .to_owned(),
                )),
            };
            outcome_after(session, wanted, interrupted, other, true).await
        }
    };
    match &outcome {
        SaveOutcome::Applied { .. } => progress.report(ProgressUpdate::Succeeded {
            operation: verify_title(wanted),
        }),
        SaveOutcome::InProgress { reason, .. } => progress.report(ProgressUpdate::Waiting {
            operation: verify_title(wanted),
            reason: reason.clone(),
            attempts: 0,
            next_check_ms: u64::try_from(session.save_settings().watch_interval.as_millis())
                .unwrap_or(u64::MAX),
        }),
        _ => progress.report(ProgressUpdate::Failed {
            operation: verify_title(wanted),
            code: "save.unverified".to_owned(),
            message: "The resource read back does not show the new encryption.".to_owned(),
        }),
    }
    outcome
}

/// What the read-back registry shows that differs from what was saved.
fn mismatches(
    session: &Session,
    resource: &EncryptedResource,
    wanted: &KeyUri,
    identity: &IdentityChoice,
) -> Vec<String> {
    let noun = resource.noun();
    let RegistryEncryption::CustomerManaged {
        key_identifier,
        versioned_key_identifier,
        identity: in_use,
        key_rotation_enabled,
        ..
    } = resource.encryption()
    else {
        return vec![format!(
            "The {noun} reports a Microsoft-managed key after the save."
        )];
    };
    let mut found = Vec::new();
    if !same_key_uri(session, key_identifier, wanted) {
        found.push(format!(
            "The {noun}'s key is {key_identifier}, not {wanted}."
        ));
    }
    match wanted.version() {
        None => {
            if !key_rotation_enabled {
                found.push("Automatic key rotation is not on for the unversioned key.".to_owned());
            }
            if versioned_key_identifier.is_none() {
                found.push(format!("The {noun} reports no key version in use."));
            }
        }
        Some(_) => {
            if !versioned_key_identifier
                .as_deref()
                .is_some_and(|v| same_key_uri(session, v, wanted))
            {
                found.push(format!(
                    "The version in use is {}, not the pinned {wanted}.",
                    versioned_key_identifier.as_deref().unwrap_or("unknown")
                ));
            }
            if *key_rotation_enabled {
                found.push("Automatic key rotation is on for a pinned key version.".to_owned());
            }
        }
    }
    let identity_ok = match (identity, in_use) {
        (IdentityChoice::SystemAssigned, EncryptionIdentity::SystemAssigned { .. }) => {
            resource.identity().system_assigned.is_some()
        }
        (
            IdentityChoice::UserAssigned { resource_id },
            EncryptionIdentity::UserAssigned {
                resource_id: Some(used),
                ..
            },
        ) => used.eq_ignore_ascii_case(resource_id.as_str()),
        _ => false,
    };
    if !identity_ok {
        found.push(format!(
            "The {noun} reaches its key through {}, not the chosen identity.",
            match in_use {
                EncryptionIdentity::SystemAssigned { .. } =>
                    "its system-assigned identity".to_owned(),
                EncryptionIdentity::UserAssigned { client_id, .. } =>
                    format!("the identity with client ID {client_id}"),
            }
        ));
    }
    found
}

/// A save that stopped before its end: at a failed step, or cancelled (`error: None`).
struct Interrupted {
    step: PlanStepView,
    step_number: u32,
    step_count: u32,
    completed: Vec<PlanStepView>,
    error: Option<AzureError>,
}

/// Reads the registry back after a save stopped early and says what state it is in.
async fn settle(
    session: &Session,
    wanted: &Wanted<'_>,
    interrupted: Interrupted,
    progress: &dyn Progress,
    cancel: &CancelSave,
) -> SaveOutcome {
    let settings = session.save_settings();
    let started = Instant::now();
    let mut looks = 0u32;
    let read_back = loop {
        let read = facts::read_resource(session, wanted.id).await;
        let read_back = classify(session, wanted, read);
        // A write whose answer was lost often still runs: give its operation the time an
        // answered one would get before calling the save unfinished. Not after a cancel.
        let running = matches!(read_back, ReadBack::Running(..));
        if !running
            || cancel.is_cancelled()
            || started.elapsed() + settings.watch_interval > settings.settle_timeout
        {
            break read_back;
        }
        looks += 1;
        progress.report(ProgressUpdate::Waiting {
            operation: interrupted.step.title.clone(),
            reason: "Azure is still applying the change; waiting for it to finish".to_owned(),
            attempts: looks,
            next_check_ms: u64::try_from(settings.watch_interval.as_millis()).unwrap_or(u64::MAX),
        });
        tokio::select! {
            biased;
            () = cancel.cancelled() => {}
            () = tokio::time::sleep(settings.watch_interval) => {}
        }
    };
    let watching = !cancel.is_cancelled();
    let outcome = outcome_after(session, wanted, interrupted, read_back, watching).await;
    if let SaveOutcome::InProgress { reason, .. } = &outcome {
        progress.report(ProgressUpdate::Waiting {
            operation: verify_title(wanted),
            reason: reason.clone(),
            attempts: 0,
            next_check_ms: u64::try_from(settings.watch_interval.as_millis()).unwrap_or(u64::MAX),
        });
    }
    outcome
}

async fn outcome_after(
    session: &Session,
    wanted: &Wanted<'_>,
    interrupted: Interrupted,
    read_back: ReadBack,
    watching: bool,
) -> SaveOutcome {
    let next = if watching {
        "keyblade keeps watching and will say how it ends."
    } else {
        "keyblade stopped watching: Azure may still finish the change, so refresh the \
         Encryption blade later to see how it ended."
    };
    let cause = match &interrupted.error {
        Some(error) => error.to_string().trim_end_matches('.').to_owned(),
        None => "the save was cancelled".to_owned(),
    };
    match read_back {
        ReadBack::Desired(read) => SaveOutcome::Applied {
            steps: interrupted.completed,
            view: view_of(session, *read).await.ok().map(Box::new),
            note: interrupted.error.map(|error| {
                format!(
                    "Azure answered \"{error}\", but the resource read back shows the new \
                     encryption in place: the change was applied."
                )
            }),
        },
        ReadBack::Running(read, state) => SaveOutcome::InProgress {
            reason: format!(
                "Step {} of {} ({}) has not finished: {cause}. Azure reports the resource as \
                 {state}; {next}",
                interrupted.step_number, interrupted.step_count, interrupted.step.title
            ),
            provisioning_state: read.resource.provisioning_state().map(str::to_owned),
            watch: watch_of(wanted, &interrupted),
            watching,
            completed_steps: interrupted.completed,
        },
        ReadBack::Unreadable(read_error) => SaveOutcome::InProgress {
            reason: format!(
                "Step {} of {} ({}) did not answer: {cause}. keyblade could not read the \
                 resource back either ({read_error}), so it does not know yet whether the \
                 change was applied; {next}",
                interrupted.step_number, interrupted.step_count, interrupted.step.title
            ),
            provisioning_state: None,
            watch: watch_of(wanted, &interrupted),
            watching,
            completed_steps: interrupted.completed,
        },
        ReadBack::Before(read) => {
            if let Some(AzureError::PreconditionFailed { .. }) = interrupted.error {
                return SaveOutcome::ChangedElsewhere {
                    message: changed_elsewhere_message(wanted.kind, wanted.id.name()),
                    completed_steps: interrupted.completed,
                };
            }
            failed(session, interrupted, *read, true, Vec::new()).await
        }
        ReadBack::Other(read, mismatches) => {
            if let Some(AzureError::PreconditionFailed { .. }) = interrupted.error {
                return SaveOutcome::ChangedElsewhere {
                    message: changed_elsewhere_message(wanted.kind, wanted.id.name()),
                    completed_steps: interrupted.completed,
                };
            }
            failed(session, interrupted, *read, false, mismatches).await
        }
    }
}

fn watch_of(wanted: &Wanted<'_>, interrupted: &Interrupted) -> SaveWatch {
    let (before_key, before_identity) = match wanted.before {
        RegistryEncryption::CustomerManaged {
            key_identifier,
            identity,
            ..
        } => (
            Some(key_identifier.clone()),
            Some(facts::stored_identity_value(wanted.kind, identity)),
        ),
        RegistryEncryption::MicrosoftManaged => (None, None),
    };
    SaveWatch {
        registry_id: wanted.id.to_string(),
        desired: wanted.desired.clone(),
        before_key,
        before_identity,
        step: interrupted.step.clone(),
        step_number: interrupted.step_number,
        step_count: interrupted.step_count,
    }
}

async fn failed(
    session: &Session,
    interrupted: Interrupted,
    read: ResourceRead,
    encryption_unchanged: bool,
    mismatches: Vec<String>,
) -> SaveOutcome {
    // Without an error the save was cancelled (a save whose every step answered success
    // brings its own error from `verify`).
    let error = interrupted.error.unwrap_or_else(|| {
        AzureError::Other(
            "The save was cancelled: keyblade stopped before every step had run.".to_owned(),
        )
    });
    let state = if encryption_unchanged {
        "Its encryption is unchanged (keyblade read it back)."
    } else {
        "keyblade read it back and its encryption is neither what it was before the \
         save nor what was asked: check the key and identity shown in the blade."
    };
    let summary = format!(
        "Step {} of {} failed: {}. {state}",
        interrupted.step_number, interrupted.step_count, interrupted.step.title
    );
    let mut what_to_do = match &error {
        AzureError::Throttled { .. }
        | AzureError::Unreachable { .. }
        | AzureError::ConnectionLost { .. } => "Wait a minute, then save again.".to_owned(),
        AzureError::OperationTimedOut { .. } => {
            "Reload the blade in a few minutes to see whether the change completed; save again \
             if it did not."
                .to_owned()
        }
        AzureError::AuthorizationFailed { .. } => {
            "Ask for a role that allows this step (Contributor on the registry; Owner, Key Vault \
             Contributor or User Access Administrator on the vault for grants), or sign in as \
             someone who has one, then save again."
                .to_owned()
        }
        _ if is_access_not_effective(&error) => {
            "The new access did not take effect in time. Wait a few minutes, then save again: \
             the grant stays, so the save only sets the key."
                .to_owned()
        }
        _ => "Fix the cause Azure gives, run preflight again and save.".to_owned(),
    };
    if !interrupted.completed.is_empty() {
        let titles: Vec<&str> = interrupted
            .completed
            .iter()
            .map(|s| s.title.as_str())
            .collect();
        what_to_do.push_str(&format!(
            " The steps before it took effect and stay: {}. Saving again plans from the \
             registry as it is now, so they are not repeated.",
            titles.join("; ")
        ));
    }
    SaveOutcome::Failed {
        failed_step: Box::new(interrupted.step),
        step_number: interrupted.step_number,
        step_count: interrupted.step_count,
        completed_steps: interrupted.completed,
        error: ProblemView::from(&error),
        encryption_unchanged,
        mismatches,
        summary,
        what_to_do,
        view: view_of(session, read).await.ok().map(Box::new),
    }
}

/// Looks at the registry of an unfinished save until its operation ends (or
/// [`SaveSettings::watch_timeout`] passes, or `cancel` fires) and says how the save ended.
/// Reports `InProgress` again only when it gave up waiting.
pub async fn watch_until_settled(
    session: &Session,
    watch: &SaveWatch,
    cancel: &CancelSave,
) -> Result<SaveOutcome, AzureError> {
    let id = facts::parse_resource_id(&watch.registry_id)?;
    let key_uri = match watch.desired.key_source {
        super::KeySource::CustomerManaged => {
            Some(facts::parse_key_uri(session, &watch.desired.key_uri)?)
        }
        super::KeySource::MicrosoftManaged => None,
    };
    let settings = session.save_settings().clone();
    let started = Instant::now();
    let before = before_encryption(watch);
    let wanted = Wanted {
        id: &id,
        before: &before,
        kind: resource_kind_of(&id),
        key_uri: key_uri.as_ref(),
        desired: &watch.desired,
    };
    loop {
        let read = facts::read_resource(session, &id).await;
        let read_back = classify(session, &wanted, read);
        let waiting = matches!(read_back, ReadBack::Running(..) | ReadBack::Unreadable(_));
        if !waiting
            || started.elapsed() + settings.watch_interval > settings.watch_timeout
            || cancel.is_cancelled()
        {
            let interrupted = Interrupted {
                step: watch.step.clone(),
                step_number: watch.step_number,
                step_count: watch.step_count,
                completed: Vec::new(),
                error: match &read_back {
                    ReadBack::Desired(_) => None,
                    ReadBack::Running(..) | ReadBack::Unreadable(_) => {
                        Some(AzureError::Other(format!(
                            "it had not finished after keyblade watched it for {} s",
                            started.elapsed().as_secs()
                        )))
                    }
                    ReadBack::Before(_) | ReadBack::Other(..) => Some(AzureError::Other(
                        "Azure finished the operation without the new key and identity in place"
                            .to_owned(),
                    )),
                },
            };
            return Ok(outcome_after(session, &wanted, interrupted, read_back, false).await);
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => {}
            () = tokio::time::sleep(settings.watch_interval) => {}
        }
    }
}

fn before_encryption(watch: &SaveWatch) -> RegistryEncryption {
    match (&watch.before_key, &watch.before_identity) {
        (Some(key), Some(identity)) => RegistryEncryption::CustomerManaged {
            key_identifier: key.clone(),
            versioned_key_identifier: None,
            // The stored value is all `same_encryption` compares.
            identity: if identity.eq_ignore_ascii_case("system") {
                EncryptionIdentity::SystemAssigned {
                    client_id: identity.clone(),
                }
            } else {
                EncryptionIdentity::UserAssigned {
                    client_id: identity.clone(),
                    resource_id: None,
                }
            },
            key_rotation_enabled: false,
            last_key_rotation: None,
        },
        _ => RegistryEncryption::MicrosoftManaged,
    }
}

fn changed_elsewhere_message(kind: keyblade_core::ResourceKind, name: &str) -> String {
    let noun = keyblade_core::KindRules::of(kind).short_name;
    format!(
        "The {noun} {name} was changed elsewhere after keyblade read it, so nothing was saved \
         over that change. Reload the Encryption blade, review the {noun} as it is now, and \
         save again."
    )
}

/// Whether the resource is still the one read with `etag`. An account the service reads
/// without an ETag cannot be guarded (nor written with `If-Match`): it passes.
fn guard_matches(resource: &EncryptedResource, etag: &str) -> bool {
    match (resource, resource.etag()) {
        (EncryptedResource::Account(_), None) => true,
        (_, current) => etags_match(current, etag),
    }
}

/// The kind of a resource ID that [`facts::parse_resource_id`] accepted.
fn resource_kind_of(id: &ResourceId) -> keyblade_core::ResourceKind {
    use crate::arm::accounts::AccountKind;
    match AccountKind::of(id) {
        Some(AccountKind::Storage) => keyblade_core::ResourceKind::StorageAccount,
        Some(AccountKind::CognitiveServices) => {
            keyblade_core::ResourceKind::CognitiveServicesAccount
        }
        None => keyblade_core::ResourceKind::ContainerRegistry,
    }
}

fn etags_match(current: Option<&str>, expected: &str) -> bool {
    let bare = |etag: &str| {
        etag.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_owned()
    };
    current.is_some_and(|current| bare(current) == bare(expected))
}

/// The same key and identity, ignoring what the service updates by itself (the version in
/// use and the last rotation time of an automatically rotated key).
fn same_encryption(
    kind: keyblade_core::ResourceKind,
    a: &RegistryEncryption,
    b: &RegistryEncryption,
) -> bool {
    match (a, b) {
        (RegistryEncryption::MicrosoftManaged, RegistryEncryption::MicrosoftManaged) => true,
        (
            RegistryEncryption::CustomerManaged {
                key_identifier: key_a,
                identity: identity_a,
                ..
            },
            RegistryEncryption::CustomerManaged {
                key_identifier: key_b,
                identity: identity_b,
                ..
            },
        ) => {
            key_a.eq_ignore_ascii_case(key_b)
                && facts::stored_identity_value(kind, identity_a)
                    .eq_ignore_ascii_case(&facts::stored_identity_value(kind, identity_b))
        }
        _ => false,
    }
}

/// Whether a refused key step means "the identity's new access is not effective yet":
/// Azure checks the key with the identity's access as it is replicated, which lags a new
/// grant (or a new system-assigned identity) by seconds to minutes. Only these are retried.
fn is_access_not_effective(error: &AzureError) -> bool {
    const CODES: [&str; 3] = [
        "KeyVaultAccessDenied",
        "InvalidKeyVaultAccess",
        "KeyVaultKeyAccessDenied",
    ];
    match error {
        AzureError::BadRequest { code, .. }
        | AzureError::OperationFailed { code, .. }
        | AzureError::Conflict { code, .. } => CODES.iter().any(|c| c.eq_ignore_ascii_case(code)),
        _ => false,
    }
}

/// Forwards a registry operation's `running` updates under the step's title; the save
/// reports each step's start and end itself.
struct StepProgress<'a> {
    inner: &'a dyn Progress,
    title: &'a str,
}

impl Progress for StepProgress<'_> {
    fn report(&self, update: ProgressUpdate) {
        match update {
            ProgressUpdate::Running {
                status,
                polls,
                next_check_ms,
                ..
            } => self.inner.report(ProgressUpdate::Running {
                operation: self.title.to_owned(),
                status,
                polls,
                next_check_ms,
            }),
            ProgressUpdate::Waiting {
                reason,
                attempts,
                next_check_ms,
                ..
            } => self.inner.report(ProgressUpdate::Waiting {
                operation: self.title.to_owned(),
                reason,
                attempts,
                next_check_ms,
            }),
            _ => {}
        }
    }
}

pub(crate) fn step_error(step: &PlanStep, reason: &str) -> AzureError {
    AzureError::Other(format!(
        "keyblade could not run the step \"{}\": {reason}. This is a keyblade bug; please \
         report it.",
        step.title
    ))
}

/// The step's body with `{systemAssignedPrincipalId}` replaced by the principal an earlier
/// step created.
fn substituted_body(step: &PlanStep, system_principal: Option<&str>) -> Result<Value, AzureError> {
    let token = Placeholder::SystemAssignedPrincipalId.token();
    if step.placeholders.is_empty() {
        return Ok(step.body.clone());
    }
    let principal = system_principal.ok_or_else(|| {
        step_error(
            step,
            "it needs the system-assigned identity's principal ID, and no earlier step created it",
        )
    })?;
    fn replace(value: &Value, token: &str, principal: &str) -> Value {
        match value {
            Value::String(text) => Value::String(text.replace(token, principal)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| replace(item, token, principal))
                    .collect(),
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), replace(v, token, principal)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    Ok(replace(&step.body, token, principal))
}

/// The resource ID a step's path starts with: the path up to `marker` (or the query).
fn path_resource(step: &PlanStep, marker: Option<&str>) -> Result<ResourceId, AzureError> {
    let path = step.path.split('?').next().unwrap_or_default();
    let resource = match marker {
        Some(marker) => {
            let lower = path.to_ascii_lowercase();
            let at = lower
                .find(&marker.to_ascii_lowercase())
                .ok_or_else(|| step_error(step, &format!("its path has no `{marker}`")))?;
            &path[..at]
        }
        None => path,
    };
    Ok(ResourceId::parse(resource)?)
}

/// The last segment of a step's path (the name of the resource it creates).
fn path_last_segment(step: &PlanStep) -> Result<&str, AzureError> {
    step.path
        .split('?')
        .next()
        .and_then(|path| path.rsplit('/').next())
        .filter(|name| !name.is_empty())
        .ok_or_else(|| step_error(step, "its path names nothing to create"))
}

fn text_at<'a>(step: &PlanStep, body: &'a Value, pointer: &str) -> Result<&'a str, AzureError> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| step_error(step, &format!("its body has no `{pointer}`")))
}

/// The vault and the access policy an access-policy step (`…/accessPolicies/add` or
/// `…/remove`) names, from its path and `body`.
pub(crate) fn access_policy_of(
    step: &PlanStep,
    body: &Value,
) -> Result<(ResourceId, AccessPolicy), AzureError> {
    let vault = path_resource(step, Some("/accessPolicies/"))?;
    let entry = body
        .pointer("/properties/accessPolicies/0")
        .ok_or_else(|| step_error(step, "its body has no access policy"))?;
    let policy = AccessPolicy {
        tenant_id: text_at(step, entry, "/tenantId")?.to_owned(),
        object_id: text_at(step, entry, "/objectId")?.to_owned(),
        application_id: None,
        key_permissions: entry
            .pointer("/permissions/keys")
            .and_then(Value::as_array)
            .map(|keys| {
                keys.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    };
    Ok((vault, policy))
}

/// Runs a grant step (access policy or role assignment).
pub(crate) async fn run_grant_step(
    session: &Session,
    step: &PlanStep,
    system_principal: Option<&str>,
) -> Result<(), AzureError> {
    let body = substituted_body(step, system_principal)?;
    match step.kind {
        StepKind::AddAccessPolicy => {
            let (vault, policy) = access_policy_of(step, &body)?;
            session.arm.add_access_policy(&vault, &policy).await?;
            Ok(())
        }
        StepKind::CreateRoleAssignment => {
            let scope = path_resource(step, Some("/providers/Microsoft.Authorization/"))?;
            session
                .arm
                .create_role_assignment(&NewRoleAssignment {
                    name: path_last_segment(step)?.to_owned(),
                    scope: scope.as_str().to_owned(),
                    role_definition_id: text_at(step, &body, "/properties/roleDefinitionId")?
                        .to_owned(),
                    principal_id: text_at(step, &body, "/properties/principalId")?.to_owned(),
                    principal_type: body
                        .pointer("/properties/principalType")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                })
                .await?;
            Ok(())
        }
        _ => Err(step_error(step, "it is not a grant")),
    }
}

/// Runs one step; writes of the resource update `resource` (its new ETag guards the next
/// write). Each kind's write goes through its own client call ([`EncryptedResource`]).
async fn run_step(
    session: &Session,
    step: &PlanStep,
    resource: &mut EncryptedResource,
    system_principal: &mut Option<String>,
    progress: &dyn Progress,
) -> Result<(), AzureError> {
    match step.kind {
        StepKind::AddAccessPolicy | StepKind::CreateRoleAssignment => {
            run_grant_step(session, step, system_principal.as_deref()).await
        }
        StepKind::EnableSystemAssignedIdentity => {
            let body = substituted_body(step, None)?;
            let user_assigned: Vec<String> = body
                .pointer("/identity/userAssignedIdentities")
                .and_then(Value::as_object)
                .map(|map| map.keys().cloned().collect())
                .unwrap_or_default();
            let change = IdentityChange {
                system_assigned: true,
                user_assigned,
                detach: Vec::new(),
            };
            *resource = resource.update_identity(session, change, progress).await?;
            let principal = resource
                .identity()
                .system_assigned
                .as_ref()
                .and_then(|s| s.principal_id.clone())
                .ok_or_else(|| AzureError::InvalidResponse {
                    what: format!(
                        "{} {} after turning on its identity",
                        resource.noun(),
                        resource.id().name()
                    ),
                    reason: "it shows no system-assigned principal ID".to_owned(),
                })?;
            *system_principal = Some(principal);
            Ok(())
        }
        StepKind::SetEncryptionKey => {
            let body = substituted_body(step, system_principal.as_deref())?;
            *resource =
                set_key_when_access_is_effective(session, resource, step, &body, progress).await?;
            Ok(())
        }
        // Planned first when the chosen user-assigned identity is not attached yet: the same
        // write the Identity blade's Add makes, from the step's own body.
        StepKind::AddUserAssignedIdentity => {
            let change = super::lifecycle::identity::identity_change(step)?;
            *resource = resource.update_identity(session, change, progress).await?;
            Ok(())
        }
        // Planned only where the kind's rules allow it (never for registries).
        StepKind::UseMicrosoftManagedKeys => {
            let body = substituted_body(step, None)?;
            *resource = resource
                .write_encryption(session, step, &body, progress)
                .await?;
            Ok(())
        }
        // Lifecycle steps run through `crate::encryption::lifecycle`, never in a Change key save.
        _ => Err(step_error(step, "it is not part of a Change key plan")),
    }
}

const WAITING_FOR_ACCESS: &str = "Waiting for the new access to take effect";

/// The key step, sent again with a bounded backoff while Azure says the identity cannot use
/// the key yet ([`is_access_not_effective`]): the planner found the access in place (or this
/// save just granted it), so such a refusal is replication lag, not a missing grant. A
/// refused PATCH changes nothing, so its ETag still guards the retry.
async fn set_key_when_access_is_effective(
    session: &Session,
    resource: &EncryptedResource,
    step: &PlanStep,
    body: &Value,
    progress: &dyn Progress,
) -> Result<EncryptedResource, AzureError> {
    let settings = session.save_settings();
    let started = Instant::now();
    let mut wait = settings.propagation_first_wait;
    let mut attempts = 0u32;
    loop {
        match resource
            .write_encryption(session, step, body, progress)
            .await
        {
            Err(error)
                if is_access_not_effective(&error)
                    && started.elapsed() + wait <= settings.propagation_timeout =>
            {
                attempts += 1;
                progress.report(ProgressUpdate::Waiting {
                    operation: String::new(),
                    reason: WAITING_FOR_ACCESS.to_owned(),
                    attempts,
                    next_check_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                });
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(settings.max_retry_wait);
            }
            other => return other,
        }
    }
}

/// What a change to the registry's identities ended with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum IdentityChangeOutcome {
    /// Done: the identities as they are now (with the registry's new ETag).
    Changed {
        /// The registry's identities, with its new ETag.
        identities: IdentityOptions,
    },
    /// The registry was changed elsewhere after it was read; nothing was written.
    ChangedElsewhere {
        /// What Azure said about the conflict.
        message: String,
    },
}

/// Attaches a user-assigned identity to the resource (a registry or an account; keeping its
/// other identities), if the resource is still the one read with `etag`.
pub async fn attach_identity(
    session: &Session,
    resource_id: &str,
    identity_id: &str,
    etag: &str,
    progress: &dyn Progress,
) -> Result<IdentityChangeOutcome, AzureError> {
    let wanted = facts::parse_identity_id(identity_id)?;
    change_identities(session, resource_id, etag, progress, |identity| {
        let mut user_assigned: Vec<String> = identity
            .user_assigned
            .iter()
            .map(|a| a.resource_id.clone())
            .collect();
        if !user_assigned
            .iter()
            .any(|id| id.eq_ignore_ascii_case(wanted.as_str()))
        {
            user_assigned.push(wanted.to_string());
        }
        IdentityChange {
            system_assigned: identity.system_assigned.is_some(),
            user_assigned,
            detach: Vec::new(),
        }
    })
    .await
}

/// Turns on the resource's system-assigned identity (the portal's Identity, Status On),
/// keeping its user-assigned identities, if the resource is still the one read with `etag`.
pub async fn enable_system_identity(
    session: &Session,
    resource_id: &str,
    etag: &str,
    progress: &dyn Progress,
) -> Result<IdentityChangeOutcome, AzureError> {
    change_identities(session, resource_id, etag, progress, |identity| {
        IdentityChange {
            system_assigned: true,
            user_assigned: identity
                .user_assigned
                .iter()
                .map(|a| a.resource_id.clone())
                .collect(),
            detach: Vec::new(),
        }
    })
    .await
}

async fn change_identities(
    session: &Session,
    resource_id: &str,
    etag: &str,
    progress: &dyn Progress,
    wanted: impl FnOnce(&ResourceIdentity) -> IdentityChange,
) -> Result<IdentityChangeOutcome, AzureError> {
    let id = facts::parse_resource_id(resource_id)?;
    let resource = super::resource::get_resource(session, &id).await?;
    let name = resource.id().name().to_owned();
    let kind = resource.kind();
    if !guard_matches(&resource, etag) {
        return Ok(IdentityChangeOutcome::ChangedElsewhere {
            message: changed_elsewhere_message(kind, &name),
        });
    }
    let change = wanted(resource.identity());
    let guarded = resource.with_etag(etag);
    match guarded.update_identity(session, change, progress).await {
        Ok(_) => Ok(IdentityChangeOutcome::Changed {
            identities: list_identities(session, resource_id).await?,
        }),
        Err(AzureError::PreconditionFailed { .. }) => Ok(IdentityChangeOutcome::ChangedElsewhere {
            message: changed_elsewhere_message(kind, &name),
        }),
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_compare_without_quotes_or_weakness() {
        assert!(etags_match(Some("\"abc\""), "\"abc\""));
        assert!(etags_match(Some("W/\"abc\""), "abc"));
        assert!(!etags_match(Some("\"abd\""), "\"abc\""));
        assert!(!etags_match(None, "\"abc\""));
    }

    #[test]
    fn placeholders_are_replaced_everywhere_in_a_body() {
        let step = PlanStep {
            kind: StepKind::AddAccessPolicy,
            title: "t".into(),
            method: keyblade_core::preflight::HttpMethod::Put,
            path: "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v/accessPolicies/add?api-version=1".into(),
            body: serde_json::json!({"properties": {"accessPolicies": [{"objectId": "{systemAssignedPrincipalId}", "tenantId": "t"}]}}),
            body_summary: String::new(),
            az_command: String::new(),
            placeholders: vec![Placeholder::SystemAssignedPrincipalId],
        };
        let body = substituted_body(&step, Some("p-1")).unwrap();
        assert_eq!(body["properties"]["accessPolicies"][0]["objectId"], "p-1");
        assert!(substituted_body(&step, None).is_err());
        assert_eq!(
            path_resource(&step, Some("/accessPolicies/"))
                .unwrap()
                .name(),
            "v"
        );
    }
}
