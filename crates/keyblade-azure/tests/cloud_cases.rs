//! Data-driven tests of cloud settings: metadata parsing and the token trust boundary.

use std::path::Path;

use keyblade_azure::CloudSettings;
use keyblade_core::KeyUri;
use serde_json::Value;
use url::Url;

fn data(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(relative: &str) -> Value {
    serde_json::from_str(&data(relative)).expect("test data is valid JSON")
}

fn sandbox() -> CloudSettings {
    CloudSettings::from_metadata(&data("metadata/sandbox.json"), vec!["PEM".to_owned()])
        .expect("sandbox metadata fixture parses")
}

fn suffix_text(suffix: Option<&keyblade_core::VaultSuffix>) -> Value {
    suffix.map_or(Value::Null, |s| Value::String(s.to_string()))
}

#[test]
fn metadata_documents_give_the_expected_settings_or_error() {
    let cases = json("metadata_cases.json");
    let mut failures = Vec::new();
    for case in cases["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let document = match (case["file"].as_str(), case["json"].as_str()) {
            (Some(file), None) => data(file),
            (None, Some(inline)) => inline.to_owned(),
            _ => panic!("{name}: give exactly one of file/json"),
        };
        let result = match case["armEndpoint"].as_str() {
            Some(arm) => {
                CloudSettings::from_metadata_for(&document, &Url::parse(arm).unwrap(), vec![])
            }
            None => CloudSettings::from_metadata(&document, vec![]),
        };
        match (result, case["error"].as_str()) {
            (Ok(cloud), None) => {
                let actual = [
                    ("name", Value::from(cloud.name())),
                    ("arm", Value::from(cloud.arm_endpoint().as_str())),
                    ("authority", Value::from(cloud.authority_host().as_str())),
                    ("audience", Value::from(cloud.arm_audience())),
                    ("scope", Value::from(cloud.arm_scope())),
                    (
                        "keyVault",
                        Value::from(cloud.key_vault_suffix().to_string()),
                    ),
                    ("hsm", suffix_text(cloud.managed_hsm_suffix())),
                ];
                let expect = case["expect"].as_object().unwrap();
                for (field, value) in actual {
                    if let Some(expected) = expect.get(field)
                        && *expected != value
                    {
                        failures.push(format!("{name}: {field} is {value}, expected {expected}"));
                    }
                }
            }
            (Ok(cloud), Some(code)) => failures.push(format!(
                "{name}: accepted as {}, expected {code}",
                cloud.name()
            )),
            (Err(error), Some(code)) if error.code() == code => {
                let message = error.to_string();
                if !message.ends_with('.') || message.len() < 40 {
                    failures.push(format!("{name}: terse message: {message}"));
                }
            }
            (Err(error), expected) => failures.push(format!(
                "{name}: {} ({error}), expected {expected:?}",
                error.code()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn built_in_clouds_match_what_their_metadata_says() {
    let public =
        CloudSettings::from_metadata(&data("metadata/public-2022-09-01.json"), vec![]).unwrap();
    assert_eq!(public, CloudSettings::azure_cloud());
    let list = data("metadata/all-clouds-2019-05-01.json");
    for built_in in [
        CloudSettings::azure_china_cloud(),
        CloudSettings::azure_us_government(),
    ] {
        let from_list =
            CloudSettings::from_metadata_for(&list, built_in.arm_endpoint(), vec![]).unwrap();
        assert_eq!(from_list.name(), built_in.name());
        assert_eq!(from_list.arm_endpoint(), built_in.arm_endpoint());
        assert_eq!(from_list.authority_host(), built_in.authority_host());
        assert_eq!(from_list.key_vault_suffix(), built_in.key_vault_suffix());
        assert_eq!(
            from_list.managed_hsm_suffix(),
            built_in.managed_hsm_suffix()
        );
        // The list shape spells these audiences without the trailing slash.
        assert_eq!(
            from_list.arm_audience().trim_end_matches('/'),
            built_in.arm_audience().trim_end_matches('/')
        );
    }
}

#[test]
fn tokens_go_only_to_hosts_of_the_active_cloud() {
    let cases = json("trusted_hosts.json");
    let mut failures = Vec::new();
    for case in cases["cases"].as_array().unwrap() {
        let cloud_name = case["cloud"].as_str().unwrap();
        let cloud = match cloud_name {
            "sandbox" => sandbox(),
            name => CloudSettings::built_in_named(name).unwrap(),
        };
        let host = case["host"].as_str().unwrap();
        let expected = case["trusted"].as_bool().unwrap();
        if cloud.is_trusted_host(host) != expected {
            failures.push(format!(
                "{cloud_name} / {host:?}: expected trusted={expected}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn trusted_urls_must_also_be_https_without_credentials() {
    let cloud = CloudSettings::azure_cloud();
    let url = |text: &str| Url::parse(text).unwrap();
    assert!(cloud.is_trusted_url(&url(
        "https://myvault.vault.azure.net/keys/k?api-version=7.5"
    )));
    assert!(cloud.is_trusted_url(&url("https://management.azure.com:443/subscriptions")));
    assert!(!cloud.is_trusted_url(&url("http://management.azure.com/subscriptions")));
    assert!(!cloud.is_trusted_url(&url("https://u:p@management.azure.com/")));
    assert!(!cloud.is_trusted_url(&url("https://management.azure.com:444/")));
    let sandbox = sandbox();
    assert!(sandbox.is_trusted_url(&url("https://kv1.vault.localhost:8443/keys/k")));
    assert!(!sandbox.is_trusted_url(&url("https://kv1.vault.localhost/keys/k")));
}

#[test]
fn vault_suffixes_accept_only_this_clouds_vaults() {
    let sandbox = sandbox();
    assert_eq!(sandbox.extra_trusted_ca_pems(), ["PEM".to_owned()]);
    let suffixes = sandbox.vault_suffixes();
    let uri =
        KeyUri::parse_with_suffixes("https://kv1.vault.localhost:8443/keys/k", &suffixes).unwrap();
    assert_eq!(uri.vault_url(), "https://kv1.vault.localhost:8443/");
    let other_port = KeyUri::parse_with_suffixes("https://kv1.vault.localhost:9/keys/k", &suffixes);
    assert_eq!(other_port.unwrap_err().code(), "keyUri.wrongPort");
    let public = KeyUri::parse_with_suffixes("https://kv1.vault.azure.net/keys/k", &suffixes);
    assert_eq!(public.unwrap_err().code(), "keyUri.notKeyVaultHost");

    let china = CloudSettings::azure_china_cloud().vault_suffixes();
    assert!(KeyUri::parse_with_suffixes("https://h1x.managedhsm.azure.cn/keys/k", &china).is_ok());
    assert!(KeyUri::parse_with_suffixes("https://kv1.vault.azure.net/keys/k", &china).is_err());
}

#[test]
fn extra_ca_pems_accumulate() {
    let cloud = CloudSettings::azure_cloud()
        .with_extra_trusted_ca_pems(vec!["A".into()])
        .with_extra_trusted_ca_pems(vec!["B".into()]);
    assert_eq!(
        cloud.extra_trusted_ca_pems(),
        ["A".to_owned(), "B".to_owned()]
    );
}
