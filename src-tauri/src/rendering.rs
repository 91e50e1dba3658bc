//! How WebKitGTK paints keyblade's window on Linux.
//!
//! WebKitGTK 2.46+ paints with Skia on the GPU by default. On a machine with no GPU (a VM, a
//! remote desktop session, Xvfb) Mesa then emulates that GPU on the CPU (llvmpipe), which is
//! the slowest way to paint: measured under Xvfb, keyblade's first screen reached the display
//! ~150–500 ms later, and the web process held ~25 MiB more, than with Skia's own CPU renderer.
//! So without a GPU, keyblade asks for the CPU renderer. With a GPU, WebKit's default stays.

use std::ffi::OsString;
use std::path::Path;

/// WebKitGTK's switch to Skia's CPU renderer; read by the web process, which inherits it.
const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Re-executes keyblade with WebKit's CPU renderer chosen, when the machine has no GPU and
/// nobody chose a renderer. Call first thing in `main`, before any thread starts.
///
/// WebKit reads the choice from the environment, and changing our own environment is unsafe
/// once threads may exist (Rust 2024), so the new environment is given to a fresh image of
/// this same program (same process, arguments and window) instead. Returns only when nothing
/// needed doing or the re-execution failed; then WebKit's default renderer is used.
#[cfg(target_os = "linux")]
pub fn prefer_cpu_rendering_without_gpu() {
    use std::os::unix::process::CommandExt;

    let chosen = std::env::var_os(CPU_RENDERING);
    let forced_software = std::env::var_os("LIBGL_ALWAYS_SOFTWARE");
    if !needs_cpu_rendering(
        chosen.as_ref(),
        forced_software.as_ref(),
        has_gpu_render_node(Path::new("/dev/dri")),
    ) {
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
        .env(CPU_RENDERING, "1")
        .exec();
    eprintln!(
        "keyblade: could not restart itself with WebKit's CPU renderer ({error}); painting with \
         WebKit's default renderer instead, which is slower on a machine without a GPU."
    );
}

/// On other systems the platform's web view chooses its own renderer.
#[cfg(not(target_os = "linux"))]
pub fn prefer_cpu_rendering_without_gpu() {}

/// Whether keyblade should ask for Skia's CPU renderer: only when no renderer was chosen (an
/// explicit `WEBKIT_SKIA_ENABLE_CPU_RENDERING`, even `0`, is the user's choice) and the GPU
/// would be emulated anyway (no render node, or Mesa told to use software).
fn needs_cpu_rendering(
    chosen: Option<&OsString>,
    forced_software: Option<&OsString>,
    has_render_node: bool,
) -> bool {
    if chosen.is_some() {
        return false;
    }
    let software_forced = forced_software.is_some_and(|value| !value.is_empty() && value != "0");
    software_forced || !has_render_node
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

    fn os(value: &str) -> OsString {
        OsString::from(value)
    }

    #[test]
    fn without_a_gpu_keyblade_asks_for_the_cpu_renderer() {
        assert!(needs_cpu_rendering(None, None, false));
    }

    #[test]
    fn with_a_gpu_webkits_default_stays() {
        assert!(!needs_cpu_rendering(None, None, true));
        assert!(!needs_cpu_rendering(None, Some(&os("0")), true));
        assert!(!needs_cpu_rendering(None, Some(&os("")), true));
    }

    #[test]
    fn mesa_forced_to_software_counts_as_no_gpu() {
        assert!(needs_cpu_rendering(None, Some(&os("1")), true));
        assert!(needs_cpu_rendering(None, Some(&os("true")), true));
    }

    #[test]
    fn a_renderer_the_user_chose_is_kept() {
        assert!(!needs_cpu_rendering(Some(&os("0")), None, false));
        assert!(!needs_cpu_rendering(Some(&os("1")), Some(&os("1")), false));
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
