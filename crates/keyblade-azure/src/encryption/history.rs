//! The history's side of the Encryption path: what an entry records of a save or a lifecycle
//! action (keyblade-core's [`HistoryEntry`], built from the outcomes here), and the review of
//! an entry's undo, planned through the same [`preflight()`] and [`lifecycle::plan`] as any
//! other change.
//!
//! An entry holds the account's name and the tenant, never a credential or token; step
//! bodies are left out (the `az` command states the change).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use keyblade_core::history::{
    EncryptionSettings, HistoryChange, HistoryEntry, HistoryOutcome, HistoryResource, KeySource,
    OutcomeStatus, RecordedStep, StepStatus, UndoPlan, inverse,
};
use keyblade_core::lifecycle::LifecycleAction;
use keyblade_core::lifecycle::rotation::RotationPolicy;
use keyblade_core::preflight::IdentityChoice;
use keyblade_core::{KindRules, ResourceId, ResourceKind};

use super::lifecycle::{self, LifecycleOutcome, LifecyclePlanView};
use super::preflight::{PreflightReport, preflight};
use super::save::SaveOutcome;
use super::view::{EncryptionView, IdentityKind};
use super::{DesiredChange, PlanStepView};
use crate::{AzureError, Session};

/// Who made a change, as an entry names them: never a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The account as the header names it, e.g. `ada@contoso.com`.
    pub account: String,
    /// The tenant the change was made in.
    pub tenant_id: String,
}

/// The settings `view` shows: the key URI exactly as configured and the identity that
/// reaches it.
pub fn settings_of(view: &EncryptionView) -> EncryptionSettings {
    match (&view.key_source, &view.key) {
        (KeySource::CustomerManaged, Some(key)) => EncryptionSettings {
            key_source: KeySource::CustomerManaged,
            key_uri: Some(key.key_uri.clone()),
            identity: view
                .identity
                .as_ref()
                .and_then(|identity| match identity.kind {
                    IdentityKind::SystemAssigned => Some(IdentityChoice::SystemAssigned),
                    // The view's ID is Azure's, which the blade already parsed to check it.
                    IdentityKind::UserAssigned => identity
                        .resource_id
                        .as_deref()
                        .and_then(|text| ResourceId::parse(text).ok())
                        .map(|resource_id| IdentityChoice::UserAssigned { resource_id }),
                }),
        },
        _ => EncryptionSettings::microsoft_managed(),
    }
}

/// The settings `desired` asks for.
pub fn requested_settings(desired: &DesiredChange) -> EncryptionSettings {
    match desired.key_source {
        KeySource::MicrosoftManaged => EncryptionSettings::microsoft_managed(),
        KeySource::CustomerManaged => EncryptionSettings {
            key_source: KeySource::CustomerManaged,
            key_uri: Some(desired.key_uri.clone()),
            identity: Some(desired.identity.clone()),
        },
    }
}

/// The Change key request that sets `settings` again. It grants nothing: the identity had
/// the access when these settings were in use, and preflight says so if it lost it.
/// Settings without a resolvable identity ask for the system-assigned one, which preflight
/// checks like any other choice.
pub fn desired_of(settings: &EncryptionSettings) -> DesiredChange {
    DesiredChange {
        key_source: settings.key_source,
        key_uri: settings.key_uri.clone().unwrap_or_default(),
        identity: settings
            .identity
            .clone()
            .unwrap_or(IdentityChoice::SystemAssigned),
        grant_access: false,
    }
}

