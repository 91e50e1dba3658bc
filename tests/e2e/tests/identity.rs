//! The Identity blade end to end: the system-assigned identity turned off where the key does
//! not use it, a user-assigned identity of another subscription added and removed, and the
//! removal of the identity a key uses refused with its reason on screen. Every change goes
//! through the lifecycle review; each result is checked in the sandbox's stored resource.

#![allow(clippy::unwrap_used)]

use keyblade_e2e::portal::{self, SAVE_TIMEOUT};
use keyblade_e2e::{E2eEnv, Sandbox, Session, Tenant, UI_TIMEOUT, demo, with_text};
use serde_json::Value;

fn open_identity(
    env: &E2eEnv,
    name: &str,
    subscription: &str,
    resource: &str,
) -> (Sandbox, Session) {
    let sandbox = env.start_sandbox(name).unwrap();
    let profile = env.profile(name).unwrap();
    let session = env
        .launch_app(&profile, &Tenant::Sandbox(&sandbox))
        .expect("the app starts under tauri-driver");
    portal::wait_session(&session, "service principal").unwrap();
    portal::select_resource(&session, subscription, resource).unwrap();
    portal::open_blade(&session, "Identity").unwrap();
    session
        .wait_for(
            &section("User assigned"),
            "the Identity blade's User assigned section",
            UI_TIMEOUT,
        )
        .unwrap();
    (sandbox, session)
}

/// The blade section titled `title`.
fn section(title: &str) -> String {
    format!("//section[.//h2[{}]]", with_text(title))
}

fn stored_users(stored: &Value) -> Vec<String> {
    let mut users: Vec<String> = stored
        .pointer("/identity/userAssignedIdentities")
        .and_then(Value::as_object)
        .map(|map| map.keys().map(|k| k.to_ascii_lowercase()).collect())
        .unwrap_or_default();
    users.sort();
    users
}

