//! The admin API lock: open (default), off (404 as if absent), or a secret header.

use keyblade_sandbox::{ADMIN_KEY_HEADER, AdminApi, Sandbox, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::common::Harness;

fn config(admin: AdminApi) -> SandboxConfig {
    SandboxConfig {
        scenario: "empty".to_owned(),
        admin,
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn the_admin_api_is_open_by_default() {
    let harness = Harness::start().await;
    assert_eq!(harness.sandbox.admin_api(), &AdminApi::Open);
    assert_eq!(harness.sandbox.admin_key_header(), None);
    let clock = harness.admin(Method::GET, "/clock", None).await;
    assert_eq!(clock.status, StatusCode::OK, "{}", clock.text);
}

#[tokio::test]
async fn an_admin_api_that_is_off_answers_404_everywhere_and_the_rest_serves() {
    let harness = Harness::start_with(config(AdminApi::Off)).await;
    for (method, path, body) in [
        (Method::GET, "", None),
        (Method::GET, "/info", None),
        (Method::GET, "/ca.pem", None),
        (Method::GET, "/state", None),
        (Method::POST, "/token", Some(json!({}))),
        (Method::POST, "/clock/advance", Some(json!({"seconds": 60}))),
        (
            Method::POST,
            "/faults",
            Some(json!({"effect": {"kind": "connectionReset"}})),
        ),
    ] {
        let reply = harness.admin(method.clone(), path, body).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(reply.body["error"]["code"], "NotFound", "{}", reply.text);
        assert!(
            !reply.text.contains("admin"),
            "nothing says an admin API exists: {}",
            reply.text
        );
    }
    // The refused requests changed nothing: no fault rule was added, so
    // Key Vault still answers.
    let token = harness.demo_vault_token().await;
    assert_eq!(
        harness.kv_get("kv-policy", "/keys", &token).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_secret_locks_the_admin_api_to_requests_that_carry_it() {
    const SECRET: &str = "s3cret-for-this-test";
    let harness = Harness::start_with(config(AdminApi::Secret(SECRET.to_owned()))).await;
    assert_eq!(
        harness.sandbox.admin_key_header(),
        Some((ADMIN_KEY_HEADER, SECRET))
    );
    let url = harness.url("/_sandbox/clock");

    let missing = harness.admin(Method::GET, "/clock", None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.body["error"]["code"], "Unauthorized");
    assert!(
        missing.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(ADMIN_KEY_HEADER) && !m.contains(SECRET)),
        "{}",
        missing.text
    );
    for wrong in [
        "",
        "s3cret",
        "s3cret-for-this-test2",
        "S3CRET-FOR-THIS-TEST",
    ] {
        let reply = harness
            .client
            .get(&url)
            .header(ADMIN_KEY_HEADER, wrong)
            .send()
            .await
            .expect("answered");
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED, "{wrong:?}");
    }
    let advance = harness
        .client
        .post(harness.url("/_sandbox/clock/advance"))
        .json(&json!({"seconds": 1}))
        .send()
        .await
        .expect("answered");
    assert_eq!(advance.status(), StatusCode::UNAUTHORIZED, "writes too");

    let (name, value) = harness.sandbox.admin_key_header().expect("locked");
    let allowed = harness
        .client
        .get(&url)
        .header(name, value)
        .send()
        .await
        .expect("answered");
    assert_eq!(allowed.status(), StatusCode::OK);
    let body: serde_json::Value = allowed.json().await.expect("JSON");
    assert!(body["nowUnix"].is_i64(), "{body}");
}

#[tokio::test]
async fn a_secret_never_shows_in_debug_output_and_must_not_be_empty() {
    let config = config(AdminApi::Secret("hunter2-do-not-print".to_owned()));
    let printed = format!("{config:?} {:?}", config.admin);
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(printed.contains("Secret(<redacted>)"), "{printed}");

    let refused = Sandbox::start(SandboxConfig {
        admin: AdminApi::Secret(String::new()),
        ..config
    })
    .await;
    assert!(refused.is_err(), "an empty secret would open the lock");
}
