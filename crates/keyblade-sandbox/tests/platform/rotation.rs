//! Rotation policies fire on the sandbox clock, which the admin API advances.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::common::Harness;

#[tokio::test]
async fn a_rotation_policy_rotates_when_the_clock_passes_its_trigger() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    harness.create_rsa_key("kv-policy", "auto", &token).await;

    let default_policy = harness
        .kv_get("kv-policy", "/keys/auto/rotationpolicy", &token)
        .await;
    assert_eq!(default_policy.status, StatusCode::OK);
    assert_eq!(
        default_policy.body["lifetimeActions"][0]["action"]["type"],
        "Notify"
    );

    let policy = json!({
        "lifetimeActions": [
            {"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}},
            {"trigger": {"timeBeforeExpiry": "P10D"}, "action": {"type": "Notify"}}
        ],
        "attributes": {"expiryTime": "P90D"}
    });
    let set = harness
        .kv(
            Method::PUT,
            "kv-policy",
            "/keys/auto/rotationpolicy",
            &token,
            Some(policy),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(
        set.body["id"],
        harness.vault_url("kv-policy", "/keys/auto/rotationpolicy")
    );
    assert_eq!(set.body["attributes"]["expiryTime"], "P90D");
    assert!(set.body["attributes"]["created"].is_i64());

    harness.advance_clock(json!({"duration": "P29D"})).await;
    assert_eq!(versions(&harness, &token).await, 1, "not due yet");
    let clock = harness.advance_clock(json!({"duration": "P2D"})).await;
    assert_eq!(clock.status, StatusCode::OK);
    assert_eq!(versions(&harness, &token).await, 2, "rotated at day 30");

    let current = harness.kv_get("kv-policy", "/keys/auto", &token).await;
    let created = current.body["attributes"]["created"]
        .as_i64()
        .expect("created");
    let expires = current.body["attributes"]["exp"]
        .as_i64()
        .expect("new versions get the policy's expiry");
    assert!(
        (89 * 86_400..=92 * 86_400).contains(&(expires - created)),
        "{}",
        expires - created
    );

    // 65 more days: rotations at day 60 and day 90 happened while time jumped.
    harness.advance_clock(json!({"seconds": 65 * 86_400})).await;
    assert_eq!(versions(&harness, &token).await, 4);
}

#[tokio::test]
async fn invalid_rotation_policies_are_refused() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    harness.create_rsa_key("kv-policy", "strict", &token).await;
    for policy in [
        json!({"lifetimeActions": [{"trigger": {"timeAfterCreate": "P1D"}, "action": {"type": "Rotate"}}]}),
        json!({"lifetimeActions": [], "attributes": {"expiryTime": "P7D"}}),
        json!({"lifetimeActions": [{"trigger": {"timeAfterCreate": "ninety days"}, "action": {"type": "Rotate"}}]}),
        json!({"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Rotate"}}]}),
    ] {
        let reply = harness
            .kv(
                Method::PUT,
                "kv-policy",
                "/keys/strict/rotationpolicy",
                &token,
                Some(policy.clone()),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{policy}: {}",
            reply.text
        );
        assert_eq!(reply.body["error"]["code"], "BadParameter");
    }
}

#[tokio::test]
async fn the_clock_speed_scales_sandbox_time() {
    let harness = Harness::start_with(keyblade_sandbox::SandboxConfig {
        scenario: "empty".to_owned(),
        clock_speed: 3600.0,
        ..keyblade_sandbox::SandboxConfig::default()
    })
    .await;
    let before = harness.admin(Method::GET, "/clock", None).await.body["nowUnix"]
        .as_i64()
        .expect("now");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let after = harness.admin(Method::GET, "/clock", None).await.body["nowUnix"]
        .as_i64()
        .expect("now");
    assert!(
        after - before >= 900,
        "300 ms at 3600x is at least 15 sandbox minutes: {}",
        after - before
    );
}

async fn versions(harness: &Harness, token: &str) -> usize {
    harness
        .kv_get("kv-policy", "/keys/auto/versions", token)
        .await
        .body["value"]
        .as_array()
        .expect("value")
        .len()
}
