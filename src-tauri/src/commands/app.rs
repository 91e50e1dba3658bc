use tauri::State;

use crate::dto::AppInfo;
use crate::state::AppState;

/// Version, the cloud in use and the session, for the header and the About box.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    crate::startup::reached(crate::startup::Milestone::FirstCall);
    info(&state)
}

/// What a bug report needs, as text for the clipboard: version, commit, platform, cloud,
/// proxy, session (who, never a secret), folders, and the log's last lines (redacted).
#[tauri::command]
pub fn diagnostics(state: State<'_, AppState>) -> String {
    diagnostics_text(&info(&state))
}

pub fn diagnostics_text(info: &AppInfo) -> String {
    let session = match &info.session {
        crate::dto::SessionStatus::Connecting { message } => format!("connecting: {message}"),
        crate::dto::SessionStatus::SignedOut { reason } => format!("signed out: {reason}"),
        crate::dto::SessionStatus::SignedIn {
            tenant_id,
            account,
            is_demo,
            ..
        } => format!(
            "signed in as {account} in tenant {tenant_id}{}",
            if *is_demo { " (demo tenant)" } else { "" }
        ),
    };
    let accounts: Vec<String> = info
        .accounts
        .iter()
        .map(|a| {
            format!(
                "{} ({:?}, {}, tenant {})",
                a.label, a.method, a.cloud_name, a.tenant_id
            )
        })
        .collect();
    format!(
        "keyblade {} (commit {})\nplatform: {} {}\ncloud: {} ({})\nproxy: {}\nsession: {}\n\
         accounts: {}\ndata folder: {}\nlog file: {}\n\n--- last lines of the log ---\n{}\n",
        info.version,
        info.commit,
        std::env::consts::OS,
        std::env::consts::ARCH,
        info.cloud.name,
        info.cloud.arm_endpoint,
        info.proxy,
        session,
        if accounts.is_empty() {
            "none".to_owned()
        } else {
            accounts.join("; ")
        },
        info.data_folder.as_deref().unwrap_or("none"),
        info.log_file.as_deref().unwrap_or("none"),
        crate::applog::redact(&crate::applog::tail(200)),
    )
}

pub fn info(state: &AppState) -> AppInfo {
    let session = state.session();
    let signed_out = matches!(session, crate::state::Session::SignedOut { .. });
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        commit: env!("KEYBLADE_COMMIT").to_owned(),
        log_file: crate::applog::path().map(|path| path.display().to_string()),
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
        kinds: keyblade_core::KindRules::ALL.to_vec(),
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

    /// A bug report's text names the version, commit, cloud and proxy, and who is signed
    /// in, but holds nothing secret.
    #[test]
    fn diagnostics_say_what_a_bug_report_needs() {
        let state = state(Session::SignedOut {
            cloud: CloudSettings::azure_cloud(),
            reason: "Sign in to continue.".to_owned(),
        });
        let text = diagnostics_text(&info(&state));
        for expected in [
            env!("CARGO_PKG_VERSION"),
            env!("KEYBLADE_COMMIT"),
            "cloud: AzureCloud (https://management.azure.com/)",
            "proxy: ",
            "session: signed out: Sign in to continue.",
            "--- last lines of the log ---",
        ] {
            assert!(text.contains(expected), "{expected:?} in {text}");
        }
    }
}
