//! The large scenario, for benchmarks: 20 subscriptions × 50 vaults × 100 keys,
//! and 500 registries (25 per subscription; every other one with a CMK on the
//! subscription's first vault). Keys are created without key material (the key
//! store generates it on first use), so the world builds in seconds.

use serde_json::json;

use super::{Step, apply, apply_step};
use crate::entra::directory::{DEMO_CLIENT_OBJECT_ID, DEMO_TENANT_ID, DEMO_USER_OBJECT_ID};
use crate::world::World;

pub const SUBSCRIPTIONS: usize = 20;
pub const VAULTS_PER_SUBSCRIPTION: usize = 50;
pub const KEYS_PER_VAULT: usize = 100;
pub const REGISTRIES_PER_SUBSCRIPTION: usize = 25;

/// Deterministic IDs, so benchmarks can address resources without listing them.
pub fn subscription_id(index: usize) -> String {
    format!("{:08x}-0000-4000-8000-{:012x}", 0x1a00_0000 + index, index)
}

pub fn vault_name(subscription: usize, vault: usize) -> String {
    format!("kv-large-{subscription:02}-{vault:02}")
}

pub fn registry_name(subscription: usize, registry: usize) -> String {
    format!("crlarge{subscription:02}r{registry:03}")
}

pub fn build(world: &mut World) -> Result<(), String> {
    let keys: Vec<String> = [
        "get",
        "list",
        "create",
        "update",
        "delete",
        "wrapKey",
        "unwrapKey",
        "rotate",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for s in 0..SUBSCRIPTIONS {
        let sub = subscription_id(s);
        let mut steps = vec![
            step(json!({"subscription": {"id": sub, "displayName": format!("Large {s:02}")}}))?,
            step(
                json!({"roleAssignment": {"scope": format!("/subscriptions/{sub}"), "role": "Owner", "principalId": DEMO_CLIENT_OBJECT_ID}}),
            )?,
            step(
                json!({"roleAssignment": {"scope": format!("/subscriptions/{sub}"), "role": "Owner", "principalId": DEMO_USER_OBJECT_ID}}),
            )?,
            step(
                json!({"resourceGroup": {"subscription": sub, "name": "rg-keys", "location": "eastus"}}),
            )?,
            step(
                json!({"resourceGroup": {"subscription": sub, "name": "rg-registries", "location": "eastus"}}),
            )?,
        ];
        let identity = format!(
            "/subscriptions/{sub}/resourceGroups/rg-keys/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-large-{s:02}"
        );
        steps.push(step(
            json!({"put": {"id": identity, "body": {"location": "eastus"}}}),
        )?);
        apply(world, &steps)?;
        for v in 0..VAULTS_PER_SUBSCRIPTION {
            let name = vault_name(s, v);
            let id = format!(
                "/subscriptions/{sub}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/{name}"
            );
            apply_step(
                world,
                &step(
                    json!({"put": {"id": id, "body": {"location": "eastus", "properties": {
                        "tenantId": DEMO_TENANT_ID, "sku": {"family": "A", "name": "standard"}, "enablePurgeProtection": true,
                        "accessPolicies": [{"tenantId": DEMO_TENANT_ID, "objectId": DEMO_CLIENT_OBJECT_ID, "permissions": {"keys": keys}},
                                           {"tenantId": DEMO_TENANT_ID, "objectId": DEMO_USER_OBJECT_ID, "permissions": {"keys": keys}}]
                    }}}}),
                )?,
            )?;
            for k in 0..KEYS_PER_VAULT {
                let spec = crate::keyvault::NewKey::rsa(2048);
                let created = world.clock.now_unix() - (k as i64) * 86_400;
                world
                    .vaults
                    .create_key(&name, &format!("key-{k:03}"), spec, created)
                    .map_err(|e| format!("{e:?}"))?;
            }
        }
        let first_vault = vault_name(s, 0);
        apply_step(
            world,
            &step(
                json!({"grantKeys": {"vault": first_vault, "objectId": format!("${{principalId:{identity}}}"), "permissions": ["get", "wrapKey", "unwrapKey"]}}),
            )?,
        )?;
        for r in 0..REGISTRIES_PER_SUBSCRIPTION {
            let name = registry_name(s, r);
            let id = format!(
                "/subscriptions/{sub}/resourceGroups/rg-registries/providers/Microsoft.ContainerRegistry/registries/{name}"
            );
            let mut body = json!({"location": "eastus", "sku": {"name": if r % 2 == 0 { "Premium" } else { "Standard" }}});
            if r % 2 == 0 {
                body["identity"] = json!({"type": "UserAssigned", "userAssignedIdentities": {identity.clone(): {}}});
                body["properties"] = json!({"encryption": {"status": "enabled", "keyVaultProperties": {
                    "keyIdentifier": format!("${{keyId:{first_vault}/key-{:03}}}", r % KEYS_PER_VAULT),
                    "identity": format!("${{clientId:{identity}}}")
                }}});
            }
            apply_step(world, &step(json!({"put": {"id": id, "body": body}}))?)?;
        }
    }
    Ok(())
}

fn step(value: serde_json::Value) -> Result<Step, String> {
    serde_json::from_value(value).map_err(|e| format!("internal scenario step is invalid: {e}"))
}
