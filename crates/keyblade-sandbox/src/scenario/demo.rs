//! The demo scenario: the Contoso tenant, three subscriptions, and customer-
//! managed keys in every state the Encryption blade has to show.
//!
//! | resource | state |
//! |---|---|
//! | `crcontosoprod` | CMK, unversioned key (auto-rotation), a newer key version not yet picked up |
//! | `crcontosopinned` | CMK pinned to an older RSA-HSM key version |
//! | `crcontosorbac` | CMK in an RBAC vault (Key Vault Crypto Service Encryption User) |
//! | `crcontosofw` | CMK in a firewalled vault (`Deny`, `AzureServices` bypass) reached through the bypass with its system-assigned identity |
//! | `crcontosorevoked` | CMK revoked: the identity's access policy was removed |
//! | `crcontosodisabled` | CMK revoked: the key's versions were disabled |
//! | `crcontosoorphan` | CMK identity missing: its user-assigned identity was deleted |
//! | `crcontosonocmk` | Premium without CMK |
//! | `crcontosobasic` | Basic |
//! | `crcontosodev` | Standard, in the development subscription |
//! | `stcontosocmk` / `stcontosoplain` | Storage with CMK (auto-rotating) / without |
//! | `cog-contoso-openai` / `cog-contoso-language` | Cognitive Services with CMK / without |
//! | `kv-contoso-dev` | vault without purge protection, with a soft-deleted key |
//! | `kv-contoso-ai` / `kv-contoso-ai-dr` | vaults in swedencentral, beside the AI accounts (`ai-cmk-key` with two versions / `ai-dr-key`), `id-openai-cmk` has access |
//!
//! Key Vault admits a service through the trusted-services bypass only when it
//! calls with its system-assigned identity, and a registry can only be created
//! with CMK through a user-assigned identity (its system identity does not exist
//! yet). So `crcontosofw` is built the way Azure requires: the vault starts
//! open, the registry is created with `id-acr-firewall` and a system-assigned
//! identity, its encryption moves to the system identity, and only then is the
//! vault locked down. `id-acr-firewall` keeps its access policy but cannot pass
//! the firewall.
//!
//! The demo service principal and the demo user own every subscription;
//! [`READER_CLIENT_ID`] signs in as a principal with Reader only.

use serde_json::json;

use super::Step;
use crate::entra::directory::{DEMO_CLIENT_OBJECT_ID, DEMO_TENANT_ID, DEMO_USER_OBJECT_ID};

pub const PROD_SUBSCRIPTION: &str = "6d3f1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
pub const DEV_SUBSCRIPTION: &str = "7e4a2b3c-5d6e-4f70-9b8c-1d2e3f4a5b6c";
pub const SHARED_SUBSCRIPTION: &str = "8f5b3c4d-6e7f-4081-ac9d-2e3f4a5b6c7d";

/// A service principal with Reader on every demo subscription (for refusal tests).
pub const READER_CLIENT_ID: &str = "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6";
pub const READER_OBJECT_ID: &str = "e2f3a4b5-c6d7-4e8f-9012-b3c4d5e6f7a8";
pub const READER_SECRET: &str = "sandbox~Reader.Secret-0001";

pub const PROD_REGISTRIES_GROUP: &str = "rg-contoso-prod-registries";
pub const PROD_SECURITY_GROUP: &str = "rg-contoso-prod-security";
pub const PROD_DATA_GROUP: &str = "rg-contoso-prod-data";

fn uai(group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )
}

pub fn registry_id(subscription: &str, group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.ContainerRegistry/registries/{name}"
    )
}

fn vault_id(group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{name}"
    )
}

/// Every key permission an access policy can grant (the portal's "Select all").
pub fn full_key_permissions() -> serde_json::Value {
    json!([
        "get",
        "list",
        "create",
        "update",
        "import",
        "delete",
        "recover",
        "backup",
        "restore",
        "purge",
        "encrypt",
        "decrypt",
        "wrapKey",
        "unwrapKey",
        "sign",
        "verify",
        "rotate",
        "getrotationpolicy",
        "setrotationpolicy"
    ])
}

