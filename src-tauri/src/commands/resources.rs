//! Subscriptions and the resources whose Encryption blade keyblade shows (registries).

use tauri::State;

use crate::dto::{ResourceSummary, SubscriptionSummary};
use crate::error::CommandError;
use crate::state::AppState;

#[tauri::command]
pub async fn list_subscriptions(
    state: State<'_, AppState>,
) -> Result<Vec<SubscriptionSummary>, CommandError> {
    let connected = state.connected("list subscriptions")?;
    let subscriptions = keyblade_azure::encryption::list_subscriptions(&connected.azure).await?;
    Ok(subscriptions.into_iter().map(Into::into).collect())
}

/// The subscription's container registries, by name.
#[tauri::command]
pub async fn list_resources(
    state: State<'_, AppState>,
    subscription_id: String,
) -> Result<Vec<ResourceSummary>, CommandError> {
    let connected = state.connected("list the subscription's resources")?;
    let registries = connected
        .azure
        .arm
        .list_registries(&subscription_id)
        .await?;
    let mut resources: Vec<ResourceSummary> =
        registries.iter().map(ResourceSummary::from).collect();
    resources.sort_by_key(|r| r.name.to_ascii_lowercase());
    Ok(resources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecretStore;
    use crate::secrets::testing::MapBackend;
    use crate::state::{AppPaths, Session};
    use std::sync::Arc;

    #[test]
    fn without_a_session_listing_is_an_error_with_the_reason() {
        let state = AppState::new(
            Session::SignedOut {
                cloud: keyblade_azure::CloudSettings::azure_cloud(),
                reason: "The sandbox is not running.".to_owned(),
            },
            SecretStore::new(Arc::new(MapBackend::default())),
            AppPaths::default(),
        );
        let Err(error) = state.connected("list subscriptions") else {
            panic!("signed out must refuse");
        };
        assert_eq!(error.code(), "session.signedOut");
        assert!(
            error.to_string().ends_with("The sandbox is not running."),
            "{error}"
        );
    }
}
