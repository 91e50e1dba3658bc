//! `cargo xtask bench-startup`: how fast keyblade starts and how much memory it holds,
//! against a bare Tauri 2 app (`benches/bare-tauri`) of the same Tauri version and features,
//! both release builds, measured in the same run on the same virtual display.
//!
//! Each run starts the app under a fresh Xvfb and captures the screen every
//! [`CAPTURE_EVERY`], by reading the file Xvfb keeps it in ([`crate::framebuffer`]: a few
//! milliseconds of one core, where ImageMagick's `import` took ~35 ms a capture):
//! - **first paint** is the first capture that shows rendered content (text, not flat colour);
//! - **interactive** is when the screen last changed before it stayed the same for
//!   [`SETTLED_FOR`] (the first screen loaded, not waiting on the back end). WebKitGTK's
//!   overlay scroll bars fade in and out by themselves a second or more after a page grows;
//!   a change confined to the window's right-hand [`SCROLLBAR_STRIP`] is that fade, not
//!   content, and does not count;
//! - **PSS** is the proportional set size of the app and every process it started (WebKit's
//!   web and network processes), [`PSS_AFTER`] after launch.
//!
//! keyblade's first run starts from empty folders (a new demo tenant is made, its keys
//! generated); its later runs reuse them, as a user's second start does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::app;
use crate::process::Cmd;
use crate::xvfb;

const SETTLED_FOR: Duration = Duration::from_millis(1500);
const CAPTURE_EVERY: Duration = Duration::from_millis(20);
/// The page's overlay scroll bar and a scrolled table's beside it, with room to spare.
const SCROLLBAR_STRIP: usize = 48;
const PSS_AFTER: Duration = Duration::from_secs(10);
const GIVE_UP_AFTER: Duration = Duration::from_secs(60);

pub struct StartupOptions {
    pub runs: usize,
    /// Also measure the debug build `cargo xtask demo` runs (a first and two later runs).
    pub debug: bool,
}

#[derive(Debug, Clone)]
struct Run {
    first_paint: Duration,
    interactive: Duration,
    pss_kib: u64,
    /// The longest wait between two captures before the first paint: the resolution of
    /// `first_paint`, shown so that a slow capture or check cannot hide in the figure.
    paint_resolution: Duration,
    /// keyblade's own start-up milestones from its log (`start-up: <what> at <ms> ms`), in
    /// the order logged: what, when, and how long its step took when the app knows.
    milestones: Vec<Milestone>,
}

#[derive(Debug, Clone, PartialEq)]
struct Milestone {
    what: String,
    at_ms: u64,
    took_ms: Option<u64>,
}

pub fn run(options: &StartupOptions) -> Result<(), String> {
    println!("Building the UI and both apps (release)…");
    app::build_ui()?;
    let keyblade = app::build_app(true)?;
    Cmd::cargo(&[
        "build",
        "--release",
        "-p",
        "bare-tauri",
        "--features",
        "tauri/custom-protocol",
    ])
    .run()?;
    let bare = crate::target_dir()
        .join("release")
        .join(format!("bare-tauri{}", std::env::consts::EXE_SUFFIX));

    let work = crate::target_dir().join("bench-startup");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)
        .map_err(|error| format!("cannot create {}: {error}", work.display()))?;
    let keyblade_home = work.join("keyblade-home");
    let keyblade_log = keyblade_home.join(KEYBLADE_LOG);

    let mut bare_runs = Vec::new();
    let mut keyblade_first = None;
    let mut keyblade_later = Vec::new();
    // Interleaved, so a machine that slows down during the run slows both alike.
    for round in 0..options.runs.max(2) {
        let bare_home = work.join(format!("bare-home-{round}"));
        let measured = measure(&bare, &bare_home, &work.join(format!("bare-{round}")), None)?;
        println!("  bare-tauri run {}: {}", round + 1, describe(&measured));
        bare_runs.push(measured);
        let measured = measure(
            &keyblade,
            &keyblade_home,
            &work.join(format!("keyblade-{round}")),
            Some(&keyblade_log),
        )?;
        println!(
            "  keyblade run {} ({}): {}",
            round + 1,
            if round == 0 { "first run" } else { "later run" },
            describe(&measured)
        );
        if round == 0 {
            keyblade_first = Some(measured);
        } else {
            keyblade_later.push(measured);
        }
    }
    let keyblade_first = keyblade_first.ok_or("keyblade did not run")?;
    let debug = if options.debug {
        Some(measure_debug(&work)?)
    } else {
        None
    };
    let bundle = bundle_sizes(&crate::root().join("ui").join("dist"))?;
    report(&bare_runs, &keyblade_first, &keyblade_later, &bundle);
    report_milestones(&keyblade_first, &keyblade_later);
    if let Some((first, later)) = debug {
        report_debug(&first, &later);
    }
    Ok(())
}

