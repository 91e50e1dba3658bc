//! What the lifecycle case runners share: reading cases, merge patches, comparing codes.
// Each case runner is its own test binary and uses only part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use keyblade_core::lifecycle::{Confirmation, LifecyclePlan};
use keyblade_core::preflight::Severity;
use serde_json::Value;

pub fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/lifecycle")
        .join(name)
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// RFC 7386: objects merge recursively, `null` removes a member, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
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

pub fn case_files(name: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir(name).join("cases"))
        .expect("cases directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

pub fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    let list = value?.as_array().expect("a list");
    let mut items: Vec<String> = list
        .iter()
        .map(|c| c.as_str().expect("strings").to_owned())
        .collect();
    items.sort();
    Some(items)
}

/// Compares a plan with a case's `expect`: errors and warnings exactly (absent: none),
/// infos when listed, step kinds in order, and when given the confirmation's type, the
/// affected resources' names, the steps' az commands and paths, and words a finding's
/// message must contain.
pub fn check_plan(plan: &LifecyclePlan, expect: &Value) -> Vec<String> {
    let mut failures = Vec::new();
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
        let mut actual: Vec<String> = plan
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(|f| f.code.as_str().to_owned())
            .collect();
        actual.sort();
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
    if plan.can_run() != strings(expect.get("errors")).unwrap_or_default().is_empty() {
        failures.push("can_run disagrees with the expected errors".to_owned());
    }
    if let Some(wanted) = expect.get("confirmation").and_then(Value::as_str) {
        let actual = match &plan.confirmation {
            Confirmation::Review => "review",
            Confirmation::TypeName { .. } => "typeName",
            Confirmation::TypeNameAndAcknowledge { .. } => "typeNameAndAcknowledge",
        };
        if actual != wanted {
            failures.push(format!("confirmation: got {actual}, expected {wanted}"));
        }
    }
    if let Some(wanted) = strings(expect.get("affected")) {
        let mut actual: Vec<String> = plan.affected.iter().map(|a| a.name.clone()).collect();
        actual.sort();
        if actual != wanted {
            failures.push(format!("affected: got {actual:?}, expected {wanted:?}"));
        }
    }
    for (field, pick) in [
        (
            "azCommands",
            (|s| &s.az_command) as fn(&keyblade_core::preflight::PlanStep) -> &String,
        ),
        ("paths", |s| &s.path),
    ] {
        if let Some(wanted) = expect.get(field).and_then(Value::as_array) {
            let actual: Vec<&String> = plan.steps.iter().map(pick).collect();
            let wanted: Vec<&str> = wanted.iter().filter_map(Value::as_str).collect();
            if actual.len() != wanted.len() || actual.iter().zip(&wanted).any(|(a, w)| a != w) {
                failures.push(format!("{field}: got {actual:?}, expected {wanted:?}"));
            }
        }
    }
    if let Some(messages) = expect.get("messages").and_then(Value::as_object) {
        for (code, words) in messages {
            let words = words.as_str().expect("words");
            match plan.findings.iter().find(|f| f.code.as_str() == code) {
                Some(f) if f.message.contains(words) => {}
                Some(f) => failures.push(format!("{code}: {:?} lacks {words:?}", f.message)),
                None => failures.push(format!("messages: no {code} finding")),
            }
        }
    }
    failures
}

/// Every finding says what is wrong in a sentence; every error and warning says what to do.
pub fn explained(plan: &LifecyclePlan) -> Vec<String> {
    let mut failures = Vec::new();
    for finding in &plan.findings {
        if finding.message.len() <= 40 || !finding.message.ends_with('.') {
            failures.push(format!(
                "{} message is terse: {}",
                finding.code, finding.message
            ));
        }
        if finding.severity != Severity::Info && finding.fix.as_deref().unwrap_or("").len() <= 20 {
            failures.push(format!("{} has no fix", finding.code));
        }
    }
    failures
}
