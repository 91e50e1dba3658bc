//! The `keyblade-sandbox` binary prints one ready line and serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::common::client_trusting;

/// Kills the sandbox process when the test ends, also when it fails: a failed
/// assertion must not leave a server running on the CI machine.
struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_ready_and_serves_openid_configuration() {
    let dir = std::env::temp_dir().join(format!(
        "keyblade-sandbox-bin-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let ca_path = dir.join("ca.pem");
    let started = Instant::now();
    let mut child = ChildGuard(
        Command::new(env!("CARGO_BIN_EXE_keyblade-sandbox"))
            .args(["--port", "0", "--scenario", "empty", "--ca-out"])
            .arg(&ca_path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    // Read the ready line on a thread so that a binary that never prints one
    // fails the test after a deadline (generous for a loaded CI machine)
    // instead of hanging it.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line).map(|_| line);
        let _ = sender.send(read);
    });
    let line = receiver
        .recv_timeout(Duration::from_secs(120))
        .expect("the binary prints a line within 120 s")
        .expect("a line");
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
    drop(child);
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
        "--fault-kinds",
        "--propagation-delay-secs",
        "--clock-speed",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn unknown_random_fault_kinds_are_refused_at_start() {
    let refused = Command::new(env!("CARGO_BIN_EXE_keyblade-sandbox"))
        .args([
            "--port",
            "0",
            "--scenario",
            "empty",
            "--fault-kinds",
            "throttle,explode",
        ])
        .output()
        .expect("the binary runs");
    assert_eq!(refused.status.code(), Some(2));
    let error = String::from_utf8_lossy(&refused.stderr);
    assert!(
        error.contains("'explode' is not a random fault kind"),
        "{error}"
    );
}
