//! Revoking a resource's access to its key, four ways: remove the identity's access policy,
//! remove its role assignment, disable the key version in use, or delete the key.
//!
//! [`plan`] gathers the resource, the key in use, its vault (and role assignments) and every
//! other resource that uses the same key or identity, concurrently, and plans with
//! keyblade-core's [`keyblade_core::lifecycle::revoke::plan`]. [`run`] plans again from
//! fresh facts, refuses on errors or a wrong name, runs the steps, and reads the blade back:
//! revoked is when the data health says the data is inaccessible.
//!
//! The step runner and the read-back are shared with [`super::restore`].

use std::time::Instant;

use url::Url;

use keyblade_core::lifecycle::revoke::{RevokeInput, encryption_principal};
use keyblade_core::lifecycle::{LifecyclePlan, RevokeWay};
use keyblade_core::preflight::{IdentityChoice, PlanStep, PreflightInput, StepKind};
use keyblade_core::{KeyUri, KindRules, ResourceId};
use serde_json::Value;

use super::users::{KeyUsers, key_users};
use super::{LifecycleOutcome, LifecyclePlanView, check_confirmation};
use crate::arm::lro::{Progress, ProgressUpdate};
use crate::arm::model::{EncryptionIdentity, IdentityChange, RegistryEncryption};
use crate::cancel::Cancel;
use crate::encryption::facts::{self, IdentityLookup};
use crate::encryption::save::{access_policy_of, step_error};
use crate::encryption::view::{EncryptionView, HealthStatus, load_view};
use crate::encryption::{FindingView, PlanStepView, ProblemView};
use crate::{AzureError, Session};

/// The resource as it is now, in keyblade-core's terms: what every lifecycle planner of
/// revoke and restore reads.
pub(super) struct Current {
    /// The resource and the facts about its key in use (the desired part is unused).
    pub input: PreflightInput,
    /// The key version in use, parsed with the cloud's suffixes.
    pub key_uri: Option<KeyUri>,
    /// The identity the encryption uses, when it could be found.
    pub identity: Option<IdentityChoice>,
    /// The resource's ETag, which names role assignments a restore makes.
    pub etag: Option<String>,
}

/// Reads the resource, then its key in use, the key's vault (with role assignments) and
/// the identity concurrently, as the Encryption blade's health check does. A user-assigned
/// identity the resource names only by client ID (no longer attached) is looked for among
/// the subscription's identities, so it can be attached again.
pub(super) async fn current(session: &Session, resource_id: &str) -> Result<Current, AzureError> {
    let id = facts::parse_resource_id(resource_id)?;
    let read = facts::read_resource(session, &id).await?;
    let etag = read.resource.etag().map(str::to_owned);
    let RegistryEncryption::CustomerManaged {
        key_identifier,
        versioned_key_identifier,
        identity,
        ..
    } = read.resource.encryption().clone()
    else {
        let input = facts::without_key(read).planner_input(IdentityChoice::SystemAssigned, None)?;
        return Ok(Current {
            input,
            key_uri: None,
            identity: None,
            etag,
        });
    };
    let configured = facts::parse_key_uri(session, &key_identifier).ok();
    let in_use = versioned_key_identifier
        .as_deref()
        .and_then(|uri| facts::parse_key_uri(session, uri).ok())
        .filter(|uri| {
            configured
                .as_ref()
                .is_none_or(|c| c.key_name().eq_ignore_ascii_case(uri.key_name()))
        })
        .or(configured);
    let choice = match identity {
        EncryptionIdentity::SystemAssigned { .. } => Some(IdentityChoice::SystemAssigned),
        EncryptionIdentity::UserAssigned {
            resource_id: Some(resource_id),
            ..
        } => Some(IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(&resource_id)?,
        }),
        EncryptionIdentity::UserAssigned {
            client_id,
            resource_id: None,
        } => session
            .arm
            .list_user_assigned_identities(id.subscription_id())
            .await
            .ok()
            .and_then(|identities| {
                identities
                    .into_iter()
                    .find(|i| {
                        i.client_id
                            .as_deref()
                            .is_some_and(|c| c.eq_ignore_ascii_case(&client_id))
                    })
                    .map(|i| IdentityChoice::UserAssigned { resource_id: i.id })
            }),
    };
    let Some(key_uri) = in_use else {
        let input = facts::without_key(read).planner_input(IdentityChoice::SystemAssigned, None)?;
        return Ok(Current {
            input,
            key_uri: None,
            identity: choice,
            etag,
        });
    };
    let gathered = facts::gather(
        session,
        &id,
        async { Ok(read) },
        key_uri.clone(),
        // An identity that could not be found is checked as the system-assigned one.
        choice.as_ref().unwrap_or(&IdentityChoice::SystemAssigned),
    )
    .await?;
    let mut input = gathered.planner_input(
        choice.clone().unwrap_or(IdentityChoice::SystemAssigned),
        None,
    )?;
    if matches!(gathered.identity, IdentityLookup::Deleted(_)) {
        input.facts.user_assigned_identity = None;
    }
    Ok(Current {
        input,
        key_uri: Some(key_uri),
        identity: choice,
        etag,
    })
}

