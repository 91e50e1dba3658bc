//! The values commands return, as the UI sees them.
//!
//! Each type derives [`TS`]; `ui/src/bindings.ts` is generated from them (see
//! [`crate::bindings`]), so the TypeScript side never restates a shape by hand. Fields are
//! camelCase on the wire, and ts-rs reads the same serde attributes.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use keyblade_azure::encryption::{KeyOption, SaveOutcome};

use crate::error::WireError;

/// What the header and the About box show: version, the cloud in use, and who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    /// The git commit the app was built from (`unknown` outside a checkout).
    pub commit: String,
    /// keyblade's log file, if it keeps one (About shows it; Copy diagnostics includes
    /// its last lines).
    pub log_file: Option<String>,
    pub cloud: CloudSummary,
    pub session: SessionStatus,
    /// Every account keyblade remembers, the active one marked; empty on the demo tenant
    /// alone. The header's account switcher lists them.
    pub accounts: Vec<AccountSummary>,
    /// The cloud the "Sign in to Azure" dialog starts with: set when keyblade was started
    /// with `KEYBLADE_CLOUD_METADATA` but no `AZURE_` variables, so the window opens the
    /// dialog for that cloud at once.
    pub sign_in_cloud: Option<CloudChoice>,
    /// The proxy keyblade sends Azure requests through, in words (About).
    pub proxy: String,
    /// Where keyblade keeps its files (the demo tenant, remembered accounts), if anywhere.
    pub data_folder: Option<String>,
    /// What each resource kind can do (identities, whether it follows new key versions,
    /// whether customer-managed keys can be turned off, its `az` commands): the UI's one
    /// Encryption blade and Change key panel are driven by these rows.
    pub kinds: Vec<keyblade_core::KindRules>,
}

/// One remembered account in the account switcher: who, in which tenant and cloud, and how
/// it signed in. Never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary {
    /// Stable for the account across runs; what `switch_account` and `sign_out` take.
    pub id: String,
    /// The sign-in name (UPN) of a person, or "service principal {client ID}".
    pub label: String,
    /// The person's display name, when Entra ID sent one.
    pub display_name: Option<String>,
    /// The tenant in use.
    pub tenant_id: String,
    /// The cloud's name, e.g. `AzureCloud`, or the custom cloud's metadata host.
    pub cloud_name: String,
    pub method: AccountMethod,
    /// The session in use is this account's.
    pub active: bool,
}

/// How an account signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AccountMethod {
    Browser,
    DeviceCode,
    AzureCli,
    ClientSecret,
    ClientCertificate,
    /// `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` at start-up.
    Environment,
}

/// The Azure cloud keyblade talks to (Azure public unless configured otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CloudSummary {
    /// Display name, e.g. "Azure public cloud".
    pub name: String,
    /// Resource Manager's base URL, e.g. `https://management.azure.com/`.
    pub arm_endpoint: String,
    /// The Key Vault DNS suffix, e.g. `vault.azure.net`.
    pub key_vault_suffix: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(
    tag = "state",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SessionStatus {
    /// Signing in, or starting the local demo tenant, in the background; `message` says
    /// which, e.g. "Starting the local demo tenant…".
    Connecting { message: String },
    /// `reason` says why and what to do next, for the user.
    SignedOut { reason: String },
    SignedIn {
        tenant_id: String,
        account: String,
        /// The [`AccountSummary::id`] of the account in use; `null` on the demo tenant.
        account_id: Option<String>,
        /// The session is the local sandbox's demo tenant, not real Azure.
        is_demo: bool,
    },
}

/// A key URI the user typed, validated and taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyUriInfo {
    /// The URI as Key Vault writes it: lower-case host and version, no trailing slash.
    pub canonical: String,
    pub vault_name: String,
    /// `https://{vault}.{suffix}/`, with the port where the URI keeps one.
    pub vault_url: String,
    pub key_name: String,
    /// 32 lower-case hex digits, or `null` for an unversioned URI.
    pub version: Option<String>,
    pub rotation: Rotation,
    pub is_managed_hsm: bool,
}

/// How a service picks up new key versions: keyblade-core's, the one type for it in every layer.
pub use keyblade_core::Rotation;