/// keyblade's log under the `HOME` a run is given (`XDG_DATA_HOME` is `<home>/data`).
const KEYBLADE_LOG: &str = "data/dev.keyblade.app/logs/keyblade.log";

/// The debug build `cargo xtask demo` runs: a first run from empty folders, then two later.
fn measure_debug(work: &Path) -> Result<(Run, Vec<Run>), String> {
    println!("Building keyblade's debug build, as cargo xtask demo runs it…");
    let debug = app::build_app(false)?;
    let home = work.join("keyblade-debug-home");
    let log = home.join(KEYBLADE_LOG);
    let mut runs = Vec::new();
    for round in 0..3 {
        let measured = measure(
            &debug,
            &home,
            &work.join(format!("keyblade-debug-{round}")),
            Some(&log),
        )?;
        println!(
            "  keyblade debug run {}: {}",
            round + 1,
            describe(&measured)
        );
        runs.push(measured);
    }
    let first = runs.remove(0);
    Ok((first, runs))
}

fn describe(run: &Run) -> String {
    format!(
        "first paint {:.2} s (to within {:.0} ms), interactive {:.2} s, PSS {:.0} MiB",
        run.first_paint.as_secs_f64(),
        run.paint_resolution.as_secs_f64() * 1000.0,
        run.interactive.as_secs_f64(),
        run.pss_kib as f64 / 1024.0
    )
}

