//! Key rotation from the Encryption blade: New key version on a registry that follows its
//! key unversioned (reviewed, run, read back), the sandbox clock moved past the service's
//! hourly check through the admin API, and Refresh shows the new version in use; then Edit
//! rotation policy, saved and checked in the sandbox's Key Vault.

#![allow(clippy::unwrap_used)]

use keyblade_e2e::portal::{self, SAVE_TIMEOUT};
use keyblade_e2e::{E2eEnv, Tenant, UI_TIMEOUT, demo};

const VAULT: &str = "kv-contoso-prod-cmk";
const KEY: &str = "acr-prod-key";

#[test]
fn new_key_version_then_rotation_policy_on_an_unversioned_registry() {
    let env = E2eEnv::from_env();
    let sandbox = env.start_sandbox("rotation").unwrap();
    let profile = env.profile("rotation").unwrap();
    let session = env
        .launch_app(&profile, &Tenant::Sandbox(&sandbox))
        .expect("the app starts under tauri-driver");
    portal::wait_session(&session, "service principal").unwrap();
    portal::open_encryption(&session, demo::PRODUCTION, "crcontosoprod").unwrap();
    let id = demo::registry_id("crcontosoprod");

    let before = portal::wait_fact(
        &session,
        "Version in use",
        "a version",
        |v| v.len() > 8,
        UI_TIMEOUT,
    )
    .unwrap();
    session
        .wait_for(
            &portal::text_containing("//main", "usually within an hour"),
            "the Key rotation section",
            UI_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(&session, "rotation-blade-before")
        .unwrap();

    // New key version: the review says the registry picks it up within an hour.
    portal::click(
        &session,
        &portal::command("New key version"),
        "New key version",
    )
    .unwrap();
    let review = portal::dialog(&format!("New version of key {KEY}"));
    session
        .wait_for(
            &portal::text_containing(&review, "picks up the new version by itself"),
            "the review's finding",
            UI_TIMEOUT,
        )
        .unwrap();
    session
        .wait_for(
            &portal::text_containing(
                &review,
                &format!("az keyvault key rotate --vault-name {VAULT} --name {KEY}"),
            ),
            "the az equivalent",
            UI_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(&session, "rotation-new-version-review")
        .unwrap();
    let versions_before = sandbox.key_versions(VAULT, KEY).unwrap();
    portal::click(
        &session,
        &portal::button(&review, "Create version"),
        "Create version",
    )
    .unwrap();
    session
        .wait_for(
            &portal::text_containing(&review, "has a new latest version"),
            "the outcome as read back",
            SAVE_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(&session, "rotation-new-version-done")
        .unwrap();
    let versions = sandbox.key_versions(VAULT, KEY).unwrap();
    assert_eq!(
        versions.len(),
        versions_before.len() + 1,
        "one new version in the sandbox"
    );
    let new_version = versions.last().unwrap().to_ascii_lowercase();
    assert_ne!(before, new_version);
    portal::click(&session, &portal::button(&review, "Close"), "Close").unwrap();
    portal::wait_gone(&session, &review, "the review", UI_TIMEOUT).unwrap();

    // Two hours later (sandbox time) the service has checked for new versions.
    sandbox.advance_clock("PT2H").unwrap();
    portal::click(&session, &portal::command("Refresh"), "Refresh").unwrap();
    portal::wait_fact(
        &session,
        "Version in use",
        &new_version,
        |v| v == new_version,
        UI_TIMEOUT,
    )
    .unwrap();
    let stored = sandbox.resource(&id).unwrap();
    let in_use = stored["properties"]["encryption"]["keyVaultProperties"]["versionedKeyIdentifier"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        in_use.ends_with(&new_version),
        "the sandbox agrees: {in_use}"
    );
    session
        .wait_for(
            &portal::text("//main", "Up to date"),
            "no version behind",
            UI_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(&session, "rotation-blade-after-clock")
        .unwrap();

    // Edit rotation policy: rotate every 90 days, versions expire after 2 years, notify 30
    // days before (Key Vault's default policy already notifies).
    portal::click(
        &session,
        &portal::button("//main", "Edit rotation policy"),
        "Edit rotation policy",
    )
    .unwrap();
    let form = portal::dialog(&format!("Edit rotation policy of {KEY}"));
    session
        .wait_for(&form, "the policy form", UI_TIMEOUT)
        .unwrap();
    for label in ["Rotate automatically", "New versions expire"] {
        let checkbox = portal::choice(&form, label);
        let element = session.wait_for(&checkbox, label, UI_TIMEOUT).unwrap();
        if !session.is_selected(&element).unwrap_or(false) {
            portal::select_choice(&session, &checkbox, label).unwrap();
        }
    }
    env.save_screenshot(&session, "rotation-policy-form")
        .unwrap();
    portal::click(&session, &portal::button(&form, "Review"), "Review").unwrap();
    let review = portal::dialog(&format!("Rotation policy of key {KEY}"));
    session
        .wait_for(
            &portal::text_containing(&review, "rotation-policy update"),
            "the policy review with its az equivalent",
            UI_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(&session, "rotation-policy-review")
        .unwrap();
    portal::click(
        &session,
        &portal::button(&review, "Save policy"),
        "Save policy",
    )
    .unwrap();
    session
        .wait_for(
            &portal::text_containing(&review, "reads back as saved"),
            "the policy read back",
            SAVE_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(&session, "rotation-policy-done")
        .unwrap();
    let policy = sandbox.rotation_policy(VAULT, KEY).unwrap();
    assert_eq!(policy["expiry_time"], "P2Y", "{policy}");
    let actions = policy["lifetime_actions"].to_string();
    assert!(
        actions.contains("P90D") && actions.contains("Rotate"),
        "{policy}"
    );
    assert!(
        actions.contains("P30D") && actions.contains("Notify"),
        "{policy}"
    );
    portal::click(&session, &portal::button(&review, "Close"), "Close").unwrap();
    let words = session
        .wait_for(
            &portal::text("//main", "Rotates every 90 days"),
            "the policy in words on the blade",
            UI_TIMEOUT,
        )
        .unwrap();
    session.scroll_into_view(&words).unwrap();
    env.save_screenshot(&session, "rotation-blade-policy")
        .unwrap();
}
