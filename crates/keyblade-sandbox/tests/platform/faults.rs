//! Fault injection: status codes with Retry-After, connection resets, latency.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::common::{Harness, SUBSCRIPTION};

#[tokio::test]
async fn a_counted_429_rule_throttles_then_lets_requests_through() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    let added = harness
        .add_fault(json!({
            "match": {"service": "keyVault", "method": "GET", "pathPrefix": "/keys"},
            "effect": {"kind": "status", "status": 429, "retryAfter": 2},
            "count": 1
        }))
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);

    let throttled = harness.kv_get("kv-policy", "/keys", &token).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.headers["retry-after"], "2");
    assert_eq!(throttled.body["error"]["code"], "Throttled");

    assert_eq!(
        harness.kv_get("kv-policy", "/keys", &token).await.status,
        StatusCode::OK
    );
    let rules = harness.admin(Method::GET, "/faults", None).await;
    assert_eq!(rules.body["rules"], json!([]), "a spent rule is removed");
}

#[tokio::test]
async fn resource_manager_faults_use_its_error_envelope() {
    let harness = Harness::start().await;
    let token = harness.demo_arm_token().await;
    harness
        .add_fault(json!({"match": {"service": "arm", "pathRegex": "^/subscriptions/[^/]+/resourcegroups$"},
                        "effect": {"kind": "status", "status": 503, "retryAfter": 1}}))
        .await;
    let url = harness.url(&format!(
        "/subscriptions/{SUBSCRIPTION}/resourcegroups?api-version=2022-09-01"
    ));
    for _ in 0..2 {
        let reply = harness.send(Method::GET, &url, Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reply.body["error"]["code"], "ServiceUnavailable");
        assert_eq!(reply.headers["retry-after"], "1");
    }
    let cleared = harness.admin(Method::DELETE, "/faults", None).await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert_eq!(
        harness
            .send(Method::GET, &url, Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_reset_rule_drops_the_connection_without_an_answer() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    harness
        .add_fault(json!({"match": {"host": "kv-policy.vault.localhost"}, "effect": {"kind": "connectionReset"}, "count": 1}))
        .await;
    let result = harness
        .client
        .get(harness.vault_url("kv-policy", "/keys?api-version=7.5"))
        .bearer_auth(&token)
        .send()
        .await;
    let error = result.expect_err("the connection is reset");
    assert!(!error.is_timeout(), "{error:?}");
    assert_eq!(
        harness.kv_get("kv-policy", "/keys", &token).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn latency_rules_and_the_global_latency_delay_answers() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    harness
        .add_fault(
            json!({"match": {"service": "keyVault"}, "effect": {"kind": "latency", "ms": 300}}),
        )
        .await;
    let started = Instant::now();
    assert_eq!(
        harness.kv_get("kv-policy", "/keys", &token).await.status,
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(300));

    harness.admin(Method::DELETE, "/faults", None).await;
    harness
        .admin(
            Method::PUT,
            "/faults/settings",
            Some(json!({"latencyMs": 200})),
        )
        .await;
    let started = Instant::now();
    harness.kv_get("kv-policy", "/keys", &token).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn a_random_fault_rate_of_one_fails_every_data_request_but_not_sign_in() {
    let harness = Harness::start_with(keyblade_sandbox::SandboxConfig {
        scenario: "empty".to_owned(),
        fault_rate: 1.0,
        ..keyblade_sandbox::SandboxConfig::default()
    })
    .await;
    let token = harness.demo_vault_token().await;
    for _ in 0..5 {
        let status = harness.kv_get("kv-policy", "/keys", &token).await.status;
        assert!(
            [
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::SERVICE_UNAVAILABLE
            ]
            .contains(&status),
            "{status}"
        );
    }
}

#[tokio::test]
async fn invalid_fault_rules_are_refused() {
    let harness = Harness::start().await;
    for rule in [
        json!({"effect": {"kind": "status", "status": 200}}),
        json!({"match": {"pathRegex": "("}, "effect": {"kind": "connectionReset"}}),
        json!({"effect": {"kind": "explode"}}),
    ] {
        let reply = harness.add_fault(rule.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{rule}");
    }
}
