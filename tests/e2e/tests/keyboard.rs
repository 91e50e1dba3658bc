//! The whole Change key flow with the keyboard only: pick the registry, open its Encryption
//! blade, open Change key, choose Enter key URI, type the key's URI, save, and read the
//! outcome, with Tab, Shift+Tab, the arrow keys, Enter and typing; no click and no element
//! targeted. The sandbox then stores the new key and says the registry can use it.

#![allow(clippy::unwrap_used)]

use keyblade_e2e::keyboard::{self, Focused};
use keyblade_e2e::portal::{self, SAVE_TIMEOUT};
use keyblade_e2e::{E2eEnv, Tenant, UI_TIMEOUT, demo, keys};

#[test]
fn change_key_with_the_keyboard_only() {
    let env = E2eEnv::from_env();
    let registry = "crcontosoprod";
    let sandbox = env.start_sandbox("keyboard").unwrap();
    let profile = env.profile("keyboard").unwrap();
    let session = env
        .launch_app(&profile, &Tenant::Sandbox(&sandbox))
        .expect("the app starts under tauri-driver");
    portal::wait_session(&session, "service principal").unwrap();
    let id = demo::registry_id(registry);
    let key_uri = format!(
        "{}keys/storage-cmk-key",
        sandbox.vault_uri("kv-contoso-prod-cmk").unwrap()
    );

    // The resource picker, from the header.
    keyboard::activate(&session, "Select resource").unwrap();
    let picker = portal::dialog("Select a resource");
    session
        .wait_for(&picker, "the resource picker", UI_TIMEOUT)
        .unwrap();
    keyboard::tab_to(&session, "the picker's Subscription", false, |f| {
        f.role == "select" && f.name.starts_with("Subscription")
    })
    .unwrap();
    keyboard::choose_option(&session, demo::PRODUCTION).unwrap();
    session
        .wait_for(
            &portal::text(&picker, registry),
            "the registry in the picker",
            UI_TIMEOUT,
        )
        .unwrap();
    keyboard::tab_to(&session, "the picker's resources", false, |f| {
        f.role == "input:radio"
    })
    .unwrap();
    keyboard::arrow_to(&session, registry, |f| {
        f.name == registry || f.name.starts_with(&format!("{registry} "))
    })
    .unwrap();
    keyboard::activate(&session, "Select").unwrap();
    portal::wait_gone(&session, &picker, "the resource picker", UI_TIMEOUT).unwrap();

    // The Encryption blade, from the resource menu: one Tab stop, then the arrow keys.
    keyboard::tab_to(&session, "the resource menu", false, |f| {
        f.role == "button" && f.name == "Home"
    })
    .unwrap();
    keyboard::arrow_to(&session, "Encryption in the resource menu", |f| {
        f.name == "Encryption"
    })
    .unwrap();
    session.press_keys(keys::ENTER).unwrap();
    session
        .wait_for(
            &format!("//h1[normalize-space()='{registry} | Encryption']"),
            "the Encryption blade",
            UI_TIMEOUT,
        )
        .unwrap();
    portal::wait_exact_fact(&session, "Key", "acr-prod-key").unwrap();

    // Change key: Enter key URI, the URI typed, Save.
    keyboard::activate(&session, "Change key").unwrap();
    let panel = portal::dialog("Change key");
    session
        .wait_for(&panel, "the Change key panel", UI_TIMEOUT)
        .unwrap();
    keyboard::tab_to(&session, "the Encryption key choice", false, |f| {
        f.role == "input:radio" && f.name == "Select from Key Vault"
    })
    .unwrap();
    keyboard::arrow_to(&session, "Enter key URI", |f: &Focused| {
        f.name == "Enter key URI"
    })
    .unwrap();
    keyboard::tab_to(&session, "the Key URI field", false, |f| {
        f.role == "input:text" && f.name.starts_with("Key URI")
    })
    .unwrap();
    session.press_keys(&key_uri).unwrap();
    session
        .wait_for(
            &portal::text_containing(&panel, "Unversioned: automatic rotation"),
            "the Key URI's validation",
            UI_TIMEOUT,
        )
        .unwrap();
    // Reading whether Save is available is looking at the screen, not using the mouse.
    portal::wait_enabled(
        &session,
        &portal::button(&panel, "Save"),
        "Save",
        SAVE_TIMEOUT,
    )
    .unwrap();
    env.save_screenshot(&session, "keyboard-change-key")
        .unwrap();
    keyboard::activate(&session, "Save").unwrap();
    portal::wait_gone(&session, &panel, "the Change key panel", UI_TIMEOUT).unwrap();

    // The outcome, in the notifications panel opened from the header's bell.
    keyboard::tab_to(&session, "the notifications bell", true, |f| {
        f.name.starts_with("Notifications")
    })
    .unwrap();
    session.press_keys(keys::ENTER).unwrap();
    let notification = portal::wait_notification(
        &session,
        &format!("Changing the key of {registry}"),
        SAVE_TIMEOUT,
    )
    .unwrap();
    env.save_screenshot(&session, "keyboard-saved").unwrap();
    assert!(
        notification.contains("Saved and verified"),
        "the save must end verified: {notification}"
    );

    let stored = sandbox.resource(&id).unwrap();
    assert_eq!(
        stored["properties"]["encryption"]["keyVaultProperties"]["keyIdentifier"],
        key_uri.as_str(),
        "{stored}"
    );
    let health = sandbox.health(&id).unwrap();
    assert_eq!(health["health"], "accessible", "{health}");
}
