//! Opens the Encryption blade from the resource menu, as a person would, and checks that
//! it shows the registry's real encryption: once on the embedded demo tenant the app
//! starts by itself, and once on a sandbox the app is pointed at through its environment,
//! where the blade is compared with what the sandbox stores.

use keyblade_e2e::portal::{self, RESOURCE_MENU};
use keyblade_e2e::{E2eEnv, Tenant, UI_TIMEOUT, demo, with_text};

const DEMO_BANNER: &str = "Local demo tenant: nothing here touches Azure";

#[test]
fn encryption_blade_on_the_embedded_demo_tenant() {
    let env = E2eEnv::from_env();
    let profile = env.profile("embedded-demo").unwrap();
    let session = env
        .launch_app(&profile, &Tenant::EmbeddedDemo)
        .expect("the app starts under tauri-driver");
    session
        .wait_for(RESOURCE_MENU, "the resource menu", UI_TIMEOUT)
        .expect("the resource menu appears");

    // With no Azure settings the app starts its own demo tenant, and says so in a banner
    // that has no way to dismiss it.
    portal::wait_session(&session, "Demo tenant").expect("the app signs in to the demo tenant");
    let banner = "//*[@role='region' and @aria-label='Demo tenant']";
    session
        .wait_for(
            &portal::text_containing(banner, DEMO_BANNER),
            "the demo banner",
            UI_TIMEOUT,
        )
        .expect("the demo banner is shown");
    assert!(
        session
            .find(&format!(
                "{banner}//button[contains(@aria-label, 'ismiss')]"
            ))
            .unwrap()
            .is_none(),
        "the demo banner cannot be dismissed"
    );
    session
        .wait_for(
            &portal::button(banner, "Sign in to Azure"),
            "the banner's way to sign in to Azure",
            UI_TIMEOUT,
        )
        .expect("the banner offers to sign in to Azure");

    // The Encryption blade, before a registry is chosen, says what to do.
    portal::open_blade(&session, "Encryption").unwrap();
    session
        .wait_for(
            &format!("//h1[{}]", with_text("Encryption")),
            "the Encryption blade's heading",
            UI_TIMEOUT,
        )
        .expect("the Encryption blade opens");
    session
        .wait_for(
            &portal::text("//main", "Select a resource to see its encryption"),
            "the no-registry state",
            UI_TIMEOUT,
        )
        .expect("the blade asks for a registry");
    assert!(
        !portal::is_enabled(&session, &portal::command("Change key"), "Change key").unwrap(),
        "Change key must be disabled while no registry is chosen"
    );

    // The demo's auto-rotating registry, chosen through the resource picker.
    portal::open_encryption(&session, demo::PRODUCTION, "crcontosoprod").unwrap();
    let expected = [
        ("Encryption type", "Customer-managed key"),
        ("Key vault", "kv-contoso-prod-cmk"),
        ("Key", "acr-prod-key"),
        ("Data health", "Accessible"),
    ];
    for (term, value) in expected {
        portal::wait_fact(&session, term, value, |v| v == value, UI_TIMEOUT).unwrap();
    }
    portal::wait_fact(
        &session,
        "Key rotation",
        "Automatic…",
        |v| v.starts_with("Automatic:"),
        UI_TIMEOUT,
    )
    .unwrap();
    portal::wait_exact_fact(&session, "Identity", "id-acr-prod (User assigned)").unwrap();
    session
        .wait_for(
            &portal::text("//main", "Data is accessible"),
            "the health bar",
            UI_TIMEOUT,
        )
        .expect("the blade says the data is accessible");
    portal::wait_enabled(
        &session,
        &portal::command("Change key"),
        "Change key",
        UI_TIMEOUT,
    )
    .expect("Change key is available for a CMK registry");

    let screenshot = env
        .save_screenshot(&session, "encryption")
        .expect("the screenshot is saved");
    println!("screenshot: {}", screenshot.display());
}

#[test]
fn encryption_blade_on_a_sandbox_from_the_environment() {
    let env = E2eEnv::from_env();
    let sandbox = env.start_sandbox("encryption-view").unwrap();
    let profile = env.profile("encryption-view").unwrap();
    let session = env
        .launch_app(&profile, &Tenant::Sandbox(&sandbox))
        .expect("the app starts under tauri-driver");

    // Signed in as the service principal from the environment: not the demo, so no banner.
    portal::wait_session(&session, "service principal")
        .expect("the app signs in to the sandbox from its environment");
    assert!(
        session
            .find(&portal::text_containing("", DEMO_BANNER))
            .unwrap()
            .is_none(),
        "the demo banner is only for the embedded demo tenant"
    );

    // The registry pinned to an older key version: the blade must show what the sandbox
    // stores, version included.
    let id = demo::registry_id("crcontosopinned");
    let stored = sandbox.resource(&id).unwrap();
    let versioned =
        stored["properties"]["encryption"]["keyVaultProperties"]["versionedKeyIdentifier"]
            .as_str()
            .expect("the sandbox stores the pinned version")
            .to_owned();
    let version = versioned.rsplit('/').next().unwrap().to_owned();

    portal::open_encryption(&session, demo::PRODUCTION, "crcontosopinned").unwrap();
    portal::wait_exact_fact(&session, "Key", "acr-pinned-key").unwrap();
    portal::wait_exact_fact(&session, "Version in use", &version).unwrap();
    portal::wait_fact(
        &session,
        "Key rotation",
        "Manual…",
        |v| v.starts_with("Manual:"),
        UI_TIMEOUT,
    )
    .unwrap();
    let latest = portal::wait_fact(
        &session,
        "Latest version",
        "a newer version",
        |v| !v.is_empty(),
        UI_TIMEOUT,
    )
    .unwrap();
    assert_ne!(
        latest, version,
        "the pinned registry is behind the key's latest version"
    );
    let health = sandbox.health(&id).unwrap();
    assert_eq!(health["health"], "accessible", "{health}");
    portal::wait_exact_fact(&session, "Data health", "Accessible").unwrap();

    let screenshot = env
        .save_screenshot(&session, "encryption-sandbox")
        .expect("the screenshot is saved");
    println!("screenshot: {}", screenshot.display());

    // The other blades of the same registry, from the resource menu.
    portal::open_blade(&session, "Overview").unwrap();
    portal::wait_exact_fact(&session, "Resource group", "rg-contoso-prod-registries").unwrap();
    portal::wait_exact_fact(&session, "Subscription", demo::PRODUCTION).unwrap();
    env.save_screenshot(&session, "overview-sandbox").unwrap();
    portal::open_blade(&session, "Identity").unwrap();
    // The pinned registry has no system-assigned identity in the demo scenario: the
    // System assigned section's Status is Off.
    let system = format!("//section[.//h2[{}]]", with_text("System assigned"));
    let off = session
        .wait_for(
            &portal::choice(&system, "Off"),
            "the system-assigned identity's Status Off",
            UI_TIMEOUT,
        )
        .unwrap();
    assert!(
        session.is_selected(&off).unwrap(),
        "the pinned registry's system-assigned identity shows as Off"
    );
    env.save_screenshot(&session, "identity-sandbox").unwrap();
}
