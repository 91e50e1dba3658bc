//! Change key, end to end: the real app, pointed at a fresh sandbox per test, driven
//! through the Encryption blade and its Change key panel by labels, as a person would.
//! After each save the registry is checked through the sandbox itself (what it stores,
//! and whether the identity can really use the key), not through the app.

// clippy allows unwrap in #[test] functions only; the helpers here are test code too.
#![allow(clippy::unwrap_used)]

use keyblade_e2e::portal::{self, SAVE_TIMEOUT};
use keyblade_e2e::{E2eEnv, Sandbox, Session, Tenant, UI_TIMEOUT, demo, status_fault_once};
use serde_json::Value;

/// The app on a fresh sandbox, showing `registry`'s Encryption blade.
fn open_registry(env: &E2eEnv, name: &str, registry: &str) -> (Sandbox, Session) {
    let sandbox = env.start_sandbox(name).unwrap();
    let profile = env.profile(name).unwrap();
    let session = env
        .launch_app(&profile, &Tenant::Sandbox(&sandbox))
        .expect("the app starts under tauri-driver");
    portal::wait_session(&session, "service principal")
        .expect("the app signs in to the sandbox from its environment");
    portal::open_encryption(&session, demo::PRODUCTION, registry).unwrap();
    (sandbox, session)
}

fn key_vault_properties(stored: &Value) -> &Value {
    &stored["properties"]["encryption"]["keyVaultProperties"]
}

/// Picks `vault`, then `key` (no version) in Select from Key Vault.
fn choose_vault_and_key(session: &Session, panel: &str, vault: &str, key: &str) {
    portal::choose(
        session,
        &portal::field(panel, "Key vault"),
        vault,
        "Key vault",
    )
    .unwrap();
    portal::choose(session, &portal::field(panel, "Key"), key, "Key").unwrap();
}

/// The sandbox stores `vault`'s unversioned `key` as the registry's key; returns the registry.
fn assert_stored_key(sandbox: &Sandbox, id: &str, vault: &str, key: &str) -> Value {
    let expected_uri = format!("{}keys/{key}", sandbox.vault_uri(vault).unwrap());
    let stored = sandbox.resource(id).unwrap();
    assert_eq!(
        key_vault_properties(&stored)["keyIdentifier"],
        expected_uri.as_str(),
        "{stored}"
    );
    stored
}

/// The sandbox's own verdict: the registry's identity can get, wrap and unwrap its key.
fn assert_accessible(sandbox: &Sandbox, id: &str) -> Value {
    let health = sandbox.health(id).unwrap();
    assert_eq!(health["health"], "accessible", "{health}");
    health
}

/// Saves, then waits for the notification's verdict and the blade's fresh read.
fn save_and_verify(env: &E2eEnv, session: &Session, panel: &str, registry: &str, shot: &str) {
    portal::save_change(session, panel).unwrap();
    let notification = portal::wait_notification(
        session,
        &format!("Changing the key of {registry}"),
        SAVE_TIMEOUT,
    )
    .unwrap();
    env.save_screenshot(session, &format!("{shot}-notification"))
        .unwrap();
    assert!(
        notification.contains("Saved and verified"),
        "the save must end verified: {notification}"
    );
    portal::close_notifications(session).unwrap();
}

