//! How WebKitGTK paints keyblade's window on Linux.
//!
//! WebKitGTK 2.46+ paints with Skia on the GPU and composites the page's layers with OpenGL by
//! default. On a machine with no GPU (a VM, a remote desktop session, Xvfb) Mesa emulates that
//! GPU on the CPU (llvmpipe), which is the slowest and largest way to paint. Measured under
//! Xvfb on 2 cores:
//! - Skia's own CPU renderer brought keyblade's first screen to the display ~150–500 ms sooner,
//!   and its web process held ~25 MiB less, than Skia on the emulated GPU;
//! - painting without compositing (the whole page into one buffer, as WebKit did before it
//!   composited everything) then held another ~65 MiB less in the web process, for keyblade
//!   and for a bare Tauri app alike, and Home's health reached the screen ~150 ms sooner: the
//!   layers' textures and their uploads to the emulated GPU are gone.
//!
//! So without a GPU, keyblade asks WebKit for both. With a GPU, WebKit's defaults stay.

use std::ffi::OsString;
use std::path::Path;

/// WebKitGTK's switch to Skia's CPU renderer; read by the web process, which inherits it.
const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";
/// WebKitGTK's switch that paints the page without accelerated compositing.
const NO_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Re-executes keyblade with WebKit's CPU renderer and non-composited painting chosen, when the
/// machine has no GPU. A choice the user made (either variable set, even to `0`) is kept.
/// Call first thing in `main`, before any thread starts.
///
/// WebKit reads these from the environment, and changing our own environment is unsafe once
/// threads may exist (Rust 2024), so the new environment is given to a fresh image of this
/// same program (same process, arguments and window) instead. Returns only when nothing
/// needed doing or the re-execution failed; then WebKit's defaults are used.
#[cfg(target_os = "linux")]
pub fn paint_on_cpu_without_gpu() {
    use std::os::unix::process::CommandExt;

    let to_set = switches_to_set(
        |name| std::env::var_os(name),
        has_gpu_render_node(Path::new("/dev/dri")),
    );
    if to_set.is_empty() {
        return;
    }
    let Ok(program) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let arg0 = args
        .next()
        .unwrap_or_else(|| program.clone().into_os_string());
    let error = std::process::Command::new(&program)
        .arg0(arg0)
        .args(args)
        .envs(to_set.iter().map(|name| (name, "1")))
        .exec();
    eprintln!(
        "keyblade: could not restart itself with WebKit's CPU rendering ({error}); painting with \
         WebKit's defaults instead, which are slower on a machine without a GPU."
    );
}

/// On other systems the platform's web view chooses how it paints.
#[cfg(not(target_os = "linux"))]
pub fn paint_on_cpu_without_gpu() {}

/// The WebKit switches keyblade should turn on: none when the GPU is real (a render node, and
/// Mesa not told to use software); otherwise each switch the user did not set (`env` reads the
/// environment).
fn switches_to_set(
    env: impl Fn(&str) -> Option<OsString>,
    has_render_node: bool,
) -> Vec<&'static str> {
    let software_forced =
        env("LIBGL_ALWAYS_SOFTWARE").is_some_and(|value| !value.is_empty() && value != "0");
    if has_render_node && !software_forced {
        return Vec::new();
    }
    [CPU_RENDERING, NO_COMPOSITING]
        .into_iter()
        .filter(|name| env(name).is_none())
        .collect()
}

/// Whether `dri` (normally `/dev/dri`) holds a GPU render node (`renderD128`, …): without
/// one, Mesa's OpenGL falls back to llvmpipe, its CPU emulation of a GPU.
fn has_gpu_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An environment holding exactly `set`.
    fn env<'a>(set: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            set.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn without_a_gpu_keyblade_paints_on_the_cpu_without_compositing() {
        assert_eq!(
            switches_to_set(env(&[]), false),
            [CPU_RENDERING, NO_COMPOSITING]
        );
    }

    #[test]
    fn with_a_gpu_webkits_defaults_stay() {
        assert!(switches_to_set(env(&[]), true).is_empty());
        assert!(switches_to_set(env(&[("LIBGL_ALWAYS_SOFTWARE", "0")]), true).is_empty());
        assert!(switches_to_set(env(&[("LIBGL_ALWAYS_SOFTWARE", "")]), true).is_empty());
    }

    #[test]
    fn mesa_forced_to_software_counts_as_no_gpu() {
        for value in ["1", "true"] {
            assert_eq!(
                switches_to_set(env(&[("LIBGL_ALWAYS_SOFTWARE", value)]), true),
                [CPU_RENDERING, NO_COMPOSITING]
            );
        }
    }

    #[test]
    fn a_choice_the_user_made_is_kept() {
        assert_eq!(
            switches_to_set(env(&[(CPU_RENDERING, "0")]), false),
            [NO_COMPOSITING]
        );
        assert_eq!(
            switches_to_set(env(&[(NO_COMPOSITING, "0")]), false),
            [CPU_RENDERING]
        );
        assert!(
            switches_to_set(env(&[(CPU_RENDERING, "1"), (NO_COMPOSITING, "0")]), false).is_empty(),
            "nothing left to set: no re-execution"
        );
    }

    #[test]
    fn a_render_node_is_found_only_where_there_is_one() {
        let dir = std::env::temp_dir().join(format!("keyblade-dri-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            !has_gpu_render_node(&dir),
            "a missing folder has no render node"
        );
        std::fs::create_dir_all(&dir).unwrap();
        assert!(!has_gpu_render_node(&dir));
        std::fs::write(dir.join("card0"), b"").unwrap();
        assert!(
            !has_gpu_render_node(&dir),
            "card0 alone is a display, not a render node"
        );
        std::fs::write(dir.join("renderD128"), b"").unwrap();
        assert!(has_gpu_render_node(&dir));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
