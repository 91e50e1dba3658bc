//! Installing what the build and the tests need, only when it is missing.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::process::{Cmd, find_on_path};

/// What building a Tauri v2 app on Debian/Ubuntu needs (WebKitGTK 4.1 and friends).
const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
];
/// A virtual display and a screenshot tool (`import`), for machines without a display.
const HEADLESS_PACKAGES: &[&str] = &["xvfb", "imagemagick"];
/// WebKitWebDriver, which tauri-driver drives the app's webview through.
const E2E_PACKAGES: &[&str] = &["webkit2gtk-driver"];
/// Chromium, the engine of WebView2 (the app's webview on Windows), for the UI check in light,
/// dark and forced colours (Windows' contrast themes), which WebKitGTK does not have.
const UI_BROWSER_PACKAGES: &[&str] = &["chromium"];
/// Where Debian's and Ubuntu's packages put it.
const CHROMIUM_PATHS: &[&str] = &["/usr/bin/chromium", "/usr/bin/chromium-browser"];

pub const MIN_NODE_MAJOR: u32 = 20;

#[derive(Clone, Copy)]
pub struct Needs {
    pub headless: bool,
    pub e2e: bool,
}

/// System packages (Debian/Ubuntu), Node and the UI's npm packages.
pub fn ensure_all(needs: Needs) -> Result<(), String> {
    ensure_system_packages(needs)?;
    ensure_node()?;
    ensure_npm_packages()
}

pub fn ensure_system_packages(needs: Needs) -> Result<(), String> {
    if !cfg!(target_os = "linux") {
        println!(
            "Not Linux: system packages are not installed automatically (see README.md, \
             Prerequisites)."
        );
        return Ok(());
    }
    let mut wanted: Vec<&str> = BUILD_PACKAGES.to_vec();
    if needs.headless || needs.e2e {
        wanted.extend(HEADLESS_PACKAGES);
    }
    if needs.e2e {
        wanted.extend(E2E_PACKAGES);
    }
    if find_on_path("dpkg-query").is_none() || find_on_path("apt-get").is_none() {
        println!(
            "This Linux has no apt-get, so nothing is installed automatically. Install the \
             equivalents of these Debian packages with your package manager: {}",
            wanted.join(" ")
        );
        return Ok(());
    }
    install_missing(&wanted)
}

/// apt-get installs those of `wanted` that are not installed yet.
fn install_missing(wanted: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|package| !is_installed(package))
        .collect();
    if missing.is_empty() {
        println!("System packages: all {} present.", wanted.len());
        return Ok(());
    }
    println!("Installing missing system packages: {}", missing.join(" "));
    let sudo = sudo_prefix()?;
    apt(&sudo, &["update"])?;
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend(&missing);
    apt(&sudo, &install)
}

/// Chromium for the UI check, installed with apt-get when missing on a Linux that has it.
/// Elsewhere nothing is installed: the check finds a Chromium or says why it skips.
pub fn ensure_chromium() -> Result<(), String> {
    if !cfg!(target_os = "linux")
        || find_on_path("dpkg-query").is_none()
        || find_on_path("apt-get").is_none()
    {
        return Ok(());
    }
    install_missing(UI_BROWSER_PACKAGES)
}

/// The Chromium the UI check runs: `KEYBLADE_CHROMIUM`, else where the distribution puts it,
/// else `chromium` on PATH.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("KEYBLADE_CHROMIUM") {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    CHROMIUM_PATHS
        .iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
        .or_else(|| find_on_path("chromium"))
}

/// Installs a local `.deb` with apt-get, which also installs the packages it depends on.
pub fn apt_install_file(deb: &Path) -> Result<(), String> {
    if find_on_path("apt-get").is_none() {
        return Err("this Linux has no apt-get to install the .deb with".to_owned());
    }
    let sudo = sudo_prefix()?;
    let deb = deb.to_string_lossy();
    apt(
        &sudo,
        &["install", "-y", "--no-install-recommends", deb.as_ref()],
    )
}

