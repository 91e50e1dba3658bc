use keyblade_azure::CloudSettings;
use keyblade_core::KeyUri;
use tauri::State;

use crate::dto::KeyUriInfo;
use crate::error::CommandError;
use crate::state::AppState;

/// Checks what the user typed as a key URI: its parts, or why Key Vault would refuse it.
#[tauri::command]
pub fn validate_key_uri(
    state: State<'_, AppState>,
    input: String,
) -> Result<KeyUriInfo, CommandError> {
    key_uri_info(state.session().cloud(), &input)
}

/// Only the active cloud's vaults are accepted: a key in another cloud's vault cannot be
/// reached with this cloud's identities, so the service could never use it.
fn key_uri_info(cloud: &CloudSettings, input: &str) -> Result<KeyUriInfo, CommandError> {
    let uri = KeyUri::parse_with_suffixes(input, &cloud.vault_suffixes())?;
    Ok(KeyUriInfo::from(&uri))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::Rotation;

    const VERSION: &str = "0123456789abcdef0123456789abcdef";

    fn public(input: &str) -> Result<KeyUriInfo, CommandError> {
        key_uri_info(&CloudSettings::azure_cloud(), input)
    }

    #[test]
    fn unversioned_vault_key_rotates_automatically() {
        let info = public("https://MyVault.vault.azure.net/keys/cmk-key/").unwrap();
        assert_eq!(
            info,
            KeyUriInfo {
                canonical: "https://myvault.vault.azure.net/keys/cmk-key".to_owned(),
                vault_name: "myvault".to_owned(),
                vault_url: "https://myvault.vault.azure.net/".to_owned(),
                key_name: "cmk-key".to_owned(),
                version: None,
                rotation: Rotation::Automatic,
                is_managed_hsm: false,
            }
        );
    }

    #[test]
    fn versioned_managed_hsm_key_is_pinned() {
        let input = format!(
            "https://contoso.managedhsm.azure.net/keys/k1/{}",
            VERSION.to_uppercase()
        );
        let info = public(&input).unwrap();
        assert_eq!(info.version.as_deref(), Some(VERSION));
        assert_eq!(info.rotation, Rotation::Manual);
        assert!(info.is_managed_hsm);
        assert_eq!(
            info.canonical,
            format!("https://contoso.managedhsm.azure.net/keys/k1/{VERSION}")
        );
    }

    #[test]
    fn serializes_camel_case_with_null_version() {
        let china = CloudSettings::azure_china_cloud();
        let info = key_uri_info(&china, "https://cn-vault.vault.azure.cn/keys/k").unwrap();
        let json = serde_json::to_value(info).unwrap();
        assert_eq!(json["vaultName"], "cn-vault");
        assert_eq!(json["keyName"], "k");
        assert_eq!(json["version"], serde_json::Value::Null);
        assert_eq!(json["rotation"], "automatic");
        assert_eq!(json["isManagedHsm"], false);
    }

    #[test]
    fn rejections_carry_the_key_uri_error_code() {
        let error = public("http://vault1.vault.azure.net/keys/k").unwrap_err();
        assert_eq!(error.code(), "keyUri.insecureScheme");
        assert!(error.to_string().contains("https://"), "{error}");
    }

    #[test]
    fn vaults_of_another_cloud_are_refused() {
        let error = public("https://cn-vault.vault.azure.cn/keys/k").unwrap_err();
        assert_eq!(error.code(), "keyUri.notKeyVaultHost");
        assert!(error.to_string().contains("vault.azure.net"), "{error}");
    }
}
