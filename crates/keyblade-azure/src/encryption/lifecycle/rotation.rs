//! A new key version and the key's rotation policy: the facts keyblade-core's rotation
//! planners need (the resource's key and whether it pins a version, the key's state, the
//! signed-in account's Key Vault permission, the other resources that follow the key), the
//! run with its read-back, and [`read_rotation`] for the blade.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use keyblade_core::lifecycle::LifecycleAction;
use keyblade_core::lifecycle::rotation::{
    self as core_rotation, CallerPermission, KeyPermission, KeyState, RotationFacts, RotationKey,
    RotationPolicy,
};
use keyblade_core::preflight::{PlanStep, wildcard_match};
use keyblade_core::{KeyUri, KindRules, ResourceKind};

use super::{LifecycleOutcome, LifecyclePlanView, check_confirmation};
use crate::arm::lro::{Progress, ProgressUpdate};
use crate::arm::model::{RegistryEncryption, Vault};
use crate::cancel::Cancel;
use crate::encryption::facts::{self, ResourceRead};
use crate::encryption::{PlanStepView, ProblemView};
use crate::{AzureError, Session};

/// Plans a new key version or a rotation policy (`what`) for the resource. Writes nothing.
pub async fn plan(
    session: &Session,
    resource_id: &str,
    what: &LifecycleAction,
) -> Result<LifecyclePlanView, AzureError> {
    let gathered = gather(session, resource_id, what).await?;
    Ok(LifecyclePlanView::new(resource_id, &gathered.plan))
}

