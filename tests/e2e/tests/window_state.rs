//! The window comes back where and how big it was left, even when the app did not get to
//! exit cleanly: the test driver ends each session by killing the app.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use keyblade_e2e::{E2eEnv, UI_TIMEOUT};

const MENU: &str = "//*[@aria-label='Resource menu']";

/// Where tauri-plugin-window-state keeps the rectangles: `{app config dir}/.window-state.json`,
/// the app config dir being `$XDG_CONFIG_HOME/{identifier}` on Linux.
const STATE_FILE: &str = "config/dev.keyblade.app/.window-state.json";

#[test]
fn window_size_and_position_are_remembered() {
    let env = E2eEnv::from_env();
    // Its own profile: other tests' launches must not write the same state file.
    let profile = env.profile("window-state").expect("a fresh profile");
    let tenant = keyblade_e2e::Tenant::EmbeddedDemo;
    let first = env
        .launch_app(&profile, &tenant)
        .expect("the app starts under tauri-driver");
    first
        .wait_for(MENU, "the app shell", UI_TIMEOUT)
        .expect("the app shell renders");
    let default = first.window_rect().unwrap();
    let wanted = (40, 30, 1000, 700);
    assert_ne!(
        default, wanted,
        "the test must move the window somewhere new"
    );
    let moved = first.set_window_rect(wanted).unwrap();
    // Taken once the driver reports the window moved, so any save from now on records it.
    let moved_at = SystemTime::now();
    assert_eq!(
        moved, wanted,
        "the window manager-less display honours the request"
    );
    // The app saves half a second after the window stops changing. Waiting for the file
    // rather than sleeping a fixed time keeps this right on a loaded machine, where that
    // half second can stretch.
    wait_for_save_after(&profile.path().join(STATE_FILE), moved_at);
    drop(first);

    let second = env
        .launch_app(&profile, &tenant)
        .expect("the app starts again");
    second
        .wait_for(MENU, "the app shell", UI_TIMEOUT)
        .expect("the app shell renders again");
    assert_eq!(second.window_rect().unwrap(), wanted);
}

/// Waits until the app has written the state file after `since`. Any save after the move
/// records the moved window, and comparing the file's numbers would tie this test to the
/// plugin's choice of inner or outer size; the relaunch checks the numbers that matter.
fn wait_for_save_after(path: &Path, since: SystemTime) {
    let deadline = Instant::now() + UI_TIMEOUT;
    while Instant::now() < deadline {
        let saved_at = std::fs::metadata(path).and_then(|metadata| metadata.modified());
        if saved_at.is_ok_and(|saved_at| saved_at >= since) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "the app did not save the window's size and position to {} within {UI_TIMEOUT:?} of \
         the move",
        path.display()
    );
}
