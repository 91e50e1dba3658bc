//! keyblade's developer tasks, run as `cargo xtask <task>` (alias in `.cargo/config.toml`).
//!
//! Standard library only, so the tasks build in seconds on a fresh machine and can install
//! everything else the project needs.

mod app;
mod appimage;
mod bundle;
mod deny;
mod e2e;
mod framebuffer;
mod icons;
mod prereq;
mod process;
mod startup;
mod steps;
mod test;
mod xvfb;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <task> [options]

Tasks:
  demo     Install what is missing, build the UI and the app, and launch keyblade.
           With no display (no DISPLAY or WAYLAND_DISPLAY) it runs the app under Xvfb,
           saves a screenshot to artifacts/demo-screenshot.png, and keeps running.
             --exit-after-screenshot  run under Xvfb, save the screenshot, then stop
                                      (--screenshot-only is the same)
             --release                build with optimisations (slower build)
  test     Run every check: rustfmt, cargo-deny, clippy, Rust tests, UI typecheck, lint
           and tests, and the end-to-end test that drives the real window.
             --fail-fast              stop at the first failing step
             --no-install             do not install missing packages or tools
  deny     Only the dependency checks of `test`: `cargo deny --offline check licenses
           bans sources` against deny.toml, then `advisories` when the RustSec database
           can be fetched or is already here (skipped, not failed, when it is not).
             --no-install             do not install cargo-deny
  e2e      Only the end-to-end test (builds the UI and the app first).
  bundle   The Linux installers: the .deb (by the Tauri bundler, target/*/bundle/deb) and
           the AppImage (made from the .deb's tree, target/*/bundle/appimage).
             --release                optimised build (the default is a debug build)
             --deb-only               not the AppImage
             --install-check          install the .deb with apt-get, start the installed
                                      keyblade under Xvfb, check it paints, remove it;
                                      start the AppImage with the system's WebKit hidden,
                                      check it paints
  icons    Regenerate icons/ from icons/keyblade.svg with the Tauri CLI.
  bench    The performance benchmark: the Encryption blade, vault and key lists, and
           Save to verified, against the sandbox's `large` scenario with 30 ms latency
           per request (release build; prints median and p95 of each).
  bench-startup
           Start-up against a bare Tauri 2 app (benches/bare-tauri), release builds, in
           the same run under Xvfb: first paint, interactive first screen, PSS of app +
           WebKit 10 s after start, their ratios and targets, and the UI bundle's size.
             --runs N                 runs of each app (default 5; keyblade's first run
                                      starts from empty folders, the rest reuse them)
             --debug                  also the debug build cargo xtask demo runs (a first
                                      run and two later ones)
  soak     100 saves through keyblade-azure against the sandbox with 20% random faults
           (write-then-fail kinds included) and slow access propagation; each reported
           outcome is compared with the sandbox's state. Fails on any mismatched report,
           half-applied save or hang.
  help     This text.
";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_else(|| "help".to_owned());
    let options: Vec<String> = args.collect();
    let result = match task.as_str() {
        "demo" => demo_options(&options).and_then(|options| app::demo(&options)),
        "test" => test_options(&options).and_then(|options| test::run(&options)),
        "e2e" => no_options("e2e", &options).and_then(|()| e2e::run_alone()),
        "deny" => deny_options(&options).and_then(deny::run_alone),
        "icons" => no_options("icons", &options).and_then(|()| icons::regenerate()),
        "bundle" => bundle_options(&options).and_then(|options| bundle::run(&options)),
        "bench" => no_options("bench", &options).and_then(|()| {
            process::Cmd::cargo(&["bench", "-p", "keyblade-azure", "--bench", "encryption"]).run()
        }),
        "bench-startup" => startup_options(&options).and_then(|options| startup::run(&options)),
        "soak" => no_options("soak", &options).and_then(|()| {
            process::Cmd::cargo(&["bench", "-p", "keyblade-azure", "--bench", "soak"]).run()
        }),
        "help" | "-h" | "--help" => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown task `{other}`.\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn demo_options(options: &[String]) -> Result<app::DemoOptions, String> {
    let mut demo = app::DemoOptions::default();
    for option in options {
        match option.as_str() {
            "--exit-after-screenshot" | "--screenshot-only" => demo.exit_after_screenshot = true,
            "--release" => demo.release = true,
            other => return Err(format!("`demo` does not take `{other}`.\n\n{HELP}")),
        }
    }
    Ok(demo)
}

fn test_options(options: &[String]) -> Result<test::TestOptions, String> {
    let mut test = test::TestOptions::default();
    for option in options {
        match option.as_str() {
            "--fail-fast" => test.fail_fast = true,
            "--no-install" => test.no_install = true,
            other => return Err(format!("`test` does not take `{other}`.\n\n{HELP}")),
        }
    }
    Ok(test)
}

fn bundle_options(options: &[String]) -> Result<bundle::BundleOptions, String> {
    let mut bundle = bundle::BundleOptions::default();
    for option in options {
        match option.as_str() {
            "--release" => bundle.release = true,
            "--deb-only" => bundle.deb_only = true,
            "--install-check" => bundle.install_check = true,
            other => return Err(format!("`bundle` does not take `{other}`.\n\n{HELP}")),
        }
    }
    Ok(bundle)
}

/// Whether `deny` may install cargo-deny.
fn deny_options(options: &[String]) -> Result<bool, String> {
    let mut install = true;
    for option in options {
        match option.as_str() {
            "--no-install" => install = false,
            other => return Err(format!("`deny` does not take `{other}`.\n\n{HELP}")),
        }
    }
    Ok(install)
}

fn no_options(task: &str, options: &[String]) -> Result<(), String> {
    match options.first() {
        None => Ok(()),
        Some(option) => Err(format!("`{task}` takes no options, got `{option}`.")),
    }
}

/// The repository root: xtask lives in `<root>/xtask`.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask's manifest is in a subfolder of the repository")
}

pub fn ui_dir() -> PathBuf {
    root().join("ui")
}

/// Cargo's target folder, honouring `CARGO_TARGET_DIR` as cargo does.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

pub fn artifacts_dir() -> PathBuf {
    root().join("artifacts")
}

/// The cargo that runs us (so `cargo +toolchain xtask` keeps the toolchain), else `cargo`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn startup_options(options: &[String]) -> Result<startup::StartupOptions, String> {
    let mut parsed = startup::StartupOptions {
        runs: 5,
        debug: false,
    };
    let mut options = options.iter();
    while let Some(option) = options.next() {
        match option.as_str() {
            "--runs" => {
                parsed.runs = options
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n >= 2)
                    .ok_or("--runs needs a number of runs, at least 2")?;
            }
            "--debug" => parsed.debug = true,
            other => return Err(format!("bench-startup: unknown option `{other}`")),
        }
    }
    Ok(parsed)
}
