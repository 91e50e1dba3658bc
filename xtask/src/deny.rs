//! `cargo deny`: the dependency policy in `deny.toml` (licenses, bans, sources), checked
//! offline, and the RustSec advisories when their database is on this machine.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::prereq;
use crate::process::Cmd;
use crate::steps::Steps;

/// How long updating the advisory database may take before it is given up (a clone of a
/// few megabytes; a machine without access to GitHub fails in well under a second).
const FETCH_LIMIT: Duration = Duration::from_secs(60);

pub const POLICY_STEP: &str = "Dependency policy (cargo deny: licenses, bans, sources)";
pub const ADVISORIES_STEP: &str = "Security advisories (cargo deny: advisories)";

/// `cargo xtask deny`: installs cargo-deny when allowed, then both checks.
pub fn run_alone(install: bool) -> Result<(), String> {
    let mut steps = Steps::new(3);
    if !steps.run("Install cargo-deny", || {
        prereq::ensure_cargo_deny(install).map(|_| ())
    }) {
        return steps.finish();
    }
    steps.run(POLICY_STEP, policy);
    steps.run_or_skip(ADVISORIES_STEP, advisories);
    steps.finish()
}

/// Licenses, bans and sources, offline: they read only `Cargo.lock`, `deny.toml` and the
/// crates' manifests, so they need no network once every crate is downloaded.
pub fn policy() -> Result<(), String> {
    require_cargo_deny()?;
    // The checks cover every platform's dependencies (Windows, macOS, Android), and a build
    // downloads only this platform's. `cargo fetch` gets the rest (from crates.io, as any
    // build would); without a network the check goes on with what is already here.
    if let Err(error) = Cmd::cargo(&["fetch"]).run() {
        println!("Could not download every platform's crates ({error}); checking offline anyway.");
    }
    Cmd::cargo(&["deny", "--offline", "check", "licenses", "bans", "sources"]).run()
}

/// RustSec advisories: the database is updated when the network allows, then checked
/// offline. Without a database on this machine the step is skipped (`Ok(Some(why))`), not
/// failed: the policy checks above do not depend on it.
pub fn advisories() -> Result<Option<String>, String> {
    require_cargo_deny()?;
    let fetched = Cmd::cargo(&["deny", "fetch", "db"])
        // Let git give up on a stalled transfer too, not only on a refused connection.
        .env("GIT_HTTP_LOW_SPEED_LIMIT", "1000")
        .env("GIT_HTTP_LOW_SPEED_TIME", "20")
        .env("GIT_TERMINAL_PROMPT", "0")
        .run_with_timeout(FETCH_LIMIT);
    let Some(databases) = prereq::cargo_home().map(|home| home.join("advisory-dbs")) else {
        return Ok(Some(not_available(
            "neither CARGO_HOME nor a home folder is set",
        )));
    };
    match (find_database(&databases), fetched) {
        (None, Err(error)) => Ok(Some(not_available(&format!(
            "{error}, and there is no copy in {}",
            databases.display()
        )))),
        (None, Ok(())) => Ok(Some(not_available(&format!(
            "`cargo deny fetch db` left no database in {}",
            databases.display()
        )))),
        (Some(database), fetched) => {
            if let Err(error) = fetched {
                println!(
                    "Could not update the advisory database ({error}); checking against the copy \
                     in {}.",
                    database.display()
                );
            }
            Cmd::cargo(&["deny", "--offline", "check", "advisories"])
                .run()
                .map(|()| None)
        }
    }
}

fn not_available(why: &str) -> String {
    format!(
        "advisory database not available ({why}); run `cargo deny check advisories` where \
         github.com is reachable"
    )
}

fn require_cargo_deny() -> Result<(), String> {
    match prereq::find_cargo_deny() {
        Some(_) => Ok(()),
        None => Err(format!(
            "cargo-deny is not installed; run `cargo install cargo-deny --locked --version {}` \
             (or drop --no-install)",
            prereq::CARGO_DENY_VERSION
        )),
    }
}

/// A RustSec database as cargo-deny keeps it: `advisory-dbs/<name>-<hash>/crates/…`.
/// A failed fetch leaves only a lock file (and at most an empty folder) behind.
fn find_database(databases: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(databases).ok()?;
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.join("crates").is_dir())
}

#[cfg(test)]
mod tests {
    use super::find_database;

    #[test]
    fn a_database_is_a_folder_with_crates_in_it() {
        let root = std::env::temp_dir().join(format!("xtask-deny-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(find_database(&root), None, "no folder at all");

        // What a failed `cargo deny fetch db` leaves: the lock and an empty clone target.
        std::fs::create_dir_all(root.join("advisory-db-3157b0e258782691")).ok();
        std::fs::write(root.join("db.lock"), "").ok();
        assert_eq!(find_database(&root), None, "a lock and an empty folder");

        let database = root.join("advisory-db-3157b0e258782691");
        std::fs::create_dir_all(database.join("crates").join("rsa")).ok();
        assert_eq!(find_database(&root), Some(database));
        let _ = std::fs::remove_dir_all(&root);
    }
}
