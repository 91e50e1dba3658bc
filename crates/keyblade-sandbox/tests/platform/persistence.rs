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

    // Port 0 may hand the port just freed straight back (it did, rarely), and then
    // nothing is moved; holding it makes "another port" certain. If the bind
    // fails, someone else holds the port, which serves as well.
    let _first_port_held = std::net::TcpListener::bind(("127.0.0.1", first_port));
    let second = Harness::start_with(config).await;
    assert_ne!(second.port(), first_port);
    assert_eq!(
        second.sandbox.ca_pem(),
        ca,
        "clients keep trusting the same CA"
    );
    // Tokens signed before the restart still verify: the signing key persisted.
    let got = second.kv_get("kv-policy", "/keys/durable", &token).await;
    assert_eq!(
        got.status,
        StatusCode::UNAUTHORIZED,
        "the old token names the old port's audience"
    );
    let token = second.demo_vault_token().await;
    let got = second.kv_get("kv-policy", "/keys/durable", &token).await;
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
    assert_eq!(vault.status, StatusCode::OK, "{}", vault.text);
    let uri = vault.body["properties"]["vaultUri"]
        .as_str()
        .expect("a vault has a vaultUri");
    assert_eq!(
        uri,
        format!("https://kv-policy.vault.localhost:{}/", second.port()),
        "stored URLs move to the new port"
    );
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
    // The write comes 250 ms after the change; a loaded CI machine may take far
    // longer, so poll against a generous deadline rather than a fixed count.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut found = false;
    while !found && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let text = std::fs::read_to_string(&path).expect("state file readable at any time");
        let value: serde_json::Value =
            serde_json::from_str(&text).expect("never a half-written file");
        found = value.to_string().contains("\"written\"");
    }
    assert!(found, "the new key reaches the state file without a stop");
    // Another debounced write may still be pending (the harness's own setup
    // marked the state dirty too), and its temporary file exists while it runs.
    // Stopping waits for the background writer, so only then is "nothing left
    // over" a fact rather than a race.
    harness.sandbox.stop().await.expect("stops and saves");
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != "state.json")
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary files left: {leftovers:?}"
    );
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}

/// The state file holds the CA's private key: owner-only, in an owner-only
/// folder when the sandbox makes the folder.
#[cfg(unix)]
#[tokio::test]
async fn the_state_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    };
    let base = temp_state_file("modes");
    let folder = base.with_file_name("not-yet-there");
    let path = folder.join("state.json");
    let harness = Harness::start_with(SandboxConfig {
        scenario: "empty".to_owned(),
        state_file: Some(path.clone()),
        ..SandboxConfig::default()
    })
    .await;
    harness.sandbox.stop().await.expect("stops and saves");
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&folder), 0o700);
    let text = std::fs::read_to_string(&path).expect("state");
    assert!(text.contains("PRIVATE KEY"), "the reason for all this");
}

/// With `pregenerate_keys`, the demo's live keys get their material in the background after
/// start, and the state file keeps it without a clean stop (an app that is killed still
/// starts the next time with its keys made), so no later read waits on RSA key generation.
#[tokio::test]
async fn pregenerated_key_material_is_made_in_the_background_and_persisted() {
    let path = temp_state_file("pregenerate");
    let config = SandboxConfig {
        scenario: "demo".to_owned(),
        state_file: Some(path.clone()),
        pregenerate_keys: true,
        ..SandboxConfig::default()
    };
    let harness = Harness::start_with(config).await;
    let count_in_file = || -> (usize, usize) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let state: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let mut versions = 0;
        let mut with_material = 0;
        let mut stack = vec![&state["world"]["vaults"]];
        while let Some(value) = stack.pop() {
            match value {
                serde_json::Value::Object(map) => {
                    if map.contains_key("kty") && map.contains_key("material") {
                        versions += 1;
                        with_material += usize::from(!map["material"].is_null());
                    }
                    // A deleted key's versions get material when recovered and read.
                    stack.extend(
                        map.iter()
                            .filter(|(name, _)| name.as_str() != "deleted")
                            .map(|(_, value)| value),
                    );
                }
                serde_json::Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
        (versions, with_material)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (versions, with_material) = count_in_file();
        if versions > 0 && with_material == versions {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{with_material} of {versions} key versions have material in the state file after 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Not stopped cleanly: what is on disk is what the background writer wrote.
    drop(harness);
}
