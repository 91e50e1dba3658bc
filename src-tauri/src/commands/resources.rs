//! Subscriptions and the resources whose Encryption blade keyblade shows (registries).

use tauri::State;

use keyblade_azure::arm::accounts::AccountKind;

use crate::dto::{ResourceSummary, SubscriptionSummary};
use crate::error::CommandError;
use crate::state::AppState;

#[tauri::command]
pub async fn list_subscriptions(
    state: State<'_, AppState>,
) -> Result<Vec<SubscriptionSummary>, CommandError> {
    subscriptions(&state).await
}

/// The subscription's container registries, storage accounts and Cognitive Services
/// accounts, by name.
#[tauri::command]
pub async fn list_resources(
    state: State<'_, AppState>,
    subscription_id: String,
) -> Result<Vec<ResourceSummary>, CommandError> {
    resources(&state, &subscription_id).await
}

async fn subscriptions(state: &AppState) -> Result<Vec<SubscriptionSummary>, CommandError> {
    let connected = state.connected("list subscriptions")?;
    let subscriptions = keyblade_azure::encryption::list_subscriptions(&connected.azure).await?;
    let filter = state
        .accounts_snapshot()
        .subscription_filter(connected.account_id.as_deref())
        .cloned();
    Ok(subscriptions
        .into_iter()
        .map(|subscription| {
            let mut summary = SubscriptionSummary::from(subscription);
            summary.selected = filter.as_ref().is_none_or(|ids| {
                ids.iter()
                    .any(|id| id.eq_ignore_ascii_case(&summary.subscription_id))
            });
            summary
        })
        .collect())
}

async fn resources(
    state: &AppState,
    subscription_id: &str,
) -> Result<Vec<ResourceSummary>, CommandError> {
    let connected = state.connected("list the subscription's resources")?;
    let arm = &connected.azure.arm;
    // The three kinds at once: the picker waits for the slowest, not their sum.
    let (registries, storage, cognitive) = tokio::join!(
        arm.list_registries(subscription_id),
        arm.list_accounts(AccountKind::Storage, subscription_id),
        arm.list_accounts(AccountKind::CognitiveServices, subscription_id),
    );
    let mut resources: Vec<ResourceSummary> =
        registries?.iter().map(ResourceSummary::from).collect();
    resources.extend(storage?.iter().map(ResourceSummary::from));
    resources.extend(cognitive?.iter().map(ResourceSummary::from));
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

    /// Signed in to an in-process demo tenant, the picker lists its subscriptions and their
    /// registries (and nothing else), by name.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lists_the_demo_tenants_subscriptions_and_registries() {
        let sandbox = crate::connect::start_sandbox(None).await.unwrap();
        let connected = crate::connect::demo_session(&sandbox).await.unwrap();
        let state = AppState::new(
            Session::SignedIn(Arc::new(connected)),
            SecretStore::new(Arc::new(MapBackend::default())),
            AppPaths::default(),
        );
        let subscriptions = subscriptions(&state).await.unwrap();
        let production = subscriptions
            .iter()
            .find(|s| s.display_name == "Contoso Production")
            .expect("the demo has a production subscription");
        assert_eq!(
            production.tenant_id.as_deref(),
            Some(keyblade_sandbox::DEMO.tenant_id)
        );

        let registries = resources(&state, &production.subscription_id)
            .await
            .unwrap();
        let names: Vec<&str> = registries.iter().map(|r| r.name.as_str()).collect();
        assert!(names.contains(&"crcontosoprod"), "{names:?}");
        // Storage accounts are listed beside registries, with their kind.
        let storage = registries
            .iter()
            .find(|r| r.name == "stcontosocmk")
            .expect("the production storage account is listed");
        assert_eq!(storage.kind, crate::dto::ResourceKind::StorageAccount);
        assert!(names.contains(&"crcontosonocmk"), "{names:?}");
        let mut sorted = names.clone();
        sorted.sort_by_key(|n| n.to_ascii_lowercase());
        assert_eq!(names, sorted);
        for registry in registries
            .iter()
            .filter(|r| r.kind == crate::dto::ResourceKind::ContainerRegistry)
        {
            assert_eq!(registry.subscription_id, production.subscription_id);
            assert!(
                registry
                    .id
                    .contains("/providers/Microsoft.ContainerRegistry/registries/"),
                "{}",
                registry.id
            );
        }
        sandbox.stop().await.unwrap();
    }

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

    /// The subscription filter is the demo tenant's (or the account's) own: listing still
    /// returns every subscription, and marks which ones the picker loads.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_subscription_filter_marks_the_chosen_subscriptions() {
        let sandbox = crate::connect::start_sandbox(None).await.unwrap();
        let connected = crate::connect::demo_session(&sandbox).await.unwrap();
        let state = AppState::new(
            Session::SignedIn(Arc::new(connected)),
            SecretStore::new(Arc::new(MapBackend::default())),
            AppPaths::default(),
        );
        let all = subscriptions(&state).await.unwrap();
        assert!(all.len() > 1, "the demo has several subscriptions");
        assert!(all.iter().all(|s| s.selected), "no filter: all are chosen");
        let chosen = all[0].subscription_id.to_ascii_uppercase();
        state.edit_accounts(|accounts| accounts.set_subscription_filter(None, Some(vec![chosen])));
        let filtered = subscriptions(&state).await.unwrap();
        assert_eq!(
            filtered.len(),
            all.len(),
            "every subscription is still listed"
        );
        let selected: Vec<&str> = filtered
            .iter()
            .filter(|s| s.selected)
            .map(|s| s.subscription_id.as_str())
            .collect();
        assert_eq!(selected, vec![all[0].subscription_id.as_str()]);
        sandbox.stop().await.unwrap();
    }
}
