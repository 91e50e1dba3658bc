//! Who keyblade is signed in as, and the cloud it signs in to.
//!
//! [`KeybladeCredential`] is the seam between sign-in methods and the clients. It is one of:
//! - a service principal with a client secret (`azure_identity`'s `ClientSecretCredential`,
//!   used for the sandbox's demo tenant and for automation),
//! - a person signed in with the browser or a device code ([`KeybladeCredential::interactive`],
//!   [`KeybladeCredential::remembered`]: a [`RefreshingCredential`] over a refresh token),
//! - the Azure CLI's sign-in ([`KeybladeCredential::azure_cli`]),
//! - a service principal with a certificate ([`KeybladeCredential::client_certificate`]).
//!
//! Each is an azure_core 1.x `TokenCredential`; nothing else changes between them, because
//! every client only sees [`KeybladeCredential::core`] or [`KeybladeCredential::legacy`].
//!
//! Tokens are never logged: both azure_core generations' `Secret` types redact themselves,
//! and this module's `Debug` impls print only who is signed in.

use std::sync::Arc;

use azure_core::credentials::{AccessToken, Secret, TokenCredential};
use url::Url;

use crate::cloud::CloudSettings;
use crate::error::{AzureError, Carried};
use crate::signin::claims::AccountClaims;
use crate::signin::{
    Account, AzureCliOptions, ClientCertificate, InteractiveMethod, RefreshSettings,
    RefreshingCredential, SignInClient, SignedIn, TokenStore,
};
use crate::transport::{HttpSettings, HttpTransport, WireRequest};

/// How the user signed in; says who, never with what secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[non_exhaustive]
pub enum SignInMethod {
    /// A service principal with a client secret.
    #[serde(rename_all = "camelCase")]
    ClientSecret {
        /// The tenant signed in to.
        tenant_id: String,
        /// The service principal's application (client) ID.
        client_id: String,
    },
    /// A person who signed in in the browser; `account` is the sign-in name
    /// (`preferred_username` of the ID token), `tenant_id` the tenant tokens are for.
    #[serde(rename_all = "camelCase")]
    Browser {
        /// The tenant signed in to, or switched to ([`KeybladeCredential::for_tenant`]).
        tenant_id: String,
        /// The sign-in name.
        account: String,
    },
    /// A person who signed in with a device code.
    #[serde(rename_all = "camelCase")]
    DeviceCode {
        /// The tenant signed in to, or switched to ([`KeybladeCredential::for_tenant`]).
        tenant_id: String,
        /// The sign-in name (`preferred_username` of the ID token).
        account: String,
    },
    /// Whoever the Azure CLI is signed in as (read from its token's claims).
    #[serde(rename_all = "camelCase")]
    AzureCli {
        /// The tenant of the CLI's token.
        tenant_id: String,
        /// The sign-in name from the token's claims.
        account: String,
    },
    /// A service principal with a certificate.
    #[serde(rename_all = "camelCase")]
    ClientCertificate {
        /// The tenant signed in to.
        tenant_id: String,
        /// The service principal's application (client) ID.
        client_id: String,
    },
}

/// A signed-in identity, usable by every keyblade client. Cheap to clone.
#[derive(Clone)]
pub struct KeybladeCredential {
    inner: Arc<dyn TokenCredential>,
    method: SignInMethod,
    cloud: Arc<CloudSettings>,
    /// The person's sign-in, for [`Self::account`], [`Self::sign_out`] and
    /// [`Self::for_tenant`].
    person: Option<Arc<RefreshingCredential>>,
    /// How the Azure CLI is asked for tokens, for [`Self::for_tenant`].
    cli: Option<AzureCliOptions>,
}

impl std::fmt::Debug for KeybladeCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeybladeCredential")
            .field("method", &self.method)
            .field("cloud", &self.cloud.name())
            .finish_non_exhaustive()
    }
}

