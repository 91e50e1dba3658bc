//! What the Encryption blade shows: the key source, the key and version in use, rotation,
//! the identity, the data health and whether the key can be changed at all.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use keyblade_core::KeyUri;
use keyblade_core::preflight::{FindingCode, IdentityChoice};

use crate::Session;
use crate::arm::model::{EncryptionIdentity, RegistryEncryption};
use crate::error::AzureError;

use super::facts::{self, IdentityLookup, ResourceRead};
use super::resource::EncryptedResource;
use super::{FindingView, Rotation, Severity};

/// Everything the Encryption blade shows for one resource: a container registry, a
/// storage account or a Cognitive Services account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EncryptionView {
    /// Which kind of resource (`containerRegistry`, `storageAccount`,
    /// `cognitiveServicesAccount`), which decides the rules that apply.
    pub kind: keyblade_core::ResourceKind,
    /// The resource's ID (named for registries, the first kind; any kind's ID).
    pub registry_id: String,
    /// The resource's name.
    pub registry_name: String,
    /// The resource's resource group.
    pub resource_group: String,
    /// The resource's subscription ID.
    pub subscription_id: String,
    /// The resource's Azure region.
    pub location: String,
    /// A registry's tier: `Basic`, `Standard` or `Premium`. Empty for accounts (keyblade
    /// does not read their SKU; it does not decide anything about their keys).
    pub sku: String,
    /// The ETag the registry was read with: pass it to [`super::save()`], which refuses to
    /// overwrite a registry changed since.
    pub etag: Option<String>,
    /// Who holds the key.
    pub key_source: KeySource,
    /// The key in use; `None` with Microsoft-managed keys.
    pub key: Option<KeyInUse>,
    /// The identity encryption uses; `None` with Microsoft-managed keys.
    pub identity: Option<EncryptionIdentityView>,
    /// Whether the identity can use the key now.
    pub health: DataHealth,
    /// Whether Change key can be offered, and if not, why.
    pub change: ChangeAvailability,
    /// The registry's system-assigned identity, when it is on (the Identity section offers
    /// to turn it on when it is not).
    pub system_assigned_identity: Option<SystemIdentityView>,
    /// When keyblade read this.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub checked_at: OffsetDateTime,
}

/// Who holds the key that protects the data: keyblade-core's, which the history records too.
pub use keyblade_core::history::KeySource;

/// The customer-managed key a registry uses, as the blade shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KeyInUse {
    /// `keyVaultProperties.keyIdentifier`, exactly as configured.
    pub key_uri: String,
    /// `keyVaultProperties.versionedKeyIdentifier`: the version the registry uses now.
    pub versioned_key_uri: Option<String>,
    /// The vault's name, from the key URI's host.
    pub vault_name: String,
    /// `https://{vault}.{suffix}/`.
    pub vault_uri: String,
    /// The vault's ARM resource ID, when keyblade found it in a subscription you can read.
    pub vault_id: Option<String>,
    /// The key's name.
    pub key_name: String,
    /// The version the registry uses now: that of `versioned_key_uri`, else of `key_uri`.
    pub version_in_use: Option<String>,
    /// The key's newest version, when the key could be read; differs from
    /// `version_in_use` when a newer version is not (yet) used.
    pub latest_version: Option<String>,
    /// The key's newest version when it is not the version in use: a newer version exists
    /// (a Cognitive Services account, pinned to its version, stays on the old one until the
    /// key is updated). `None` when the version in use is the newest, or either is unknown.
    pub newer_version: Option<String>,
    /// Whether the registry follows new key versions.
    pub rotation: Rotation,
    /// `keyVaultProperties.lastKeyRotationTimestamp`.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub last_rotation: Option<OffsetDateTime>,
}

/// Which kind of managed identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum IdentityKind {
    /// The resource's own identity, created and deleted with it.
    SystemAssigned,
    /// A standalone identity attached to the resource.
    UserAssigned,
}