fn measure(
    executable: &Path,
    home: &Path,
    logs: &Path,
    app_log_file: Option<&Path>,
) -> Result<Run, String> {
    std::fs::create_dir_all(home)
        .and_then(|()| std::fs::create_dir_all(logs))
        .map_err(|error| format!("cannot create {}: {error}", home.display()))?;
    let display = xvfb::start_with_framebuffer(&logs.join("xvfb.log"), logs)?;
    let app_log = logs.join("app.log");
    let command = app::as_new_user(
        Cmd::new(executable.to_string_lossy(), &[]).env("DISPLAY", &display.display),
        home,
    );
    // The app's log accumulates across runs: this run's lines are those after its length now.
    let log_offset = app_log_file
        .and_then(|path| std::fs::metadata(path).ok())
        .map_or(0, |meta| meta.len());
    let started = Instant::now();
    let mut running = command.log_to(&app_log)?.spawn("the app")?;
    let pid = running.child_mut().id();

    let mut first_paint = None;
    let mut last_change = None;
    let mut previous: Option<Vec<u8>> = None;
    let mut before_last_change: Option<Vec<u8>> = None;
    let mut paint_resolution = Duration::ZERO;
    let mut previous_capture_at: Option<Duration> = None;
    loop {
        if let Some(status) = running.exited() {
            return Err(format!(
                "{} exited ({status}) during the benchmark; see {}",
                executable.display(),
                app_log.display()
            ));
        }
        if let Some(wait) =
            previous_capture_at.and_then(|at| (at + CAPTURE_EVERY).checked_sub(started.elapsed()))
        {
            std::thread::sleep(wait);
        }
        let at = started.elapsed();
        if first_paint.is_none() {
            let since = previous_capture_at.map_or(at, |previous| at.saturating_sub(previous));
            paint_resolution = paint_resolution.max(since);
        }
        previous_capture_at = Some(at);
        let capture = crate::framebuffer::capture(logs)?;
        if app::shows_content(&capture)? {
            first_paint.get_or_insert(at);
            let content_changed = previous
                .as_ref()
                .is_none_or(|before| changed_outside_scrollbars(before, &capture));
            if content_changed {
                last_change = Some(at);
                before_last_change = previous.replace(capture);
            } else if last_change.is_some_and(|changed| at.saturating_sub(changed) >= SETTLED_FOR) {
                break;
            }
        }
        if started.elapsed() > GIVE_UP_AFTER {
            if first_paint.is_none() {
                return Err(format!(
                    "{} did not paint within {} s; see {}",
                    executable.display(),
                    GIVE_UP_AFTER.as_secs(),
                    app_log.display()
                ));
            }
            // An animation that never stops: count it as settled when the benchmark gives up.
            break;
        }
    }
    let screenshot = logs.join("settled.png");
    let _ = app::save_screenshot(&display.display, &screenshot);
    // What the last change was, for a run whose "interactive" looks wrong: the screen just
    // before it and just after it.
    if let Some(capture) = &before_last_change {
        let _ = std::fs::write(logs.join("before-last-change.ppm"), capture);
    }
    if let Some(capture) = &previous {
        let _ = std::fs::write(logs.join("last-change.ppm"), capture);
    }
    if let Some(wait) = PSS_AFTER.checked_sub(started.elapsed()) {
        std::thread::sleep(wait);
    }
    let pss_kib = tree_pss_kib(pid);
    running.stop();
    let first_paint = first_paint.ok_or("no paint")?;
    let milestones = app_log_file
        .and_then(|path| std::fs::read(path).ok())
        .map(|log| {
            let offset = usize::try_from(log_offset).unwrap_or(0);
            // A log that rotated during the run is read whole.
            let this_run = log.get(offset..).unwrap_or(&log);
            parse_milestones(&String::from_utf8_lossy(this_run))
        })
        .unwrap_or_default();
    Ok(Run {
        first_paint,
        interactive: last_change.unwrap_or(first_paint),
        pss_kib,
        paint_resolution,
        milestones,
    })
}

/// The `start-up: <what> at <ms> ms[ (took <ms> ms)]` lines of keyblade's log.
fn parse_milestones(log: &str) -> Vec<Milestone> {
    log.lines()
        .filter_map(|line| {
            let rest = &line[line.find("start-up: ")? + "start-up: ".len()..];
            let (what, timing) = rest.rsplit_once(" at ")?;
            let (at, took) = match timing.split_once(" ms (took ") {
                Some((at, took)) => (at, took.strip_suffix(" ms)")?.parse().ok()),
                None => (timing.strip_suffix(" ms")?, None),
            };
            Some(Milestone {
                what: what.to_owned(),
                at_ms: at.parse().ok()?,
                took_ms: took,
            })
        })
        .collect()
}

/// Whether two captures of the same screen differ anywhere but in the right-hand
/// [`SCROLLBAR_STRIP`]. Captures that cannot be read as PPM count as different.
fn changed_outside_scrollbars(before: &[u8], after: &[u8]) -> bool {
    let (Some((width, pixel, before)), Some((_, _, after))) =
        (app::ppm_layout(before), app::ppm_layout(after))
    else {
        return before != after;
    };
    if before.len() != after.len() {
        return true;
    }
    let row = width * pixel;
    let content = width.saturating_sub(SCROLLBAR_STRIP) * pixel;
    before
        .chunks_exact(row)
        .zip(after.chunks_exact(row))
        .any(|(a, b)| a[..content] != b[..content])
}