impl KeybladeCredential {
    /// A service principal signing in with a client secret at the cloud's authority host,
    /// through keyblade's transport.
    pub fn client_secret(
        cloud: Arc<CloudSettings>,
        transport: &HttpTransport,
        tenant_id: &str,
        client_id: &str,
        client_secret: String,
    ) -> Result<KeybladeCredential, AzureError> {
        let mut custom = azure_core::cloud::CustomConfiguration::default();
        custom.authority_host = cloud.authority_host().as_str().to_owned();
        let mut client_options = transport.core_options();
        client_options.cloud = Some(Arc::new(custom.into()));
        let credential = azure_identity::ClientSecretCredential::new(
            tenant_id,
            client_id.to_owned(),
            Secret::new(client_secret),
            Some(azure_identity::ClientSecretCredentialOptions { client_options }),
        )
        .map_err(|error| AzureError::InvalidInput {
            what: "The service principal sign-in".to_owned(),
            reason: AzureError::from_core(error).to_string(),
        })?;
        Ok(KeybladeCredential {
            inner: credential,
            method: SignInMethod::ClientSecret {
                tenant_id: tenant_id.to_owned(),
                client_id: client_id.to_owned(),
            },
            cloud,
            person: None,
            cli: None,
        })
    }

    /// A person who just signed in ([`SignInClient::sign_in_with_browser`] or
    /// [`DeviceCodeSignIn::finish`](crate::signin::DeviceCodeSignIn::finish)): keeps the
    /// refresh token in `store` and gets tokens from it, for Resource Manager and any Key
    /// Vault. The shell remembers [`SignedIn::account`] for [`Self::remembered`].
    pub async fn interactive(
        client: &SignInClient,
        signed_in: SignedIn,
        store: Arc<dyn TokenStore>,
    ) -> Result<KeybladeCredential, AzureError> {
        let credential = RefreshingCredential::signed_in(
            client.clone(),
            signed_in,
            store,
            RefreshSettings::default(),
        )
        .await?;
        Ok(KeybladeCredential::from_refreshing(
            client.config().cloud().clone(),
            Arc::new(credential),
        ))
    }

    /// A person who signed in in an earlier run, whose refresh token is in `store`. Sends
    /// nothing yet; if the stored sign-in no longer works, the first call fails with
    /// [`AzureError::InteractionRequired`].
    pub fn remembered(
        client: &SignInClient,
        account: Account,
        store: Arc<dyn TokenStore>,
    ) -> Result<KeybladeCredential, AzureError> {
        let credential =
            RefreshingCredential::new(client.clone(), account, store, RefreshSettings::default())?;
        Ok(KeybladeCredential::from_refreshing(
            client.config().cloud().clone(),
            Arc::new(credential),
        ))
    }

    /// Wraps a [`RefreshingCredential`] (one built with other [`RefreshSettings`]).
    pub fn from_refreshing(
        cloud: Arc<CloudSettings>,
        credential: Arc<RefreshingCredential>,
    ) -> KeybladeCredential {
        let account = credential.account();
        let (tenant_id, username) = (credential.tenant_id().to_owned(), account.username.clone());
        let method = match account.method {
            InteractiveMethod::Browser => SignInMethod::Browser {
                tenant_id,
                account: username,
            },
            InteractiveMethod::DeviceCode => SignInMethod::DeviceCode {
                tenant_id,
                account: username,
            },
        };
        KeybladeCredential {
            inner: credential.clone(),
            method,
            cloud,
            person: Some(credential),
            cli: None,
        }
    }

