//! The history file: every change keyblade makes (keyblade-core's [`HistoryEntry`]), in
//! `history.json` in the app's data folder. Never a secret or a token: an entry names the
//! account and tenant, the resource, the settings before and after, the calls with their
//! `az` equivalents, and the outcome.
//!
//! Append-only: an entry is added, never changed or removed, except that the file keeps the
//! newest [`HISTORY_CAPACITY`] (2,000) entries and drops the oldest beyond that (said in the
//! log). Every append rewrites the file whole: written to a temporary file in the same
//! folder, flushed to disk, then renamed over the old one, so a crash leaves the old file or
//! the new one, never half of either. A file that cannot be read is kept beside it as
//! `history.json.corrupt-<unix time>` and the history starts again empty (said in the log).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use keyblade_core::history::{HISTORY_CAPACITY, HistoryEntry, append_capped, with_settlements};

pub const HISTORY_FILE: &str = "history.json";

/// Appends run one at a time (read, add, write), so two changes ending together both stay.
static APPENDING: Mutex<()> = Mutex::new(());

/// The file's shape: versioned, so a later keyblade can tell an older file from a damaged one.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HistoryFile {
    version: u32,
    /// Oldest first.
    entries: Vec<HistoryEntry>,
}

const VERSION: u32 = 1;

/// Every entry in `dir`'s history, oldest first. A missing file is an empty history; one that
/// cannot be read is set aside (see the module docs) and is an empty history too.
pub fn load(dir: &Path) -> Vec<HistoryEntry> {
    let path = dir.join(HISTORY_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(error) => {
            set_aside(&path, &error.to_string());
            return Vec::new();
        }
    };
    match serde_json::from_str::<HistoryFile>(&text) {
        Ok(file) => file.entries,
        Err(error) => {
            set_aside(&path, &error.to_string());
            Vec::new()
        }
    }
}

fn set_aside(path: &Path, reason: &str) {
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let aside = path.with_file_name(format!("{HISTORY_FILE}.corrupt-{stamp}"));
    match std::fs::rename(path, &aside) {
        Ok(()) => crate::log_warn!(
            "the history in {} could not be read ({reason}); it was kept as {} and the \
             history starts again empty",
            path.display(),
            aside.display()
        ),
        Err(error) => crate::log_warn!(
            "the history in {} could not be read ({reason}) nor set aside ({error}); it is \
             shown empty and will be replaced by the next change",
            path.display()
        ),
    }
}

/// Adds `entry` to `dir`'s history with a fresh ID and returns it as stored.
pub fn append(dir: &Path, mut entry: HistoryEntry) -> Result<HistoryEntry, String> {
    let _appending = APPENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut entries = load(dir);
    entry.id = fresh_id(&entries, &entry);
    let dropped = append_capped(&mut entries, entry.clone());
    if dropped > 0 {
        crate::log_info!(
            "the history keeps the newest {HISTORY_CAPACITY} changes: dropped the oldest {dropped}"
        );
    }
    write_atomically(
        dir,
        &HistoryFile {
            version: VERSION,
            entries,
        },
    )?;
    Ok(entry)
}

/// The entries of `resource_id` (every entry for `None`), newest first, each change recorded
/// as in progress showing how it ended ([`with_settlements`]). Resource IDs compare
/// case-insensitively, as ARM's do.
pub fn list(dir: &Path, resource_id: Option<&str>) -> Vec<HistoryEntry> {
    let mut entries: Vec<HistoryEntry> = with_settlements(load(dir))
        .into_iter()
        .filter(|entry| resource_id.is_none_or(|id| entry.resource.id.eq_ignore_ascii_case(id)))
        .collect();
    entries.reverse();
    entries
}

/// The entry with `id`, as [`list`] shows it.
pub fn get(dir: &Path, id: &str) -> Option<HistoryEntry> {
    with_settlements(load(dir))
        .into_iter()
        .find(|entry| entry.id == id)
}

/// `h-<unix ms>-<n>`: ordered by time, unique within the file.
fn fresh_id(entries: &[HistoryEntry], entry: &HistoryEntry) -> String {
    let millis = entry.time.unix_timestamp_nanos() / 1_000_000;
    (0u32..)
        .map(|n| format!("h-{millis}-{n}"))
        .find(|id| !entries.iter().any(|e| &e.id == id))
        .unwrap_or_else(|| format!("h-{millis}"))
}

