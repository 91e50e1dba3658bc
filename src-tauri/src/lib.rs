//! keyblade's desktop shell: the Tauri app that hosts the UI and answers its commands.
//!
//! This crate holds no business logic. Commands translate between IPC and the
//! `keyblade-core` and `keyblade-azure` crates; see `ARCHITECTURE.md`.

pub mod bindings;
#[macro_use]
pub mod commands;
pub mod dto;
pub mod error;
pub mod state;
mod window_state;

use keyblade_azure::CloudSettings;

use crate::state::{AppState, Session};

/// Expands to `tauri::generate_handler!` over every command in `commands/list.rs`.
macro_rules! app_command_handler {
    ($($module:ident::$command:ident),* $(,)?) => {
        tauri::generate_handler![$(commands::$module::$command),*]
    };
}

/// Starts the app and blocks until its last window closes.
pub fn run() -> Result<(), tauri::Error> {
    // Azure's public cloud until choosing another (or the sandbox) is configurable.
    let state = AppState::new(CloudSettings::azure_cloud(), Session::signed_out());
    tauri::Builder::default()
        .plugin(window_state::plugin())
        .manage(window_state::Changes::default())
        .on_window_event(window_state::on_window_event)
        .manage(state)
        .invoke_handler(with_app_commands!(app_command_handler))
        .run(tauri::generate_context!())
}

#[cfg(test)]
mod tests {
    macro_rules! command_names {
        ($($module:ident::$command:ident),* $(,)?) => {
            [$(stringify!($command)),*]
        };
    }

    /// The main window may call exactly the app's own commands: no plugin or core
    /// permission sneaks in, and no command is left uncallable.
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
            .collect();
        allowed.sort_unstable();
        expected.sort_unstable();
        assert_eq!(allowed, expected);
        assert_eq!(capability["windows"], serde_json::json!(["main"]));
    }
}
