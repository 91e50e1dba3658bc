//! Runs every case in `lifecycle/revoke/cases/`: a JSON merge patch on
//! `lifecycle/revoke/base.json`'s input, a way, and the plan the planner must produce.

#[path = "lifecycle/support.rs"]
mod support;

use keyblade_core::lifecycle::revoke::{RevokeInput, UNRECOVERABLE_ACKNOWLEDGEMENT, plan};
use keyblade_core::lifecycle::{Confirmation, LifecycleAction, LifecyclePlan, RevokeWay};
use serde_json::Value;

use support::{case_files, check_plan, explained, merge_patch, read_json};

fn run(base: &Value, case: &Value) -> (LifecyclePlan, Vec<String>) {
    let mut input = base["input"].clone();
    merge_patch(&mut input, &case["patch"]);
    let input: RevokeInput = serde_json::from_value(input).expect("patched input deserialises");
    let way: RevokeWay = serde_json::from_value(case["way"].clone()).expect("a way");
    let plan = plan(way, &input);
    let mut failures = check_plan(&plan, &case["expect"]);
    failures.extend(explained(&plan));
    (plan, failures)
}

fn base() -> Value {
    read_json(&support::dir("revoke").join("base.json"))
}

#[test]
fn every_case_gives_its_plan() {
    let base = base();
    let files = case_files("revoke");
    assert!(files.len() >= 15, "only {} cases", files.len());
    let mut failures = Vec::new();
    let mut ways = std::collections::BTreeSet::new();
    for file in &files {
        let case = read_json(file);
        ways.insert(case["way"].as_str().unwrap_or_default().to_owned());
        for failure in run(&base, &case).1 {
            failures.push(format!(
                "{}: {failure}",
                file.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(ways.len(), 4, "every way has a case: {ways:?}");
}

#[test]
fn every_plan_says_the_data_goes_dark_and_asks_for_the_name() {
    let base = base();
    for file in case_files("revoke") {
        let (plan, _) = run(&base, &read_json(&file));
        assert!(
            plan.summary.contains("blocks access to all of")
                && plan.summary.contains("until access is restored"),
            "{}: {}",
            file.display(),
            plan.summary
        );
        assert!(matches!(plan.action, LifecycleAction::Revoke { .. }));
        match &plan.confirmation {
            Confirmation::TypeName { name } | Confirmation::TypeNameAndAcknowledge { name, .. } => {
                assert!(!name.is_empty(), "{}", file.display())
            }
            Confirmation::Review => panic!("{}: a revoke needs the name", file.display()),
        }
    }
}

#[test]
fn an_unrecoverable_delete_states_the_acknowledgement() {
    let base = base();
    let case = read_json(&support::dir("revoke").join("cases/14-delete-key-no-soft-delete.json"));
    let (plan, failures) = run(&base, &case);
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(
        plan.confirmation,
        Confirmation::TypeNameAndAcknowledge {
            name: "reg1".to_owned(),
            acknowledgement: UNRECOVERABLE_ACKNOWLEDGEMENT.to_owned(),
        }
    );
    assert_eq!(
        UNRECOVERABLE_ACKNOWLEDGEMENT,
        "I understand this key cannot be recovered"
    );
}

#[test]
fn the_disable_step_patches_the_key_attributes() {
    let base = base();
    let case = read_json(&support::dir("revoke").join("cases/09-disable-key.json"));
    let (plan, failures) = run(&base, &case);
    assert!(failures.is_empty(), "{failures:?}");
    let json = serde_json::to_value(&plan.steps[0]).expect("serialises");
    assert_eq!(json["method"], "PATCH");
    assert_eq!(
        json["body"],
        serde_json::json!({"attributes": {"enabled": false}})
    );
    let case = read_json(&support::dir("revoke").join("cases/01-remove-access-policy.json"));
    let (plan, _) = run(&base, &case);
    assert_eq!(
        plan.steps[0].body["properties"]["accessPolicies"][0]["objectId"],
        "p-id1"
    );
    assert_eq!(
        plan.steps[0].body["properties"]["accessPolicies"][0]["permissions"]["keys"],
        serde_json::json!(["get", "wrapKey", "unwrapKey"])
    );
}
