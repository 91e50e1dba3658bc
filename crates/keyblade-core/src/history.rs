//! The local history of every change keyblade makes, and the inverse change that undoes an
//! entry. The types are pure; the shell stores them in the app's data folder.
//!
//! An entry says when, who (the account, never a credential), which resource, what was
//! asked ([`HistoryChange`]: a key change with the settings before and after, or a
//! lifecycle action), which calls ran (with their `az` equivalents) and how it ended, as
//! read back. [`inverse`] turns an entry into the change that undoes it ([`UndoPlan`]), which
//! the caller plans and reviews like any other change; some changes cannot be undone, and
//! [`NotUndoable`] says why and what to do instead.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::kind::ResourceKind;
use crate::lifecycle::rotation::RotationPolicy;
use crate::lifecycle::{IdentityAction, LifecycleAction, RestoreFix, RevokeWay};
use crate::preflight::{IdentityChoice, StepKind};

/// How many entries the history keeps. Appending beyond it drops the oldest entries, so the
/// file stays small enough to read whole at every start (about 2 KiB an entry).
pub const HISTORY_CAPACITY: usize = 2_000;

/// Who holds the key that protects the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum KeySource {
    /// "Customer-managed key": a key in the customer's Key Vault.
    #[default]
    CustomerManaged,
    /// "Microsoft-managed key".
    MicrosoftManaged,
}

/// A resource's encryption settings at one moment: what Change key sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EncryptionSettings {
    /// Customer-managed or Microsoft-managed keys.
    pub key_source: KeySource,
    /// The key URI exactly as configured (versioned: pinned; unversioned: follows new
    /// versions); `None` with Microsoft-managed keys.
    pub key_uri: Option<String>,
    /// The identity that reaches the key; `None` with Microsoft-managed keys, or when the
    /// identity the resource names could not be resolved.
    #[serde(default, deserialize_with = "identity_or_unresolved")]
    pub identity: Option<IdentityChoice>,
}

/// Reads a recorded identity, or `None` when it does not read as an [`IdentityChoice`]
/// (e.g. a resource ID that does not parse, in an entry written when the history kept it as
/// plain text): the history is set aside whole when any entry fails to load, and one
/// unresolvable identity must not cost it. `None` already means "could not be resolved".
fn identity_or_unresolved<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<IdentityChoice>, D::Error> {
    let recorded = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(recorded.and_then(|value| IdentityChoice::deserialize(value).ok()))
}

impl EncryptionSettings {
    /// Microsoft-managed keys.
    pub fn microsoft_managed() -> EncryptionSettings {
        EncryptionSettings {
            key_source: KeySource::MicrosoftManaged,
            key_uri: None,
            identity: None,
        }
    }
}

/// The resource an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HistoryResource {
    /// Its ARM resource ID.
    pub id: String,
    /// Its kind.
    pub kind: ResourceKind,
    /// Its name.
    pub name: String,
}

/// What was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum HistoryChange {
    /// Change key (or back to Microsoft-managed keys).
    ChangeKey {
        /// The settings read just before the change; `None` when they could not be read.
        before: Option<EncryptionSettings>,
        /// What was asked for.
        requested: EncryptionSettings,
        /// The settings read back afterwards; `None` when they could not be read.
        after: Option<EncryptionSettings>,
    },
    /// A lifecycle action (new key version, rotation policy, revoke, restore, identity).
    Lifecycle {
        /// The action.
        action: LifecycleAction,
        /// For [`LifecycleAction::SetRotationPolicy`], the policy the key had before, when
        /// keyblade read it; undo puts it back.
        #[serde(default)]
        previous_policy: Option<RotationPolicy>,
    },
}

/// How a call of the plan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum StepStatus {
    /// It succeeded.
    Completed,
    /// It failed.
    Failed,
    /// It was sent but its end was not seen (the change was still in progress).
    Unfinished,
}

