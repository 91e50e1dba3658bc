//! The Change key panel's Key Vault pickers and its "Create new" actions.

use tauri::{AppHandle, State};

use keyblade_azure::encryption::{
    self, KeyOption, KeyVersionOption, NewKeyRequest, NewVaultRequest, VaultOption,
};

use crate::error::CommandError;
use crate::progress::EventProgress;
use crate::state::AppState;

/// The subscription's key vaults, each with whether you can list its keys (and why not).
#[tauri::command]
pub async fn list_vaults(
    state: State<'_, AppState>,
    subscription_id: String,
) -> Result<Vec<VaultOption>, CommandError> {
    let connected = state.connected("list key vaults")?;
    let mut vaults = encryption::list_vaults(&connected.azure, &subscription_id).await?;
    vaults.sort_by_key(|v| v.name.to_ascii_lowercase());
    Ok(vaults)
}

#[tauri::command]
pub async fn list_keys(
    state: State<'_, AppState>,
    vault_uri: String,
) -> Result<Vec<KeyOption>, CommandError> {
    let connected = state.connected("list keys")?;
    Ok(encryption::list_keys(&connected.azure, &vault_uri).await?)
}

/// A key's versions, newest first.
#[tauri::command]
pub async fn list_key_versions(
    state: State<'_, AppState>,
    vault_uri: String,
    key_name: String,
) -> Result<Vec<KeyVersionOption>, CommandError> {
    let connected = state.connected("list key versions")?;
    Ok(encryption::list_key_versions(&connected.azure, &vault_uri, &key_name).await?)
}

/// Creates a vault with soft delete and purge protection on; progress under `operation_id`.
#[tauri::command]
pub async fn create_vault(
    app: AppHandle,
    state: State<'_, AppState>,
    request: NewVaultRequest,
    operation_id: String,
) -> Result<VaultOption, CommandError> {
    let connected = state.connected("create a key vault")?;
    let progress = EventProgress::new(app, operation_id);
    Ok(encryption::create_vault(&connected.azure, &request, &progress).await?)
}

/// Creates an RSA key (2048, 3072 or 4096 bits).
#[tauri::command]
pub async fn create_key(
    state: State<'_, AppState>,
    request: NewKeyRequest,
) -> Result<KeyOption, CommandError> {
    let connected = state.connected("create a key")?;
    Ok(encryption::create_key(&connected.azure, &request).await?)
}
