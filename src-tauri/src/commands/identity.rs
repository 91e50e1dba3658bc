//! The registry's managed identities: the Identity blade and the Change key panel's
//! Identity section.

use std::future::Future;
use std::sync::Arc;

use tauri::{AppHandle, State};

use keyblade_azure::encryption::{self, IdentityChangeOutcome, IdentityOptions};

use crate::error::CommandError;
use crate::progress::EventProgress;
use crate::state::{AppState, Connected};

/// Runs identity work on a blocking thread of the async runtime.
///
/// keyblade-azure's identity listing polls a stream of `get_identity(&id)` futures that
/// rustc cannot prove `Send` for every lifetime (rust-lang/rust#64552), so it cannot run
/// inside an async command's task. On its own thread it needs no `Send` future, and the UI
/// thread is still never blocked.
async fn on_own_thread<T, F, Fut>(connected: Arc<Connected>, work: F) -> Result<T, CommandError>
where
    T: Send + 'static,
    F: FnOnce(Arc<Connected>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, keyblade_azure::AzureError>>,
{
    let handle = tokio::runtime::Handle::current();
    tauri::async_runtime::spawn_blocking(move || handle.block_on(work(connected)))
        .await
        .map_err(|error| {
            CommandError::Azure(keyblade_azure::AzureError::Other(format!(
                "keyblade's identity task stopped unexpectedly ({error}). Try again; if it keeps \
                 failing, restart keyblade."
            )))
        })?
        .map_err(CommandError::from)
}

/// The registry's system-assigned identity, its user-assigned identities, and the others
/// of its subscription that could be attached.
#[tauri::command]
pub async fn list_identities(
    state: State<'_, AppState>,
    registry_id: String,
) -> Result<IdentityOptions, CommandError> {
    let connected = state.connected("list managed identities")?;
    on_own_thread(connected, move |connected| async move {
        encryption::list_identities(&connected.azure, &registry_id).await
    })
    .await
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
    on_own_thread(connected, move |connected| async move {
        let progress = EventProgress::new(app, operation_id);
        encryption::attach_identity(
            &connected.azure,
            &registry_id,
            &identity_id,
            &etag,
            &progress,
        )
        .await
    })
    .await
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
    on_own_thread(connected, move |connected| async move {
        let progress = EventProgress::new(app, operation_id);
        encryption::enable_system_identity(&connected.azure, &registry_id, &etag, &progress).await
    })
    .await
}
