//! The Encryption blade: its view, preflight, granting access, and saving.

use tauri::{AppHandle, State};

use keyblade_azure::encryption::{
    self, DesiredChange, EncryptionView, GrantOutcome, PreflightReport, SaveOutcome, history,
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
/// `operation-progress` events under `operation_id`, and returns the outcome as read back.
/// [`cancel_save`] with the same `operation_id` stops it waiting. An outcome still in
/// progress is watched in the background, and its end arrives as a `save-settled` event.
/// The save is recorded in the history ([`crate::history`]), as the undo of the entry
/// `undo_of` when given.
#[tauri::command]
pub async fn save_encryption(
    app: AppHandle,
    state: State<'_, AppState>,
    registry_id: String,
    desired: DesiredChange,
    etag: String,
    operation_id: String,
    undo_of: Option<String>,
) -> Result<SaveOutcome, CommandError> {
    let connected = state.connected("save the encryption key")?;
    let progress = EventProgress::new(app.clone(), operation_id.clone());
    let cancel = state.saves.start(&operation_id);
    // The settings before, for the history (and its undo). Only the resource is read
    // afresh; the rest comes from the session's caches.
    let before = encryption::load_view(&connected.azure, &registry_id)
        .await
        .ok();
    let outcome = encryption::save(
        &connected.azure,
        &registry_id,
        &desired,
        &etag,
        &progress,
        &cancel,
    )
    .await;
    let author = crate::history::author(&connected);
    let recorded = crate::history::record(
        &state.paths(),
        history::save_entry(
            &author,
            &registry_id,
            before.as_ref(),
            &desired,
            &outcome,
            undo_of,
        ),
    );
    let outcome = outcome?;
    match &outcome {
        // The same cancel switch stays registered for the watch, so a Cancel clicked as
        // the answer arrives is not lost in between.
        SaveOutcome::InProgress {
            watch,
            watching: true,
            ..
        } => {
            // How it ended is appended to the history as a record that settles this entry:
            // the History view then shows the change as applied (or failed), not in progress.
            let paths = state.paths();
            let on_settled = move |settled: &SaveOutcome| {
                let Some(entry_id) = recorded else { return };
                let mut record = history::save_entry(
                    &author,
                    &registry_id,
                    None,
                    &desired,
                    &Ok(settled.clone()),
                    None,
                );
                record.settles = Some(entry_id);
                let _ = crate::history::record(&paths, record);
            };
            crate::progress::watch_in_background(
                app,
                connected,
                operation_id,
                watch.clone(),
                cancel,
                on_settled,
            );
        }
        _ => state.saves.finish(&operation_id),
    }
    Ok(outcome)
}

/// Stops a running save (or the watch of an unfinished one) from waiting. `false` when no
/// such operation runs (it already ended).
#[tauri::command]
pub fn cancel_save(state: State<'_, AppState>, operation_id: String) -> bool {
    state.saves.cancel(&operation_id)
}
