include!("src/commands/list.rs");

macro_rules! command_names {
    ($($module:ident::$command:ident),* $(,)?) => {
        &[$(stringify!($command)),*]
    };
}

const APP_COMMANDS: &[&str] = with_app_commands!(command_names);

/// The commit the app is built from, for About and Copy diagnostics; `unknown` outside a
/// git checkout (a source tarball).
fn commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/src/commands/list.rs");
    // HEAD's reflog changes with every commit and checkout.
    println!("cargo:rerun-if-changed=.git/logs/HEAD");
    println!("cargo:rustc-env=KEYBLADE_COMMIT={}", commit());
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(APP_COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        // A build script reports failure by exiting non-zero; the chain says which file is wrong.
        eprintln!("error: the Tauri build step failed: {error:#}");
        std::process::exit(1);
    }
}
