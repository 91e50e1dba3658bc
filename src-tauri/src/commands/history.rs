//! History and undo: the changes keyblade made ([`crate::history`]), and the review of an
//! entry's undo. Running an undo is the ordinary `save_encryption` or `run_lifecycle`, given
//! the entry's ID as `undoOf` so the new entry says what it undid.

use tauri::State;

use keyblade_azure::encryption::history::{self, UndoReview};
use keyblade_core::history::HistoryEntry;

use crate::error::CommandError;
use crate::state::AppState;

/// The recorded changes of the resource `resource_id` (of every resource for `None`), newest
/// first. Empty when the platform has no data folder. Async, so reading the file never holds
/// up the window's thread.
#[tauri::command]
pub async fn list_history(
    state: State<'_, AppState>,
    resource_id: Option<String>,
) -> Result<Vec<HistoryEntry>, CommandError> {
    Ok(match crate::history::history_dir(&state.paths()) {
        Some(dir) => crate::history::list(&dir, resource_id.as_deref()),
        None => Vec::new(),
    })
}

/// The entry with `id`.
#[tauri::command]
pub async fn get_history_entry(
    state: State<'_, AppState>,
    id: String,
) -> Result<HistoryEntry, CommandError> {
    entry(&state, &id)
}

/// The review of undoing the entry `entry_id`: Change key's preflight back to the settings
/// before it, or the plan of the inverse lifecycle action, or why it cannot be undone.
/// Writes nothing.
#[tauri::command]
pub async fn plan_undo(
    state: State<'_, AppState>,
    entry_id: String,
) -> Result<UndoReview, CommandError> {
    let entry = entry(&state, &entry_id)?;
    let connected = state.connected("plan the undo")?;
    Ok(history::plan_undo(&connected.azure, &entry).await?)
}

fn entry(state: &AppState, id: &str) -> Result<HistoryEntry, CommandError> {
    crate::history::history_dir(&state.paths())
        .and_then(|dir| crate::history::get(&dir, id))
        .ok_or_else(|| CommandError::HistoryEntryNotFound { id: id.to_owned() })
}
