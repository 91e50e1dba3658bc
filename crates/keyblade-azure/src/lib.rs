//! keyblade's Azure side: which cloud to talk to, and the clients that talk to it.
//!
//! I/O lives here; decisions live in `keyblade-core`. Module layout, from the wire up:
//!
//! - [`cloud`]: [`CloudSettings`] (ARM endpoint, authority, Key Vault suffix, extra CAs) and
//!   [`CloudSettings::is_trusted_host`], the rule for where a bearer token may go.
//! - [`retry`]: the one retry rule (429/503 honour `Retry-After`, capped; limited retries;
//!   408/5xx, timeouts and lost connections retried only for idempotent methods).
//! - [`transport`]: [`HttpTransport`], the only HTTP client (reqwest 0.13 + rustls/ring,
//!   platform roots plus the cloud's CAs, `*.localhost` → loopback, [`retry`] applied), and
//!   the token-host guard as a per-try policy for azure_core 1.x and 0.21. Both SDK
//!   generations get it: [`HttpTransport::core_options`] / [`HttpTransport::legacy_options`].
//!   Every attempt is bounded in time and body size ([`HttpSettings`]), and goes through
//!   the proxy of [`proxy::ProxySettings`] (the environment's `HTTPS_PROXY`/`NO_PROXY`, or
//!   the system's on Windows and macOS).
//! - [`paging`]: [`paging::PageGuard`], which every list that follows `nextLink` uses: a link
//!   already followed, or more than [`paging::MAX_PAGES`] pages, stops the list with an error.
//! - [`signin`]: signing in as a person with the `oauth2` crate over [`HttpTransport`]:
//!   browser (authorization code + PKCE, loopback redirect, [`signin::Opener`]), device code
//!   (RFC 8628 polling), [`signin::RefreshingCredential`] (access tokens from a refresh
//!   token in a [`signin::TokenStore`]), plus the Azure CLI's sign-in and certificates (PEM
//!   or PFX), and [`signin::tenants`]: whether each of a person's tenants lets them in now.
//! - [`credential`]: [`KeybladeCredential`], the sign-in seam (client secret, browser, device
//!   code, Azure CLI, certificate: the [`SignInMethod`] variants), switching it to another
//!   tenant ([`KeybladeCredential::for_tenant`]), its adapter to azure_core 0.21, and
//!   [`load_cloud_from_metadata_url`].
//! - [`arm`]: [`arm::Arm`], the one door to Resource Manager (registries, vaults, access
//!   policies, role assignments and definitions, managed identities, subscriptions), with
//!   long-running operations ([`arm::lro`]) and keyblade's own DTOs ([`arm::model`]).
//! - [`keyvault`]: [`keyvault::KeyVault`], Key Vault keys through one cached `KeyClient` per
//!   vault, with denials typed by reason.
//! - [`session`]: [`Session`], the clients of one sign-in over one transport.
//! - [`encryption`]: the Encryption blade end to end (view, pickers, preflight through
//!   keyblade-core's planner, grant, save with verification), on top of the above.
//! - [`home`]: Home, every encrypted resource of the chosen subscriptions from one Resource
//!   Graph query ([`arm::graph`]), and the health of each key with the blade's rules, Key
//!   Vault asked within [`limit::HostLimiter`]'s bounds (one resource per vault at a time).
//! - [`error`]: [`AzureError`], the crate's one error type, with stable `code()`s.
//!
//! Reads are cached per session (invalidated by keyblade's own writes and by
//! [`Session::invalidate_all`]); independent reads run concurrently, at most
//! [`arm::CONCURRENCY`] at a time; every list follows `nextLink` to the end (bounded by
//! [`paging`]).

#![warn(missing_docs)]

pub mod arm;
mod cache;
pub mod cancel;
pub mod cloud;
pub mod credential;
pub mod encryption;
pub mod error;
pub mod home;
pub mod keyvault;
pub mod limit;
pub mod paging;
pub mod proxy;
pub mod retry;
pub mod session;
pub mod signin;
pub mod transport;

pub use arm::model::TenantInfo;
pub use cloud::{CloudMetadataError, CloudSettings};
pub use credential::{
    KeybladeCredential, SignInMethod, load_cloud_from_metadata_url,
    load_cloud_from_metadata_url_trusting,
};
pub use error::{AzureError, KeyVaultDenial};
pub use proxy::ProxySettings;
pub use retry::{Idempotency, RetryPolicy};
pub use session::Session;
pub use signin::{
    Account, AzureCliOptions, BrowserSignInSettings, CancelSignIn, ClientCertificate,
    DeviceCodeChallenge, DeviceCodeSignIn, MemoryTokenStore, Opener, PublicClientConfig,
    RefreshingCredential, SignInClient, SignedIn, StoreKey, TenantAccess, TokenStore,
    check_tenant_access,
};
pub use transport::{HttpSettings, HttpTransport, RequestLog, SentRequest, TokenHostGuard};