fn write_atomically(dir: &Path, file: &HistoryFile) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(HISTORY_FILE);
    let partial: PathBuf = dir.join(format!("{HISTORY_FILE}.partial"));
    let text = serde_json::to_vec_pretty(file).map_err(|e| e.to_string())?;
    let written = std::fs::File::create(&partial).and_then(|mut out| {
        out.write_all(&text)?;
        // On disk before the rename makes it the history: a crash after the rename must
        // not leave an empty file in its place.
        out.sync_all()
    });
    written.map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    std::fs::rename(&partial, &path)
        .map_err(|e| format!("cannot replace {}: {e}", path.display()))?;
    // The rename itself is durable once the folder is synced (POSIX); where a folder cannot
    // be opened as a file (Windows), the rename is already durable.
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Records `entry` in the app's history, if the platform has a data folder, and returns its
/// ID there. A change is never failed over its record: a write that fails is said in the log.
pub fn record(paths: &crate::state::AppPaths, entry: HistoryEntry) -> Option<String> {
    let dir = history_dir(paths)?;
    match append(&dir, entry) {
        Ok(stored) => Some(stored.id),
        Err(reason) => {
            crate::log_warn!("could not record the change in the history: {reason}");
            None
        }
    }
}

/// Records a lifecycle run (`run_lifecycle`) in the history, with the rotation policy a
/// policy change replaced (`previous_policy`, read before the run) for its undo.
pub fn record_lifecycle(
    state: &crate::state::AppState,
    connected: &crate::state::Connected,
    resource_id: &str,
    action: &keyblade_core::lifecycle::LifecycleAction,
    previous_policy: Option<keyblade_core::lifecycle::rotation::RotationPolicy>,
    outcome: &Result<
        keyblade_azure::encryption::lifecycle::LifecycleOutcome,
        keyblade_azure::AzureError,
    >,
    undo_of: Option<String>,
) {
    let _ = record(
        &state.paths(),
        keyblade_azure::encryption::history::lifecycle_entry(
            &author(connected),
            resource_id,
            action,
            previous_policy,
            outcome,
            undo_of,
        ),
    );
}

/// Who a session's changes are recorded as: the header's name for the account and the
/// tenant, never a credential.
pub fn author(connected: &crate::state::Connected) -> keyblade_azure::encryption::history::Author {
    keyblade_azure::encryption::history::Author {
        account: connected.account.clone(),
        tenant_id: connected.tenant_id.clone(),
    }
}