/// The PSS of `root` and all its descendants, from `/proc` (Linux only; 0 elsewhere).
fn tree_pss_kib(root: u32) -> u64 {
    let mut parents: HashMap<u32, u32> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
            if let Ok(stat) = std::fs::read_to_string(entry.path().join("stat"))
                && let Some((_, after)) = stat.rsplit_once(')')
                && let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok())
            {
                parents.insert(pid, ppid);
            }
        }
    }
    let in_tree = |mut pid: u32| loop {
        if pid == root {
            return true;
        }
        match parents.get(&pid) {
            Some(&parent) if parent != 0 && parent != pid => pid = parent,
            _ => return false,
        }
    };
    parents
        .keys()
        .copied()
        .filter(|&pid| in_tree(pid))
        .map(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
                .ok()
                .and_then(|text| {
                    text.lines()
                        .find_map(|line| line.strip_prefix("Pss:"))
                        .and_then(|rest| {
                            rest.trim()
                                .trim_end_matches("kB")
                                .trim()
                                .parse::<u64>()
                                .ok()
                        })
                })
                .unwrap_or(0)
        })
        .sum()
}

struct BundleSizes {
    files: Vec<(String, u64, u64)>,
    /// The files `index.html` loads before the first screen (its script and module
    /// preloads); the rest load when a view that needs them opens.
    at_start: Vec<String>,
}

/// The asset file names `index.html` loads at once: `src="./assets/…"` and
/// `href="./assets/…"`.
fn loaded_at_start(index_html: &str) -> Vec<String> {
    index_html
        .split("./assets/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|name| name.ends_with(".js"))
        .map(str::to_owned)
        .collect()
}

/// Each JavaScript file of the UI build, raw and gzipped (what WebKit parses, what a
/// download would carry).
fn bundle_sizes(dist: &Path) -> Result<BundleSizes, String> {
    let assets = dist.join("assets");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&assets)
        .map_err(|error| format!("cannot read {}: {error}", assets.display()))?
        .flatten()
    {
        let path: PathBuf = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("js") {
            continue;
        }
        let raw = entry.metadata().map(|m| m.len()).unwrap_or(0);
        let gzipped = std::process::Command::new("gzip")
            .arg("-9")
            .arg("-c")
            .arg(&path)
            .output()
            .map(|output| output.stdout.len() as u64)
            .unwrap_or(0);
        files.push((
            entry.file_name().to_string_lossy().into_owned(),
            raw,
            gzipped,
        ));
    }
    files.sort_by_key(|(_, raw, _)| std::cmp::Reverse(*raw));
    let index = std::fs::read_to_string(dist.join("index.html")).unwrap_or_default();
    Ok(BundleSizes {
        files,
        at_start: loaded_at_start(&index),
    })
}

/// Where keyblade's start-up time goes: its milestones, first run and later runs' medians.
fn report_milestones(first: &Run, later: &[Run]) {
    println!();
    println!(
        "  Where keyblade's time goes (ms since the process started; first run, later median):"
    );
    for milestone in &first.milestones {
        let same: Vec<&Milestone> = later
            .iter()
            .filter_map(|run| run.milestones.iter().find(|m| m.what == milestone.what))
            .collect();
        let later_at: Vec<f64> = same.iter().map(|m| m.at_ms as f64).collect();
        let later_took: Vec<f64> = same
            .iter()
            .filter_map(|m| m.took_ms.map(|took| took as f64))
            .collect();
        let took = match (milestone.took_ms, later_took.is_empty()) {
            (Some(first_took), false) => format!(
                "   (took {first_took} ms, later {:.0} ms)",
                median(later_took)
            ),
            _ => String::new(),
        };
        let later = if later_at.is_empty() {
            "-".to_owned()
        } else {
            format!("{:.0}", median(later_at))
        };
        println!(
            "    {:<28} {:>6} {:>8}{took}",
            milestone.what, milestone.at_ms, later
        );
    }
}

