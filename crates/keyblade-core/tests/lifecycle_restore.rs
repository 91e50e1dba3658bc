//! Runs every case in `lifecycle/restore/cases/`: a JSON merge patch on
//! `lifecycle/restore/base.json`'s input, the causes [`diagnose`] must find (code and fix),
//! and, when the case names a fix, the plan [`plan`] must produce for it.

#[path = "lifecycle/support.rs"]
mod support;

use keyblade_core::lifecycle::restore::{RestoreInput, diagnose, plan};
use keyblade_core::lifecycle::{Confirmation, RestoreFix};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use support::{case_files, check_plan, explained, merge_patch, read_json};

const ROLE_ASSIGNMENT_NAME: &str = "11111111-2222-3333-4444-555555555555";

fn base() -> Value {
    read_json(&support::dir("restore").join("base.json"))
}

fn input_of(base: &Value, case: &Value) -> (RestoreInput, OffsetDateTime) {
    let mut input = base["input"].clone();
    merge_patch(&mut input, &case["patch"]);
    let input: RestoreInput = serde_json::from_value(input).expect("patched input deserialises");
    let now = OffsetDateTime::parse(base["now"].as_str().expect("now"), &Rfc3339).expect("now");
    (input, now)
}

fn run(base: &Value, case: &Value) -> Vec<String> {
    let (input, now) = input_of(base, case);
    let expect = &case["expect"];
    let mut failures = Vec::new();
    let problems = diagnose(&input, now);
    let causes: Vec<(String, Option<String>)> = problems
        .iter()
        .map(|p| {
            (
                p.code.as_str().to_owned(),
                p.fix.map(|f| {
                    serde_json::to_value(f)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                }),
            )
        })
        .collect();
    let wanted: Vec<(String, Option<String>)> = expect["causes"]
        .as_array()
        .expect("`causes` is required")
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().expect("a code").to_owned(),
                pair[1].as_str().map(str::to_owned),
            )
        })
        .collect();
    if causes != wanted {
        failures.push(format!("causes: got {causes:?}, expected {wanted:?}"));
    }
    for problem in &problems {
        if problem.message.len() <= 40 || !problem.message.ends_with('.') {
            failures.push(format!(
                "{} message is terse: {}",
                problem.code, problem.message
            ));
        }
        if problem.what_to_do.as_deref().unwrap_or("").len() <= 15 {
            failures.push(format!("{} says nothing to do", problem.code));
        }
    }
    if let Some(fix) = case.get("fix").filter(|f| !f.is_null()) {
        let fix: RestoreFix = serde_json::from_value(fix.clone()).expect("a fix");
        let plan = plan(fix, &input, ROLE_ASSIGNMENT_NAME, now);
        failures.extend(check_plan(&plan, expect));
        failures.extend(explained(&plan));
        if plan.confirmation != Confirmation::Review {
            failures.push("a restore asks only for a review".to_owned());
        }
        if let Some(fixes) = expect.get("fixes").and_then(Value::as_object) {
            for (code, start) in fixes {
                let start = start.as_str().expect("text");
                match plan.findings.iter().find(|f| f.code.as_str() == code) {
                    Some(f) if f.fix.as_deref().unwrap_or("").starts_with(start) => {}
                    other => failures.push(format!("fix of {code}: {other:?}, wanted {start:?}")),
                }
            }
        }
    }
    failures
}

#[test]
fn every_case_finds_its_causes_and_plans_its_fix() {
    let base = base();
    let files = case_files("restore");
    assert!(files.len() >= 12, "only {} cases", files.len());
    let mut failures = Vec::new();
    let mut fixes = std::collections::BTreeSet::new();
    for file in &files {
        let case = read_json(file);
        if let Some(fix) = case["fix"].as_str()
            && case["expect"]
                .get("errors")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
        {
            fixes.insert(fix.to_owned());
        }
        for failure in run(&base, &case) {
            failures.push(format!(
                "{}: {failure}",
                file.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        fixes.len(),
        5,
        "every fix is planned by some case: {fixes:?}"
    );
}

#[test]
fn the_system_assigned_fix_grants_the_new_identity() {
    let base = base();
    let case =
        read_json(&support::dir("restore").join("cases/11-storage-system-assigned-off.json"));
    let (input, now) = input_of(&base, &case);
    let plan = plan(
        RestoreFix::AttachIdentity,
        &input,
        ROLE_ASSIGNMENT_NAME,
        now,
    );
    assert_eq!(plan.steps[0].body["identity"]["type"], "SystemAssigned");
    assert_eq!(
        plan.steps[1].body["properties"]["accessPolicies"][0]["objectId"],
        "{systemAssignedPrincipalId}"
    );
}

#[test]
fn the_soft_deleted_key_says_until_when() {
    let base = base();
    let case = read_json(&support::dir("restore").join("cases/05-key-soft-deleted.json"));
    let (input, now) = input_of(&base, &case);
    let problems = diagnose(&input, now);
    assert!(
        problems[0].message.contains("until 2026-06-29 10:00 UTC"),
        "{}",
        problems[0].message
    );
}