    /// Whoever the Azure CLI (`az`) is signed in as. Gets a Resource Manager token at once,
    /// so a missing CLI ([`AzureError::AzureCliNotFound`]) or sign-in
    /// ([`AzureError::AzureCliNotLoggedIn`]) shows up here, and the account is known.
    ///
    /// The CLI must be signed in to the same cloud (`az cloud set`). Its tokens come from
    /// `az`, not from keyblade's transport.
    pub async fn azure_cli(
        cloud: Arc<CloudSettings>,
        options: AzureCliOptions,
    ) -> Result<KeybladeCredential, AzureError> {
        let credential = crate::signin::azure_cli::CliCredential::new(&options)?;
        let arm_scope = cloud.arm_scope();
        let token = credential.token(&[arm_scope.as_str()]).await?;
        let claims = AccountClaims::from_jwt(token.token.secret()).ok_or_else(|| {
            AzureError::InvalidResponse {
                what: "the Azure CLI's token".to_owned(),
                reason: "it names no account (no upn, tid and oid claims)".to_owned(),
            }
        })?;
        Ok(KeybladeCredential {
            inner: Arc::new(credential),
            method: SignInMethod::AzureCli {
                tenant_id: claims.tenant_id,
                account: claims.username,
            },
            cloud,
            person: None,
            cli: Some(options),
        })
    }

    /// A service principal signing in with a certificate, at the cloud's authority host and
    /// through keyblade's transport. See [`ClientCertificate`].
    pub fn client_certificate(
        cloud: Arc<CloudSettings>,
        transport: &HttpTransport,
        tenant_id: &str,
        client_id: &str,
        certificate: ClientCertificate,
    ) -> Result<KeybladeCredential, AzureError> {
        let inner = certificate.credential(&cloud, transport, tenant_id, client_id)?;
        Ok(KeybladeCredential {
            inner,
            method: SignInMethod::ClientCertificate {
                tenant_id: tenant_id.to_owned(),
                client_id: client_id.to_owned(),
            },
            cloud,
            person: None,
            cli: None,
        })
    }

    /// The person signed in (browser or device code), if it is one.
    pub fn account(&self) -> Option<&Account> {
        self.person.as_deref().map(RefreshingCredential::account)
    }

    /// The same sign-in, with tokens for another tenant the signed-in identity belongs to
    /// (a person's guest tenant, say, from [`crate::arm::Arm::list_tenants`]). Sends nothing
    /// yet; [`crate::signin::check_tenant_access`] says whether the tenant lets them in.
    ///
    /// - A person (browser or device code): the stored refresh token, redeemed at that
    ///   tenant's authority (see [`RefreshingCredential::for_tenant`]). [`Self::account`]
    ///   still names the person, and the sign-in stays stored under the home account.
    /// - The Azure CLI: `az account get-access-token --tenant`.
    /// - A service principal signs in to the one tenant it is registered in:
    ///   [`AzureError::TenantSwitchUnsupported`].
    ///
    /// The tenant signed in to already is this same credential, whatever the method.
    pub fn for_tenant(&self, tenant_id: &str) -> Result<KeybladeCredential, AzureError> {
        if tenant_id.trim().eq_ignore_ascii_case(self.tenant_id()) {
            return Ok(self.clone());
        }
        if let Some(person) = &self.person {
            return Ok(KeybladeCredential::from_refreshing(
                self.cloud.clone(),
                Arc::new(person.for_tenant(tenant_id)?),
            ));
        }
        let unsupported = |method: &str| AzureError::TenantSwitchUnsupported {
            method: method.to_owned(),
            home_tenant_id: self.tenant_id().to_owned(),
            tenant_id: tenant_id.to_owned(),
        };
        match (&self.method, &self.cli) {
            (SignInMethod::AzureCli { account, .. }, Some(options)) => {
                let tenant_id = crate::signin::checked_tenant(tenant_id)?;
                let options = AzureCliOptions {
                    tenant_id: Some(tenant_id.clone()),
                    ..options.clone()
                };
                let credential = crate::signin::azure_cli::CliCredential::new(&options)?;
                Ok(KeybladeCredential {
                    inner: Arc::new(credential),
                    method: SignInMethod::AzureCli {
                        tenant_id,
                        account: account.clone(),
                    },
                    cloud: self.cloud.clone(),
                    person: None,
                    cli: Some(options),
                })
            }
            (SignInMethod::ClientSecret { .. }, _) => {
                Err(unsupported("a service principal with a client secret"))
            }
            (SignInMethod::ClientCertificate { .. }, _) => {
                Err(unsupported("a service principal with a certificate"))
            }
            // A credential wrapped by `from_token_credential` brings no way to ask another
            // tenant.
            _ => Err(unsupported("this sign-in")),
        }
    }

