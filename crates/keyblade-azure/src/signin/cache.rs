//! Access tokens kept in memory per scope, handed out until shortly before they expire.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use azure_core::credentials::AccessToken;
use time::OffsetDateTime;

/// Access tokens by the scopes they were asked for. Never persisted, never printed.
#[derive(Default)]
pub(crate) struct TokenCache(Mutex<HashMap<String, AccessToken>>);

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("scopes", &self.entries().keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The cache key of a token request: Entra answers one resource per request, and the SDKs
/// ask with the same scope list every time, so the joined list is enough.
pub(crate) fn cache_key(scopes: &[&str]) -> String {
    scopes.join(" ")
}

impl TokenCache {
    /// The token for `key`, unless it expires within `skew`: such a token could expire
    /// between here and the service checking it, so it is renewed instead.
    pub(crate) fn fresh(&self, key: &str, skew: Duration) -> Option<AccessToken> {
        let now = OffsetDateTime::now_utc();
        self.entries()
            .get(key)
            .filter(|token| token.expires_on - skew > now)
            .cloned()
    }

    pub(crate) fn put(&self, key: String, token: AccessToken) {
        self.entries().insert(key, token);
    }

    pub(crate) fn clear(&self) {
        self.entries().clear();
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, AccessToken>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_near_expiry_are_not_handed_out() {
        let cache = TokenCache::default();
        let in_minutes = |minutes: i64| {
            AccessToken::new(
                "t",
                OffsetDateTime::now_utc() + time::Duration::minutes(minutes),
            )
        };
        cache.put("a".into(), in_minutes(60));
        cache.put("b".into(), in_minutes(4));
        let skew = Duration::from_secs(300);
        assert!(cache.fresh("a", skew).is_some());
        assert!(cache.fresh("b", skew).is_none(), "expires within the skew");
        assert!(cache.fresh("b", Duration::ZERO).is_some());
        assert!(cache.fresh("c", skew).is_none());
        assert!(!format!("{cache:?}").contains("\"t\""));
        cache.clear();
        assert!(cache.fresh("a", skew).is_none());
    }
}