/// The entry of a save of `desired` on `resource_id`, from the blade read just before it
/// (`before`; `None` when it could not be read) and the save's outcome. `Err` means the save
/// attempted nothing; it is recorded as refused, with the error.
pub fn save_entry(
    author: &Author,
    resource_id: &str,
    before: Option<&EncryptionView>,
    desired: &DesiredChange,
    outcome: &Result<SaveOutcome, AzureError>,
    undo_of: Option<String>,
) -> HistoryEntry {
    let requested = requested_settings(desired);
    let title = match requested.key_source {
        KeySource::MicrosoftManaged => "Change key: Microsoft-managed keys",
        KeySource::CustomerManaged => "Change key",
    };
    let (steps, outcome, after): (Vec<RecordedStep>, HistoryOutcome, Option<&EncryptionView>) =
        match outcome {
            Ok(SaveOutcome::Applied { steps, view, note }) => (
                recorded(steps, StepStatus::Completed),
                HistoryOutcome {
                    status: OutcomeStatus::Applied,
                    message: note.clone().unwrap_or_else(|| {
                        "Read back with the new key and identity in place.".to_owned()
                    }),
                },
                view.as_deref(),
            ),
            Ok(SaveOutcome::Unchanged { view }) => (
                Vec::new(),
                HistoryOutcome {
                    status: OutcomeStatus::Unchanged,
                    message: "The resource already used this key and identity; nothing was \
                              written."
                        .to_owned(),
                },
                Some(view.as_ref()),
            ),
            Ok(SaveOutcome::InProgress {
                completed_steps,
                reason,
                watch,
                ..
            }) => {
                let mut steps = recorded(completed_steps, StepStatus::Completed);
                steps.push(record(&watch.step, StepStatus::Unfinished));
                (
                    steps,
                    HistoryOutcome {
                        status: OutcomeStatus::InProgress,
                        message: reason.clone(),
                    },
                    None,
                )
            }
            Ok(SaveOutcome::Refused { findings }) => (
                Vec::new(),
                HistoryOutcome {
                    status: OutcomeStatus::Refused,
                    message: findings_message(findings.iter().map(|f| f.message.as_str())),
                },
                None,
            ),
            Ok(SaveOutcome::ChangedElsewhere {
                message,
                completed_steps,
            }) => (
                recorded(completed_steps, StepStatus::Completed),
                HistoryOutcome {
                    status: OutcomeStatus::Refused,
                    message: message.clone(),
                },
                None,
            ),
            Ok(SaveOutcome::Failed {
                failed_step,
                completed_steps,
                summary,
                error,
                view,
                ..
            }) => {
                let mut steps = recorded(completed_steps, StepStatus::Completed);
                steps.push(record(failed_step, StepStatus::Failed));
                (
                    steps,
                    HistoryOutcome {
                        status: OutcomeStatus::Failed,
                        message: format!("{summary} {}", error.message),
                    },
                    view.as_deref(),
                )
            }
            Err(error) => (
                Vec::new(),
                HistoryOutcome {
                    status: OutcomeStatus::Refused,
                    message: format!("Nothing was written: {error}"),
                },
                None,
            ),
        };
    HistoryEntry {
        id: String::new(),
        time: OffsetDateTime::now_utc(),
        account: author.account.clone(),
        tenant_id: author.tenant_id.clone(),
        resource: resource_of(resource_id, before.or(after)),
        title: title.to_owned(),
        change: HistoryChange::ChangeKey {
            before: before.map(settings_of),
            requested,
            after: after.map(settings_of),
        },
        steps,
        outcome,
        undo_of,
        settles: None,
        settled_at: None,
    }
}

/// What undoing `action` will need to know that only the state before it holds: for a
/// rotation policy change, the policy the key has now (`None` when it cannot be read, and
/// then the entry says it cannot be undone, rather than guessing).
pub async fn previous_policy(
    session: &crate::Session,
    resource_id: &str,
    action: &LifecycleAction,
) -> Option<RotationPolicy> {
    if !matches!(action, LifecycleAction::SetRotationPolicy { .. }) {
        return None;
    }
    super::lifecycle::rotation::read_rotation(session, resource_id)
        .await
        .ok()
        .and_then(|view| view.key)
        .filter(|key| key.policy_readable)
        .map(|key| key.policy.unwrap_or_default())
}

