//! Signing in as a person: browser (authorization code with PKCE), device code, and the
//! refresh-token credential that keeps such a sign-in working; also reusing the Azure CLI's
//! sign-in and a service principal with a certificate.
//!
//! azure_identity 1.x has no interactive credentials, so the OAuth 2.0 protocol comes from
//! the `oauth2` crate (PKCE, the authorization-code exchange, RFC 8628's device grant and
//! its polling, the refresh grant). Its requests go through keyblade's [`HttpTransport`]
//! (`http`), so the cloud's CAs, `*.localhost` resolution and the retry rule apply, and
//! they may go only to the cloud's authority host. Hand-written protocol code is limited to
//! what `oauth2` does not do: the loopback listener that receives the browser's redirect
//! ([`browser`]) and reading the account from the ID token's claims ([`claims`]).
//!
//! The flow, for the shell:
//!
//! 1. [`SignInClient::new`] with a [`PublicClientConfig`] (cloud, tenant, client ID).
//! 2. Either [`SignInClient::sign_in_with_browser`] (an [`Opener`] opens the system
//!    browser) or [`SignInClient::start_device_code`], show its [`DeviceCodeChallenge`],
//!    then [`DeviceCodeSignIn::finish`]. Both end in [`SignedIn`], or in a distinct error:
//!    [`AzureError::SignInCancelled`], [`AzureError::SignInExpired`],
//!    [`AzureError::SignInDeclined`], [`AzureError::StateMismatch`],
//!    [`AzureError::SignInRefused`], [`AzureError::BrowserNotOpened`].
//! 3. [`KeybladeCredential::interactive`](crate::KeybladeCredential::interactive) stores the
//!    refresh token in a [`TokenStore`] and returns the credential every client uses. The
//!    shell remembers the [`Account`] (no secret in it) and at the next start calls
//!    [`KeybladeCredential::remembered`](crate::KeybladeCredential::remembered).
//! 4. When the refresh token no longer works (expired, revoked, MFA now required), token
//!    requests fail with [`AzureError::InteractionRequired`]: sign in interactively again.
//! 5. Sign-out: [`sign_out`] (or [`RefreshingCredential::sign_out`]) deletes the store entry.

pub(crate) mod azure_cli;
pub mod browser;
mod cache;
mod certificate;
pub mod claims;
pub mod device_code;
pub(crate) mod http;
pub mod refreshing;
pub mod store;
pub mod tenants;

use std::sync::Arc;

use azure_core::credentials::AccessToken;
use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthUrl, ClientId, DeviceAuthorizationUrl, EndpointNotSet, EndpointSet, ExtraTokenFields,
    StandardRevocableToken, StandardTokenResponse, TokenResponse as _, TokenUrl,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use crate::cloud::CloudSettings;
use crate::error::AzureError;
use crate::transport::HttpTransport;

pub use azure_cli::{AzureCliOptions, NoConsoleExecutor};
/// The secret type a [`TokenStore`] holds (azure_core's, which never prints its value).
pub use azure_core::credentials::Secret;
pub use browser::{BrowserSignInSettings, Opener};
pub use certificate::ClientCertificate;
pub use device_code::{DeviceCodeChallenge, DeviceCodeSignIn};
pub use refreshing::{RefreshSettings, RefreshingCredential};
pub use store::{MemoryTokenStore, StoreKey, TokenStore};
pub use tenants::{TenantAccess, check_tenant_access};

/// The Azure CLI's application (client) ID, keyblade's default public client.
///
/// It is a Microsoft first-party public client that every Entra ID tenant already trusts:
/// signing in with it needs no app registration and no admin consent in the user's tenant,
/// and Resource Manager and Key Vault accept its delegated tokens. (Azure PowerShell and
/// azure-identity's interactive credentials use first-party IDs the same way.) An
/// organisation that blocks it, or wants its own Conditional Access policy for keyblade,
/// registers a public client of its own and sets [`PublicClientConfig::with_client_id`].
pub const AZURE_CLI_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// The tenant alias for "any work or school account": the user's home tenant is learned
/// from the sign-in.
pub const ORGANIZATIONS: &str = "organizations";

/// Who signs in where: the cloud (its authority host), the tenant, and the public client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicClientConfig {
    cloud: Arc<CloudSettings>,
    tenant: String,
    client_id: String,
}