    /// Signs the person out: deletes the stored refresh token (see
    /// [`RefreshingCredential::sign_out`]). Other methods keep nothing to delete here.
    pub async fn sign_out(&self) -> Result<(), AzureError> {
        match &self.person {
            Some(person) => person.sign_out().await,
            None => Ok(()),
        }
    }

    /// Wraps any azure_core 1.x credential (used by tests and by sign-in methods to come).
    pub fn from_token_credential(
        cloud: Arc<CloudSettings>,
        method: SignInMethod,
        credential: Arc<dyn TokenCredential>,
    ) -> KeybladeCredential {
        KeybladeCredential {
            inner: credential,
            method,
            cloud,
            person: None,
            cli: None,
        }
    }

    /// How the user signed in.
    pub fn method(&self) -> &SignInMethod {
        &self.method
    }

    /// The tenant tokens are for: the one signed in to, or the one given to
    /// [`Self::for_tenant`].
    pub fn tenant_id(&self) -> &str {
        match &self.method {
            SignInMethod::ClientSecret { tenant_id, .. }
            | SignInMethod::Browser { tenant_id, .. }
            | SignInMethod::DeviceCode { tenant_id, .. }
            | SignInMethod::AzureCli { tenant_id, .. }
            | SignInMethod::ClientCertificate { tenant_id, .. } => tenant_id,
        }
    }

    /// The cloud signed in to.
    pub fn cloud(&self) -> &Arc<CloudSettings> {
        &self.cloud
    }

    /// A token for these scopes. Errors say why sign-in failed.
    pub async fn token(&self, scopes: &[&str]) -> Result<AccessToken, AzureError> {
        self.inner.get_token(scopes, None).await.map_err(|error| {
            match AzureError::from_core(error) {
                own @ (AzureError::UntrustedTokenHost { .. }
                | AzureError::Unreachable { .. }
                | AzureError::ConnectionLost { .. }
                | AzureError::TimedOut { .. }
                | AzureError::ResponseTooLarge { .. }
                | AzureError::Throttled { .. }
                | AzureError::SignInFailed { .. }
                | AzureError::InteractionRequired { .. }
                | AzureError::SignInRefused { .. }
                | AzureError::TokenStore { .. }
                | AzureError::AzureCliNotFound { .. }
                | AzureError::AzureCliNotLoggedIn { .. }
                | AzureError::InvalidResponse { .. }) => own,
                other => AzureError::SignInFailed {
                    reason: other.to_string(),
                },
            }
        })
    }

    /// For azure_core 1.x clients (Key Vault).
    pub fn core(&self) -> Arc<dyn TokenCredential> {
        self.inner.clone()
    }

    /// For the azure_core 0.21 `azure_mgmt_*` clients.
    pub fn legacy(&self) -> Arc<dyn azure_core_legacy::auth::TokenCredential> {
        Arc::new(LegacyCredential(self.clone()))
    }
}

/// azure_core 0.21's `TokenCredential` on top of a [`KeybladeCredential`].
#[derive(Debug)]
struct LegacyCredential(KeybladeCredential);

#[async_trait::async_trait]
impl azure_core_legacy::auth::TokenCredential for LegacyCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
    ) -> azure_core_legacy::Result<azure_core_legacy::auth::AccessToken> {
        let token = self.0.token(scopes).await.map_err(|error| {
            azure_core_legacy::Error::new(
                azure_core_legacy::error::ErrorKind::Credential,
                Carried(error),
            )
        })?;
        Ok(azure_core_legacy::auth::AccessToken::new(
            token.token.secret().to_owned(),
            token.expires_on,
        ))
    }

    /// Every keyblade credential keeps its own cache, refreshed before expiry; there is
    /// nothing separate to clear here.
    async fn clear_cache(&self) -> azure_core_legacy::Result<()> {
        Ok(())
    }
}

