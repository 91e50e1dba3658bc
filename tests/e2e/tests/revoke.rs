//! Revoke access and Restore access, end to end: the real app on a fresh sandbox per test,
//! driven through the Encryption blade's Revoke access and Restore access panels by labels.
//! Each step is checked through the sandbox's own CMK health (whether the registry's
//! identity can really use its key), not through the app; screenshots of every dialog and of
//! the blade after each step are kept.

// clippy allows unwrap in #[test] functions only; the helpers here are test code too.
#![allow(clippy::unwrap_used)]

use keyblade_e2e::portal::{self, SAVE_TIMEOUT};
use keyblade_e2e::{E2eEnv, Sandbox, Session, Tenant, UI_TIMEOUT, demo};

const REGISTRY: &str = "crcontosoprod";

/// The app on a fresh sandbox, showing the registry's Encryption blade, accessible.
fn open_registry(env: &E2eEnv, name: &str) -> (Sandbox, Session) {
    let sandbox = env.start_sandbox(name).unwrap();
    let profile = env.profile(name).unwrap();
    let session = env
        .launch_app(&profile, &Tenant::Sandbox(&sandbox))
        .expect("the app starts under tauri-driver");
    portal::wait_session(&session, "service principal")
        .expect("the app signs in to the sandbox from its environment");
    portal::open_encryption(&session, demo::PRODUCTION, REGISTRY).unwrap();
    portal::wait_exact_fact(&session, "Data health", "Accessible").unwrap();
    (sandbox, session)
}

fn oracle(sandbox: &Sandbox) -> String {
    let health = sandbox.health(&demo::registry_id(REGISTRY)).unwrap();
    health["health"].as_str().unwrap_or_default().to_owned()
}

/// Revoke access → `way` → Review → type the name → Revoke access; returns the outcome text.
fn revoke(env: &E2eEnv, session: &Session, way: &str, review_title: &str, shot: &str) {
    portal::click(
        session,
        &portal::command("Revoke access"),
        "the Revoke access command",
    )
    .unwrap();
    let panel = portal::dialog("Revoke access");
    session
        .wait_for(&panel, "the Revoke access panel", UI_TIMEOUT)
        .unwrap();
    let choice = portal::choice(&panel, way);
    portal::wait_enabled(session, &choice, way, UI_TIMEOUT).unwrap();
    // The role way does not apply to this access-policy vault: greyed out, with the reason.
    assert!(
        !portal::is_enabled(
            session,
            &portal::choice(&panel, "Remove the role assignment"),
            "Remove the role assignment"
        )
        .unwrap()
    );
    portal::select_choice(session, &choice, way).unwrap();
    env.save_screenshot(session, &format!("{shot}-1-choose"))
        .unwrap();
    portal::click(session, &portal::button(&panel, "Review"), "Review").unwrap();

    let review = portal::dialog(review_title);
    session
        .wait_for(&review, "the revoke review", UI_TIMEOUT)
        .unwrap();
    let name = portal::field(&review, "Type the resource name to confirm");
    let run = portal::button(&review, "Revoke access");
    session
        .wait_for(&name, "the name to type", UI_TIMEOUT)
        .unwrap();
    assert!(
        !portal::is_enabled(session, &run, "Revoke access").unwrap(),
        "Revoke access waits for the name"
    );
    type_when_ready(session, &name, REGISTRY);
    env.save_screenshot(session, &format!("{shot}-2-review"))
        .unwrap();
    portal::click(session, &run, "Revoke access").unwrap();
    let outcome = session
        .wait_for(
            &portal::text_containing(&review, "Access is revoked"),
            "the revoke's read-back",
            SAVE_TIMEOUT,
        )
        .unwrap();
    session.scroll_into_view(&outcome).unwrap();
    env.save_screenshot(session, &format!("{shot}-3-outcome"))
        .unwrap();
    portal::click(session, &portal::button(&review, "Close"), "Close").unwrap();
    portal::wait_gone(session, &review, "the revoke review", UI_TIMEOUT).unwrap();
}

/// Types into the input once it can take keys: the review's drawer slides in as the choice
/// panel leaves, and WebKitWebDriver refuses input to an element still moving
/// ("element not interactable").
fn type_when_ready(session: &Session, xpath: &str, text: &str) {
    let deadline = std::time::Instant::now() + UI_TIMEOUT;
    loop {
        let element = session
            .wait_for(xpath, "the name to type", UI_TIMEOUT)
            .unwrap();
        let _ = session.scroll_into_view(&element);
        match portal::type_into(session, xpath, text, "the resource name") {
            Ok(()) => return,
            Err(error) if std::time::Instant::now() < deadline => {
                eprintln!("typing the name again: {error}");
                std::thread::sleep(std::time::Duration::from_millis(300));
            }
            Err(error) => panic!("{error}"),
        }
    }
}