/// The identity the registry uses to reach its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EncryptionIdentityView {
    /// System- or user-assigned.
    pub kind: IdentityKind,
    /// The user-assigned identity's name, or the registry's for its system-assigned one.
    pub name: String,
    /// The user-assigned identity's resource ID.
    pub resource_id: Option<String>,
    /// The identity's application (client) ID.
    pub client_id: Option<String>,
    /// The identity's object ID in Entra ID.
    pub principal_id: Option<String>,
    /// False when the identity is gone: deleted, detached, or the system-assigned identity
    /// turned off.
    pub exists: bool,
}

/// The registry's system-assigned identity, as the Identity section shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SystemIdentityView {
    /// The identity's object ID in Entra ID.
    pub principal_id: Option<String>,
    /// The tenant the identity lives in.
    pub tenant_id: Option<String>,
}

/// The outcome of the data health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum HealthStatus {
    /// The identity can get, wrap and unwrap the key now.
    Healthy,
    /// It cannot: the data cannot be read or written until this is fixed.
    Unhealthy,
    /// keyblade could not tell (it could not read the key, vault, identity or roles).
    Unknown,
    /// Microsoft-managed keys: nothing to check.
    NotApplicable,
}

/// Can the registry's identity get, wrap and unwrap its key right now?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DataHealth {
    /// The outcome.
    pub status: HealthStatus,
    /// One sentence for the blade: the state, or the first reason it is not healthy.
    pub summary: String,
    /// Every error and warning about the key in use, errors first; each says what to do.
    pub problems: Vec<FindingView>,
}

/// Whether Change key can be offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChangeAvailability {
    /// Whether it can.
    pub allowed: bool,
    /// Why not, and what to do instead.
    pub reason: Option<String>,
}

/// The rule the portal states for registries without a customer-managed key. keyblade-core
/// says the same in its `acr.*` findings, which need a key URI to plan with; a registry
/// without CMK has none, so the rule is restated here.
const CMK_AT_CREATION_ONLY: &str = "A customer-managed key can be set only when a registry is \
     created, and only on the Premium tier.";
const CREATE_NEW_REGISTRY: &str = "To use one, create a new Premium registry with a \
     customer-managed key (az acr create --sku Premium --identity … --key-encryption-key …) \
     and import the images into it (az acr import).";

/// Reads the resource (a container registry, a storage account or a Cognitive Services
/// account) and everything its Encryption blade shows. Independent reads run concurrently:
/// the resource with the subscription list, then the key, the vault (and its role
/// assignments) and the identity.
pub async fn load_view(session: &Session, resource_id: &str) -> Result<EncryptionView, AzureError> {
    let id = facts::parse_resource_id(resource_id)?;
    let read = facts::read_resource(session, &id).await?;
    view_of(session, read).await
}

/// The view of a resource already read.
pub(crate) async fn view_of(
    session: &Session,
    read: ResourceRead,
) -> Result<EncryptionView, AzureError> {
    view_with(session, read, true).await
}

/// The view of a resource already read, without asking Resource Manager whether the caller
/// may change it (an account's `change` then says yes, which a save would find out): Home
/// checks the health of many resources with the blade's rules, and a permissions call per
/// resource would make its cost grow with the resources instead of with their vaults.
pub(crate) async fn health_view_of(
    session: &Session,
    read: ResourceRead,
) -> Result<EncryptionView, AzureError> {
    view_with(session, read, false).await
}