/// Runs a new key version or a rotation policy (`what`): plans again from fresh facts,
/// refuses on errors, makes the one Key Vault call (reported to `progress`, abandoned at
/// `cancel`) and reads the key back: the outcome is what that read shows.
pub async fn run(
    session: &Session,
    resource_id: &str,
    what: &LifecycleAction,
    confirmation: &super::Confirmed,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<LifecycleOutcome, AzureError> {
    let gathered = gather(session, resource_id, what).await?;
    let plan = &gathered.plan;
    if !plan.can_run() {
        return Ok(LifecycleOutcome::Refused {
            findings: LifecyclePlanView::new(resource_id, plan).findings,
        });
    }
    if let Err(finding) = check_confirmation(&plan.confirmation, confirmation) {
        return Ok(LifecycleOutcome::Refused {
            findings: vec![finding],
        });
    }
    let (Some(key), Some(step)) = (gathered.key.as_ref(), plan.steps.first()) else {
        return Ok(LifecycleOutcome::Unchanged {
            message: "The plan has no call to make.".to_owned(),
        });
    };
    let vault_url = vault_url(key)?;
    let key_name = key.key_name();
    match what {
        LifecycleAction::SetRotationPolicy { policy } => {
            let before = session
                .keyvault
                .get_rotation_policy(&vault_url, key_name)
                .await
                .ok();
            if before.as_ref().is_some_and(|b| b.same_as(policy)) {
                return Ok(LifecycleOutcome::Unchanged {
                    message: format!(
                        "Key {key_name} already has this rotation policy: {}.",
                        core_rotation::describe_policy(policy).join("; ")
                    ),
                });
            }
            let call = session
                .keyvault
                .set_rotation_policy(&vault_url, key_name, &step.body);
            let sent = send(step, progress, cancel, call).await;
            read_back_policy(
                session,
                resource_id,
                &vault_url,
                key_name,
                step,
                policy,
                before,
                sent,
                progress,
            )
            .await
        }
        _ => {
            let before = session
                .keyvault
                .get_key(&vault_url, key_name, None)
                .await
                .ok()
                .map(|k| k.version);
            let call = session.keyvault.rotate_key(&vault_url, key_name);
            let sent = send(step, progress, cancel, call).await;
            read_back_version(
                session,
                resource_id,
                &gathered,
                &vault_url,
                step,
                before,
                sent,
                progress,
            )
            .await
        }
    }
}

/// The one call of a rotation plan, or why it did not answer: its error, or `None` when the
/// user cancelled before Key Vault answered.
async fn send<T>(
    step: &PlanStep,
    progress: &dyn Progress,
    cancel: &Cancel,
    call: impl std::future::Future<Output = Result<T, AzureError>>,
) -> Result<T, Option<AzureError>> {
    progress.report(ProgressUpdate::Submitted {
        operation: step.title.clone(),
    });
    let answered = tokio::select! {
        biased;
        () = cancel.cancelled() => None,
        answer = call => Some(answer),
    };
    match answered {
        Some(Ok(value)) => {
            progress.report(ProgressUpdate::Succeeded {
                operation: step.title.clone(),
            });
            Ok(value)
        }
        Some(Err(error)) => {
            progress.report(ProgressUpdate::Failed {
                operation: step.title.clone(),
                code: error.code().to_owned(),
                message: error.to_string(),
            });
            Err(Some(error))
        }
        None => {
            progress.report(ProgressUpdate::Failed {
                operation: step.title.clone(),
                code: CANCELLED.to_owned(),
                message: "Cancelled: keyblade stopped waiting for Key Vault.".to_owned(),
            });
            Err(None)
        }
    }
}

const CANCELLED: &str = "lifecycle.cancelled";

fn read_back_title(what: &str) -> String {
    format!("Read back the key's {what}")
}

#[allow(clippy::too_many_arguments)]
async fn read_back_version(
    session: &Session,
    resource_id: &str,
    gathered: &Gathered,
    vault_url: &Url,
    step: &PlanStep,
    before: Option<String>,
    sent: Result<crate::keyvault::KeyDetails, Option<AzureError>>,
    progress: &dyn Progress,
) -> Result<LifecycleOutcome, AzureError> {
    let title = read_back_title("versions");
    progress.report(ProgressUpdate::Submitted {
        operation: title.clone(),
    });
    let Some(key) = gathered.key.as_ref() else {
        return Err(AzureError::InvalidInput {
            what: "The new key version".to_owned(),
            reason: "the resource has no key".to_owned(),
        });
    };
    let key_name = key.key_name();
    session.keyvault.forget_key_versions(vault_url, key_name);
    let latest = session.keyvault.get_key(vault_url, key_name, None).await;
    let shown = PlanStepView::from(step);
    let new_latest = match (&latest, &before) {
        (Ok(latest), Some(before)) if !latest.version.eq_ignore_ascii_case(before) => {
            Some(latest.version.clone())
        }
        // Without a read from before, the version Key Vault answered with must be the latest.
        (Ok(latest), None) => sent
            .as_ref()
            .ok()
            .filter(|made| made.version.eq_ignore_ascii_case(&latest.version))
            .map(|made| made.version.clone()),
        _ => None,
    };
    if let Some(version) = new_latest {
        progress.report(ProgressUpdate::Succeeded { operation: title });
        let follow = follow_sentence(gathered, &version);
        let view = super::super::view::load_view(session, resource_id)
            .await
            .ok()
            .map(Box::new);
        return Ok(LifecycleOutcome::Applied {
            steps: vec![shown],
            message: format!("Key {key_name} has a new latest version, {version}. {follow}"),
            view,
        });
    }
    progress.report(ProgressUpdate::Failed {
        operation: title,
        code: "lifecycle.unverified".to_owned(),
        message: "The key read back has no new version.".to_owned(),
    });
    let unchanged = latest.is_ok();
    let (error, what_to_do) = match (sent, &latest) {
        (Err(Some(error)), _) => {
            let next = match &error {
                AzureError::KeyVaultDenied { .. } => format!(
                    "{} Then try New key version again.",
                    KeyPermission::Rotate.how_to_get(key.vault_name())
                ),
                _ => "Read the error, then try New key version again; Refresh shows the key's versions as they are.".to_owned(),
            };
            (ProblemView::from(&error), next)
        }
        (Err(None), _) => (
            ProblemView {
                code: CANCELLED.to_owned(),
                message: "Cancelled before Key Vault answered.".to_owned(),
            },
            "Refresh in a minute: if Key Vault got the request, the new version appears then.".to_owned(),
        ),
        (Ok(_), Err(read)) => (
            ProblemView::from(read),
            "Key Vault accepted the request but the key could not be read back; Refresh to see its versions.".to_owned(),
        ),
        (Ok(_), Ok(latest)) => (
            ProblemView {
                code: "lifecycle.unverified".to_owned(),
                message: format!(
                    "Key Vault answered, but the key's latest version is still {}.",
                    latest.version
                ),
            },
            "Refresh in a minute to see the key's versions as Key Vault lists them.".to_owned(),
        ),
    };
    Ok(LifecycleOutcome::Failed {
        failed_step: Box::new(shown),
        completed_steps: Vec::new(),
        error,
        unchanged,
        what_to_do,
    })
}

#[allow(clippy::too_many_arguments)]
async fn read_back_policy(
    session: &Session,
    resource_id: &str,
    vault_url: &Url,
    key_name: &str,
    step: &PlanStep,
    wanted: &RotationPolicy,
    before: Option<RotationPolicy>,
    sent: Result<RotationPolicy, Option<AzureError>>,
    progress: &dyn Progress,
) -> Result<LifecycleOutcome, AzureError> {
    let title = read_back_title("rotation policy");
    progress.report(ProgressUpdate::Submitted {
        operation: title.clone(),
    });
    let read = session
        .keyvault
        .get_rotation_policy(vault_url, key_name)
        .await;
    let shown = PlanStepView::from(step);
    if let Ok(read) = &read
        && read.same_as(wanted)
    {
        progress.report(ProgressUpdate::Succeeded { operation: title });
        let view = super::super::view::load_view(session, resource_id)
            .await
            .ok()
            .map(Box::new);
        return Ok(LifecycleOutcome::Applied {
            steps: vec![shown],
            message: format!(
                "Key {key_name}'s rotation policy reads back as saved: {}.",
                core_rotation::describe_policy(read).join("; ")
            ),
            view,
        });
    }
    progress.report(ProgressUpdate::Failed {
        operation: title,
        code: "lifecycle.unverified".to_owned(),
        message: "The rotation policy read back is not the one saved.".to_owned(),
    });
    let unchanged = match (&read, &before) {
        (Ok(read), Some(before)) => read.same_as(before),
        _ => false,
    };
    let (error, what_to_do) = match (sent, &read) {
        (Err(Some(error)), _) => {
            let next = match &error {
                AzureError::KeyVaultDenied { .. } => {
                    KeyPermission::SetRotationPolicy.how_to_get(&vault_name_of(vault_url))
                }
                _ => "Read the error, fix the policy if it names a value, and save it again."
                    .to_owned(),
            };
            (ProblemView::from(&error), next)
        }
        (Err(None), _) => (
            ProblemView {
                code: CANCELLED.to_owned(),
                message: "Cancelled before Key Vault answered.".to_owned(),
            },
            "Refresh to see the policy Key Vault has now.".to_owned(),
        ),
        (Ok(_), Err(read)) => (
            ProblemView::from(read),
            "Key Vault accepted the policy but it could not be read back; Refresh to see it."
                .to_owned(),
        ),
        (Ok(_), Ok(read)) => (
            ProblemView {
                code: "lifecycle.unverified".to_owned(),
                message: format!(
                    "Key Vault answered, but the policy reads back as: {}.",
                    core_rotation::describe_policy(read).join("; ")
                ),
            },
            "Refresh to see the policy as Key Vault has it, and save it again if needed."
                .to_owned(),
        ),
    };
    Ok(LifecycleOutcome::Failed {
        failed_step: Box::new(shown),
        completed_steps: Vec::new(),
        error,
        unchanged,
        what_to_do,
    })
}

/// What the resource does with the new version, in a sentence.
fn follow_sentence(gathered: &Gathered, version: &str) -> String {
    let rules = KindRules::of(gathered.kind);
    let pinned = gathered.key.as_ref().is_some_and(|k| k.version().is_some());
    if !rules.follows_new_versions {
        format!(
            "The {} stays on its version until you use Update key version.",
            rules.short_name
        )
    } else if pinned {
        format!(
            "The {} pins its version and stays on it: use Rotate to this version now to move to {version}.",
            rules.short_name
        )
    } else {
        format!(
            "The {} follows the key unversioned and picks the new version up by itself, usually within an hour.",
            rules.short_name
        )
    }
}

/// The facts, and the plan made from them.
struct Gathered {
    kind: ResourceKind,
    /// The key URI the resource is configured with; `None` with Microsoft-managed keys.
    key: Option<KeyUri>,
    plan: keyblade_core::lifecycle::LifecyclePlan,
}

async fn gather(
    session: &Session,
    resource_id: &str,
    what: &LifecycleAction,
) -> Result<Gathered, AzureError> {
    let needed = match what {
        LifecycleAction::NewKeyVersion => KeyPermission::Rotate,
        LifecycleAction::SetRotationPolicy { .. } => KeyPermission::SetRotationPolicy,
        other => {
            return Err(AzureError::InvalidInput {
                what: "The action".to_owned(),
                reason: format!("{other:?} is not a new key version or a rotation policy"),
            });
        }
    };
    let id = facts::parse_resource_id(resource_id)?;
    let read = facts::read_resource(session, &id).await?;
    let kind = read.resource.kind();
    let key = configured_key(session, &read)?;
    let facts = match &key {
        None => RotationFacts {
            kind,
            resource_name: id.name().to_owned(),
            key: None,
            permission: CallerPermission::Granted,
            affected: Vec::new(),
        },
        Some(uri) => {
            let vault_url = vault_url(uri)?;
            let (state, permission, affected) = tokio::join!(
                key_state(session, &vault_url, uri.key_name()),
                caller_permission(session, uri, id.subscription_id(), needed),
                following(session, uri, resource_id),
            );
            RotationFacts {
                kind,
                resource_name: id.name().to_owned(),
                key: Some(RotationKey {
                    vault_url: uri.vault_url(),
                    vault_name: uri.vault_name().to_owned(),
                    key_name: uri.key_name().to_owned(),
                    pinned_version: uri.version().map(|v| v.as_str().to_owned()),
                    state,
                }),
                permission,
                affected,
            }
        }
    };
    let plan = match what {
        LifecycleAction::SetRotationPolicy { policy } => {
            core_rotation::plan_set_policy(&facts, policy)
        }
        _ => core_rotation::plan_new_version(&facts),
    };
    Ok(Gathered { kind, key, plan })
}

/// The key URI the resource is configured with, or `None` with Microsoft-managed keys.
fn configured_key(session: &Session, read: &ResourceRead) -> Result<Option<KeyUri>, AzureError> {
    match read.resource.encryption() {
        RegistryEncryption::CustomerManaged { key_identifier, .. } => {
            facts::parse_key_uri(session, key_identifier).map(Some)
        }
        _ => Ok(None),
    }
}

fn vault_url(uri: &KeyUri) -> Result<Url, AzureError> {
    Url::parse(&uri.vault_url()).map_err(|e| AzureError::InvalidInput {
        what: format!("The vault URI `{}`", uri.vault_url()),
        reason: e.to_string(),
    })
}

fn vault_name_of(url: &Url) -> String {
    url.host_str()
        .and_then(|h| h.split('.').next())
        .unwrap_or_default()
        .to_owned()
}

async fn key_state(session: &Session, vault_url: &Url, key_name: &str) -> KeyState {
    match session.keyvault.get_key(vault_url, key_name, None).await {
        Ok(key) if key.enabled => KeyState::Enabled,
        Ok(_) => KeyState::Disabled,
        Err(AzureError::NotFound { .. }) => KeyState::NotFound,
        Err(_) => KeyState::Unreadable,
    }
}

/// The other resources that follow the key unversioned. A listing that fails leaves the
/// list empty: it says what else is reached, and never blocks.
async fn following(
    session: &Session,
    uri: &KeyUri,
    resource_id: &str,
) -> Vec<keyblade_core::lifecycle::AffectedResource> {
    match super::users::key_users(session).await {
        Ok(users) => users.of_key(&uri.to_string(), resource_id, true),
        Err(_) => Vec::new(),
    }
}

/// Whether the signed-in account holds `needed` on the key: its access policy in the vault
/// (matched by the object ID of its token), or its roles' data actions on an RBAC vault.
async fn caller_permission(
    session: &Session,
    uri: &KeyUri,
    home_subscription: &str,
    needed: KeyPermission,
) -> CallerPermission {
    let Some(vault) = facts::find_vault(session, uri, home_subscription).await else {
        return CallerPermission::Unknown {
            reason: format!(
                "keyblade found no key vault {} in the subscriptions you can read",
                uri.vault_name()
            ),
        };
    };
    if vault.enable_rbac_authorization {
        return rbac_permission(session, &vault, needed).await;
    }
    let object_id = match facts::signed_in_object_id(session).await {
        Ok(id) => id,
        Err(error) => {
            return CallerPermission::Unknown {
                reason: format!("keyblade could not tell who is signed in: {error}"),
            };
        }
    };
    let mine: Vec<_> = vault
        .access_policies
        .iter()
        .filter(|p| p.object_id.eq_ignore_ascii_case(&object_id))
        .collect();
    if mine.is_empty() {
        return CallerPermission::Missing {
            reason: format!(
                "no access policy of the vault names your account (object ID {object_id})"
            ),
        };
    }
    let name = needed.access_policy_name();
    if mine.iter().any(|p| {
        p.key_permissions
            .iter()
            .any(|k| k.eq_ignore_ascii_case(name) || k.eq_ignore_ascii_case("all"))
    }) {
        CallerPermission::Granted
    } else {
        CallerPermission::Missing {
            reason: "your access policy in the vault does not include it".to_owned(),
        }
    }
}

async fn rbac_permission(
    session: &Session,
    vault: &Vault,
    needed: KeyPermission,
) -> CallerPermission {
    let action = needed.data_action();
    match session.arm.caller_permissions(vault.id.as_str()).await {
        Ok(permissions) => {
            let granted = permissions.iter().any(|p| {
                p.data_actions.iter().any(|a| wildcard_match(a, action))
                    && !p.not_data_actions.iter().any(|a| wildcard_match(a, action))
            });
            if granted {
                CallerPermission::Granted
            } else {
                CallerPermission::Missing {
                    reason: format!("none of your roles on the vault allows {action}"),
                }
            }
        }
        Err(error) => CallerPermission::Unknown {
            reason: format!("your roles on the vault could not be read: {error}"),
        },
    }
}

/// The rotation state of a resource's key, for the Encryption blade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RotationView {
    /// The resource.
    pub resource_id: String,
    /// Its kind.
    pub kind: ResourceKind,
    /// The key's rotation; `None` with Microsoft-managed keys.
    pub key: Option<KeyRotationView>,
}

