//! The AppImage, made from the tree the Tauri bundler lays out for the `.deb`, in the same
//! layout as the Tauri bundler's own AppImage target.
//!
//! Why not `tauri bundle --bundles appimage`: that target downloads linuxdeploy, its GTK
//! plugin and an AppRun from GitHub release pages while it bundles, and our machines and
//! CI reach only the package registries. Everything used here comes from them: the
//! AppImage runtime (AppImageKit's type 2 runtime) from the `appimage` crate, `mksquashfs`
//! and `patchelf` from apt.
//!
//! What linuxdeploy and Tauri's GTK plugin would do, this does too:
//! - every library the app and WebKit's helper processes load is copied in, except those
//!   that must be the user's own (`HOST_LIBRARIES`), and each ELF file finds its
//!   libraries in the AppImage through a `$ORIGIN` run path;
//! - GDK pixbuf loaders, GIO modules and GSettings schemas are copied in, and `AppRun`
//!   points GTK at them;
//! - libwebkit2gtk starts `WebKitWebProcess` from a folder compiled into it; that path is
//!   rewritten to one relative to the working directory, which `AppRun` sets to the
//!   AppImage's `usr`.
//!
//! `check_self_contained` proves the first point with `ldd`, and the bundle check runs the
//! AppImage with the system's WebKit hidden.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::process::Cmd;

/// Debian packages that building the AppImage needs.
pub const PACKAGES: &[&str] = &["squashfs-tools", "patchelf"];

const PRODUCT: &str = "keyblade";

/// Libraries the AppImage takes from the user's system and never carries.
///
/// - The C library and its loader: they must match the kernel and each other, so the
///   AppImage runs where glibc is at least as new as on the machine that built it.
/// - The C++ and GCC runtimes: such a system has them at least as new, and a graphics
///   driver loaded into the process may need the system's newer ones.
/// - Graphics (GL, EGL, DRM, GBM, Vulkan) and the X and Wayland client libraries the
///   drivers link against: the driver stack must be the system's own.
/// - Fonts and sound: their configuration in /etc is written for the system's versions.
const HOST_LIBRARIES: &[&str] = &[
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
    "libc.so.6",
    "libm.so.6",
    "libmvec.so.1",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libresolv.so.2",
    "libutil.so.1",
    "libanl.so.1",
    "libstdc++.so.6",
    "libgcc_s.so.1",
    "libfontconfig.so.1",
    "libfreetype.so.6",
    "libharfbuzz.so.0",
    "libexpat.so.1",
    "libz.so.1",
    "libasound.so.2",
];
/// Families of host libraries, by the start of their names (see `HOST_LIBRARIES`).
const HOST_LIBRARY_PREFIXES: &[&str] = &[
    "libGL",
    "libEGL",
    "libOpenGL",
    "libglapi",
    "libdrm",
    "libgbm",
    "libvulkan",
    "libX",
    "libxcb",
    "libxshmfence",
    "libwayland-",
];

