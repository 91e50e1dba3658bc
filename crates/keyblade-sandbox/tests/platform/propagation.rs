//! Access propagation delay: a new grant works only after the configured
//! sandbox seconds, in Key Vault and in the CMK checks of the services.

use keyblade_sandbox::SandboxConfig;
use keyblade_sandbox::directory::DEMO_TENANT_ID;
use keyblade_sandbox::scenario::demo::{
    PROD_REGISTRIES_GROUP, PROD_SECURITY_GROUP, PROD_SUBSCRIPTION,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::common::Harness;

const API: &str = "api-version=2023-07-01";

fn security_id(path: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_SECURITY_GROUP}/providers/{path}"
    )
}

/// The principal and client ID of a demo user-assigned identity.
fn identity_ids(harness: &Harness, name: &str) -> (String, String) {
    let id = security_id(&format!(
        "Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    ));
    harness.sandbox.with_world(|world| {
        let identity = world
            .arm
            .user_assigned_identity(&id)
            .expect("demo identity");
        let field = |name: &str| {
            identity.body["properties"][name]
                .as_str()
                .expect("identity field")
                .to_owned()
        };
        (field("principalId"), field("clientId"))
    })
}

/// A Key Vault token for any principal, minted through the admin API (the
/// sandbox has no managed identity endpoint).
async fn vault_token_as(harness: &Harness, object_id: &str) -> String {
    let reply = harness
        .admin(
            Method::POST,
            "/token",
            Some(json!({"objectId": object_id,
                "audience": format!("https://vault.localhost:{}", harness.port())})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["access_token"]
        .as_str()
        .expect("token")
        .to_owned()
}

async fn wrap_as(harness: &Harness, token: &str, vault: &str, key: &str) -> StatusCode {
    harness
        .kv(
            Method::POST,
            vault,
            &format!("/keys/{key}//wrapkey"),
            token,
            Some(
                json!({"alg": "RSA-OAEP", "value": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}),
            ),
        )
        .await
        .status
}

/// PATCHes `crcontosoprod` to the key `kv-contoso-dev/acr-revoked-key` through `client_id`.
async fn point_registry_at_dev_key(
    harness: &Harness,
    token: &str,
    client_id: &str,
) -> (StatusCode, Value) {
    let url = harness.url(&format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_REGISTRIES_GROUP}/providers/Microsoft.ContainerRegistry/registries/crcontosoprod?{API}"
    ));
    let key = harness.vault_url("kv-contoso-dev", "/keys/acr-revoked-key");
    let reply = harness
        .send(
            Method::PATCH,
            &url,
            Some(token),
            Some(json!({"properties": {"encryption": {"status": "enabled",
                "keyVaultProperties": {"keyIdentifier": key, "identity": client_id}}}})),
        )
        .await;
    (reply.status, reply.body)
}

#[tokio::test]
async fn a_new_access_policy_works_only_after_the_propagation_delay() {
    let harness = Harness::start_with(SandboxConfig {
        scenario: "demo".to_owned(),
        propagation_delay_secs: 60,
        ..SandboxConfig::default()
    })
    .await;
    let arm = harness.demo_arm_token().await;
    // id-acr-prod encrypts crcontosoprod and has no access to kv-contoso-dev yet.
    let (principal, client_id) = identity_ids(&harness, "id-acr-prod");
    let as_identity = vault_token_as(&harness, &principal).await;
    assert_eq!(
        wrap_as(&harness, &as_identity, "kv-contoso-dev", "acr-revoked-key").await,
        StatusCode::FORBIDDEN
    );

    let grant = harness
        .send(
            Method::PUT,
            &harness.url(&format!(
                "{}/accessPolicies/add?{API}",
                security_id("Microsoft.KeyVault/vaults/kv-contoso-dev")
            )),
            Some(&arm),
            Some(json!({"properties": {"accessPolicies": [{"tenantId": DEMO_TENANT_ID, "objectId": principal,
                "permissions": {"keys": ["get", "wrapKey", "unwrapKey"]}}]}})),
        )
        .await;
    assert_eq!(grant.status, StatusCode::OK, "{}", grant.text);

    // Written, but not effective yet: Key Vault answers as for no access at all.
    let reply = harness
        .kv(
            Method::POST,
            "kv-contoso-dev",
            "/keys/acr-revoked-key//wrapkey",
            &as_identity,
            Some(
                json!({"alg": "RSA-OAEP", "value": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert_eq!(reply.body["error"]["innererror"]["code"], "AccessDenied");
    let (status, body) = point_registry_at_dev_key(&harness, &arm, &client_id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "KeyVaultAccessDenied");
    let waiting = harness.admin(Method::GET, "/propagation", None).await;
    assert_eq!(waiting.body["seconds"], 60);
    let pending = waiting.body["pending"].as_array().expect("pending");
    assert!(
        pending.iter().any(|p| p["kind"] == "accessPolicy"
            && p["objectId"] == principal.to_ascii_lowercase().as_str()),
        "{}",
        waiting.text
    );

    harness.advance_clock(json!({"seconds": 61})).await;
    assert_eq!(
        wrap_as(&harness, &as_identity, "kv-contoso-dev", "acr-revoked-key").await,
        StatusCode::OK
    );
    let (status, body) = point_registry_at_dev_key(&harness, &arm, &client_id).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let settled = harness.admin(Method::GET, "/propagation", None).await;
    assert_eq!(settled.body["pending"], json!([]));
}

#[tokio::test]
async fn the_delay_is_set_through_the_admin_api_and_applies_to_later_grants() {
    let harness = Harness::start_with(SandboxConfig {
        scenario: "demo".to_owned(),
        // Stopped, so "one second early" below is exact on a loaded machine.
        clock_speed: 0.0,
        ..SandboxConfig::default()
    })
    .await;
    let arm = harness.demo_arm_token().await;
    let initial = harness.admin(Method::GET, "/propagation", None).await;
    assert_eq!(initial.body["seconds"], 0, "at once by default");

    let set = harness
        .admin(Method::POST, "/propagation", Some(json!({"seconds": 300})))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.body["seconds"], 300);
    let refused = harness
        .admin(Method::POST, "/propagation", Some(json!({"seconds": -1})))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    // A role assignment on the RBAC vault, for an identity without access there.
    let (principal, _) = identity_ids(&harness, "id-acr-prod");
    let vault = security_id("Microsoft.KeyVault/vaults/kv-contoso-prod-rbac");
    let assignment = harness
        .send(
            Method::PUT,
            &harness.url(&format!(
                "{vault}/providers/Microsoft.Authorization/roleAssignments/7d0f0e9a-4b1c-4d2e-9f3a-5b6c7d8e9f01?api-version=2022-04-01"
            )),
            Some(&arm),
            Some(json!({"properties": {
                "roleDefinitionId": format!("/subscriptions/{PROD_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6"),
                "principalId": principal, "principalType": "ServicePrincipal"}})),
        )
        .await;
    assert_eq!(
        assignment.status,
        StatusCode::CREATED,
        "{}",
        assignment.text
    );
    assert!(
        assignment.body["properties"].get("effectiveAt").is_none(),
        "Azure's shape is unchanged: {}",
        assignment.text
    );
    let as_identity = vault_token_as(&harness, &principal).await;
    let refused = harness
        .kv(
            Method::POST,
            "kv-contoso-prod-rbac",
            "/keys/acr-rbac-key//wrapkey",
            &as_identity,
            Some(
                json!({"alg": "RSA-OAEP", "value": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}),
            ),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(
        refused.body["error"]["innererror"]["code"],
        "ForbiddenByRbac"
    );

    harness.advance_clock(json!({"seconds": 299})).await;
    assert_eq!(
        wrap_as(
            &harness,
            &as_identity,
            "kv-contoso-prod-rbac",
            "acr-rbac-key"
        )
        .await,
        StatusCode::FORBIDDEN,
        "one second early"
    );
    harness.advance_clock(json!({"seconds": 2})).await;
    assert_eq!(
        wrap_as(
            &harness,
            &as_identity,
            "kv-contoso-prod-rbac",
            "acr-rbac-key"
        )
        .await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_scenarios_own_grants_work_at_once_under_a_delay() {
    let harness = Harness::start_with(SandboxConfig {
        scenario: "empty".to_owned(),
        propagation_delay_secs: 3600,
        ..SandboxConfig::default()
    })
    .await;
    let token = harness.demo_vault_token().await;
    for vault in ["kv-policy", "kv-rbac"] {
        let listed = harness.kv_get(vault, "/keys", &token).await;
        assert_eq!(listed.status, StatusCode::OK, "{vault}: {}", listed.text);
    }
    let status = harness.admin(Method::GET, "/propagation", None).await;
    assert_eq!(status.body["seconds"], 3600);
    assert_eq!(status.body["pending"], json!([]));
}