fn stored_system(stored: &Value) -> bool {
    stored
        .pointer("/identity/type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.to_ascii_lowercase().contains("systemassigned"))
}

/// Waits for the review titled `title`, runs it with `verb`, waits for "Done" and returns
/// the review's text; leaves it open (for a screenshot).
fn run_review(env: &E2eEnv, session: &Session, title: &str, verb: &str, shot: &str) -> String {
    let review = portal::dialog(title);
    session
        .wait_for(&review, &format!("the review {title:?}"), UI_TIMEOUT)
        .unwrap();
    portal::wait_enabled(session, &portal::button(&review, verb), verb, UI_TIMEOUT).unwrap();
    env.save_screenshot(session, &format!("{shot}-review"))
        .unwrap();
    portal::click(session, &portal::button(&review, verb), verb).unwrap();
    session
        .wait_for(
            &portal::text(&review, "Done"),
            "the outcome Done",
            SAVE_TIMEOUT,
        )
        .unwrap_or_else(|error| panic!("{error}: {}", session.page_text().unwrap_or_default()));
    env.save_screenshot(session, shot).unwrap();
    let text = portal::text_of(session, &review, "the review").unwrap();
    portal::click(session, &portal::button(&review, "Close"), "Close").unwrap();
    portal::wait_gone(session, &review, "the review", UI_TIMEOUT).unwrap();
    text
}

/// cog-contoso-language (shared subscription) has a system-assigned identity and no
/// customer-managed key: Status Off, Save, Turn off. Then id-acr-prod, an identity of the
/// production subscription, is added from the Add panel and removed again.
#[test]
fn turns_off_an_unused_system_identity_and_adds_and_removes_a_user_assigned_one() {
    let env = E2eEnv::from_env();
    let account = "cog-contoso-language";
    let (sandbox, session) = open_identity(&env, "identity-account", demo::SHARED, account);
    let id = demo::cognitive_account_id(account);
    assert!(stored_system(&sandbox.resource(&id).unwrap()));
    env.save_screenshot(&session, "identity-account-before")
        .unwrap();

    let system = section("System assigned");
    portal::select_choice(&session, &portal::choice(&system, "Off"), "Status Off").unwrap();
    portal::click(&session, &portal::button(&system, "Save"), "Save").unwrap();
    let text = run_review(
        &env,
        &session,
        &format!("Turn off the system-assigned identity of {account}"),
        "Turn off",
        "identity-account-system-off",
    );
    assert!(text.contains("is off"), "{text}");
    let stored = sandbox.resource(&id).unwrap();
    assert!(
        !stored_system(&stored),
        "the sandbox still has it: {stored}"
    );

    // Add id-acr-prod from the production subscription.
    session
        .wait_for(&section("User assigned"), "the blade again", UI_TIMEOUT)
        .unwrap();
    portal::click(
        &session,
        &portal::button(&section("User assigned"), "Add"),
        "Add",
    )
    .unwrap();
    let panel = portal::dialog("Add user assigned managed identity");
    session
        .wait_for(&panel, "the Add panel", UI_TIMEOUT)
        .unwrap();
    portal::choose(
        &session,
        &portal::field(&panel, "Subscription"),
        demo::PRODUCTION,
        "the Add panel's Subscription",
    )
    .unwrap();
    portal::select_choice(
        &session,
        &portal::choice(&panel, "id-acr-prod"),
        "id-acr-prod",
    )
    .unwrap();
    env.save_screenshot(&session, "identity-account-add-panel")
        .unwrap();
    portal::click(&session, &portal::button(&panel, "Add"), "Add").unwrap();
    run_review(
        &env,
        &session,
        &format!("Add user-assigned identity id-acr-prod to {account}"),
        "Add",
        "identity-account-added",
    );
    let uai = demo::identity_id("id-acr-prod").to_ascii_lowercase();
    assert_eq!(stored_users(&sandbox.resource(&id).unwrap()), [uai]);

    // And remove it again.
    let users = section("User assigned");
    session
        .wait_for(
            &portal::button(&users, "Remove id-acr-prod"),
            "Remove id-acr-prod",
            UI_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(&session, "identity-account-attached")
        .unwrap();
    portal::click(
        &session,
        &portal::button(&users, "Remove id-acr-prod"),
        "Remove id-acr-prod",
    )
    .unwrap();
    run_review(
        &env,
        &session,
        &format!("Remove user-assigned identity id-acr-prod from {account}"),
        "Remove",
        "identity-account-removed",
    );
    assert!(stored_users(&sandbox.resource(&id).unwrap()).is_empty());
}

/// crcontosoprod reaches its key with id-acr-prod: the review of Remove says why it is
/// refused (the data would become unreadable), Remove stays disabled, nothing is written.
#[test]
fn refuses_to_remove_the_identity_the_key_uses() {
    let env = E2eEnv::from_env();
    let registry = "crcontosoprod";
    let (sandbox, session) = open_identity(&env, "identity-refused", demo::PRODUCTION, registry);
    let id = demo::registry_id(registry);
    let before = sandbox.resource(&id).unwrap();
    let users = section("User assigned");
    portal::click(
        &session,
        &portal::button(&users, "Remove id-acr-prod"),
        "Remove id-acr-prod",
    )
    .unwrap();
    let review = portal::dialog(&format!(
        "Remove user-assigned identity id-acr-prod from {registry}"
    ));
    session.wait_for(&review, "the review", UI_TIMEOUT).unwrap();
    session
        .wait_for(
            &portal::text_containing(&review, "the data would become unreadable"),
            "the reason",
            UI_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(&session, "identity-refused-remove")
        .unwrap();
    assert!(
        !portal::is_enabled(&session, &portal::button(&review, "Remove"), "Remove").unwrap(),
        "Remove must stay disabled"
    );
    portal::click(&session, &portal::button(&review, "Cancel"), "Cancel").unwrap();
    portal::wait_gone(&session, &review, "the review", UI_TIMEOUT).unwrap();
    let after = sandbox.resource(&id).unwrap();
    assert_eq!(before["etag"], after["etag"], "nothing was written");
    assert_eq!(
        stored_users(&after),
        [demo::identity_id("id-acr-prod").to_ascii_lowercase()]
    );
    assert_eq!(sandbox.health(&id).unwrap()["health"], "accessible");
}
