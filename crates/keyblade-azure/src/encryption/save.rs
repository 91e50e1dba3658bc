//! Save: re-plan against the registry as it is, refuse when the plan has errors, run the
//! steps in order (every registry write carries `If-Match`), then read the registry back
//! and verify that the new key and identity are in place.
//!
//! The plan's steps are data (method, path, body); each is executed through the typed
//! client call for its kind, with the values taken from the step's body, so what runs is
//! what the user was shown, and the session's caches are invalidated by the same calls.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use keyblade_core::KeyUri;
use keyblade_core::preflight::{Placeholder, PlanStep, StepKind};

use crate::Session;
use crate::arm::lro::{Progress, ProgressUpdate};
use crate::arm::model::{
    AccessPolicy, EncryptionChange, EncryptionIdentity, EncryptionIdentityChoice, IdentityChange,
    NewRoleAssignment, Registry, RegistryChange, RegistryEncryption, ResourceId,
};
use crate::error::AzureError;

use super::facts::{self, RegistryRead};
use super::pickers::{IdentityOptions, list_identities};
use super::preflight::prepare;
use super::view::{EncryptionView, same_key_uri, view_of};
use super::{DesiredChange, FindingView, IdentitySelection, PlanStepView, ProblemView};

/// How a save ended. Every outcome says whether anything was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SaveOutcome {
    /// Every step ran, and the registry was read back.
    Saved {
        steps: Vec<PlanStepView>,
        /// The new key and identity were read back in place.
        verified: bool,
        /// What the read-back showed that was not asked for (empty when verified).
        mismatches: Vec<String>,
        /// The blade after the save, health included; `None` if it could not be read.
        view: Option<Box<EncryptionView>>,
    },
    /// The registry already uses this key and identity; nothing was written.
    Unchanged { view: Box<EncryptionView> },
    /// Preflight found errors; nothing was written.
    Refused { findings: Vec<FindingView> },
    /// The registry was changed elsewhere after it was read (its ETag no longer matches):
    /// that change was not overwritten. Reload, review and save again.
    ChangedElsewhere {
        message: String,
        /// Steps of this save that took effect before the conflict (grants, identity).
        completed_steps: Vec<PlanStepView>,
    },
    /// A step failed.
    Failed {
        failed_step: Box<PlanStepView>,
        /// 1-based position of the failed step, and how many there were.
        step_number: u32,
        step_count: u32,
        completed_steps: Vec<PlanStepView>,
        error: ProblemView,
        /// Read back after the failure: the registry's key and identity are as before the
        /// save. `None` when it could not be read back.
        encryption_unchanged: Option<bool>,
        /// What happened, in a sentence or two.
        summary: String,
        what_to_do: String,
        /// The blade as read back after the failure.
        view: Option<Box<EncryptionView>>,
    },
}

