//! Runs every case in `lifecycle/rotation/cases/`: each is a JSON merge patch (RFC 7386) on
//! `lifecycle/rotation/base.json`'s facts, an action (a new key version or a rotation
//! policy), and what the plan must hold.

#[path = "lifecycle/support.rs"]
mod support;

use keyblade_core::lifecycle::LifecycleAction;
use keyblade_core::lifecycle::LifecyclePlan;
use keyblade_core::lifecycle::rotation::{RotationFacts, plan_new_version, plan_set_policy};
use keyblade_core::preflight::Severity;
use serde_json::Value;

use support::{case_files, merge_patch, read_json, strings};

fn codes(plan: &LifecyclePlan, severity: Severity) -> Vec<String> {
    let mut codes: Vec<String> = plan
        .findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.code.as_str().to_owned())
        .collect();
    codes.sort();
    codes
}

fn plan_case(base: &Value, case: &Value) -> LifecyclePlan {
    let mut facts = base["facts"].clone();
    merge_patch(&mut facts, &case["patch"]);
    let facts: RotationFacts = serde_json::from_value(facts).expect("patched facts deserialise");
    let action: LifecycleAction =
        serde_json::from_value(case["action"].clone()).expect("an action");
    match &action {
        LifecycleAction::NewKeyVersion => plan_new_version(&facts),
        LifecycleAction::SetRotationPolicy { policy } => plan_set_policy(&facts, policy),
        other => panic!("not a rotation action: {other:?}"),
    }
}

fn check(plan: &LifecyclePlan, expect: &Value) -> Vec<String> {
    let mut failures = Vec::new();
    // Errors and warnings must match exactly (absent means none); information only when
    // the case lists it.
    for (field, severity, required) in [
        ("errors", Severity::Error, true),
        ("warnings", Severity::Warning, true),
        ("infos", Severity::Info, false),
    ] {
        let expected = match strings(expect.get(field)) {
            Some(codes) => codes,
            None if required => Vec::new(),
            None => continue,
        };
        let actual = codes(plan, severity);
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
    let first = plan.steps.first();
    for (field, actual) in [
        (
            "method",
            first.map(|s| serde_json::to_value(s.method).expect("method")),
        ),
        ("path", first.map(|s| Value::String(s.path.clone()))),
        ("az", first.map(|s| Value::String(s.az_command.clone()))),
        ("body", first.map(|s| s.body.clone())),
    ] {
        if let Some(wanted) = expect.get(field)
            && actual.as_ref() != Some(wanted)
        {
            failures.push(format!("{field}: got {actual:?}, expected {wanted}"));
        }
    }
    for (map, what) in [("messageContains", "message"), ("fixes", "fix")] {
        let Some(map) = expect.get(map).and_then(Value::as_object) else {
            continue;
        };
        for (code, wanted) in map {
            let wanted = wanted.as_str().expect("text");
            let found = plan.findings.iter().find(|f| f.code.as_str() == code);
            let text = found.map(|f| {
                if what == "message" {
                    f.message.clone()
                } else {
                    f.fix.clone().unwrap_or_default()
                }
            });
            let ok = match (what, &text) {
                ("message", Some(t)) => t.contains(wanted),
                (_, Some(t)) => t.starts_with(wanted),
                _ => false,
            };
            if !ok {
                failures.push(format!("{what} of {code}: got {text:?}, wanted {wanted:?}"));
            }
        }
    }
    if let Some(wanted) = expect.get("summaryContains").and_then(Value::as_str)
        && !plan.summary.contains(wanted)
    {
        failures.push(format!("summary {:?} lacks {wanted:?}", plan.summary));
    }
    let affected: Vec<String> = plan.affected.iter().map(|a| a.name.clone()).collect();
    let wanted_affected = strings(expect.get("affected")).unwrap_or_default();
    if affected != wanted_affected {
        failures.push(format!(
            "affected: got {affected:?}, expected {wanted_affected:?}"
        ));
    }
    if plan.can_run() != strings(expect.get("errors")).unwrap_or_default().is_empty() {
        failures.push("can_run disagrees with the expected errors".to_owned());
    }
    failures
}

#[test]
fn every_case_gives_its_findings_and_steps() {
    let base = read_json(&support::dir("rotation").join("base.json"));
    let files = case_files("rotation");
    assert!(files.len() >= 20, "only {} cases found", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let case = read_json(file);
        let plan = plan_case(&base, &case);
        for failure in check(&plan, &case["expect"]) {
            failures.push(format!(
                "{}: {failure}",
                file.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every finding says what is wrong in a sentence, every error or warning says what to do,
/// and every plan has a title, a summary and asks only for a review.
#[test]
fn plans_are_explained_and_actionable() {
    let base = read_json(&support::dir("rotation").join("base.json"));
    for file in case_files("rotation") {
        let plan = plan_case(&base, &read_json(&file));
        assert!(
            !plan.title.is_empty() && plan.summary.ends_with('.'),
            "{}",
            file.display()
        );
        assert_eq!(
            plan.confirmation,
            keyblade_core::lifecycle::Confirmation::Review
        );
        for finding in &plan.findings {
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
        // Errors first, then warnings, then information.
        let severities: Vec<Severity> = plan.findings.iter().map(|f| f.severity).collect();
        let mut sorted = severities.clone();
        sorted.sort();
        assert_eq!(severities, sorted, "{}", file.display());
    }
}
