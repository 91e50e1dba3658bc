//! The Encryption blade of a container registry, a storage account or a Cognitive Services
//! (Azure AI services) account, end to end: what it shows, the pickers of its Change key
//! panel, preflight, granting access, and saving.
//!
//! The path is kind-neutral: the resource is read into one shape and planned with
//! keyblade-core's rules for its kind ([`keyblade_core::KindRules`]); the only per-kind code is
//! the read and the write of the resource itself (registries through their typed PATCH,
//! accounts through [`crate::arm::Arm::update_account`]).
//!
//! This module is the orchestration between Azure access ([`crate::arm`],
//! [`crate::keyvault`]) and keyblade-core's pure planner: it gathers facts (independent
//! calls concurrently, at most [`crate::arm::CONCURRENCY`] at a time), hands them to
//! [`keyblade_core::preflight::plan`], and executes the plan's steps. One rule set decides
//! both the blade's data health and what preflight reports: the health is the planner run
//! on the registry's current key and identity.
//!
//! - [`view`]: [`load_view`], everything the blade shows.
//! - [`pickers`]: subscriptions, vaults (with whether you can list their keys), keys,
//!   versions, identities; creating a vault or an RSA key.
//! - [`preflight`](mod@preflight): [`preflight()`] and [`grant_access`].
//! - [`save`](mod@save): [`save()`], which re-plans against the registry as it is, refuses when the
//!   plan has errors, runs the steps (If-Match on every registry write), then reads back
//!   and verifies. Also [`attach_identity`] and [`enable_system_identity`].
//!
//! Every type a caller gets back is serde (camelCase) and, with the `ts` feature, derives
//! `ts_rs::TS` so the desktop shell can generate its TypeScript bindings.
//!
//! Reads go through the session's caches: the registry itself is always read fresh (its
//! ETag guards the save), vaults, identities and role data are cached until keyblade
//! writes them or the user refreshes ([`crate::Session::invalidate_all`]).

pub(crate) mod facts;
pub mod history;
pub mod lifecycle;
pub mod pickers;
pub mod preflight;
pub(crate) mod resource;
pub mod save;
pub mod view;

use serde::{Deserialize, Serialize};

use keyblade_core::preflight::{Finding, FindingCode, HttpMethod, PlanStep};

pub use pickers::{
    IdentityOption, IdentityOptions, KeyListAccess, KeyOption, KeyVersionOption, NewKeyRequest,
    NewVaultRequest, PermissionModel, SubscriptionOption, VaultNameCheck, VaultOption,
    check_vault_name, create_key, create_vault, list_identities, list_key_versions, list_keys,
    list_subscriptions, list_vaults, recover_vault,
};
pub use preflight::{GrantAvailability, GrantOutcome, PreflightReport, grant_access, preflight};
pub use save::{
    CancelSave, IdentityChangeOutcome, SaveOutcome, SaveSettings, SaveWatch, attach_identity,
    enable_system_identity, save, watch_until_settled,
};
pub use view::{
    ChangeAvailability, DataHealth, EncryptionIdentityView, EncryptionView, HealthStatus, KeyInUse,
    KeySource, load_view,
};

/// What the user chose in the Change key panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DesiredChange {
    /// A customer-managed key (the default when absent), or back to Microsoft-managed keys
    /// (storage and Cognitive Services accounts; registries refuse it with
    /// `plan.disableNotSupported`). With Microsoft-managed keys the key URI, identity and
    /// grant are ignored.
    #[serde(default)]
    pub key_source: KeySource,
    /// The key URI as typed, or the `kid` of a key (unversioned: automatic rotation) or of
    /// a key version (versioned: manual rotation) picked in Select from Key Vault. Empty
    /// (or absent) with Microsoft-managed keys.
    #[serde(default)]
    pub key_uri: String,
    /// The identity the resource should reach the key with.
    pub identity: IdentityChoice,
    /// Let Save grant the identity get, wrapKey and unwrapKey on the key when it lacks
    /// them (an access policy, or a role assignment on an RBAC vault).
    #[serde(default)]
    pub grant_access: bool,
}

/// Which identity the resource should use to reach the key: keyblade-core's, the one type
/// for it in every layer (the planner reads it, the history records it).
pub use keyblade_core::preflight::IdentityChoice;

/// How a key reaches new versions: keyblade-core's, the one type for it in every layer.
pub use keyblade_core::Rotation;

/// How much a finding matters: keyblade-core's, the one type for it in every layer.
pub use keyblade_core::preflight::Severity;

/// Something preflight (or the health check) found, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FindingView {
    /// How much it matters.
    pub severity: Severity,
    /// Stable identifier, e.g. `access.missingPermissions`.
    // A string on the wire (and in the generated TypeScript), typed here so Rust code
    // matches on variants rather than on spellings.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub code: FindingCode,
    /// What was found, as a sentence for the user.
    pub message: String,
    /// What to do, often with the Azure CLI command.
    pub fix: Option<String>,
}

impl FindingView {
    pub(crate) fn new(
        severity: Severity,
        code: FindingCode,
        message: impl Into<String>,
        fix: Option<String>,
    ) -> FindingView {
        FindingView {
            severity,
            code,
            message: message.into(),
            fix,
        }
    }
}

impl From<&Finding> for FindingView {
    fn from(finding: &Finding) -> FindingView {
        FindingView {
            severity: finding.severity,
            code: finding.code,
            message: finding.message.clone(),
            fix: finding.fix.clone(),
        }
    }
}

