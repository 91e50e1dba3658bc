//! Home: the app opens on it, its counts are the sandbox's, and a click on an inaccessible
//! registry opens its Encryption blade with the same reason. Screenshots in dark and light.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use keyblade_e2e::portal::{self, RESOURCE_MENU};
use keyblade_e2e::{E2eEnv, Tenant, UI_TIMEOUT, with_text};
use serde_json::Value;

const SUMMARY: &str = "//*[@aria-label='Summary']";
const TABLE: &str = "//table[@aria-label='Encrypted resources']";
/// Checking every key of the demo takes seconds; on a loaded machine, more.
const CHECKS: Duration = Duration::from_secs(90);

const TYPES: [&str; 3] = [
    "/providers/microsoft.containerregistry/registries/",
    "/providers/microsoft.storage/storageaccounts/",
    "/providers/microsoft.cognitiveservices/accounts/",
];

/// What Home should count, from the sandbox's own state and its own health verdicts:
/// (resources, customer-managed, inaccessible).
fn expected_counts(sandbox: &keyblade_e2e::Sandbox) -> (usize, usize, usize) {
    let state = sandbox.state().unwrap();
    let resources = state["arm"]["resources"].as_object().expect("resources");
    let mut counts = (0, 0, 0);
    for (id, stored) in resources {
        let id = id.to_ascii_lowercase();
        if !TYPES.iter().any(|t| id.contains(t)) {
            continue;
        }
        counts.0 += 1;
        let encryption = &stored["body"]["properties"]["encryption"];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_ascii_lowercase();
        let cmk = text(&encryption["status"]) == "enabled"
            || text(&encryption["keySource"]) == "microsoft.keyvault";
        if cmk {
            counts.1 += 1;
            let health = sandbox.health(&id).unwrap();
            if health["health"]
                .as_str()
                .unwrap_or_default()
                .starts_with("inaccessible")
            {
                counts.2 += 1;
            }
        }
    }
    counts
}

fn summary_button(label: &str) -> String {
    format!("{SUMMARY}//button[{}]", with_text(label))
}

#[test]
fn home_lists_every_encrypted_resource_with_the_sandboxs_counts() {
    let env = E2eEnv::from_env();
    let sandbox = env.start_sandbox("home").unwrap();
    let profile = env.profile("home").unwrap();
    let session = env
        .launch_app_with(
            &profile,
            &Tenant::Sandbox(&sandbox),
            &[("GTK_THEME".to_owned(), "Adwaita".to_owned())],
        )
        .expect("the app starts under tauri-driver");
    session
        .wait_for(RESOURCE_MENU, "the resource menu", UI_TIMEOUT)
        .unwrap();

    // The app opens on Home.
    session
        .wait_for(
            &format!("//main//h1[{}]", with_text("Home")),
            "Home's title",
            UI_TIMEOUT,
        )
        .expect("the app opens on Home");

    // Every key checked, then the counts are the sandbox's.
    let (resources, customer_managed, inaccessible) = expected_counts(&sandbox);
    assert!(inaccessible >= 1, "the demo has inaccessible keys");
    session
        .wait_for(
            &format!(
                "//*[@role='status'][{}]",
                with_text(&format!("Checked all {customer_managed} keys."))
            ),
            "every key checked",
            CHECKS,
        )
        .expect("Home checks every key");
    for label in [
        format!("{resources} resources"),
        format!("{customer_managed} customer-managed"),
        format!("{inaccessible} inaccessible"),
    ] {
        session
            .wait_for(&summary_button(&label), &label, UI_TIMEOUT)
            .unwrap_or_else(|e| panic!("Home counts {label}: {e}"));
    }
    env.save_screenshot(&session, "home-light").unwrap();

    // The inaccessible count filters the table to those rows.
    portal::click(
        &session,
        &summary_button(&format!("{inaccessible} inaccessible")),
        "the inaccessible count",
    )
    .unwrap();
    let revoked_row = format!("{TABLE}//tr[.//button[{}]]", with_text("crcontosorevoked"));
    session
        .wait_for(&revoked_row, "crcontosorevoked's row", UI_TIMEOUT)
        .unwrap();
    let rows = session
        .find_all(&format!("{TABLE}//tbody/tr[.//button]"))
        .unwrap();
    assert_eq!(rows.len(), inaccessible, "only the inaccessible rows");
    let health_cell = session
        .find(&format!(
            "{revoked_row}/td[starts-with(normalize-space(.), 'Inaccessible: ')]"
        ))
        .unwrap()
        .expect("the row says why it is inaccessible");
    // The cell's full text (it may be cut with an ellipsis on screen).
    let home_text = session
        .attribute(&health_cell, "title")
        .unwrap()
        .unwrap_or_default();
    let reason = home_text
        .trim()
        .trim_start_matches("Inaccessible: ")
        .to_owned();
    assert!(reason.len() > 20, "a reason: {home_text}");

    // A click opens the registry's Encryption blade, with the same reason.
    portal::click(
        &session,
        &format!("{revoked_row}//button[{}]", with_text("crcontosorevoked")),
        "crcontosorevoked",
    )
    .unwrap();
    session
        .wait_for(
            &format!("//h1[{}]", with_text("crcontosorevoked | Encryption")),
            "the Encryption blade of crcontosorevoked",
            UI_TIMEOUT,
        )
        .unwrap();
    portal::wait_exact_fact(&session, "Data health", "Inaccessible").unwrap();
    let page = session.page_text().unwrap();
    let normalise = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        normalise(&page).contains(&normalise(&reason)),
        "the blade gives Home's reason {reason:?}"
    );

    // Back to Home: the filter is as it was left.
    portal::open_blade(&session, "Home").unwrap();
    session
        .wait_for(&revoked_row, "the filtered table again", UI_TIMEOUT)
        .unwrap();
    let pressed = session
        .find(&format!(
            "{}[@aria-pressed='true']",
            summary_button(&format!("{inaccessible} inaccessible"))
        ))
        .unwrap();
    assert!(pressed.is_some(), "the inaccessible filter is still on");
}

#[test]
fn home_in_dark_and_light() {
    let env = E2eEnv::from_env();
    for (theme, shot) in [
        ("Adwaita:dark", "home-dark"),
        ("Adwaita", "home-light-demo"),
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
        session
            .wait_for(
                "//*[@role='status'][contains(normalize-space(.), 'Checked all')]",
                "every key checked",
                CHECKS,
            )
            .expect("the demo opens on Home and checks its keys");
        env.save_screenshot(&session, shot).unwrap();
    }
}
