//! The `keyblade-sandbox` binary prints one ready line and serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use reqwest::StatusCode;

use super::common::client_trusting;

#[tokio::test]
async fn the_binary_prints_ready_and_serves_openid_configuration() {
    let dir = std::env::temp_dir().join(format!(
        "keyblade-sandbox-bin-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let ca_path = dir.join("ca.pem");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyblade-sandbox"))
        .args(["--port", "0", "--scenario", "empty", "--ca-out"])
        .arg(&ca_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let ready_after = started.elapsed();
    let url = line
        .trim()
        .strip_prefix("ready ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    assert!(url.starts_with("https://localhost:"), "{url}");
    eprintln!("binary ready after {} ms", ready_after.as_millis());

    let ca = std::fs::read_to_string(&ca_path).expect("--ca-out wrote the CA");
    let client = client_trusting(&ca);
    let response = client
        .get(format!(
            "{url}/{}/v2.0/.well-known/openid-configuration",
            keyblade_sandbox::DEMO.tenant_id
        ))
        .send()
        .await
        .expect("served");
    assert_eq!(response.status(), StatusCode::OK);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_documents_every_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_keyblade-sandbox"))
        .arg("--help")
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--port",
        "--scenario",
        "--state",
        "--ca-out",
        "--latency-ms",
        "--fault-rate",
        "--clock-speed",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}
