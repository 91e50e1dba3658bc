//! keyblade's desktop shell: the Tauri app that hosts the UI and answers its commands.
//!
//! This crate holds no business logic. Commands translate between IPC and the
//! `keyblade-core` and `keyblade-azure` crates; see `ARCHITECTURE.md`.

pub mod accounts;
pub mod applog;
pub mod bindings;
#[macro_use]
pub mod commands;
pub mod connect;
pub mod dto;
pub mod error;
pub mod history;
pub mod progress;
pub mod rendering;
pub mod secrets;
pub mod signin;
pub mod startup;
pub mod state;
pub mod tenants;
mod window_state;

use keyblade_azure::CloudSettings;
use tauri::Manager;

use crate::secrets::SecretStore;
use crate::state::{AppPaths, AppState, Session};

/// Expands to `tauri::generate_handler!` over every command in `commands/list.rs`.
macro_rules! app_command_handler {
    ($($module:ident::$command:ident),* $(,)?) => {
        tauri::generate_handler![$(commands::$module::$command),*]
    };
}

/// Starts the app and blocks until its last window closes.
pub fn run() -> Result<(), tauri::Error> {
    startup::begin();
    // Until set-up decides (environment, remembered sign-in or demo), the session is
    // connecting; the window can already ask and show that.
    let state = AppState::without_paths(
        Session::Connecting {
            cloud: CloudSettings::azure_cloud(),
            message: connect::STARTING_DEMO.to_owned(),
        },
        SecretStore::os(),
    );
    let app = tauri::Builder::default()
        .plugin(window_state::plugin())
        .plugin(tauri_plugin_opener::init())
        .manage(window_state::Changes::default())
        .on_window_event(window_state::on_window_event)
        .manage(state)
        .setup(|app| {
            let paths = app.path();
            let data_dir = paths.app_data_dir().ok();
            if let Some(dir) = &data_dir {
                applog::init(&dir.join("logs"));
            }
            log_info!(
                "keyblade {} (commit {}) starting on {} {}",
                env!("CARGO_PKG_VERSION"),
                env!("KEYBLADE_COMMIT"),
                std::env::consts::OS,
                std::env::consts::ARCH
            );
            app.state::<AppState>().set_paths(AppPaths {
                data_dir,
                config_dir: paths.app_config_dir().ok(),
            });
            // Connects in the background: the window opens at once and shows progress.
            connect::start(app.handle());
            Ok(())
        })
        .invoke_handler(with_app_commands!(app_command_handler))
        .build(tauri::generate_context!())?;
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            connect::stop_demo(handle);
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    macro_rules! command_names {
        ($($module:ident::$command:ident),* $(,)?) => {
            [$(stringify!($command)),*]
        };
    }

    /// The main window may call exactly the app's own commands, and listen to the app's
    /// events (session changes, operation progress): no other plugin or core permission
    /// sneaks in, and no command is left uncallable.
    #[test]
    fn capability_allows_exactly_the_app_commands() {
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/main.json")).unwrap();
        let mut allowed: Vec<&str> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|permission| permission.as_str().unwrap())
            .collect();
        let mut expected: Vec<String> = with_app_commands!(command_names)
            .iter()
            .map(|command| format!("allow-{}", command.replace('_', "-")))
            .chain(["core:event:allow-listen", "core:event:allow-unlisten"].map(str::to_owned))
            .collect();
        allowed.sort_unstable();
        expected.sort_unstable();
        assert_eq!(allowed, expected);
        assert_eq!(capability["windows"], serde_json::json!(["main"]));
    }
}
