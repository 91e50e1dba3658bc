//! The key lifecycle beyond Change key, as plans: a new key version and the rotation
//! policy ([`rotation`]), revoking and restoring access ([`revoke`], [`restore`]), and the
//! resource's identities ([`identity`]), and a vault's soft delete and purge protection
//! ([`protect`]).
//!
//! Every action is planned the way Change key is: pure functions take the facts the caller
//! gathered and `now`, and return a [`LifecyclePlan`] of steps (each with its request and
//! `az` equivalent), findings (errors block it), what the user must confirm, and what else
//! is affected. keyblade-azure gathers the facts, executes the steps and reads back; the
//! history ([`crate::history`]) records what ran, and undo plans the inverse through the
//! same functions.

pub mod identity;
pub mod protect;
pub mod restore;
pub mod revoke;
pub mod rotation;

use serde::{Deserialize, Serialize};

use crate::kind::ResourceKind;
use crate::preflight::{Finding, PlanStep, Severity};

/// A lifecycle action the user can ask for on a resource's Encryption (or Identity) blade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "action",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum LifecycleAction {
    /// Create a new version of the key the resource uses.
    NewKeyVersion,
    /// Replace the rotation policy of the key the resource uses.
    SetRotationPolicy {
        /// The policy to save.
        policy: rotation::RotationPolicy,
    },
    /// Cut the resource off from its key.
    Revoke {
        /// How.
        way: RevokeWay,
    },
    /// Give the resource its key back.
    Restore {
        /// Which fix.
        fix: RestoreFix,
    },
    /// Change the resource's managed identities.
    Identity {
        /// Which change.
        change: IdentityAction,
    },
    /// Turn on soft delete and purge protection for a vault (the resource's, or the one
    /// Change key is about to use).
    ProtectVault {
        /// The vault's ARM resource ID.
        vault_id: String,
    },
}

/// The four ways to revoke a resource's access to its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RevokeWay {
    /// Remove the identity's access policy (`az keyvault delete-policy`).
    RemoveAccessPolicy,
    /// Remove the identity's role assignment on the key or vault (RBAC vaults).
    RemoveRoleAssignment,
    /// Disable the key (`az keyvault key set-attributes --enabled false`).
    DisableKey,
    /// Delete the key (`az keyvault key delete`); with soft delete it can be recovered.
    DeleteKey,
}

/// The fixes Restore access can apply, one per cause of an inaccessible key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RestoreFix {
    /// Add the identity's access policy again (get, wrapKey, unwrapKey).
    AddAccessPolicy,
    /// Assign Key Vault Crypto Service Encryption User again (RBAC vaults).
    AddRoleAssignment,
    /// Enable the key.
    EnableKey,
    /// Recover the soft-deleted key.
    RecoverKey,
    /// Attach the identity the key uses to the resource again.
    AttachIdentity,
}

/// A change to the resource's managed identities (the Identity blade).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum IdentityAction {
    /// Turn the system-assigned identity on.
    TurnOnSystemAssigned,
    /// Turn the system-assigned identity off.
    TurnOffSystemAssigned,
    /// Attach a user-assigned identity.
    AddUserAssigned {
        /// The identity's ARM resource ID.
        resource_id: String,
    },
    /// Detach a user-assigned identity.
    RemoveUserAssigned {
        /// The identity's ARM resource ID.
        resource_id: String,
    },
}

/// What the user must do before a plan may run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Confirmation {
    /// Reviewing the plan and pressing its button is enough.
    Review,
    /// Type the resource's name (revoking access).
    TypeName {
        /// The name to type, exactly.
        name: String,
    },
    /// Type the resource's name and tick a second, explicit acknowledgement (deleting a
    /// key that cannot be recovered).
    TypeNameAndAcknowledge {
        /// The name to type, exactly.
        name: String,
        /// The sentence the checkbox states, e.g. "I understand the key cannot be recovered".
        acknowledgement: String,
    },
}

/// Something other than the resource itself that a plan changes or cuts off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AffectedResource {
    /// Its ARM resource ID.
    pub id: String,
    /// Its kind, when it is one keyblade knows.
    pub kind: Option<ResourceKind>,
    /// Its name.
    pub name: String,
    /// Why it is affected, e.g. "also uses key cmk-key unversioned".
    pub reason: String,
}

/// A lifecycle action, planned.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LifecyclePlan {
    /// What was asked for.
    pub action: LifecycleAction,
    /// A title for the review, e.g. "Revoke access by disabling the key".
    pub title: String,
    /// One or two sentences on what the plan does and what it means for the data.
    pub summary: String,
    /// Calls to make, in order.
    pub steps: Vec<PlanStep>,
    /// Errors first, then warnings, then information. Errors block the plan.
    pub findings: Vec<Finding>,
    /// What the user must do before it runs.
    pub confirmation: Confirmation,
    /// Other resources that the change reaches too.
    pub affected: Vec<AffectedResource>,
}

impl LifecyclePlan {
    /// Whether nothing blocks running the plan.
    pub fn can_run(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Sorts the findings errors first, keeping each severity's order.
    pub fn sort_findings(&mut self) {
        self.findings.sort_by_key(|f| f.severity);
    }
}