impl PublicClientConfig {
    /// Any work or school account of `cloud` ([`ORGANIZATIONS`]) with the Azure CLI's
    /// client ID ([`AZURE_CLI_CLIENT_ID`]).
    pub fn new(cloud: Arc<CloudSettings>) -> PublicClientConfig {
        PublicClientConfig {
            cloud,
            tenant: ORGANIZATIONS.to_owned(),
            client_id: AZURE_CLI_CLIENT_ID.to_owned(),
        }
    }

    /// Signs in to one tenant: its ID (a GUID), a verified domain, or `organizations`.
    pub fn with_tenant(self, tenant: &str) -> Result<PublicClientConfig, AzureError> {
        Ok(PublicClientConfig {
            tenant: checked_tenant(tenant)?,
            ..self
        })
    }

    /// Uses another public client (an app registration of the organisation's own, with
    /// "Allow public client flows" on and `http://localhost` as a redirect URI).
    pub fn with_client_id(self, client_id: &str) -> Result<PublicClientConfig, AzureError> {
        let client_id = client_id.trim();
        if uuid::Uuid::parse_str(client_id).is_err() {
            return Err(AzureError::InvalidInput {
                what: format!("The client ID `{client_id}`"),
                reason: "an application (client) ID is a GUID, as the app registration's \
                         Overview shows it"
                    .to_owned(),
            });
        }
        Ok(PublicClientConfig {
            client_id: client_id.to_ascii_lowercase(),
            ..self
        })
    }

    /// The cloud to sign in to.
    pub fn cloud(&self) -> &Arc<CloudSettings> {
        &self.cloud
    }

    /// The tenant to sign in to: a tenant ID, a domain or `organizations`.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The public client's application (client) ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// What an interactive sign-in asks for: a Resource Manager token, a refresh token
    /// (`offline_access`) from which Key Vault tokens are obtained later for the vault's own
    /// audience (Entra issues one resource per token), and an ID token naming the account.
    pub fn sign_in_scopes(&self) -> Vec<String> {
        vec![
            self.cloud.arm_scope(),
            "offline_access".to_owned(),
            "openid".to_owned(),
            "profile".to_owned(),
        ]
    }

    /// `{authority}/{tenant}/oauth2/v2.0/{endpoint}`.
    fn endpoint(&self, tenant: &str, endpoint: &str) -> Result<Url, AzureError> {
        self.cloud
            .authority_host()
            .join(&format!("{tenant}/oauth2/v2.0/{endpoint}"))
            .map_err(|error| AzureError::InvalidInput {
                what: format!("The tenant `{tenant}`"),
                reason: format!("it does not make a sign-in URL ({error})"),
            })
    }
}

/// A tenant as it goes into an authority URL: a directory (tenant) ID, a verified domain,
/// or `organizations`; lower-cased. Anything else could change the URL's path.
pub(crate) fn checked_tenant(tenant: &str) -> Result<String, AzureError> {
    let tenant = tenant.trim();
    let valid = !tenant.is_empty()
        && tenant.len() <= 256
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && !tenant.eq_ignore_ascii_case("consumers");
    if !valid {
        return Err(AzureError::InvalidInput {
            what: format!("The tenant `{tenant}`"),
            reason: "a tenant is a directory (tenant) ID such as \
                     72f988bf-86f1-41af-91ab-2d7cd011db47, a domain such as \
                     contoso.onmicrosoft.com, or `organizations` for any work or school \
                     account"
                .to_owned(),
        });
    }
    Ok(tenant.to_ascii_lowercase())
}

/// The extra members of Entra ID's token response that keyblade reads.
#[derive(Clone, Default, Deserialize, Serialize)]
pub(crate) struct EntraTokenFields {
    /// The OpenID Connect ID token: who signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl ExtraTokenFields for EntraTokenFields {}

/// The ID token names a person; it is not printed.
impl std::fmt::Debug for EntraTokenFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntraTokenFields")
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Entra ID's token response, as `oauth2` reads it.
pub(crate) type EntraTokenResponse = StandardTokenResponse<EntraTokenFields, BasicTokenType>;

/// The `oauth2` client for Entra ID: authorize, token and device-authorization endpoints.
pub(crate) type EntraClient = oauth2::Client<
    http::EntraErrorResponse,
    EntraTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Signs people in to one cloud and tenant with one public client. Cheap to clone.
#[derive(Clone)]
pub struct SignInClient {
    config: PublicClientConfig,
    http: http::EntraHttp,
}

impl std::fmt::Debug for SignInClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SignInClient {
    /// A client whose requests go through `transport`, and only to the authority host of
    /// `config`'s cloud.
    pub fn new(config: PublicClientConfig, transport: &HttpTransport) -> SignInClient {
        SignInClient {
            http: http::EntraHttp::new(transport.clone(), config.cloud.clone()),
            config,
        }
    }

