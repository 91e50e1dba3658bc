//! Building keyblade and `cargo xtask demo`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::prereq::{self, Needs};
use crate::process::{Background, Cmd};
use crate::steps::Steps;
use crate::xvfb;

#[derive(Default)]
pub struct DemoOptions {
    pub exit_after_screenshot: bool,
    pub release: bool,
}

pub fn build_ui() -> Result<(), String> {
    Cmd::npm(&["run", "build"]).run()
}

/// Builds the app with the UI embedded (`tauri/custom-protocol`, as `tauri build` does),
/// so it runs without a dev server. Returns the executable's path.
pub fn build_app(release: bool) -> Result<PathBuf, String> {
    let mut args = vec![
        "build",
        "-p",
        "keyblade",
        "--features",
        "tauri/custom-protocol",
    ];
    if release {
        args.push("--release");
    }
    Cmd::cargo(&args).run()?;
    Ok(app_executable(release))
}

pub fn app_executable(release: bool) -> PathBuf {
    crate::target_dir()
        .join(if release { "release" } else { "debug" })
        .join(format!("keyblade{}", std::env::consts::EXE_SUFFIX))
}

pub fn demo(options: &DemoOptions) -> Result<(), String> {
    let headless = !xvfb::has_display();
    let under_xvfb = headless || options.exit_after_screenshot;
    if headless {
        println!(
            "No display found (neither DISPLAY nor WAYLAND_DISPLAY is set): keyblade will run \
             under Xvfb, a virtual display, and a screenshot of its window will be saved."
        );
    }
    let mut steps = Steps::new(4);
    let needs = Needs {
        headless: under_xvfb,
        e2e: false,
    };
    let mut executable = None;
    let completed = steps.run("Install missing prerequisites", || {
        prereq::ensure_all(needs)
    }) && steps.run("Build the UI (ui/dist)", build_ui)
        && steps.run("Build the app", || {
            executable = Some(build_app(options.release)?);
            Ok(())
        });
    let executable = match (completed, executable) {
        (true, Some(executable)) => executable,
        _ => return steps.finish(),
    };
    if under_xvfb {
        steps.run("Run keyblade under Xvfb and take a screenshot", || {
            run_headless(&executable, options.exit_after_screenshot)
        });
    } else {
        steps.run("Run keyblade (close its window to finish)", || {
            let status = Cmd::new(executable.to_string_lossy(), &[])
                .spawn("keyblade")?
                .wait()?;
            if status.success() {
                Ok(())
            } else {
                Err(format!("keyblade exited with {status}"))
            }
        });
    }
    steps.finish()
}

fn run_headless(executable: &Path, exit_after_screenshot: bool) -> Result<(), String> {
    let logs = crate::target_dir().join("demo");
    std::fs::create_dir_all(&logs)
        .map_err(|error| format!("cannot create {}: {error}", logs.display()))?;
    let display = xvfb::start(&logs.join("xvfb.log"))?;
    let app_log = logs.join("keyblade.log");
    let mut app = Cmd::new(executable.to_string_lossy(), &[])
        .env("DISPLAY", &display.display)
        .log_to(&app_log)?
        .spawn("keyblade")?;

    let started = Instant::now();
    wait_for_paint(&display.display, &mut app, &app_log)?;
    println!(
        "The window painted {:.1}s after launch.",
        started.elapsed().as_secs_f64()
    );

    let screenshot = crate::artifacts_dir().join("demo-screenshot.png");
    save_screenshot(&display.display, &screenshot)?;
    println!("Screenshot of the window: {}", screenshot.display());

    if exit_after_screenshot {
        app.stop();
        return Ok(());
    }
    println!(
        "keyblade is running on virtual display {} (app log: {}). Press Ctrl-C to stop.",
        display.display,
        app_log.display()
    );
    let status = app.wait()?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "keyblade exited with {status}; see {}",
            app_log.display()
        ))
    }
}

