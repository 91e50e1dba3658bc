//! The repository is self-contained: a clone has nothing beside it, so no tracked file may
//! point at the developers' workspace folder next to the checkout. (The fixture replay once
//! read its examples from there, and every test of it failed on a user's clone.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("xtask lives in a subfolder of the repository"))
}

/// Spelled in pieces so this file does not match itself.
fn outside_references() -> [String; 3] {
    let folder = ["sha", "red"].concat();
    [
        format!("../{folder}"),
        format!("{folder}/fixtures"),
        format!("{folder}/PLATFORM"),
    ]
}

#[test]
fn no_tracked_file_refers_to_a_folder_beside_the_clone() {
    let root = repository_root();
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&root)
        .output();
    let Ok(listed) = listed else {
        eprintln!("git is not available: nothing to check");
        return;
    };
    if !listed.status.success() {
        eprintln!("not a git checkout: nothing to check");
        return;
    }
    let needles = outside_references();
    let mut offenders = Vec::new();
    for file in listed
        .stdout
        .split(|byte| *byte == 0)
        .filter(|f| !f.is_empty())
    {
        let relative = String::from_utf8_lossy(file).into_owned();
        let Ok(text) = std::fs::read_to_string(root.join(&relative)) else {
            continue; // binary or deleted in the work tree
        };
        for needle in &needles {
            if let Some(line) = text.lines().position(|line| line.contains(needle.as_str())) {
                offenders.push(format!("{relative}:{}: `{needle}`", line + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "these files refer to a path outside the repository; copy what they need into it:\n{}",
        offenders.join("\n")
    );
}