/// An access policy granting what a CMK service needs (get, wrapKey, unwrapKey, as ACR documents).
fn cmk_access_policy(object_id: &str) -> serde_json::Value {
    json!({"tenantId": DEMO_TENANT_ID, "objectId": object_id,
        "permissions": {"keys": ["get", "wrapKey", "unwrapKey"], "secrets": [], "certificates": []}})
}

fn vault_body(
    location: &str,
    rbac: bool,
    purge_protection: bool,
    network: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut properties = json!({
        "tenantId": DEMO_TENANT_ID,
        "sku": {"family": "A", "name": "standard"},
        "enableRbacAuthorization": rbac,
        "enableSoftDelete": true,
        "softDeleteRetentionInDays": 90,
        "accessPolicies": if rbac { json!([]) } else { json!([
            {"tenantId": DEMO_TENANT_ID, "objectId": DEMO_CLIENT_OBJECT_ID, "permissions": {"keys": full_key_permissions(), "secrets": [], "certificates": []}},
            {"tenantId": DEMO_TENANT_ID, "objectId": DEMO_USER_OBJECT_ID, "permissions": {"keys": full_key_permissions(), "secrets": [], "certificates": []}}
        ]) }
    });
    if purge_protection {
        properties["enablePurgeProtection"] = json!(true);
    }
    if let Some(network) = network {
        properties["networkAcls"] = network;
    }
    json!({"location": location, "tags": {"owner": "platform-security"}, "properties": properties})
}

fn registry_body(sku: &str, identity: Option<&str>, key: Option<&str>) -> serde_json::Value {
    let mut body = json!({
        "location": "eastus",
        "sku": {"name": sku},
        "tags": {"team": "platform"},
        "properties": {"adminUserEnabled": false}
    });
    if let (Some(identity), Some(key)) = (identity, key) {
        body["identity"] =
            json!({"type": "UserAssigned", "userAssignedIdentities": {identity: {}}});
        body["properties"]["encryption"] = json!({
            "status": "enabled",
            "keyVaultProperties": {"keyIdentifier": key, "identity": format!("${{clientId:{identity}}}")}
        });
    }
    body
}

