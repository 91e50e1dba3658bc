//! What the app holds between commands: the session (connecting, signed in or signed out),
//! the embedded demo tenant once started, and where the app keeps its files.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use std::collections::HashMap;

use keyblade_azure::CloudSettings;
use keyblade_azure::encryption::CancelSave;
use keyblade_azure::home::Prefetch;
use keyblade_sandbox::RunningSandbox;

use crate::accounts::AccountsFile;
use crate::dto::{CloudChoice, CloudSummary, SessionStatus};
use crate::error::CommandError;
use crate::secrets::{KeyringTokenStore, SecretStore};

/// A signed-in session: the clients of one sign-in, and who it is.
pub struct Connected {
    pub azure: keyblade_azure::Session,
    pub cloud: CloudSettings,
    pub tenant_id: String,
    /// Who is signed in, for the header: e.g. "ada@contoso.com" or "service principal 1b2c…".
    pub account: String,
    /// The remembered account ([`crate::accounts`]) this session is; `None` for the demo
    /// tenant and a sign-in from the environment.
    pub account_id: Option<String>,
    /// The local demo tenant (the embedded sandbox), not Azure.
    pub is_demo: bool,
}

impl AsRef<keyblade_azure::Session> for Connected {
    fn as_ref(&self) -> &keyblade_azure::Session {
        &self.azure
    }
}

/// Where the session stands.
#[derive(Clone)]
pub enum Session {
    /// Signing in (or starting the demo tenant) in the background; `message` says which.
    Connecting {
        cloud: CloudSettings,
        message: String,
    },
    SignedIn(Arc<Connected>),
    /// `reason` is for the user: why there is no session and what to do next.
    SignedOut {
        cloud: CloudSettings,
        reason: String,
    },
}

impl Session {
    pub fn status(&self) -> SessionStatus {
        match self {
            Session::Connecting { message, .. } => SessionStatus::Connecting {
                message: message.clone(),
            },
            Session::SignedIn(connected) => SessionStatus::SignedIn {
                tenant_id: connected.tenant_id.clone(),
                account: connected.account.clone(),
                account_id: connected.account_id.clone(),
                is_demo: connected.is_demo,
            },
            Session::SignedOut { reason, .. } => SessionStatus::SignedOut {
                reason: reason.clone(),
            },
        }
    }

    pub fn cloud(&self) -> &CloudSettings {
        match self {
            Session::Connecting { cloud, .. } | Session::SignedOut { cloud, .. } => cloud,
            Session::SignedIn(connected) => &connected.cloud,
        }
    }
}

/// The folders the app writes to; `None` when the platform has none (then nothing persists).
#[derive(Debug, Clone, Default)]
pub struct AppPaths {
    /// The demo tenant's state lives here, so demo changes survive restarts.
    pub data_dir: Option<PathBuf>,
    /// The remembered Azure sign-in (never its secret) lives here.
    pub config_dir: Option<PathBuf>,
}

pub struct AppState {
    session: Mutex<Session>,
    /// Bumped by every session change, so a background sign-in that finishes after the user
    /// chose something else does not overwrite it.
    generation: AtomicU64,
    /// The embedded sandbox while the demo tenant is in use; stopped on a sign-in to Azure.
    pub demo: tokio::sync::Mutex<Option<RunningSandbox>>,
    pub secrets: SecretStore,
    /// Saves (and watches of unfinished saves) running now, by operation id.
    pub saves: RunningOperations,
    /// Sign-ins running now (waiting for the browser or a device code), by operation id.
    pub sign_ins: RunningOperations,
    /// People's refresh tokens: one store for the app's life, so tokens kept in memory
    /// (no keyring) last the whole run.
    pub tokens: KeyringTokenStore,
    /// The remembered accounts, as last read from or written to the accounts file.
    pub accounts: Mutex<AccountsFile>,
    /// Sessions built this run, by account ID, so switching back is instant and an
    /// account whose secret is only in memory stays usable.
    pub sessions: Mutex<HashMap<String, Arc<Connected>>>,
    /// The cloud the Sign in dialog opens with at start (see `AppInfo::sign_in_cloud`).
    pub sign_in_cloud: Mutex<Option<CloudChoice>>,
    /// Home's first listing and health check, started when the session it belongs to
    /// connected ([`keyblade_azure::home::Prefetch`]).
    home_prefetch: Mutex<Option<(Weak<Connected>, Arc<Prefetch>)>>,
    /// Known once the app is set up (the platform's folders come from the app handle).
    paths: std::sync::OnceLock<AppPaths>,
}

impl AppState {
    pub fn new(session: Session, secrets: SecretStore, paths: AppPaths) -> AppState {
        AppState {
            session: Mutex::new(session),
            generation: AtomicU64::new(0),
            demo: tokio::sync::Mutex::new(None),
            tokens: secrets.token_store(),
            secrets,
            saves: RunningOperations::default(),
            sign_ins: RunningOperations::default(),
            accounts: Mutex::default(),
            sessions: Mutex::default(),
            sign_in_cloud: Mutex::default(),
            home_prefetch: Mutex::default(),
            paths: std::sync::OnceLock::from(paths),
        }
    }