impl From<&keyblade_core::KeyUri> for KeyUriInfo {
    fn from(uri: &keyblade_core::KeyUri) -> KeyUriInfo {
        KeyUriInfo {
            canonical: uri.to_string(),
            vault_name: uri.vault_name().to_owned(),
            vault_url: uri.vault_url(),
            key_name: uri.key_name().to_owned(),
            version: uri.version().map(|version| version.as_str().to_owned()),
            rotation: uri.rotation(),
            is_managed_hsm: uri.is_managed_hsm(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionSummary {
    pub subscription_id: String,
    pub display_name: String,
    /// `null` when Resource Manager did not say.
    pub tenant_id: Option<String>,
    /// As Resource Manager reports it, e.g. `Enabled`, `Disabled`, `Warned`.
    pub state: Option<String>,
    /// In the account's subscription filter (every subscription is, until the user sets
    /// one): the resource picker loads only these.
    pub selected: bool,
}

impl From<keyblade_azure::encryption::SubscriptionOption> for SubscriptionSummary {
    fn from(option: keyblade_azure::encryption::SubscriptionOption) -> SubscriptionSummary {
        SubscriptionSummary {
            subscription_id: option.subscription_id,
            display_name: option.display_name,
            tenant_id: option.tenant_id,
            state: option.state,
            selected: true,
        }
    }
}

/// The resource kinds keyblade manages keys for: keyblade-core's, the one type for the
/// concept in every layer.
pub use keyblade_core::ResourceKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSummary {
    /// The full Resource Manager ID, `/subscriptions/…/providers/…/{name}`.
    pub id: String,
    pub name: String,
    pub resource_group: String,
    pub kind: ResourceKind,
    pub location: String,
    pub subscription_id: String,
}

impl From<&keyblade_azure::arm::model::Registry> for ResourceSummary {
    fn from(registry: &keyblade_azure::arm::model::Registry) -> ResourceSummary {
        ResourceSummary {
            id: registry.id.to_string(),
            name: registry.id.name().to_owned(),
            resource_group: registry.id.resource_group().to_owned(),
            kind: ResourceKind::ContainerRegistry,
            location: registry.location.clone(),
            subscription_id: registry.id.subscription_id().to_owned(),
        }
    }
}

impl From<&keyblade_azure::arm::accounts::Account> for ResourceSummary {
    fn from(account: &keyblade_azure::arm::accounts::Account) -> ResourceSummary {
        use keyblade_azure::arm::accounts::AccountKind;
        ResourceSummary {
            id: account.id.to_string(),
            name: account.id.name().to_owned(),
            resource_group: account.id.resource_group().to_owned(),
            kind: match account.kind {
                AccountKind::Storage => ResourceKind::StorageAccount,
                AccountKind::CognitiveServices => ResourceKind::CognitiveServicesAccount,
            },
            location: account.location.clone(),
            subscription_id: account.id.subscription_id().to_owned(),
        }
    }
}

/// A built-in Azure cloud, or one described by its Resource Manager metadata URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CloudChoice {
    /// Azure public cloud (`AzureCloud`).
    AzureCloud,
    /// Azure operated by 21Vianet (`AzureChinaCloud`).
    AzureChinaCloud,
    /// Azure US Government (`AzureUSGovernment`).
    AzureUsGovernment,
    /// A cloud that publishes `/metadata/endpoints`, such as Azure Stack Hub.
    Custom {
        metadata_url: String,
        /// A PEM file with the CA certificate(s) the cloud's endpoints use, if private.
        ca_file: Option<String>,
    },
}

/// The "Sign in to Azure" dialog: a cloud and a way to sign in. `operation_id` tags the
/// `sign-in-progress` events (the device code, the browser's URL) and `cancel_sign_in`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInRequest {
    pub cloud: CloudChoice,
    pub operation_id: String,
    pub method: SignInMethodRequest,
}

/// How to sign in. A blank `tenant` means the account's home tenant (`organizations`); a
/// blank `client_id` the default public client (the Azure CLI's).
#[derive(Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(
    tag = "method",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SignInMethodRequest {
    /// A person, in the system browser (authorization code with PKCE, loopback redirect).
    Browser {
        tenant: Option<String>,
        client_id: Option<String>,
    },
    /// A person, with a code entered at the verification URL on any device.
    DeviceCode {
        tenant: Option<String>,
        client_id: Option<String>,
    },
    /// Whoever `az login` signed in.
    AzureCli { tenant: Option<String> },
    /// A service principal with a client secret (kept in the system keyring).
    ClientSecret {
        tenant_id: String,
        client_id: String,
        client_secret: String,
    },
    /// A service principal with a certificate: a PEM file (certificate and private key) or
    /// a PFX/PKCS#12 file with its password.
    ClientCertificate {
        tenant_id: String,
        client_id: String,
        certificate_file: String,
        password: Option<String>,
    },
}

// By hand, so that a client secret or certificate password never reaches a log or a panic
// message.
impl std::fmt::Debug for SignInMethodRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignInMethodRequest::Browser { tenant, client_id } => f
                .debug_struct("Browser")
                .field("tenant", tenant)
                .field("client_id", client_id)
                .finish(),
            SignInMethodRequest::DeviceCode { tenant, client_id } => f
                .debug_struct("DeviceCode")
                .field("tenant", tenant)
                .field("client_id", client_id)
                .finish(),
            SignInMethodRequest::AzureCli { tenant } => {
                f.debug_struct("AzureCli").field("tenant", tenant).finish()
            }
            SignInMethodRequest::ClientSecret {
                tenant_id,
                client_id,
                ..
            } => f
                .debug_struct("ClientSecret")
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .field("client_secret", &"<redacted>")
                .finish(),
            SignInMethodRequest::ClientCertificate {
                tenant_id,
                client_id,
                certificate_file,
                ..
            } => f
                .debug_struct("ClientCertificate")
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .field("certificate_file", certificate_file)
                .field("password", &"<redacted>")
                .finish(),
        }
    }
}

