//! A virtual X display for machines without one.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use crate::process::{Background, Cmd, find_on_path};

/// The screen matches the window's default size, so a screenshot of the root window is a
/// screenshot of the app (there is no window manager to add a frame).
pub const SCREEN: &str = "1280x800x24";

pub struct VirtualDisplay {
    /// `:N`, for `DISPLAY`.
    pub display: String,
    /// Dropped last: stops Xvfb.
    _server: Background,
}

/// Whether a graphical session is available to open a window on.
pub fn has_display() -> bool {
    if !cfg!(target_os = "linux") && !cfg!(target_os = "freebsd") {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// Starts Xvfb on a free display number, which Xvfb picks and reports itself
/// (`-displayfd`), so parallel runs never collide.
pub fn start(log: &Path) -> Result<VirtualDisplay, String> {
    start_with(log, &[])
}

/// [`start`], with the screen kept in a file under `dir` ([`crate::framebuffer`]).
pub fn start_with_framebuffer(log: &Path, dir: &Path) -> Result<VirtualDisplay, String> {
    let dir = dir
        .to_str()
        .ok_or_else(|| format!("{} is not UTF-8", dir.display()))?;
    start_with(log, &["-fbdir", dir])
}

fn start_with(log: &Path, extra: &[&str]) -> Result<VirtualDisplay, String> {
    if find_on_path("Xvfb").is_none() {
        return Err("Xvfb is not installed (Debian/Ubuntu package `xvfb`)".to_owned());
    }
    let log_file = std::fs::File::create(log)
        .map_err(|error| format!("cannot create {}: {error}", log.display()))?;
    let mut args = vec![
        "-displayfd",
        "1",
        "-screen",
        "0",
        SCREEN,
        "-nolisten",
        "tcp",
    ];
    args.extend_from_slice(extra);
    let mut server = Cmd::new("Xvfb", &args).spawn_with_stderr(log_file, "Xvfb")?;
    let stdout = server
        .child_mut()
        .stdout
        .take()
        .ok_or("Xvfb's output was not captured")?;
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let number = receiver
        .recv_timeout(Duration::from_secs(20))
        .map_err(|_| format!("Xvfb did not start within 20 s; see {}", log.display()))?;
    let number = number.trim();
    if number.is_empty() || !number.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(format!(
            "Xvfb exited without reporting a display; see {}",
            log.display()
        ));
    }
    let display = format!(":{number}");
    println!("Virtual display {display} ({SCREEN}) is up.");
    Ok(VirtualDisplay {
        display,
        _server: server,
    })
}
