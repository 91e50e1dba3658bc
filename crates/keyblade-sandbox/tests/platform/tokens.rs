//! Every Resource Manager and Key Vault request checks its bearer token.

use keyblade_sandbox::directory::{OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, OTHER_TENANT_ID};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::common::{Harness, SUBSCRIPTION};

fn arm_path() -> String {
    format!("/subscriptions/{SUBSCRIPTION}/resourcegroups?api-version=2022-09-01")
}

/// Changes the first character of the signature. Changing the last one is
/// not enough: in base64url the last character of a 256-byte signature
/// carries only two bits, and some replacements leave the bytes unchanged,
/// so a test that swapped it for 'A' passed the real signature a quarter of
/// the time.
fn tamper_with_signature(token: &str) -> String {
    let signature_start = token.rfind('.').expect("a JWT has three parts") + 1;
    let first = &token[signature_start..=signature_start];
    let replacement = if first == "A" { "B" } else { "A" };
    format!(
        "{}{replacement}{}",
        &token[..signature_start],
        &token[signature_start + 1..]
    )
}

#[test]
fn tampering_always_changes_the_signature() {
    for token in ["h.p.Abc", "h.p.Bbc", "h.p.wAAA"] {
        let tampered = tamper_with_signature(token);
        assert_ne!(tampered, token);
        assert_eq!(tampered.len(), token.len());
        assert!(tampered.starts_with("h.p."));
    }
}

#[tokio::test]
async fn resource_manager_answers_401_with_its_own_codes() {
    let harness = Harness::start().await;
    let url = harness.url(&arm_path());

    let missing = harness.send(Method::GET, &url, None, None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.body["error"]["code"], "AuthenticationFailed");
    let challenge = missing.headers["www-authenticate"]
        .to_str()
        .expect("header");
    assert!(
        challenge.starts_with("Bearer authorization_uri="),
        "{challenge}"
    );

    let expired = harness
        .admin(
            Method::POST,
            "/token",
            Some(json!({"lifetimeSeconds": -60})),
        )
        .await;
    let expired = expired.body["access_token"]
        .as_str()
        .expect("minted")
        .to_owned();
    let reply = harness.send(Method::GET, &url, Some(&expired), None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body["error"]["code"], "ExpiredAuthenticationToken");

    let vault_token = harness.demo_vault_token().await;
    let reply = harness
        .send(Method::GET, &url, Some(&vault_token), None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.body["error"]["code"],
        "InvalidAuthenticationTokenAudience"
    );

    let forged = tamper_with_signature(&harness.demo_arm_token().await);
    let reply = harness.send(Method::GET, &url, Some(&forged), None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body["error"]["code"], "InvalidAuthenticationToken");

    let good = harness.demo_arm_token().await;
    let reply = harness.send(Method::GET, &url, Some(&good), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn key_vault_challenges_with_the_sandbox_authority_and_resource() {
    let harness = Harness::start().await;
    let port = harness.port();
    let reply = harness
        .send(
            Method::GET,
            &harness.vault_url("kv-policy", "/keys?api-version=7.5"),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.headers["www-authenticate"].to_str().expect("header"),
        format!(
            "Bearer authorization=\"https://localhost:{port}/{}\", resource=\"https://vault.localhost:{port}\"",
            keyblade_sandbox::directory::DEMO_TENANT_ID
        )
    );
    assert_eq!(reply.body["error"]["code"], "Unauthorized");
    assert_eq!(
        reply.body["error"]["message"],
        "AKV10000: Request is missing a Bearer or PoP token."
    );

    let arm_token = harness.demo_arm_token().await;
    let reply = harness.kv_get("kv-policy", "/keys", &arm_token).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .expect("message")
            .starts_with("AKV10022: Invalid audience.")
    );

    let expired = harness
        .admin(Method::POST, "/token", Some(json!({"lifetimeSeconds": -1, "audience": format!("https://vault.localhost:{port}")})))
        .await;
    let reply = harness
        .kv_get(
            "kv-policy",
            "/keys",
            expired.body["access_token"].as_str().expect("token"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.headers.contains_key("www-authenticate"));
}

/// A token the other built-in tenant's service principal gets for `scope`.
async fn other_tenant_token(harness: &Harness, scope: &str) -> String {
    harness
        .client_token(OTHER_TENANT_ID, OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, scope)
        .await
        .unwrap_or_else(|r| panic!("{}", r.text))
}

#[tokio::test]
async fn a_token_from_another_tenant_is_refused_by_key_vault() {
    let harness = Harness::start().await;
    let token = other_tenant_token(&harness, &harness.vault_scope()).await;
    let reply = harness.kv_get("kv-policy", "/keys", &token).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    let message = reply.body["error"]["message"].as_str().expect("message");
    assert!(
        message.starts_with("AKV10032: Invalid issuer."),
        "{message}"
    );
    assert!(message.contains(OTHER_TENANT_ID), "{message}");
}

#[tokio::test]
async fn a_token_from_another_tenant_is_refused_by_resource_manager() {
    let harness = Harness::start().await;
    let token = other_tenant_token(&harness, "https://management.core.windows.net//.default").await;
    let reply = harness
        .send(Method::GET, &harness.url(&arm_path()), Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    assert_eq!(
        reply.body["error"]["code"],
        "InvalidAuthenticationTokenTenant"
    );
}
