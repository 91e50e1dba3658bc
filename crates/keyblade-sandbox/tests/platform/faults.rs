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

/// A demo-scenario harness: its registries are long-running-operation writes.
async fn demo_harness() -> Harness {
    Harness::start_with(keyblade_sandbox::SandboxConfig {
        scenario: "demo".to_owned(),
        ..keyblade_sandbox::SandboxConfig::default()
    })
    .await
}

fn demo_registry_url(harness: &Harness, name: &str) -> String {
    use keyblade_sandbox::scenario::demo::{PROD_REGISTRIES_GROUP, PROD_SUBSCRIPTION};
    harness.url(&format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_REGISTRIES_GROUP}/providers/Microsoft.ContainerRegistry/registries/{name}?api-version=2023-07-01"
    ))
}

/// Matches the registry PATCHes of the demo's `crcontosoprod`.
fn registry_patch_match() -> serde_json::Value {
    json!({"service": "arm", "method": "PATCH", "pathRegex": "/registries/crcontosoprod$"})
}

#[tokio::test]
async fn apply_then_status_writes_the_change_and_answers_the_error() {
    let harness = demo_harness().await;
    let token = harness.demo_arm_token().await;
    let url = demo_registry_url(&harness, "crcontosoprod");
    let before = harness.send(Method::GET, &url, Some(&token), None).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    let added = harness
        .add_fault(json!({"match": registry_patch_match(),
            "effect": {"kind": "applyThenStatus", "status": 500}, "count": 1}))
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);

    let patched = harness
        .send(
            Method::PATCH,
            &url,
            Some(&token),
            Some(json!({"tags": {"written": "despite-500"}})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        patched.body["error"]["code"], "InternalServerError",
        "Resource Manager's error envelope: {}",
        patched.text
    );
    assert!(patched.headers.get("azure-asyncoperation").is_none());

    let after = harness.send(Method::GET, &url, Some(&token), None).await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(
        after.body["tags"],
        json!({"written": "despite-500"}),
        "the write took effect"
    );
    assert_ne!(
        after.headers["etag"], before.headers["etag"],
        "and changed the ETag"
    );
}

#[tokio::test]
async fn apply_then_reset_writes_the_change_and_drops_the_connection() {
    let harness = demo_harness().await;
    let token = harness.demo_arm_token().await;
    let url = demo_registry_url(&harness, "crcontosoprod");
    harness
        .add_fault(json!({"match": registry_patch_match(),
            "effect": {"kind": "applyThenReset"}, "count": 1}))
        .await;
    let result = harness
        .client
        .patch(&url)
        .bearer_auth(&token)
        .json(&json!({"tags": {"written": "despite-reset"}}))
        .send()
        .await;
    let error = result.expect_err("the connection is reset");
    assert!(!error.is_timeout(), "{error:?}");

    let after = harness.send(Method::GET, &url, Some(&token), None).await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.body["tags"], json!({"written": "despite-reset"}));
}

#[tokio::test]
async fn loop_next_link_points_every_page_back_at_the_first_request() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    for name in ["one", "two"] {
        harness.create_rsa_key("kv-policy", name, &token).await;
    }
    harness
        .add_fault(
            json!({"match": {"service": "keyVault", "method": "GET", "pathPrefix": "/keys"},
            "effect": {"kind": "loopNextLink"}}),
        )
        .await;
    let first_url = harness.vault_url("kv-policy", "/keys?maxresults=1&api-version=7.5");
    let first = harness
        .send(Method::GET, &first_url, Some(&token), None)
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["value"].as_array().map(Vec::len), Some(1));
    assert_eq!(first.body["nextLink"], first_url.as_str());

    let next = first.body["nextLink"].as_str().expect("nextLink");
    let second = harness.send(Method::GET, next, Some(&token), None).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_eq!(
        second.body["nextLink"],
        first_url.as_str(),
        "a client following nextLink never gets out"
    );

    // Resource Manager lists too, even one short enough to have no next page.
    let arm_token = harness.demo_arm_token().await;
    harness
        .add_fault(
            json!({"match": {"service": "arm", "pathRegex": "^/subscriptions$"},
            "effect": {"kind": "loopNextLink"}, "count": 1}),
        )
        .await;
    let subscriptions = harness.url("/subscriptions?api-version=2022-12-01");
    let listed = harness
        .send(Method::GET, &subscriptions, Some(&arm_token), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body["nextLink"], subscriptions.as_str());
    assert!(listed.body["value"].is_array());
}

#[tokio::test]
async fn oversized_body_pads_the_answer_and_keeps_it_json() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    harness.create_rsa_key("kv-policy", "big", &token).await;
    const BYTES: usize = 3 * 1024 * 1024;
    harness
        .add_fault(json!({"match": {"service": "keyVault", "method": "GET"},
            "effect": {"kind": "oversizedBody", "bytes": BYTES}, "count": 1}))
        .await;
    let reply = harness.kv_get("kv-policy", "/keys/big", &token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text.len() >= BYTES, "{} bytes", reply.text.len());
    let parsed: serde_json::Value = serde_json::from_str(&reply.text).expect("still JSON");
    assert!(
        parsed["key"]["kid"].as_str().is_some(),
        "the real answer is intact"
    );
    assert!(
        parsed["sandboxPadding"]
            .as_str()
            .is_some_and(|p| p.len() > BYTES / 2)
    );

    let too_big = harness
        .add_fault(json!({"effect": {"kind": "oversizedBody", "bytes": 1_usize << 40}}))
        .await;
    assert_eq!(too_big.status, StatusCode::BAD_REQUEST, "{}", too_big.text);
}

