//! Restore access's diagnosis: why the resource cannot reach its key, each cause with the
//! fix Restore access offers. The fixes themselves run through the lifecycle commands
//! ([`super::lifecycle::plan_lifecycle`], [`super::lifecycle::run_lifecycle`]).

use tauri::State;

use keyblade_azure::encryption::lifecycle::restore::{self, RestoreDiagnosis};

use crate::error::CommandError;
use crate::state::AppState;

/// Finds why the resource's identity cannot reach its key. Writes nothing.
#[tauri::command]
pub async fn diagnose_access(
    state: State<'_, AppState>,
    resource_id: String,
) -> Result<RestoreDiagnosis, CommandError> {
    let connected = state.connected("check the resource's access to its key")?;
    Ok(restore::diagnose(&connected.azure, &resource_id).await?)
}
