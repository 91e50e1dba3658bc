//! `cargo xtask bundle`: the Linux installers. The `.deb` is made by the Tauri CLI; the
//! AppImage is made from the `.deb`'s tree by `appimage.rs` (which says why not by the Tauri
//! bundler). And the checks that CI runs: install the `.deb` with apt-get, start the
//! installed `keyblade` under Xvfb and see it paint, which proves the package declares its
//! runtime dependencies (a build tree never would); start the AppImage with the system's
//! WebKit hidden and see it paint, which proves it carries its own.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::process::Cmd;
use crate::{app, appimage, prereq, xvfb};

#[derive(Default)]
pub struct BundleOptions {
    pub release: bool,
    /// Not the AppImage.
    pub deb_only: bool,
    /// Install the `.deb` and check that the installed app paints; and the AppImage's
    /// check when it is made.
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

/// What `build` made.
pub struct Bundles {
    pub deb: PathBuf,
    pub appimage: Option<PathBuf>,
}

/// Builds the UI, the app, then the installers.
///
/// The app is built by cargo here, not by `tauri build`, and `tauri bundle` packs it: a
/// debug build is the end-to-end test's workspace build (so after that step in `cargo xtask
/// test` nothing is compiled again; `tauri build` selected `-p keyblade` alone, which
/// resolves other features and recompiled about 25 crates), a release build is what
/// `tauri build` would run.
pub fn build(options: &BundleOptions) -> Result<Bundles, String> {
    app::build_ui()?;
    if options.release {
        app::build_app(true)?;
    } else {
        crate::e2e::build()?;
    }
    let cli = tauri_cli()?;
    // The UI is built above: tauri.conf.json's beforeBuildCommand runs `npm run build`
    // in the working directory, which is the workspace root, where there is no package.json.
    let mut args = vec![
        "bundle",
        "--bundles",
        "deb",
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
    let appimage = if !options.deb_only {
        prereq::ensure_packages(appimage::PACKAGES)?;
        // The bundler leaves the package's tree beside it: `<name>_<version>_<arch>/data`.
        let tree = deb.with_extension("");
        let version = file_stem(&deb)?
            .split('_')
            .nth(1)
            .map(str::to_owned)
            .ok_or_else(|| format!("{} is not named <name>_<version>_<arch>", deb.display()))?;
        let out_dir = dir
            .parent()
            .ok_or("the bundle folder has no parent")?
            .join("appimage");
        let started = Instant::now();
        let made = appimage::build(&tree.join("data"), &out_dir, &version)?;
        let size = std::fs::metadata(&made).map_or(0, |m| m.len());
        println!(
            "AppImage: {} ({:.1} MiB, {:.0}s)",
            made.display(),
            size as f64 / (1024.0 * 1024.0),
            started.elapsed().as_secs_f64()
        );
        Some(made)
    } else {
        None
    };
    Ok(Bundles { deb, appimage })
}

fn file_stem(path: &Path) -> Result<String, String> {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{} has no file name", path.display()))
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
    check_paints(
        Cmd::new(executable.to_string_lossy(), &[]),
        "The installed keyblade",
        "bundle-check",
        "installed-deb.png",
    )
}

/// Starts the AppImage with the system's WebKit hidden (when we may: that takes root, for a
/// private mount namespace), so that it paints only if it carries its own; without FUSE,
/// which a CI container may lack, by the runtime's own extract-and-run.
pub fn check_appimage(file: &Path) -> Result<(), String> {
    let file = file
        .canonicalize()
        .map_err(|error| format!("cannot find {}: {error}", file.display()))?;
    let file = file.to_string_lossy();
    let hidden = system_webkit_files();
    let command = if prereq::is_root() && !hidden.is_empty() {
        println!(
            "Hiding the system's WebKit from the AppImage: {}",
            hidden.join(", ")
        );
        let mut script = String::new();
        for path in &hidden {
            let source = if Path::new(path).is_dir() {
                "-t tmpfs tmpfs"
            } else {
                "--bind /dev/null"
            };
            script.push_str(&format!("mount {source} '{path}' && "));
        }
        script.push_str("exec \"$0\"");
        Cmd::new(
            "unshare",
            &[
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                &script,
                &file,
            ],
        )
    } else {
        println!("Not root: the AppImage starts with the system's WebKit still visible.");
        Cmd::new(&file, &[])
    };
    // The runtime extracts into TMPDIR and cleans up only after a normal exit; the check
    // stops the app, so the ~300 MiB it extracted would stay in /tmp on every run.
    let extracted = crate::target_dir().join("appimage-extracted");
    let _ = std::fs::remove_dir_all(&extracted);
    std::fs::create_dir_all(&extracted)
        .map_err(|error| format!("cannot create {}: {error}", extracted.display()))?;
    let painted = check_paints(
        command
            .env("APPIMAGE_EXTRACT_AND_RUN", "1")
            .env("TMPDIR", &extracted),
        "The AppImage",
        "appimage-check",
        "appimage.png",
    );
    let _ = std::fs::remove_dir_all(&extracted);
    painted
}

/// The system's WebKitGTK: its library, its JavaScript engine and its helpers' folder.
fn system_webkit_files() -> Vec<String> {
    let mut files = Vec::new();
    for libdir in ["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"] {
        let folder = Path::new(libdir).join("webkit2gtk-4.1");
        if folder.is_dir() {
            files.push(folder.to_string_lossy().into_owned());
        }
        for library in ["libwebkit2gtk-4.1.so.0", "libjavascriptcoregtk-4.1.so.0"] {
            if let Ok(real) = Path::new(libdir).join(library).canonicalize() {
                files.push(real.to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

/// Starts `command` under Xvfb with empty folders of its own (so the app starts as on a new
/// machine, on its embedded demo tenant), waits until its window paints and saves a
/// screenshot.
fn check_paints(command: Cmd, what: &str, logs: &str, screenshot: &str) -> Result<(), String> {
    let logs = crate::target_dir().join(logs);
    let _ = std::fs::remove_dir_all(&logs);
    let home = logs.join("home");
    std::fs::create_dir_all(&home)
        .map_err(|error| format!("cannot create {}: {error}", home.display()))?;
    let display = xvfb::start(&logs.join("xvfb.log"))?;
    let app_log = logs.join("keyblade.log");
    let command = app::as_new_user(command.env("DISPLAY", &display.display), &home);
    let mut running = command.log_to(&app_log)?.spawn(what)?;
    let started = Instant::now();
    let painted = app::wait_for_paint(&display.display, &mut running, &app_log);
    let screenshot = crate::artifacts_dir().join(screenshot);
    if painted.is_ok() {
        app::save_screenshot(&display.display, &screenshot)?;
    }
    running.stop();
    painted?;
    println!(
        "{what} painted {:.1}s after launch; screenshot: {}",
        started.elapsed().as_secs_f64(),
        screenshot.display()
    );
    Ok(())
}

pub fn run(options: &BundleOptions) -> Result<(), String> {
    let bundles = build(options)?;
    if options.install_check {
        install_and_check(&bundles.deb)?;
        if let Some(appimage) = &bundles.appimage {
            check_appimage(appimage)?;
        }
    }
    Ok(())
}
