//! The end-to-end test: the real app, driven through tauri-driver and WebKitWebDriver
//! on a virtual display. The test itself lives in `tests/e2e` (crate `keyblade-e2e`).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::app;
use crate::prereq::{self, Needs};
use crate::process::{Cmd, find_on_path};
use crate::steps::Steps;
use crate::xvfb;

/// Why the end-to-end test cannot run on this OS, if it cannot.
pub fn unsupported_here() -> Option<&'static str> {
    if cfg!(target_os = "linux") {
        None
    } else {
        Some(
            "the end-to-end test runs on Linux only (tauri-driver has no macOS driver, and on \
             Windows it needs a matching msedgedriver)",
        )
    }
}

/// `cargo xtask e2e`: prerequisites, builds, then the test.
pub fn run_alone() -> Result<(), String> {
    let mut steps = Steps::new(4);
    if let Some(why) = unsupported_here() {
        steps.skip("End-to-end test", why);
        return steps.finish();
    }
    let mut driver = None;
    let ready = steps.run("Install missing prerequisites", || {
        prereq::ensure_all(Needs {
            headless: true,
            e2e: true,
        })?;
        driver = Some(prereq::ensure_tauri_driver(true)?);
        Ok(())
    });
    if let (true, Some(driver)) = (ready, driver) {
        let mut built = None;
        let _ = steps.run("Build the UI (ui/dist)", app::build_ui)
            && steps.run("Build the app, the sandbox and the tests", || {
                built = Some(build()?);
                Ok(())
            })
            && steps.run("End-to-end test", || match &built {
                Some(built) => run(built, &driver),
                None => Err("nothing was built".to_owned()),
            });
    }
    steps.finish()
}

/// What the end-to-end test runs: the app (UI embedded), the sandbox, and the test
/// executables of `keyblade-e2e` by target name.
pub struct E2eBuild {
    app: PathBuf,
    sandbox: PathBuf,
    tests: Vec<(String, PathBuf)>,
}

/// Builds the app, the sandbox and `keyblade-e2e`'s tests in one `cargo build` over the
/// whole workspace with its test targets. That is the package selection `cargo test
/// --workspace` makes, so cargo resolves the same features and reuses what the Rust tests
/// step built; only what `tauri/custom-protocol` changes (tauri, its plugins, the app) is
/// compiled again. (Building `-p keyblade` and `-p keyblade-sandbox` alone resolved other
/// features and recompiled about 25 crates, the Azure SDK among them, on every CI run.)
pub fn build() -> Result<E2eBuild, String> {
    let messages = Cmd::cargo(&[
        "build",
        "--workspace",
        "--lib",
        "--bins",
        "--tests",
        "--features",
        "tauri/custom-protocol",
        "--message-format=json-render-diagnostics",
    ])
    .output()?;
    let mut tests = e2e_test_executables(&messages)?;
    tests.sort();
    if tests.is_empty() {
        return Err("cargo built no test of keyblade-e2e".to_owned());
    }
    let debug = crate::target_dir().join("debug");
    Ok(E2eBuild {
        app: app::app_executable(false),
        sandbox: debug.join(format!("keyblade-sandbox{}", std::env::consts::EXE_SUFFIX)),
        tests,
    })
}

/// The test executables of `keyblade-e2e` in cargo's JSON build messages.
fn e2e_test_executables(messages: &str) -> Result<Vec<(String, PathBuf)>, String> {
    let mut found = Vec::new();
    for line in messages.lines().filter(|line| line.starts_with('{')) {
        let message: serde_json::Value = serde_json::from_str(line)
            .map_err(|error| format!("cargo printed a build message that is not JSON: {error}"))?;
        let is_e2e = message["package_id"]
            .as_str()
            .is_some_and(|id| id.contains("keyblade-e2e"));
        let is_test = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|kind| kind == "test"));
        if message["reason"] != "compiler-artifact" || !is_e2e || !is_test {
            continue;
        }
        if let (Some(name), Some(executable)) = (
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) {
            found.push((name.to_owned(), PathBuf::from(executable)));
        }
    }
    Ok(found)
}