    /// An app state whose folders are set later, with [`AppState::set_paths`].
    pub fn without_paths(session: Session, secrets: SecretStore) -> AppState {
        AppState {
            session: Mutex::new(session),
            generation: AtomicU64::new(0),
            demo: tokio::sync::Mutex::new(None),
            tokens: secrets.token_store(),
            secrets,
            saves: RunningOperations::default(),
            sign_ins: RunningOperations::default(),
            accounts: Mutex::default(),
            sessions: Mutex::default(),
            sign_in_cloud: Mutex::default(),
            home_prefetch: Mutex::default(),
            paths: std::sync::OnceLock::new(),
        }
    }

    pub fn set_paths(&self, paths: AppPaths) {
        // Set once, at set-up; a second call would be a bug and changes nothing.
        let _ = self.paths.set(paths);
    }

    pub fn paths(&self) -> AppPaths {
        self.paths.get().cloned().unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, Session> {
        // Every write replaces the whole value, so a panic elsewhere cannot leave it half
        // changed: the last value is still a valid session.
        self.session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn session(&self) -> Session {
        self.lock().clone()
    }

    /// Replaces the session and returns the new generation.
    pub fn set_session(&self, session: Session) -> u64 {
        let mut current = self.lock();
        *current = session;
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Replaces the session only if nothing changed it since `generation`.
    pub fn set_session_if_current(&self, generation: u64, session: Session) -> bool {
        let mut current = self.lock();
        if self.generation.load(Ordering::SeqCst) != generation {
            return false;
        }
        *current = session;
        self.generation.fetch_add(1, Ordering::SeqCst);
        true
    }

    /// The signed-in session, or why there is none; `action` follows "cannot", e.g. "list
    /// subscriptions".
    pub fn connected(&self, action: &'static str) -> Result<Arc<Connected>, CommandError> {
        match self.session() {
            Session::SignedIn(connected) => Ok(connected),
            Session::Connecting { message, .. } => {
                Err(CommandError::Connecting { action, message })
            }
            Session::SignedOut { reason, .. } => Err(CommandError::SignedOut { action, reason }),
        }
    }

    /// Starts Home's first listing and health check for `connected`, which just signed in,
    /// in the background; the previous session's, if still running, stops.
    pub fn prefetch_home(&self, connected: &Arc<Connected>) {
        let filter = self
            .accounts_snapshot()
            .subscription_filter(connected.account_id.as_deref())
            .cloned();
        let (prefetch, work) = Prefetch::start(connected.clone(), filter);
        let previous =
            lock(&self.home_prefetch).replace((Arc::downgrade(connected), Arc::new(prefetch)));
        if let Some((_, previous)) = previous {
            previous.cancel();
        }
        tauri::async_runtime::spawn(work);
    }

    /// The Home prefetch of `connected`, if it made one.
    pub fn home_prefetch(&self, connected: &Arc<Connected>) -> Option<Arc<Prefetch>> {
        lock(&self.home_prefetch)
            .as_ref()
            .filter(|(session, _)| std::ptr::eq(session.as_ptr(), Arc::as_ptr(connected)))
            .map(|(_, prefetch)| prefetch.clone())
    }

    /// Stops and forgets the Home prefetch (a Refresh reads everything again).
    pub fn drop_home_prefetch(&self) {
        if let Some((_, prefetch)) = lock(&self.home_prefetch).take() {
            prefetch.cancel();
        }
    }
}

/// Locks a mutex whose value is always replaced or edited whole, so a panic elsewhere
/// cannot leave it half changed.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AppState {
    /// The accounts file's folder, if the platform has one.
    pub fn accounts_dir(&self) -> Option<PathBuf> {
        self.paths().config_dir
    }

    /// Changes the remembered accounts and writes them down; the change stands in memory
    /// even when the file cannot be written (said on stderr: the next start forgets it).
    pub fn edit_accounts<T>(&self, edit: impl FnOnce(&mut AccountsFile) -> T) -> T {
        let mut accounts = lock(&self.accounts);
        let result = edit(&mut accounts);
        if let Some(dir) = self.accounts_dir()
            && let Err(reason) = accounts.save(&dir)
        {
            crate::log_warn!("could not remember the accounts for the next start: {reason}");
        }
        result
    }

    pub fn accounts_snapshot(&self) -> AccountsFile {
        lock(&self.accounts).clone()
    }
}

/// The cancel switches of running saves, so Cancel in the window reaches the save it names.
#[derive(Default)]
pub struct RunningOperations(Mutex<HashMap<String, CancelSave>>);

impl RunningOperations {
    /// A cancel switch for `operation_id`, registered until [`RunningOperations::finish`].
    pub fn start(&self, operation_id: &str) -> CancelSave {
        let cancel = CancelSave::new();
        self.lock().insert(operation_id.to_owned(), cancel.clone());
        cancel
    }

    pub fn finish(&self, operation_id: &str) {
        self.lock().remove(operation_id);
    }

    /// `false` when nothing runs under `operation_id`.
    pub fn cancel(&self, operation_id: &str) -> bool {
        match self.lock().get(operation_id) {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, CancelSave>> {
        // Entries are inserted and removed whole: a panic elsewhere leaves a valid map.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl From<&CloudSettings> for CloudSummary {
    fn from(cloud: &CloudSettings) -> CloudSummary {
        CloudSummary {
            name: cloud.name().to_owned(),
            arm_endpoint: cloud.arm_endpoint().to_string(),
            key_vault_suffix: cloud.key_vault_suffix().to_string(),
        }
    }
}