/// The history's folder: the data folder, else the configuration folder.
pub fn history_dir(paths: &crate::state::AppPaths) -> Option<PathBuf> {
    paths.data_dir.clone().or_else(|| paths.config_dir.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyblade_core::ResourceKind;
    use keyblade_core::history::{
        EncryptionSettings, HistoryChange, HistoryOutcome, HistoryResource, OutcomeStatus,
    };

    /// A fresh folder for one test, removed when dropped.
    struct TempDir(PathBuf);
    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir()
                .join(format!("keyblade-history-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn entry(resource: &str) -> HistoryEntry {
        HistoryEntry {
            id: String::new(),
            time: time::OffsetDateTime::now_utc(),
            account: "ada@contoso.com".to_owned(),
            tenant_id: "t".to_owned(),
            resource: HistoryResource {
                id: format!(
                    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/{resource}"
                ),
                kind: ResourceKind::ContainerRegistry,
                name: resource.to_owned(),
            },
            title: "Change key".to_owned(),
            change: HistoryChange::ChangeKey {
                before: None,
                requested: EncryptionSettings::microsoft_managed(),
                after: None,
            },
            steps: Vec::new(),
            outcome: HistoryOutcome {
                status: OutcomeStatus::Applied,
                message: "done".to_owned(),
            },
            undo_of: None,
            settles: None,
            settled_at: None,
        }
    }

    #[test]
    fn appends_keep_every_earlier_entry_and_list_newest_first() {
        let dir = TempDir::new("append");
        let first = append(dir.path(), entry("cra")).unwrap();
        let second = append(dir.path(), entry("crb")).unwrap();
        let third = append(dir.path(), entry("cra")).unwrap();
        assert_ne!(first.id, second.id);
        assert_ne!(second.id, third.id);
        let all = list(dir.path(), None);
        let ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, [&third.id, &second.id, &first.id]);
        let cra = list(dir.path(), Some(&first.resource.id.to_ascii_uppercase()));
        assert_eq!(cra.len(), 2);
        assert_eq!(get(dir.path(), &second.id), Some(second));
        assert_eq!(get(dir.path(), "h-0-0"), None);
    }

    /// A save that answered "in progress" is appended once, and how it ended once more: the
    /// file keeps both (append-only), and the list and `get` show one change as it ended.
    #[test]
    fn a_change_recorded_in_progress_lists_as_how_it_ended() {
        let dir = TempDir::new("settle");
        let mut in_progress = entry("cra");
        in_progress.outcome = HistoryOutcome {
            status: OutcomeStatus::InProgress,
            message: "Azure is still updating the registry.".to_owned(),
        };
        let in_progress = append(dir.path(), in_progress).unwrap();
        let mut settlement = entry("cra");
        settlement.settles = Some(in_progress.id.clone());
        let settlement = append(dir.path(), settlement).unwrap();

        let listed = list(dir.path(), None);
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, in_progress.id);
        assert_eq!(listed[0].outcome.status, OutcomeStatus::Applied);
        assert_eq!(listed[0].settled_at, Some(settlement.time));
        assert_eq!(get(dir.path(), &in_progress.id), Some(listed[0].clone()));
        assert_eq!(load(dir.path()).len(), 2);
    }

    /// The file is replaced whole: no temporary file is left, and what is on disk is always
    /// a complete, readable history.
    #[test]
    fn writes_are_whole_and_leave_no_partial_file() {
        let dir = TempDir::new("atomic");
        append(dir.path(), entry("cra")).unwrap();
        append(dir.path(), entry("cra")).unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [HISTORY_FILE]);
        let text = std::fs::read_to_string(dir.path().join(HISTORY_FILE)).unwrap();
        let file: HistoryFile = serde_json::from_str(&text).unwrap();
        assert_eq!(file.version, VERSION);
        assert_eq!(file.entries.len(), 2);
    }

    /// A stale partial file from a crash does not stop the next append.
    #[test]
    fn a_partial_file_from_a_crash_is_replaced() {
        let dir = TempDir::new("partial");
        append(dir.path(), entry("cra")).unwrap();
        std::fs::write(dir.path().join("history.json.partial"), "{\"ver").unwrap();
        append(dir.path(), entry("cra")).unwrap();
        assert_eq!(load(dir.path()).len(), 2);
    }

    #[test]
    fn a_corrupt_file_is_kept_aside_and_the_history_starts_again() {
        let dir = TempDir::new("corrupt");
        std::fs::write(dir.path().join(HISTORY_FILE), "{ not json").unwrap();
        assert!(list(dir.path(), None).is_empty());
        let aside: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("history.json.corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1, "{aside:?}");
        let kept = std::fs::read_to_string(dir.path().join(&aside[0])).unwrap();
        assert_eq!(kept, "{ not json");
        append(dir.path(), entry("cra")).unwrap();
        assert_eq!(list(dir.path(), None).len(), 1);
    }

    #[test]
    fn the_oldest_entries_are_dropped_beyond_the_capacity() {
        let dir = TempDir::new("capacity");
        // Write a full file directly: appending 2,000 times would rewrite it 2,000 times.
        let mut full: Vec<HistoryEntry> = (0..HISTORY_CAPACITY)
            .map(|n| {
                let mut e = entry("cra");
                e.id = format!("old-{n}");
                e
            })
            .collect();
        full[0].id = "oldest".to_owned();
        write_atomically(
            dir.path(),
            &HistoryFile {
                version: VERSION,
                entries: full,
            },
        )
        .unwrap();
        let newest = append(dir.path(), entry("crb")).unwrap();
        let entries = load(dir.path());
        assert_eq!(entries.len(), HISTORY_CAPACITY);
        assert_eq!(entries[0].id, "old-1");
        assert_eq!(entries.last().map(|e| &e.id), Some(&newest.id));
    }

    #[test]
    fn concurrent_appends_all_stay() {
        let dir = TempDir::new("concurrent");
        let path = dir.path().to_owned();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || append(&path, entry("cra")).unwrap())
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let entries = load(dir.path());
        assert_eq!(entries.len(), 8);
        let mut ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 8, "IDs are unique");
    }

    /// The whole path against the sandbox: a save recorded as the shell records it, whose
    /// file holds neither the client secret nor the bearer token; then its undo, planned
    /// through preflight, saved, recorded as the undo, and read back with the old key.
    #[tokio::test]
    async fn a_recorded_save_holds_no_secret_and_its_undo_puts_the_old_key_back() {
        use keyblade_azure::arm::lro::{LroSettings, NoProgress};
        use keyblade_azure::encryption::history::{Author, UndoReview, plan_undo, save_entry};
        use keyblade_azure::encryption::{self, CancelSave, DesiredChange, SaveOutcome};
        use keyblade_core::ResourceId;
        use keyblade_core::history::KeySource;
        use keyblade_core::preflight::IdentityChoice;

        let sandbox = keyblade_sandbox::Sandbox::start(keyblade_sandbox::SandboxConfig::default())
            .await
            .unwrap();
        let http = crate::connect::http_settings();
        let cloud = keyblade_azure::load_cloud_from_metadata_url(
            &url::Url::parse(&sandbox.metadata_url()).unwrap(),
            vec![sandbox.ca_pem().to_owned()],
            &http,
        )
        .await
        .unwrap();
        let demo = sandbox.demo_credentials();
        let session = keyblade_azure::Session::client_secret(
            cloud.clone(),
            &http,
            LroSettings::default(),
            demo.tenant_id,
            demo.client_id,
            demo.client_secret.to_owned(),
        )
        .unwrap();
        let dir = TempDir::new("sandbox");
        let author = Author {
            account: format!("service principal {}", demo.client_id),
            tenant_id: demo.tenant_id.to_owned(),
        };
        let id = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerRegistry/registries/crcontosopinned",
            keyblade_sandbox::scenario::demo::PROD_SUBSCRIPTION,
            keyblade_sandbox::scenario::demo::PROD_REGISTRIES_GROUP,
        );

        // crcontosopinned is pinned to an older version: move it to the newest.
        let before = encryption::load_view(&session, &id).await.unwrap();
        let key = before.key.clone().unwrap();
        let newest = key.latest_version.clone().unwrap();
        assert_ne!(key.version_in_use.as_deref(), Some(newest.as_str()));
        let identity = IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(
                before
                    .identity
                    .as_ref()
                    .unwrap()
                    .resource_id
                    .as_deref()
                    .unwrap(),
            )
            .unwrap(),
        };
        let desired = DesiredChange {
            key_source: KeySource::CustomerManaged,
            key_uri: format!("{}keys/{}/{newest}", key.vault_uri, key.key_name),
            identity: identity.clone(),
            grant_access: false,
        };
        let outcome = encryption::save(
            &session,
            &id,
            &desired,
            before.etag.as_deref().unwrap_or_default(),
            &NoProgress,
            &CancelSave::new(),
        )
        .await;
        assert!(
            matches!(outcome, Ok(SaveOutcome::Applied { .. })),
            "{outcome:?}"
        );
        let recorded = append(
            dir.path(),
            save_entry(&author, &id, Some(&before), &desired, &outcome, None),
        )
        .unwrap();
        assert_eq!(recorded.outcome.status, OutcomeStatus::Applied);
        assert!(!recorded.steps.is_empty());

        let text = std::fs::read_to_string(dir.path().join(HISTORY_FILE)).unwrap();
        let token = session
            .credential()
            .token(&[&cloud.arm_scope()])
            .await
            .unwrap();
        let bearer = token.token.secret();
        assert!(bearer.len() > 20);
        assert!(!text.contains(bearer), "the bearer token is in the history");
        for part in bearer.split('.') {
            assert!(
                !text.contains(part),
                "part of the bearer token is in the history"
            );
        }
        assert!(
            !text.contains(demo.client_secret),
            "the client secret is in the history"
        );
        assert!(text.contains(&key.key_uri), "the key before is recorded");

        // Undo: back to the pinned version, through preflight, recorded as the undo.
        let review = plan_undo(&session, &recorded).await.unwrap();
        let UndoReview::ChangeKey {
            desired: undo,
            report,
            entry_id,
            ..
        } = review
        else {
            panic!("a key change is undone with Change key, got {review:?}");
        };
        assert_eq!(entry_id, recorded.id);
        assert!(report.can_save, "{:?}", report.findings);
        assert_eq!(undo.key_uri, key.key_uri);
        assert_eq!(undo.identity, identity);
        let now = encryption::load_view(&session, &id).await.unwrap();
        let outcome = encryption::save(
            &session,
            &id,
            &undo,
            report.etag.as_deref().unwrap_or_default(),
            &NoProgress,
            &CancelSave::new(),
        )
        .await;
        assert!(
            matches!(outcome, Ok(SaveOutcome::Applied { .. })),
            "{outcome:?}"
        );
        append(
            dir.path(),
            save_entry(
                &author,
                &id,
                Some(&now),
                &undo,
                &outcome,
                Some(recorded.id.clone()),
            ),
        )
        .unwrap();
        let after = encryption::load_view(&session, &id).await.unwrap();
        assert_eq!(after.key.unwrap().key_uri, key.key_uri);
        let entries = list(dir.path(), Some(&id));
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].undo_of.as_deref(), Some(recorded.id.as_str()));
    }
}
