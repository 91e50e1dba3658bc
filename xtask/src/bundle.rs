//! `cargo xtask bundle`: the Linux installers (the `.deb`, and the AppImage where the
//! Tauri bundler can download its AppImage tools), made by the Tauri CLI; and the check
//! that CI runs on the `.deb`: install it with apt-get, start the installed `keyblade`
//! under Xvfb, and see it paint. That proves the package declares its runtime
//! dependencies, which a build tree never would.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::process::Cmd;
use crate::{app, prereq, xvfb};

#[derive(Default)]
pub struct BundleOptions {
    pub release: bool,
    /// Also the AppImage (its tools come from GitHub; fails without network).
    pub appimage: bool,
    /// Install the `.deb` and check that the installed app paints.
    pub install_check: bool,
}

/// The Tauri CLI from the UI's npm dependencies (the version the lockfile pins).
fn tauri_cli() -> Result<PathBuf, String> {
    let cli = crate::root()
        .join("ui")
        .join("node_modules")
        .join(".bin")
        .join(if cfg!(windows) { "tauri.cmd" } else { "tauri" });
    if cli.is_file() {
        Ok(cli)
    } else {
        Err(format!(
            "the Tauri CLI is not installed at {}: run `npm ci` in ui/ (cargo xtask test and \
             demo do)",
            cli.display()
        ))
    }
}

/// Builds the UI, the app, then the installers; returns the `.deb`.
///
/// The app is built by cargo here, not by `tauri build`, and `tauri bundle` packs it: a
/// debug build is the end-to-end test's workspace build (so after that step in `cargo xtask
/// test` nothing is compiled again; `tauri build` selected `-p keyblade` alone, which
/// resolves other features and recompiled about 25 crates), a release build is what
/// `tauri build` would run.
pub fn build(options: &BundleOptions) -> Result<PathBuf, String> {
    app::build_ui()?;
    if options.release {
        app::build_app(true)?;
    } else {
        crate::e2e::build()?;
    }
    let cli = tauri_cli()?;
    let bundles = if options.appimage {
        "deb,appimage"
    } else {
        "deb"
    };
    // The UI is built above: tauri.conf.json's beforeBuildCommand runs `npm run build`
    // in the working directory, which is the workspace root, where there is no package.json.
    let mut args = vec![
        "bundle",
        "--bundles",
        bundles,
        "--config",
        r#"{"build":{"beforeBuildCommand":""}}"#,
    ];
    if !options.release {
        args.push("--debug");
    }
    Cmd::new(cli.to_string_lossy(), &args)
        .dir(crate::root())
        .run()?;
    let dir = crate::target_dir()
        .join(if options.release { "release" } else { "debug" })
        .join("bundle")
        .join("deb");
    let deb = newest_with_extension(&dir, "deb")?;
    println!("Debian package: {}", deb.display());
    Ok(deb)
}

fn newest_with_extension(dir: &Path, extension: &str) -> Result<PathBuf, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .max_by_key(|path| std::fs::metadata(path).and_then(|m| m.modified()).ok())
        .ok_or_else(|| format!("the bundler made no .{extension} in {}", dir.display()))
}

/// Installs `deb` with apt-get (which installs the dependencies it declares), starts the
/// installed `keyblade` under Xvfb with empty folders of its own, waits until its window
/// paints, saves a screenshot, and removes the package again.
pub fn install_and_check(deb: &Path) -> Result<(), String> {
    let deb = deb
        .canonicalize()
        .map_err(|error| format!("cannot find {}: {error}", deb.display()))?;
    prereq::apt_install_file(&deb)?;
    let result = check_installed();
    if let Err(error) = prereq::apt_remove("keyblade") {
        println!("Could not remove the keyblade package again: {error}");
    }
    result
}

fn check_installed() -> Result<(), String> {
    let executable = PathBuf::from("/usr/bin/keyblade");
    if !executable.is_file() {
        return Err("the package installed no /usr/bin/keyblade".to_owned());
    }
    let logs = crate::target_dir().join("bundle-check");
    let _ = std::fs::remove_dir_all(&logs);
    let home = logs.join("home");
    std::fs::create_dir_all(&home)
        .map_err(|error| format!("cannot create {}: {error}", home.display()))?;
    let display = xvfb::start(&logs.join("xvfb.log"))?;
    let app_log = logs.join("keyblade.log");
    // A fresh HOME and XDG folders: the installed app starts as on a new machine, on its
    // embedded demo tenant.
    let mut command = Cmd::new(executable.to_string_lossy(), &[])
        .env("DISPLAY", &display.display)
        .env("HOME", &home);
    for (variable, folder) in [
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
    ] {
        command = command.env(variable, home.join(folder));
    }
    for variable in [
        "KEYBLADE_CLOUD_METADATA",
        "KEYBLADE_CA_FILE",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
    ] {
        command = command.env_remove(variable);
    }
    let mut running = command.log_to(&app_log)?.spawn("installed keyblade")?;
    let started = Instant::now();
    let painted = app::wait_for_paint(&display.display, &mut running, &app_log);
    let screenshot = crate::artifacts_dir().join("installed-deb.png");
    if painted.is_ok() {
        app::save_screenshot(&display.display, &screenshot)?;
    }
    running.stop();
    painted?;
    println!(
        "The installed keyblade painted {:.1}s after launch; screenshot: {}",
        started.elapsed().as_secs_f64(),
        screenshot.display()
    );
    Ok(())
}

pub fn run(options: &BundleOptions) -> Result<(), String> {
    let deb = build(options)?;
    if options.install_check {
        install_and_check(&deb)?;
    }
    Ok(())
}
