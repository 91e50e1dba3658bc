//! Key rotation on the Encryption blade: how the resource's key rotates (versions, last
//! rotation, the rotation policy in words). New key version and Set rotation policy
//! themselves are lifecycle actions ([`super::lifecycle`]).

use tauri::State;

use keyblade_azure::encryption::lifecycle::rotation::{self, RotationView};

use crate::error::CommandError;
use crate::state::AppState;

/// The rotation state of the resource's key. A rotation policy the signed-in account may
/// not read is `policyReadable: false` with the missing permission said, not an error.
#[tauri::command]
pub async fn read_rotation(
    state: State<'_, AppState>,
    resource_id: String,
) -> Result<RotationView, CommandError> {
    let connected = state.connected("read the key's rotation")?;
    Ok(rotation::read_rotation(&connected.azure, &resource_id).await?)
}
