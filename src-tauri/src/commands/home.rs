//! Home: every encrypted resource of the chosen subscriptions, the health of each key, and
//! saving the table as CSV or JSON.

use std::io::Write;
use std::path::{Path, PathBuf};

use tauri::{AppHandle, Emitter, State};

use keyblade_azure::AzureError;
use keyblade_azure::home::{self, HealthProgress, HomeHealth, HomeListing, ListingProgress};

use crate::error::CommandError;
use crate::state::AppState;

/// Rows read so far while Home lists ([`ListingProgress`]).
pub const HOME_LISTING_PROGRESS: &str = "home-listing-progress";
/// Resources checked so far while Home checks health ([`HealthProgress`]).
pub const HOME_HEALTH_PROGRESS: &str = "home-health-progress";

/// Every container registry, storage account and Cognitive Services account of the
/// subscriptions in the account's filter, from one Resource Graph query: the first time,
/// the one made at sign-in ([`crate::state::AppState::prefetch_home`]). `fresh` forgets
/// every cached read first (Refresh).
#[tauri::command]
pub async fn list_home(
    app: AppHandle,
    state: State<'_, AppState>,
    fresh: bool,
) -> Result<HomeListing, CommandError> {
    let connected = state.connected("list your encrypted resources")?;
    if fresh {
        state.drop_home_prefetch();
        connected.azure.invalidate_all();
    }
    let filter = state
        .accounts_snapshot()
        .subscription_filter(connected.account_id.as_deref())
        .cloned();
    if let Some(prefetch) = state.home_prefetch(&connected)
        && let Some(listing) = prefetch.take_listing(filter.as_deref()).await
    {
        crate::startup::reached(crate::startup::Milestone::HomeListed);
        return Ok(listing);
    }
    let progress = |update: ListingProgress| {
        if let Err(error) = app.emit(HOME_LISTING_PROGRESS, update) {
            crate::log_warn!("could not report Home's listing progress: {error}");
        }
    };
    let listing =
        home::list_encrypted_resources(&connected.azure, filter.as_deref(), &progress).await?;
    crate::startup::reached(crate::startup::Milestone::HomeListed);
    Ok(listing)
}

/// The health of the resources in `resource_ids` (from the last [`list_home`]), checked in
/// that order as far as Key Vault's bounds allow; cached unless `refresh`. Progress arrives
/// as `home-health-progress` events; [`cancel_home_health`] with the same `operation_id`
/// stops it, and what was checked by then is returned.
#[tauri::command]
pub async fn check_home_health(
    app: AppHandle,
    state: State<'_, AppState>,
    resource_ids: Vec<String>,
    refresh: bool,
    operation_id: String,
) -> Result<Vec<HomeHealth>, CommandError> {
    let connected = state.connected("check the health of your keys")?;
    let cancel = state.saves.start(&operation_id);
    if refresh {
        state.drop_home_prefetch();
    } else if let Some(prefetch) = state.home_prefetch(&connected) {
        // Its results land in the session's cache, where the check below finds them.
        prefetch.checked(&cancel).await;
    }
    let progress = |update: HealthProgress| {
        if let Err(error) = app.emit(HOME_HEALTH_PROGRESS, update) {
            crate::log_warn!("could not report Home's health progress: {error}");
        }
    };
    let checked =
        home::check_health(&connected.azure, &resource_ids, refresh, &progress, &cancel).await;
    state.saves.finish(&operation_id);
    if !cancel.is_cancelled() {
        crate::startup::reached(crate::startup::Milestone::HomeChecked);
    }
    Ok(checked)
}

/// Stops the health check started with `operation_id`; false when none is running.
#[tauri::command]
pub fn cancel_home_health(state: State<'_, AppState>, operation_id: String) -> bool {
    state.saves.cancel(&operation_id)
}

/// Writes an export of Home's table (CSV or JSON, made by the UI) to `path` and returns the
/// full path written. A bare file name goes to the Downloads folder (the home folder when
/// there is none); an existing file is never overwritten.
#[tauri::command]
pub fn save_home_export(path: String, contents: String) -> Result<String, CommandError> {
    let target = export_path(&path, home_dir().as_deref())?;
    write_new_file(&target, contents.as_bytes())?;
    Ok(target.display().to_string())
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

fn invalid(path: &str, reason: &str) -> CommandError {
    CommandError::Azure(AzureError::InvalidInput {
        what: format!("The file `{path}`"),
        reason: reason.to_owned(),
    })
}

fn export_path(path: &str, home: Option<&Path>) -> Result<PathBuf, CommandError> {
    let trimmed = path.trim();
    if trimmed.is_empty() {
        return Err(invalid(path, "give a file name, e.g. keyblade-home.csv"));
    }
    let given = PathBuf::from(trimmed);
    let lower = trimmed.to_ascii_lowercase();
    if !(lower.ends_with(".csv") || lower.ends_with(".json")) {
        return Err(invalid(path, "the name must end in .csv or .json"));
    }
    if given.is_absolute() {
        return Ok(given);
    }
    if given.components().count() != 1 {
        return Err(invalid(
            path,
            "give a file name, or a full path starting at the root of a drive",
        ));
    }
    let Some(home) = home else {
        return Err(invalid(
            path,
            "keyblade does not know your home folder; give a full path",
        ));
    };
    let downloads = home.join("Downloads");
    let folder = if downloads.is_dir() {
        downloads
    } else {
        home.to_path_buf()
    };
    Ok(folder.join(given))
}

fn write_new_file(path: &Path, contents: &[u8]) -> Result<(), CommandError> {
    let shown = path.display().to_string();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::AlreadyExists => invalid(
                &shown,
                "a file of that name exists; keyblade does not overwrite it. Choose another name.",
            ),
            _ => invalid(&shown, &format!("it could not be created ({error})")),
        })?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|error| invalid(&shown, &format!("it could not be written ({error})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_go_where_asked_and_never_overwrite() {
        let dir = std::env::temp_dir().join(format!("keyblade-home-export-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("Downloads")).unwrap();
        assert_eq!(
            export_path("rows.csv", Some(&dir)).unwrap(),
            dir.join("Downloads").join("rows.csv")
        );
        let absolute = dir.join("x.json");
        assert_eq!(
            export_path(absolute.to_str().unwrap(), None).unwrap(),
            absolute
        );
        for bad in ["", "rows.txt", "a/b.csv", "../b.csv"] {
            assert!(export_path(bad, Some(&dir)).is_err(), "{bad}");
        }
        assert!(export_path("rows.csv", None).is_err());
        let target = dir.join("Downloads").join("rows.csv");
        let _ = std::fs::remove_file(&target);
        write_new_file(&target, b"a,b\n").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a,b\n");
        let error = write_new_file(&target, b"other").unwrap_err();
        assert!(error.to_string().contains("does not overwrite"), "{error}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a,b\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
