//! The Encryption blade: its view, preflight, granting access, and saving.

use tauri::{AppHandle, State};

use keyblade_azure::encryption::{
    self, DesiredChange, EncryptionView, GrantOutcome, PreflightReport, SaveOutcome,
};

use crate::error::CommandError;
use crate::progress::EventProgress;
use crate::state::AppState;

/// What the blade shows for a registry. `fresh` forgets every cached read first (Refresh).
#[tauri::command]
pub async fn get_encryption(
    state: State<'_, AppState>,
    registry_id: String,
    fresh: bool,
) -> Result<EncryptionView, CommandError> {
    let connected = state.connected("read the registry's encryption")?;
    if fresh {
        connected.azure.invalidate_all();
    }
    Ok(encryption::load_view(&connected.azure, &registry_id).await?)
}

/// The plan for `desired`: the calls Save would make, their `az` equivalents, and the
/// findings. Writes nothing.
#[tauri::command]
pub async fn preflight(
    state: State<'_, AppState>,
    registry_id: String,
    desired: DesiredChange,
) -> Result<PreflightReport, CommandError> {
    let connected = state.connected("check the change")?;
    Ok(encryption::preflight(&connected.azure, &registry_id, &desired).await?)
}

/// Grants the chosen identity get, wrapKey and unwrapKey on the key, when you may.
#[tauri::command]
pub async fn grant_access(
    state: State<'_, AppState>,
    registry_id: String,
    desired: DesiredChange,
) -> Result<GrantOutcome, CommandError> {
    let connected = state.connected("grant access to the key")?;
    Ok(encryption::grant_access(&connected.azure, &registry_id, &desired).await?)
}

/// Saves `desired` if the registry is still the one read with `etag`, reporting progress as
/// `operation-progress` events under `operation_id`, and returns the verified outcome.
#[tauri::command]
pub async fn save_encryption(
    app: AppHandle,
    state: State<'_, AppState>,
    registry_id: String,
    desired: DesiredChange,
    etag: String,
    operation_id: String,
) -> Result<SaveOutcome, CommandError> {
    let connected = state.connected("save the encryption key")?;
    let progress = EventProgress::new(app, operation_id);
    Ok(encryption::save(&connected.azure, &registry_id, &desired, &etag, &progress).await?)
}
