//! Access policies, RBAC and the firewall, with Key Vault's 403 shapes.

use keyblade_sandbox::directory::DEMO_TENANT_ID;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::common::{
    Harness, LIMITED_CLIENT_ID, LIMITED_SECRET, NOBODY_CLIENT_ID, NOBODY_OBJECT_ID, NOBODY_SECRET,
    Reply,
};

fn inner_code(body: &serde_json::Value) -> &str {
    body["error"]["innererror"]["code"]
        .as_str()
        .unwrap_or_default()
}

/// Asks `vault` to wrap a (meaningless) value with `key`: only the authorization matters.
async fn wrap_probe(harness: &Harness, vault: &str, key: &str, token: &str) -> Reply {
    harness
        .kv(
            Method::POST,
            vault,
            &format!("/keys/{key}/wrapkey"),
            token,
            Some(json!({"alg": "RSA-OAEP", "value": "AAAA"})),
        )
        .await
}

#[tokio::test]
async fn access_policies_deny_with_access_denied_or_forbidden_by_policy() {
    let harness = Harness::start().await;
    let demo = harness.demo_vault_token().await;
    harness.create_rsa_key("kv-policy", "guarded", &demo).await;

    let nobody = harness
        .vault_token_for(NOBODY_CLIENT_ID, NOBODY_SECRET)
        .await;
    let reply = harness.kv_get("kv-policy", "/keys/guarded", &nobody).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body["error"]["code"], "Forbidden");
    assert_eq!(inner_code(&reply.body), "AccessDenied");
    let message = reply.body["error"]["message"].as_str().expect("message");
    assert!(
        message.starts_with(&format!(
            "The user, group or application 'appid={NOBODY_CLIENT_ID};oid={NOBODY_OBJECT_ID};iss=https://localhost:{}/{DEMO_TENANT_ID}/' does not have keys get permission on key vault 'kv-policy;location=westeurope'.",
            harness.port()
        )),
        "{message}"
    );

    let limited = harness
        .vault_token_for(LIMITED_CLIENT_ID, LIMITED_SECRET)
        .await;
    assert_eq!(
        harness
            .kv_get("kv-policy", "/keys/guarded", &limited)
            .await
            .status,
        StatusCode::OK
    );
    let reply = wrap_probe(&harness, "kv-policy", "guarded", &limited).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(inner_code(&reply.body), "ForbiddenByPolicy");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("Operation: \"wrapKey\"")
    );
}

#[tokio::test]
async fn rbac_vaults_follow_role_assignments() {
    let harness = Harness::start().await;
    let demo = harness.demo_vault_token().await;
    // Key Vault Crypto Officer can create and wrap.
    harness.create_rsa_key("kv-rbac", "rbac-key", &demo).await;
    let wrapped = wrap_probe(&harness, "kv-rbac", "rbac-key", &demo).await;
    assert_eq!(wrapped.status, StatusCode::OK, "{}", wrapped.text);

    // Key Vault Reader reads metadata but cannot wrap.
    let limited = harness
        .vault_token_for(LIMITED_CLIENT_ID, LIMITED_SECRET)
        .await;
    assert_eq!(
        harness
            .kv_get("kv-rbac", "/keys/rbac-key", &limited)
            .await
            .status,
        StatusCode::OK
    );
    let reply = wrap_probe(&harness, "kv-rbac", "rbac-key", &limited).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert_eq!(inner_code(&reply.body), "ForbiddenByRbac");
    let message = reply.body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("Action: 'Microsoft.KeyVault/vaults/keys/wrap/action'"),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "{}/keys/rbac-key",
            harness.vault_id("kv-rbac").to_ascii_lowercase()
        )),
        "{message}"
    );

    // Access policies do not apply to an RBAC vault: no role, no access.
    let nobody = harness
        .vault_token_for(NOBODY_CLIENT_ID, NOBODY_SECRET)
        .await;
    let reply = harness.kv_get("kv-rbac", "/keys", &nobody).await;
    assert_eq!(inner_code(&reply.body), "ForbiddenByRbac");
}

/// Over HTTPS a client is always on loopback; what the firewall admits from a
/// trusted service is tested in process, in `keyvault::authz`.
#[tokio::test]
async fn the_firewall_refuses_loopback_clients() {
    let harness = Harness::start().await;
    let demo = harness.demo_vault_token().await;
    let reply = harness.kv_get("kv-firewall", "/keys", &demo).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(inner_code(&reply.body), "ForbiddenByFirewall");
    let message = reply.body["error"]["message"].as_str().expect("message");
    assert!(
        message
            .starts_with("Client address is not authorized and caller is not a trusted service."),
        "{message}"
    );
    assert!(message.contains("Client address: 127.0.0.1"), "{message}");
}
