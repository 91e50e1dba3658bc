//! One Encryption blade for three kinds, end to end: for a Storage account and an Azure AI
//! services (Cognitive Services) account, the test turns customer-managed keys on, updates
//! the key version, switches to a key in another vault, and turns them off again, through
//! the same Change key panel as registries; the storage account's first choice is a vault
//! without purge protection, which it turns on from the review. After each save it checks
//! the account through the sandbox itself: what it stores, and whether the identity can use
//! the key.

#![allow(clippy::unwrap_used)]

use keyblade_e2e::portal::{self, SAVE_TIMEOUT};
use keyblade_e2e::{E2eEnv, Sandbox, Session, Tenant, UI_TIMEOUT, demo};
use serde_json::Value;

fn open_account(env: &E2eEnv, name: &str, subscription: &str, account: &str) -> (Sandbox, Session) {
    let sandbox = env.start_sandbox(name).unwrap();
    let profile = env.profile(name).unwrap();
    let session = env
        .launch_app(&profile, &Tenant::Sandbox(&sandbox))
        .expect("the app starts under tauri-driver");
    portal::wait_session(&session, "service principal").unwrap();
    portal::open_encryption(&session, subscription, account).unwrap();
    (sandbox, session)
}

fn encryption(stored: &Value) -> &Value {
    &stored["properties"]["encryption"]
}

fn assert_accessible(sandbox: &Sandbox, id: &str) {
    let health = sandbox.health(id).unwrap();
    assert_eq!(health["health"], "accessible", "{health}");
}

/// Types `uri` into Enter key URI and waits for its validation.
fn enter_key_uri(session: &Session, panel: &str, uri: &str) {
    portal::select_choice(
        session,
        &portal::choice(panel, "Enter key URI"),
        "Enter key URI",
    )
    .unwrap();
    portal::type_into(session, &portal::field(panel, "Key URI"), uri, "Key URI").unwrap();
}