/// Saves `desired` on the registry, if it is still the one read with `etag`.
///
/// Re-plans from fresh facts first (the plan shown may be minutes old), and refuses when the
/// plan has errors. `progress` hears one `submitted` and one `succeeded`/`failed` per step,
/// `running` updates while a registry operation runs, and a final "Verify" operation. A
/// step's `submitted` comes before its first request is sent: after `i - 1` `succeeded`, a
/// `submitted` means step `i` of the plan has started.
/// `Err` means nothing was attempted (the registry or facts could not be read, or the input
/// is invalid); once a write was attempted the outcome says what happened.
pub async fn save(
    session: &Session,
    registry_id: &str,
    desired: &DesiredChange,
    etag: &str,
    progress: &dyn Progress,
) -> Result<SaveOutcome, AzureError> {
    let prepared = prepare(session, registry_id, desired).await?;
    let before = prepared.gathered.read.registry.clone();
    if !etags_match(before.etag.as_deref(), etag) {
        return Ok(SaveOutcome::ChangedElsewhere {
            message: changed_elsewhere_message(&before),
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
    let mut registry = Registry {
        etag: Some(etag.to_owned()),
        ..before.clone()
    };
    let mut system_principal: Option<String> = None;
    let mut completed: Vec<PlanStepView> = Vec::new();
    for (index, step) in plan.steps.iter().enumerate() {
        let shown = PlanStepView::from(step);
        progress.report(ProgressUpdate::Submitted {
            operation: step.title.clone(),
        });
        let scoped = StepProgress {
            inner: progress,
            title: &step.title,
        };
        match run_step(session, step, &mut registry, &mut system_principal, &scoped).await {
            Ok(()) => {
                progress.report(ProgressUpdate::Succeeded {
                    operation: step.title.clone(),
                });
                completed.push(shown);
            }
            Err(error) => {
                progress.report(ProgressUpdate::Failed {
                    operation: step.title.clone(),
                    code: error.code().to_owned(),
                    message: error.to_string(),
                });
                return Ok(failure(
                    session,
                    &prepared.id,
                    &before,
                    Failure {
                        step: shown,
                        step_number: u32::try_from(index + 1).unwrap_or(u32::MAX),
                        step_count,
                        completed,
                        error,
                    },
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
        .is_some_and(|step| step.kind == StepKind::SetEncryptionKey)
        .then(|| RegistryRead {
            registry,
            tenant_id: prepared.gathered.read.tenant_id.clone(),
        });
    Ok(verify(
        session,
        &prepared.id,
        read_back,
        &prepared.gathered.key_uri,
        &desired.identity,
        completed,
        progress,
    )
    .await)
}

const VERIFY: &str = "Verify the registry's new key and identity";

async fn verify(
    session: &Session,
    id: &ResourceId,
    read_back: Option<RegistryRead>,
    key_uri: &KeyUri,
    identity: &IdentitySelection,
    steps: Vec<PlanStepView>,
    progress: &dyn Progress,
) -> SaveOutcome {
    progress.report(ProgressUpdate::Submitted {
        operation: VERIFY.to_owned(),
    });
    let read = match read_back {
        Some(read) => Ok(read),
        None => facts::read_registry(session, id).await,
    };
    let read = match read {
        Ok(read) => read,
        Err(error) => {
            let mismatch = format!(
                "The save completed, but keyblade could not read the registry back to verify \
                 it: {error}"
            );
            progress.report(ProgressUpdate::Failed {
                operation: VERIFY.to_owned(),
                code: error.code().to_owned(),
                message: mismatch.clone(),
            });
            return SaveOutcome::Saved {
                steps,
                verified: false,
                mismatches: vec![mismatch],
                view: None,
            };
        }
    };
    let mismatches = mismatches(session, &read.registry, key_uri, identity);
    let view = view_of(session, read).await.ok().map(Box::new);
    if mismatches.is_empty() {
        progress.report(ProgressUpdate::Succeeded {
            operation: VERIFY.to_owned(),
        });
    } else {
        progress.report(ProgressUpdate::Failed {
            operation: VERIFY.to_owned(),
            code: "save.unverified".to_owned(),
            message: mismatches.join(" "),
        });
    }
    SaveOutcome::Saved {
        steps,
        verified: mismatches.is_empty(),
        mismatches,
        view,
    }
}

/// What the read-back registry shows that differs from what was saved.
fn mismatches(
    session: &Session,
    registry: &Registry,
    wanted: &KeyUri,
    identity: &IdentitySelection,
) -> Vec<String> {
    let RegistryEncryption::CustomerManaged {
        key_identifier,
        versioned_key_identifier,
        identity: in_use,
        key_rotation_enabled,
        ..
    } = &registry.encryption
    else {
        return vec!["The registry reports a Microsoft-managed key after the save.".to_owned()];
    };
    let mut found = Vec::new();
    if !same_key_uri(session, key_identifier, wanted) {
        found.push(format!(
            "The registry's key is {key_identifier}, not {wanted}."
        ));
    }
    match wanted.version() {
        None => {
            if !key_rotation_enabled {
                found.push("Automatic key rotation is not on for the unversioned key.".to_owned());
            }
            if versioned_key_identifier.is_none() {
                found.push("The registry reports no key version in use.".to_owned());
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
        (IdentitySelection::SystemAssigned, EncryptionIdentity::SystemAssigned { .. }) => {
            registry.identity.system_assigned.is_some()
        }
        (
            IdentitySelection::UserAssigned { resource_id },
            EncryptionIdentity::UserAssigned {
                resource_id: Some(used),
                ..
            },
        ) => used.eq_ignore_ascii_case(resource_id),
        _ => false,
    };
    if !identity_ok {
        found.push(format!(
            "The registry reaches its key through {}, not the chosen identity.",
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

struct Failure {
    step: PlanStepView,
    step_number: u32,
    step_count: u32,
    completed: Vec<PlanStepView>,
    error: AzureError,
}

/// Reads the registry back after a failed step and says what state it is in.
async fn failure(
    session: &Session,
    id: &ResourceId,
    before: &Registry,
    failure: Failure,
) -> SaveOutcome {
    if let AzureError::PreconditionFailed { .. } = failure.error {
        return SaveOutcome::ChangedElsewhere {
            message: changed_elsewhere_message(before),
            completed_steps: failure.completed,
        };
    }
    let read_back: Option<RegistryRead> = facts::read_registry(session, id).await.ok();
    let encryption_unchanged = read_back
        .as_ref()
        .map(|read| same_encryption(&read.registry.encryption, &before.encryption));
    let view = match read_back {
        Some(read) => view_of(session, read).await.ok().map(Box::new),
        None => None,
    };
    let state = match encryption_unchanged {
        Some(true) => "The registry's encryption is unchanged (keyblade read it back).",
        Some(false) => {
            "keyblade read the registry back and its encryption is no longer what it was \
             before the save: check the key and identity shown in the blade."
        }
        None => {
            "keyblade could not read the registry back to confirm that its encryption is \
             unchanged: reload the blade."
        }
    };
    let summary = format!(
        "Step {} of {} failed: {}. {state}",
        failure.step_number, failure.step_count, failure.step.title
    );
    let mut what_to_do = match &failure.error {
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
        _ => "Fix the cause Azure gives, run preflight again and save.".to_owned(),
    };
    if !failure.completed.is_empty() {
        let titles: Vec<&str> = failure.completed.iter().map(|s| s.title.as_str()).collect();
        what_to_do.push_str(&format!(
            " The steps before it took effect and stay: {}. Saving again plans from the \
             registry as it is now, so they are not repeated.",
            titles.join("; ")
        ));
    }
    SaveOutcome::Failed {
        failed_step: Box::new(failure.step),
        step_number: failure.step_number,
        step_count: failure.step_count,
        completed_steps: failure.completed,
        error: ProblemView::from(&failure.error),
        encryption_unchanged,
        summary,
        what_to_do,
        view,
    }
}

fn changed_elsewhere_message(registry: &Registry) -> String {
    format!(
        "Registry {} was changed elsewhere after keyblade read it, so nothing was saved over \
         that change. Reload the Encryption blade, review the registry as it is now, and save \
         again.",
        registry.id.name
    )
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
fn same_encryption(a: &RegistryEncryption, b: &RegistryEncryption) -> bool {
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
                && facts::stored_identity_value(identity_a)
                    .eq_ignore_ascii_case(&facts::stored_identity_value(identity_b))
        }
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

fn step_error(step: &PlanStep, reason: &str) -> AzureError {
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
    ResourceId::parse(resource)
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

/// Runs a grant step (access policy or role assignment).
pub(crate) async fn run_grant_step(
    session: &Session,
    step: &PlanStep,
    system_principal: Option<&str>,
) -> Result<(), AzureError> {
    let body = substituted_body(step, system_principal)?;
    match step.kind {
        StepKind::AddAccessPolicy => {
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
            session.arm.add_access_policy(&vault, &policy).await?;
            Ok(())
        }
        StepKind::CreateRoleAssignment => {
            let scope = path_resource(step, Some("/providers/Microsoft.Authorization/"))?;
            session
                .arm
                .create_role_assignment(&NewRoleAssignment {
                    name: path_last_segment(step)?.to_owned(),
                    scope: scope.id,
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
        StepKind::EnableSystemAssignedIdentity | StepKind::SetEncryptionKey => {
            Err(step_error(step, "it is not a grant"))
        }
    }
}

/// Runs one step; registry writes update `registry` (its new ETag guards the next write).
async fn run_step(
    session: &Session,
    step: &PlanStep,
    registry: &mut Registry,
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
            let change = RegistryChange {
                identity: Some(IdentityChange {
                    system_assigned: true,
                    user_assigned,
                }),
                encryption: None,
            };
            *registry = session
                .arm
                .update_registry(registry, &change, progress)
                .await?;
            let principal = registry
                .identity
                .system_assigned
                .as_ref()
                .and_then(|s| s.principal_id.clone())
                .ok_or_else(|| AzureError::InvalidResponse {
                    what: format!(
                        "registry {} after turning on its identity",
                        registry.id.name
                    ),
                    reason: "it shows no system-assigned principal ID".to_owned(),
                })?;
            *system_principal = Some(principal);
            Ok(())
        }
        StepKind::SetEncryptionKey => {
            let body = substituted_body(step, system_principal.as_deref())?;
            let key_vault = body
                .pointer("/properties/encryption/keyVaultProperties")
                .ok_or_else(|| step_error(step, "its body has no keyVaultProperties"))?;
            let identity = text_at(step, key_vault, "/identity")?;
            let change = RegistryChange {
                identity: None,
                encryption: Some(EncryptionChange {
                    key_identifier: text_at(step, key_vault, "/keyIdentifier")?.to_owned(),
                    identity: if identity.eq_ignore_ascii_case("system") {
                        EncryptionIdentityChoice::SystemAssigned
                    } else {
                        EncryptionIdentityChoice::UserAssigned {
                            client_id: identity.to_owned(),
                        }
                    },
                }),
            };
            *registry = session
                .arm
                .update_registry(registry, &change, progress)
                .await?;
            Ok(())
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
    Changed { identities: IdentityOptions },
    /// The registry was changed elsewhere after it was read; nothing was written.
    ChangedElsewhere { message: String },
}

/// Attaches a user-assigned identity of the subscription to the registry (keeping its other
/// identities), if the registry is still the one read with `etag`.
pub async fn attach_identity(
    session: &Session,
    registry_id: &str,
    identity_id: &str,
    etag: &str,
    progress: &dyn Progress,
) -> Result<IdentityChangeOutcome, AzureError> {
    let wanted = facts::parse_identity_id(identity_id)?;
    change_identities(session, registry_id, etag, progress, |registry| {
        let mut user_assigned: Vec<String> = registry
            .identity
            .user_assigned
            .iter()
            .map(|a| a.resource_id.clone())
            .collect();
        if !user_assigned
            .iter()
            .any(|id| id.eq_ignore_ascii_case(&wanted.id))
        {
            user_assigned.push(wanted.id.clone());
        }
        IdentityChange {
            system_assigned: registry.identity.system_assigned.is_some(),
            user_assigned,
        }
    })
    .await
}

/// Turns on the registry's system-assigned identity (the portal's Identity, Status On),
/// keeping its user-assigned identities, if the registry is still the one read with `etag`.
pub async fn enable_system_identity(
    session: &Session,
    registry_id: &str,
    etag: &str,
    progress: &dyn Progress,
) -> Result<IdentityChangeOutcome, AzureError> {
    change_identities(session, registry_id, etag, progress, |registry| {
        IdentityChange {
            system_assigned: true,
            user_assigned: registry
                .identity
                .user_assigned
                .iter()
                .map(|a| a.resource_id.clone())
                .collect(),
        }
    })
    .await
}

async fn change_identities(
    session: &Session,
    registry_id: &str,
    etag: &str,
    progress: &dyn Progress,
    wanted: impl FnOnce(&Registry) -> IdentityChange,
) -> Result<IdentityChangeOutcome, AzureError> {
    let id = facts::parse_registry_id(registry_id)?;
    let registry = session.arm.get_registry(&id).await?;
    if !etags_match(registry.etag.as_deref(), etag) {
        return Ok(IdentityChangeOutcome::ChangedElsewhere {
            message: changed_elsewhere_message(&registry),
        });
    }
    let change = RegistryChange {
        identity: Some(wanted(&registry)),
        encryption: None,
    };
    let guarded = Registry {
        etag: Some(etag.to_owned()),
        ..registry
    };
    match session
        .arm
        .update_registry(&guarded, &change, progress)
        .await
    {
        Ok(_) => Ok(IdentityChangeOutcome::Changed {
            identities: list_identities(session, registry_id).await?,
        }),
        Err(AzureError::PreconditionFailed { .. }) => Ok(IdentityChangeOutcome::ChangedElsewhere {
            message: changed_elsewhere_message(&guarded),
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
            path_resource(&step, Some("/accessPolicies/")).unwrap().name,
            "v"
        );
    }
}
