//! Signing in from the "Sign in to Azure" dialog, the account and tenant switchers, the
//! subscription filter, and signing out. The work is in [`crate::signin`],
//! [`crate::tenants`] and [`crate::connect`].

use tauri::{AppHandle, Manager, State};

use crate::dto::{AppInfo, SignInOutcome, SignInRequest, TenantSummary};
use crate::error::CommandError;
use crate::state::AppState;

/// Signs in as the dialog asks; runs until the browser comes back, the device code is
/// approved, or `cancel_sign_in`. Nothing changes when it fails.
#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    request: SignInRequest,
) -> Result<SignInOutcome, CommandError> {
    let new = crate::signin::sign_in(&app, request).await?;
    Ok(SignInOutcome {
        info: super::app::info(&app.state::<AppState>()),
        secret: new.secret,
        skipped_tenants: new.skipped_tenants,
    })
}

/// Cancels a running sign-in; `false` when none runs under `operation_id`.
#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>, operation_id: String) -> bool {
    state.sign_ins.cancel(&operation_id)
}

/// Signs an account out (the one in use when `account_id` is null) and removes its
/// keyring entries. Signing out of the account in use goes to the next remembered account
/// or the local demo tenant, in the background (`session-changed` says when).
#[tauri::command]
pub async fn sign_out(app: AppHandle, account_id: Option<String>) -> Result<AppInfo, CommandError> {
    crate::signin::sign_out(&app, account_id).await?;
    Ok(super::app::info(&app.state::<AppState>()))
}

/// Goes to the local demo tenant, keeping the accounts (it connects in the background;
/// `session-changed` says when).
#[tauri::command]
pub fn use_demo_tenant(app: AppHandle) -> AppInfo {
    crate::signin::use_demo_tenant(&app);
    super::app::info(&app.state::<AppState>())
}

/// Switches to a remembered account; the current one stays in use if that fails.
#[tauri::command]
pub async fn switch_account(app: AppHandle, account_id: String) -> Result<AppInfo, CommandError> {
    crate::signin::switch_account(&app, &account_id).await?;
    Ok(super::app::info(&app.state::<AppState>()))
}

/// The tenants of the account in use, each with whether keyblade can use it now.
#[tauri::command]
pub async fn list_tenants(state: State<'_, AppState>) -> Result<Vec<TenantSummary>, CommandError> {
    let connected = state.connected("list your tenants")?;
    crate::tenants::list_tenants(&connected).await
}

/// Switches the account in use to another of its tenants.
#[tauri::command]
pub async fn switch_tenant(app: AppHandle, tenant_id: String) -> Result<AppInfo, CommandError> {
    crate::tenants::switch_tenant(&app, &tenant_id).await?;
    Ok(super::app::info(&app.state::<AppState>()))
}

/// Sets the subscriptions the resource picker loads for the account in use (`null`: all),
/// remembered for that account.
#[tauri::command]
pub fn set_subscription_filter(
    state: State<'_, AppState>,
    subscription_ids: Option<Vec<String>>,
) -> Result<(), CommandError> {
    let connected = state.connected("filter subscriptions")?;
    let account_id = connected.account_id.clone();
    let known = state.edit_accounts(|accounts| {
        accounts.set_subscription_filter(account_id.as_deref(), subscription_ids)
    });
    if !known {
        return Err(CommandError::InvalidSignIn {
            what: "The subscription filter".to_owned(),
            reason: "the account it belongs to was signed out meanwhile. Choose an account and \
                     try again."
                .to_owned(),
        });
    }
    Ok(())
}
