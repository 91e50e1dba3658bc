//! Opens the Encryption blade from the resource menu, as a person would, and checks that
//! it tells the truth about the session instead of showing made-up data.

use keyblade_e2e::{E2eEnv, UI_TIMEOUT, xpath_literal};

/// Visible text of an element, whitespace-normalised.
fn with_text(text: &str) -> String {
    format!("normalize-space()={}", xpath_literal(text))
}

#[test]
fn encryption_blade_shows_the_signed_out_state() {
    let env = E2eEnv::from_env();
    let session = env.launch().expect("the app starts under tauri-driver");

    // The shell is up when the resource menu is: it is the landmark labelled so.
    let menu = "//*[@aria-label='Resource menu']";
    session
        .wait_for(menu, "the resource menu", UI_TIMEOUT)
        .expect("the resource menu appears");

    let encryption_item = format!(
        "{menu}//*[self::button or self::a or @role='menuitem' or @role='treeitem' or \
         @role='link'][{}]",
        with_text("Encryption")
    );
    let item = session
        .wait_for(&encryption_item, "the menu item Encryption", UI_TIMEOUT)
        .expect("the menu has an Encryption item");
    session.click(&item).expect("clicking Encryption works");

    // The blade's title is the page's heading.
    let heading = format!("//h1[{}]", with_text("Encryption"));
    session
        .wait_for(&heading, "the Encryption blade's heading", UI_TIMEOUT)
        .expect("the Encryption blade opens");

    // Signed out (there is no Azure sign-in yet), the blade says so, with the reason the
    // app's back end gives: proof that the UI reached the Rust side over IPC.
    let empty_state = format!("//*[{}]", with_text("Not signed in to Azure"));
    session
        .wait_for(&empty_state, "the signed-out empty state", UI_TIMEOUT)
        .expect("the blade explains that no one is signed in");
    let reason = "//*[contains(normalize-space(), 'cannot sign in to Azure yet')]";
    session
        .wait_for(reason, "the back end's signed-out reason", UI_TIMEOUT)
        .expect("the reason from app_info is shown");

    // With nothing to change, the blade's key command is disabled rather than pretending.
    let change_key = format!("//*[@role='toolbar']//button[{}]", with_text("Change key"));
    let change_key = session
        .wait_for(&change_key, "the Change key command", UI_TIMEOUT)
        .expect("the command bar has Change key");
    let disabled = session
        .attribute(&change_key, "disabled")
        .unwrap()
        .is_some()
        || session
            .attribute(&change_key, "aria-disabled")
            .unwrap()
            .as_deref()
            == Some("true");
    assert!(disabled, "Change key must be disabled while signed out");

    let screenshot = env
        .save_screenshot(&session, "encryption")
        .expect("the screenshot is saved");
    println!("screenshot: {}", screenshot.display());
}
