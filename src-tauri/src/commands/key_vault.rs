//! The Change key panel's Key Vault pickers and its "Create new" actions.

use tauri::{AppHandle, State};

use keyblade_azure::encryption::{
    self, KeyOption, KeyVersionOption, NewKeyRequest, NewVaultRequest, VaultNameCheck, VaultOption,
};

use keyblade_core::validate_key_name;

use crate::dto::OpenedVault;
use crate::error::CommandError;
use crate::progress::EventProgress;
use crate::state::{AppState, Connected};

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
    keys(&*state.connected("list keys")?, &vault_uri).await
}

// The vault URIs and key names below come from the UI: each is checked against the session's
// cloud and Key Vault's name rule before anything is sent (see `CloudSettings::vault_url`).

async fn keys(connected: &Connected, vault_uri: &str) -> Result<Vec<KeyOption>, CommandError> {
    let vault = connected.azure.arm.cloud().vault_url(vault_uri)?;
    Ok(encryption::list_keys(&connected.azure, vault.as_str()).await?)
}

/// Opens a key vault by its URI, for a vault the user can use but whose subscription they
/// cannot list: checks the host is the active cloud's Key Vault, and reads its keys through
/// the data plane (which is what proves access).
#[tauri::command]
pub async fn open_key_vault(
    state: State<'_, AppState>,
    vault_uri: String,
) -> Result<OpenedVault, CommandError> {
    let connected = state.connected("open a key vault")?;
    let vault = connected.azure.arm.cloud().vault_url(&vault_uri)?;
    let keys = encryption::list_keys(&connected.azure, vault.as_str()).await?;
    let name = vault
        .host_str()
        .and_then(|host| host.split('.').next())
        .unwrap_or_default()
        .to_owned();
    Ok(OpenedVault {
        name,
        vault_uri: vault.to_string(),
        keys,
    })
}

/// A key's versions, newest first.
#[tauri::command]
pub async fn list_key_versions(
    state: State<'_, AppState>,
    vault_uri: String,
    key_name: String,
) -> Result<Vec<KeyVersionOption>, CommandError> {
    key_versions(
        &*state.connected("list key versions")?,
        &vault_uri,
        &key_name,
    )
    .await
}

async fn key_versions(
    connected: &Connected,
    vault_uri: &str,
    key_name: &str,
) -> Result<Vec<KeyVersionOption>, CommandError> {
    let vault = connected.azure.arm.cloud().vault_url(vault_uri)?;
    validate_key_name(key_name)?;
    Ok(encryption::list_key_versions(&connected.azure, vault.as_str(), key_name).await?)
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
    new_key(&*state.connected("create a key")?, request).await
}

async fn new_key(connected: &Connected, request: NewKeyRequest) -> Result<KeyOption, CommandError> {
    let vault = connected.azure.arm.cloud().vault_url(&request.vault_uri)?;
    validate_key_name(&request.name)?;
    let request = NewKeyRequest {
        vault_uri: vault.into(),
        ..request
    };
    Ok(encryption::create_key(&connected.azure, &request).await?)
}

/// Whether "Create new" key vault may use `name` (vault names are global), and if not, which
/// vault holds it: one of the subscription, a soft-deleted one, or one you cannot see.
#[tauri::command]
pub async fn check_vault_name(
    state: State<'_, AppState>,
    subscription_id: String,
    name: String,
) -> Result<VaultNameCheck, CommandError> {
    let connected = state.connected("check a key vault name")?;
    Ok(encryption::check_vault_name(&connected.azure, &subscription_id, &name).await?)
}

/// Recovers the subscription's soft-deleted vault `name`; progress under `operation_id`.
#[tauri::command]
pub async fn recover_vault(
    app: AppHandle,
    state: State<'_, AppState>,
    subscription_id: String,
    name: String,
    operation_id: String,
) -> Result<VaultOption, CommandError> {
    let connected = state.connected("recover a key vault")?;
    let progress = EventProgress::new(app, operation_id);
    Ok(encryption::recover_vault(&connected.azure, &subscription_id, &name, &progress).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Vault URIs and key names from the UI are checked before anything is sent: a host
    /// outside the cloud sees no connection at all (Key Vault's client would first send it
    /// an unauthenticated request to learn where to sign in), and a bad key name gets Key
    /// Vault's rule instead of a request.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn vault_uris_and_key_names_from_the_ui_are_checked_first() {
        let sandbox = crate::connect::start_sandbox(None).await.unwrap();
        let connected = crate::connect::demo_session(&sandbox).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let new_key_in = |vault_uri: &str, name: &str| NewKeyRequest {
            vault_uri: vault_uri.to_owned(),
            name: name.to_owned(),
            size: 2048,
        };

        for foreign in [
            format!("https://127.0.0.1:{port}/"),
            format!("https://kv-contoso-prod-cmk.vault.localhost:{port}/"),
            format!("https://localhost:{port}/"),
        ] {
            let errors = [
                keys(&connected, &foreign).await.unwrap_err(),
                key_versions(&connected, &foreign, "k").await.unwrap_err(),
                new_key(&connected, new_key_in(&foreign, "k"))
                    .await
                    .unwrap_err(),
            ];
            for error in errors {
                assert_eq!(error.code(), "azure.untrustedVaultHost", "{foreign}");
                assert!(error.to_string().contains("did not contact"), "{error}");
            }
        }
        let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
        assert!(accepted.is_err(), "no connection reached the foreign host");

        let vault = format!(
            "https://kv-contoso-prod-cmk.vault.localhost:{}/",
            sandbox.port()
        );
        for bad in ["", "../keys", "cmk_key", &"k".repeat(128)] {
            for error in [
                key_versions(&connected, &vault, bad).await.unwrap_err(),
                new_key(&connected, new_key_in(&vault, bad))
                    .await
                    .unwrap_err(),
            ] {
                assert_eq!(error.code(), "keyUri.invalidKeyName", "{bad:?}");
            }
        }

        // A vault of the cloud is listed, however its URI is capitalised.
        let listed = keys(&connected, &vault.to_uppercase()).await.unwrap();
        assert!(!listed.is_empty());
        sandbox.stop().await.unwrap();
    }
}
