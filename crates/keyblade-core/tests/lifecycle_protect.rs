//! Runs every case in `lifecycle/protect/cases/`: each is a JSON merge patch (RFC 7386) on
//! `lifecycle/protect/base.json`'s input, with the findings, step and confirmation that
//! turning on a vault's soft delete and purge protection must plan.

#![allow(clippy::unwrap_used)]

#[path = "lifecycle/support.rs"]
mod support;

use keyblade_core::lifecycle::Confirmation;
use keyblade_core::lifecycle::protect::{IRREVERSIBLE_ACKNOWLEDGEMENT, ProtectInput, plan};
use keyblade_core::preflight::KEY_VAULT_API_VERSION;
use serde_json::Value;

use support::{case_files, check_plan, explained, merge_patch, read_json};

fn run_case(base: &Value, case: &Value) -> Vec<String> {
    let mut input = base["input"].clone();
    merge_patch(&mut input, &case["patch"]);
    let input: ProtectInput = serde_json::from_value(input).expect("patched input deserialises");
    let plan = plan(&input);
    let expect = &case["expect"];
    // Findings, step kinds, az commands, and that can_run agrees with the errors; then that
    // every finding explains itself.
    let mut failures = check_plan(&plan, expect);
    failures.extend(explained(&plan));
    if let Some(body) = expect.get("body") {
        match plan.steps.first() {
            Some(step) if step.body == *body => {}
            Some(step) => failures.push(format!("body: got {}, expected {body}", step.body)),
            None => failures.push("body: no step".to_owned()),
        }
    }
    if let Some(words) = expect.get("summaryContains").and_then(Value::as_str)
        && !plan.summary.contains(words)
    {
        failures.push(format!("summary {:?} lacks {words:?}", plan.summary));
    }
    // Whatever turns purge protection on asks for the vault's name and the acknowledgement;
    // a plan that sends nothing asks only for a review.
    let wanted = match expect.get("confirm").and_then(Value::as_str) {
        Some(name) => Confirmation::TypeNameAndAcknowledge {
            name: name.to_owned(),
            acknowledgement: IRREVERSIBLE_ACKNOWLEDGEMENT.to_owned(),
        },
        None => Confirmation::Review,
    };
    if plan.confirmation != wanted {
        failures.push(format!("confirmation: got {:?}", plan.confirmation));
    }
    if let Some(fixes) = expect.get("fixes").and_then(Value::as_object) {
        for (code, wanted) in fixes {
            let wanted = wanted.as_str().expect("a fix is text");
            let fix = plan
                .findings
                .iter()
                .find(|f| f.code.as_str() == code)
                .and_then(|f| f.fix.clone())
                .unwrap_or_default();
            if !fix.starts_with(wanted) {
                failures.push(format!(
                    "fix of {code}: {fix:?} does not start with {wanted:?}"
                ));
            }
        }
    }
    let path = format!("{}?api-version={KEY_VAULT_API_VERSION}", input.vault.id);
    for step in &plan.steps {
        if step.path != path || serde_json::to_value(step.method).unwrap() != "PATCH" {
            failures.push(format!(
                "step: {:?} {}, expected PATCH {path}",
                step.method, step.path
            ));
        }
    }
    if plan.title.is_empty() || plan.summary.is_empty() {
        failures.push("a plan has a title and a summary".to_owned());
    }
    failures
}

#[test]
fn every_protect_case_gives_its_findings_step_and_confirmation() {
    let base = read_json(&support::dir("protect").join("base.json"));
    let files = case_files("protect");
    assert!(files.len() >= 7, "only {} cases found", files.len());
    let mut failures = Vec::new();
    for file in &files {
        for failure in run_case(&base, &read_json(file)) {
            failures.push(format!(
                "{}: {failure}",
                file.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
