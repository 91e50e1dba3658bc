//! The credential of a person who signed in: access tokens from the refresh token.
//!
//! [`RefreshingCredential`] is an azure_core 1.x `TokenCredential`, so every keyblade client
//! works with it unchanged (through [`KeybladeCredential`](crate::KeybladeCredential)). It
//! keeps access tokens in memory per scope and hands each out until [`RefreshSettings::skew`]
//! before it expires; then, or for a scope it has no token for (Key Vault's audience after
//! a Resource Manager sign-in), it redeems the refresh token from the [`TokenStore`] at the
//! account's home tenant. Entra ID may rotate the refresh token in that answer: the new one
//! is stored back. A refresh token that no longer works (expired, revoked, or the tenant now
//! requires MFA) becomes [`AzureError::InteractionRequired`]: the app signs the person in
//! interactively again.
//!
//! Refreshes run one at a time, so concurrent requests for a new scope redeem the refresh
//! token once and never race a rotation.
//!
//! A person may belong to several tenants (home and guest). [`RefreshingCredential::for_tenant`]
//! is the same sign-in for another of them: the same stored refresh token, redeemed at that
//! tenant's authority (Entra ID's multi-resource refresh token, as MSAL uses it), with an
//! access-token cache of its own, since a token's tenant is not part of its scope. The
//! store entry stays the home account's, and both credentials take turns refreshing, so a
//! rotation by one is what the other reads next.

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use oauth2::{RefreshToken, Scope, TokenResponse as _};

use super::cache::{TokenCache, cache_key};
use super::http::{EntraErrorResponse, request_failure};
use super::store::TokenStore;
use super::{Account, SignInClient, SignedIn, access_token_of};
use crate::error::AzureError;
use crate::transport::core_error;

/// When tokens are renewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshSettings {
    /// An access token is renewed when it expires within this long, so it cannot expire
    /// between keyblade sending it and the service checking it (clocks differ, requests
    /// queue, retries wait). Five minutes, as the Azure SDKs use.
    pub skew: Duration,
}

impl Default for RefreshSettings {
    fn default() -> Self {
        RefreshSettings {
            skew: Duration::from_secs(5 * 60),
        }
    }
}

