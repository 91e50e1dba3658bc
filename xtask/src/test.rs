//! `cargo xtask test`: every check the project has, in one command.

use crate::app;
use crate::bundle;
use crate::deny;
use crate::e2e;
use crate::prereq::{self, Needs};
use crate::process::Cmd;
use crate::steps::Steps;

#[derive(Default)]
pub struct TestOptions {
    pub fail_fast: bool,
    pub no_install: bool,
}

const UI_TESTS_STEP: &str = "UI tests (vitest)";
const UI_BROWSER_STEP: &str =
    "UI in Chromium: light, dark and high contrast (axe with real layout, screenshots)";

/// The UI in Chromium (WebView2's engine) in light, dark and forced colours, as Windows' contrast
/// themes show it: `npm run test:browser`, screenshots in `artifacts/chromium/`.
fn ui_browser() -> Result<Option<String>, String> {
    if !cfg!(target_os = "linux") {
        return Ok(Some(
            "it runs on Linux only, with the distribution's Chromium package".to_owned(),
        ));
    }
    let Some(chromium) = prereq::find_chromium() else {
        return Ok(Some(
            "no Chromium was found (install the `chromium` package, or set KEYBLADE_CHROMIUM \
             to a Chromium)"
                .to_owned(),
        ));
    };
    Cmd::npm(&["run", "test:browser"])
        .env("KEYBLADE_CHROMIUM", &chromium)
        .run()?;
    println!(
        "Screenshots: {}",
        crate::artifacts_dir().join("chromium").display()
    );
    Ok(None)
}

pub fn run(options: &TestOptions) -> Result<(), String> {
    let mut steps = Steps::new(12);
    let e2e_unsupported = e2e::unsupported_here();
    let mut tauri_driver = None;
    let ready = steps.run("Install missing prerequisites", || {
        if options.no_install {
            prereq::ensure_node()?;
        } else {
            prereq::ensure_all(Needs {
                headless: e2e_unsupported.is_none(),
                e2e: e2e_unsupported.is_none(),
            })?;
            prereq::ensure_chromium()?;
        }
        if e2e_unsupported.is_none() {
            tauri_driver = Some(prereq::ensure_tauri_driver(!options.no_install)?);
        }
        // Not fatal here: without cargo-deny only its two steps fail, and they say why.
        if let Err(error) = prereq::ensure_cargo_deny(!options.no_install) {
            println!("{error}");
        }
        Ok(())
    });
    if !ready {
        return steps.finish();
    }

    type Check = (&'static str, fn() -> Result<(), String>);
    let checks: [Check; 7] = [
        ("rustfmt (cargo fmt --all --check)", || {
            Cmd::cargo(&["fmt", "--all", "--check"]).run()
        }),
        // Seconds, so before clippy: a new crate's license or a second version of a crate
        // shows up without waiting for a build.
        (deny::POLICY_STEP, deny::policy),
        ("clippy (-D warnings, all targets)", || {
            Cmd::cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])
            .run()
        }),
        ("Rust tests (cargo test --workspace)", || {
            Cmd::cargo(&["test", "--workspace", "--exclude", "keyblade-e2e"]).run()
        }),
        ("UI typecheck (tsc --noEmit)", || {
            Cmd::npm(&["run", "typecheck"]).run()
        }),
        ("UI lint (eslint)", || Cmd::npm(&["run", "lint"]).run()),
        (UI_TESTS_STEP, || Cmd::npm(&["run", "test"]).run()),
    ];
    for (name, check) in checks {
        if !steps.run(name, check) && options.fail_fast {
            return steps.finish();
        }
        // Right after the policy, so the two cargo-deny steps read together.
        if name == deny::POLICY_STEP
            && !steps.run_or_skip(deny::ADVISORIES_STEP, deny::advisories)
            && options.fail_fast
        {
            return steps.finish();
        }
        if name == UI_TESTS_STEP
            && !steps.run_or_skip(UI_BROWSER_STEP, ui_browser)
            && options.fail_fast
        {
            return steps.finish();
        }
    }

    match (e2e_unsupported, tauri_driver) {
        (Some(why), _) => steps.skip("End-to-end test", why),
        (None, Some(driver)) => {
            steps.run(
                "End-to-end test (build UI and app, drive the window)",
                || {
                    app::build_ui()?;
                    let built = e2e::build()?;
                    e2e::run(&built, &driver)
                },
            );
        }
        (None, None) => steps.skip("End-to-end test", "tauri-driver is not available"),
    }
    // Linux only, like the end-to-end test: the .deb and Xvfb are Linux things.
    match e2e_unsupported {
        Some(why) => steps.skip("Package: the .deb and the AppImage", why),
        None => {
            steps.run(
                "Package: the .deb (installed with apt-get) and the AppImage (system WebKit \
                 hidden) each paint",
                || {
                    bundle::run(&bundle::BundleOptions {
                        install_check: true,
                        ..bundle::BundleOptions::default()
                    })
                },
            );
        }
    }
    steps.finish()
}