/// keyblade-core's revoke input from what was read, with the other users of the key and of
/// the identity's vault access.
fn revoke_input(current: &Current, users: Option<&KeyUsers>, resource_id: &str) -> RevokeInput {
    let resource = &current.input.resource;
    let configured = match &resource.encryption {
        keyblade_core::preflight::CurrentEncryption::CustomerManaged { key_uri, .. } => {
            Some(key_uri.clone())
        }
        keyblade_core::preflight::CurrentEncryption::ServiceManaged => None,
    };
    let principal = encryption_principal(resource, &current.input.facts);
    let (key_users, identity_users) = match (users, &configured) {
        (Some(users), Some(key)) => (
            users.of_key(key, resource_id, false),
            match (&principal, &current.key_uri) {
                (Some(principal), Some(uri)) => {
                    users.of_principal_in_vault(principal, &uri.vault_url(), resource_id)
                }
                _ => Vec::new(),
            },
        ),
        _ => (Vec::new(), Vec::new()),
    };
    RevokeInput {
        resource: resource.clone(),
        facts: current.input.facts.clone(),
        key_users,
        identity_users,
        users_incomplete: users.is_none_or(|u| !u.complete),
    }
}

async fn plan_core(
    session: &Session,
    resource_id: &str,
    way: RevokeWay,
) -> Result<(LifecyclePlan, &'static str), AzureError> {
    let (current, users) = futures::join!(current(session, resource_id), key_users(session));
    let current = current?;
    let input = revoke_input(&current, users.ok().as_ref(), resource_id);
    let noun = KindRules::of(input.resource.kind).short_name;
    Ok((keyblade_core::lifecycle::revoke::plan(way, &input), noun))
}

/// Plans revoking the resource's access to its key `way`: the review. Writes nothing.
pub async fn plan(
    session: &Session,
    resource_id: &str,
    way: RevokeWay,
) -> Result<LifecyclePlanView, AzureError> {
    let (plan, _) = plan_core(session, resource_id, way).await?;
    Ok(LifecyclePlanView::new(resource_id, &plan))
}

/// Revokes the resource's access `way`: plans again from fresh facts, refuses on errors or
/// when `confirmation` is not the resource's name, runs the steps, then reads the blade back
/// until it shows the data as inaccessible (bounded by the session's settle time).
pub async fn run(
    session: &Session,
    resource_id: &str,
    way: RevokeWay,
    confirmation: &super::Confirmed,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<LifecycleOutcome, AzureError> {
    // The plan the user saw may be minutes old, and access is exactly what changes.
    session.invalidate_all();
    let (plan, noun) = plan_core(session, resource_id, way).await?;
    execute(
        session,
        resource_id,
        &plan,
        confirmation,
        progress,
        cancel,
        &ReadBack {
            title: format!("Verify that the {noun}'s data is inaccessible"),
            done: |view| view.health.status == HealthStatus::Unhealthy,
            applied: |view| {
                format!(
                    "Access is revoked: the {}'s data is inaccessible. {}",
                    KindRules::of(view.kind).short_name,
                    view.health.summary
                )
            },
            not_yet: |view| {
                format!(
                    "Azure accepted every step, but the {} still reads as {}: {}",
                    KindRules::of(view.kind).short_name,
                    health_words(view.health.status),
                    view.health.summary
                )
            },
        },
    )
    .await
}

pub(super) fn health_words(status: HealthStatus) -> &'static str {
    match status {
        HealthStatus::Healthy => "accessible",
        HealthStatus::Unhealthy => "inaccessible",
        HealthStatus::Unknown => "unknown",
        HealthStatus::NotApplicable => "encrypted with Microsoft-managed keys",
    }
}