/// The entry of `action` on `resource_id`, from its outcome. `previous_policy` is the key's
/// rotation policy before a [`LifecycleAction::SetRotationPolicy`], when it was read. `Err`
/// means the action attempted nothing; it is recorded as refused, with the error.
pub fn lifecycle_entry(
    author: &Author,
    resource_id: &str,
    action: &LifecycleAction,
    previous_policy: Option<RotationPolicy>,
    outcome: &Result<LifecycleOutcome, AzureError>,
    undo_of: Option<String>,
) -> HistoryEntry {
    let (steps, outcome, view) = match outcome {
        Ok(LifecycleOutcome::Applied {
            steps,
            message,
            view,
        }) => (
            recorded(steps, StepStatus::Completed),
            HistoryOutcome {
                status: OutcomeStatus::Applied,
                message: message.clone(),
            },
            view.as_deref(),
        ),
        Ok(LifecycleOutcome::Unchanged { message }) => (
            Vec::new(),
            HistoryOutcome {
                status: OutcomeStatus::Unchanged,
                message: message.clone(),
            },
            None,
        ),
        Ok(LifecycleOutcome::InProgress { steps, message }) => (
            recorded(steps, StepStatus::Completed),
            HistoryOutcome {
                status: OutcomeStatus::InProgress,
                message: message.clone(),
            },
            None,
        ),
        Ok(LifecycleOutcome::Refused { findings }) => (
            Vec::new(),
            HistoryOutcome {
                status: OutcomeStatus::Refused,
                message: findings_message(findings.iter().map(|f| f.message.as_str())),
            },
            None,
        ),
        Ok(LifecycleOutcome::Failed {
            failed_step,
            completed_steps,
            error,
            what_to_do,
            ..
        }) => {
            let mut steps = recorded(completed_steps, StepStatus::Completed);
            steps.push(record(failed_step, StepStatus::Failed));
            (
                steps,
                HistoryOutcome {
                    status: OutcomeStatus::Failed,
                    message: format!("{} {what_to_do}", error.message),
                },
                None,
            )
        }
        Err(error) => (
            Vec::new(),
            HistoryOutcome {
                status: OutcomeStatus::Refused,
                message: format!("Nothing was written: {error}"),
            },
            None,
        ),
    };
    HistoryEntry {
        id: String::new(),
        time: OffsetDateTime::now_utc(),
        account: author.account.clone(),
        tenant_id: author.tenant_id.clone(),
        resource: resource_of(resource_id, view),
        title: action_title(action).to_owned(),
        change: HistoryChange::Lifecycle {
            action: action.clone(),
            previous_policy,
        },
        steps,
        outcome,
        undo_of,
        settles: None,
        settled_at: None,
    }
}

/// The review of an entry's undo: the Change key preflight or the lifecycle plan, or why it
/// cannot be undone. Running it is the ordinary save or lifecycle run, marked as the undo of
/// the entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum UndoReview {
    /// Change key back: save `desired` (with the report's ETag) after this review.
    ChangeKey {
        /// The entry undone.
        entry_id: String,
        /// The resource.
        resource: HistoryResource,
        /// What to save.
        desired: DesiredChange,
        /// Preflight of `desired`, as Change key shows it.
        report: PreflightReport,
    },
    /// Run the plan's action after this review.
    Lifecycle {
        /// The entry undone.
        entry_id: String,
        /// The resource.
        resource: HistoryResource,
        /// The plan of the inverse action.
        plan: LifecyclePlanView,
    },
    /// The entry cannot be undone.
    NotUndoable {
        /// The entry.
        entry_id: String,
        /// Why, and what to do instead.
        reason: String,
    },
}

/// Plans the undo of `entry` on the resource as it is now. Writes nothing.
pub async fn plan_undo(session: &Session, entry: &HistoryEntry) -> Result<UndoReview, AzureError> {
    let entry_id = entry.id.clone();
    let resource = entry.resource.clone();
    match inverse(entry) {
        Err(not) => Ok(UndoReview::NotUndoable {
            entry_id,
            reason: not.reason,
        }),
        Ok(UndoPlan::ChangeKey { settings }) => {
            let desired = desired_of(&settings);
            let report = preflight(session, &resource.id, &desired).await?;
            Ok(UndoReview::ChangeKey {
                entry_id,
                resource,
                desired,
                report,
            })
        }
        Ok(UndoPlan::Lifecycle { action }) => {
            let plan = lifecycle::plan(session, &resource.id, &action).await?;
            Ok(UndoReview::Lifecycle {
                entry_id,
                resource,
                plan,
            })
        }
    }
}

fn action_title(action: &LifecycleAction) -> &'static str {
    use keyblade_core::lifecycle::{IdentityAction, RestoreFix, RevokeWay};
    match action {
        LifecycleAction::NewKeyVersion => "New key version",
        LifecycleAction::SetRotationPolicy { .. } => "Rotation policy",
        LifecycleAction::Revoke { way } => match way {
            RevokeWay::RemoveAccessPolicy => "Revoke access: remove the access policy",
            RevokeWay::RemoveRoleAssignment => "Revoke access: remove the role assignment",
            RevokeWay::DisableKey => "Revoke access: disable the key",
            RevokeWay::DeleteKey => "Revoke access: delete the key",
        },
        LifecycleAction::Restore { fix } => match fix {
            RestoreFix::AddAccessPolicy => "Restore access: add the access policy",
            RestoreFix::AddRoleAssignment => "Restore access: assign the role",
            RestoreFix::EnableKey => "Restore access: enable the key",
            RestoreFix::RecoverKey => "Restore access: recover the key",
            RestoreFix::AttachIdentity => "Restore access: attach the identity",
        },
        LifecycleAction::Identity { change } => match change {
            IdentityAction::TurnOnSystemAssigned => "Identity: turn on system assigned",
            IdentityAction::TurnOffSystemAssigned => "Identity: turn off system assigned",
            IdentityAction::AddUserAssigned { .. } => "Identity: add user assigned",
            IdentityAction::RemoveUserAssigned { .. } => "Identity: remove user assigned",
        },
        LifecycleAction::ProtectVault { .. } => "Key vault: turn on purge protection",
    }
}

