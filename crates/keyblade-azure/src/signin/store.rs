//! Where refresh tokens are kept between runs.
//!
//! A refresh token is the sign-in itself (it gets new access tokens for weeks), so it lives
//! only in a [`TokenStore`]: the shell backs it with the OS credential store (`keyring`),
//! tests and "no keychain" runs with [`MemoryTokenStore`]. Nothing else in keyblade writes
//! it anywhere, and no type here prints it.

use std::collections::HashMap;
use std::sync::Mutex;

use azure_core::credentials::Secret;

use crate::error::AzureError;

/// The entry of one account in one cloud.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreKey {
    cloud: String,
    tenant_id: String,
    username: String,
}

impl StoreKey {
    /// The service name keyblade's entries share in an OS credential store.
    pub const SERVICE: &'static str = "keyblade-signin";

    /// Case-insensitive in the tenant and the user name, as Entra ID is.
    pub fn new(cloud: &str, tenant_id: &str, username: &str) -> StoreKey {
        StoreKey {
            cloud: cloud.to_owned(),
            tenant_id: tenant_id.to_ascii_lowercase(),
            username: username.to_ascii_lowercase(),
        }
    }

    /// The entry's name within [`Self::SERVICE`], e.g.
    /// `AzureCloud/72f988bf-…/ada@contoso.com` (keyring's "user").
    pub fn account_name(&self) -> String {
        format!("{}/{}/{}", self.cloud, self.tenant_id, self.username)
    }

    /// The cloud's name.
    pub fn cloud(&self) -> &str {
        &self.cloud
    }

    /// The tenant ID, lower-cased.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The user name, lower-cased.
    pub fn username(&self) -> &str {
        &self.username
    }
}

/// Keeps one refresh token per [`StoreKey`]. Implementations must not log the token.
///
/// Async because an OS credential store may block (a D-Bus round trip, an unlock prompt):
/// an implementation over a blocking API runs it with `tokio::task::spawn_blocking`.
/// Failures are [`AzureError::TokenStore`] with the store's reason.
#[async_trait::async_trait]
pub trait TokenStore: Send + Sync + std::fmt::Debug {
    /// The stored refresh token, if there is one.
    async fn get(&self, key: &StoreKey) -> Result<Option<Secret>, AzureError>;
    /// Stores `refresh_token`, replacing what was there.
    async fn put(&self, key: &StoreKey, refresh_token: &Secret) -> Result<(), AzureError>;
    /// Removes the entry; removing one that is not there is not an error.
    async fn delete(&self, key: &StoreKey) -> Result<(), AzureError>;
}

/// A [`TokenStore`] in memory: for tests, and for runs without an OS credential store, in
/// which a sign-in lasts until keyblade quits.
#[derive(Default)]
pub struct MemoryTokenStore(Mutex<HashMap<StoreKey, Secret>>);

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> MemoryTokenStore {
        MemoryTokenStore::default()
    }

    /// The keys with an entry, sorted.
    pub fn keys(&self) -> Vec<StoreKey> {
        let mut keys: Vec<StoreKey> = self.entries().keys().cloned().collect();
        keys.sort();
        keys
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<StoreKey, Secret>> {
        // A panic while holding the lock cannot leave a half-written entry.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("keys", &self.keys())
            .finish()
    }
}

#[async_trait::async_trait]
impl TokenStore for MemoryTokenStore {
    async fn get(&self, key: &StoreKey) -> Result<Option<Secret>, AzureError> {
        Ok(self.entries().get(key).cloned())
    }

    async fn put(&self, key: &StoreKey, refresh_token: &Secret) -> Result<(), AzureError> {
        self.entries().insert(key.clone(), refresh_token.clone());
        Ok(())
    }

    async fn delete(&self, key: &StoreKey) -> Result<(), AzureError> {
        self.entries().remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_delete_and_never_print() {
        let store = MemoryTokenStore::new();
        let key = StoreKey::new("AzureCloud", "T-1", "Ada@Contoso.com");
        assert_eq!(key, StoreKey::new("AzureCloud", "t-1", "ada@contoso.com"));
        assert_eq!(key.account_name(), "AzureCloud/t-1/ada@contoso.com");
        assert!(store.get(&key).await.unwrap().is_none());
        store
            .put(&key, &Secret::new("refresh-secret-1"))
            .await
            .unwrap();
        store
            .put(&key, &Secret::new("refresh-secret-2"))
            .await
            .unwrap();
        assert_eq!(
            store.get(&key).await.unwrap().unwrap().secret(),
            "refresh-secret-2"
        );
        let printed = format!("{store:?}");
        assert!(!printed.contains("refresh-secret"), "{printed}");
        assert!(printed.contains("ada@contoso.com"), "{printed}");
        store.delete(&key).await.unwrap();
        store.delete(&key).await.unwrap();
        assert!(store.get(&key).await.unwrap().is_none());
    }
}