/// What a lifecycle run judges the blade read back by.
pub(super) struct ReadBack<D, A, N>
where
    D: Fn(&EncryptionView) -> bool,
    A: Fn(&EncryptionView) -> String,
    N: Fn(&EncryptionView) -> String,
{
    /// The last progress operation's title.
    pub title: String,
    /// Whether the view shows the change in place.
    pub done: D,
    /// The Applied message.
    pub applied: A,
    /// What the view shows instead, when it does not show the change yet.
    pub not_yet: N,
}

/// Runs a planned revoke or restore: refuses on a wrong confirmation or errors, runs the
/// steps in order (reporting each, stopping at `cancel`), then reads back.
pub(super) async fn execute<D, A, N>(
    session: &Session,
    resource_id: &str,
    plan: &LifecyclePlan,
    confirmation: &super::Confirmed,
    progress: &dyn Progress,
    cancel: &Cancel,
    read_back: &ReadBack<D, A, N>,
) -> Result<LifecycleOutcome, AzureError>
where
    D: Fn(&EncryptionView) -> bool,
    A: Fn(&EncryptionView) -> String,
    N: Fn(&EncryptionView) -> String,
{
    if let Err(refusal) = check_confirmation(&plan.confirmation, confirmation) {
        return Ok(LifecycleOutcome::Refused {
            findings: vec![refusal],
        });
    }
    if !plan.can_run() {
        return Ok(LifecycleOutcome::Refused {
            findings: plan.findings.iter().map(FindingView::from).collect(),
        });
    }
    let id = facts::parse_resource_id(resource_id)?;
    let mut completed: Vec<PlanStepView> = Vec::new();
    let mut system_principal: Option<String> = None;
    for step in &plan.steps {
        let shown = PlanStepView::from(step);
        let stopped = |error: Option<AzureError>, completed: Vec<PlanStepView>| Stopped {
            step: shown.clone(),
            completed,
            error,
        };
        if cancel.is_cancelled() {
            return Ok(after_stop(session, resource_id, stopped(None, completed), read_back).await);
        }
        progress.report(ProgressUpdate::Submitted {
            operation: step.title.clone(),
        });
        let ran = tokio::select! {
            biased;
            () = cancel.cancelled() => None,
            ran = run_step(session, &id, step, &mut system_principal, progress) => Some(ran),
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
                return Ok(after_stop(
                    session,
                    resource_id,
                    stopped(Some(error), completed),
                    read_back,
                )
                .await);
            }
            None => {
                progress.report(ProgressUpdate::Failed {
                    operation: step.title.clone(),
                    code: CANCELLED.to_owned(),
                    message: "Cancelled: keyblade stopped waiting.".to_owned(),
                });
                return Ok(
                    after_stop(session, resource_id, stopped(None, completed), read_back).await,
                );
            }
        }
    }
    Ok(verify(session, resource_id, completed, progress, cancel, read_back).await)
}

pub(super) const CANCELLED: &str = "lifecycle.cancelled";

/// A run that stopped before its end: at a failed step, or cancelled (`error: None`).
struct Stopped {
    step: PlanStepView,
    completed: Vec<PlanStepView>,
    error: Option<AzureError>,
}

/// Reads the blade back until it shows the change, `cancel` fires, or the session's settle
/// time passes: Applied, or InProgress saying what the read shows.
async fn verify<D, A, N>(
    session: &Session,
    resource_id: &str,
    steps: Vec<PlanStepView>,
    progress: &dyn Progress,
    cancel: &Cancel,
    read_back: &ReadBack<D, A, N>,
) -> LifecycleOutcome
where
    D: Fn(&EncryptionView) -> bool,
    A: Fn(&EncryptionView) -> String,
    N: Fn(&EncryptionView) -> String,
{
    progress.report(ProgressUpdate::Submitted {
        operation: read_back.title.clone(),
    });
    let settings = session.save_settings().clone();
    let started = Instant::now();
    let mut looks = 0u32;
    loop {
        session.invalidate_all();
        let view = load_view(session, resource_id).await;
        if let Ok(view) = &view
            && (read_back.done)(view)
        {
            progress.report(ProgressUpdate::Succeeded {
                operation: read_back.title.clone(),
            });
            return LifecycleOutcome::Applied {
                steps,
                message: (read_back.applied)(view),
                view: Some(Box::new(view.clone())),
            };
        }
        if cancel.is_cancelled()
            || started.elapsed() + settings.watch_interval > settings.settle_timeout
        {
            let message = match &view {
                Ok(view) => format!(
                    "{} keyblade looked for {} s; refresh the Encryption blade later to see \
                     whether the change has taken effect.",
                    (read_back.not_yet)(view),
                    started.elapsed().as_secs()
                ),
                Err(error) => format!(
                    "Azure accepted every step, but keyblade could not read the resource back \
                     ({error}); refresh the Encryption blade later to see the result."
                ),
            };
            progress.report(ProgressUpdate::Waiting {
                operation: read_back.title.clone(),
                reason: message.clone(),
                attempts: looks,
                next_check_ms: 0,
            });
            return LifecycleOutcome::InProgress { steps, message };
        }
        looks += 1;
        progress.report(ProgressUpdate::Waiting {
            operation: read_back.title.clone(),
            reason: "Waiting for the change to show in the resource's data health".to_owned(),
            attempts: looks,
            next_check_ms: u64::try_from(settings.watch_interval.as_millis()).unwrap_or(u64::MAX),
        });
        tokio::select! {
            biased;
            () = cancel.cancelled() => {}
            () = tokio::time::sleep(settings.watch_interval) => {}
        }
    }
}