/// Which kind of call a plan step makes: keyblade-core's, the one type for it in every layer.
pub use keyblade_core::preflight::StepKind;

/// One call of a plan, for the "what will change" list and its `az` equivalent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlanStepView {
    /// Which kind of call it is.
    pub kind: StepKind,
    /// A one-line description for the user.
    pub title: String,
    /// `PATCH`, `PUT`, ...
    pub method: String,
    /// Path and query relative to the Resource Manager endpoint.
    pub path: String,
    /// The JSON body, as sent once placeholders are replaced.
    pub body: serde_json::Value,
    /// The body in one line, e.g. `identity.type = SystemAssigned`.
    pub body_summary: String,
    /// The same change with Azure CLI, for a POSIX shell.
    pub az_command: String,
}

impl From<&PlanStep> for PlanStepView {
    fn from(step: &PlanStep) -> PlanStepView {
        PlanStepView {
            kind: step.kind,
            title: step.title.clone(),
            method: match step.method {
                HttpMethod::Get => "GET",
                HttpMethod::Put => "PUT",
                HttpMethod::Patch => "PATCH",
                HttpMethod::Post => "POST",
                HttpMethod::Delete => "DELETE",
            }
            .to_owned(),
            path: step.path.clone(),
            body: step.body.clone(),
            body_summary: step.body_summary.clone(),
            az_command: step.az_command.clone(),
        }
    }
}

/// An error as data, for outcomes that report one without failing the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ProblemView {
    /// [`crate::AzureError::code`], e.g. `azure.operationFailed`.
    pub code: String,
    /// What happened, why, and what to do.
    pub message: String,
}

impl From<&crate::AzureError> for ProblemView {
    fn from(error: &crate::AzureError) -> ProblemView {
        ProblemView {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}

#[cfg(all(test, feature = "ts"))]
mod ts_tests {
    use ts_rs::{Config, TS};

    use super::*;

    /// The shell generates its bindings from these declarations: dates must come out as
    /// strings and tagged enums with their tags, as serde writes them.
    #[test]
    fn declarations_match_the_serialised_shapes() {
        let cfg = Config::new();
        let view = EncryptionView::decl(&cfg);
        assert!(view.contains("checkedAt: string"), "{view}");
        assert!(view.contains("etag: string | null"), "{view}");
        assert!(view.contains("kind: ResourceKind"), "{view}");
        let key = KeyInUse::decl(&cfg);
        assert!(key.contains("lastRotation: string | null"), "{key}");
        assert!(key.contains("newerVersion: string | null"), "{key}");
        let desired = DesiredChange::decl(&cfg);
        assert!(desired.contains("keySource"), "{desired}");
        let outcome = SaveOutcome::decl(&cfg);
        assert!(
            outcome.contains("\"status\": \"changedElsewhere\""),
            "{outcome}"
        );
        assert!(
            outcome.contains("encryptionUnchanged: boolean,"),
            "{outcome}"
        );
        assert!(outcome.contains("watching: boolean"), "{outcome}");
        let choice = IdentityChoice::decl(&cfg);
        assert!(
            choice.contains("{ \"type\": \"userAssigned\",")
                && choice.contains("resourceId: string"),
            "{choice}"
        );
        let step = PlanStepView::decl(&cfg);
        assert!(step.contains("body: JsonValue"), "{step}");
    }
}

#[cfg(test)]
mod send_tests {
    use super::*;
    use crate::Session;
    use crate::arm::lro::NoProgress;

    fn assert_send<T: Send>(_: &T) {}

    /// The desktop shell awaits these inside async commands, which run on a multi-threaded
    /// runtime: each future must be `Send`. This is a compile-time check; the closure is
    /// type-checked, never called.
    #[test]
    fn every_blade_future_is_send() {
        let check = |session: &Session,
                     desired: &DesiredChange,
                     new_vault: &NewVaultRequest,
                     new_key: &NewKeyRequest,
                     watch: &SaveWatch| {
            assert_send(&create_vault(session, new_vault, &NoProgress));
            assert_send(&create_key(session, new_key));
            assert_send(&list_identities(session, ""));
            assert_send(&attach_identity(session, "", "", "", &NoProgress));
            assert_send(&enable_system_identity(session, "", "", &NoProgress));
            assert_send(&list_subscriptions(session));
            assert_send(&list_vaults(session, ""));
            assert_send(&list_keys(session, ""));
            assert_send(&list_key_versions(session, "", ""));
            assert_send(&load_view(session, ""));
            assert_send(&preflight(session, "", desired));
            assert_send(&grant_access(session, "", desired));
            assert_send(&save(
                session,
                "",
                desired,
                "",
                &NoProgress,
                &CancelSave::new(),
            ));
            assert_send(&watch_until_settled(session, watch, &CancelSave::new()));
            assert_send(&check_vault_name(session, "", ""));
            assert_send(&recover_vault(session, "", "", &NoProgress));
        };
        let _ = check;
        // As an async command awaits them: inside another future, on owned state.
        let command = |session: std::sync::Arc<Session>, registry_id: String| async move {
            list_identities(&session, &registry_id).await?;
            enable_system_identity(&session, &registry_id, "", &NoProgress).await
        };
        let _ = |session: std::sync::Arc<Session>| assert_send(&command(session, String::new()));
    }
}