async fn view_with(
    session: &Session,
    read: ResourceRead,
    check_change: bool,
) -> Result<EncryptionView, AzureError> {
    let resource = read.resource.clone();
    let noun = resource.noun();
    let id = resource.id();
    let change = match &resource {
        EncryptedResource::Registry(_) => ChangeAvailability {
            allowed: false,
            reason: Some(change_refusal(&resource)),
        },
        EncryptedResource::Account(_) if check_change => account_change(session, &resource).await,
        EncryptedResource::Account(_) => ChangeAvailability {
            allowed: true,
            reason: None,
        },
    };
    let mut view = EncryptionView {
        kind: resource.kind(),
        registry_id: id.to_string(),
        registry_name: id.name().to_owned(),
        resource_group: id.resource_group().to_owned(),
        subscription_id: id.subscription_id().to_owned(),
        location: resource.location().to_owned(),
        sku: resource.sku().unwrap_or_default().to_owned(),
        etag: resource.etag().map(str::to_owned),
        key_source: KeySource::MicrosoftManaged,
        key: None,
        identity: None,
        health: DataHealth {
            status: HealthStatus::NotApplicable,
            summary: format!(
                "The {noun}'s data is encrypted with a Microsoft-managed key; there is no key \
                 of yours to reach."
            ),
            problems: Vec::new(),
        },
        change,
        system_assigned_identity: resource.identity().system_assigned.as_ref().map(|s| {
            SystemIdentityView {
                principal_id: s.principal_id.clone(),
                tenant_id: s.tenant_id.clone(),
            }
        }),
        checked_at: OffsetDateTime::now_utc(),
    };
    let RegistryEncryption::CustomerManaged {
        key_identifier,
        versioned_key_identifier,
        identity,
        key_rotation_enabled,
        last_key_rotation,
    } = resource.encryption()
    else {
        return Ok(view);
    };
    view.key_source = KeySource::CustomerManaged;
    let configured = facts::parse_key_uri(session, key_identifier).ok();
    let in_use = versioned_key_identifier
        .as_deref()
        .and_then(|uri| facts::parse_key_uri(session, uri).ok());
    let (vault_name, vault_uri, key_name) = match &configured {
        Some(uri) => (
            uri.vault_name().to_owned(),
            uri.vault_url(),
            uri.key_name().to_owned(),
        ),
        None => loose_key_parts(key_identifier),
    };
    view.key = Some(KeyInUse {
        key_uri: key_identifier.clone(),
        versioned_key_uri: versioned_key_identifier.clone(),
        vault_name,
        vault_uri,
        vault_id: None,
        key_name,
        version_in_use: in_use
            .as_ref()
            .and_then(|uri| uri.version().map(|v| v.as_str().to_owned()))
            .or_else(|| {
                configured
                    .as_ref()
                    .and_then(|uri| uri.version().map(|v| v.as_str().to_owned()))
            }),
        latest_version: None,
        newer_version: None,
        rotation: match &configured {
            Some(uri) => uri.rotation(),
            None if *key_rotation_enabled => Rotation::Automatic,
            None => Rotation::Manual,
        },
        last_rotation: *last_key_rotation,
    });
    if let EncryptedResource::Registry(registry) = &resource {
        let premium = registry.sku.eq_ignore_ascii_case("Premium");
        view.change = ChangeAvailability {
            allowed: premium,
            reason: (!premium).then(|| change_refusal(&resource)),
        };
    }
    let choice = match identity {
        EncryptionIdentity::SystemAssigned { client_id } => {
            let on = resource.identity().system_assigned.as_ref();
            view.identity = Some(EncryptionIdentityView {
                kind: IdentityKind::SystemAssigned,
                name: id.name().to_owned(),
                resource_id: None,
                client_id: Some(client_id.clone()).filter(|c| !c.eq_ignore_ascii_case("system")),
                principal_id: on.and_then(|s| s.principal_id.clone()),
                exists: on.is_some(),
            });
            if on.is_none() {
                view.health = unhealthy(FindingView::new(
                    Severity::Error,
                    FindingCode::IdentitySystemAssignedOff,
                    format!(
                        "The {noun}'s encryption uses its system-assigned identity, which is \
                         turned off, so nothing can reach the key."
                    ),
                    Some(
                        "Turn the system-assigned identity on (Identity, Status On) and grant it \
                         get, wrapKey and unwrapKey on the key, or change the key to use a \
                         user-assigned identity that has access."
                            .to_owned(),
                    ),
                ));
                return Ok(view);
            }
            IdentityChoice::SystemAssigned
        }
        EncryptionIdentity::UserAssigned {
            client_id,
            resource_id: None,
        } => {
            view.identity = Some(EncryptionIdentityView {
                kind: IdentityKind::UserAssigned,
                name: client_id.clone(),
                resource_id: None,
                client_id: Some(client_id.clone()),
                principal_id: None,
                exists: false,
            });
            view.health = unhealthy(FindingView::new(
                Severity::Error,
                FindingCode::IdentityNotAttached,
                format!(
                    "The {noun}'s encryption uses the identity with client ID {client_id}, \
                     which is no longer attached to the {noun}, so nothing can reach the key."
                ),
                Some(format!(
                    "Attach that identity to the {noun} again, or change the key to use an \
                         identity that is attached and has access."
                )),
            ));
            return Ok(view);
        }
        EncryptionIdentity::UserAssigned {
            client_id,
            resource_id: Some(resource_id),
        } => {
            let attached = resource
                .identity()
                .user_assigned
                .iter()
                .find(|a| a.resource_id.eq_ignore_ascii_case(resource_id));
            view.identity = Some(EncryptionIdentityView {
                kind: IdentityKind::UserAssigned,
                name: resource_id
                    .rsplit('/')
                    .next()
                    .unwrap_or(resource_id)
                    .to_owned(),
                resource_id: Some(resource_id.clone()),
                client_id: Some(client_id.clone()),
                principal_id: attached.and_then(|a| a.principal_id.clone()),
                exists: true,
            });
            IdentityChoice::UserAssigned {
                resource_id: keyblade_core::ResourceId::parse(resource_id).map_err(|e| {
                    AzureError::InvalidResponse {
                        what: format!("the identity ID `{resource_id}`"),
                        reason: e.to_string(),
                    }
                })?,
            }
        }
    };
    // The health of the version in use, checked with the planner's own rules.
    let Some(checked_uri) = in_use.or(configured) else {
        view.health = DataHealth {
            status: HealthStatus::Unknown,
            summary: format!(
                "keyblade cannot check the key: its URI {key_identifier} is not a key URI of \
                 this cloud."
            ),
            problems: Vec::new(),
        };
        return Ok(view);
    };
    let resource_id = id.clone();
    let gathered = facts::gather(
        session,
        &resource_id,
        async { Ok(read) },
        checked_uri,
        &choice,
    )
    .await?;
    let (plan, findings) = gathered.plan(choice, None, OffsetDateTime::now_utc())?;
    if let Some(key) = view.key.as_mut() {
        key.vault_id = gathered.vault.as_ref().map(|v| v.id.to_string());
        if let keyblade_core::preflight::KeyLookup::Found(details) = &gathered.key {
            key.latest_version = details
                .latest_version
                .as_ref()
                .map(|v| v.to_ascii_lowercase());
            key.newer_version = match (&key.latest_version, &key.version_in_use) {
                (Some(latest), Some(in_use)) if !latest.eq_ignore_ascii_case(in_use) => {
                    Some(latest.clone())
                }
                _ => None,
            };
        }
    }
    if let Some(identity_view) = view.identity.as_mut() {
        match &gathered.identity {
            IdentityLookup::Found(found) => {
                identity_view.principal_id = found
                    .principal_id
                    .clone()
                    .or(identity_view.principal_id.take());
                identity_view.client_id =
                    found.client_id.clone().or(identity_view.client_id.take());
            }
            IdentityLookup::Deleted(_) => identity_view.exists = false,
            IdentityLookup::SystemAssigned | IdentityLookup::Unreadable => {}
        }
    }
    if plan
        .findings
        .iter()
        .any(|f| f.code == FindingCode::AcrNotPremium)
    {
        view.change = ChangeAvailability {
            allowed: false,
            reason: Some(change_refusal(&resource)),
        };
    }
    view.health = health_from(&findings);
    Ok(view)
}

