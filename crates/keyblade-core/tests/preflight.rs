//! Runs every case in `preflight/cases/`: each is a JSON merge patch (RFC 7386) on
//! `preflight/base.json`'s input, with the findings and steps the planner must produce.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keyblade_core::preflight::{FindingCode, Plan, PreflightInput, Severity, plan};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn preflight_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/preflight")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// RFC 7386: objects merge recursively, `null` removes a member, anything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    let target = target.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

fn codes(plan: &Plan, severity: Severity) -> Vec<String> {
    let mut codes: Vec<String> = plan
        .findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.code.as_str().to_owned())
        .collect();
    codes.sort();
    codes
}

fn expected_codes(expect: &Value, field: &str) -> Option<Vec<String>> {
    let list = expect.get(field)?;
    let mut codes: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("`{field}` must be a list"))
        .iter()
        .map(|c| c.as_str().expect("codes are strings").to_owned())
        .collect();
    codes.sort();
    Some(codes)
}

struct Outcome {
    plan: Plan,
    failures: Vec<String>,
}

fn run_case(base: &Value, case: &Value) -> Outcome {
    let mut input = base["input"].clone();
    merge_patch(&mut input, &case["patch"]);
    let now_text = case
        .get("now")
        .or(base.get("now"))
        .and_then(Value::as_str)
        .expect("a `now` timestamp");
    let now = OffsetDateTime::parse(now_text, &Rfc3339).expect("`now` is RFC 3339");
    let input: PreflightInput = serde_json::from_value(input).expect("patched input deserialises");
    let plan = plan(&input, now);
    let expect = &case["expect"];
    let mut failures = Vec::new();
    // Errors and warnings must match exactly (absent means none); information only when
    // the case lists it.
    for (field, severity, required) in [
        ("errors", Severity::Error, true),
        ("warnings", Severity::Warning, true),
        ("infos", Severity::Info, false),
    ] {
        let expected = match expected_codes(expect, field) {
            Some(codes) => codes,
            None if required => Vec::new(),
            None => continue,
        };
        let actual = codes(&plan, severity);
        if actual != expected {
            failures.push(format!("{field}: got {actual:?}, expected {expected:?}"));
        }
    }
    let steps: Vec<&str> = plan.steps.iter().map(|s| s.kind.as_str()).collect();
    let expected_steps: Vec<&str> = expect["steps"]
        .as_array()
        .expect("`steps` is required")
        .iter()
        .map(|s| s.as_str().expect("step kinds are strings"))
        .collect();
    if steps != expected_steps {
        failures.push(format!("steps: got {steps:?}, expected {expected_steps:?}"));
    }
    // `fixes` maps a finding code to the start of its fix: the words name the control the
    // user must use, so a rename in the UI is caught here.
    if let Some(fixes) = expect.get("fixes") {
        let fixes = fixes.as_object().expect("`fixes` maps codes to text");
        for (code, wanted) in fixes {
            let wanted = wanted.as_str().expect("a fix is text");
            let actual = plan
                .findings
                .iter()
                .find(|f| f.code.as_str() == code)
                .map(|f| f.fix.as_deref().unwrap_or(""));
            match actual {
                Some(fix) if fix.starts_with(wanted) => {}
                Some(fix) => failures.push(format!(
                    "fix of {code}: got {fix:?}, expected it to start with {wanted:?}"
                )),
                None => failures.push(format!("fixes: no {code} finding")),
            }
        }
    }
    if plan.can_save()
        != expected_codes(expect, "errors")
            .unwrap_or_default()
            .is_empty()
    {
        failures.push("can_save disagrees with the expected errors".to_owned());
    }
    Outcome { plan, failures }
}

/// A case by its name without the ordering number, e.g. `policy-grant`.
fn case_named(name: &str) -> Value {
    let file = case_files()
        .into_iter()
        .find(|path| {
            path.file_stem()
                .and_then(|stem| stem.to_str())
                .and_then(|stem| stem.split_once('-'))
                .is_some_and(|(_, rest)| rest == name)
        })
        .unwrap_or_else(|| panic!("no case named {name}"));
    read_json(&file)
}