/// Select from Key Vault: Subscription, then Key vault, then Key, with no Version, so the
/// registry follows the key's new versions by itself.
#[test]
fn change_to_an_unversioned_key_selected_from_key_vault() {
    let env = E2eEnv::from_env();
    let registry = "crcontosoprod";
    let (sandbox, session) = open_registry(&env, "unversioned-key", registry);
    let id = demo::registry_id(registry);
    portal::wait_exact_fact(&session, "Key", "acr-prod-key").unwrap();

    let panel = portal::open_change_key(&session).unwrap();
    portal::select_choice(
        &session,
        &portal::choice(&panel, "Select from Key Vault"),
        "Select from Key Vault",
    )
    .unwrap();
    // Another subscription lists its own vaults (none in development), then back.
    let subscription = portal::field(&panel, "Subscription");
    portal::choose(&session, &subscription, demo::DEVELOPMENT, "Subscription").unwrap();
    session
        .wait_for(
            &portal::text_containing(&panel, "This subscription has no key vaults"),
            "the empty development subscription",
            UI_TIMEOUT,
        )
        .unwrap();
    portal::choose(&session, &subscription, demo::PRODUCTION, "Subscription").unwrap();
    choose_vault_and_key(&session, &panel, "kv-contoso-prod-cmk", "storage-cmk-key");
    // No version: the Version field says what that means.
    let version = session
        .wait_for(
            &portal::field(&panel, "Version"),
            "the Version field",
            UI_TIMEOUT,
        )
        .unwrap();
    let chosen_version = session.property(&version, "value").unwrap();
    assert_eq!(chosen_version, "", "no version is picked");
    session
        .wait_for(
            &portal::text_containing(&panel, "Unversioned: automatic rotation"),
            "the Version field's rotation hint",
            UI_TIMEOUT,
        )
        .unwrap();

    let expected_uri = format!(
        "{}keys/storage-cmk-key",
        sandbox.vault_uri("kv-contoso-prod-cmk").unwrap()
    );
    portal::wait_enabled(
        &session,
        &portal::button(&panel, "Save"),
        "Save",
        SAVE_TIMEOUT,
    )
    .unwrap();
    let review = portal::text_of(
        &session,
        &format!("{panel}//p[starts-with(normalize-space(), 'Key URI to store:')]"),
        "the key URI to store",
    )
    .unwrap();
    assert!(
        review.contains(&expected_uri) && review.contains("Unversioned: automatic rotation"),
        "{review}"
    );
    // The Identity section: the user-assigned identity, and the field that takes one by its
    // client ID or resource ID.
    let identity = format!("{panel}//fieldset[legend[normalize-space()='Identity']]");
    session
        .wait_for(
            &portal::field(&identity, "Or enter a client ID or resource ID"),
            "the field for an identity's client ID or resource ID",
            UI_TIMEOUT,
        )
        .unwrap();
    let section = session
        .wait_for(&identity, "the Identity section", UI_TIMEOUT)
        .unwrap();
    session.scroll_into_view(&section).unwrap();
    env.save_screenshot_cropped(&session, "change-key-identity-section", &identity)
        .unwrap();
    portal::show_review(&session, &panel).unwrap();
    env.save_screenshot_cropped(&session, "change-key-unversioned-panel", &panel)
        .unwrap();

    save_and_verify(&env, &session, &panel, registry, "change-key-unversioned");
    portal::wait_exact_fact(&session, "Key", "storage-cmk-key").unwrap();
    portal::wait_fact(
        &session,
        "Key rotation",
        "Automatic…",
        |v| v.starts_with("Automatic:"),
        UI_TIMEOUT,
    )
    .unwrap();
    portal::wait_exact_fact(&session, "Data health", "Accessible").unwrap();
    env.save_screenshot(&session, "change-key-unversioned-saved")
        .unwrap();

    let stored = sandbox.resource(&id).unwrap();
    let properties = key_vault_properties(&stored);
    assert_eq!(
        properties["keyIdentifier"],
        expected_uri.as_str(),
        "{stored}"
    );
    assert_eq!(properties["keyRotationEnabled"], true, "{stored}");
    let versioned = properties["versionedKeyIdentifier"]
        .as_str()
        .unwrap_or_default();
    assert!(
        versioned.starts_with(&format!("{expected_uri}/")),
        "the registry uses a version of the new key: {versioned}"
    );
    let health = assert_accessible(&sandbox, &id);
    assert_eq!(health["keyIdentifier"], expected_uri.as_str(), "{health}");
}

