//! Subscriptions and resources come from Azure Resource Manager, which needs a signed-in
//! session. There is none until sign-in exists, so both commands say so rather than
//! return an empty list that would read as "you have no subscriptions".

use tauri::State;

use crate::dto::{ResourceSummary, SubscriptionSummary};
use crate::error::CommandError;
use crate::state::{AppState, Session};

#[tauri::command]
pub async fn list_subscriptions(
    state: State<'_, AppState>,
) -> Result<Vec<SubscriptionSummary>, CommandError> {
    subscriptions(&state)
}

#[tauri::command]
pub async fn list_resources(
    state: State<'_, AppState>,
    subscription_id: String,
) -> Result<Vec<ResourceSummary>, CommandError> {
    resources(&state, &subscription_id)
}

fn subscriptions(state: &AppState) -> Result<Vec<SubscriptionSummary>, CommandError> {
    match state.session() {
        Session::SignedOut { reason } => Err(CommandError::SignedOut {
            action: "list subscriptions",
            reason: reason.clone(),
        }),
    }
}

fn resources(
    state: &AppState,
    _subscription_id: &str,
) -> Result<Vec<ResourceSummary>, CommandError> {
    match state.session() {
        Session::SignedOut { reason } => Err(CommandError::SignedOut {
            action: "list the subscription's resources",
            reason: reason.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_out_listing_is_an_error_not_an_empty_list() {
        let state = AppState::new(
            keyblade_azure::CloudSettings::azure_cloud(),
            Session::signed_out(),
        );
        let error = subscriptions(&state).unwrap_err();
        assert_eq!(error.code(), "session.signedOut");
        assert!(error.to_string().contains("list subscriptions"), "{error}");

        let error = resources(&state, "00000000-0000-0000-0000-000000000000").unwrap_err();
        assert_eq!(error.code(), "session.signedOut");
        assert!(error.to_string().contains("resources"), "{error}");
    }

    #[test]
    fn the_error_passes_on_the_sessions_reason() {
        let state = AppState::new(
            keyblade_azure::CloudSettings::azure_cloud(),
            Session::SignedOut {
                reason: "The sandbox is not running.".to_owned(),
            },
        );
        let message = subscriptions(&state).unwrap_err().to_string();
        assert!(
            message.ends_with("The sandbox is not running."),
            "{message}"
        );
    }
}