/// What the history keeps of one call that ran: a record of what was done (without the
/// request body, which the `az` command states), not a plan to run again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RecordedStep {
    /// Which kind of call.
    pub kind: StepKind,
    /// Its one-line description.
    pub title: String,
    /// `PATCH`, `PUT`, ...
    pub method: String,
    /// The ARM path, or the Key Vault URL.
    pub path: String,
    /// The same change with Azure CLI.
    pub az_command: String,
    /// How it ended.
    pub status: StepStatus,
}

/// How a change ended, as read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum OutcomeStatus {
    /// Read back with the change in place.
    Applied,
    /// Nothing needed doing; nothing was written.
    Unchanged,
    /// Azure accepted it, but the read-back did not show the end yet.
    InProgress,
    /// A call failed.
    Failed,
    /// keyblade refused before writing (plan errors, a wrong confirmation, or the resource
    /// changed elsewhere since it was read).
    Refused,
}

/// How a change ended, with what the user was told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HistoryOutcome {
    /// Which way it ended.
    pub status: OutcomeStatus,
    /// What the read-back showed, or why it was refused or failed.
    pub message: String,
}

/// One change keyblade made (or tried to make). Holds no secret and no token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// Unique within the history.
    pub id: String,
    /// When the change was asked for.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub time: OffsetDateTime,
    /// Who made it, as the header names the account (e.g. `ada@contoso.com`).
    pub account: String,
    /// The tenant it was made in.
    pub tenant_id: String,
    /// The resource.
    pub resource: HistoryResource,
    /// A title for the list, e.g. "Change key" or the lifecycle plan's title.
    pub title: String,
    /// What was asked for, with the settings before and after.
    pub change: HistoryChange,
    /// The calls that ran, in order.
    pub steps: Vec<RecordedStep>,
    /// How it ended.
    pub outcome: HistoryOutcome,
    /// The entry this one undid, when it was an undo.
    #[serde(default)]
    pub undo_of: Option<String>,
    /// On a record appended when a change recorded as in progress ended: that change's
    /// entry. The file stays append-only; [`with_settlements`] folds the two for reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settles: Option<String>,
    /// When a change recorded as in progress was seen to end (set by [`with_settlements`],
    /// never stored).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub settled_at: Option<OffsetDateTime>,
}

/// The change that undoes an entry, for the caller to plan and review like any other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum UndoPlan {
    /// Change key back to these settings (a key and identity, or Microsoft-managed keys).
    ChangeKey {
        /// The settings to go back to.
        settings: EncryptionSettings,
    },
    /// Run this lifecycle action.
    Lifecycle {
        /// The action that undoes the entry's.
        action: LifecycleAction,
    },
}

/// Why an entry cannot be undone, and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
#[error("{reason}")]
pub struct NotUndoable {
    /// What the user reads: why, and what to do instead.
    pub reason: String,
}

impl NotUndoable {
    fn new(reason: impl Into<String>) -> NotUndoable {
        NotUndoable {
            reason: reason.into(),
        }
    }
}

/// The change that undoes `entry`: the settings before a key change, or the lifecycle action
/// that reverses the entry's. Entries that changed nothing (failed, refused, unchanged) and
/// changes that cannot be reversed (a new key version) are [`NotUndoable`], with the reason.
pub fn inverse(entry: &HistoryEntry) -> Result<UndoPlan, NotUndoable> {
    match entry.outcome.status {
        OutcomeStatus::Applied | OutcomeStatus::InProgress => {}
        OutcomeStatus::Unchanged => {
            return Err(NotUndoable::new(
                "Nothing was changed by this entry (the resource already had what was asked \
                 for), so there is nothing to undo.",
            ));
        }
        OutcomeStatus::Refused => {
            return Err(NotUndoable::new(
                "keyblade refused this change before writing anything, so there is nothing to \
                 undo.",
            ));
        }
        OutcomeStatus::Failed => {
            return Err(NotUndoable::new(
                "This change failed. Calls that completed before the failure are listed in its \
                 details; check the resource's Encryption blade and change what is left by \
                 hand.",
            ));
        }
    }
    match &entry.change {
        HistoryChange::ChangeKey { before, .. } => match before {
            Some(settings) => Ok(UndoPlan::ChangeKey {
                settings: settings.clone(),
            }),
            None => Err(NotUndoable::new(
                "keyblade could not read the key and identity before this change, so it does \
                 not know what to go back to. Choose the key you want with Change key.",
            )),
        },
        HistoryChange::Lifecycle {
            action,
            previous_policy,
        } => inverse_action(action, previous_policy.as_ref())
            .map(|action| UndoPlan::Lifecycle { action }),
    }
}