/// Grants the identity access when preflight offers it (it has none on the new vault yet):
/// **Grant access** for an identity that exists, or "Grant access when saving" for one the
/// save creates.
fn grant_if_offered(session: &Session, panel: &str) {
    let grant = portal::choice(panel, "Grant access when saving");
    let grant_now = portal::button(panel, "Grant access");
    let save = portal::button(panel, "Save");
    let deadline = std::time::Instant::now() + SAVE_TIMEOUT;
    loop {
        if portal::is_enabled(session, &save, "Save").unwrap_or(false) {
            return;
        }
        if let Some(checkbox) = session.find(&grant).unwrap()
            && !session.is_selected(&checkbox).unwrap_or(true)
        {
            portal::click(session, &grant, "Grant access when saving").unwrap();
        } else if let Some(button) = session.find(&grant_now).unwrap()
            && session.is_enabled(&button).unwrap_or(false)
        {
            portal::click(session, &grant_now, "Grant access").unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "Save never became available: {}",
            session.page_text().unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Saves and waits for the notification to say it was verified.
fn save_verified(env: &E2eEnv, session: &Session, panel: &str, account: &str, shot: &str) {
    portal::save_change(session, panel).unwrap();
    let notification = portal::wait_notification(
        session,
        &format!("Changing the key of {account}"),
        SAVE_TIMEOUT,
    )
    .unwrap();
    env.save_screenshot(session, shot).unwrap();
    assert!(
        notification.contains("Saved and verified"),
        "the save must end verified: {notification}"
    );
    portal::close_notifications(session).unwrap();
}

/// Microsoft-managed keys, confirmed in the Turn off dialog.
fn turn_off(env: &E2eEnv, session: &Session, account: &str, shot: &str) {
    let panel = portal::open_change_key(session).unwrap();
    portal::select_choice(
        session,
        &portal::choice(&panel, "Microsoft-managed keys"),
        "Microsoft-managed keys",
    )
    .unwrap();
    portal::wait_enabled(
        session,
        &portal::button(&panel, "Save"),
        "Save",
        SAVE_TIMEOUT,
    )
    .unwrap();
    env.save_screenshot_cropped(session, &format!("{shot}-panel"), &panel)
        .unwrap();
    portal::click(session, &portal::button(&panel, "Save"), "Save").unwrap();
    let confirm = portal::alert_dialog("Turn off customer-managed keys?");
    session
        .wait_for(&confirm, "the Turn off confirmation", UI_TIMEOUT)
        .unwrap();
    env.save_screenshot(session, &format!("{shot}-confirm"))
        .unwrap();
    portal::click(session, &portal::button(&confirm, "Turn off"), "Turn off").unwrap();
    portal::wait_gone(session, &panel, "the Change key panel", UI_TIMEOUT).unwrap();
    let notification = portal::wait_notification(
        session,
        &format!("Changing the key of {account}"),
        SAVE_TIMEOUT,
    )
    .unwrap();
    assert!(
        notification.contains("Saved and verified"),
        "turning CMK off must end verified: {notification}"
    );
    portal::close_notifications(session).unwrap();
    env.save_screenshot(session, shot).unwrap();
}

/// Ticks "Turn on the system-assigned identity" when the panel offers it unticked.
fn turn_on_system_if_offered(session: &Session, panel: &str) {
    let turn_on = portal::choice(panel, "Turn on the system-assigned identity");
    if let Some(checkbox) = session.find(&turn_on).unwrap()
        && !session.is_selected(&checkbox).unwrap_or(true)
    {
        portal::select_choice(session, &turn_on, "Turn on the system-assigned identity").unwrap();
    }
}

/// A key in kv-contoso-dev, which has no purge protection: preflight refuses it for a storage
/// account and offers **Turn on purge protection**; its review asks for the vault's name and
/// the irreversibility tick, runs, and the sandbox's stored vault then has purge protection,
/// and preflight no longer objects.
fn protect_vault_first(env: &E2eEnv, session: &Session, sandbox: &Sandbox, panel: &str) {
    let dev_vault = sandbox.vault_uri("kv-contoso-dev").unwrap();
    enter_key_uri(session, panel, &format!("{dev_vault}keys/acr-revoked-key"));
    let offer = portal::button(panel, "Turn on purge protection");
    session
        .wait_for(
            &offer,
            "Turn on purge protection in the review",
            SAVE_TIMEOUT,
        )
        .unwrap();
    assert!(!portal::is_enabled(session, &portal::button(panel, "Save"), "Save").unwrap());
    env.save_screenshot_cropped(session, "storage-vault-unprotected", panel)
        .unwrap();
    portal::click(session, &offer, "Turn on purge protection").unwrap();
    let review = portal::dialog("Turn on purge protection for vault kv-contoso-dev");
    session
        .wait_for(&review, "the purge protection review", UI_TIMEOUT)
        .unwrap();
    let run = portal::button(&review, "Turn on purge protection");
    portal::type_into(
        session,
        &portal::field(&review, "Type the resource name to confirm"),
        "kv-contoso-dev",
        "the vault's name",
    )
    .unwrap();
    assert!(
        !portal::is_enabled(session, &run, "Turn on purge protection").unwrap(),
        "the name alone is not enough"
    );
    // The tick sits below the review's findings and steps: bring it into view first.
    let acknowledgement = portal::choice(
        &review,
        "I understand purge protection cannot be turned off again",
    );
    let tick = session
        .wait_for(&acknowledgement, "the acknowledgement", UI_TIMEOUT)
        .unwrap();
    session.scroll_into_view(&tick).unwrap();
    portal::select_choice(session, &acknowledgement, "the acknowledgement").unwrap();
    env.save_screenshot(session, "storage-protect-review")
        .unwrap();
    portal::wait_enabled(session, &run, "Turn on purge protection", UI_TIMEOUT).unwrap();
    portal::click(session, &run, "Turn on purge protection").unwrap();
    session
        .wait_for(
            &portal::text_containing(&review, "purge protection on"),
            "the read-back",
            SAVE_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(session, "storage-protect-done")
        .unwrap();
    let vault = sandbox.resource(&demo::vault_id("kv-contoso-dev")).unwrap();
    assert_eq!(
        vault["properties"]["enablePurgeProtection"], true,
        "{vault}"
    );
    portal::click(session, &portal::button(&review, "Close"), "Close").unwrap();
    portal::wait_gone(session, &review, "the purge protection review", UI_TIMEOUT).unwrap();
    portal::wait_gone(session, &offer, "Turn on purge protection", SAVE_TIMEOUT).unwrap();
}

#[test]
fn a_storage_account_turns_cmk_on_updates_changes_vault_and_turns_it_off() {
    let env = E2eEnv::from_env();
    let account = "stcontosoplain";
    let (sandbox, session) = open_account(&env, "kind-storage", demo::PRODUCTION, account);
    let id = demo::storage_account_id(account);
    env.save_screenshot(&session, "storage-encryption-mmk")
        .unwrap();

    // On: the key with the system-assigned identity, which gets access in the same save.
    let panel = portal::open_change_key(&session).unwrap();
    portal::select_choice(
        &session,
        &portal::choice(&panel, "Customer-managed keys"),
        "Customer-managed keys",
    )
    .unwrap();
    // The identity first: preflight runs once a key and an identity are chosen.
    portal::select_choice(
        &session,
        &portal::choice(&panel, "System assigned"),
        "System assigned",
    )
    .unwrap();
    turn_on_system_if_offered(&session, &panel);
    protect_vault_first(&env, &session, &sandbox, &panel);
    let cmk_vault = sandbox.vault_uri("kv-contoso-prod-cmk").unwrap();
    enter_key_uri(
        &session,
        &panel,
        &format!("{cmk_vault}keys/storage-cmk-key"),
    );
    turn_on_system_if_offered(&session, &panel);
    grant_if_offered(&session, &panel);
    env.save_screenshot_cropped(&session, "storage-enable-panel", &panel)
        .unwrap();
    save_verified(&env, &session, &panel, account, "storage-enabled");
    let stored = sandbox.resource(&id).unwrap();
    assert_eq!(
        encryption(&stored)["keySource"],
        "Microsoft.Keyvault",
        "{stored}"
    );
    assert_eq!(
        encryption(&stored)["keyvaultproperties"]["keyname"],
        "storage-cmk-key"
    );
    assert_eq!(encryption(&stored)["keyvaultproperties"]["keyversion"], "");
    assert_accessible(&sandbox, &id);

    // Update the key version: pin the one in use now.
    let version = sandbox
        .key_versions("kv-contoso-prod-cmk", "storage-cmk-key")
        .unwrap()
        .pop()
        .unwrap();
    let panel = portal::open_change_key(&session).unwrap();
    enter_key_uri(
        &session,
        &panel,
        &format!("{cmk_vault}keys/storage-cmk-key/{version}"),
    );
    grant_if_offered(&session, &panel);
    save_verified(&env, &session, &panel, account, "storage-version");
    let stored = sandbox.resource(&id).unwrap();
    assert_eq!(
        encryption(&stored)["keyvaultproperties"]["keyversion"],
        version.as_str(),
        "{stored}"
    );

    // Another vault (RBAC): access is granted in the same save.
    let rbac_vault = sandbox.vault_uri("kv-contoso-prod-rbac").unwrap();
    let panel = portal::open_change_key(&session).unwrap();
    enter_key_uri(&session, &panel, &format!("{rbac_vault}keys/acr-rbac-key"));
    grant_if_offered(&session, &panel);
    save_verified(&env, &session, &panel, account, "storage-other-vault");
    let stored = sandbox.resource(&id).unwrap();
    assert!(
        encryption(&stored)["keyvaultproperties"]["keyvaulturi"]
            .as_str()
            .unwrap_or_default()
            .contains("kv-contoso-prod-rbac"),
        "{stored}"
    );
    assert_accessible(&sandbox, &id);

    turn_off(&env, &session, account, "storage-turned-off");
    let stored = sandbox.resource(&id).unwrap();
    assert_eq!(
        encryption(&stored)["keySource"],
        "Microsoft.Storage",
        "{stored}"
    );
}

#[test]
fn an_ai_services_account_turns_cmk_on_updates_the_version_changes_vault_and_turns_it_off() {
    let env = E2eEnv::from_env();
    let account = "cog-contoso-language";
    let (sandbox, session) = open_account(&env, "kind-cognitive", demo::SHARED, account);
    let id = demo::cognitive_account_id(account);

    // On, pinned to the older of the key's two versions, with the account's system identity.
    let versions = sandbox.key_versions("kv-contoso-ai", "ai-cmk-key").unwrap();
    assert_eq!(versions.len(), 2, "the demo key has two versions");
    let ai_vault = sandbox.vault_uri("kv-contoso-ai").unwrap();
    let panel = portal::open_change_key(&session).unwrap();
    portal::select_choice(
        &session,
        &portal::choice(&panel, "Customer-managed keys"),
        "Customer-managed keys",
    )
    .unwrap();
    enter_key_uri(
        &session,
        &panel,
        &format!("{ai_vault}keys/ai-cmk-key/{}", versions[0]),
    );
    portal::select_choice(
        &session,
        &portal::choice(&panel, "System assigned"),
        "System assigned",
    )
    .unwrap();
    grant_if_offered(&session, &panel);
    save_verified(&env, &session, &panel, account, "cognitive-enabled");
    let stored = sandbox.resource(&id).unwrap();
    assert_eq!(
        encryption(&stored)["keySource"],
        "Microsoft.KeyVault",
        "{stored}"
    );
    assert_eq!(
        encryption(&stored)["keyVaultProperties"]["keyVersion"],
        versions[0].as_str()
    );
    assert_accessible(&sandbox, &id);

    // The account does not follow new versions: the blade says a newer one exists, and
    // Update key version moves to it.
    let update = portal::button("", "Update key version");
    session
        .wait_for(&update, "Update key version", UI_TIMEOUT)
        .unwrap();
    env.save_screenshot(&session, "cognitive-newer-version")
        .unwrap();
    portal::click(&session, &update, "Update key version").unwrap();
    let panel = portal::dialog("Change key");
    session
        .wait_for(&panel, "the Change key panel", UI_TIMEOUT)
        .unwrap();
    grant_if_offered(&session, &panel);
    save_verified(&env, &session, &panel, account, "cognitive-version-updated");
    let stored = sandbox.resource(&id).unwrap();
    assert_eq!(
        encryption(&stored)["keyVaultProperties"]["keyVersion"],
        versions[1].as_str(),
        "{stored}"
    );

    // A key in the other vault of the account's region.
    let dr_version = sandbox
        .key_versions("kv-contoso-ai-dr", "ai-dr-key")
        .unwrap()
        .pop()
        .unwrap();
    let dr_vault = sandbox.vault_uri("kv-contoso-ai-dr").unwrap();
    let panel = portal::open_change_key(&session).unwrap();
    enter_key_uri(
        &session,
        &panel,
        &format!("{dr_vault}keys/ai-dr-key/{dr_version}"),
    );
    grant_if_offered(&session, &panel);
    save_verified(&env, &session, &panel, account, "cognitive-other-vault");
    let stored = sandbox.resource(&id).unwrap();
    assert_eq!(
        encryption(&stored)["keyVaultProperties"]["keyName"],
        "ai-dr-key"
    );
    assert_accessible(&sandbox, &id);

    turn_off(&env, &session, account, "cognitive-turned-off");
    let stored = sandbox.resource(&id).unwrap();
    assert_eq!(
        encryption(&stored)["keySource"],
        "Microsoft.CognitiveServices",
        "{stored}"
    );
}