fn unhealthy(problem: FindingView) -> DataHealth {
    DataHealth {
        status: HealthStatus::Unhealthy,
        summary: problem.message.clone(),
        problems: vec![problem],
    }
}

/// The data health from the planner's findings about the key and identity in use.
/// Rotation advice and the rules about changing keys are not about reaching the key.
fn health_from(findings: &[FindingView]) -> DataHealth {
    let problems: Vec<FindingView> = findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .filter(|f| !is_about_changing(f.code))
        .cloned()
        .collect();
    if let Some(error) = problems.iter().find(|f| f.severity == Severity::Error) {
        return DataHealth {
            status: HealthStatus::Unhealthy,
            summary: error.message.clone(),
            problems,
        };
    }
    if let Some(uncertain) = problems.iter().find(|f| f.code.is_uncertain()) {
        return DataHealth {
            status: HealthStatus::Unknown,
            summary: uncertain.message.clone(),
            problems,
        };
    }
    DataHealth {
        status: HealthStatus::Healthy,
        summary: "The identity can get, wrap and unwrap the key.".to_owned(),
        problems,
    }
}

/// Whether the caller may change an account's key: Resource Manager's permissions for its
/// kind's `write` action on it. When the permissions cannot be read, trying is the only way
/// to find out (Resource Manager refuses what is not allowed), so Change key is offered.
async fn account_change(session: &Session, resource: &EncryptedResource) -> ChangeAvailability {
    let rules = keyblade_core::KindRules::of(resource.kind());
    let action = format!("{}/write", rules.arm_type);
    match facts::caller_may(session, resource.id().as_str(), &action).await {
        Ok(false) => ChangeAvailability {
            allowed: false,
            reason: Some(format!(
                "Your account may not change {} {}: none of your roles on it allows {action}. \
                 Ask for Contributor on it, or sign in as someone who has it.",
                rules.short_name,
                resource.id().name()
            )),
        },
        Ok(true) | Err(_) => ChangeAvailability {
            allowed: true,
            reason: None,
        },
    }
}

