//! Dark and light follow the OS: the app started with GTK's dark theme paints dark, and
//! with its light theme paints light (WebKitGTK reports the GTK theme as
//! `prefers-color-scheme`). Screenshots of both are kept. Windows' contrast themes
//! (`forced-colors`) cannot be shown by WebKitGTK; the UI's tests cover that switch.

#![allow(clippy::unwrap_used)]

use keyblade_e2e::{E2eEnv, Tenant, portal};

/// The page background's relative luminance (0 black … 1 white), from its computed colour.
fn background_luminance(session: &keyblade_e2e::Session) -> f64 {
    let value = session
        .execute(
            "const el = document.querySelector('main') || document.body; \
             return getComputedStyle(el.closest('.fui-FluentProvider') || el).backgroundColor;",
        )
        .unwrap();
    let text = value.as_str().unwrap_or_default().to_owned();
    let channels: Vec<f64> = text
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .filter_map(|part| part.trim().parse::<f64>().ok())
        .collect();
    assert_eq!(channels.len(), 3, "a colour: {text}");
    (0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]) / 255.0
}

#[test]
fn dark_and_light_follow_the_os() {
    let env = E2eEnv::from_env();
    for (theme, shot, dark) in [
        ("Adwaita:dark", "theme-dark", true),
        ("Adwaita", "theme-light", false),
    ] {
        let profile = env.profile(shot).unwrap();
        let session = env
            .launch_app_with(
                &profile,
                &Tenant::EmbeddedDemo,
                &[("GTK_THEME".to_owned(), theme.to_owned())],
            )
            .expect("the app starts under tauri-driver");
        portal::wait_session(&session, "Demo tenant").unwrap();
        let luminance = background_luminance(&session);
        env.save_screenshot(&session, shot).unwrap();
        if dark {
            assert!(
                luminance < 0.3,
                "{theme}: a dark background, luminance {luminance:.2}"
            );
        } else {
            assert!(
                luminance > 0.7,
                "{theme}: a light background, luminance {luminance:.2}"
            );
        }
    }
}