/// How the key a resource uses rotates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KeyRotationView {
    /// The key vault's name.
    pub vault_name: String,
    /// The key's name.
    pub key_name: String,
    /// The key URI as configured.
    pub key_uri: String,
    /// Whether the resource follows new versions by itself (an unversioned key URI on a
    /// kind that follows new versions).
    pub follows_new_versions: bool,
    /// The version the resource uses now, when known.
    pub version_in_use: Option<String>,
    /// The key's newest version, when the key could be read.
    pub latest_version: Option<String>,
    /// The newest version's versioned URI: what "Rotate to this version now" stores.
    pub latest_version_uri: Option<String>,
    /// When the newest version was created.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub latest_created: Option<OffsetDateTime>,
    /// When the newest version expires, if it does.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub expires: Option<OffsetDateTime>,
    /// How many versions are newer than the one in use (0 when it is the newest).
    pub versions_behind: Option<u32>,
    /// The resource's `lastKeyRotationTimestamp`: when it last moved to a new version.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub last_rotation: Option<OffsetDateTime>,
    /// Whether the signed-in account may read the key's rotation policy.
    pub policy_readable: bool,
    /// The policy, when it could be read.
    pub policy: Option<RotationPolicy>,
    /// The policy in plain words, e.g. "Rotates every 90 days".
    pub policy_description: Vec<String>,
    /// Why the policy or the versions could not be read, and what to do.
    pub problem: Option<String>,
}

