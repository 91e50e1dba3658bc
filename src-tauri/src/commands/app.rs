use tauri::State;

use crate::dto::AppInfo;
use crate::state::AppState;

/// Version, configured cloud and session, for the header and the About box.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    info(&state)
}

fn info(state: &AppState) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        cloud: state.cloud().into(),
        session: state.session().status(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Session;
    use keyblade_azure::CloudSettings;
    use serde_json::json;

    #[test]
    fn reports_version_cloud_and_signed_out_session() {
        let state = AppState::new(CloudSettings::azure_cloud(), Session::signed_out());
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
        assert_eq!(info["session"]["state"], "signedOut");
        let reason = info["session"]["reason"].as_str().unwrap();
        assert!(reason.contains("cannot sign in to Azure yet"), "{reason}");
    }

    #[test]
    fn reports_the_configured_cloud() {
        let state = AppState::new(CloudSettings::azure_china_cloud(), Session::signed_out());
        let info = info(&state);
        assert_eq!(info.cloud.name, "AzureChinaCloud");
        assert_eq!(
            info.cloud.arm_endpoint,
            "https://management.chinacloudapi.cn/"
        );
        assert_eq!(info.cloud.key_vault_suffix, "vault.azure.cn");
    }
}
