//! `--state FILE`: state survives a restart, even on another port.

use std::path::PathBuf;

use keyblade_sandbox::SandboxConfig;
use reqwest::{Method, StatusCode};

use super::common::Harness;

fn temp_state_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "keyblade-sandbox-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("state.json")
}

#[tokio::test]
async fn state_survives_a_restart_on_another_port() {
    let path = temp_state_file("persist");
    let config = SandboxConfig {
        scenario: "empty".to_owned(),
        state_file: Some(path.clone()),
        ..SandboxConfig::default()
    };
    let first = Harness::start_with(config.clone()).await;
    let token = first.demo_vault_token().await;
    let created = first.create_rsa_key("kv-policy", "durable", &token).await;
    let ca = first.sandbox.ca_pem().to_owned();
    let first_port = first.port();
    first.sandbox.stop().await.expect("stops and saves");
    assert!(path.exists());

    let second = Harness::start_with(config).await;
    assert_ne!(second.port(), first_port);
    assert_eq!(
        second.sandbox.ca_pem(),
        ca,
        "clients keep trusting the same CA"
    );
    // Tokens signed before the restart still verify: the signing key persisted.
    let got = second
        .kv(Method::GET, "kv-policy", "/keys/durable", &token, None)
        .await;
    assert_eq!(
        got.status,
        StatusCode::UNAUTHORIZED,
        "the old token names the old port's audience"
    );
    let token = second.demo_vault_token().await;
    let got = second
        .kv(Method::GET, "kv-policy", "/keys/durable", &token, None)
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert_eq!(
        got.body["key"]["n"], created["key"]["n"],
        "key material persisted"
    );
    let kid = got.body["key"]["kid"].as_str().expect("kid");
    assert!(
        kid.starts_with(&format!(
            "https://kv-policy.vault.localhost:{}/keys/durable/",
            second.port()
        )),
        "{kid}"
    );
    let vault = second
        .admin(
            Method::GET,
            &format!("/resource?id={}", second.vault_id("kv-policy")),
            None,
        )
        .await;
    if vault.status == StatusCode::OK {
        let uri = vault.body["properties"]["vaultUri"]
            .as_str()
            .unwrap_or_default();
        assert!(
            !uri.contains(&format!(":{first_port}")),
            "stored URLs move to the new port: {uri}"
        );
    }
    second.sandbox.stop().await.expect("stops");
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}

#[tokio::test]
async fn state_is_written_after_each_change_and_atomically() {
    let path = temp_state_file("debounce");
    let harness = Harness::start_with(SandboxConfig {
        scenario: "empty".to_owned(),
        state_file: Some(path.clone()),
        ..SandboxConfig::default()
    })
    .await;
    let token = harness.demo_vault_token().await;
    harness.create_rsa_key("kv-policy", "written", &token).await;
    let mut found = false;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let text = std::fs::read_to_string(&path).expect("state file readable at any time");
        let value: serde_json::Value =
            serde_json::from_str(&text).expect("never a half-written file");
        if value.to_string().contains("\"written\"") {
            found = true;
            break;
        }
    }
    assert!(found, "the new key reaches the state file without a stop");
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != "state.json")
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary files left: {leftovers:?}"
    );
    drop(harness);
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}