/// Why Change key is not offered for a registry.
fn change_refusal(resource: &EncryptedResource) -> String {
    let registry = match resource {
        EncryptedResource::Registry(registry) => registry,
        EncryptedResource::Account(_) => {
            return format!("You may not change the key of this {}.", resource.noun());
        }
    };
    let premium = registry.sku.eq_ignore_ascii_case("Premium");
    let has_cmk = matches!(
        registry.encryption,
        RegistryEncryption::CustomerManaged { .. }
    );
    match (has_cmk, premium) {
        (false, true) => format!(
            "Registry {} was created with a Microsoft-managed key, and its encryption cannot be \
             switched to a customer-managed key afterwards. {CMK_AT_CREATION_ONLY} \
             {CREATE_NEW_REGISTRY}",
            registry.id.name()
        ),
        (false, false) => format!(
            "Registry {} is on the {} tier and was created with a Microsoft-managed key. \
             {CMK_AT_CREATION_ONLY} {CREATE_NEW_REGISTRY}",
            registry.id.name(),
            registry.sku
        ),
        (true, _) => format!(
            "Registry {} is on the {} tier. {CMK_AT_CREATION_ONLY} Move it back to Premium to \
             change its key.",
            registry.id.name(),
            registry.sku
        ),
    }
}

/// Vault name, vault URL and key name of a key identifier keyblade would not accept as
/// input (another cloud's): shown as they are.
fn loose_key_parts(key_identifier: &str) -> (String, String, String) {
    let Ok(url) = Url::parse(key_identifier) else {
        return (String::new(), String::new(), key_identifier.to_owned());
    };
    let host = url.host_str().unwrap_or_default();
    let vault_name = host.split('.').next().unwrap_or_default().to_owned();
    let vault_url = match url.port() {
        Some(port) => format!("https://{host}:{port}/"),
        None => format!("https://{host}/"),
    };
    let key_name = url
        .path_segments()
        .and_then(|mut segments| segments.nth(1).map(str::to_owned))
        .unwrap_or_default();
    (vault_name, vault_url, key_name)
}

