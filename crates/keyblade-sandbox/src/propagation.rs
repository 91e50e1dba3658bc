//! Access propagation delay (`--propagation-delay-secs`, `/_sandbox/propagation`).
//!
//! In Azure a new grant does not work the moment its write succeeds: a role
//! assignment can take minutes to reach Key Vault ("If role assignments ... were
//! changed recently, please observe propagation time", says its own 403), an
//! access policy entry takes a while too, and a newly enabled managed identity's
//! service principal must replicate in Entra ID before anything can use it. A
//! client that grants access and immediately uses it (enables CMK with the key,
//! wraps with it) must wait and retry; with the delay at 0, the sandbox would
//! never make it.
//!
//! So with a delay of N sandbox seconds, a new grant is recorded with an
//! `effective_at` of now + N (sandbox clock, so tests jump it with
//! `/_sandbox/clock/advance`), and until then Key Vault's authorization treats
//! it as absent: a new access policy entry (or new key permissions of an
//! existing entry), a new role assignment (its data actions), a new
//! system-assigned identity's principal. The CMK checks of the services go
//! through the same authorization, so they fail as they do for missing access.
//! What is recorded where:
//! - role assignments and system-assigned identities carry `effective_at`
//!   themselves ([`crate::rbac::RoleAssignment`], [`crate::arm::store::ManagedIdentityRecord`]);
//! - access policies are Azure's own JSON in the vault resource, which must not
//!   change shape, so their pending grants are kept here ([`PendingAccessPolicy`]).
//!
//! Absent `effective_at` (older state files, delay 0) means effective. The
//! delay applies to grants made after it is set; changing it does not move the
//! time of grants already waiting. Control-plane (Resource Manager) RBAC is not
//! delayed.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::world::World;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct Propagation {
    /// Sandbox seconds from a grant to its effect; 0: at once.
    pub delay_secs: u64,
    /// Access-policy grants not yet effective (dropped once they are).
    pub pending_access_policies: Vec<PendingAccessPolicy>,
}

/// An access policy grant on its way: a whole new entry (`permission: None`),
/// or one key permission added to an entry. Names are lower-cased.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PendingAccessPolicy {
    pub vault: String,
    pub tenant_id: String,
    pub object_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    /// Sandbox Unix seconds.
    pub effective_at: i64,
}

impl Propagation {
    /// When a grant made at `now` takes effect; `None` when at once.
    pub fn effective_at(&self, now: i64) -> Option<i64> {
        (self.delay_secs > 0)
            .then(|| now.saturating_add(i64::try_from(self.delay_secs).unwrap_or(i64::MAX)))
    }
}

/// When a grant made now takes effect; `None` when at once.
pub fn new_grant_effective_at(world: &World) -> Option<i64> {
    world.propagation.effective_at(world.clock.now_unix())
}

/// Whether a grant recorded with `effective_at` works at `now`.
pub fn is_effective(effective_at: Option<i64>, now: i64) -> bool {
    effective_at.is_none_or(|at| at <= now)
}

/// Whether `object_id` is a system-assigned identity's principal that has not
/// propagated yet: until then no grant to it works.
pub fn principal_pending(world: &World, object_id: &str, now: i64) -> bool {
    world.arm.system_identities.values().any(|record| {
        // The integer test first: nearly every record has no `effective_at`.
        !is_effective(record.effective_at, now)
            && record.principal_id.eq_ignore_ascii_case(object_id)
    })
}

/// Who an access policy entry is for: (tenant, object, application), lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EntryKey {
    tenant: String,
    object: String,
    application: Option<String>,
}

fn entry_key(policy: &Value, vault_tenant: &str) -> Option<EntryKey> {
    let text = |field: &str| policy.get(field).and_then(Value::as_str);
    Some(EntryKey {
        tenant: text("tenantId")
            .unwrap_or(vault_tenant)
            .to_ascii_lowercase(),
        object: text("objectId")?.to_ascii_lowercase(),
        application: text("applicationId")
            .filter(|a| !a.is_empty())
            .map(str::to_ascii_lowercase),
    })
}

