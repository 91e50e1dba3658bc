//! The key lifecycle beyond Change key, one pair of commands for every action: plan it (the
//! review), then run it (the change, read back). Which action is data
//! ([`LifecycleAction`]), so a new action needs no new command.

use tauri::{AppHandle, State};

use keyblade_azure::encryption::lifecycle::{self, Confirmed, LifecycleOutcome, LifecyclePlanView};
use keyblade_core::lifecycle::LifecycleAction;

use crate::error::CommandError;
use crate::progress::EventProgress;
use crate::state::AppState;

/// The review of `action` on the resource: steps with their `az` equivalents, findings,
/// what to confirm and what else is affected. Writes nothing.
#[tauri::command]
pub async fn plan_lifecycle(
    state: State<'_, AppState>,
    resource_id: String,
    action: LifecycleAction,
) -> Result<LifecyclePlanView, CommandError> {
    let connected = state.connected("plan the change")?;
    Ok(lifecycle::plan(&connected.azure, &resource_id, &action).await?)
}

/// Runs `action` on the resource after planning it again, with `confirmation` as the user
/// gave it (the typed name and the ticked acknowledgement; empty for a review), reporting progress as
/// `operation-progress` events under `operation_id`; [`super::encryption::cancel_save`]
/// with the same `operation_id` stops it waiting. The run is recorded in the history
/// ([`crate::history`]), as the undo of the entry `undo_of` when given.
#[tauri::command]
pub async fn run_lifecycle(
    app: AppHandle,
    state: State<'_, AppState>,
    resource_id: String,
    action: LifecycleAction,
    confirmation: Confirmed,
    operation_id: String,
    undo_of: Option<String>,
) -> Result<LifecycleOutcome, CommandError> {
    let connected = state.connected("make the change")?;
    let previous_policy = keyblade_azure::encryption::history::previous_policy(
        &connected.azure,
        &resource_id,
        &action,
    )
    .await;
    let progress = EventProgress::new(app, operation_id.clone());
    let cancel = state.saves.start(&operation_id);
    let outcome = lifecycle::run(
        &connected.azure,
        &resource_id,
        &action,
        &confirmation,
        &progress,
        &cancel,
    )
    .await;
    state.saves.finish(&operation_id);
    crate::history::record_lifecycle(
        &state,
        &connected,
        &resource_id,
        &action,
        previous_policy,
        &outcome,
        undo_of,
    );
    Ok(outcome?)
}