/// The resource as an entry names it: from the blade when it was read, else from its ID.
fn resource_of(resource_id: &str, view: Option<&EncryptionView>) -> HistoryResource {
    if let Some(view) = view {
        return HistoryResource {
            id: view.registry_id.clone(),
            kind: view.kind,
            name: view.registry_name.clone(),
        };
    }
    let parsed = keyblade_core::ResourceId::parse(resource_id).ok();
    let kind = parsed
        .as_ref()
        .and_then(|id| {
            ResourceKind::ALL
                .into_iter()
                .find(|kind| id.is_type(KindRules::of(*kind).arm_type))
        })
        // Every ID the shell passes was picked from a list of these three kinds; a registry
        // is the default only so that an entry is never lost over an ID that cannot be parsed.
        .unwrap_or(ResourceKind::ContainerRegistry);
    HistoryResource {
        id: resource_id.to_owned(),
        kind,
        name: parsed.map_or_else(|| resource_id.to_owned(), |id| id.name().to_owned()),
    }
}

fn recorded(steps: &[PlanStepView], status: StepStatus) -> Vec<RecordedStep> {
    steps.iter().map(|step| record(step, status)).collect()
}

fn record(step: &PlanStepView, status: StepStatus) -> RecordedStep {
    RecordedStep {
        kind: step.kind,
        title: step.title.clone(),
        method: step.method.clone(),
        path: step.path.clone(),
        az_command: step.az_command.clone(),
        status,
    }
}

