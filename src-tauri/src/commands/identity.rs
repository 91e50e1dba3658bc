//! The resource's managed identities, for the Identity blade and the Change key panel's
//! Identity section. Changing them is a lifecycle action (`plan_lifecycle`/`run_lifecycle`)
//! or a planned step of Change key: no command writes identities directly, so every write
//! is reviewed first.

use tauri::State;

use keyblade_azure::encryption::{self, IdentityOptions};

use crate::error::CommandError;
use crate::state::AppState;

/// The registry's system-assigned identity, its user-assigned identities, and the others
/// of its subscription that could be attached.
#[tauri::command]
pub async fn list_identities(
    state: State<'_, AppState>,
    registry_id: String,
) -> Result<IdentityOptions, CommandError> {
    let connected = state.connected("list managed identities")?;
    Ok(encryption::list_identities(&connected.azure, &registry_id).await?)
}
