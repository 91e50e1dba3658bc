//! The registry's managed identities: the Identity blade and the Change key panel's
//! Identity section.

use tauri::{AppHandle, State};

use keyblade_azure::encryption::{self, IdentityChangeOutcome, IdentityOptions};

use crate::error::CommandError;
use crate::progress::EventProgress;
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

/// Attaches a user-assigned identity to the registry, if it is still the one read with
/// `etag`.
#[tauri::command]
pub async fn attach_identity(
    app: AppHandle,
    state: State<'_, AppState>,
    registry_id: String,
    identity_id: String,
    etag: String,
    operation_id: String,
) -> Result<IdentityChangeOutcome, CommandError> {
    let connected = state.connected("attach an identity")?;
    let progress = EventProgress::new(app, operation_id);
    Ok(encryption::attach_identity(
        &connected.azure,
        &registry_id,
        &identity_id,
        &etag,
        &progress,
    )
    .await?)
}

/// Turns on the registry's system-assigned identity (Identity, Status On).
#[tauri::command]
pub async fn enable_system_identity(
    app: AppHandle,
    state: State<'_, AppState>,
    registry_id: String,
    etag: String,
    operation_id: String,
) -> Result<IdentityChangeOutcome, CommandError> {
    let connected = state.connected("turn on the system-assigned identity")?;
    let progress = EventProgress::new(app, operation_id);
    Ok(
        encryption::enable_system_identity(&connected.azure, &registry_id, &etag, &progress)
            .await?,
    )
}