fn findings_message<'a>(messages: impl Iterator<Item = &'a str>) -> String {
    let joined: Vec<&str> = messages.collect();
    if joined.is_empty() {
        "Refused; nothing was written.".to_owned()
    } else {
        format!("Refused; nothing was written. {}", joined.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encryption::view::{
        ChangeAvailability, DataHealth, EncryptionIdentityView, HealthStatus, KeyInUse,
    };
    use crate::encryption::{ProblemView, Rotation, StepKind};

    const ID: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stcontoso";
    const UAI: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-cmk";
    const KEY: &str = "https://kv.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef";

    fn author() -> Author {
        Author {
            account: "ada@contoso.com".to_owned(),
            tenant_id: "t".to_owned(),
        }
    }

    fn view(key_uri: Option<&str>) -> EncryptionView {
        EncryptionView {
            kind: ResourceKind::StorageAccount,
            registry_id: ID.to_owned(),
            registry_name: "stcontoso".to_owned(),
            resource_group: "rg".to_owned(),
            subscription_id: "s".to_owned(),
            location: "westeurope".to_owned(),
            sku: String::new(),
            etag: None,
            key_source: if key_uri.is_some() {
                KeySource::CustomerManaged
            } else {
                KeySource::MicrosoftManaged
            },
            key: key_uri.map(|uri| KeyInUse {
                key_uri: uri.to_owned(),
                versioned_key_uri: None,
                vault_name: "kv".to_owned(),
                vault_uri: "https://kv.vault.azure.net/".to_owned(),
                vault_id: None,
                key_name: "cmk".to_owned(),
                version_in_use: None,
                latest_version: None,
                newer_version: None,
                rotation: Rotation::Manual,
                last_rotation: None,
            }),
            identity: key_uri.map(|_| EncryptionIdentityView {
                kind: IdentityKind::UserAssigned,
                name: "id-cmk".to_owned(),
                resource_id: Some(UAI.to_owned()),
                client_id: None,
                principal_id: None,
                exists: true,
            }),
            health: DataHealth {
                status: HealthStatus::Healthy,
                summary: String::new(),
                problems: Vec::new(),
            },
            change: ChangeAvailability {
                allowed: true,
                reason: None,
            },
            system_assigned_identity: None,
            checked_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn step(kind: StepKind) -> PlanStepView {
        PlanStepView {
            kind,
            title: "Point the storage account at the key".to_owned(),
            method: "PATCH".to_owned(),
            path: ID.to_owned(),
            body: serde_json::json!({"secret": "never recorded"}),
            body_summary: String::new(),
            az_command: "az storage account update".to_owned(),
        }
    }

    fn desired_mmk() -> DesiredChange {
        DesiredChange {
            key_source: KeySource::MicrosoftManaged,
            key_uri: String::new(),
            identity: IdentityChoice::SystemAssigned,
            grant_access: false,
        }
    }

    #[test]
    fn an_applied_save_records_before_and_after_and_undoes_to_before() {
        let before = view(Some(KEY));
        let outcome = Ok(SaveOutcome::Applied {
            steps: vec![step(StepKind::UseMicrosoftManagedKeys)],
            view: Some(Box::new(view(None))),
            note: None,
        });
        let entry = save_entry(&author(), ID, Some(&before), &desired_mmk(), &outcome, None);
        assert_eq!(entry.resource.kind, ResourceKind::StorageAccount);
        assert_eq!(entry.resource.name, "stcontoso");
        assert_eq!(entry.outcome.status, OutcomeStatus::Applied);
        assert_eq!(entry.steps.len(), 1);
        assert_eq!(entry.steps[0].status, StepStatus::Completed);
        let before_settings = EncryptionSettings {
            key_source: KeySource::CustomerManaged,
            key_uri: Some(KEY.to_owned()),
            identity: Some(IdentityChoice::UserAssigned {
                resource_id: ResourceId::parse(UAI).unwrap(),
            }),
        };
        assert_eq!(
            entry.change,
            HistoryChange::ChangeKey {
                before: Some(before_settings.clone()),
                requested: EncryptionSettings::microsoft_managed(),
                after: Some(EncryptionSettings::microsoft_managed()),
            }
        );
        let Ok(UndoPlan::ChangeKey { settings }) = inverse(&entry) else {
            panic!("an applied key change is undoable");
        };
        let desired = desired_of(&settings);
        assert_eq!(desired.key_source, KeySource::CustomerManaged);
        assert_eq!(desired.key_uri, KEY);
        assert!(!desired.grant_access);
        assert!(
            !serde_json::to_string(&entry)
                .unwrap()
                .contains("never recorded")
        );
    }

    #[test]
    fn a_failed_save_records_the_failed_step() {
        let outcome = Ok(SaveOutcome::Failed {
            failed_step: Box::new(step(StepKind::SetEncryptionKey)),
            step_number: 2,
            step_count: 2,
            completed_steps: vec![step(StepKind::AddAccessPolicy)],
            error: ProblemView {
                code: "azure.forbidden".to_owned(),
                message: "Forbidden.".to_owned(),
            },
            encryption_unchanged: true,
            mismatches: Vec::new(),
            summary: "The key was not changed.".to_owned(),
            what_to_do: String::new(),
            view: None,
        });
        let entry = save_entry(&author(), ID, None, &desired_mmk(), &outcome, None);
        assert_eq!(entry.outcome.status, OutcomeStatus::Failed);
        assert_eq!(entry.outcome.message, "The key was not changed. Forbidden.");
        let statuses: Vec<StepStatus> = entry.steps.iter().map(|s| s.status).collect();
        assert_eq!(statuses, [StepStatus::Completed, StepStatus::Failed]);
        // Without a view, the resource is named from its ID.
        assert_eq!(entry.resource.kind, ResourceKind::StorageAccount);
        assert_eq!(entry.resource.name, "stcontoso");
        assert!(inverse(&entry).is_err());
    }

    #[test]
    fn an_error_before_writing_is_recorded_as_refused() {
        let outcome = Err(AzureError::Other(
            "the registry could not be read".to_owned(),
        ));
        let action = LifecycleAction::Revoke {
            way: keyblade_core::lifecycle::RevokeWay::DisableKey,
        };
        let entry = lifecycle_entry(&author(), ID, &action, None, &outcome, Some("e0".into()));
        assert_eq!(entry.outcome.status, OutcomeStatus::Refused);
        assert!(entry.outcome.message.contains("could not be read"));
        assert_eq!(entry.title, "Revoke access: disable the key");
        assert_eq!(entry.undo_of.as_deref(), Some("e0"));
    }

    #[test]
    fn settings_go_back_to_a_change_key_request() {
        let settings = settings_of(&view(Some(KEY)));
        let desired = desired_of(&settings);
        assert_eq!(requested_settings(&desired), settings);
        assert_eq!(
            settings_of(&view(None)),
            EncryptionSettings::microsoft_managed()
        );
    }
}
