//! Where the client secret of an Azure sign-in is kept: the operating system's credential
//! store (Keychain, Windows Credential Manager, Secret Service), never a file.
//!
//! Headless Linux often has no Secret Service (no session bus, or no keyring daemon). Then
//! the secret stays only in the signed-in session's memory, for this run, and the user is
//! told so; keyblade never falls back to writing it to disk.

use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

/// The credential store's service name; entries are named `{tenant}/{client ID}`.
const SERVICE: &str = "dev.keyblade.app";

/// Where a secret ended up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SecretPlacement {
    /// In the operating system's credential store: keyblade signs in again on its next start.
    Keyring,
    /// Only in memory, for this run: `reason` says why the credential store was not used.
    MemoryOnly { reason: String },
}

/// A credential store. The real one is the OS's; tests use a map.
pub trait SecretBackend: Send + Sync {
    fn set(&self, account: &str, secret: &str) -> Result<(), String>;
    /// `Ok(None)` when there is no such entry.
    fn get(&self, account: &str) -> Result<Option<String>, String>;
    fn delete(&self, account: &str) -> Result<(), String>;
}

/// The operating system's credential store, through the `keyring` crate.
pub struct OsKeyring;

impl OsKeyring {
    fn entry(account: &str) -> Result<keyring::Entry, String> {
        keyring::Entry::new(SERVICE, account).map_err(|error| describe(&error))
    }
}

/// Why the store could not be used, in the user's terms.
fn describe(error: &keyring::Error) -> String {
    match error {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            format!(
                "no system keyring is available ({inner}). On Linux, keyblade uses the Secret \
                 Service (GNOME Keyring or KWallet), which needs a desktop session"
            )
        }
        other => format!("the system keyring refused it ({other})"),
    }
}

impl SecretBackend for OsKeyring {
    fn set(&self, account: &str, secret: &str) -> Result<(), String> {
        OsKeyring::entry(account)?
            .set_password(secret)
            .map_err(|error| describe(&error))
    }

    fn get(&self, account: &str) -> Result<Option<String>, String> {
        match OsKeyring::entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(describe(&error)),
        }
    }

    fn delete(&self, account: &str) -> Result<(), String> {
        match OsKeyring::entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(describe(&error)),
        }
    }
}

/// The app's secrets: client secrets by tenant and client ID.
#[derive(Clone)]
pub struct SecretStore {
    backend: Arc<dyn SecretBackend>,
}

impl SecretStore {
    pub fn new(backend: Arc<dyn SecretBackend>) -> SecretStore {
        SecretStore { backend }
    }

    pub fn os() -> SecretStore {
        SecretStore::new(Arc::new(OsKeyring))
    }

    fn account(tenant_id: &str, client_id: &str) -> String {
        format!(
            "{}/{}",
            tenant_id.to_ascii_lowercase(),
            client_id.to_ascii_lowercase()
        )
    }

    /// Keeps the secret in the credential store if there is one; says where it ended up.
    pub fn keep(&self, tenant_id: &str, client_id: &str, secret: &str) -> SecretPlacement {
        match self
            .backend
            .set(&SecretStore::account(tenant_id, client_id), secret)
        {
            Ok(()) => SecretPlacement::Keyring,
            Err(reason) => SecretPlacement::MemoryOnly {
                reason: format!(
                    "The client secret is kept in memory for this run only: {reason}. You will \
                     be asked for it again after keyblade restarts."
                ),
            },
        }
    }

    pub fn get(&self, tenant_id: &str, client_id: &str) -> Result<Option<String>, String> {
        self.backend
            .get(&SecretStore::account(tenant_id, client_id))
    }

    pub fn forget(&self, tenant_id: &str, client_id: &str) -> Result<(), String> {
        self.backend
            .delete(&SecretStore::account(tenant_id, client_id))
    }
}

#[cfg(test)]
pub mod testing {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::SecretBackend;

    /// A credential store in a map; `unavailable` makes it behave like headless Linux.
    #[derive(Default)]
    pub struct MapBackend {
        pub entries: Mutex<HashMap<String, String>>,
        pub unavailable: bool,
    }

    impl SecretBackend for MapBackend {
        fn set(&self, account: &str, secret: &str) -> Result<(), String> {
            if self.unavailable {
                return Err("no system keyring is available (no session bus)".to_owned());
            }
            self.entries
                .lock()
                .unwrap()
                .insert(account.to_owned(), secret.to_owned());
            Ok(())
        }

        fn get(&self, account: &str) -> Result<Option<String>, String> {
            if self.unavailable {
                return Err("no system keyring is available (no session bus)".to_owned());
            }
            Ok(self.entries.lock().unwrap().get(account).cloned())
        }

        fn delete(&self, account: &str) -> Result<(), String> {
            self.entries.lock().unwrap().remove(account);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::MapBackend;
    use super::*;

    #[test]
    fn secrets_go_to_the_keyring_by_tenant_and_client() {
        let backend = Arc::new(MapBackend::default());
        let store = SecretStore::new(backend.clone());
        assert_eq!(store.keep("T", "C", "s3cret"), SecretPlacement::Keyring);
        assert_eq!(store.get("t", "c").unwrap().as_deref(), Some("s3cret"));
        assert!(backend.entries.lock().unwrap().contains_key("t/c"));
        store.forget("t", "c").unwrap();
        assert_eq!(store.get("t", "c").unwrap(), None);
    }

    #[test]
    fn without_a_keyring_the_secret_stays_in_memory_and_the_user_is_told() {
        let store = SecretStore::new(Arc::new(MapBackend {
            unavailable: true,
            ..MapBackend::default()
        }));
        let SecretPlacement::MemoryOnly { reason } = store.keep("t", "c", "s") else {
            panic!("expected memory only");
        };
        assert!(reason.contains("in memory for this run only"), "{reason}");
        assert!(reason.contains("no system keyring"), "{reason}");
    }

    /// The real store on this machine: works where Secret Service runs, and otherwise says
    /// why instead of failing the sign-in.
    #[test]
    fn the_os_keyring_either_keeps_the_secret_or_explains() {
        let store = SecretStore::os();
        match store.keep("keyblade-test-tenant", "keyblade-test-client", "s") {
            SecretPlacement::Keyring => {
                store
                    .forget("keyblade-test-tenant", "keyblade-test-client")
                    .unwrap();
            }
            SecretPlacement::MemoryOnly { reason } => {
                assert!(reason.contains("for this run only"), "{reason}")
            }
        }
    }
}