/// Runs `keyblade-e2e`'s tests (what [`build`] made), each file on its own, one test at a
/// time, against the built app.
pub fn run(built: &E2eBuild, tauri_driver: &Path) -> Result<(), String> {
    let native_driver = find_on_path("WebKitWebDriver")
        .ok_or("WebKitWebDriver is not installed (Debian/Ubuntu package `webkit2gtk-driver`)")?;
    // A developer can run one file with `KEYBLADE_E2E_ONLY=sign_in cargo xtask e2e`.
    let only = std::env::var("KEYBLADE_E2E_ONLY").ok();
    let tests: Vec<&(String, PathBuf)> = built
        .tests
        .iter()
        .filter(|(name, _)| only.as_deref().is_none_or(|wanted| wanted == name))
        .collect();
    if tests.is_empty() {
        let names: Vec<&str> = built.tests.iter().map(|(name, _)| name.as_str()).collect();
        return Err(format!(
            "KEYBLADE_E2E_ONLY={} names no end-to-end test; they are: {}",
            only.unwrap_or_default(),
            names.join(", ")
        ));
    }
    let (app, sandbox) = (&built.app, &built.sandbox);
    let run_dir = fresh_run_dir()?;
    let xdg = XdgDirs::create(&run_dir)?;
    let display = xvfb::start(&run_dir.join("xvfb.log"))?;
    let port = free_port()?;
    let native_port = free_port()?;
    let driver_log = run_dir.join("tauri-driver.log");
    let mut driver = Cmd::new(
        tauri_driver.to_string_lossy(),
        &[
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
            "--native-driver",
            &native_driver.to_string_lossy(),
        ],
    )
    .env("DISPLAY", &display.display)
    // The app must open on the virtual display, never on a developer's Wayland session.
    .env_remove("WAYLAND_DISPLAY")
    .env("GDK_BACKEND", "x11");
    driver = xdg.apply(driver);
    let mut driver = driver.log_to(&driver_log)?.spawn("tauri-driver")?;
    wait_for_port(port, Duration::from_secs(30))
        .map_err(|error| format!("{error}; see {}", driver_log.display()))?;
    if let Some(status) = driver.exited() {
        return Err(format!(
            "tauri-driver exited ({status}); see {}",
            driver_log.display()
        ));
    }

    let artifacts = crate::artifacts_dir().join("e2e");
    // Every test file runs even when one fails, so one run shows every failure. Each runs
    // from the crate's folder, as `cargo test` would run it.
    let crate_dir = crate::root().join("tests").join("e2e");
    let mut failed = Vec::new();
    for (name, executable) in tests {
        println!("\n── {name}");
        let ran = Cmd::new(executable.to_string_lossy(), &["--test-threads=1"])
            .dir(&crate_dir)
            .env("KEYBLADE_E2E_APP", app)
            .env("KEYBLADE_E2E_WEBDRIVER", format!("http://127.0.0.1:{port}"))
            .env("KEYBLADE_E2E_ARTIFACTS", &artifacts)
            .env("KEYBLADE_E2E_SANDBOX", sandbox)
            .env("KEYBLADE_E2E_RUN_DIR", &run_dir)
            .run();
        if ran.is_err() {
            failed.push(name.as_str());
        }
    }
    let result = if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} end-to-end test file{} failed: {} (rerun one with KEYBLADE_E2E_ONLY=<name> \
             cargo xtask e2e)",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            failed.join(", ")
        ))
    };
    driver.stop();
    if result.is_err() {
        print_log_tail(&driver_log, 60);
    }
    println!(
        "End-to-end logs: {} (tauri-driver, Xvfb, each test's sandbox and app profile); \
         screenshots: {}",
        run_dir.display(),
        artifacts.display()
    );
    result
}

/// The end of tauri-driver's log, which holds the app's own output: on CI the run folder
/// is gone with the machine, so a failure's cause must be in the printed log.
fn print_log_tail(log: &Path, lines: usize) {
    let Ok(text) = std::fs::read_to_string(log) else {
        return;
    };
    let all: Vec<&str> = text.lines().collect();
    let tail = &all[all.len().saturating_sub(lines)..];
    println!(
        "The last {} lines of {}:\n{}",
        tail.len(),
        log.display(),
        tail.join("\n")
    );
}

fn fresh_run_dir() -> Result<PathBuf, String> {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default();
    let dir = crate::target_dir()
        .join("e2e")
        .join(format!("run-{stamp}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
    Ok(dir)
}

/// Fresh XDG folders for each run: no remembered window state, WebKit cache or settings
/// from a previous run (or from the developer's own use of the app) can leak in.
struct XdgDirs {
    dirs: Vec<(&'static str, PathBuf)>,
}

impl XdgDirs {
    fn create(run_dir: &Path) -> Result<XdgDirs, String> {
        let dirs: Vec<(&'static str, PathBuf)> = [
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_DATA_HOME", "data"),
            ("XDG_CACHE_HOME", "cache"),
            ("XDG_STATE_HOME", "state"),
            ("XDG_RUNTIME_DIR", "runtime"),
        ]
        .into_iter()
        .map(|(variable, folder)| (variable, run_dir.join("xdg").join(folder)))
        .collect();
        for (_, dir) in &dirs {
            std::fs::create_dir_all(dir)
                .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // The XDG spec requires the runtime folder to be private; GLib warns otherwise.
            let runtime = run_dir.join("xdg").join("runtime");
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
                .map_err(|error| format!("cannot restrict {}: {error}", runtime.display()))?;
        }
        Ok(XdgDirs { dirs })
    }

    fn apply(&self, mut cmd: Cmd) -> Cmd {
        for (variable, dir) in &self.dirs {
            cmd = cmd.env(variable, dir);
        }
        cmd
    }
}

/// A port nothing listens on right now, so parallel runs do not fight over 4444/4445.
fn free_port() -> Result<u16, String> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| format!("cannot find a free local port: {error}"))
}

fn wait_for_port(port: u16, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "tauri-driver did not listen on port {port} within {}s",
        timeout.as_secs()
    ))
}

#[cfg(test)]
mod build_message_tests {
    use super::*;

    #[test]
    fn only_keyblade_e2e_test_executables_are_taken() {
        let messages = [
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/tests/e2e#keyblade-e2e@0.1.0","target":{"kind":["test"],"name":"kinds"},"executable":"/w/target/debug/deps/kinds-1"}"#,
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/tests/e2e#keyblade-e2e@0.1.0","target":{"kind":["lib"],"name":"keyblade_e2e"},"executable":null}"#,
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/crates/keyblade-azure#0.1.0","target":{"kind":["test"],"name":"encryption"},"executable":"/w/target/debug/deps/encryption-2"}"#,
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w#keyblade@0.1.0","target":{"kind":["bin"],"name":"keyblade"},"executable":"/w/target/debug/keyblade"}"#,
            r#"{"reason":"build-finished","success":true}"#,
        ]
        .join("\n");
        assert_eq!(
            e2e_test_executables(&messages).unwrap(),
            vec![(
                "kinds".to_owned(),
                PathBuf::from("/w/target/debug/deps/kinds-1")
            )]
        );
        assert!(e2e_test_executables("{not json").is_err());
    }
}
