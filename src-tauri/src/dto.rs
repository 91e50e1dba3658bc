//! The values commands return, as the UI sees them.
//!
//! Each type derives [`TS`]; `ui/src/bindings.ts` is generated from them (see
//! [`crate::bindings`]), so the TypeScript side never restates a shape by hand. Fields are
//! camelCase on the wire, and ts-rs reads the same serde attributes.

use serde::Serialize;
use ts_rs::TS;

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
    pub tenant_id: String,
    /// As Resource Manager reports it, e.g. `Enabled`, `Disabled`, `Warned`.
    pub state: String,
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