fn inverse_action(
    action: &LifecycleAction,
    previous_policy: Option<&RotationPolicy>,
) -> Result<LifecycleAction, NotUndoable> {
    Ok(match action {
        LifecycleAction::NewKeyVersion => {
            return Err(NotUndoable::new(
                "A key version cannot be deleted. To stop using the new version, pin the \
                 previous version with Change key instead.",
            ));
        }
        LifecycleAction::SetRotationPolicy { .. } => match previous_policy {
            Some(policy) => LifecycleAction::SetRotationPolicy {
                policy: policy.clone(),
            },
            None => {
                return Err(NotUndoable::new(
                    "keyblade did not read the key's rotation policy before this change, so it \
                     does not know what to go back to. Set the policy you want on the \
                     Encryption blade.",
                ));
            }
        },
        LifecycleAction::Revoke { way } => LifecycleAction::Restore {
            fix: match way {
                RevokeWay::DisableKey => RestoreFix::EnableKey,
                RevokeWay::DeleteKey => RestoreFix::RecoverKey,
                RevokeWay::RemoveAccessPolicy => RestoreFix::AddAccessPolicy,
                RevokeWay::RemoveRoleAssignment => RestoreFix::AddRoleAssignment,
            },
        },
        LifecycleAction::Restore { fix } => LifecycleAction::Revoke {
            way: match fix {
                RestoreFix::EnableKey => RevokeWay::DisableKey,
                RestoreFix::RecoverKey => RevokeWay::DeleteKey,
                RestoreFix::AddAccessPolicy => RevokeWay::RemoveAccessPolicy,
                RestoreFix::AddRoleAssignment => RevokeWay::RemoveRoleAssignment,
                RestoreFix::AttachIdentity => {
                    return Err(NotUndoable::new(
                        "Attaching the identity again is not undone here: detaching an \
                         identity that encryption uses cuts the resource off from its key. To \
                         detach it, use the Identity blade.",
                    ));
                }
            },
        },
        LifecycleAction::ProtectVault { .. } => {
            return Err(NotUndoable::new(
                "Purge protection cannot be turned off again, by keyblade or anyone: Key Vault \
                 refuses it. Soft delete cannot be turned off either.",
            ));
        }
        LifecycleAction::Identity { change } => LifecycleAction::Identity {
            change: match change {
                IdentityAction::TurnOnSystemAssigned => IdentityAction::TurnOffSystemAssigned,
                IdentityAction::TurnOffSystemAssigned => IdentityAction::TurnOnSystemAssigned,
                IdentityAction::AddUserAssigned { resource_id } => {
                    IdentityAction::RemoveUserAssigned {
                        resource_id: resource_id.clone(),
                    }
                }
                IdentityAction::RemoveUserAssigned { resource_id } => {
                    IdentityAction::AddUserAssigned {
                        resource_id: resource_id.clone(),
                    }
                }
            },
        },
    })
}