pub fn is_host_library(name: &str) -> bool {
    HOST_LIBRARIES.contains(&name)
        || HOST_LIBRARY_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

/// WebKit's helper programs and the bundle it injects into each web process, as found in
/// its folder (`<libdir>/webkit2gtk-4.1`). `MiniBrowser` is WebKit's demo browser.
const WEBKIT_HELPERS: &[&str] = &[
    "WebKitWebProcess",
    "WebKitNetworkProcess",
    "WebKitGPUProcess",
    "injected-bundle/libwebkit2gtkinjectedbundle.so",
];

/// GIO modules worth carrying: TLS for WebKit's network process, and the dconf backend
/// that GSettings reads the desktop's settings through. The proxy modules pull in
/// libproxy's whole plug-in world and are left out.
const GIO_MODULES: &[&str] = &["libgiognutls.so", "libdconfsettings.so"];

/// Makes `<out_dir>/keyblade_<version>_<arch>.AppImage` from the `.deb`'s data tree
/// (`data/usr/...` as the Tauri bundler leaves it beside the `.deb`).
pub fn build(deb_data: &Path, out_dir: &Path, version: &str) -> Result<PathBuf, String> {
    let runtime = runtime()?;
    let app_dir = out_dir.join(format!("{PRODUCT}.AppDir"));
    if app_dir.exists() {
        std::fs::remove_dir_all(&app_dir).map_err(|e| io_error("remove", &app_dir, &e))?;
    }
    let usr = app_dir.join("usr");
    copy_tree(&deb_data.join("usr"), &usr)?;
    let executable = usr.join("bin").join(PRODUCT);
    let libraries = ldd(&executable)?;
    let webkit = libraries
        .iter()
        .find(|(name, _)| name.starts_with("libwebkit2gtk-4.1.so"))
        .map(|(_, path)| path.clone())
        .ok_or("the app does not link libwebkit2gtk-4.1: is it a Tauri v2 build?")?;
    let system_libdir = canonical(&webkit)?
        .parent()
        .map(Path::to_path_buf)
        .ok_or("libwebkit2gtk has no folder")?;
    let webkit_dir = system_libdir.join("webkit2gtk-4.1");
    // The path compiled into libwebkit2gtk, and where the helpers go so that it still
    // leads to them once `/usr` is read as `.` (AppRun's working directory).
    let in_usr = webkit_dir
        .strip_prefix("/usr")
        .map_err(|_| format!("WebKit's folder {} is not under /usr", webkit_dir.display()))?;
    let mut elf_files = vec![executable.clone()];
    for helper in WEBKIT_HELPERS {
        let source = webkit_dir.join(helper);
        if source.is_file() {
            let target = usr.join(in_usr).join(helper);
            copy_file(&source, &target)?;
            elf_files.push(target);
        }
    }
    let lib = usr.join("lib");
    elf_files.extend(copy_pixbuf_loaders(&system_libdir, &lib)?);
    elf_files.extend(copy_gio_modules(&system_libdir, &lib)?);
    copy_schemas(&usr)?;

    let deployed = deploy_libraries(&elf_files, &lib)?;
    let patched = patch_webkit_paths(&lib, &webkit_dir)?;
    println!(
        "AppImage: {} libraries carried; WebKit's helper path rewritten in {patched} place(s)",
        deployed.len()
    );
    for file in elf_files.iter().chain(deployed.iter()) {
        set_run_path(file, &lib)?;
    }
    write_root_files(&app_dir)?;
    check_self_contained(&app_dir)?;

    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        other => other,
    };
    let file = out_dir.join(format!("{PRODUCT}_{version}_{arch}.AppImage"));
    pack(&app_dir, &runtime, &file)?;
    Ok(file)
}

/// The AppImage runtime for this machine's architecture, as the `appimage` crate ships it.
///
/// `xtask/appimage-runtime` is a package of its own (outside the workspace, so nothing of
/// it is compiled or checked with ours) whose lock file pins that crate; `cargo metadata`
/// downloads it, verifying its checksum, and says where it is.
fn runtime() -> Result<Vec<u8>, String> {
    let manifest = crate::root()
        .join("xtask")
        .join("appimage-runtime")
        .join("Cargo.toml");
    let manifest = manifest.to_string_lossy();
    let metadata = Cmd::cargo(&[
        "metadata",
        "--format-version",
        "1",
        "--locked",
        "--manifest-path",
        &manifest,
    ])
    .output()?;
    let metadata: serde_json::Value = serde_json::from_str(&metadata)
        .map_err(|error| format!("cargo metadata printed something else than JSON: {error}"))?;
    let crate_manifest = metadata["packages"]
        .as_array()
        .and_then(|packages| {
            packages
                .iter()
                .find(|package| package["name"] == "appimage")
        })
        .and_then(|package| package["manifest_path"].as_str())
        .ok_or("cargo metadata lists no `appimage` package for xtask/appimage-runtime")?;
    let arch = std::env::consts::ARCH;
    let path = Path::new(crate_manifest)
        .parent()
        .ok_or("the appimage crate's manifest has no folder")?
        .join("assets")
        .join(format!("runtime-{arch}"));
    let bytes = std::fs::read(&path).map_err(|error| {
        format!(
            "the appimage crate has no AppImage runtime for {arch} ({}: {error}); an \
             AppImage can be made on x86_64 only",
            path.display()
        )
    })?;
    check_runtime(&bytes)?;
    Ok(bytes)
}

/// An AppImage type 2 runtime is an ELF program with `AI` and the type byte 2 at offset 8.
fn check_runtime(bytes: &[u8]) -> Result<(), String> {
    if bytes.starts_with(b"\x7fELF") && bytes.get(8..11) == Some(b"AI\x02".as_slice()) {
        Ok(())
    } else {
        Err("the appimage crate's runtime is not an AppImage type 2 runtime".to_owned())
    }
}