/// Enter key URI with a version, and the system-assigned identity, which is off: turning
/// it on and granting it access happen as part of Save.
#[test]
fn change_to_a_versioned_key_uri_with_the_system_assigned_identity() {
    let env = E2eEnv::from_env();
    let registry = "crcontosopinned";
    let (sandbox, session) = open_registry(&env, "versioned-system", registry);
    let id = demo::registry_id(registry);
    let before = sandbox.resource(&id).unwrap();
    assert!(
        before["identity"]["principalId"].is_null(),
        "the demo's pinned registry starts without a system-assigned identity: {before}"
    );
    // A real version of another key in the same vault, as a user would copy it.
    let prod = sandbox
        .resource(&demo::registry_id("crcontosoprod"))
        .unwrap();
    let key_uri = key_vault_properties(&prod)["versionedKeyIdentifier"]
        .as_str()
        .expect("the sandbox stores the version crcontosoprod uses")
        .to_owned();
    let version = key_uri.rsplit('/').next().unwrap().to_owned();

    let panel = portal::open_change_key(&session).unwrap();
    portal::select_choice(
        &session,
        &portal::choice(&panel, "Enter key URI"),
        "Enter key URI",
    )
    .unwrap();
    // The hint shows this cloud's key URIs: the sandbox's host and port, not vault.azure.net.
    let hint = format!("{}keys/{{key}}", sandbox.vault_uri("{vault}").unwrap());
    session
        .wait_for(
            &portal::text_containing(&panel, &hint),
            "the Key URI hint for the sandbox cloud",
            UI_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(&session, "enter-key-uri-hint").unwrap();
    portal::type_into(
        &session,
        &portal::field(&panel, "Key URI"),
        &key_uri,
        "Key URI",
    )
    .unwrap();
    session
        .wait_for(
            &portal::text_containing(&panel, "Versioned: manual rotation"),
            "the Key URI's validation",
            UI_TIMEOUT,
        )
        .unwrap();

    portal::select_choice(
        &session,
        &portal::choice(&panel, "System assigned"),
        "System assigned",
    )
    .unwrap();
    portal::select_choice(
        &session,
        &portal::choice(&panel, "Turn on the system-assigned identity"),
        "Turn on the system-assigned identity",
    )
    .unwrap();
    // Preflight: the identity will be new, so it has no access yet; Save stays disabled
    // until access is granted as part of the save.
    let grant_at_save = portal::choice(&panel, "Grant access when saving");
    session
        .wait_for(&grant_at_save, "Grant access when saving", SAVE_TIMEOUT)
        .unwrap();
    session
        .wait_for(
            &portal::text_containing(&panel, "The system-assigned identity will be new"),
            "the new identity's finding",
            UI_TIMEOUT,
        )
        .unwrap();
    let save = portal::button(&panel, "Save");
    assert!(
        !portal::is_enabled(&session, &save, "Save").unwrap(),
        "Save is disabled until access is granted"
    );
    portal::click(&session, &grant_at_save, "Grant access when saving").unwrap();
    portal::wait_enabled(&session, &save, "Save", SAVE_TIMEOUT).unwrap();
    let plan = format!("{panel}//ol[@aria-label='What will change']");
    let plan_text = portal::text_of(&session, &plan, "the plan").unwrap();
    assert_eq!(
        session.find_all(&format!("{plan}/li")).unwrap().len(),
        3,
        "turn on the identity, grant it access, set the key:\n{plan_text}"
    );
    portal::show_review(&session, &panel).unwrap();
    env.save_screenshot_cropped(&session, "change-key-versioned-system-panel", &panel)
        .unwrap();

    save_and_verify(
        &env,
        &session,
        &panel,
        registry,
        "change-key-versioned-system",
    );
    portal::wait_fact(
        &session,
        "Identity",
        "the system-assigned identity",
        |v| v.ends_with("(System assigned)"),
        UI_TIMEOUT,
    )
    .unwrap();
    portal::wait_exact_fact(&session, "Key", "acr-prod-key").unwrap();
    portal::wait_exact_fact(&session, "Version in use", &version).unwrap();
    portal::wait_fact(
        &session,
        "Key rotation",
        "Manual…",
        |v| v.starts_with("Manual:"),
        UI_TIMEOUT,
    )
    .unwrap();
    portal::wait_exact_fact(&session, "Data health", "Accessible").unwrap();
    env.save_screenshot(&session, "change-key-versioned-system-saved")
        .unwrap();

    let stored = sandbox.resource(&id).unwrap();
    let identity_type = stored["identity"]["type"].as_str().unwrap_or_default();
    assert!(identity_type.contains("SystemAssigned"), "{stored}");
    let principal = stored["identity"]["principalId"]
        .as_str()
        .expect("the system-assigned identity is on")
        .to_owned();
    let properties = key_vault_properties(&stored);
    assert_eq!(properties["keyIdentifier"], key_uri.as_str(), "{stored}");
    assert_eq!(properties["keyRotationEnabled"], false, "{stored}");
    let vault = sandbox
        .resource(&demo::vault_id("kv-contoso-prod-cmk"))
        .unwrap();
    let policy = vault["properties"]["accessPolicies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["objectId"] == principal.as_str())
        .unwrap_or_else(|| panic!("the new identity got an access policy: {vault}"))
        .clone();
    for permission in ["get", "wrapKey", "unwrapKey"] {
        let granted = policy["permissions"]["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| {
                p.as_str()
                    .is_some_and(|p| p.eq_ignore_ascii_case(permission))
            });
        assert!(granted, "{permission}: {policy}");
    }
    let health = assert_accessible(&sandbox, &id);
    assert_eq!(health["principalId"], principal.as_str(), "{health}");
}

/// The identity lacks access to the chosen key: preflight refuses (Save disabled, the
/// finding shown), "Grant access" fixes it, and the save goes through.
#[test]
fn a_missing_permission_is_refused_then_granted_and_saved() {
    let env = E2eEnv::from_env();
    let registry = "crcontosoprod";
    let (sandbox, session) = open_registry(&env, "grant-access", registry);
    let id = demo::registry_id(registry);
    let before = sandbox.resource(&id).unwrap();

    let panel = portal::open_change_key(&session).unwrap();
    choose_vault_and_key(&session, &panel, "kv-contoso-prod-rbac", "acr-rbac-key");

    // id-acr-prod has no role on the RBAC vault.
    let grant = portal::button(&panel, "Grant access");
    session
        .wait_for(&grant, "Grant access", SAVE_TIMEOUT)
        .unwrap();
    session
        .wait_for(
            &portal::text_containing(&panel, "The identity lacks"),
            "the missing-permission finding",
            UI_TIMEOUT,
        )
        .unwrap();
    session
        .wait_for(
            &portal::text_containing(&panel, "Preflight found errors"),
            "why Save is disabled",
            UI_TIMEOUT,
        )
        .unwrap();
    let save = portal::button(&panel, "Save");
    assert!(
        !portal::is_enabled(&session, &save, "Save").unwrap(),
        "Save is disabled while preflight finds an error"
    );
    portal::show_review(&session, &panel).unwrap();
    env.save_screenshot_cropped(&session, "change-key-refused-panel", &panel)
        .unwrap();
    assert_eq!(
        key_vault_properties(&sandbox.resource(&id).unwrap()),
        key_vault_properties(&before),
        "nothing is written before Save"
    );

    portal::click(&session, &grant, "Grant access").unwrap();
    // Preflight runs again after the grant and lets Save through.
    portal::wait_enabled(&session, &save, "Save after the grant", SAVE_TIMEOUT).unwrap();
    portal::wait_gone(&session, &grant, "Grant access", UI_TIMEOUT).unwrap();
    portal::show_review(&session, &panel).unwrap();
    env.save_screenshot_cropped(&session, "change-key-granted-panel", &panel)
        .unwrap();

    save_and_verify(&env, &session, &panel, registry, "change-key-granted");
    portal::wait_exact_fact(&session, "Key", "acr-rbac-key").unwrap();
    portal::wait_exact_fact(&session, "Key vault", "kv-contoso-prod-rbac").unwrap();
    portal::wait_exact_fact(&session, "Data health", "Accessible").unwrap();
    env.save_screenshot(&session, "change-key-granted-saved")
        .unwrap();

    assert_stored_key(&sandbox, &id, "kv-contoso-prod-rbac", "acr-rbac-key");
    // Accessible through the RBAC vault proves the granted role assignment works.
    assert_accessible(&sandbox, &id);
}

/// The registry PATCH meets a 503 with Retry-After: the app waits, retries, and the save
/// still ends saved and verified.
#[test]
fn a_save_that_meets_an_injected_503_still_ends_right() {
    let env = E2eEnv::from_env();
    let registry = "crcontosoprod";
    let (sandbox, session) = open_registry(&env, "injected-503", registry);
    let id = demo::registry_id(registry);

    let panel = portal::open_change_key(&session).unwrap();
    choose_vault_and_key(&session, &panel, "kv-contoso-prod-cmk", "acr-pinned-key");
    let save = portal::button(&panel, "Save");
    portal::wait_enabled(&session, &save, "Save", SAVE_TIMEOUT).unwrap();

    // Armed only now, so that it is the save's PATCH that meets it.
    sandbox
        .add_fault(status_fault_once(
            "PATCH",
            &format!("(?i)/registries/{registry}$"),
            503,
            1,
        ))
        .unwrap();
    assert_eq!(sandbox.fault_rules().unwrap().len(), 1);

    save_and_verify(&env, &session, &panel, registry, "change-key-503");
    assert!(
        sandbox.fault_rules().unwrap().is_empty(),
        "the save met the injected 503 (the rule is spent)"
    );
    portal::wait_exact_fact(&session, "Key", "acr-pinned-key").unwrap();
    portal::wait_exact_fact(&session, "Data health", "Accessible").unwrap();
    env.save_screenshot(&session, "change-key-503-saved")
        .unwrap();

    let stored = assert_stored_key(&sandbox, &id, "kv-contoso-prod-cmk", "acr-pinned-key");
    assert_eq!(
        stored["properties"]["provisioningState"], "Succeeded",
        "{stored}"
    );
    assert_accessible(&sandbox, &id);
}

/// "Create new" beside Key vault and Key: a new RBAC vault (soft delete and purge
/// protection on), a new RSA key in it, access granted to the registry's identity, saved.
#[test]
fn a_new_key_vault_and_key_created_from_the_panel_are_saved() {
    const VAULT: &str = "kv-e2e-created";
    const KEY: &str = "cmk-e2e-created";
    let env = E2eEnv::from_env();
    let registry = "crcontosoprod";
    let (sandbox, session) = open_registry(&env, "create-new", registry);
    let id = demo::registry_id(registry);

    let panel = portal::open_change_key(&session).unwrap();
    portal::click(
        &session,
        &portal::button(&panel, "Create new key vault"),
        "Create new key vault",
    )
    .unwrap();
    let vault_dialog = portal::dialog("Create a key vault");
    session
        .wait_for(&vault_dialog, "the Create a key vault dialog", UI_TIMEOUT)
        .unwrap();
    portal::type_into(
        &session,
        &portal::field(&vault_dialog, "Name"),
        VAULT,
        "Name",
    )
    .unwrap();
    env.save_screenshot(&session, "create-new-vault-dialog")
        .unwrap();
    portal::click(&session, &portal::button(&vault_dialog, "Create"), "Create").unwrap();
    portal::wait_gone(&session, &vault_dialog, "the vault dialog", SAVE_TIMEOUT).unwrap();

    // The new vault is the one chosen: the key dialog is titled with it.
    let key_dialog = portal::dialog(&format!("Create a key in {VAULT}"));
    portal::click_to_open(
        &session,
        &portal::button(&panel, "Create new key"),
        &key_dialog,
        "the Create a key dialog",
    )
    .unwrap();
    portal::type_into(&session, &portal::field(&key_dialog, "Name"), KEY, "Name").unwrap();
    portal::click(&session, &portal::button(&key_dialog, "Create"), "Create").unwrap();
    portal::wait_gone(&session, &key_dialog, "the key dialog", SAVE_TIMEOUT).unwrap();

    // The registry's identity has no role on a vault made a moment ago.
    let grant = portal::button(&panel, "Grant access");
    session
        .wait_for(&grant, "Grant access", SAVE_TIMEOUT)
        .unwrap();
    portal::click(&session, &grant, "Grant access").unwrap();
    let save = portal::button(&panel, "Save");
    portal::wait_enabled(&session, &save, "Save after the grant", SAVE_TIMEOUT).unwrap();
    save_and_verify(&env, &session, &panel, registry, "create-new");
    portal::wait_exact_fact(&session, "Key vault", VAULT).unwrap();
    portal::wait_exact_fact(&session, "Key", KEY).unwrap();
    portal::wait_exact_fact(&session, "Data health", "Accessible").unwrap();
    env.save_screenshot(&session, "create-new-saved").unwrap();

    // "Create new" puts the vault in the registry's resource group.
    let group = id.split("/providers/").next().unwrap();
    let vault = sandbox
        .resource(&format!(
            "{group}/providers/Microsoft.KeyVault/vaults/{VAULT}"
        ))
        .unwrap();
    let properties = &vault["properties"];
    assert_eq!(properties["enableSoftDelete"], true, "{vault}");
    assert_eq!(properties["enablePurgeProtection"], true, "{vault}");
    assert_eq!(properties["enableRbacAuthorization"], true, "{vault}");
    assert_stored_key(&sandbox, &id, VAULT, KEY);
    assert_accessible(&sandbox, &id);
}

/// Create new key vault with the name of an existing vault is refused as the user types,
/// Create stays disabled, and nothing is written: the sandbox's vault is byte-for-byte the
/// same. ("Select it" then picks the existing vault instead.)
#[test]
fn create_new_key_vault_with_an_existing_name_is_refused_and_writes_nothing() {
    const EXISTING: &str = "kv-contoso-prod-cmk";
    let env = E2eEnv::from_env();
    let registry = "crcontosoprod";
    let (sandbox, session) = open_registry(&env, "create-existing-vault", registry);
    let vault_id = demo::vault_id(EXISTING);
    let before = sandbox.resource(&vault_id).unwrap().to_string();

    let panel = portal::open_change_key(&session).unwrap();
    portal::click(
        &session,
        &portal::button(&panel, "Create new key vault"),
        "Create new key vault",
    )
    .unwrap();
    let vault_dialog = portal::dialog("Create a key vault");
    session
        .wait_for(&vault_dialog, "the Create a key vault dialog", UI_TIMEOUT)
        .unwrap();
    portal::type_into(
        &session,
        &portal::field(&vault_dialog, "Name"),
        EXISTING,
        "Name",
    )
    .unwrap();
    let warning = portal::text_containing(&vault_dialog, "already exists");
    session
        .wait_for(&warning, "the existing-name warning", SAVE_TIMEOUT)
        .unwrap();
    env.save_screenshot(&session, "create-existing-vault-refused")
        .unwrap();
    assert!(
        !portal::is_enabled(&session, &portal::button(&vault_dialog, "Create"), "Create").unwrap(),
        "Create is disabled for a taken name"
    );
    assert_eq!(
        sandbox.resource(&vault_id).unwrap().to_string(),
        before,
        "the existing vault is unchanged"
    );

    portal::click(
        &session,
        &portal::button(&vault_dialog, "Select it"),
        "Select it",
    )
    .unwrap();
    portal::wait_gone(&session, &vault_dialog, "the vault dialog", UI_TIMEOUT).unwrap();
    let select = portal::field(&panel, "Key vault");
    let element = session
        .wait_for(&select, "the Key vault list", UI_TIMEOUT)
        .unwrap();
    let index = session.property(&element, "selectedIndex").unwrap();
    let index = usize::try_from(index.as_u64().unwrap()).unwrap();
    let options = session.find_all(&format!("{select}/option")).unwrap();
    let picked = session.property(&options[index], "textContent").unwrap();
    assert!(
        picked.as_str().unwrap().starts_with(EXISTING),
        "the existing vault is picked: {picked}"
    );
    env.save_screenshot(&session, "create-existing-vault-selected")
        .unwrap();
    assert_eq!(sandbox.resource(&vault_id).unwrap().to_string(), before);
    assert_accessible(&sandbox, &demo::registry_id(registry));
}