/// The history as a person reads it, oldest first: a change recorded as in progress shows
/// how it ended (its outcome, the settings read back, its unfinished calls completed or
/// failed, and [`HistoryEntry::settled_at`]), and the record that said so is folded into it.
/// A record whose change is no longer in the history (dropped beyond the capacity) stays
/// as it is, and so does a second record for a change already settled.
pub fn with_settlements(entries: Vec<HistoryEntry>) -> Vec<HistoryEntry> {
    let mut read: Vec<HistoryEntry> = Vec::with_capacity(entries.len());
    for record in entries {
        let settled = record.settles.as_deref().and_then(|id| {
            read.iter_mut()
                .find(|entry| entry.id == id && entry.outcome.status == OutcomeStatus::InProgress)
        });
        match settled {
            Some(entry) => settle(entry, record),
            None => read.push(record),
        }
    }
    read
}

fn settle(entry: &mut HistoryEntry, record: HistoryEntry) {
    let unfinished_became = match record.outcome.status {
        OutcomeStatus::Applied | OutcomeStatus::Unchanged => Some(StepStatus::Completed),
        OutcomeStatus::Failed | OutcomeStatus::Refused => Some(StepStatus::Failed),
        OutcomeStatus::InProgress => None,
    };
    if let Some(status) = unfinished_became {
        for step in &mut entry.steps {
            if step.status == StepStatus::Unfinished {
                step.status = status;
            }
        }
    }
    if let (
        HistoryChange::ChangeKey { after, .. },
        HistoryChange::ChangeKey {
            after: read_back @ Some(_),
            ..
        },
    ) = (&mut entry.change, record.change)
    {
        *after = read_back;
    }
    // Still in progress when the watch gave up: the entry stays in progress, with the
    // newer reason.
    entry.outcome = record.outcome;
    if entry.outcome.status != OutcomeStatus::InProgress {
        entry.settled_at = Some(record.time);
    }
}