/// What a running sign-in shows, as the `sign-in-progress` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInProgress {
    pub operation_id: String,
    pub step: SignInStep,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(
    tag = "step",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SignInStep {
    /// The system browser was asked to open `url`; keyblade waits for it to come back.
    BrowserOpened { url: String },
    /// No browser could be opened: the user opens `url` themselves.
    BrowserNotOpened { url: String, reason: String },
    /// Enter `user_code` at `verification_uri` (Entra ID's `message` says so in words).
    DeviceCode {
        user_code: String,
        verification_uri: String,
        /// RFC 3339.
        expires_at: String,
        message: String,
    },
    /// Signed in; keyblade checks the account can reach Resource Manager.
    Verifying,
}

/// A tenant the account belongs to, for the tenant switcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TenantSummary {
    pub tenant_id: String,
    pub display_name: Option<String>,
    pub default_domain: Option<String>,
    /// The session uses this tenant now.
    pub current: bool,
    pub access: TenantAccessStatus,
}

/// Whether keyblade can use a tenant without asking the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum TenantAccessStatus {
    Available,
    /// The tenant needs MFA or Conditional Access for this app: skipped, as `az login`
    /// does; signing in to it interactively (browser or device code) satisfies it.
    NeedsInteraction {
        reason: String,
    },
    /// Entra ID refused, for `reason`.
    Refused {
        reason: String,
    },
}

/// A key vault opened by its URI (for a vault whose subscription the user cannot list), as
/// the Key Vault picker shows it, with its keys read through the data plane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpenedVault {
    pub name: String,
    /// `https://{vault}.{suffix}/`.
    pub vault_uri: String,
    pub keys: Vec<KeyOption>,
}

/// A sign-in that succeeded, and where its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInOutcome {
    pub info: AppInfo,
    /// Where the sign-in's secret (client secret, certificate password or refresh token) is
    /// kept; `memoryOnly` when there is no system keyring, said once.
    pub secret: crate::secrets::SecretPlacement,
    /// Tenants of the account that need MFA or Conditional Access: skipped, not fatal.
    pub skipped_tenants: Vec<TenantSummary>,
}

/// What a long operation reports while it runs, as the `operation-progress` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OperationProgress {
    /// The id the UI passed to the command that started the operation.
    pub operation_id: String,
    pub stage: ProgressStage,
    /// The step running, e.g. "Set the registry's encryption key".
    pub step: String,
    /// One sentence for the notification.
    pub message: String,
    /// Steps finished so far (the UI knows how many the plan has).
    pub completed_steps: u32,
}

/// How a save that returned "in progress" ended, as the `save-settled` event: its outcome as
/// read back when its operation finished, or why keyblade could not tell.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SaveSettled {
    pub operation_id: String,
    pub outcome: Result<SaveOutcome, WireError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ProgressStage {
    Submitted,
    Running,
    Succeeded,
    Failed,
}
