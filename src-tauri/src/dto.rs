//! The values commands return, as the UI sees them.
//!
//! Each type derives [`TS`]; `ui/src/bindings.ts` is generated from them (see
//! [`crate::bindings`]), so the TypeScript side never restates a shape by hand. Fields are
//! camelCase on the wire, and ts-rs reads the same serde attributes.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use keyblade_azure::encryption::SaveOutcome;

use crate::error::WireError;

/// What the header and the About box show: version, the cloud in use, and who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub cloud: CloudSummary,
    pub session: SessionStatus,
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

/// How a service picks up new key versions, which follows from whether the URI pins one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Rotation {
    /// Unversioned URI: the service moves to the key's latest version by itself.
    Automatic,
    /// Versioned URI: the service stays on that version until the URI is changed.
    Manual,
}

impl From<keyblade_core::Rotation> for Rotation {
    fn from(rotation: keyblade_core::Rotation) -> Rotation {
        match rotation {
            keyblade_core::Rotation::Automatic => Rotation::Automatic,
            keyblade_core::Rotation::Manual => Rotation::Manual,
        }
    }
}

impl From<&keyblade_core::KeyUri> for KeyUriInfo {
    fn from(uri: &keyblade_core::KeyUri) -> KeyUriInfo {
        KeyUriInfo {
            canonical: uri.to_string(),
            vault_name: uri.vault_name().to_owned(),
            vault_url: uri.vault_url(),
            key_name: uri.key_name().to_owned(),
            version: uri.version().map(|version| version.as_str().to_owned()),
            rotation: uri.rotation().into(),
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
}

impl From<keyblade_azure::encryption::SubscriptionOption> for SubscriptionSummary {
    fn from(option: keyblade_azure::encryption::SubscriptionOption) -> SubscriptionSummary {
        SubscriptionSummary {
            subscription_id: option.subscription_id,
            display_name: option.display_name,
            tenant_id: option.tenant_id,
            state: option.state,
        }
    }
}

/// The resource types whose Encryption blade keyblade can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ResourceKind {
    ContainerRegistry,
    CognitiveServicesAccount,
    StorageAccount,
}

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
            id: registry.id.id.clone(),
            name: registry.id.name.clone(),
            resource_group: registry.id.resource_group.clone(),
            kind: ResourceKind::ContainerRegistry,
            location: registry.location.clone(),
            subscription_id: registry.id.subscription_id.clone(),
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

/// The "Sign in to Azure" dialog: a service principal with a client secret.
#[derive(Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInRequest {
    pub cloud: CloudChoice,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
}

// By hand, so that the client secret never reaches a log or a panic message.
impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("cloud", &self.cloud)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// A sign-in that succeeded, and where its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInOutcome {
    pub info: AppInfo,
    pub secret: crate::secrets::SecretPlacement,
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