fn key_permissions(policy: &Value) -> Vec<String> {
    policy
        .pointer("/permissions/keys")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default()
}

fn policies_of(vault: &Value) -> &[Value] {
    vault
        .pointer("/properties/accessPolicies")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Records the access-policy grants a vault write makes: entries in `new` that
/// `old` did not have, and key permissions an entry gained. Call it with the
/// vault's body before (`None` for a new vault) and after the write.
pub fn record_vault_grants(world: &mut World, old: Option<&Value>, new: &Value) {
    let Some(effective_at) = new_grant_effective_at(world) else {
        return;
    };
    let Some(vault) = new.get("name").and_then(Value::as_str) else {
        return;
    };
    let vault = vault.to_ascii_lowercase();
    let vault_tenant = new
        .pointer("/properties/tenantId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let old_policies = old.map_or(&[][..], policies_of);
    let mut grants: Vec<(EntryKey, Option<String>)> = Vec::new();
    for policy in policies_of(new) {
        let Some(key) = entry_key(policy, vault_tenant) else {
            continue;
        };
        let before = old_policies
            .iter()
            .find(|p| entry_key(p, vault_tenant).as_ref() == Some(&key));
        match before {
            // A new entry: the entry itself waits, and its permissions with it.
            None => grants.push((key, None)),
            Some(before) => {
                let had = key_permissions(before);
                for permission in key_permissions(policy) {
                    if !had.contains(&permission) {
                        grants.push((key.clone(), Some(permission)));
                    }
                }
            }
        }
    }
    let pending = &mut world.propagation.pending_access_policies;
    for (key, permission) in grants {
        // A grant made again waits again, from now.
        pending.retain(|p| {
            !(p.vault == vault
                && p.tenant_id == key.tenant
                && p.object_id == key.object
                && p.application_id == key.application
                && p.permission == permission)
        });
        pending.push(PendingAccessPolicy {
            vault: vault.clone(),
            tenant_id: key.tenant,
            object_id: key.object,
            application_id: key.application,
            permission,
            effective_at,
        });
    }
}

fn pending_for<'w>(
    world: &'w World,
    vault: &str,
    vault_tenant: &str,
    policy: &Value,
    now: i64,
) -> impl Iterator<Item = &'w PendingAccessPolicy> {
    let key = entry_key(policy, vault_tenant);
    let vault = vault.to_ascii_lowercase();
    world
        .propagation
        .pending_access_policies
        .iter()
        .filter(move |p| {
            p.effective_at > now
                && p.vault == vault
                && key.as_ref().is_some_and(|k| {
                    p.tenant_id == k.tenant
                        && p.object_id == k.object
                        && p.application_id == k.application
                })
        })
}

/// Whether a vault's access policy entry is new and not yet effective: Key
/// Vault then acts as if it were not there.
pub fn access_policy_entry_pending(
    world: &World,
    vault: &str,
    vault_tenant: &str,
    policy: &Value,
    now: i64,
) -> bool {
    if world.propagation.pending_access_policies.is_empty() {
        return false;
    }
    pending_for(world, vault, vault_tenant, policy, now).any(|p| p.permission.is_none())
}

/// Whether key permission `permission` of an existing entry was added recently
/// and is not yet effective.
pub fn key_permission_pending(
    world: &World,
    vault: &str,
    vault_tenant: &str,
    policy: &Value,
    permission: &str,
    now: i64,
) -> bool {
    if world.propagation.pending_access_policies.is_empty() {
        return false;
    }
    pending_for(world, vault, vault_tenant, policy, now).any(|p| {
        p.permission
            .as_deref()
            .is_some_and(|perm| perm.eq_ignore_ascii_case(permission))
    })
}

