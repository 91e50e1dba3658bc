//! History and undo, end to end: a key change made through Change key appears in History;
//! its Undo plans the change back, shows it for review, runs it, and the sandbox itself
//! shows the old key again; History then lists the undo, marked as one.

// clippy allows unwrap in #[test] functions only; the helpers here are test code too.
#![allow(clippy::unwrap_used)]

use keyblade_e2e::portal::{self, SAVE_TIMEOUT};
use keyblade_e2e::{E2eEnv, Tenant, UI_TIMEOUT, demo, with_text};
use serde_json::Value;

fn key_identifier(stored: &Value) -> String {
    stored["properties"]["encryption"]["keyVaultProperties"]["keyIdentifier"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The History table's entry button (its Action cell) named `action`.
fn entry(action: &str) -> String {
    format!(
        "//table[@aria-label='Changes']//button[{}]",
        with_text(action)
    )
}

#[test]
fn a_key_change_is_in_history_and_undo_puts_the_old_key_back() {
    let env = E2eEnv::from_env();
    let registry = "crcontosopinned";
    let sandbox = env.start_sandbox("history-undo").unwrap();
    let profile = env.profile("history-undo").unwrap();
    let session = env
        .launch_app(&profile, &Tenant::Sandbox(&sandbox))
        .expect("the app starts under tauri-driver");
    portal::wait_session(&session, "service principal")
        .expect("the app signs in to the sandbox from its environment");
    portal::open_encryption(&session, demo::PRODUCTION, registry).unwrap();
    let id = demo::registry_id(registry);

    // crcontosopinned is pinned to the older of acr-pinned-key's two versions: pin the newer.
    let old_key = key_identifier(&sandbox.resource(&id).unwrap());
    let versions = sandbox
        .key_versions("kv-contoso-prod-cmk", "acr-pinned-key")
        .unwrap();
    let newest = versions.last().unwrap();
    assert!(
        !old_key.ends_with(newest.as_str()),
        "the demo pins an older version: {old_key}"
    );
    let new_key = format!(
        "{}keys/acr-pinned-key/{newest}",
        sandbox.vault_uri("kv-contoso-prod-cmk").unwrap()
    );

    let panel = portal::open_change_key(&session).unwrap();
    portal::select_choice(
        &session,
        &portal::choice(&panel, "Enter key URI"),
        "Enter key URI",
    )
    .unwrap();
    // The field starts with the key in use; typing replaces it.
    let uri = portal::field(&panel, "Key URI");
    portal::type_into(&session, &uri, &new_key, "Key URI").unwrap();
    session
        .wait_for(
            &portal::text_containing(&panel, "Versioned: manual rotation"),
            "the Key URI's validation",
            UI_TIMEOUT,
        )
        .unwrap();
    portal::wait_enabled(
        &session,
        &portal::button(&panel, "Save"),
        "Save",
        SAVE_TIMEOUT,
    )
    .unwrap();
    portal::save_change(&session, &panel).unwrap();
    let notification = portal::wait_notification(
        &session,
        &format!("Changing the key of {registry}"),
        SAVE_TIMEOUT,
    )
    .unwrap();
    assert!(
        notification.contains("Saved and verified"),
        "the change must end verified: {notification}"
    );
    portal::close_notifications(&session).unwrap();
    assert_eq!(key_identifier(&sandbox.resource(&id).unwrap()), new_key);

    // History lists it, with its outcome.
    portal::open_blade(&session, "History").unwrap();
    session
        .wait_for(
            &format!("//h1[{}]", with_text(&format!("{registry} | History"))),
            "the History blade's title",
            UI_TIMEOUT,
        )
        .unwrap();
    let change = entry("Change key");
    session
        .wait_for(&change, "the Change key entry", UI_TIMEOUT)
        .unwrap();
    session
        .wait_for(
            &format!(
                "//table[@aria-label='Changes']//tr[.//button[{}]][.//*[{}]]",
                with_text("Change key"),
                with_text("Succeeded")
            ),
            "the entry's outcome",
            UI_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(&session, "history-list").unwrap();

    // Its details: before → after, the calls and their az commands.
    portal::click(&session, &change, "the Change key entry").unwrap();
    let details = portal::dialog("Change details");
    session
        .wait_for(&details, "the entry's details", UI_TIMEOUT)
        .unwrap();
    session
        .wait_for(
            &portal::text_containing(&details, &old_key),
            "the key before",
            UI_TIMEOUT,
        )
        .unwrap();
    session
        .wait_for(
            &portal::text_containing(&details, "az acr encryption"),
            "the az command",
            UI_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot_cropped(&session, "history-details", &details)
        .unwrap();

    // Undo: the review is Change key's preflight back to the old key.
    portal::click(&session, &portal::button(&details, "Undo"), "Undo").unwrap();
    let undo = portal::dialog("Undo change");
    session
        .wait_for(&undo, "the undo review", UI_TIMEOUT)
        .unwrap();
    let review = session
        .wait_for(
            &format!("{undo}//p[starts-with(normalize-space(), 'Key URI to store:')]"),
            "the key URI to store",
            SAVE_TIMEOUT,
        )
        .unwrap();
    let review_text = session.text(&review).unwrap();
    assert!(review_text.contains(&old_key), "{review_text}");
    let run = portal::button(&undo, "Undo");
    portal::wait_enabled(&session, &run, "Undo", SAVE_TIMEOUT).unwrap();
    portal::show_review(&session, &undo).unwrap();
    env.save_screenshot_cropped(&session, "history-undo-review", &undo)
        .unwrap();
    portal::click(&session, &run, "Undo").unwrap();

    // The undo's record: what keyblade read back.
    session
        .wait_for(
            &portal::text(&undo, "Undo: Succeeded"),
            "the undo's outcome",
            SAVE_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot_cropped(&session, "history-undo-done", &undo)
        .unwrap();
    // The sandbox itself: the old key again, and the identity can use it.
    let stored = sandbox.resource(&id).unwrap();
    assert_eq!(key_identifier(&stored), old_key, "{stored}");
    let health = sandbox.health(&id).unwrap();
    assert_eq!(health["health"], "accessible", "{health}");

    portal::click(&session, &portal::button(&undo, "Close"), "Close").unwrap();
    portal::wait_gone(&session, &undo, "the undo panel", UI_TIMEOUT).unwrap();
    session
        .wait_for(&entry("Undo: Change key"), "the undo's entry", UI_TIMEOUT)
        .unwrap();
    env.save_screenshot(&session, "history-after-undo").unwrap();
}