    /// The cloud, tenant and public client this client signs in with.
    pub fn config(&self) -> &PublicClientConfig {
        &self.config
    }

    pub(crate) fn http(&self) -> &http::EntraHttp {
        &self.http
    }

    /// The `oauth2` client for `tenant` (the configured one to sign in, the account's home
    /// tenant to refresh).
    pub(crate) fn oauth(&self, tenant: &str) -> Result<EntraClient, AzureError> {
        let url = |endpoint: &str| self.config.endpoint(tenant, endpoint);
        Ok(
            oauth2::Client::new(ClientId::new(self.config.client_id.clone()))
                .set_auth_uri(AuthUrl::from_url(url("authorize")?))
                .set_token_uri(TokenUrl::from_url(url("token")?))
                .set_device_authorization_url(DeviceAuthorizationUrl::from_url(url("devicecode")?))
                // A public client has no secret; its ID goes in the form.
                .set_auth_type(oauth2::AuthType::RequestBody),
        )
    }

    /// Starts a device-code sign-in: show [`DeviceCodeSignIn::challenge`] to the user, then
    /// call [`DeviceCodeSignIn::finish`].
    pub async fn start_device_code(&self) -> Result<DeviceCodeSignIn, AzureError> {
        DeviceCodeSignIn::start(self).await
    }

    /// Signs in in the system browser: see [`browser`].
    pub async fn sign_in_with_browser(
        &self,
        opener: &dyn Opener,
        settings: &BrowserSignInSettings,
        cancel: &CancelSignIn,
    ) -> Result<SignedIn, AzureError> {
        browser::sign_in(self, opener, settings, cancel).await
    }

    /// The [`SignedIn`] of a token response to an interactive sign-in.
    pub(crate) fn signed_in(
        &self,
        response: &EntraTokenResponse,
        method: InteractiveMethod,
    ) -> Result<SignedIn, AzureError> {
        let refresh_token = response
            .refresh_token()
            .map(|token| Secret::new(token.secret().clone()))
            .ok_or_else(|| AzureError::InvalidResponse {
                what: "a sign-in answer".to_owned(),
                reason: "it has no refresh token, although keyblade asked for offline_access"
                    .to_owned(),
            })?;
        let access_token = access_token_of(response);
        let found = response
            .extra_fields()
            .id_token
            .as_deref()
            .and_then(claims::AccountClaims::from_jwt)
            .or_else(|| claims::AccountClaims::from_jwt(access_token.token.secret()))
            .ok_or_else(|| AzureError::InvalidResponse {
                what: "a sign-in answer".to_owned(),
                reason: "neither its ID token nor its access token names the account (no \
                         preferred_username, upn, tid and oid claims)"
                    .to_owned(),
            })?;
        Ok(SignedIn {
            account: Account {
                username: found.username,
                tenant_id: found.tenant_id,
                object_id: found.object_id,
                display_name: found.display_name,
                cloud: self.config.cloud.name().to_owned(),
                client_id: self.config.client_id.clone(),
                method,
            },
            refresh_token,
            arm_scope: self.config.cloud.arm_scope(),
            access_token,
        })
    }
}

/// An access token from a token response, expiring `expires_in` from now.
pub(crate) fn access_token_of(response: &EntraTokenResponse) -> AccessToken {
    // Entra always sends `expires_in`; without it the token is treated as already due for
    // renewal, so it is used once and then replaced rather than trusted for too long.
    let lifetime = response
        .expires_in()
        .and_then(|duration| time::Duration::try_from(duration).ok())
        .unwrap_or(time::Duration::ZERO);
    AccessToken::new(
        Secret::new(response.access_token().secret().clone()),
        OffsetDateTime::now_utc() + lifetime,
    )
}

/// How a person signed in interactively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InteractiveMethod {
    /// In the system browser (authorization code with PKCE).
    Browser,
    /// With a code entered on another device (RFC 8628).
    DeviceCode,
}