/// Restore access → the diagnosis's `fix` button → Restore access → back to the diagnosis,
/// which says the registry can reach its key.
fn restore(
    env: &E2eEnv,
    session: &Session,
    cause: &str,
    fix: &str,
    review_title: &str,
    shot: &str,
) {
    portal::click(
        session,
        &portal::command("Restore access"),
        "the Restore access command",
    )
    .unwrap();
    let panel = portal::dialog("Restore access");
    session
        .wait_for(&panel, "the Restore access panel", UI_TIMEOUT)
        .unwrap();
    session
        .wait_for(
            &portal::text_containing(&panel, cause),
            "the cause in the diagnosis",
            SAVE_TIMEOUT,
        )
        .unwrap();
    let button = portal::button(&panel, fix);
    session.wait_for(&button, fix, UI_TIMEOUT).unwrap();
    env.save_screenshot(session, &format!("{shot}-1-diagnosis"))
        .unwrap();
    portal::click(session, &button, fix).unwrap();

    let review = portal::dialog(review_title);
    session
        .wait_for(&review, "the restore review", UI_TIMEOUT)
        .unwrap();
    let run = portal::button(&review, "Restore access");
    portal::wait_enabled(session, &run, "Restore access", UI_TIMEOUT).unwrap();
    env.save_screenshot(session, &format!("{shot}-2-review"))
        .unwrap();
    portal::click(session, &run, "Restore access").unwrap();
    session
        .wait_for(
            &portal::text_containing(&review, "Access is restored"),
            "the restore's read-back",
            SAVE_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(session, &format!("{shot}-3-outcome"))
        .unwrap();
    portal::click(session, &portal::button(&review, "Close"), "Close").unwrap();
    // Back on the diagnosis, checked again.
    session
        .wait_for(
            &portal::text_containing(&panel, "can reach its key"),
            "the diagnosis after the fix",
            SAVE_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(session, &format!("{shot}-4-accessible"))
        .unwrap();
    portal::click(session, &portal::button(&panel, "Close"), "Close").unwrap();
    portal::wait_gone(session, &panel, "the Restore access panel", UI_TIMEOUT).unwrap();
}

/// The blade after Refresh says `health`.
fn blade_says(env: &E2eEnv, session: &Session, health: &str, shot: &str) {
    portal::click(session, &portal::command("Refresh"), "Refresh").unwrap();
    portal::wait_exact_fact(session, "Data health", health).unwrap();
    env.save_screenshot(session, shot).unwrap();
}

#[test]
fn revoke_by_disabling_the_key_then_enable_it() {
    let env = E2eEnv::from_env();
    let (sandbox, session) = open_registry(&env, "revoke-disable");
    env.save_screenshot(&session, "revoke-disable-0-blade")
        .unwrap();

    revoke(
        &env,
        &session,
        "Disable the key",
        "Revoke access by disabling the key",
        "revoke-disable",
    );
    let health = oracle(&sandbox);
    assert!(health.starts_with("inaccessible"), "{health}");
    assert!(
        health.contains("KeyDisabled") || health.contains("disabled"),
        "{health}"
    );
    blade_says(&env, &session, "Inaccessible", "revoke-disable-4-blade");
    session
        .wait_for(
            &portal::text_containing("//main", "is disabled"),
            "the reason on the blade",
            UI_TIMEOUT,
        )
        .expect("the blade says why the data is inaccessible");

    restore(
        &env,
        &session,
        "is disabled",
        "Enable the key",
        "Restore access: enable the key",
        "restore-enable",
    );
    assert_eq!(oracle(&sandbox), "accessible");
    blade_says(&env, &session, "Accessible", "restore-enable-5-blade");
}

#[test]
fn revoke_by_deleting_the_key_then_recover_it() {
    let env = E2eEnv::from_env();
    let (sandbox, session) = open_registry(&env, "revoke-delete");

    revoke(
        &env,
        &session,
        "Delete the key",
        "Revoke access by deleting the key",
        "revoke-delete",
    );
    let health = oracle(&sandbox);
    assert!(health.starts_with("inaccessible"), "{health}");
    assert!(health.contains("deleted"), "{health}");
    blade_says(&env, &session, "Inaccessible", "revoke-delete-4-blade");

    restore(
        &env,
        &session,
        "can be recovered",
        "Recover the key",
        "Restore access: recover the key",
        "restore-recover",
    );
    assert_eq!(oracle(&sandbox), "accessible");
    blade_says(&env, &session, "Accessible", "restore-recover-5-blade");
}
