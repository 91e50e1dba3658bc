use tauri::State;

use crate::dto::AppInfo;
use crate::state::AppState;

/// Version, the cloud in use and the session, for the header and the About box.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    info(&state)
}

pub fn info(state: &AppState) -> AppInfo {
    let session = state.session();
    let signed_out = matches!(session, crate::state::Session::SignedOut { .. });
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        cloud: session.cloud().into(),
        session: session.status(),
        accounts: state.accounts_snapshot().summaries(),
        // Only while there is no session: once signed in, the dialog has done its job.
        sign_in_cloud: if signed_out {
            crate::state::lock(&state.sign_in_cloud).clone()
        } else {
            None
        },
        proxy: crate::connect::http_settings().proxy.describe(),
        data_folder: state.paths().data_dir.map(|dir| dir.display().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecretStore;
    use crate::secrets::testing::MapBackend;
    use crate::state::{AppPaths, Session};
    use keyblade_azure::CloudSettings;
    use serde_json::json;
    use std::sync::Arc;

    fn state(session: Session) -> AppState {
        AppState::new(
            session,
            SecretStore::new(Arc::new(MapBackend::default())),
            AppPaths::default(),
        )
    }

    #[test]
    fn reports_version_cloud_and_a_connecting_session() {
        let state = state(Session::Connecting {
            cloud: CloudSettings::azure_cloud(),
            message: "Starting the local demo tenant…".to_owned(),
        });
        let info = serde_json::to_value(info(&state)).unwrap();
        assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(
            info["cloud"],
            json!({
                "name": "AzureCloud",
                "armEndpoint": "https://management.azure.com/",
                "keyVaultSuffix": "vault.azure.net",
            })
        );
        assert_eq!(
            info["session"],
            json!({"state": "connecting", "message": "Starting the local demo tenant…"})
        );
    }

    #[test]
    fn reports_the_signed_out_reason_and_cloud() {
        let state = state(Session::SignedOut {
            cloud: CloudSettings::azure_china_cloud(),
            reason: "The secret expired.".to_owned(),
        });
        let info = info(&state);
        assert_eq!(info.cloud.name, "AzureChinaCloud");
        assert_eq!(info.cloud.key_vault_suffix, "vault.azure.cn");
        assert_eq!(
            serde_json::to_value(info.session).unwrap(),
            json!({"state": "signedOut", "reason": "The secret expired."})
        );
    }
}