/// A signed-in person, without any secret: what the shell remembers between runs to offer
/// and restore the sign-in, and what names its [`TokenStore`] entry ([`Account::store_key`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The sign-in name (`preferred_username` / `upn`), e.g. `ada@contoso.com`.
    pub username: String,
    /// The account's home tenant (the ID token's `tid`).
    pub tenant_id: String,
    /// The user's object ID in that tenant (`oid`).
    pub object_id: String,
    /// The person's name (`name`), for display, when Entra ID sent it.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The cloud's name ([`CloudSettings::name`]).
    pub cloud: String,
    /// The public client it signed in with (its refresh token works only for it).
    pub client_id: String,
    /// How the person signed in.
    pub method: InteractiveMethod,
}

impl Account {
    /// The [`TokenStore`] entry holding this account's refresh token.
    pub fn store_key(&self) -> StoreKey {
        StoreKey::new(&self.cloud, &self.tenant_id, &self.username)
    }
}

/// The result of an interactive sign-in: who, a Resource Manager token, and the refresh
/// token to keep (which [`KeybladeCredential::interactive`](crate::KeybladeCredential::interactive)
/// puts in the [`TokenStore`]). Its `Debug` prints only the account.
pub struct SignedIn {
    /// Who signed in.
    pub account: Account,
    refresh_token: Secret,
    arm_scope: String,
    access_token: AccessToken,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl SignedIn {
    pub(crate) fn into_parts(self) -> (Account, Secret, String, AccessToken) {
        (
            self.account,
            self.refresh_token,
            self.arm_scope,
            self.access_token,
        )
    }
}

/// Deletes the account's refresh token from the store: keyblade no longer signs in as it.
/// Credentials already built keep their access tokens until those expire (at most about an
/// hour); the shell drops its session on sign-out.
pub async fn sign_out(store: &dyn TokenStore, account: &Account) -> Result<(), AzureError> {
    store.delete(&account.store_key()).await
}

/// Cancels a running sign-in (the user closed the dialog). Cheap to clone.
pub type CancelSignIn = crate::cancel::Cancel;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_and_client_ids_are_checked() {
        let config = PublicClientConfig::new(Arc::new(CloudSettings::azure_cloud()));
        assert_eq!(config.tenant(), ORGANIZATIONS);
        assert_eq!(config.client_id(), AZURE_CLI_CLIENT_ID);
        for good in [
            "72F988BF-86f1-41af-91ab-2d7cd011db47",
            "contoso.onmicrosoft.com",
            "organizations",
        ] {
            assert!(config.clone().with_tenant(good).is_ok(), "{good}");
        }
        for bad in ["", "a/b", "x?y", "consumers", "t#1"] {
            let error = config.clone().with_tenant(bad).unwrap_err();
            assert_eq!(error.code(), "azure.invalidInput", "{bad}");
        }
        assert!(config.clone().with_client_id("not-a-guid").is_err());
        assert_eq!(
            config
                .with_client_id(" 04B07795-8DDB-461A-BBEE-02F9E1BF7B46 ")
                .unwrap()
                .client_id(),
            AZURE_CLI_CLIENT_ID
        );
    }

    #[test]
    fn sign_in_asks_for_resource_manager_and_a_refresh_token() {
        let config = PublicClientConfig::new(Arc::new(CloudSettings::azure_us_government()));
        assert_eq!(
            config.sign_in_scopes(),
            [
                "https://management.core.usgovcloudapi.net//.default",
                "offline_access",
                "openid",
                "profile"
            ]
        );
        assert_eq!(
            config.endpoint("organizations", "token").unwrap().as_str(),
            "https://login.microsoftonline.us/organizations/oauth2/v2.0/token"
        );
    }

    /// The shell's Tauri commands await these directly, so they must be `Send`.
    #[test]
    fn sign_in_futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let check = |client: &SignInClient,
                     flow: &DeviceCodeSignIn,
                     opener: &dyn Opener,
                     credential: &RefreshingCredential| {
            let cancel = CancelSignIn::new();
            assert_send(&client.start_device_code());
            assert_send(&flow.finish(&cancel));
            assert_send(&client.sign_in_with_browser(
                opener,
                &BrowserSignInSettings::default(),
                &cancel,
            ));
            assert_send(&credential.token(&[]));
            assert_send(&credential.sign_out());
        };
        let _ = check;
    }

    #[tokio::test]
    async fn cancel_wakes_a_waiter() {
        let cancel = CancelSignIn::new();
        let waiter = tokio::spawn({
            let cancel = cancel.clone();
            async move { cancel.cancelled().await }
        });
        cancel.cancel();
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();
        assert!(cancel.is_cancelled());
    }
}