/// The rotation state of the resource's key: versions (in use, latest, how far behind),
/// the last rotation, and the rotation policy in words. A policy the signed-in account may
/// not read is `policy_readable: false` with the missing permission said, not an error.
pub async fn read_rotation(
    session: &Session,
    resource_id: &str,
) -> Result<RotationView, AzureError> {
    let id = facts::parse_resource_id(resource_id)?;
    let read = facts::read_resource(session, &id).await?;
    let kind = read.resource.kind();
    let RegistryEncryption::CustomerManaged {
        key_identifier,
        versioned_key_identifier,
        last_key_rotation,
        ..
    } = read.resource.encryption()
    else {
        return Ok(RotationView {
            resource_id: resource_id.to_owned(),
            kind,
            key: None,
        });
    };
    let uri = facts::parse_key_uri(session, key_identifier)?;
    let vault_url = vault_url(&uri)?;
    let key_name = uri.key_name();
    let in_use = versioned_key_identifier
        .as_deref()
        .and_then(|v| facts::parse_key_uri(session, v).ok())
        .and_then(|v| v.version().map(|v| v.as_str().to_ascii_lowercase()))
        .or_else(|| uri.version().map(|v| v.as_str().to_ascii_lowercase()));
    session.keyvault.forget_key_versions(&vault_url, key_name);
    let (latest, versions, policy) = tokio::join!(
        session.keyvault.get_key(&vault_url, key_name, None),
        session.keyvault.list_versions(&vault_url, key_name),
        session.keyvault.get_rotation_policy(&vault_url, key_name),
    );
    let mut problems = Vec::new();
    let latest = match latest {
        Ok(latest) => Some(latest),
        Err(error) => {
            problems.push(format!("The key's versions could not be read: {error}"));
            None
        }
    };
    let versions_behind = match (&versions, &in_use) {
        (Ok(versions), Some(in_use)) => versions
            .iter()
            .position(|v| {
                v.version
                    .as_deref()
                    .is_some_and(|v| v.eq_ignore_ascii_case(in_use))
            })
            .and_then(|i| u32::try_from(i).ok()),
        _ => None,
    };
    let (policy_readable, policy) = match policy {
        Ok(policy) => (true, Some(policy)),
        Err(AzureError::KeyVaultDenied { .. }) => {
            problems.push(format!(
                "You may not read the rotation policy of key {key_name}: your account lacks the key permission \"{}\" in key vault {}. {}",
                KeyPermission::GetRotationPolicy.access_policy_name(),
                uri.vault_name(),
                KeyPermission::GetRotationPolicy.how_to_get(uri.vault_name())
            ));
            (false, None)
        }
        Err(error) => {
            problems.push(format!("The rotation policy could not be read: {error}"));
            (true, None)
        }
    };
    let rules = KindRules::of(kind);
    Ok(RotationView {
        resource_id: resource_id.to_owned(),
        kind,
        key: Some(KeyRotationView {
            vault_name: uri.vault_name().to_owned(),
            key_name: key_name.to_owned(),
            key_uri: key_identifier.clone(),
            follows_new_versions: rules.follows_new_versions && uri.version().is_none(),
            version_in_use: in_use,
            latest_version: latest.as_ref().map(|k| k.version.to_ascii_lowercase()),
            latest_version_uri: latest.as_ref().map(|k| k.kid.clone()),
            latest_created: latest.as_ref().and_then(|k| k.created),
            expires: latest.as_ref().and_then(|k| k.expires),
            versions_behind,
            last_rotation: *last_key_rotation,
            policy_readable,
            policy_description: policy
                .as_ref()
                .map(core_rotation::describe_policy)
                .unwrap_or_default(),
            policy,
            problem: (!problems.is_empty()).then(|| problems.join(" ")),
        }),
    })
}