/// Waits until the screen shows rendered content (many colours: text is anti-aliased, while
/// an empty webview is one or two flat colours) and three captures half a second apart are
/// identical (the UI finished its first render and is not waiting on the back end). An
/// animation never settles, so ten seconds after the first content is good enough too.
pub fn wait_for_paint(display: &str, app: &mut Background, app_log: &Path) -> Result<(), String> {
    const TIMEOUT: Duration = Duration::from_secs(90);
    const SETTLE_AT_MOST: Duration = Duration::from_secs(10);
    let deadline = Instant::now() + TIMEOUT;
    let mut previous: Option<Vec<u8>> = None;
    let mut unchanged = 0;
    let mut first_paint: Option<Instant> = None;
    loop {
        if let Some(status) = app.exited() {
            return Err(format!(
                "keyblade exited ({status}) before its window painted; see {}",
                app_log.display()
            ));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "keyblade's window did not paint within {}s; see {}",
                TIMEOUT.as_secs(),
                app_log.display()
            ));
        }
        let capture = capture_screen(display)?;
        let painted = shows_content(&capture)?;
        if painted {
            let first_paint = *first_paint.get_or_insert_with(Instant::now);
            unchanged = if previous.as_ref() == Some(&capture) {
                unchanged + 1
            } else {
                0
            };
            if unchanged >= 2 || first_paint.elapsed() > SETTLE_AT_MOST {
                return Ok(());
            }
        }
        previous = painted.then_some(capture);
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The root window as binary PPM (`P6`): a short header, then RGB bytes.
pub fn capture_screen(display: &str) -> Result<Vec<u8>, String> {
    let output = std::process::Command::new("import")
        .args(["-display", display, "-window", "root", "ppm:-"])
        .output()
        .map_err(|error| {
            format!("cannot run ImageMagick's `import` (package `imagemagick`): {error}")
        })?;
    if !output.status.success() {
        return Err(format!(
            "`import` could not capture {display}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}

/// Whether a binary PPM capture shows rendered content rather than flat colour.
///
/// It runs between captures of a starting app, so its time is a blind spot in
/// `bench-startup`'s first paint: a blank 1280×800 capture must be checked in
/// milliseconds. Hashing each of its million pixels took ~0.5 s in xtask's unoptimised
/// build, which rounded every first paint up to the next capture; a short list of the
/// colours seen costs one comparison a pixel on a blank screen.
pub fn shows_content(ppm: &[u8]) -> Result<bool, String> {
    const CONTENT_COLOURS: usize = 16;
    let (_, pixel, pixels) = ppm_layout(ppm).ok_or("the screen capture is not a PPM image")?;
    let mut colours: Vec<&[u8]> = Vec::with_capacity(CONTENT_COLOURS);
    for colour in pixels.chunks_exact(pixel) {
        if !colours.contains(&colour) {
            colours.push(colour);
            if colours.len() >= CONTENT_COLOURS {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// A binary PPM's width, bytes per pixel and pixel bytes. ImageMagick's `import` writes
/// 16-bit samples (maximum value 65535: 6 bytes a pixel) as well as 8-bit ones.
pub fn ppm_layout(ppm: &[u8]) -> Option<(usize, usize, &[u8])> {
    let mut numbers = ppm
        .strip_prefix(b"P6")?
        .split(|byte| byte.is_ascii_whitespace())
        .filter(|field| !field.is_empty())
        .map(|field| std::str::from_utf8(field).ok()?.parse::<usize>().ok());
    let width = numbers.next()??;
    let _height = numbers.next()??;
    let max_value = numbers.next()??;
    let pixel = if max_value < 256 { 3 } else { 6 };
    let pixels = ppm_pixels(ppm)?;
    let row = width.checked_mul(pixel)?;
    (row > 0 && pixels.len() % row == 0).then_some((width, pixel, pixels))
}

/// The pixel bytes of a binary PPM: after "P6", width, height and maximum value, each
/// followed by whitespace.
fn ppm_pixels(ppm: &[u8]) -> Option<&[u8]> {
    let mut rest = ppm.strip_prefix(b"P6")?;
    for _ in 0..3 {
        let start = rest.iter().position(|byte| !byte.is_ascii_whitespace())?;
        rest = &rest[start..];
        let end = rest.iter().position(|byte| !byte.is_ascii_digit())?;
        rest = &rest[end..];
    }
    rest.get(1..)
}

pub fn save_screenshot(display: &str, path: &Path) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
    }
    // WebKit can hand the compositor the previous frame; give it one more frame's time.
    std::thread::sleep(Duration::from_millis(200));
    Cmd::new(
        "import",
        &[
            "-display",
            display,
            "-window",
            "root",
            &path.to_string_lossy(),
        ],
    )
    .run()
}

/// `command` run as a new user on a new machine: a HOME and XDG folders of its own under
/// `home`, and none of the variables that would point keyblade at another cloud or sign it
/// in, so it starts on its embedded demo tenant.
pub fn as_new_user(command: Cmd, home: &Path) -> Cmd {
    let mut command = command.env("HOME", home);
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
    command
}
