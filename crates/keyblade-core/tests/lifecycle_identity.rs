//! Runs every case in `lifecycle/identity/cases/`: each is a JSON merge patch (RFC 7386) on
//! `lifecycle/identity/base.json`'s input, with the findings and the step the Identity
//! blade's planner must produce.

use std::path::{Path, PathBuf};

use keyblade_core::lifecycle::Confirmation;
use keyblade_core::lifecycle::identity::{IdentityInput, plan};
use keyblade_core::preflight::Severity;
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lifecycle/identity")
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

fn sorted(mut codes: Vec<String>) -> Vec<String> {
    codes.sort();
    codes
}

fn case_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir().join("cases"))
        .expect("cases directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
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
    let base = read_json(&dir().join("base.json"));
    let files = case_files();
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
    let base = read_json(&dir().join("base.json"));
    for file in case_files() {
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