/// After a failed or cancelled step: one read-back decides whether the change is in place
/// anyway (an answer lost after Azure applied it) or not.
async fn after_stop<D, A, N>(
    session: &Session,
    resource_id: &str,
    stopped: Stopped,
    read_back: &ReadBack<D, A, N>,
) -> LifecycleOutcome
where
    D: Fn(&EncryptionView) -> bool,
    A: Fn(&EncryptionView) -> String,
    N: Fn(&EncryptionView) -> String,
{
    session.invalidate_all();
    if let Ok(view) = load_view(session, resource_id).await
        && (read_back.done)(&view)
    {
        let mut steps = stopped.completed;
        steps.push(stopped.step);
        let note = match &stopped.error {
            Some(error) => format!(
                " Azure answered \"{}\", but the read-back shows the change in place.",
                error.to_string().trim_end_matches('.')
            ),
            None => String::new(),
        };
        return LifecycleOutcome::Applied {
            steps,
            message: format!("{}{note}", (read_back.applied)(&view)),
            view: Some(Box::new(view)),
        };
    }
    let (error, what_to_do) = match &stopped.error {
        Some(error) => (ProblemView::from(error), what_to_do(error)),
        None => (
            ProblemView {
                code: CANCELLED.to_owned(),
                message: "Cancelled: keyblade stopped before every step had run.".to_owned(),
            },
            "Plan the change again when you are ready; it plans from the resource as it is \
             then."
                .to_owned(),
        ),
    };
    let unchanged = stopped.completed.is_empty();
    let mut what_to_do = what_to_do;
    if !unchanged {
        let titles: Vec<&str> = stopped.completed.iter().map(|s| s.title.as_str()).collect();
        what_to_do.push_str(&format!(
            " The steps before it took effect and stay: {}.",
            titles.join("; ")
        ));
    }
    LifecycleOutcome::Failed {
        failed_step: Box::new(stopped.step),
        completed_steps: stopped.completed,
        error,
        unchanged,
        what_to_do,
    }
}

pub(super) fn what_to_do(error: &AzureError) -> String {
    match error {
        AzureError::AuthorizationFailed { .. } => {
            "Ask for a role that allows this step (Key Vault Contributor or User Access \
             Administrator on the vault for access changes, Contributor on the resource for \
             its identities), or sign in as someone who has one, then try again."
                .to_owned()
        }
        AzureError::KeyVaultDenied { vault, .. } => format!(
            "Your account may not change keys in vault {vault}: ask for Key Vault Crypto \
             Officer (or the update, delete and recover key permissions), then try again."
        ),
        AzureError::Throttled { .. }
        | AzureError::Unreachable { .. }
        | AzureError::ConnectionLost { .. } => "Wait a minute, then try again.".to_owned(),
        _ => "Fix the cause Azure gives, then plan the change again.".to_owned(),
    }
}

/// The vault URL (`https://host[:port]/`), key name and version of a data-plane step's URL:
/// `{vault}/keys/{name}[/{version}]` or `{vault}/deletedkeys/{name}/recover`.
fn key_target(step: &PlanStep) -> Result<(Url, String, Option<String>), AzureError> {
    let url = Url::parse(&step.path).map_err(|_| step_error(step, "its path is not a URL"))?;
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|segment| !segment.is_empty()).collect())
        .unwrap_or_default();
    let (name, version) = match segments.as_slice() {
        ["keys", name] | ["deletedkeys", name, "recover"] => ((*name).to_owned(), None),
        ["keys", name, version] => ((*name).to_owned(), Some((*version).to_owned())),
        _ => return Err(step_error(step, "its path names no key")),
    };
    let mut vault = url.clone();
    vault.set_path("/");
    vault.set_query(None);
    Ok((vault, name, version))
}

