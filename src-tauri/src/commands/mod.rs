//! The `#[tauri::command]`s, one file per area. Each one only translates: IPC arguments
//! in, a call into `keyblade-core`/`keyblade-azure` or the app state, a DTO or
//! [`CommandError`](crate::error::CommandError) out.

#[macro_use]
mod list;

pub mod app;
pub mod encryption;
pub mod history;
pub mod home;
pub mod identity;
pub mod key_uri;
pub mod key_vault;
pub mod lifecycle;
pub mod resources;
pub mod restore;
pub mod rotation;
pub mod session;
