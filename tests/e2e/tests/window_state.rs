//! The window comes back where and how big it was left, even when the app did not get to
//! exit cleanly: the test driver ends each session by killing the app.

use std::time::Duration;

use keyblade_e2e::{E2eEnv, UI_TIMEOUT};

const MENU: &str = "//*[@aria-label='Resource menu']";

#[test]
fn window_size_and_position_are_remembered() {
    let env = E2eEnv::from_env();
    let first = env.launch().expect("the app starts under tauri-driver");
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
    assert_eq!(
        moved, wanted,
        "the window manager-less display honours the request"
    );
    // The app saves half a second after the window stops changing.
    std::thread::sleep(Duration::from_millis(1500));
    drop(first);

    let second = env.launch().expect("the app starts again");
    second
        .wait_for(MENU, "the app shell", UI_TIMEOUT)
        .expect("the app shell renders again");
    assert_eq!(second.window_rect().unwrap(), wanted);
}