fn case_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(preflight_dir().join("cases"))
        .expect("cases directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_case_gives_its_findings_and_steps() {
    let base = read_json(&preflight_dir().join("base.json"));
    let files = case_files();
    assert!(files.len() >= 60, "only {} cases found", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let case = read_json(file);
        let outcome = run_case(&base, &case);
        for failure in outcome.failures {
            failures.push(format!(
                "{}: {failure}",
                file.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every finding the planner emits says what is wrong in a sentence, and every error or
/// warning says what to do.
#[test]
fn findings_are_explained_and_actionable() {
    let base = read_json(&preflight_dir().join("base.json"));
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    for file in case_files() {
        let outcome = run_case(&base, &read_json(&file));
        for finding in &outcome.plan.findings {
            *seen.entry(finding.code.as_str()).or_default() += 1;
            assert!(
                finding.message.len() > 40 && finding.message.ends_with('.'),
                "{}: {} message is terse: {}",
                file.display(),
                finding.code,
                finding.message
            );
            if finding.severity != Severity::Info {
                let fix = finding.fix.as_deref().unwrap_or("");
                assert!(
                    fix.len() > 20,
                    "{}: {} has no fix",
                    file.display(),
                    finding.code
                );
            }
        }
    }
    // Each code the planner can produce is exercised by some case.
    for code in [
        "acr.notPremium",
        "acr.createdWithoutCmk",
        "plan.disableNotSupported",
        "plan.willDisable",
        "cognitive.unversionedKey",
        "vault.otherRegion",
        "plan.noChange",
        "identity.systemAssignedWillBeTurnedOn",
        "identity.notAttached",
        "identity.willAttach",
        "identity.otherTenant",
        "identity.unresolved",
        "identity.deleted",
        "key.notFound",
        "key.unreadable",
        "key.disabled",
        "key.expired",
        "key.expiresSoon",
        "key.notYetValid",
        "key.unsupportedType",
        "key.missingOperations",
        "rotation.automatic",
        "rotation.manual",
        "rotation.pinning",
        "rotation.notLatestVersion",
        "vault.notFound",
        "vault.mismatch",
        "vault.otherTenant",
        "vault.softDeleteOff",
        "vault.purgeProtectionOff",
        "network.trustedServiceBypass",
        "network.userAssignedBlocked",
        "network.blocked",
        "hsm.accessNotChecked",
        "access.alreadyGranted",
        "access.willGrant",
        "access.newIdentityHasNoAccess",
        "access.unverified",
        "access.missingPermissions",
        "access.unreadable",
    ] {
        assert!(seen.contains_key(code), "no case produces {code}");
    }
}

#[test]
fn grant_steps_for_a_new_identity_carry_the_placeholder() {
    let base = read_json(&preflight_dir().join("base.json"));
    let case = case_named("system-assigned-off-rbac-grant");
    let outcome = run_case(&base, &case);
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    let steps = &outcome.plan.steps;
    assert_eq!(
        steps[0].body["identity"]["type"],
        "SystemAssigned, UserAssigned"
    );
    assert_eq!(
        steps[1].body["properties"]["principalId"],
        "{systemAssignedPrincipalId}"
    );
    assert_eq!(
        steps[1].path,
        "/subscriptions/s1/resourceGroups/kv-rg/providers/Microsoft.KeyVault/vaults/kv1/providers/Microsoft.Authorization/roleAssignments/11111111-2222-3333-4444-555555555555?api-version=2022-04-01"
    );
    assert!(
        steps[1]
            .az_command
            .contains("\"$(az acr identity show --name reg1")
    );
    assert_eq!(
        steps[2].body["properties"]["encryption"]["keyVaultProperties"]["identity"],
        "system"
    );
    assert!(steps[2].az_command.ends_with("--identity '[system]'"));
}

#[test]
fn missing_access_fix_shows_the_cli_command() {
    let base = read_json(&preflight_dir().join("base.json"));
    let case = case_named("policy-missing-wrap");
    let outcome = run_case(&base, &case);
    let finding = outcome
        .plan
        .errors()
        .find(|f| f.code == FindingCode::AccessMissingPermissions)
        .expect("missing-permission error");
    assert!(finding.message.contains("wrapKey"), "{}", finding.message);
    assert!(
        finding.fix.as_deref().unwrap_or("").contains(
            "az keyvault set-policy --name kv1 --resource-group kv-rg --subscription s1 \
             --object-id p-id1 --key-permissions get unwrapKey wrapKey recover"
        ),
        "{:?}",
        finding.fix
    );
}

#[test]
fn the_plan_serialises_for_the_ui() {
    let base = read_json(&preflight_dir().join("base.json"));
    let case = case_named("policy-grant");
    let outcome = run_case(&base, &case);
    let json = serde_json::to_value(&outcome.plan).expect("plan serialises");
    assert_eq!(json["steps"][0]["kind"], "addAccessPolicy");
    assert_eq!(json["steps"][0]["method"], "PUT");
    assert_eq!(json["steps"][1]["method"], "PATCH");
    assert_eq!(json["findings"][0]["severity"], "info");
    assert!(
        json["steps"][1]["azCommand"]
            .as_str()
            .unwrap()
            .starts_with("az acr encryption rotate-key")
    );
}

/// Regression: a key hidden by the vault's firewall used to get the fix "give your
/// account permission to read keys", which cannot help; the fix must name the cause.
#[test]
fn unreadable_key_fix_names_the_cause() {
    let base = read_json(&preflight_dir().join("base.json"));
    let fix_for = |cause: &str| {
        let case = serde_json::json!({
            "patch": {"facts": {"key": {
                "status": "unreadable", "reason": "403 Forbidden", "cause": cause
            }}},
            "expect": {"warnings": ["key.unreadable"], "steps": ["setEncryptionKey"]}
        });
        let outcome = run_case(&base, &case);
        assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
        outcome
            .plan
            .findings
            .iter()
            .find(|f| f.code == FindingCode::KeyUnreadable)
            .and_then(|f| f.fix.clone())
            .expect("a key.unreadable finding with a fix")
    };
    let firewall = fix_for("firewall");
    assert!(firewall.contains("firewall"), "{firewall}");
    assert!(!firewall.contains("Key Vault Reader"), "{firewall}");
    assert!(fix_for("permission").contains("Key Vault Reader"));
    let other = fix_for("other");
    assert!(
        !other.contains("Key Vault Reader") && !other.contains("firewall"),
        "{other}"
    );
}

/// Each kind's key step has its service's body shape, API version and CLI.
#[test]
fn account_steps_have_their_kinds_body_shape() {
    let base = read_json(&preflight_dir().join("base.json"));
    let step = |name: &str| {
        let outcome = run_case(&base, &case_named(name));
        assert!(
            outcome.failures.is_empty(),
            "{name}: {:?}",
            outcome.failures
        );
        let last = outcome.plan.steps.last().expect("a step").clone();
        (serde_json::to_value(&last).expect("step serialises"), last)
    };
    let (json, storage) = step("storage-change-vault");
    let encryption = &json["body"]["properties"]["encryption"];
    assert_eq!(encryption["keySource"], "Microsoft.Keyvault");
    assert_eq!(
        encryption["keyvaultproperties"],
        serde_json::json!({"keyvaulturi": "https://kv1.vault.azure.net", "keyname": "k2", "keyversion": ""})
    );
    assert!(
        encryption["identity"]["userAssignedIdentity"]
            .as_str()
            .is_some_and(|id| id.ends_with("/userAssignedIdentities/id1"))
    );
    assert!(storage.path.ends_with("?api-version=2023-05-01"));
    assert!(
        storage
            .az_command
            .starts_with("az storage account update --name st1")
    );
    let (json, cognitive) = step("cognitive-system-assigned-off-grant");
    let encryption = &json["body"]["properties"]["encryption"];
    assert_eq!(encryption["keySource"], "Microsoft.KeyVault");
    assert_eq!(
        encryption["keyVaultProperties"]["keyVersion"],
        "0123456789abcdef0123456789abcdef"
    );
    assert!(
        encryption["keyVaultProperties"]
            .get("identityClientId")
            .is_none()
    );
    assert!(cognitive.path.ends_with("?api-version=2024-10-01"));
    assert!(
        cognitive
            .az_command
            .starts_with("az cognitiveservices account update")
    );
    let (json, _) = step("storage-disable");
    assert_eq!(
        json["body"]["properties"]["encryption"],
        serde_json::json!({"keySource": "Microsoft.Storage"})
    );
}

/// An identity that is not attached yet is attached by the save's first step (reviewed like
/// the others), and the key step names it in the kind's way.
#[test]
fn attaching_the_chosen_identity_is_the_first_planned_step() {
    let base = read_json(&preflight_dir().join("base.json"));
    let id3 = "/subscriptions/s2/resourceGroups/rg-other/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id3";
    let outcome = run_case(&base, &case_named("storage-attach-and-enable"));
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    let steps = &outcome.plan.steps;
    assert_eq!(
        steps[0].body,
        serde_json::json!({"identity": {"type": "UserAssigned", "userAssignedIdentities": {id3: {}}}})
    );
    assert!(
        steps[0]
            .az_command
            .starts_with("az storage account update --name st1"),
        "{}",
        steps[0].az_command
    );
    assert_eq!(
        steps[1].body["properties"]["encryption"]["identity"]["userAssignedIdentity"],
        id3
    );
    let outcome = run_case(&base, &case_named("identity-not-attached"));
    let steps = &outcome.plan.steps;
    assert!(
        steps[0]
            .az_command
            .starts_with("az acr identity assign --name reg1"),
        "{}",
        steps[0].az_command
    );
    assert_eq!(
        steps[0].body["identity"]["userAssignedIdentities"]
            .as_object()
            .map(|m| m.len()),
        Some(2),
        "id1 is restated beside id2"
    );
    assert_eq!(
        steps[1].body["properties"]["encryption"]["keyVaultProperties"]["identity"],
        "c-id2"
    );
}