/// Removes an installed package.
pub fn apt_remove(package: &str) -> Result<(), String> {
    let sudo = sudo_prefix()?;
    apt(&sudo, &["remove", "-y", package])
}

fn is_installed(package: &str) -> bool {
    std::process::Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .stderr(std::process::Stdio::null())
        .output()
        .is_ok_and(|output| {
            String::from_utf8_lossy(&output.stdout).trim() == "install ok installed"
        })
}

pub fn is_root() -> bool {
    Cmd::new("id", &["-u"])
        .output()
        .is_ok_and(|uid| uid.trim() == "0")
}

/// Empty when root; `sudo` (non-interactive in CI) otherwise.
fn sudo_prefix() -> Result<Vec<&'static str>, String> {
    if is_root() {
        return Ok(Vec::new());
    }
    if find_on_path("sudo").is_none() {
        return Err(
            "installing system packages needs root, and `sudo` is not available: run \
                    the command as root or install the packages listed above yourself"
                .to_owned(),
        );
    }
    // With no one to type a password (CI), fail at once instead of waiting for one.
    Ok(if std::env::var_os("CI").is_some() {
        vec!["sudo", "-n"]
    } else {
        vec!["sudo"]
    })
}

fn apt(sudo: &[&str], args: &[&str]) -> Result<(), String> {
    let mut argv: Vec<&str> = sudo.to_vec();
    argv.push("apt-get");
    argv.extend(args);
    let (program, rest) = argv.split_first().ok_or("empty apt command")?;
    Cmd::new(program, rest)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()
}

pub fn ensure_node() -> Result<(), String> {
    let version = Cmd::new("node", &["--version"]).output().map_err(|_| {
        format!(
            "Node.js {MIN_NODE_MAJOR} or newer is needed to build the UI and was not found. \
             Install it from https://nodejs.org (or your package manager), then run this again."
        )
    })?;
    let major = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|major| major.parse::<u32>().ok());
    match major {
        Some(major) if major >= MIN_NODE_MAJOR => {
            println!("Node.js {}: OK.", version.trim());
            Ok(())
        }
        _ => Err(format!(
            "Node.js {} is too old: the UI's build tools need {MIN_NODE_MAJOR} or newer. \
             Install a newer Node.js from https://nodejs.org, then run this again.",
            version.trim()
        )),
    }
}

/// `npm ci` when `ui/node_modules` is missing or older than `ui/package-lock.json`.
pub fn ensure_npm_packages() -> Result<(), String> {
    let ui = crate::ui_dir();
    let installed = modified(ui.join("node_modules/.package-lock.json"));
    let locked = modified(ui.join("package-lock.json"));
    match (installed, locked) {
        (Some(installed), Some(locked)) if installed >= locked => {
            println!("UI npm packages: up to date.");
            Ok(())
        }
        // `npm ci` only: the lock holds every platform's optional packages, so an install is
        // exactly the locked tree. A lock that npm refuses is a bug to fix, not to paper over.
        _ => Cmd::npm(&["ci", "--no-audit", "--no-fund"])
            .run()
            .map_err(|error| {
                format!(
                    "{error}: `npm ci` refused ui/package-lock.json (see npm's message above). \
                 Regenerate it with `npm install` in ui/ and commit it."
                )
            }),
    }
}

fn modified(path: PathBuf) -> Option<SystemTime> {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
}

/// The `tauri-driver` to use: on PATH, in cargo's bin folder, or freshly installed there.
pub fn ensure_tauri_driver(install: bool) -> Result<PathBuf, String> {
    if let Some(path) = find_tauri_driver() {
        println!("tauri-driver: {}", path.display());
        return Ok(path);
    }
    if !install {
        return Err(
            "tauri-driver is not installed; run `cargo install tauri-driver --locked \
                    --version ^2` (or drop --no-install)"
                .to_owned(),
        );
    }
    // 3.0 alphas are published; pin the 2.x line that matches Tauri 2.
    Cmd::cargo(&["install", "tauri-driver", "--locked", "--version", "^2"]).run()?;
    find_tauri_driver().ok_or_else(|| {
        "tauri-driver was installed but is neither on PATH nor in cargo's bin folder".to_owned()
    })
}