/// Appends `entry` to `entries` (oldest first), dropping the oldest beyond
/// [`HISTORY_CAPACITY`]; returns how many were dropped.
pub fn append_capped(entries: &mut Vec<HistoryEntry>, entry: HistoryEntry) -> usize {
    entries.push(entry);
    let excess = entries.len().saturating_sub(HISTORY_CAPACITY);
    entries.drain(..excess);
    excess
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const KEY_A: &str =
        "https://kv-contoso.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef";
    const UAI: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-cmk";

    fn entry(change: HistoryChange, status: OutcomeStatus) -> HistoryEntry {
        HistoryEntry {
            id: "e1".to_owned(),
            time: datetime!(2026-12-04 19:00 UTC),
            account: "ada@contoso.com".to_owned(),
            tenant_id: "t".to_owned(),
            resource: HistoryResource {
                id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/cr".to_owned(),
                kind: ResourceKind::ContainerRegistry,
                name: "cr".to_owned(),
            },
            title: "t".to_owned(),
            change,
            steps: Vec::new(),
            outcome: HistoryOutcome {
                status,
                message: String::new(),
            },
            undo_of: None,
            settles: None,
            settled_at: None,
        }
    }

    fn lifecycle(action: LifecycleAction) -> HistoryChange {
        HistoryChange::Lifecycle {
            action,
            previous_policy: None,
        }
    }

    fn user_assigned() -> IdentityChoice {
        IdentityChoice::UserAssigned {
            resource_id: crate::ResourceId::parse(UAI).unwrap(),
        }
    }

    fn cmk(key_uri: &str, identity: IdentityChoice) -> EncryptionSettings {
        EncryptionSettings {
            key_source: KeySource::CustomerManaged,
            key_uri: Some(key_uri.to_owned()),
            identity: Some(identity),
        }
    }

    fn revoke(way: RevokeWay) -> LifecycleAction {
        LifecycleAction::Revoke { way }
    }

    fn restore(fix: RestoreFix) -> LifecycleAction {
        LifecycleAction::Restore { fix }
    }

    fn identity(change: IdentityAction) -> LifecycleAction {
        LifecycleAction::Identity { change }
    }

    /// Every lifecycle action an applied entry records, and the action that undoes it.
    #[test]
    fn lifecycle_actions_invert() {
        let uai = || UAI.to_owned();
        let table = [
            (
                revoke(RevokeWay::DisableKey),
                restore(RestoreFix::EnableKey),
            ),
            (
                revoke(RevokeWay::DeleteKey),
                restore(RestoreFix::RecoverKey),
            ),
            (
                revoke(RevokeWay::RemoveAccessPolicy),
                restore(RestoreFix::AddAccessPolicy),
            ),
            (
                revoke(RevokeWay::RemoveRoleAssignment),
                restore(RestoreFix::AddRoleAssignment),
            ),
            (
                restore(RestoreFix::EnableKey),
                revoke(RevokeWay::DisableKey),
            ),
            (
                restore(RestoreFix::RecoverKey),
                revoke(RevokeWay::DeleteKey),
            ),
            (
                restore(RestoreFix::AddAccessPolicy),
                revoke(RevokeWay::RemoveAccessPolicy),
            ),
            (
                restore(RestoreFix::AddRoleAssignment),
                revoke(RevokeWay::RemoveRoleAssignment),
            ),
            (
                identity(IdentityAction::TurnOnSystemAssigned),
                identity(IdentityAction::TurnOffSystemAssigned),
            ),
            (
                identity(IdentityAction::TurnOffSystemAssigned),
                identity(IdentityAction::TurnOnSystemAssigned),
            ),
            (
                identity(IdentityAction::AddUserAssigned { resource_id: uai() }),
                identity(IdentityAction::RemoveUserAssigned { resource_id: uai() }),
            ),
            (
                identity(IdentityAction::RemoveUserAssigned { resource_id: uai() }),
                identity(IdentityAction::AddUserAssigned { resource_id: uai() }),
            ),
        ];
        for (action, undo) in table {
            for status in [OutcomeStatus::Applied, OutcomeStatus::InProgress] {
                let got = inverse(&entry(lifecycle(action.clone()), status));
                assert_eq!(
                    got,
                    Ok(UndoPlan::Lifecycle {
                        action: undo.clone()
                    }),
                    "{action:?} ({status:?})"
                );
            }
            // Undoing the undo gives the original back.
            assert_eq!(
                inverse(&entry(lifecycle(undo), OutcomeStatus::Applied)),
                Ok(UndoPlan::Lifecycle { action }),
            );
        }
    }

    /// Entries that cannot be undone, each with a reason that says what to do instead.
    #[test]
    fn not_undoable_entries_say_why() {
        let policy = RotationPolicy {
            rotate_after_create: Some("P90D".to_owned()),
            ..RotationPolicy::default()
        };
        let key_change = HistoryChange::ChangeKey {
            before: Some(cmk(KEY_A, IdentityChoice::SystemAssigned)),
            requested: EncryptionSettings::microsoft_managed(),
            after: None,
        };
        let table: [(HistoryChange, OutcomeStatus, &str); 8] = [
            (
                lifecycle(LifecycleAction::NewKeyVersion),
                OutcomeStatus::Applied,
                "pin the previous version with Change key",
            ),
            (
                lifecycle(LifecycleAction::SetRotationPolicy {
                    policy: policy.clone(),
                }),
                OutcomeStatus::Applied,
                "did not read the key's rotation policy",
            ),
            (
                lifecycle(restore(RestoreFix::AttachIdentity)),
                OutcomeStatus::Applied,
                "use the Identity blade",
            ),
            (
                key_change.clone(),
                OutcomeStatus::Failed,
                "This change failed",
            ),
            (key_change.clone(), OutcomeStatus::Refused, "refused"),
            (key_change, OutcomeStatus::Unchanged, "Nothing was changed"),
            (
                lifecycle(revoke(RevokeWay::DisableKey)),
                OutcomeStatus::Refused,
                "refused",
            ),
            (
                HistoryChange::ChangeKey {
                    before: None,
                    requested: EncryptionSettings::microsoft_managed(),
                    after: Some(EncryptionSettings::microsoft_managed()),
                },
                OutcomeStatus::Applied,
                "could not read the key and identity before",
            ),
        ];
        for (change, status, reason) in table {
            let got = inverse(&entry(change.clone(), status));
            match got {
                Err(NotUndoable { reason: said }) => {
                    assert!(said.contains(reason), "{change:?} {status:?}: {said}")
                }
                Ok(plan) => panic!("{change:?} {status:?} is not undoable, got {plan:?}"),
            }
        }
    }

    /// A key change goes back to the settings read before it: a key and identity, or
    /// Microsoft-managed keys.
    #[test]
    fn key_changes_go_back_to_the_settings_before() {
        let user = user_assigned();
        let table = [
            cmk(KEY_A, IdentityChoice::SystemAssigned),
            cmk(KEY_A, user),
            cmk(
                "https://kv-contoso.vault.azure.net/keys/cmk",
                IdentityChoice::SystemAssigned,
            ),
            EncryptionSettings::microsoft_managed(),
        ];
        for before in table {
            let change = HistoryChange::ChangeKey {
                before: Some(before.clone()),
                requested: cmk(
                    "https://kv-other.vault.azure.net/keys/k",
                    IdentityChoice::SystemAssigned,
                ),
                after: None,
            };
            assert_eq!(
                inverse(&entry(change, OutcomeStatus::Applied)),
                Ok(UndoPlan::ChangeKey { settings: before }),
            );
        }
    }

    #[test]
    fn a_recorded_rotation_policy_is_put_back() {
        let previous = RotationPolicy {
            rotate_after_create: Some("P30D".to_owned()),
            ..RotationPolicy::default()
        };
        let change = HistoryChange::Lifecycle {
            action: LifecycleAction::SetRotationPolicy {
                policy: RotationPolicy::default(),
            },
            previous_policy: Some(previous.clone()),
        };
        assert_eq!(
            inverse(&entry(change, OutcomeStatus::Applied)),
            Ok(UndoPlan::Lifecycle {
                action: LifecycleAction::SetRotationPolicy { policy: previous }
            }),
        );
    }

    #[test]
    fn appending_beyond_the_capacity_drops_the_oldest() {
        let mut entries = Vec::new();
        for n in 0..HISTORY_CAPACITY {
            let mut e = entry(
                lifecycle(LifecycleAction::NewKeyVersion),
                OutcomeStatus::Applied,
            );
            e.id = n.to_string();
            assert_eq!(append_capped(&mut entries, e), 0);
        }
        let mut newest = entry(
            lifecycle(LifecycleAction::NewKeyVersion),
            OutcomeStatus::Applied,
        );
        newest.id = "newest".to_owned();
        assert_eq!(append_capped(&mut entries, newest), 1);
        assert_eq!(entries.len(), HISTORY_CAPACITY);
        assert_eq!(entries[0].id, "1");
        assert_eq!(entries[HISTORY_CAPACITY - 1].id, "newest");
    }

    /// The stored shape: camelCase, tagged, the time as RFC 3339; read back unchanged.
    #[test]
    fn entries_round_trip_through_json() {
        let mut e = entry(
            HistoryChange::ChangeKey {
                before: Some(cmk(KEY_A, IdentityChoice::SystemAssigned)),
                requested: EncryptionSettings::microsoft_managed(),
                after: Some(EncryptionSettings::microsoft_managed()),
            },
            OutcomeStatus::Applied,
        );
        e.steps.push(RecordedStep {
            kind: StepKind::UseMicrosoftManagedKeys,
            title: "Use Microsoft-managed keys".to_owned(),
            method: "PATCH".to_owned(),
            path: "/subscriptions/s".to_owned(),
            az_command: "az storage account update".to_owned(),
            status: StepStatus::Completed,
        });
        e.undo_of = Some("e0".to_owned());
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["time"], "2026-12-04T19:00:00Z");
        assert_eq!(json["change"]["type"], "changeKey");
        assert_eq!(json["change"]["before"]["keySource"], "customerManaged");
        assert_eq!(
            json["change"]["before"]["identity"]["type"],
            "systemAssigned"
        );
        assert_eq!(json["steps"][0]["azCommand"], "az storage account update");
        assert_eq!(json["outcome"]["status"], "applied");
        assert_eq!(json["undoOf"], "e0");
        let back: HistoryEntry = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
    }

    /// An entry as keyblade wrote it when the history kept identities as plain text
    /// (`IdentitySelection`): it still reads, into the parsed `IdentityChoice`, and is
    /// written back byte for byte.
    #[test]
    fn entries_written_before_identity_choice_read_and_write_back_unchanged() {
        const STORED: &str = r#"{"id":"e1","time":"2026-12-04T19:00:00Z","account":"ada@contoso.com","tenantId":"t","resource":{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/cr","kind":"containerRegistry","name":"cr"},"title":"t","change":{"type":"changeKey","before":{"keySource":"customerManaged","keyUri":"https://kv-contoso.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef","identity":{"type":"userAssigned","resourceId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-cmk"}},"requested":{"keySource":"customerManaged","keyUri":"https://kv-contoso.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef","identity":{"type":"systemAssigned"}},"after":null},"steps":[],"outcome":{"status":"applied","message":""},"undoOf":null}"#;
        let read: HistoryEntry = serde_json::from_str(STORED).unwrap();
        let HistoryChange::ChangeKey {
            before: Some(before),
            requested,
            after: None,
        } = &read.change
        else {
            panic!("{read:?}");
        };
        assert_eq!(before.identity, Some(user_assigned()));
        assert_eq!(requested.identity, Some(IdentityChoice::SystemAssigned));
        assert_eq!(serde_json::to_string(&read).unwrap(), STORED);
    }

    /// One identity that does not read (a hand-edited or damaged ID) leaves the entry, and so
    /// the history, readable: it is unresolved, as when the resource's identity was unknown.
    #[test]
    fn an_unreadable_identity_is_unresolved() {
        for identity in [
            serde_json::json!({"type": "userAssigned", "resourceId": "id-cmk"}),
            serde_json::json!({"type": "userAssigned"}),
            serde_json::json!({"type": "someOtherKind"}),
            serde_json::Value::Null,
        ] {
            let settings: EncryptionSettings = serde_json::from_value(serde_json::json!({
                "keySource": "customerManaged",
                "keyUri": KEY_A,
                "identity": identity,
            }))
            .unwrap();
            assert_eq!(settings.identity, None, "{identity}");
        }
        let absent: EncryptionSettings =
            serde_json::from_value(serde_json::json!({"keySource": "microsoftManaged"})).unwrap();
        assert_eq!(absent, EncryptionSettings::microsoft_managed());
    }

    fn in_progress_key_change(id: &str) -> HistoryEntry {
        let mut e = entry(
            HistoryChange::ChangeKey {
                before: Some(EncryptionSettings::microsoft_managed()),
                requested: cmk(KEY_A, IdentityChoice::SystemAssigned),
                after: None,
            },
            OutcomeStatus::InProgress,
        );
        e.id = id.to_owned();
        e.steps.push(RecordedStep {
            kind: StepKind::UseMicrosoftManagedKeys,
            title: "Set the registry's encryption key".to_owned(),
            method: "PATCH".to_owned(),
            path: "/subscriptions/s".to_owned(),
            az_command: "az acr encryption rotate-key".to_owned(),
            status: StepStatus::Unfinished,
        });
        e
    }

    fn settlement(of: &str, status: OutcomeStatus, message: &str) -> HistoryEntry {
        let mut e = entry(
            HistoryChange::ChangeKey {
                before: None,
                requested: cmk(KEY_A, IdentityChoice::SystemAssigned),
                after: (status == OutcomeStatus::Applied)
                    .then(|| cmk(KEY_A, IdentityChoice::SystemAssigned)),
            },
            status,
        );
        e.id = format!("{of}-settled");
        e.time = datetime!(2026-12-04 19:07 UTC);
        e.settles = Some(of.to_owned());
        e.outcome.message = message.to_owned();
        e
    }

    /// A save that answered "in progress" and was later seen applied reads as one applied
    /// change, with when it ended, and can then be undone like any applied change.
    #[test]
    fn a_change_in_progress_reads_as_how_it_ended() {
        let other = entry(
            lifecycle(LifecycleAction::NewKeyVersion),
            OutcomeStatus::Applied,
        );
        let read = with_settlements(vec![
            in_progress_key_change("h-1"),
            other.clone(),
            settlement("h-1", OutcomeStatus::Applied, "Read back with the new key."),
        ]);
        assert_eq!(read.len(), 2);
        let settled = &read[0];
        assert_eq!(settled.id, "h-1");
        assert_eq!(settled.outcome.status, OutcomeStatus::Applied);
        assert_eq!(settled.outcome.message, "Read back with the new key.");
        assert_eq!(settled.settled_at, Some(datetime!(2026-12-04 19:07 UTC)));
        assert_eq!(settled.steps[0].status, StepStatus::Completed);
        let HistoryChange::ChangeKey { before, after, .. } = &settled.change else {
            panic!("a key change");
        };
        assert_eq!(before, &Some(EncryptionSettings::microsoft_managed()));
        assert_eq!(after, &Some(cmk(KEY_A, IdentityChoice::SystemAssigned)));
        assert_eq!(read[1], other);
        assert!(matches!(inverse(settled), Ok(UndoPlan::ChangeKey { .. })));
    }

    #[test]
    fn a_change_that_failed_later_shows_its_call_failed() {
        let read = with_settlements(vec![
            in_progress_key_change("h-1"),
            settlement(
                "h-1",
                OutcomeStatus::Failed,
                "The registry's update failed.",
            ),
        ]);
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].outcome.status, OutcomeStatus::Failed);
        assert_eq!(read[0].steps[0].status, StepStatus::Failed);
        assert!(inverse(&read[0]).is_err());
    }

    /// The watch gave up: the change is still in progress, with the newer reason and no end.
    #[test]
    fn a_watch_that_gave_up_leaves_the_change_in_progress() {
        let read = with_settlements(vec![
            in_progress_key_change("h-1"),
            settlement(
                "h-1",
                OutcomeStatus::InProgress,
                "Still updating after 10 minutes.",
            ),
        ]);
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].outcome.status, OutcomeStatus::InProgress);
        assert_eq!(read[0].outcome.message, "Still updating after 10 minutes.");
        assert_eq!(read[0].settled_at, None);
        assert_eq!(read[0].steps[0].status, StepStatus::Unfinished);
    }

    /// Nothing is lost: a record whose change was dropped beyond the capacity, or a second
    /// record for a change already settled, is listed as it is.
    #[test]
    fn records_without_a_change_in_progress_are_kept() {
        let orphan = settlement("gone", OutcomeStatus::Applied, "Applied.");
        let second = settlement("h-1", OutcomeStatus::Failed, "A later failure.");
        let read = with_settlements(vec![
            orphan.clone(),
            in_progress_key_change("h-1"),
            settlement("h-1", OutcomeStatus::Applied, "Applied."),
            second.clone(),
        ]);
        assert_eq!(read.len(), 3);
        assert_eq!(read[0], orphan);
        assert_eq!(read[1].outcome.status, OutcomeStatus::Applied);
        assert_eq!(read[2], second);
    }
}