fn report_debug(first: &Run, later: &[Run]) {
    let median_of = |f: fn(&Run) -> f64| median(later.iter().map(f).collect());
    println!();
    println!(
        "  keyblade debug build (cargo xtask demo): first run paint {:.2} s, interactive {:.2} s; \
         later runs paint {:.2} s, interactive {:.2} s",
        first.first_paint.as_secs_f64(),
        first.interactive.as_secs_f64(),
        median_of(|r| r.first_paint.as_secs_f64()),
        median_of(|r| r.interactive.as_secs_f64()),
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn report(bare: &[Run], first: &Run, later: &[Run], bundle: &BundleSizes) {
    let paint = |runs: &[Run]| median(runs.iter().map(|r| r.first_paint.as_secs_f64()).collect());
    let interactive =
        |runs: &[Run]| median(runs.iter().map(|r| r.interactive.as_secs_f64()).collect());
    let pss = |runs: &[Run]| median(runs.iter().map(|r| r.pss_kib as f64 / 1024.0).collect());
    let (bare_paint, bare_ready, bare_pss) = (paint(bare), interactive(bare), pss(bare));
    let (later_paint, later_ready, later_pss) = (paint(later), interactive(later), pss(later));
    println!();
    println!(
        "Start-up, release builds, medians ({} bare runs, {} later keyblade runs):",
        bare.len(),
        later.len()
    );
    println!(
        "                      first paint   interactive   PSS (app + WebKit, at {} s)",
        PSS_AFTER.as_secs()
    );
    println!(
        "  bare Tauri app      {bare_paint:>8.2} s    {bare_ready:>8.2} s    {bare_pss:>8.0} MiB"
    );
    println!(
        "  keyblade, first run {:>8.2} s    {:>8.2} s    {:>8.0} MiB",
        first.first_paint.as_secs_f64(),
        first.interactive.as_secs_f64(),
        first.pss_kib as f64 / 1024.0
    );
    println!(
        "  keyblade, later     {later_paint:>8.2} s    {later_ready:>8.2} s    {later_pss:>8.0} MiB"
    );
    println!();
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let paint_ratio = later_paint / bare_paint;
    println!(
        "  first paint ratio (later / bare): {paint_ratio:.2}x (target <= 1.15x: {})",
        verdict(paint_ratio <= 1.15)
    );
    println!(
        "  first paint ratio (first run / bare): {:.2}x",
        first.first_paint.as_secs_f64() / bare_paint
    );
    println!(
        "  interactive demo (later runs): {later_ready:.2} s (target <= 1.5 s: {})",
        verdict(later_ready <= 1.5)
    );
    println!(
        "  PSS over the bare app: {:+.0} MiB (target <= +40 MiB: {})",
        later_pss - bare_pss,
        verdict(later_pss - bare_pss <= 40.0)
    );
    let (raw, gz): (u64, u64) = bundle
        .files
        .iter()
        .fold((0, 0), |(r, g), f| (r + f.1, g + f.2));
    println!();
    println!(
        "  UI JavaScript: {} files, {:.0} KiB ({:.0} KiB gzipped)",
        bundle.files.len(),
        raw as f64 / 1024.0,
        gz as f64 / 1024.0
    );
    let (start_raw, start_gz): (u64, u64) = bundle
        .files
        .iter()
        .filter(|f| bundle.at_start.contains(&f.0))
        .fold((0, 0), |(r, g), f| (r + f.1, g + f.2));
    println!(
        "  of which the first screen loads {:.0} KiB ({:.0} KiB gzipped); the rest loads on demand",
        start_raw as f64 / 1024.0,
        start_gz as f64 / 1024.0
    );
    for (name, raw, gz) in bundle.files.iter().take(6) {
        println!(
            "    {name:<40} {:>7.0} KiB ({:.0} KiB gzipped)",
            *raw as f64 / 1024.0,
            *gz as f64 / 1024.0
        );
    }
}

#[cfg(test)]
mod bundle_tests {
    use super::*;

    #[test]
    fn milestones_are_read_from_the_apps_log_lines() {
        let log = "2026-12-05T01:21:09Z info  keyblade 0.1.0 starting\n\
                   2026-12-05T01:21:09Z info  start-up: the window's first call at 412 ms\n\
                   2026-12-05T01:21:09Z info  start-up: demo tenant started at 95 ms (took 60 ms)\n\
                   2026-12-05T01:21:10Z warn  something else\n";
        assert_eq!(
            parse_milestones(log),
            vec![
                Milestone {
                    what: "the window's first call".to_owned(),
                    at_ms: 412,
                    took_ms: None
                },
                Milestone {
                    what: "demo tenant started".to_owned(),
                    at_ms: 95,
                    took_ms: Some(60)
                },
            ]
        );
    }

    fn ppm(width: usize, height: usize, paint: impl Fn(usize, usize) -> u8) -> Vec<u8> {
        let mut image = format!("P6\n{width} {height}\n255\n").into_bytes();
        for y in 0..height {
            for x in 0..width {
                image.extend([paint(x, y); 3]);
            }
        }
        image
    }

    /// As ImageMagick's `import` often writes it: 16-bit samples, big-endian.
    fn ppm16(width: usize, height: usize, paint: impl Fn(usize, usize) -> u8) -> Vec<u8> {
        let mut image = format!("P6\n{width} {height}\n65535\n").into_bytes();
        for y in 0..height {
            for x in 0..width {
                let sample = paint(x, y);
                image.extend([sample, sample].repeat(3));
            }
        }
        image
    }

    #[test]
    fn a_blank_window_is_not_content_and_sixteen_colours_are() {
        for image in [ppm(1280, 800, |_, _| 255), ppm16(1280, 800, |_, _| 255)] {
            assert!(!app::shows_content(&image).unwrap());
        }
        let fifteen = |x: usize, _: usize| (x % 15) as u8 * 10;
        let sixteen = |x: usize, _: usize| (x % 16) as u8 * 10;
        assert!(!app::shows_content(&ppm16(64, 2, fifteen)).unwrap());
        assert!(app::shows_content(&ppm16(64, 2, sixteen)).unwrap());
        assert!(app::shows_content(&ppm(64, 2, sixteen)).unwrap());
    }

    /// The regression: with 16-bit samples the strip was taken as half as wide in bytes, so
    /// a scroll bar's one-pixel fade counted as a change and "interactive" read ~5.3 s.
    #[test]
    fn a_fading_scroll_bar_is_not_a_content_change_in_16_bit_captures() {
        let page = ppm16(1280, 4, |_, _| 245);
        let scrollbar_pixel = ppm16(1280, 4, |x, y| if x == 1252 && y == 2 { 200 } else { 245 });
        let text_changed = ppm16(1280, 4, |x, y| if x == 700 && y == 1 { 0 } else { 245 });
        assert!(!changed_outside_scrollbars(&page, &scrollbar_pixel));
        assert!(changed_outside_scrollbars(&page, &text_changed));
    }

    #[test]
    fn a_fading_scroll_bar_is_not_a_content_change() {
        let page = ppm(200, 10, |_, _| 255);
        let scrollbar_shown = ppm(200, 10, |x, _| if x >= 188 { 128 } else { 255 });
        let text_changed = ppm(200, 10, |x, y| if x == 10 && y == 5 { 0 } else { 255 });
        let wider_than_a_scrollbar = ppm(200, 10, |x, _| if x >= 100 { 128 } else { 255 });
        assert!(!changed_outside_scrollbars(&page, &scrollbar_shown));
        assert!(changed_outside_scrollbars(&page, &text_changed));
        assert!(changed_outside_scrollbars(&page, &wider_than_a_scrollbar));
        assert!(!changed_outside_scrollbars(&page, &page));
    }

    #[test]
    fn the_first_screen_is_the_script_and_its_module_preloads() {
        let html = r#"<script type="module" crossorigin src="./assets/index-A.js"></script>
    <link rel="modulepreload" crossorigin href="./assets/shared-B.js">
    <link rel="stylesheet" href="./assets/index-C.css">"#;
        assert_eq!(loaded_at_start(html), vec!["index-A.js", "shared-B.js"]);
    }
}