/// Runs one step of a revoke or restore plan, through the client call of its kind with the
/// values the step shows.
async fn run_step(
    session: &Session,
    resource_id: &ResourceId,
    step: &PlanStep,
    system_principal: &mut Option<String>,
    progress: &dyn Progress,
) -> Result<(), AzureError> {
    match step.kind {
        StepKind::RemoveAccessPolicy => {
            let (vault, policy) = access_policy_of(step, &step.body)?;
            session.arm.remove_access_policy(&vault, &policy).await?;
            Ok(())
        }
        StepKind::DeleteRoleAssignment => session.arm.delete_role_assignment(&step.path).await,
        StepKind::DisableKey | StepKind::EnableKey => {
            let (vault, name, version) = key_target(step)?;
            session
                .keyvault
                .set_enabled(
                    &vault,
                    &name,
                    version.as_deref(),
                    step.kind == StepKind::EnableKey,
                )
                .await?;
            Ok(())
        }
        StepKind::DeleteKey => {
            let (vault, name, _) = key_target(step)?;
            session.keyvault.delete_key(&vault, &name).await?;
            Ok(())
        }
        StepKind::RecoverDeletedKey => {
            let (vault, name, _) = key_target(step)?;
            session.keyvault.recover_deleted_key(&vault, &name).await?;
            wait_until_recovered(session, &vault, &name, step, progress).await
        }
        StepKind::AddAccessPolicy | StepKind::CreateRoleAssignment => {
            crate::encryption::save::run_grant_step(session, step, system_principal.as_deref())
                .await
        }
        StepKind::EnableSystemAssignedIdentity | StepKind::AddUserAssignedIdentity => {
            let identity = step
                .body
                .get("identity")
                .ok_or_else(|| step_error(step, "its body has no identity"))?;
            let kind = identity
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let change = IdentityChange {
                system_assigned: kind.contains("SystemAssigned"),
                user_assigned: identity
                    .pointer("/userAssignedIdentities")
                    .and_then(Value::as_object)
                    .map(|map| map.keys().cloned().collect())
                    .unwrap_or_default(),
                // Restoring attaches; it never detaches anything.
                detach: Vec::new(),
            };
            let resource = crate::encryption::resource::get_resource(session, resource_id).await?;
            let updated = resource.update_identity(session, change, progress).await?;
            if step.kind == StepKind::EnableSystemAssignedIdentity {
                let principal = updated
                    .identity()
                    .system_assigned
                    .as_ref()
                    .and_then(|s| s.principal_id.clone())
                    .ok_or_else(|| AzureError::InvalidResponse {
                        what: format!("{} {}", updated.noun(), updated.id().name()),
                        reason: "it shows no system-assigned principal ID after turning it on"
                            .to_owned(),
                    })?;
                *system_principal = Some(principal);
            }
            Ok(())
        }
        _ => Err(step_error(
            step,
            "it is not part of a revoke or restore plan",
        )),
    }
}

/// Key Vault recovers a deleted key in the background: the key answers 404 for a while.
/// Waits (bounded by the session's settle time) until it can be read.
async fn wait_until_recovered(
    session: &Session,
    vault: &Url,
    name: &str,
    step: &PlanStep,
    progress: &dyn Progress,
) -> Result<(), AzureError> {
    let settings = session.save_settings();
    let started = Instant::now();
    let mut attempts = 0u32;
    loop {
        match session.keyvault.get_key(vault, name, None).await {
            Ok(_) => return Ok(()),
            Err(AzureError::NotFound { .. })
                if started.elapsed() + settings.watch_interval <= settings.settle_timeout =>
            {
                attempts += 1;
                progress.report(ProgressUpdate::Waiting {
                    operation: step.title.clone(),
                    reason: "Waiting for Key Vault to finish recovering the key".to_owned(),
                    attempts,
                    next_check_ms: u64::try_from(settings.watch_interval.as_millis())
                        .unwrap_or(u64::MAX),
                });
                tokio::time::sleep(settings.watch_interval).await;
            }
            // Recovered keys can be read by whoever may read keys; if the read itself is
            // refused, the recovery was still accepted.
            Err(AzureError::NotFound { .. }) => {
                return Err(AzureError::Other(format!(
                    "Key Vault accepted the recovery of key {name}, but it was still not \
                     readable after {} s.",
                    started.elapsed().as_secs()
                )));
            }
            Err(_) => return Ok(()),
        }
    }
}
