//! Runs every case in `data/key_uri_cases.json` and checks parser properties with proptest.

use std::collections::BTreeSet;

use keyblade_core::{KeyUri, KeyUriKind, VaultSuffixes};
use proptest::prelude::*;
use serde_json::Value;

fn cases() -> Value {
    let text = include_str!("data/key_uri_cases.json");
    serde_json::from_str(text).expect("key_uri_cases.json is valid JSON")
}

fn field<'a>(case: &'a Value, name: &str) -> &'a str {
    case[name]
        .as_str()
        .unwrap_or_else(|| panic!("case {case} has no string `{name}`"))
}

#[test]
fn accepted_inputs_parse_to_their_canonical_form() {
    let cases = cases();
    let mut failures = Vec::new();
    for case in cases["accept"].as_array().unwrap() {
        let input = field(case, "input");
        let uri = match KeyUri::parse(input) {
            Ok(uri) => uri,
            Err(error) => {
                failures.push(format!(
                    "{input:?}: rejected with {}: {error}",
                    error.code()
                ));
                continue;
            }
        };
        let mut check = |what: &str, ok: bool, actual: String| {
            if !ok {
                failures.push(format!("{input:?}: {what} was {actual}"));
            }
        };
        let canonical = field(case, "canonical");
        check("canonical", uri.to_string() == canonical, uri.to_string());
        if let Some(vault) = case.get("vault").and_then(Value::as_str) {
            check(
                "vault",
                uri.vault_name() == vault,
                uri.vault_name().to_owned(),
            );
        }
        if let Some(kind) = case.get("kind").and_then(Value::as_str) {
            let expected = match kind {
                "versioned" => KeyUriKind::Versioned,
                "unversioned" => KeyUriKind::Unversioned,
                other => panic!("unknown kind {other}"),
            };
            check("kind", uri.kind() == expected, format!("{:?}", uri.kind()));
        }
        if let Some(hsm) = case.get("hsm").and_then(Value::as_bool) {
            check(
                "hsm",
                uri.is_managed_hsm() == hsm,
                uri.is_managed_hsm().to_string(),
            );
        }
        if let Some(port) = case.get("port") {
            let expected = port.as_u64().map(|p| u16::try_from(p).unwrap());
            check("port", uri.port() == expected, format!("{:?}", uri.port()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rejected_inputs_fail_with_their_code_and_a_message() {
    let cases = cases();
    let mut failures = Vec::new();
    for case in cases["reject"].as_array().unwrap() {
        let input = field(case, "input");
        let expected = field(case, "error");
        match KeyUri::parse(input) {
            Ok(uri) => failures.push(format!("{input:?}: accepted as {uri}, expected {expected}")),
            Err(error) if error.code() != expected => failures.push(format!(
                "{input:?}: got {} ({error}), expected {expected}",
                error.code()
            )),
            Err(error) => {
                // A user-facing sentence, not a bare token.
                let message = error.to_string();
                if message.len() < 40 || !message.ends_with('.') {
                    failures.push(format!("{input:?}: message too terse: {message}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every error code the parser can produce appears in the data file, so no rejection
/// path is untested.
#[test]
fn every_error_code_has_a_case() {
    let cases = cases();
    let covered: BTreeSet<&str> = cases["reject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| field(case, "error"))
        .collect();
    let all = [
        "keyUri.empty",
        "keyUri.whitespace",
        "keyUri.notAUrl",
        "keyUri.insecureScheme",
        "keyUri.unsupportedScheme",
        "keyUri.userInfo",
        "keyUri.query",
        "keyUri.fragment",
        "keyUri.missingHost",
        "keyUri.invalidPort",
        "keyUri.portNotAllowed",
        "keyUri.portRequired",
        "keyUri.notKeyVaultHost",
        "keyUri.missingVaultName",
        "keyUri.invalidVaultName",
        "keyUri.missingKeyPath",
        "keyUri.secretUri",
        "keyUri.certificateUri",
        "keyUri.deletedKeyUri",
        "keyUri.notKeyPath",
        "keyUri.missingKeyName",
        "keyUri.invalidKeyName",
        "keyUri.invalidVersion",
        "keyUri.emptySegment",
        "keyUri.extraSegments",
    ];
    // keyUri.wrongPort needs a custom suffix with a pinned port; a unit test covers it.
    let missing: Vec<&str> = all
        .iter()
        .copied()
        .filter(|c| !covered.contains(c))
        .collect();
    assert!(missing.is_empty(), "no data case for {missing:?}");
}

fn vault_suffix() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("vault.azure.net"),
        Just("managedhsm.azure.net"),
        Just("vault.azure.cn"),
        Just("managedhsm.azure.cn"),
        Just("vault.usgovcloudapi.net"),
        Just("managedhsm.usgovcloudapi.net"),
        Just("vault.localhost:8443"),
    ]
}

/// Text that is close to a key URI, so the parser's deeper branches are reached, with
/// random noise spliced in.
fn near_key_uri() -> impl Strategy<Value = String> {
    // Mostly-valid parts, each with a minority of wrong variants, so that both accepted
    // and rejected inputs are common.
    (
        prop_oneof![8 => Just("https://"), 1 => Just("HTTPS://"), 1 => Just("http://"), 1 => Just("https:/")],
        prop_oneof![8 => "[a-z][a-z0-9]{1,10}(-[a-z0-9]{1,6})?", 1 => "[a-zA-Z0-9_-]{0,26}"],
        vault_suffix(),
        prop_oneof![8 => Just("/keys/"), 1 => Just("/KEYS/"), 1 => Just("/secrets/"), 1 => Just("//")],
        prop_oneof![8 => "[a-zA-Z0-9-]{1,20}", 1 => "[a-zA-Z0-9_.-]{0,130}"],
        prop::option::of(prop_oneof![8 => "[0-9a-fA-F]{32}", 1 => "[0-9a-fA-FgG]{30,34}"]),
        prop_oneof![8 => Just(""), 2 => Just("/"), 1 => Just("//"), 1 => Just("?a=b"), 1 => Just("#f"), 1 => Just("/x")],
        prop_oneof![8 => Just(String::new()), 1 => ".{1,3}"],
    )
        .prop_map(|(scheme, vault, suffix, collection, name, version, tail, noise)| {
            let mut text = format!("{scheme}{vault}.{suffix}{collection}{name}");
            if let Some(version) = version {
                text.push('/');
                text.push_str(&version);
            }
            text.push_str(tail);
            text.push_str(&noise);
            text
        })
}

/// The round-trip property is only meaningful if the generator often produces accepted
/// URIs, and often rejected ones too.
#[test]
fn near_key_uri_generator_hits_both_outcomes() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = near_key_uri();
    let total = 2000;
    let accepted = (0..total)
        .filter(|_| {
            let input = strategy.new_tree(&mut runner).unwrap().current();
            KeyUri::parse(&input).is_ok()
        })
        .count();
    assert!(accepted > total / 50, "only {accepted} of {total} accepted");
    assert!(
        accepted < total - total / 50,
        "{accepted} of {total} accepted"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(input in any::<String>()) {
        let _ = KeyUri::parse(&input);
    }

    #[test]
    fn accepted_values_round_trip_through_display(input in near_key_uri()) {
        if let Ok(uri) = KeyUri::parse(&input) {
            let canonical = uri.to_string();
            let again = KeyUri::parse(&canonical);
            prop_assert_eq!(again.as_ref(), Ok(&uri));
            prop_assert_eq!(again.unwrap().to_string(), canonical.clone());
            let json = serde_json::to_string(&uri).unwrap();
            let back: KeyUri = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, uri);
        }
    }

    #[test]
    fn generated_valid_uris_are_accepted(
        first in "[a-z]",
        middle in "[a-z0-9]{1,10}(-[a-z0-9]{1,5}){0,2}",
        last in "[a-z0-9]",
        suffix in vault_suffix(),
        name in "[a-zA-Z0-9-]{1,127}",
        version in prop::option::of("[0-9a-fA-F]{32}"),
        trailing_slash in any::<bool>(),
    ) {
        let vault = format!("{first}{middle}{last}");
        prop_assume!(vault.len() <= 24);
        let mut input = format!("https://{vault}.{suffix}/keys/{name}");
        if let Some(version) = &version {
            input = format!("{input}/{version}");
        }
        if trailing_slash {
            input.push('/');
        }
        let uri = KeyUri::parse(&input);
        prop_assert!(uri.is_ok(), "{input}: {:?}", uri.err().map(|e| e.to_string()));
        let uri = uri.unwrap();
        prop_assert_eq!(uri.vault_name(), vault.as_str());
        prop_assert_eq!(uri.key_name(), name.as_str());
        prop_assert_eq!(uri.version().map(|v| v.to_string()), version.map(|v| v.to_lowercase()));
        prop_assert_eq!(KeyUri::parse(&uri.to_string()).unwrap(), uri);
    }

    #[test]
    fn custom_suffixes_never_panic(suffix in ".{0,20}", input in near_key_uri()) {
        if let Ok(suffix) = keyblade_core::VaultSuffix::parse(&suffix, keyblade_core::VaultKind::KeyVault) {
            let suffixes = VaultSuffixes::builtin().with(suffix);
            if let Ok(uri) = KeyUri::parse_with_suffixes(&input, &suffixes) {
                prop_assert_eq!(KeyUri::parse_with_suffixes(&uri.to_string(), &suffixes).unwrap(), uri);
            }
        }
    }
}
