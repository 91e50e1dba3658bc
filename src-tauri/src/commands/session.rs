//! Signing in to Azure from the "Sign in to Azure" dialog, and signing out (back to the
//! local demo tenant). The work is in [`crate::connect`].

use tauri::{AppHandle, Manager};

use crate::connect;
use crate::dto::{SignInOutcome, SignInRequest};
use crate::error::CommandError;
use crate::state::AppState;

/// Signs in as a service principal; nothing changes when it fails.
#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    request: SignInRequest,
) -> Result<SignInOutcome, CommandError> {
    let secret = connect::sign_in(&app, request).await?;
    Ok(SignInOutcome {
        info: super::app::info(&app.state::<AppState>()),
        secret,
    })
}

/// Forgets the Azure sign-in and its secret, and goes back to the local demo tenant (which
/// connects in the background; `session-changed` says when).
#[tauri::command]
pub fn sign_out(app: AppHandle) -> crate::dto::AppInfo {
    connect::sign_out(&app);
    super::app::info(&app.state::<AppState>())
}