/// Each library `file` needs, directly or not, by name, with where the loader finds it.
fn ldd(file: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let output = std::process::Command::new("ldd")
        .arg(file)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .map_err(|error| format!("cannot run ldd: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "ldd {} failed: {}",
            file.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    parse_ldd(&String::from_utf8_lossy(&output.stdout))
        .map_err(|missing| format!("{} needs {missing}, which is not installed", file.display()))
}

/// Parses `ldd`'s lines `name => /path (0x…)`; the vDSO and the loader have no `=>`.
/// A library that is `not found` is the error.
fn parse_ldd(output: &str) -> Result<Vec<(String, PathBuf)>, String> {
    let mut libraries = Vec::new();
    for line in output.lines() {
        let Some((name, rest)) = line.trim().split_once(" => ") else {
            continue;
        };
        let rest = rest.trim();
        if rest.starts_with("not found") {
            return Err(name.to_owned());
        }
        let path = rest.split(" (").next().unwrap_or(rest);
        if !path.is_empty() {
            libraries.push((name.to_owned(), PathBuf::from(path)));
        }
    }
    Ok(libraries)
}

/// Copies every library the `elf_files` need into `lib`, under the name they ask for, and
/// what those need in turn; returns the copies. A host library's own needs are the host's.
fn deploy_libraries(elf_files: &[PathBuf], lib: &Path) -> Result<Vec<PathBuf>, String> {
    let mut deployed: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut pending = elf_files.to_vec();
    while let Some(file) = pending.pop() {
        let resolved: BTreeMap<String, PathBuf> = ldd(&file)?.into_iter().collect();
        for name in needed(&file)? {
            if is_host_library(&name) || deployed.contains_key(&name) {
                continue;
            }
            let source = resolved
                .get(&name)
                .ok_or_else(|| format!("ldd did not say where {}'s {name} is", file.display()))?;
            if source.starts_with(lib) {
                continue;
            }
            let target = lib.join(&name);
            copy_file(source, &target)?;
            deployed.insert(name, target.clone());
            pending.push(target);
        }
    }
    Ok(deployed.into_values().collect())
}

/// The libraries `file` names itself (its `DT_NEEDED` entries).
fn needed(file: &Path) -> Result<Vec<String>, String> {
    let output = Cmd::new("patchelf", &["--print-needed", &file.to_string_lossy()]).output()?;
    Ok(output.lines().map(str::to_owned).collect())
}

/// GDK's image loaders (GTK draws theme icons with them; SVG needs librsvg's), flat in
/// `lib` like Tauri's AppImage, with a cache that names them without a folder so that
/// GModule finds them through libgmodule's run path.
fn copy_pixbuf_loaders(system_libdir: &Path, lib: &Path) -> Result<Vec<PathBuf>, String> {
    let binary_dir = system_libdir.join("gdk-pixbuf-2.0").join("2.10.0");
    let loaders = binary_dir.join("loaders");
    let mut copied = Vec::new();
    for entry in read_dir(&loaders)? {
        if entry.extension().is_some_and(|e| e == "so") {
            let target = lib.join(file_name(&entry)?);
            copy_file(&entry, &target)?;
            copied.push(target);
        }
    }
    let cache = std::fs::read_to_string(binary_dir.join("loaders.cache"))
        .map_err(|e| io_error("read", &binary_dir.join("loaders.cache"), &e))?;
    let folder = format!("{}/", loaders.display());
    let cache_dir = lib.join("gdk-pixbuf-2.0");
    std::fs::create_dir_all(&cache_dir).map_err(|e| io_error("create", &cache_dir, &e))?;
    write(
        &cache_dir.join("loaders.cache"),
        &cache.replace(&folder, ""),
    )?;
    Ok(copied)
}

fn copy_gio_modules(system_libdir: &Path, lib: &Path) -> Result<Vec<PathBuf>, String> {
    let modules = system_libdir.join("gio").join("modules");
    let target_dir = lib.join("gio").join("modules");
    let mut copied = Vec::new();
    for module in GIO_MODULES {
        let source = modules.join(module);
        if source.is_file() {
            let target = target_dir.join(module);
            copy_file(&source, &target)?;
            copied.push(target);
        }
    }
    Ok(copied)
}

/// The compiled GSettings schemas: GTK aborts when a schema it reads is missing, and a
/// system of another family may not have the ones this GTK reads.
fn copy_schemas(usr: &Path) -> Result<(), String> {
    let compiled = Path::new("/usr/share/glib-2.0/schemas/gschemas.compiled");
    copy_file(
        compiled,
        &usr.join("share/glib-2.0/schemas/gschemas.compiled"),
    )
}

/// Rewrites `/usr` to `././` where libwebkit2gtk names its helpers' folder: the same length,
/// so nothing else in the file moves, and relative to AppRun's working directory.
fn patch_webkit_paths(lib: &Path, webkit_dir: &Path) -> Result<usize, String> {
    let mut patched = 0;
    for file in read_dir(lib)? {
        let name = file_name(&file)?;
        if !name.starts_with("libwebkit2gtk-4.1.so") {
            continue;
        }
        let mut bytes = std::fs::read(&file).map_err(|e| io_error("read", &file, &e))?;
        patched += relativize(&mut bytes, webkit_dir.to_string_lossy().as_bytes());
        write_bytes(&file, &bytes)?;
    }
    if patched == 0 {
        return Err(format!(
            "{} is not named in the bundled libwebkit2gtk: the AppImage would start the \
             system's WebKit processes",
            webkit_dir.display()
        ));
    }
    Ok(patched)
}

/// Replaces the leading `/usr` of every occurrence of `path` (which starts with `/usr/`)
/// in `bytes` with `././`; returns how many there were.
fn relativize(bytes: &mut [u8], path: &[u8]) -> usize {
    if !path.starts_with(b"/usr/") {
        return 0;
    }
    let mut count = 0;
    let mut at = 0;
    while at + path.len() <= bytes.len() {
        if &bytes[at..at + path.len()] == path {
            bytes[at..at + 4].copy_from_slice(b"././");
            count += 1;
            at += path.len();
        } else {
            at += 1;
        }
    }
    count
}

/// Sets `file`'s run path to `$ORIGIN/<way to lib>`.
fn set_run_path(file: &Path, lib: &Path) -> Result<(), String> {
    let dir = file.parent().ok_or("a file with no folder")?;
    let run_path = origin_relative(dir, lib);
    Cmd::new(
        "patchelf",
        &["--set-rpath", &run_path, &file.to_string_lossy()],
    )
    .output()
    .map(drop)
}

/// `$ORIGIN`, then the way from `from` to `to` (both inside one tree).
fn origin_relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path = String::from("$ORIGIN");
    for _ in common..from.len() {
        path.push_str("/..");
    }
    for component in &to[common..] {
        path.push('/');
        path.push_str(&component.as_os_str().to_string_lossy());
    }
    path
}

/// The AppImage's root: `AppRun`, the desktop entry and the icon, as the AppImage
/// specification asks.
fn write_root_files(app_dir: &Path) -> Result<(), String> {
    let usr = app_dir.join("usr");
    let desktop = usr
        .join("share/applications")
        .join(format!("{PRODUCT}.desktop"));
    copy_file(&desktop, &app_dir.join(format!("{PRODUCT}.desktop")))?;
    let icon = largest_icon(&usr.join("share/icons/hicolor"))?;
    copy_file(&icon, &app_dir.join(format!("{PRODUCT}.png")))?;
    std::os::unix::fs::symlink(format!("{PRODUCT}.png"), app_dir.join(".DirIcon"))
        .map_err(|e| io_error("link", &app_dir.join(".DirIcon"), &e))?;
    let app_run = app_dir.join("AppRun");
    write(&app_run, APP_RUN)?;
    make_executable(&app_run)
}

/// Where AppRun points GTK and GIO, and why it changes folder: see the module's comment.
const APP_RUN: &str = r#"#!/bin/sh
# keyblade's AppImage entry point: made by `cargo xtask bundle`.
APPDIR="${APPDIR:-$(dirname "$(readlink -f "$0")")}"
export APPDIR
export GSETTINGS_SCHEMA_DIR="$APPDIR/usr/share/glib-2.0/schemas"
export GDK_PIXBUF_MODULE_FILE="$APPDIR/usr/lib/gdk-pixbuf-2.0/loaders.cache"
export GIO_MODULE_DIR="$APPDIR/usr/lib/gio/modules"
export XDG_DATA_DIRS="$APPDIR/usr/share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
# libwebkit2gtk starts its helpers from ././lib/..., read from this folder.
cd "$APPDIR/usr" || exit 1
exec "$APPDIR/usr/bin/keyblade" "$@"
"#;

fn largest_icon(hicolor: &Path) -> Result<PathBuf, String> {
    let mut best: Option<(u32, PathBuf)> = None;
    for size_dir in read_dir(hicolor)? {
        let name = file_name(&size_dir)?;
        let (width, scale) = match name.split_once('@') {
            Some((size, scale)) => (size, scale.parse::<u32>().unwrap_or(1)),
            None => (name.as_str(), 1),
        };
        let Some(width) = width
            .split_once('x')
            .and_then(|(w, _)| w.parse::<u32>().ok())
        else {
            continue;
        };
        let icon = size_dir.join("apps").join(format!("{PRODUCT}.png"));
        let pixels = width * scale;
        if icon.is_file() && best.as_ref().is_none_or(|(size, _)| pixels > *size) {
            best = Some((pixels, icon));
        }
    }
    best.map(|(_, icon)| icon)
        .ok_or_else(|| format!("no {PRODUCT}.png under {}", hicolor.display()))
}

/// Every ELF file in the AppDir finds every library it names inside the AppDir, except
/// the host libraries: what makes the AppImage independent of the system's GTK and WebKit.
pub fn check_self_contained(app_dir: &Path) -> Result<(), String> {
    let app_dir = canonical(app_dir)?;
    let mut outside = Vec::new();
    let mut checked = 0;
    for file in walk(&app_dir)? {
        if !is_elf(&file) {
            continue;
        }
        checked += 1;
        let resolved: BTreeMap<String, PathBuf> = ldd(&file)?.into_iter().collect();
        for name in needed(&file)? {
            if is_host_library(&name) {
                continue;
            }
            let inside = match resolved.get(&name) {
                Some(path) => canonical(path)?.starts_with(&app_dir),
                None => false,
            };
            if !inside {
                outside.push(format!(
                    "{} needs {name}, found at {}",
                    file.strip_prefix(&app_dir).unwrap_or(&file).display(),
                    resolved
                        .get(&name)
                        .map_or("no place".into(), |path| path.display().to_string())
                ));
            }
        }
    }
    if outside.is_empty() {
        println!("AppImage: all {checked} ELF files load only its own and host libraries");
        Ok(())
    } else {
        outside.sort();
        outside.dedup();
        Err(format!(
            "these would load the build machine's libraries, not the AppImage's:\n  {}",
            outside.join("\n  ")
        ))
    }
}

/// The runtime, then a SquashFS image of the AppDir, made executable.
fn pack(app_dir: &Path, runtime: &[u8], file: &Path) -> Result<(), String> {
    let image = file.with_extension("squashfs");
    let _ = std::fs::remove_file(&image);
    Cmd::new(
        "mksquashfs",
        &[
            &app_dir.to_string_lossy(),
            &image.to_string_lossy(),
            "-root-owned",
            "-noappend",
            "-quiet",
            "-no-progress",
        ],
    )
    .run()?;
    // Streamed: the image is over 100 MiB.
    let mut squashfs = std::fs::File::open(&image).map_err(|e| io_error("read", &image, &e))?;
    let mut appimage = std::fs::File::create(file).map_err(|e| io_error("write", file, &e))?;
    std::io::Write::write_all(&mut appimage, runtime)
        .and_then(|()| std::io::copy(&mut squashfs, &mut appimage).map(drop))
        .map_err(|e| io_error("write", file, &e))?;
    let _ = std::fs::remove_file(&image);
    make_executable(file)
}

fn is_elf(file: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == b"\x7fELF"
}

fn walk(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in read_dir(&dir)? {
            let meta =
                std::fs::symlink_metadata(&entry).map_err(|e| io_error("stat", &entry, &e))?;
            if meta.is_dir() {
                pending.push(entry);
            } else if meta.is_file() {
                files.push(entry);
            }
        }
    }
    Ok(files)
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    for file in walk(from)? {
        let relative = file
            .strip_prefix(from)
            .map_err(|_| "a file outside its tree")?;
        copy_file(&file, &to.join(relative))?;
    }
    Ok(())
}