/// Whether a configured key URI names the same key and version as `wanted`.
pub(crate) fn same_key_uri(session: &Session, configured: &str, wanted: &KeyUri) -> bool {
    match facts::parse_key_uri(session, configured) {
        Ok(uri) => uri == *wanted,
        Err(_) => configured
            .trim_end_matches('/')
            .eq_ignore_ascii_case(&wanted.to_string()),
    }
}

/// Findings about rotation and about the rules for changing keys: advice for a change, not
/// about whether the key in use can be reached.
fn is_about_changing(code: FindingCode) -> bool {
    use FindingCode::*;
    matches!(
        code,
        RotationAutomatic
            | RotationManual
            | RotationPinning
            | RotationNotLatestVersion
            | AcrNotPremium
            | AcrCreatedWithoutCmk
            | PlanNoChange
            // A rule for picking a key (Azure AI services takes one only from a vault in its
            // region), not about whether the identity reaches the key in use.
            | VaultOtherRegion
            | CognitiveUnversionedKey
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity, code: &str) -> FindingView {
        let code = FindingCode::parse(code).expect("a known code");
        FindingView::new(severity, code, format!("{code} message"), None)
    }

    #[test]
    fn health_follows_the_findings_that_concern_reaching_the_key() {
        use Severity::*;
        let cases: Vec<(&str, Vec<FindingView>, HealthStatus, &str)> = vec![
            ("nothing wrong", vec![], HealthStatus::Healthy, ""),
            (
                "rotation advice is not a health problem",
                vec![
                    finding(Warning, "rotation.notLatestVersion"),
                    finding(Info, "rotation.automatic"),
                ],
                HealthStatus::Healthy,
                "",
            ),
            (
                "a weak vault is healthy with a warning",
                vec![finding(Warning, "vault.purgeProtectionOff")],
                HealthStatus::Healthy,
                "",
            ),
            (
                "missing access is unhealthy",
                vec![
                    finding(Error, "access.missingPermissions"),
                    finding(Warning, "vault.purgeProtectionOff"),
                ],
                HealthStatus::Unhealthy,
                "access.missingPermissions message",
            ),
            (
                "an unreadable key is unknown",
                vec![finding(Warning, "key.unreadable")],
                HealthStatus::Unknown,
                "key.unreadable message",
            ),
            (
                "an error wins over uncertainty",
                vec![
                    finding(Warning, "key.unreadable"),
                    finding(Error, "network.userAssignedBlocked"),
                ],
                HealthStatus::Unhealthy,
                "network.userAssignedBlocked message",
            ),
            (
                "the tier rule is not about health",
                vec![finding(Error, "acr.notPremium")],
                HealthStatus::Healthy,
                "",
            ),
        ];
        for (name, findings, status, summary) in cases {
            let health = health_from(&findings);
            assert_eq!(health.status, status, "{name}");
            if !summary.is_empty() {
                assert_eq!(health.summary, summary, "{name}");
            }
        }
    }

    #[test]
    fn foreign_key_identifiers_are_shown_as_they_are() {
        assert_eq!(
            loose_key_parts("https://kv1.vault.example.org:8443/keys/k1/abc"),
            (
                "kv1".to_owned(),
                "https://kv1.vault.example.org:8443/".to_owned(),
                "k1".to_owned()
            )
        );
        assert_eq!(loose_key_parts("nonsense").2, "nonsense");
    }
}
