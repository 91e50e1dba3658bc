//! `--state FILE`: the world and the CA as JSON, written atomically (a temporary
//! file, then a rename) shortly after each mutating request.
//!
//! The file holds the CA's private key (and the token signing key, and client
//! secrets): whoever reads it can impersonate the sandbox to every client that
//! trusts its CA, the desktop app's demo included. So on Unix it is written
//! owner-only (0600), and folders the sandbox creates for it are 0700. A folder
//! that already exists is left as it is: it may be shared (`/tmp`, a project
//! folder), and changing its mode would be changing someone else's folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use crate::tls::CertificateAuthority;
use crate::world::World;

const FORMAT_VERSION: u32 = 1;
/// Mutations closer together than this are written once.
const DEBOUNCE: Duration = Duration::from_millis(250);

#[derive(Serialize)]
struct StateFileOut<'a> {
    format: u32,
    ca: &'a CertificateAuthority,
    world: &'a World,
}

#[derive(Deserialize)]
struct StateFileIn {
    format: u32,
    ca: CertificateAuthority,
    world: World,
}

/// Reads a state file; `Ok(None)` when it does not exist. The world's
/// endpoints are moved to `port`, rewriting stored URLs that named the old port.
pub fn load(path: &Path, port: u16) -> Result<Option<(World, CertificateAuthority)>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "could not read the state file {}: {e}",
                path.display()
            ));
        }
    };
    let state: StateFileIn = serde_json::from_str(&text).map_err(|e| {
        format!(
            "the state file {} is not a sandbox state ({e}); move it away or pass another --state path",
            path.display()
        )
    })?;
    if state.format != FORMAT_VERSION {
        return Err(format!(
            "the state file {} has format {}, this sandbox reads format {FORMAT_VERSION}; move it away to start afresh",
            path.display(),
            state.format
        ));
    }
    let mut world = state.world;
    let old_port = world.endpoints.port;
    if old_port != port {
        world = move_to_port(&world, old_port, port)?;
    }
    world.clock.resume_not_before_wall_clock();
    Ok(Some((world, state.ca)))
}

/// Rewrites `localhost:OLD` (and so `*.vault.localhost:OLD`) to the new port
/// everywhere in the stored JSON: resources keep vault URIs and key identifiers.
fn move_to_port(world: &World, old: u16, new: u16) -> Result<World, String> {
    let text = serde_json::to_string(world)
        .map_err(|e| format!("could not re-serialise the state: {e}"))?;
    let pattern = regex_lite::Regex::new(&format!(r"localhost:{old}([^0-9]|$)"))
        .map_err(|e| format!("internal error building the port pattern: {e}"))?;
    let rewritten = pattern.replace_all(&text, format!("localhost:{new}${{1}}").as_str());
    let mut world: World = serde_json::from_str(&rewritten)
        .map_err(|e| format!("could not move the state to port {new}: {e}"))?;
    world.endpoints.port = new;
    Ok(world)
}

pub fn save(path: &Path, world: &World, ca: &CertificateAuthority) -> Result<(), String> {
    write_atomically(path, &serialise(world, ca)?)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state.json".to_owned());
    // One temporary name per write, not per process: a write still running on a
    // blocking thread after its sandbox was dropped must not truncate or steal the
    // temporary file of the next sandbox's write to the same path (the rename of
    // the loser then failed with "could not replace").
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let write = WRITES.fetch_add(1, Ordering::Relaxed);
    let temp = path.with_file_name(format!(".{file_name}.tmp-{}-{write}", std::process::id()));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent)?;
    }
    write_private(&temp, bytes).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("could not write {}: {e}", temp.display())
    })?;
    // The rename replaces the file, mode included: a state file an older
    // sandbox left readable becomes owner-only on the next write.
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("could not replace {}: {e}", path.display())
    })
}

/// Creates `dir` and any missing parents, owner-only on Unix; existing folders
/// are not touched (see the module docs).
fn create_private_dir(dir: &Path) -> Result<(), String> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| format!("could not create the folder {}: {e}", dir.display()))
}

/// Writes a new file that only its owner can read, on Unix: the mode is set
/// when the file is created, so its content is never readable by others, even
/// for a moment.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    // `create_new`, so the mode below is the one the file is born with; a
    // temporary file a crashed process left under this name goes first.
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // The umask can only take bits away from 0600; set it exactly anyway,
        // so the owner can always read back what it wrote.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(bytes)
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path)?;
        file.write_all(bytes)
    }
}

/// Writes the state in the background after mutations, debounced.
#[derive(Debug, Clone)]
pub struct Persister {
    pub path: PathBuf,
    dirty: Arc<Notify>,
}

impl Persister {
    pub fn new(path: PathBuf) -> Self {
        Persister {
            path,
            dirty: Arc::new(Notify::new()),
        }
    }

    pub fn mark_dirty(&self) {
        self.dirty.notify_one();
    }

    /// Runs until `shutdown` turns true (or its sender is gone); `snapshot`
    /// serialises the state under the lock. Shutdown is only noticed between
    /// writes, never during one: whoever stops the sandbox awaits this task and
    /// then writes the final state knowing no background write can land after it.
    /// (Aborting the task instead left the blocking write running, racing the
    /// final save.)
    pub async fn run<F>(self, snapshot: F, mut shutdown: watch::Receiver<bool>)
    where
        F: Fn() -> Result<Vec<u8>, String> + Send + Sync + 'static,
    {
        let snapshot = Arc::new(snapshot);
        loop {
            tokio::select! {
                biased;
                _ = shutdown.changed() => return,
                _ = self.dirty.notified() => {}
            }
            tokio::select! {
                biased;
                // The final save writes what this write would have.
                _ = shutdown.changed() => return,
                _ = tokio::time::sleep(DEBOUNCE) => {}
            }
            let snapshot = snapshot.clone();
            let path = self.path.clone();
            let result = tokio::task::spawn_blocking(move || {
                snapshot().and_then(|bytes| write_atomically(&path, &bytes))
            })
            .await;
            match result {
                Ok(Ok(())) => {}
                Ok(Err(e)) => eprintln!("keyblade-sandbox: {e}"),
                Err(e) => eprintln!("keyblade-sandbox: the state writer failed: {e}"),
            }
        }
    }
}

/// The bytes `save` writes, for the background writer.
pub fn serialise(world: &World, ca: &CertificateAuthority) -> Result<Vec<u8>, String> {
    serde_json::to_vec(&StateFileOut {
        format: FORMAT_VERSION,
        ca,
        world,
    })
    .map_err(|e| format!("could not serialise the state: {e}"))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn state_files_and_the_folders_made_for_them_are_owner_only() {
        let shared = std::env::temp_dir().join(format!(
            "keyblade-sandbox-modes-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir(&shared).expect("folder");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let path = shared.join("made/for-it/state.json");

        write_atomically(&path, b"{}").expect("written");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&shared.join("made")), 0o700);
        assert_eq!(mode(&shared.join("made/for-it")), 0o700);
        assert_eq!(mode(&shared), 0o755, "a folder that existed is left alone");

        // A state file an older sandbox left readable is replaced by an owner-only one.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write_atomically(&path, b"{\"again\":1}").expect("written again");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "{\"again\":1}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(shared.join("made/for-it"))
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .filter(|n| n != "state.json")
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        let _ = std::fs::remove_dir_all(&shared);
    }
}
