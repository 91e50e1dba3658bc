//! Where the client secret of an Azure sign-in is kept: the operating system's credential
//! store (Keychain, Windows Credential Manager, Secret Service), never a file.
//!
//! Headless Linux often has no Secret Service (no session bus, or no keyring daemon). Then
//! the secret stays only in the signed-in session's memory, for this run, and the user is
//! told so; keyblade never falls back to writing it to disk.

use std::sync::Arc;

use keyblade_azure::AzureError;
use keyblade_azure::signin::{MemoryTokenStore, Secret, StoreKey, TokenStore};
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

    /// Keeps a certificate's password, like a client secret but in its own entry.
    pub fn keep_certificate_password(
        &self,
        tenant_id: &str,
        client_id: &str,
        password: &str,
    ) -> SecretPlacement {
        let account = format!("cert/{}", SecretStore::account(tenant_id, client_id));
        match self.backend.set(&account, password) {
            Ok(()) => SecretPlacement::Keyring,
            Err(reason) => SecretPlacement::MemoryOnly {
                reason: format!(
                    "The certificate's password is kept in memory for this run only: {reason}. \
                     You will be asked for it again after keyblade restarts."
                ),
            },
        }
    }

    pub fn certificate_password(
        &self,
        tenant_id: &str,
        client_id: &str,
    ) -> Result<Option<String>, String> {
        self.backend.get(&format!(
            "cert/{}",
            SecretStore::account(tenant_id, client_id)
        ))
    }

    pub fn forget_certificate_password(
        &self,
        tenant_id: &str,
        client_id: &str,
    ) -> Result<(), String> {
        self.backend.delete(&format!(
            "cert/{}",
            SecretStore::account(tenant_id, client_id)
        ))
    }

    /// The store for people's refresh tokens, over the same credential store.
    pub fn token_store(&self) -> KeyringTokenStore {
        KeyringTokenStore::new(self.backend.clone())
    }

    pub fn forget(&self, tenant_id: &str, client_id: &str) -> Result<(), String> {
        self.backend
            .delete(&SecretStore::account(tenant_id, client_id))
    }
}

/// Where people's refresh tokens are kept: the same credential store as client secrets,
/// one entry per account and cloud (`token/{cloud}/{tenant}/{user}`). Where the store
/// cannot be used (headless Linux), tokens stay in memory for this run and
/// [`KeyringTokenStore::unavailable`] says why; nothing is ever written to a file.
#[derive(Clone)]
pub struct KeyringTokenStore {
    backend: Arc<dyn SecretBackend>,
    memory: Arc<MemoryTokenStore>,
    unavailable: Arc<std::sync::Mutex<Option<String>>>,
}

impl std::fmt::Debug for KeyringTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringTokenStore")
            .field("memory", &self.memory)
            .finish_non_exhaustive()
    }
}

impl KeyringTokenStore {
    pub fn new(backend: Arc<dyn SecretBackend>) -> KeyringTokenStore {
        KeyringTokenStore {
            backend,
            memory: Arc::new(MemoryTokenStore::new()),
            unavailable: Arc::default(),
        }
    }

    fn account(key: &StoreKey) -> String {
        format!("token/{}", key.account_name())
    }

    /// Why the credential store could not keep a token this run, if it could not.
    pub fn unavailable(&self) -> Option<String> {
        self.unavailable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Where `key`'s refresh token is kept now.
    pub async fn placement(&self, key: &StoreKey) -> SecretPlacement {
        match (self.memory.get(key).await, self.unavailable()) {
            (Ok(Some(_)), Some(reason)) => SecretPlacement::MemoryOnly {
                reason: format!(
                    "Your sign-in is kept in memory for this run only: {reason}. You will be \
                     asked to sign in again after keyblade restarts."
                ),
            },
            _ => SecretPlacement::Keyring,
        }
    }

    /// Runs a blocking credential-store call off the async workers: Secret Service is a
    /// D-Bus round trip, and an unlock prompt can wait on the user.
    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&dyn SecretBackend) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let backend = self.backend.clone();
        tokio::task::spawn_blocking(move || call(backend.as_ref()))
            .await
            .map_err(|error| format!("the credential store call did not finish ({error})"))?
    }
}

#[async_trait::async_trait]
impl TokenStore for KeyringTokenStore {
    async fn get(&self, key: &StoreKey) -> Result<Option<Secret>, AzureError> {
        if let Some(token) = self.memory.get(key).await? {
            return Ok(Some(token));
        }
        let account = KeyringTokenStore::account(key);
        self.blocking(move |backend| backend.get(&account))
            .await
            .map(|token| token.map(Secret::new))
            .map_err(|reason| AzureError::TokenStore { reason })
    }

    async fn put(&self, key: &StoreKey, refresh_token: &Secret) -> Result<(), AzureError> {
        let account = KeyringTokenStore::account(key);
        let token = refresh_token.secret().to_owned();
        match self
            .blocking(move |backend| backend.set(&account, &token))
            .await
        {
            Ok(()) => {
                // A token kept in memory earlier is stale now.
                self.memory.delete(key).await?;
                Ok(())
            }
            Err(reason) => {
                *self
                    .unavailable
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(reason);
                self.memory.put(key, refresh_token).await
            }
        }
    }

    async fn delete(&self, key: &StoreKey) -> Result<(), AzureError> {
        self.memory.delete(key).await?;
        let account = KeyringTokenStore::account(key);
        match self.blocking(move |backend| backend.delete(&account)).await {
            Ok(()) => Ok(()),
            // Without a credential store the token was only ever in memory, now gone.
            Err(_) if self.unavailable().is_some() => Ok(()),
            Err(reason) => Err(AzureError::TokenStore { reason }),
        }
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