/// The api-version whose `/metadata/endpoints` answer is the one cloud asked for.
pub const METADATA_API_VERSION: &str = "2022-09-01";

/// Reads a cloud's settings from its Resource Manager metadata URL (as Azure Stack Hub and
/// the sandbox publish them), trusting `ca_pems` for that request and for the cloud.
///
/// `url` may be the Resource Manager root or its `/metadata/endpoints`; `api-version` is
/// added when missing. The cloud's Resource Manager and sign-in endpoints must be on `url`'s
/// host and port, else [`CloudMetadataError::ForeignEndpoints`](crate::CloudMetadataError)
/// (see [`load_cloud_from_metadata_url_trusting`] for hosts the user confirmed).
pub async fn load_cloud_from_metadata_url(
    url: &Url,
    ca_pems: Vec<String>,
    settings: &HttpSettings,
) -> Result<CloudSettings, AzureError> {
    load_cloud_from_metadata_url_trusting(url, ca_pems, &[], settings).await
}

/// [`load_cloud_from_metadata_url`], also accepting Resource Manager and sign-in endpoints
/// on the hosts in `trusted_hosts` (`host` or `host:port`, a missing port meaning 443), which
/// the user confirmed (`KEYBLADE_CLOUD_TRUSTED_HOSTS`), e.g. an Azure Stack Hub whose
/// sign-in is Entra ID's `login.microsoftonline.com`.
pub async fn load_cloud_from_metadata_url_trusting(
    url: &Url,
    ca_pems: Vec<String>,
    trusted_hosts: &[String],
    settings: &HttpSettings,
) -> Result<CloudSettings, AzureError> {
    if url.scheme() != "https" {
        return Err(AzureError::InvalidInput {
            what: format!("The cloud metadata URL `{url}`"),
            reason: "it must be https://, because the cloud's endpoints are read from it"
                .to_owned(),
        });
    }
    let mut metadata_url = url.clone();
    if metadata_url.path().trim_end_matches('/').is_empty() {
        metadata_url.set_path("/metadata/endpoints");
    }
    if !metadata_url
        .query_pairs()
        .any(|(key, _)| key == "api-version")
    {
        metadata_url
            .query_pairs_mut()
            .append_pair("api-version", METADATA_API_VERSION);
    }
    let transport = HttpTransport::without_tokens(&ca_pems, settings)?;
    let response = transport
        .send(WireRequest {
            method: reqwest::Method::GET,
            url: metadata_url.clone(),
            headers: vec![("accept".to_owned(), "application/json".to_owned())],
            body: bytes::Bytes::new(),
        })
        .await?;
    if !(200..300).contains(&response.status) {
        return Err(AzureError::Service {
            status: response.status,
            code: "MetadataUnavailable".to_owned(),
            message: format!(
                "{metadata_url} did not return the cloud's metadata. Check the URL: it should \
                 be the cloud's Resource Manager, e.g. https://management.local.azurestack.external/"
            ),
        });
    }
    let text = String::from_utf8_lossy(&response.body);
    let mut arm_endpoint = metadata_url.clone();
    arm_endpoint.set_path("/");
    arm_endpoint.set_query(None);
    let cloud = CloudSettings::from_metadata_for(&text, &arm_endpoint, ca_pems)?;
    cloud.check_endpoints_on_host(&metadata_url, trusted_hosts)?;
    Ok(cloud)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_does_not_print_its_secret() {
        let cloud = Arc::new(CloudSettings::azure_cloud());
        let transport = HttpTransport::for_cloud(cloud.clone(), &HttpSettings::default()).unwrap();
        let credential = KeybladeCredential::client_secret(
            cloud,
            &transport,
            "00000000-0000-0000-0000-000000000001",
            "client-1",
            "s3cr3t-value".to_owned(),
        )
        .unwrap();
        let text = format!("{credential:?} {:?}", credential.legacy());
        assert!(!text.contains("s3cr3t-value"), "{text}");
        assert!(text.contains("client-1"), "says who: {text}");
    }
}
