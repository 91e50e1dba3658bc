//! Signing in as a person, end to end: the app started with only a cloud (the README's
//! contract) opens "Sign in to Azure"; the test signs in by device code (reading the code
//! from the window and approving it through the sandbox, as the user would on their
//! phone) and through the browser (an `xdg-open` on the app's PATH plays the system
//! browser with curl), then opens a registry's Encryption blade as the demo user.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use keyblade_e2e::portal;
use keyblade_e2e::{E2eEnv, Sandbox, Session, Tenant, UI_TIMEOUT, demo, xpath_literal};

const SIGN_IN: &str = "Sign in to Azure";

fn sign_in_dialog() -> String {
    portal::dialog(SIGN_IN)
}

/// The demo user's sign-in name, as the header's account button shows it.
fn demo_user(sandbox: &Sandbox) -> String {
    let info = sandbox.info();
    info["demo"]["userName"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("the sandbox info names no demo user: {info}"))
}

fn wait_account(session: &Session, label: &str) {
    let name = xpath_literal(&format!("Account: {label}"));
    session
        .wait_for(
            &format!("//header//button[starts-with(@aria-label, {name})]"),
            &format!("the account button naming {label}"),
            std::time::Duration::from_secs(60),
        )
        .unwrap();
}

fn choose_method(session: &Session, method: &str) {
    let radio = portal::choice(&sign_in_dialog(), method);
    portal::select_choice(session, &radio, &format!("the method {method}")).unwrap();
}

#[test]
fn device_code_sign_in_from_the_dialog_reaches_the_encryption_blade() {
    let env = E2eEnv::from_env();
    let sandbox = env.start_sandbox("signin-device-code").unwrap();
    let profile = env.profile("signin-device-code").unwrap();
    let session = env
        .launch_app(&profile, &Tenant::SignInTo(&sandbox))
        .expect("the app starts under tauri-driver");

    // The contract: a cloud without credentials opens the dialog for that cloud.
    let dialog = sign_in_dialog();
    session
        .wait_for(&dialog, "the Sign in to Azure dialog", UI_TIMEOUT)
        .unwrap();
    env.save_screenshot(&session, "signin-browser").unwrap();
    for (method, shot) in [
        ("Azure CLI", "signin-azure-cli"),
        ("Service principal", "signin-service-principal"),
    ] {
        choose_method(&session, method);
        env.save_screenshot(&session, shot).unwrap();
    }
    choose_method(&session, "Device code");
    portal::click(
        &session,
        &portal::button(&dialog, "Sign in"),
        "the dialog's Sign in",
    )
    .unwrap();

    let code = session
        .wait_for(
            &format!("{dialog}//*[@aria-label='Device code']"),
            "the device code",
            UI_TIMEOUT,
        )
        .unwrap();
    let user_code = session.text(&code).unwrap().trim().to_owned();
    assert!(
        user_code.len() >= 6 && user_code.chars().all(|c| c.is_ascii_alphanumeric()),
        "a device code is shown: {user_code:?}"
    );
    assert!(
        session
            .find(&portal::button(&dialog, "Copy code"))
            .unwrap()
            .is_some(),
        "the code can be copied"
    );
    env.save_screenshot(&session, "signin-device-code").unwrap();

    sandbox.approve_device_code(&user_code).unwrap();
    portal::wait_gone(&session, &dialog, "the Sign in dialog", UI_TIMEOUT).unwrap();
    let user = demo_user(&sandbox);
    wait_account(&session, &user);

    // The account switcher lists the account with its tenant and cloud.
    portal::click(
        &session,
        &format!(
            "//header//button[starts-with(@aria-label, {})]",
            xpath_literal("Account: ")
        ),
        "the account button",
    )
    .unwrap();
    session
        .wait_for(
            &format!(
                "//*[@role='menuitem' or @role='menuitemradio' or @role='menuitemcheckbox'][contains(normalize-space(), {})]",
                xpath_literal("Add account")
            ),
            "the account menu",
            UI_TIMEOUT,
        )
        .unwrap();
    env.save_screenshot(&session, "account-switcher").unwrap();
    session
        .send_keys(
            &session.wait_for("//body", "the page", UI_TIMEOUT).unwrap(),
            keyblade_e2e::keys::ESCAPE,
        )
        .unwrap();

    portal::open_encryption(&session, demo::PRODUCTION, "crcontosoprod").unwrap();
    env.save_screenshot(&session, "signin-device-code-encryption")
        .unwrap();
}

/// An `xdg-open` that plays the system browser: it follows the sign-in page's redirect
/// back to keyblade's loopback listener, as a browser would after the user signs in.
fn fake_browser(dir: &Path, ca_file: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("xdg-open");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec curl --silent --show-error --location --cacert '{}' --output '{}' \"$1\" 2>'{}'\n",
            ca_file.display(),
            dir.join("browser-page.html").display(),
            dir.join("browser-error.txt").display(),
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = std::env::var("PATH").unwrap_or_default();
    format!("{}:{path}", bin.display())
}

#[test]
fn browser_sign_in_through_the_system_browser() {
    let env = E2eEnv::from_env();
    let sandbox = env.start_sandbox("signin-browser").unwrap();
    let profile = env.profile("signin-browser").unwrap();
    let path = fake_browser(profile.path(), sandbox.ca_file());
    let session = env
        .launch_app_with(
            &profile,
            &Tenant::SignInTo(&sandbox),
            &[("PATH".to_owned(), path)],
        )
        .expect("the app starts under tauri-driver");
    let dialog = sign_in_dialog();
    session
        .wait_for(&dialog, "the Sign in to Azure dialog", UI_TIMEOUT)
        .unwrap();
    // Browser is the default method.
    portal::click(
        &session,
        &portal::button(&dialog, "Sign in"),
        "the dialog's Sign in",
    )
    .unwrap();
    let gone = portal::wait_gone(&session, &dialog, "the Sign in dialog", UI_TIMEOUT);
    let page =
        std::fs::read_to_string(profile.path().join("browser-page.html")).unwrap_or_default();
    let curl =
        std::fs::read_to_string(profile.path().join("browser-error.txt")).unwrap_or_default();
    gone.unwrap_or_else(|error| panic!("{error}; the browser saw: {page} {curl}"));
    assert!(
        page.contains("keyblade"),
        "the browser tab ends on keyblade's page: {page}"
    );
    wait_account(&session, &demo_user(&sandbox));
    env.save_screenshot(&session, "signin-browser-done")
        .unwrap();
}