/// Copies the file's contents (following links), keeping its mode.
fn copy_file(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io_error("create", parent, &e))?;
    }
    std::fs::copy(from, to).map(drop).map_err(|error| {
        format!(
            "cannot copy {} to {}: {error}",
            from.display(),
            to.display()
        )
    })?;
    // patchelf rewrites files in place; some system libraries are installed read-only.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(to)
        .map_err(|e| io_error("stat", to, &e))?
        .permissions()
        .mode();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(mode | 0o200))
        .map_err(|e| io_error("chmod", to, &e))
}

fn make_executable(file: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| io_error("chmod", file, &e))
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io_error("read", dir, &e))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    Ok(entries)
}

fn file_name(path: &Path) -> Result<String, String> {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{} has no file name", path.display()))
}

fn canonical(path: &Path) -> Result<PathBuf, String> {
    path.canonicalize()
        .map_err(|e| io_error("resolve", path, &e))
}

fn write(file: &Path, text: &str) -> Result<(), String> {
    write_bytes(file, text.as_bytes())
}

fn write_bytes(file: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(file, bytes).map_err(|e| io_error("write", file, &e))
}

fn io_error(what: &str, path: &Path, error: &std::io::Error) -> String {
    format!("cannot {what} {}: {error}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_lines_give_names_and_paths_and_skip_the_vdso_and_loader() {
        let output = "\tlinux-vdso.so.1 (0x00007ffc1b5f2000)\n\
            \tlibwebkit2gtk-4.1.so.0 => /lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0 (0x00007f)\n\
            \t/lib64/ld-linux-x86-64.so.2 (0x00007f5)\n";
        let parsed = parse_ldd(output);
        assert_eq!(
            parsed,
            Ok(vec![(
                "libwebkit2gtk-4.1.so.0".to_owned(),
                PathBuf::from("/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0")
            )])
        );
    }

    #[test]
    fn a_library_ldd_cannot_find_is_an_error_that_names_it() {
        let output = "\tlibgtk-3.so.0 => /lib/libgtk-3.so.0 (0x1)\n\tlibfoo.so.1 => not found\n";
        assert_eq!(parse_ldd(output), Err("libfoo.so.1".to_owned()));
    }

    #[test]
    fn the_c_library_graphics_and_x_stay_the_hosts_and_gtk_and_webkit_travel() {
        for host in [
            "libc.so.6",
            "libGLX.so.0",
            "libX11.so.6",
            "libxcb-shm.so.0",
            "libEGL.so.1",
        ] {
            assert!(is_host_library(host), "{host}");
        }
        for carried in [
            "libwebkit2gtk-4.1.so.0",
            "libgtk-3.so.0",
            "libglib-2.0.so.0",
            "libsoup-3.0.so.0",
            "libicudata.so.72",
        ] {
            assert!(!is_host_library(carried), "{carried}");
        }
    }

    #[test]
    fn only_the_usr_of_webkits_folder_is_rewritten_and_nothing_moves() {
        let dir = b"/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1";
        let mut bytes = b"\0/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1\0/usr/share/x\0\
            /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/injected-bundle/\0"
            .to_vec();
        let length = bytes.len();
        assert_eq!(relativize(&mut bytes, dir), 2);
        assert_eq!(bytes.len(), length);
        assert_eq!(
            bytes,
            b"\0././/lib/x86_64-linux-gnu/webkit2gtk-4.1\0/usr/share/x\0\
            ././/lib/x86_64-linux-gnu/webkit2gtk-4.1/injected-bundle/\0"
                .to_vec()
        );
    }

    #[test]
    fn a_folder_outside_usr_is_never_rewritten() {
        let mut bytes = b"/opt/webkit2gtk-4.1".to_vec();
        assert_eq!(relativize(&mut bytes, b"/opt/webkit2gtk-4.1"), 0);
        assert_eq!(bytes, b"/opt/webkit2gtk-4.1".to_vec());
    }

    #[test]
    fn run_paths_lead_from_each_folder_to_usr_lib() {
        let lib = Path::new("/a/keyblade.AppDir/usr/lib");
        assert_eq!(
            origin_relative(Path::new("/a/keyblade.AppDir/usr/bin"), lib),
            "$ORIGIN/../lib"
        );
        assert_eq!(origin_relative(lib, lib), "$ORIGIN");
        assert_eq!(
            origin_relative(
                Path::new(
                    "/a/keyblade.AppDir/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/injected-bundle"
                ),
                lib
            ),
            "$ORIGIN/../../.."
        );
    }

    #[test]
    fn a_runtime_is_recognised_by_its_elf_and_appimage_magic() {
        let mut runtime = b"\x7fELF\x02\x01\x01\0AI\x02\0".to_vec();
        assert_eq!(check_runtime(&runtime), Ok(()));
        runtime[10] = 1;
        assert!(check_runtime(&runtime).is_err());
        assert!(check_runtime(b"#!/bin/sh").is_err());
    }
}