fn find_tauri_driver() -> Option<PathBuf> {
    find_cargo_tool("tauri-driver")
}

/// The cargo-deny line `deny.toml` is written for (its `crate = "name:version"` specs and
/// `reason`s need 0.16 or newer). `cargo install --version ^0.20` takes the newest 0.20.x.
pub const CARGO_DENY_VERSION: &str = "^0.20";
/// The oldest cargo-deny accepted as already installed, as (minor) of 0.x.
const CARGO_DENY_MIN_MINOR: u32 = 20;

/// The `cargo-deny` to use: on PATH, in cargo's bin folder, or freshly installed there
/// (about three minutes of compiling on two cores). An older one is replaced when `install`.
pub fn ensure_cargo_deny(install: bool) -> Result<PathBuf, String> {
    let hint = format!(
        "run `cargo install cargo-deny --locked --version {CARGO_DENY_VERSION}` (or drop --no-install)"
    );
    let found = find_cargo_deny();
    let stale = match &found {
        Some(path) => match cargo_deny_version(path) {
            Some((0, minor)) if minor >= CARGO_DENY_MIN_MINOR => {
                println!("cargo-deny: {}", path.display());
                return Ok(path.clone());
            }
            Some((major, minor)) => Some(format!("{major}.{minor}")),
            None => Some("of unknown version".to_owned()),
        },
        None => None,
    };
    if !install {
        return Err(match stale {
            Some(version) => format!(
                "cargo-deny {version} is too old for deny.toml (0.{CARGO_DENY_MIN_MINOR} or newer); {hint}"
            ),
            None => format!("cargo-deny is not installed; {hint}"),
        });
    }
    Cmd::cargo(&[
        "install",
        "cargo-deny",
        "--locked",
        "--version",
        CARGO_DENY_VERSION,
    ])
    .run()?;
    find_cargo_deny().ok_or_else(|| {
        "cargo-deny was installed but is neither on PATH nor in cargo's bin folder".to_owned()
    })
}

pub fn find_cargo_deny() -> Option<PathBuf> {
    find_cargo_tool("cargo-deny")
}

/// (major, minor) from `cargo-deny --version`, which prints `cargo-deny 0.20.2`.
fn cargo_deny_version(path: &std::path::Path) -> Option<(u32, u32)> {
    let output = Cmd::new(path.to_string_lossy(), &["--version"])
        .output()
        .ok()?;
    parse_version(output.split_whitespace().nth(1)?)
}

/// `0.20.2` → (0, 20).
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// A program installed by `cargo install`: on PATH, else in cargo's bin folder.
fn find_cargo_tool(program: &str) -> Option<PathBuf> {
    find_on_path(program).or_else(|| {
        let candidate = cargo_home()?
            .join("bin")
            .join(format!("{program}{}", std::env::consts::EXE_SUFFIX));
        candidate.is_file().then_some(candidate)
    })
}

/// `CARGO_HOME`, else `~/.cargo`, as cargo decides it.
pub fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| home_dir().map(|home| home.join(".cargo")))
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
}

/// Installs those of `packages` (Debian names) that are missing, where apt-get exists; where
/// it does not, says which to install unless their programs are already there.
pub fn ensure_packages(packages: &[&str]) -> Result<(), String> {
    if find_on_path("dpkg-query").is_some() && find_on_path("apt-get").is_some() {
        return install_missing(packages);
    }
    let programs_missing = packages.iter().any(|package| {
        let program = match *package {
            "squashfs-tools" => "mksquashfs",
            other => other,
        };
        find_on_path(program).is_none()
    });
    if programs_missing {
        return Err(format!(
            "install these (Debian names) with your package manager: {}",
            packages.join(" ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn versions_parse_to_major_and_minor() {
        assert_eq!(parse_version("0.20.2"), Some((0, 20)));
        assert_eq!(parse_version("1.0.0-rc.1"), Some((1, 0)));
        assert_eq!(parse_version("0"), None);
        assert_eq!(parse_version("x.1"), None);
    }
}