pub fn steps() -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut step = |value: serde_json::Value| {
        let parsed: Step = serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("demo scenario step is not a valid Step ({e}): {value}"));
        steps.push(parsed);
    };
    for (id, name) in [
        (PROD_SUBSCRIPTION, "Contoso Production"),
        (DEV_SUBSCRIPTION, "Contoso Development"),
        (SHARED_SUBSCRIPTION, "Contoso Shared Services"),
    ] {
        step(json!({"subscription": {"id": id, "displayName": name}}));
    }
    step(
        json!({"servicePrincipal": {"clientId": READER_CLIENT_ID, "objectId": READER_OBJECT_ID,
        "displayName": "keyblade-demo-reader", "secret": READER_SECRET}}),
    );
    for sub in [PROD_SUBSCRIPTION, DEV_SUBSCRIPTION, SHARED_SUBSCRIPTION] {
        let scope = format!("/subscriptions/{sub}");
        step(
            json!({"roleAssignment": {"scope": scope, "role": "Owner", "principalId": DEMO_CLIENT_OBJECT_ID}}),
        );
        step(
            json!({"roleAssignment": {"scope": scope, "role": "Owner", "principalId": DEMO_USER_OBJECT_ID}}),
        );
        step(
            json!({"roleAssignment": {"scope": scope, "role": "Reader", "principalId": READER_OBJECT_ID}}),
        );
    }
    for (sub, group, location) in [
        (PROD_SUBSCRIPTION, PROD_REGISTRIES_GROUP, "eastus"),
        (PROD_SUBSCRIPTION, PROD_SECURITY_GROUP, "eastus"),
        (PROD_SUBSCRIPTION, PROD_DATA_GROUP, "eastus"),
        (DEV_SUBSCRIPTION, "rg-contoso-dev", "westeurope"),
        (SHARED_SUBSCRIPTION, "rg-contoso-shared-ai", "swedencentral"),
    ] {
        step(json!({"resourceGroup": {"subscription": sub, "name": group, "location": location}}));
    }
    // Identities.
    for name in [
        "id-acr-prod",
        "id-acr-rbac",
        "id-acr-firewall",
        "id-acr-revoked",
        "id-acr-disabled",
        "id-acr-orphan",
        "id-storage-cmk",
        "id-openai-cmk",
    ] {
        step(
            json!({"put": {"id": uai(PROD_SECURITY_GROUP, name), "body": {"location": "eastus", "tags": {"purpose": "customer-managed keys"}}}}),
        );
    }
    // Vaults.
    step(
        json!({"put": {"id": vault_id(PROD_SECURITY_GROUP, "kv-contoso-prod-cmk"), "body": vault_body("eastus", false, true, None)}}),
    );
    step(
        json!({"put": {"id": vault_id(PROD_SECURITY_GROUP, "kv-contoso-prod-rbac"), "body": vault_body("eastus", true, true, None)}}),
    );
    step(
        json!({"put": {"id": vault_id(PROD_SECURITY_GROUP, "kv-contoso-dev"), "body": vault_body("eastus", false, false, None)}}),
    );
    // Open while crcontosofw is set up; locked down below.
    let firewall_vault = vault_id(PROD_SECURITY_GROUP, "kv-contoso-firewall");
    step(
        json!({"put": {"id": firewall_vault, "body": vault_body("eastus", false, true,
        Some(json!({"defaultAction": "Allow", "bypass": "AzureServices", "ipRules": [], "virtualNetworkRules": []})))}}),
    );
    // Azure AI services want their vault in their own region: two vaults beside the AI
    // accounts (swedencentral), so a key can be changed to another vault there.
    for name in ["kv-contoso-ai", "kv-contoso-ai-dr"] {
        step(
            json!({"put": {"id": vault_id(PROD_SECURITY_GROUP, name), "body": vault_body("swedencentral", false, true, None)}}),
        );
    }
    let rbac_vault_scope = vault_id(PROD_SECURITY_GROUP, "kv-contoso-prod-rbac");
    step(
        json!({"roleAssignment": {"scope": rbac_vault_scope, "role": "Key Vault Crypto Officer", "principalId": DEMO_CLIENT_OBJECT_ID}}),
    );
    step(
        json!({"roleAssignment": {"scope": rbac_vault_scope, "role": "Key Vault Crypto Officer", "principalId": DEMO_USER_OBJECT_ID}}),
    );
    step(
        json!({"roleAssignment": {"scope": rbac_vault_scope, "role": "Key Vault Crypto Service Encryption User",
        "principalId": format!("${{principalId:{}}}", uai(PROD_SECURITY_GROUP, "id-acr-rbac"))}}),
    );
    // Keys.
    for (vault, name, kty, versions, age) in [
        ("kv-contoso-prod-cmk", "acr-prod-key", "RSA", 1, 200),
        ("kv-contoso-prod-cmk", "acr-pinned-key", "RSA-HSM", 2, 400),
        ("kv-contoso-prod-cmk", "storage-cmk-key", "RSA", 1, 90),
        ("kv-contoso-prod-cmk", "openai-cmk-key", "RSA", 1, 30),
        ("kv-contoso-ai", "ai-cmk-key", "RSA", 2, 100),
        ("kv-contoso-ai-dr", "ai-dr-key", "RSA", 1, 20),
        ("kv-contoso-prod-cmk", "signing-ec-key", "EC", 1, 10),
        ("kv-contoso-prod-rbac", "acr-rbac-key", "RSA", 1, 60),
        ("kv-contoso-firewall", "acr-firewall-key", "RSA", 1, 45),
        ("kv-contoso-dev", "acr-revoked-key", "RSA", 1, 120),
        ("kv-contoso-dev", "acr-disabled-key", "RSA", 1, 150),
        ("kv-contoso-dev", "retired-key", "RSA", 1, 700),
    ] {
        step(
            json!({"key": {"vault": vault, "name": name, "kty": kty, "versions": versions, "ageDays": age}}),
        );
    }
    step(json!({"deleteKey": {"vault": "kv-contoso-dev", "name": "retired-key"}}));
    // Access policies for the identities (get, wrapKey, unwrapKey, as ACR documents).
    for (vault, identity) in [
        ("kv-contoso-prod-cmk", "id-acr-prod"),
        ("kv-contoso-prod-cmk", "id-acr-orphan"),
        ("kv-contoso-prod-cmk", "id-storage-cmk"),
        ("kv-contoso-prod-cmk", "id-openai-cmk"),
        ("kv-contoso-ai", "id-openai-cmk"),
        ("kv-contoso-ai-dr", "id-openai-cmk"),
        ("kv-contoso-firewall", "id-acr-firewall"),
        ("kv-contoso-dev", "id-acr-revoked"),
        ("kv-contoso-dev", "id-acr-disabled"),
    ] {
        step(
            json!({"grantKeys": {"vault": vault, "objectId": format!("${{principalId:{}}}", uai(PROD_SECURITY_GROUP, identity)),
            "permissions": ["get", "wrapKey", "unwrapKey"]}}),
        );
    }
    // Registries.
    let prod = |name: &str| registry_id(PROD_SUBSCRIPTION, PROD_REGISTRIES_GROUP, name);
    let cmk = [
        (
            "crcontosoprod",
            "id-acr-prod",
            "${keyId:kv-contoso-prod-cmk/acr-prod-key}".to_owned(),
        ),
        (
            "crcontosopinned",
            "id-acr-prod",
            "${keyIdVersioned:kv-contoso-prod-cmk/acr-pinned-key}".to_owned(),
        ),
        (
            "crcontosorbac",
            "id-acr-rbac",
            "${keyId:kv-contoso-prod-rbac/acr-rbac-key}".to_owned(),
        ),
        (
            "crcontosofw",
            "id-acr-firewall",
            "${keyId:kv-contoso-firewall/acr-firewall-key}".to_owned(),
        ),
        (
            "crcontosorevoked",
            "id-acr-revoked",
            "${keyId:kv-contoso-dev/acr-revoked-key}".to_owned(),
        ),
        (
            "crcontosodisabled",
            "id-acr-disabled",
            "${keyId:kv-contoso-dev/acr-disabled-key}".to_owned(),
        ),
        (
            "crcontosoorphan",
            "id-acr-orphan",
            "${keyId:kv-contoso-prod-cmk/acr-prod-key}".to_owned(),
        ),
    ];
    for (name, identity, key) in &cmk {
        let mut body = registry_body(
            "Premium",
            Some(&uai(PROD_SECURITY_GROUP, identity)),
            Some(key),
        );
        if *name == "crcontosofw" {
            // Created with both identities: the system one is the one that can pass the firewall later.
            body["identity"]["type"] = json!("SystemAssigned, UserAssigned");
        }
        step(json!({"put": {"id": prod(name), "body": body}}));
    }
    // crcontosofw: grant its system-assigned identity, move encryption to it,
    // then lock the vault down (a vault PUT replaces the access policies, so the
    // final body carries both grants, as a template redeploy would).
    let firewall_registry = prod("crcontosofw");
    let firewall_identity = uai(PROD_SECURITY_GROUP, "id-acr-firewall");
    let firewall_system_principal = format!("${{systemPrincipalId:{firewall_registry}}}");
    step(
        json!({"grantKeys": {"vault": "kv-contoso-firewall", "objectId": firewall_system_principal,
        "permissions": ["get", "wrapKey", "unwrapKey"]}}),
    );
    let mut system_encrypted = registry_body(
        "Premium",
        Some(&firewall_identity),
        Some("${keyId:kv-contoso-firewall/acr-firewall-key}"),
    );
    system_encrypted["identity"]["type"] = json!("SystemAssigned, UserAssigned");
    system_encrypted["properties"]["encryption"]["keyVaultProperties"]["identity"] =
        json!("system");
    step(json!({"put": {"id": firewall_registry, "body": system_encrypted}}));
    let mut locked_vault = vault_body(
        "eastus",
        false,
        true,
        Some(
            json!({"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [{"value": "203.0.113.0/24"}], "virtualNetworkRules": []}),
        ),
    );
    if let Some(policies) = locked_vault["properties"]["accessPolicies"].as_array_mut() {
        policies.push(cmk_access_policy(&format!(
            "${{principalId:{firewall_identity}}}"
        )));
        policies.push(cmk_access_policy(&firewall_system_principal));
    }
    step(json!({"put": {"id": firewall_vault, "body": locked_vault}}));
    // The pinned registry's key gets a version newer than the one it pins, so it shows as behind.
    step(
        json!({"key": {"vault": "kv-contoso-prod-cmk", "name": "acr-pinned-key", "kty": "RSA-HSM", "versions": 1, "ageDays": 20}}),
    );
    // A new version the auto-rotating registry picks up within the rotation interval.
    step(
        json!({"key": {"vault": "kv-contoso-prod-cmk", "name": "acr-prod-key", "kty": "RSA", "versions": 1}}),
    );
    step(
        json!({"put": {"id": prod("crcontosonocmk"), "body": registry_body("Premium", None, None)}}),
    );
    step(
        json!({"put": {"id": prod("crcontosobasic"), "body": registry_body("Basic", None, None)}}),
    );
    step(
        json!({"put": {"id": registry_id(DEV_SUBSCRIPTION, "rg-contoso-dev", "crcontosodev"), "body": registry_body("Standard", None, None)}}),
    );
    // Break three of them, the ways customers do.
    step(
        json!({"revokeKeys": {"vault": "kv-contoso-dev", "objectId": format!("${{principalId:{}}}", uai(PROD_SECURITY_GROUP, "id-acr-revoked"))}}),
    );
    step(json!({"disableKey": {"vault": "kv-contoso-dev", "name": "acr-disabled-key"}}));
    step(json!({"delete": {"id": uai(PROD_SECURITY_GROUP, "id-acr-orphan")}}));
    // Storage accounts.
    let storage = |name: &str| {
        format!(
            "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_DATA_GROUP}/providers/Microsoft.Storage/storageAccounts/{name}"
        )
    };
    let storage_identity = uai(PROD_SECURITY_GROUP, "id-storage-cmk");
    step(json!({"put": {"id": storage("stcontosocmk"), "body": {
        "location": "eastus", "kind": "StorageV2", "sku": {"name": "Standard_GRS"},
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {storage_identity.clone(): {}}},
        "properties": {"encryption": {
            "keySource": "Microsoft.Keyvault",
            "identity": {"userAssignedIdentity": storage_identity},
            "keyvaultproperties": {"keyvaulturi": "${vaultUri:kv-contoso-prod-cmk}", "keyname": "storage-cmk-key", "keyversion": ""},
            "services": {"blob": {"enabled": true, "keyType": "Account"}, "file": {"enabled": true, "keyType": "Account"}}
        }}
    }}}));
    step(
        json!({"put": {"id": storage("stcontosoplain"), "body": {"location": "eastus", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}}}),
    );
    // Cognitive Services.
    let cognitive = |name: &str| {
        format!(
            "/subscriptions/{SHARED_SUBSCRIPTION}/resourceGroups/rg-contoso-shared-ai/providers/Microsoft.CognitiveServices/accounts/{name}"
        )
    };
    let openai_identity = uai(PROD_SECURITY_GROUP, "id-openai-cmk");
    step(
        json!({"put": {"id": cognitive("cog-contoso-openai"), "body": {
            "location": "swedencentral", "kind": "OpenAI", "sku": {"name": "S0"},
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {openai_identity.clone(): {}}},
            "properties": {"customSubDomainName": "cog-contoso-openai", "encryption": {
                "keySource": "Microsoft.KeyVault",
                "keyVaultProperties": {"keyName": "openai-cmk-key", "keyVersion": "${keyVersion:kv-contoso-prod-cmk/openai-cmk-key}",
                    "keyVaultUri": "${vaultUri:kv-contoso-prod-cmk}", "identityClientId": format!("${{clientId:{openai_identity}}}")}
            }}
        }}}),
    );
    step(
        json!({"put": {"id": cognitive("cog-contoso-language"), "body": {
            "location": "swedencentral", "kind": "TextAnalytics", "sku": {"name": "S"}, "identity": {"type": "SystemAssigned"}, "properties": {}
        }}}),
    );
    steps
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_demo_step_parses() {
        assert!(super::steps().len() > 40);
    }
}
