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
        let _ = steps.run("Build the UI (ui/dist)", app::build_ui)
            && steps.run("Build the app", || app::build_app(false).map(drop))
            && steps.run("End-to-end test", || {
                run(&app::app_executable(false), &driver)
            });
    }
    steps.finish()
}

/// Runs `keyblade-e2e` against an already built app.
pub fn run(app: &Path, tauri_driver: &Path) -> Result<(), String> {
    let native_driver = find_on_path("WebKitWebDriver")
        .ok_or("WebKitWebDriver is not installed (Debian/Ubuntu package `webkit2gtk-driver`)")?;
    // Compile the test before any server starts, so a slow build cannot time anything out.
    Cmd::cargo(&["test", "-p", "keyblade-e2e", "--no-run"]).run()?;
    // Each test starts its own sandbox (a fresh demo tenant) and points the app at it.
    Cmd::cargo(&[
        "build",
        "-p",
        "keyblade-sandbox",
        "--bin",
        "keyblade-sandbox",
    ])
    .run()?;
    let sandbox = crate::target_dir()
        .join("debug")
        .join(format!("keyblade-sandbox{}", std::env::consts::EXE_SUFFIX));

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
    // Every test file runs even when one fails, so one run shows every failure. A
    // developer can run one file with `KEYBLADE_E2E_ONLY=sign_in cargo xtask e2e`.
    let only = std::env::var("KEYBLADE_E2E_ONLY").ok();
    let mut args = vec!["test", "-p", "keyblade-e2e", "--no-fail-fast"];
    if let Some(file) = only.as_deref() {
        args.extend(["--test", file]);
    }
    args.extend(["--", "--test-threads=1"]);
    let result = Cmd::cargo(&args)
        .env("KEYBLADE_E2E_APP", app)
        .env("KEYBLADE_E2E_WEBDRIVER", format!("http://127.0.0.1:{port}"))
        .env("KEYBLADE_E2E_ARTIFACTS", &artifacts)
        .env("KEYBLADE_E2E_SANDBOX", &sandbox)
        .env("KEYBLADE_E2E_RUN_DIR", &run_dir)
        .run();
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