/// PATCHes the demo registry `crcontosoprod` and returns its operation URL.
async fn start_registry_patch(harness: &Harness, token: &str) -> String {
    let url = demo_registry_url(harness, "crcontosoprod");
    let patched = harness
        .send(
            Method::PATCH,
            &url,
            Some(token),
            Some(json!({"properties": {"adminUserEnabled": true}})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::CREATED, "{}", patched.text);
    patched.headers["azure-asyncoperation"]
        .to_str()
        .expect("operation URL")
        .to_owned()
}

#[tokio::test]
async fn a_reset_on_an_operation_poll_leaves_the_operation_to_be_polled_again() {
    let harness = demo_harness().await;
    let token = harness.demo_arm_token().await;
    let operation = start_registry_patch(&harness, &token).await;
    assert!(operation.contains("/operationStatuses/"), "{operation}");
    harness
        .add_fault(
            json!({"match": {"service": "arm", "method": "GET", "pathRegex": "/operationStatuses/"},
            "effect": {"kind": "connectionReset"}, "count": 1}),
        )
        .await;
    let polled = harness
        .client
        .get(&operation)
        .bearer_auth(&token)
        .send()
        .await;
    let error = polled.expect_err("the poll's connection is reset");
    assert!(!error.is_timeout(), "{error:?}");

    harness.advance_clock(json!({"seconds": 5})).await;
    let again = harness
        .send(Method::GET, &operation, Some(&token), None)
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["status"], "Succeeded");
}

#[tokio::test]
async fn a_slow_operation_stays_in_progress_for_its_extra_sandbox_seconds() {
    let harness = demo_harness().await;
    let token = harness.demo_arm_token().await;
    harness
        .add_fault(json!({"match": registry_patch_match(),
            "effect": {"kind": "slowOperation", "extraSeconds": 60}, "count": 1}))
        .await;
    let operation = start_registry_patch(&harness, &token).await;
    let registry = demo_registry_url(&harness, "crcontosoprod");

    // The usual 2 s and then some, but not the extra 60: still running.
    harness.advance_clock(json!({"seconds": 30})).await;
    let polled = harness
        .send(Method::GET, &operation, Some(&token), None)
        .await;
    assert_eq!(polled.body["status"], "InProgress", "{}", polled.text);
    assert_eq!(polled.headers["retry-after"], "1");
    let during = harness
        .send(Method::GET, &registry, Some(&token), None)
        .await;
    assert_eq!(during.body["properties"]["provisioningState"], "Updating");

    harness.advance_clock(json!({"seconds": 40})).await;
    let polled = harness
        .send(Method::GET, &operation, Some(&token), None)
        .await;
    assert_eq!(polled.body["status"], "Succeeded", "{}", polled.text);
    let after = harness
        .send(Method::GET, &registry, Some(&token), None)
        .await;
    assert_eq!(after.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(after.body["properties"]["adminUserEnabled"], true);
}

#[tokio::test]
async fn random_apply_then_faults_write_what_they_fail() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    let set = harness
        .admin(
            Method::POST,
            "/faults/random",
            Some(json!({"rate": 1.0, "kinds": ["applyThen504"]})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.body["randomFaultKinds"], json!(["applyThen504"]));
    // Sign-in is never a random fault.
    harness.demo_arm_token().await;

    let created = harness
        .kv(
            Method::POST,
            "kv-policy",
            "/keys/written/create",
            &token,
            Some(json!({"kty": "RSA", "key_size": 2048})),
        )
        .await;
    assert_eq!(
        created.status,
        StatusCode::GATEWAY_TIMEOUT,
        "{}",
        created.text
    );
    assert_eq!(created.body["error"]["code"], "GatewayTimeout");

    harness
        .admin(
            Method::POST,
            "/faults/random",
            Some(json!({"rate": 1.0, "kinds": ["applyThenReset"]})),
        )
        .await;
    let rotated = harness
        .client
        .post(harness.vault_url("kv-policy", "/keys/written/rotate?api-version=7.5"))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(rotated.is_err(), "the connection is reset: {rotated:?}");

    let off = harness
        .admin(Method::POST, "/faults/random", Some(json!({"rate": 0.0})))
        .await;
    assert_eq!(
        off.body["randomFaultKinds"],
        json!([]),
        "back to the default mix"
    );
    let versions = harness
        .kv_get("kv-policy", "/keys/written/versions", &token)
        .await;
    assert_eq!(versions.status, StatusCode::OK, "the key was created");
    assert_eq!(
        versions.body["value"].as_array().map(Vec::len),
        Some(2),
        "and rotated: {}",
        versions.text
    );

    for bad in [
        json!({"rate": 1.5}),
        json!({"rate": 0.5, "kinds": ["explode"]}),
    ] {
        let reply = harness
            .admin(Method::POST, "/faults/random", Some(bad.clone()))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn random_kinds_come_from_the_config_and_not_applied_kinds_write_nothing() {
    let harness = Harness::start_with(keyblade_sandbox::SandboxConfig {
        scenario: "empty".to_owned(),
        fault_rate: 1.0,
        fault_kinds: vec![keyblade_sandbox::RandomFaultKind::Reset],
        ..keyblade_sandbox::SandboxConfig::default()
    })
    .await;
    let token = harness.demo_vault_token().await;
    let created = harness
        .client
        .post(harness.vault_url("kv-policy", "/keys/never/create?api-version=7.5"))
        .bearer_auth(&token)
        .json(&json!({"kty": "RSA", "key_size": 2048}))
        .send()
        .await;
    assert!(created.is_err(), "reset: {created:?}");
    harness
        .admin(
            Method::PUT,
            "/faults/settings",
            Some(json!({"randomFaultRate": 0.0})),
        )
        .await;
    assert_eq!(
        harness
            .kv_get("kv-policy", "/keys/never", &token)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a plain reset does not handle the request"
    );
}