/// A person's sign-in, as an azure_core 1.x credential. See the [module docs](self).
pub struct RefreshingCredential {
    client: SignInClient,
    account: Account,
    /// The tenant tokens are asked for: the account's home tenant, or another one the
    /// person belongs to ([`Self::for_tenant`]).
    tenant_id: String,
    store: Arc<dyn TokenStore>,
    settings: RefreshSettings,
    cache: TokenCache,
    /// Shared by every tenant's credential of the account: they redeem one stored token.
    refreshing: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for RefreshingCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshingCredential")
            .field("account", &self.account.username)
            .field("tenant_id", &self.tenant_id)
            .field("cloud", &self.account.cloud)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl RefreshingCredential {
    /// The credential of an account signed in earlier, whose refresh token is in `store`
    /// (at [`Account::store_key`]). Nothing is sent until a token is asked for.
    ///
    /// The account must be of `client`'s cloud and public client: a refresh token works only
    /// for the client it was issued to.
    pub fn new(
        client: SignInClient,
        account: Account,
        store: Arc<dyn TokenStore>,
        settings: RefreshSettings,
    ) -> Result<RefreshingCredential, AzureError> {
        let config = client.config();
        if account.cloud != config.cloud().name() {
            return Err(AzureError::InvalidInput {
                what: format!("The sign-in of {}", account.username),
                reason: format!(
                    "it is for the cloud \"{}\", and keyblade is connected to \"{}\"; connect \
                     to that cloud or sign in again",
                    account.cloud,
                    config.cloud().name()
                ),
            });
        }
        if !account.client_id.eq_ignore_ascii_case(config.client_id()) {
            return Err(AzureError::InvalidInput {
                what: format!("The sign-in of {}", account.username),
                reason: format!(
                    "it was made with the client ID {}, and keyblade now uses {}; sign in again",
                    account.client_id,
                    config.client_id()
                ),
            });
        }
        Ok(RefreshingCredential {
            client,
            tenant_id: account.tenant_id.to_ascii_lowercase(),
            account,
            store,
            settings,
            cache: TokenCache::default(),
            refreshing: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// The credential of a sign-in that just completed: stores its refresh token in `store`
    /// and keeps its Resource Manager token, so the first call sends nothing to Entra ID.
    pub async fn signed_in(
        client: SignInClient,
        signed_in: SignedIn,
        store: Arc<dyn TokenStore>,
        settings: RefreshSettings,
    ) -> Result<RefreshingCredential, AzureError> {
        let (account, refresh_token, arm_scope, access_token) = signed_in.into_parts();
        store.put(&account.store_key(), &refresh_token).await?;
        let credential = RefreshingCredential::new(client, account, store, settings)?;
        credential
            .cache
            .put(cache_key(&[arm_scope.as_str()]), access_token);
        Ok(credential)
    }

    /// The account whose refresh token this uses.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The tenant this credential's tokens are for: [`Account::tenant_id`] (the home
    /// tenant), unless made by [`Self::for_tenant`].
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The same sign-in, with tokens for `tenant_id` (a directory ID or verified domain of
    /// a tenant the person belongs to, e.g. as a guest). Sends nothing yet: a tenant that
    /// does not accept the person, or wants MFA first, says so at the first token request
    /// (see [`crate::signin::tenants::check_tenant_access`]).
    pub fn for_tenant(&self, tenant_id: &str) -> Result<RefreshingCredential, AzureError> {
        let tenant_id = super::checked_tenant(tenant_id)?;
        if tenant_id == super::ORGANIZATIONS {
            return Err(AzureError::InvalidInput {
                what: "The tenant `organizations`".to_owned(),
                reason: "switching needs one tenant: its directory (tenant) ID or a domain \
                         such as contoso.onmicrosoft.com"
                    .to_owned(),
            });
        }
        Ok(RefreshingCredential {
            client: self.client.clone(),
            account: self.account.clone(),
            tenant_id,
            store: self.store.clone(),
            settings: self.settings.clone(),
            cache: TokenCache::default(),
            refreshing: self.refreshing.clone(),
        })
    }

    /// A token for `scopes` (one resource, e.g. `https://vault.azure.net/.default`).
    pub async fn token(&self, scopes: &[&str]) -> Result<AccessToken, AzureError> {
        let key = cache_key(scopes);
        if let Some(token) = self.cache.fresh(&key, self.settings.skew) {
            return Ok(token);
        }
        let _one_at_a_time = self.refreshing.lock().await;
        // Another caller may have renewed it while this one waited.
        if let Some(token) = self.cache.fresh(&key, self.settings.skew) {
            return Ok(token);
        }
        let token = self.refresh(scopes).await?;
        self.cache.put(key, token.clone());
        Ok(token)
    }

    /// Forgets the sign-in: deletes the refresh token from the store and the access tokens
    /// from memory. Every later token request is [`AzureError::InteractionRequired`].
    pub async fn sign_out(&self) -> Result<(), AzureError> {
        let _one_at_a_time = self.refreshing.lock().await;
        self.cache.clear();
        self.store.delete(&self.account.store_key()).await
    }

    async fn refresh(&self, scopes: &[&str]) -> Result<AccessToken, AzureError> {
        let key = self.account.store_key();
        let stored = self.store.get(&key).await?.ok_or_else(|| {
            self.interaction_required(
                "keyblade has no sign-in stored for this account (it was signed out, or the \
                 credential store was cleared)"
                    .to_owned(),
            )
        })?;
        // A tenant, not `organizations`: the home tenant, to which the refresh token
        // belongs, or one the person is a guest of (the same token works there).
        let oauth = self.client.oauth(&self.tenant_id)?;
        let refresh_token = RefreshToken::new(stored.secret().to_owned());
        let response = oauth
            .exchange_refresh_token(&refresh_token)
            .add_scopes(scopes.iter().map(|scope| Scope::new((*scope).to_owned())))
            .add_scope(Scope::new("offline_access".to_owned()))
            .request_async(self.client.http())
            .await
            .map_err(|error| request_failure(error, |refusal| self.refused(refusal)))?;
        if let Some(rotated) = response.refresh_token()
            && rotated.secret() != stored.secret()
        {
            self.store
                .put(&key, &Secret::new(rotated.secret().clone()))
                .await?;
        }
        Ok(access_token_of(&response))
    }

    fn refused(&self, refusal: EntraErrorResponse) -> AzureError {
        let aadsts = refusal.aadsts();
        let needs_person = matches!(
            refusal.error.as_str(),
            "invalid_grant" | "interaction_required" | "login_required" | "consent_required"
        );
        // Not being in the tenant (or it not existing) is not fixed by signing in again:
        // Entra answers `invalid_grant` for it too, so it is told apart by its number.
        let not_in_tenant = matches!(aadsts, Some(50_020 | 50_177 | 90_072 | 90_002));
        if !needs_person || not_in_tenant {
            return super::http::sign_in_refused(refusal);
        }
        let why = match aadsts {
            Some(50_076 | 50_079) => {
                "your organization now requires multifactor authentication".to_owned()
            }
            Some(53_000 | 53_001 | 53_003 | 50_158) => {
                "a Conditional Access policy asks for something only an interactive sign-in \
                 can give (a compliant device, or an extra verification)"
                    .to_owned()
            }
            _ if refusal.suberror.as_deref() == Some("basic_action") => {
                "a Conditional Access policy asks you to sign in interactively".to_owned()
            }
            Some(50_173 | 50_133) => {
                "the sign-in was revoked (a password change, or an administrator ended your \
                 sessions)"
                    .to_owned()
            }
            Some(70_008 | 700_082 | 70_043 | 700_084) => "the sign-in has expired".to_owned(),
            Some(65_001) => "consent is needed for keyblade's access".to_owned(),
            _ => format!(
                "Entra ID no longer accepts the stored sign-in ({})",
                refusal.short_description()
            ),
        };
        let code = aadsts
            .map(|code| format!(" (AADSTS{code})"))
            .unwrap_or_default();
        self.interaction_required(format!("{why}{code}"))
    }

    fn interaction_required(&self, reason: String) -> AzureError {
        AzureError::InteractionRequired {
            account: self.account.username.clone(),
            reason,
        }
    }
}

#[async_trait::async_trait]
impl TokenCredential for RefreshingCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.token(scopes).await.map_err(core_error)
    }
}
