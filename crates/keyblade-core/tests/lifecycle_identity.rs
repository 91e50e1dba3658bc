//! Runs every case in `lifecycle/identity/cases/`: each is a JSON merge patch (RFC 7386) on
//! `lifecycle/identity/base.json`'s input, with the findings and the step the Identity
//! blade's planner must produce.

#[path = "lifecycle/support.rs"]
mod support;

use keyblade_core::lifecycle::Confirmation;
use keyblade_core::lifecycle::identity::{IdentityInput, plan};
use keyblade_core::preflight::Severity;
use serde_json::Value;

use support::{case_files, merge_patch, read_json};

fn sorted(mut codes: Vec<String>) -> Vec<String> {
    codes.sort();
    codes
}

fn run_case(base: &Value, case: &Value) -> Vec<String> {
    let mut input = base["input"].clone();
    merge_patch(&mut input, &case["patch"]);
    let input: IdentityInput = serde_json::from_value(input).expect("patched input deserialises");
    let plan = plan(&input);
    let expect = &case["expect"];
    let mut failures = Vec::new();
    for (field, severity, required) in [
        ("errors", Severity::Error, true),
        ("warnings", Severity::Warning, true),
        ("infos", Severity::Info, false),
    ] {
        let expected = match expect.get(field) {
            Some(list) => sorted(
                list.as_array()
                    .expect("a list of codes")
                    .iter()
                    .map(|c| c.as_str().expect("codes are strings").to_owned())
                    .collect(),
            ),
            None if required => Vec::new(),
            None => continue,
        };
        let actual = sorted(
            plan.findings
                .iter()
                .filter(|f| f.severity == severity)
                .map(|f| f.code.as_str().to_owned())
                .collect(),
        );
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
    if let Some(body) = expect.get("body") {
        match plan.steps.first() {
            Some(step) if step.body == *body => {}
            Some(step) => failures.push(format!("body: got {}, expected {body}", step.body)),
            None => failures.push("body: no step".to_owned()),
        }
    }
    if let Some(az) = expect.get("az").and_then(Value::as_str) {
        match plan.steps.first() {
            Some(step) if step.az_command.starts_with(az) => {}
            Some(step) => failures.push(format!(
                "az: got {:?}, expected it to start with {az:?}",
                step.az_command
            )),
            None => failures.push("az: no step".to_owned()),
        }
    }
    if let Some(reason) = expect.get("reasonContains").and_then(Value::as_str)
        && !plan
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error && f.message.contains(reason))
    {
        failures.push(format!("no error says {reason:?}"));
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
    // Every identity change is confirmed by reviewing it; the findings say what and why.
    if plan.confirmation != Confirmation::Review {
        failures.push(format!("confirmation: {:?}", plan.confirmation));
    }
    for finding in &plan.findings {
        if finding.message.len() < 40 || !finding.message.ends_with('.') {
            failures.push(format!(
                "{} message is terse: {}",
                finding.code, finding.message
            ));
        }
        if finding.severity != Severity::Info && finding.fix.as_deref().unwrap_or("").len() < 20 {
            failures.push(format!("{} has no fix", finding.code));
        }
    }
    if plan.title.is_empty() || plan.summary.is_empty() {
        failures.push("a plan has a title and a summary".to_owned());
    }
    if plan.can_run() == plan.findings.iter().any(|f| f.severity == Severity::Error) {
        failures.push("can_run disagrees with the errors".to_owned());
    }
    failures
}

#[test]
fn every_identity_case_gives_its_findings_and_step() {
    let base = read_json(&support::dir("identity").join("base.json"));
    let files = case_files("identity");
    assert!(files.len() >= 20, "only {} cases found", files.len());
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

/// Every step is one PATCH of the resource itself, with the kind's API version.
#[test]
fn identity_steps_patch_the_resource_with_its_api_version() {
    let base = read_json(&support::dir("identity").join("base.json"));
    for file in case_files("identity") {
        let case = read_json(&file);
        let mut input = base["input"].clone();
        merge_patch(&mut input, &case["patch"]);
        let input: IdentityInput = serde_json::from_value(input).expect("input");
        let rules = keyblade_core::KindRules::of(input.resource.kind);
        for step in plan(&input).steps {
            assert_eq!(
                step.path,
                format!("{}?api-version={}", input.resource.id, rules.api_version),
                "{}",
                file.display()
            );
            assert_eq!(
                serde_json::to_value(step.method).unwrap(),
                "PATCH",
                "{}",
                file.display()
            );
            assert!(step.placeholders.is_empty());
        }
    }
}