/// Forgets access policy grants that are effective now (the others still wait).
pub fn on_tick(world: &mut World) {
    let now = world.clock.now_unix();
    world
        .propagation
        .pending_access_policies
        .retain(|p| p.effective_at > now);
}

/// `GET /_sandbox/propagation`: the delay and every grant still waiting.
pub fn status_json(world: &World) -> Value {
    let now = world.clock.now_unix();
    let mut pending: Vec<Value> = world
        .propagation
        .pending_access_policies
        .iter()
        .filter(|p| p.effective_at > now)
        .map(|p| {
            json!({
                "kind": "accessPolicy",
                "vault": p.vault,
                "tenantId": p.tenant_id,
                "objectId": p.object_id,
                "applicationId": p.application_id,
                "permission": p.permission,
                "effectiveAt": p.effective_at,
            })
        })
        .collect();
    pending.extend(
        world
            .arm
            .role_assignments
            .values()
            .filter(|a| !is_effective(a.effective_at, now))
            .map(|a| {
                json!({
                    "kind": "roleAssignment",
                    "id": a.id,
                    "principalId": a.principal_id,
                    "effectiveAt": a.effective_at,
                })
            }),
    );
    pending.extend(
        world
            .arm
            .system_identities
            .iter()
            .filter(|(_, r)| !is_effective(r.effective_at, now))
            .map(|(resource, r)| {
                json!({
                    "kind": "systemAssignedIdentity",
                    "resourceId": resource,
                    "principalId": r.principal_id,
                    "effectiveAt": r.effective_at,
                })
            }),
    );
    json!({
        "seconds": world.propagation.delay_secs,
        "nowUnix": now,
        "pending": pending,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::faults::FaultRules;
    use crate::world::Endpoints;

    const NOW: i64 = 1_800_000_000;
    const TENANT: &str = "5f1e0c1a-3d4b-4c8e-9a2f-6b7d8e9f0a1b";

    fn world(delay: u64) -> World {
        let mut world = World::new(
            Endpoints { port: 1 },
            Clock::starting_at(NOW, 0.0),
            FaultRules::default(),
        )
        .expect("world");
        world.propagation.delay_secs = delay;
        world
    }

    fn vault(policies: Value) -> Value {
        json!({"name": "KV1", "properties": {"tenantId": TENANT, "accessPolicies": policies}})
    }

    fn entry(object: &str, keys: &[&str]) -> Value {
        json!({"tenantId": TENANT, "objectId": object, "permissions": {"keys": keys}})
    }

    #[test]
    fn new_entries_and_new_permissions_wait_for_the_delay() {
        let mut world = world(60);
        let before = vault(json!([entry("A", &["get"])]));
        let after = vault(json!([
            entry("a", &["get", "wrapKey"]),
            entry("b", &["get"])
        ]));
        record_vault_grants(&mut world, Some(&before), &after);
        let a = entry("A", &[]);
        let b = entry("B", &[]);
        assert!(!access_policy_entry_pending(&world, "kv1", TENANT, &a, NOW));
        assert!(!key_permission_pending(
            &world, "kv1", TENANT, &a, "get", NOW
        ));
        assert!(key_permission_pending(
            &world, "kv1", TENANT, &a, "wrapkey", NOW
        ));
        assert!(access_policy_entry_pending(&world, "KV1", TENANT, &b, NOW));
        assert!(!access_policy_entry_pending(
            &world,
            "kv1",
            TENANT,
            &b,
            NOW + 60
        ));
        world.clock.advance(std::time::Duration::from_secs(60));
        on_tick(&mut world);
        assert!(world.propagation.pending_access_policies.is_empty());
    }

    #[test]
    fn without_a_delay_nothing_is_recorded() {
        let mut world = world(0);
        record_vault_grants(&mut world, None, &vault(json!([entry("a", &["get"])])));
        assert!(world.propagation.pending_access_policies.is_empty());
        assert_eq!(new_grant_effective_at(&world), None);
        assert!(is_effective(None, NOW));
    }
}
