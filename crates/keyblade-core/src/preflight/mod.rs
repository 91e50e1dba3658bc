//! The preflight planner: before a customer-managed key is saved, work out what is wrong
//! with the choice and which calls would make the change.
//!
//! [`plan`] is pure: the caller gathers the facts (ARM, Key Vault) and passes `now`; the
//! result lists findings (errors block saving) and the ordered steps, each with its ARM
//! request and the equivalent Azure CLI command. Container Registry is complete; the
//! checks that do not depend on the service run for every [`ResourceKind`], and steps for
//! the other kinds are reported as not supported yet.

mod access;
mod finding;
mod input;
mod steps;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::arm_id::ResourceId;
use crate::key_uri::{KeyUri, KeyUriKind};

pub use access::{AccessReport, CRYPTO_SERVICE_ENCRYPTION_USER, Needed, wildcard_match};
pub use finding::FindingCode;
pub use input::{
    AccessPolicy, AccessPolicyPermissions, CurrentEncryption, DesiredEncryption, Facts,
    GrantAccess, IdentityChoice, KeyDetails, KeyLookup, NetworkAcls, ResourceIdentity,
    ResourceKind, ResourceState, RoleAssignment, RoleDefinition, RolePermission,
    SystemAssignedIdentity, UnreadableCause, UserAssignedIdentity, VaultFacts,
};
pub use steps::{
    AUTHORIZATION_API_VERSION, AzArg, AzCommand, CONTAINER_REGISTRY_API_VERSION, HttpMethod,
    KEY_VAULT_API_VERSION, Placeholder, PlanStep, StepKind,
};

use access::{check_access_policies, check_role_assignments};
use steps::Principal;

/// How much a finding matters. Errors block saving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    /// The change would fail or leave the resource unable to use its key: blocks Save.
    Error,
    /// Saving works, but something is risky or not recommended (e.g. no purge protection).
    Warning,
    /// What the change will do, or why it will work; nothing is wrong.
    Info,
}

/// Something the user should know before saving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// How much it matters; errors block saving.
    pub severity: Severity,
    /// Stable identifier, serialised as e.g. `key.expired`.
    pub code: FindingCode,
    /// What is wrong and why it matters.
    pub message: String,
    /// What to do about it: an instruction, often with the Azure CLI command.
    pub fix: Option<String>,
}

/// The planner's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Calls to make, in this order.
    pub steps: Vec<PlanStep>,
    /// Errors first, then warnings, then information.
    pub findings: Vec<Finding>,
}

impl Plan {
    /// Whether nothing blocks saving.
    pub fn can_save(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The findings that block saving.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }
}

/// Everything [`plan`] reads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreflightInput {
    /// The resource as it is now.
    pub resource: ResourceState,
    /// The key and identity the user chose.
    pub desired: DesiredEncryption,
    /// What was looked up about the key, its vault and the identity.
    pub facts: Facts,
}

/// Rules that differ between services.
struct KindRules {
    soft_delete: Severity,
    purge_protection: Severity,
    /// Whether a user-assigned identity gets through a vault firewall's trusted-services
    /// exception. For Container Registry only the system-assigned identity does.
    user_assigned_is_trusted_service: bool,
    automatic_rotation: &'static str,
    /// Whether keyblade can build the steps for this kind yet.
    steps_supported: bool,
}

impl KindRules {
    fn of(kind: ResourceKind) -> KindRules {
        match kind {
            // ACR recommends purge protection and relies on soft delete being on (the
            // default); neither is enforced by the service.
            ResourceKind::ContainerRegistry => KindRules {
                soft_delete: Severity::Warning,
                purge_protection: Severity::Warning,
                user_assigned_is_trusted_service: false,
                automatic_rotation: "within an hour",
                steps_supported: true,
            },
            // Storage and Azure AI services refuse a vault without both protections.
            ResourceKind::StorageAccount => KindRules {
                soft_delete: Severity::Error,
                purge_protection: Severity::Error,
                user_assigned_is_trusted_service: false,
                automatic_rotation: "within 24 hours",
                steps_supported: false,
            },
            ResourceKind::CognitiveServicesAccount => KindRules {
                soft_delete: Severity::Error,
                purge_protection: Severity::Error,
                user_assigned_is_trusted_service: false,
                automatic_rotation: "when the service next checks the vault",
                steps_supported: false,
            },
        }
    }
}

/// Keys expiring within this window get a warning.
const EXPIRY_WARNING: Duration = Duration::days(30);

/// Works out the findings and steps for changing `input.resource`'s encryption to
/// `input.desired`, as of `now`.
pub fn plan(input: &PreflightInput, now: OffsetDateTime) -> Plan {
    let mut planner = Planner {
        input,
        rules: KindRules::of(input.resource.kind),
        findings: Vec::new(),
        steps: Vec::new(),
    };
    planner.run(now);
    let Planner {
        mut findings,
        steps,
        ..
    } = planner;
    findings.sort_by_key(|f| f.severity);
    Plan { steps, findings }
}

/// The identity that will reach the key, as far as it is known.
struct ResolvedIdentity {
    principal: Option<Principal>,
    /// The value ACR stores in `keyVaultProperties.identity`.
    acr_identity_value: Option<String>,
    tenant_id: Option<String>,
    is_system_assigned: bool,
}

struct Planner<'a> {
    input: &'a PreflightInput,
    rules: KindRules,
    findings: Vec<Finding>,
    steps: Vec<PlanStep>,
}

impl Planner<'_> {
    fn add(&mut self, severity: Severity, code: FindingCode, message: String, fix: Option<String>) {
        self.findings.push(Finding {
            severity,
            code,
            message,
            fix,
        });
    }

    fn resource(&self) -> &ResourceState {
        &self.input.resource
    }

    fn key_uri(&self) -> &KeyUri {
        &self.input.desired.key_uri
    }

    fn run(&mut self, now: OffsetDateTime) {
        if !self.resource_can_take_a_key() {
            return;
        }
        if !self.rules.steps_supported {
            let kind = self.resource().kind.display_name();
            self.add(
                Severity::Error,
                FindingCode::PlanKindNotSupported,
                format!("keyblade can check a {kind}'s key but cannot change its encryption yet."),
                Some(format!(
                    "Change the key in the Azure portal's Encryption page of the {kind}, using \
                     the findings here to prepare the key and vault."
                )),
            );
        }
        let identity = self.resolve_identity();
        self.check_key(now);
        self.check_rotation();
        self.check_vault(&identity);
        if self.rules.steps_supported {
            self.add_key_step(&identity);
        }
    }

    /// Container Registry takes a customer-managed key only at creation and only on
    /// Premium; afterwards the key can be changed but never added.
    fn resource_can_take_a_key(&mut self) -> bool {
        let resource = self.resource();
        if resource.kind != ResourceKind::ContainerRegistry {
            return true;
        }
        const RULE: &str = "A customer-managed key can be set only when a registry is created, and only on the Premium tier.";
        let name = resource.id.name().to_owned();
        let sku = resource.sku.clone();
        let is_premium = sku
            .as_deref()
            .is_some_and(|sku| sku.eq_ignore_ascii_case("Premium"));
        let has_cmk = matches!(
            resource.encryption,
            CurrentEncryption::CustomerManaged { .. }
        );
        if !is_premium {
            self.add(
                Severity::Error,
                FindingCode::AcrNotPremium,
                format!(
                    "Registry {name} is on the {} tier. {RULE}",
                    sku.as_deref().unwrap_or("unknown")
                ),
                Some(
                    "Create a new Premium registry with a customer-managed key (az acr create \
                     --sku Premium --identity … --key-encryption-key …) and import the images \
                     into it (az acr import)."
                        .to_owned(),
                ),
            );
        }
        if !has_cmk {
            self.add(
                Severity::Error,
                FindingCode::AcrCreatedWithoutCmk,
                format!(
                    "Registry {name} was created with Microsoft-managed keys, and encryption \
                     cannot be switched to a customer-managed key afterwards. {RULE}"
                ),
                Some(
                    "Create a new Premium registry with a customer-managed key (az acr create \
                     --sku Premium --identity … --key-encryption-key …) and import the images \
                     into it (az acr import)."
                        .to_owned(),
                ),
            );
        }
        is_premium && has_cmk
    }

    fn resolve_identity(&mut self) -> ResolvedIdentity {
        let resource = self.resource().clone();
        match &self.input.desired.identity {
            IdentityChoice::SystemAssigned => match &resource.identity.system_assigned {
                Some(system) => ResolvedIdentity {
                    principal: Some(Principal::Known(system.principal_id.clone())),
                    acr_identity_value: Some("system".to_owned()),
                    tenant_id: Some(system.tenant_id.clone()),
                    is_system_assigned: true,
                },
                None if !self.rules.steps_supported => {
                    self.add(
                        Severity::Warning,
                        FindingCode::IdentitySystemAssignedOff,
                        format!(
                            "The system-assigned identity of {} is off, so it cannot reach the \
                             key and its access cannot be checked.",
                            resource.id.name()
                        ),
                        Some(
                            "Turn the identity on in the resource's Identity page, grant it \
                             access to the key, then change the key."
                                .to_owned(),
                        ),
                    );
                    ResolvedIdentity {
                        principal: None,
                        acr_identity_value: None,
                        tenant_id: Some(resource.tenant_id.clone()),
                        is_system_assigned: true,
                    }
                }
                None => {
                    let user_assigned: Vec<ResourceId> = resource
                        .identity
                        .user_assigned
                        .iter()
                        .map(|u| u.resource_id.clone())
                        .collect();
                    self.steps.push(steps::enable_registry_system_identity(
                        &resource.id,
                        &user_assigned,
                    ));
                    self.add(
                        Severity::Info,
                        FindingCode::IdentitySystemAssignedWillBeTurnedOn,
                        format!(
                            "The system-assigned identity of {} is off; saving turns it on \
                             first. Entra ID creates it in the subscription's tenant.",
                            resource.id.name()
                        ),
                        None,
                    );
                    ResolvedIdentity {
                        principal: Some(Principal::NewSystemAssigned {
                            resource: resource.id.clone(),
                        }),
                        acr_identity_value: Some("system".to_owned()),
                        tenant_id: Some(resource.tenant_id.clone()),
                        is_system_assigned: true,
                    }
                }
            },
            IdentityChoice::UserAssigned { resource_id }
                if self.input.facts.user_assigned_identity_deleted =>
            {
                // Deleted outright: "not attached" or "could not read" would send the user
                // looking for the wrong fix.
                self.add(
                    Severity::Error,
                    FindingCode::IdentityDeleted,
                    format!(
                        "The user-assigned identity {} no longer exists: it was deleted, so it \
                         cannot get a token to reach the key.",
                        resource_id.name()
                    ),
                    Some(format!(
                        "Choose another identity, or the system-assigned one. An identity created \
                         again with the same name gets new IDs: attach it to the {} and grant \
                         it access to the key again.",
                        if resource.kind == ResourceKind::ContainerRegistry {
                            "registry"
                        } else {
                            resource.kind.display_name()
                        }
                    )),
                );
                ResolvedIdentity {
                    principal: None,
                    acr_identity_value: None,
                    tenant_id: None,
                    is_system_assigned: false,
                }
            }
            IdentityChoice::UserAssigned { resource_id } => {
                let attached = resource
                    .identity
                    .user_assigned
                    .iter()
                    .find(|u| u.resource_id == *resource_id)
                    .cloned();
                if attached.is_none() {
                    self.add(
                        Severity::Error,
                        FindingCode::IdentityNotAttached,
                        format!(
                            "The user-assigned identity {} is not attached to {}, so the \
                             service cannot use it to reach the key.",
                            resource_id.name(),
                            resource.id.name()
                        ),
                        Some(format!(
                            "Attach it first: {}",
                            AzCommand::new(&["az", "acr", "identity", "assign"])
                                .option("--name", resource.id.name())
                                .option("--resource-group", resource.id.resource_group())
                                .option("--subscription", resource.id.subscription_id())
                                .option("--identities", resource_id.as_str())
                                .render()
                        )),
                    );
                }
                let looked_up = self
                    .input
                    .facts
                    .user_assigned_identity
                    .as_ref()
                    .filter(|u| u.resource_id == *resource_id);
                let tenant_id = looked_up
                    .and_then(|u| u.tenant_id.clone())
                    .or_else(|| attached.as_ref().and_then(|u| u.tenant_id.clone()));
                match attached.as_ref().or(looked_up) {
                    Some(identity) => ResolvedIdentity {
                        principal: Some(Principal::Known(identity.principal_id.clone())),
                        acr_identity_value: Some(identity.client_id.clone()),
                        tenant_id,
                        is_system_assigned: false,
                    },
                    None => {
                        self.add(
                            Severity::Warning,
                            FindingCode::IdentityUnresolved,
                            format!(
                                "keyblade could not read the identity {}, so it cannot check \
                                 the identity's access to the key.",
                                resource_id.name()
                            ),
                            Some(
                                "Check that the identity exists and that you can read it \
                                 (Reader on the identity or its resource group)."
                                    .to_owned(),
                            ),
                        );
                        ResolvedIdentity {
                            principal: None,
                            acr_identity_value: None,
                            tenant_id: None,
                            is_system_assigned: false,
                        }
                    }
                }
            }
        }
    }

    fn check_key(&mut self, now: OffsetDateTime) {
        let uri = self.key_uri().to_string();
        let name = self.key_uri().key_name().to_owned();
        let vault = self.key_uri().vault_name().to_owned();
        let details = match &self.input.facts.key {
            KeyLookup::Found(details) => details.clone(),
            KeyLookup::NotFound => {
                self.add(
                    Severity::Error,
                    FindingCode::KeyNotFound,
                    format!("Key Vault has no key {uri}: the key (or this version) does not exist or was deleted."),
                    Some(format!(
                        "Check the name and version in the Keys list of vault {vault}; a deleted \
                         key can be recovered under Manage deleted keys \
                         (az keyvault key recover --vault-name {vault} --name {name})."
                    )),
                );
                return;
            }
            KeyLookup::Unreadable { reason, cause } => {
                let reason = reason.clone();
                let fix = match cause {
                    UnreadableCause::Permission => format!(
                        "To let keyblade check the key, give your account permission to read \
                         keys in vault {vault} (Key Vault Reader, or the get key permission)."
                    ),
                    UnreadableCause::Firewall => format!(
                        "Vault {vault}'s firewall does not admit the network keyblade runs on. To \
                         let keyblade check the key, add your client address under the vault's \
                         Networking settings, or run keyblade from a network the vault allows."
                    ),
                    UnreadableCause::Other => format!(
                        "Check your network connection and that vault {vault} is reachable, then \
                         refresh."
                    ),
                };
                self.add(
                    Severity::Warning,
                    FindingCode::KeyUnreadable,
                    format!(
                        "keyblade could not read key {uri} ({reason}), so it cannot check that \
                         the key is enabled, unexpired and of a supported type."
                    ),
                    Some(fix),
                );
                return;
            }
        };
        if !details.enabled {
            self.add(
                Severity::Error,
                FindingCode::KeyDisabled,
                format!("Key {name} is disabled, so Key Vault refuses to wrap or unwrap with it."),
                Some(format!(
                    "Enable it: az keyvault key set-attributes --vault-name {vault} --name {name} --enabled true"
                )),
            );
        }
        if let Some(expires) = details.expires {
            if expires <= now {
                self.add(
                    Severity::Error,
                    FindingCode::KeyExpired,
                    format!(
                        "Key {name} expired on {}; Key Vault refuses to wrap with an expired key.",
                        date(expires)
                    ),
                    Some(format!(
                        "Create a new version (az keyvault key rotate --vault-name {vault} --name {name}) \
                         and use the key without a version, or extend the expiry date."
                    )),
                );
            } else if expires - now <= EXPIRY_WARNING {
                self.add(
                    Severity::Warning,
                    FindingCode::KeyExpiresSoon,
                    format!(
                        "Key {name} expires on {}. After that the service cannot wrap new data \
                         keys with it.",
                        date(expires)
                    ),
                    Some(
                        "Set a rotation policy on the key, or create a new version before it \
                         expires and use the key without a version."
                            .to_owned(),
                    ),
                );
            }
        }
        if let Some(not_before) = details.not_before
            && not_before > now
        {
            self.add(
                Severity::Error,
                FindingCode::KeyNotYetValid,
                format!(
                    "Key {name} is not valid until {} (its activation date); Key Vault refuses \
                     to use it before then.",
                    date(not_before)
                ),
                Some("Wait until the activation date, or clear it on the key version.".to_owned()),
            );
        }
        let kty_supported = ["RSA", "RSA-HSM"]
            .iter()
            .any(|kty| details.kty.eq_ignore_ascii_case(kty));
        if !kty_supported {
            self.add(
                Severity::Error,
                FindingCode::KeyUnsupportedType,
                format!(
                    "Key {name} is of type {}; customer-managed keys must be RSA or RSA-HSM.",
                    details.kty
                ),
                Some(format!(
                    "Create an RSA key: az keyvault key create --vault-name {vault} --name <new-name> --kty RSA --size 3072"
                )),
            );
        }
        // Operations matter only for a key type that can wrap at all.
        if !kty_supported {
            return;
        }
        let missing_ops: Vec<&str> = ["wrapKey", "unwrapKey"]
            .into_iter()
            .filter(|op| !details.key_ops.iter().any(|k| k.eq_ignore_ascii_case(op)))
            .collect();
        if !missing_ops.is_empty() {
            self.add(
                Severity::Error,
                FindingCode::KeyMissingOperations,
                format!(
                    "Key {name} does not allow {}; the service wraps its data key with the key \
                     and needs both wrapKey and unwrapKey.",
                    missing_ops.join(" and ")
                ),
                Some(format!(
                    "Allow the operations: az keyvault key set-attributes --vault-name {vault} \
                     --name {name} --ops {}",
                    merged_ops(&details.key_ops)
                )),
            );
        }
    }

    fn check_rotation(&mut self) {
        let desired = self.key_uri().clone();
        let automatic = self.rules.automatic_rotation;
        match desired.version() {
            None => self.add(
                Severity::Info,
                FindingCode::RotationAutomatic,
                format!(
                    "The key URI has no version, so rotation is automatic: the service moves to \
                     each new key version {automatic}."
                ),
                None,
            ),
            Some(version) => self.add(
                Severity::Info,
                FindingCode::RotationManual,
                format!(
                    "The key URI names version {version}, so rotation is manual: the service \
                     keeps using this version until the key URI is changed."
                ),
                None,
            ),
        }
        if let CurrentEncryption::CustomerManaged { key_uri, .. } = &self.resource().encryption
            && desired.kind() == KeyUriKind::Versioned
            && current_is_unversioned(key_uri)
        {
            self.add(
                Severity::Warning,
                FindingCode::RotationPinning,
                "The key is rotated automatically now; a versioned URI switches to manual \
                 rotation, and new key versions will no longer be picked up."
                    .to_owned(),
                Some(format!(
                    "To keep automatic rotation, use the URI without the version: {}",
                    desired.without_version()
                )),
            );
        }
        if let (Some(version), KeyLookup::Found(details)) =
            (desired.version(), &self.input.facts.key)
            && let Some(latest) = &details.latest_version
            && !latest.eq_ignore_ascii_case(version.as_str())
        {
            self.add(
                Severity::Warning,
                FindingCode::RotationNotLatestVersion,
                format!(
                    "Version {version} is not the key's latest version ({}): the service would \
                     encrypt with an older version.",
                    latest.to_ascii_lowercase()
                ),
                Some(format!(
                    "Use the latest version ({}/{}) or the URI without a version.",
                    desired.without_version(),
                    latest.to_ascii_lowercase()
                )),
            );
        }
    }

    fn check_vault(&mut self, identity: &ResolvedIdentity) {
        let Some(vault) = self.input.facts.vault.clone() else {
            self.add(
                Severity::Warning,
                FindingCode::VaultNotFound,
                format!(
                    "keyblade could not find the {} {} in the subscriptions you can read, so it \
                     cannot check its tenant, protection, firewall or access.",
                    if self.key_uri().is_managed_hsm() {
                        "Managed HSM"
                    } else {
                        "key vault"
                    },
                    self.key_uri().vault_name()
                ),
                Some(
                    "Check that your account can read the vault's resource (Reader on the \
                     vault, its resource group or subscription)."
                        .to_owned(),
                ),
            );
            return;
        };
        if !vault
            .id
            .name()
            .eq_ignore_ascii_case(self.key_uri().vault_name())
        {
            self.add(
                Severity::Error,
                FindingCode::VaultMismatch,
                format!(
                    "The vault resource {} is not the vault of the key URI ({}).",
                    vault.id.name(),
                    self.key_uri().vault_name()
                ),
                Some("Reload the key's vault and plan again.".to_owned()),
            );
            return;
        }
        self.check_tenant(&vault, identity);
        self.check_protection(&vault);
        self.check_network(&vault, identity);
        self.check_access(&vault, identity);
    }

    fn check_tenant(&mut self, vault: &VaultFacts, identity: &ResolvedIdentity) {
        let resource_tenant = self.resource().tenant_id.clone();
        let other_tenant = if !vault.tenant_id.eq_ignore_ascii_case(&resource_tenant) {
            Some(("the resource's subscription", resource_tenant))
        } else {
            identity
                .tenant_id
                .as_ref()
                .filter(|t| !t.eq_ignore_ascii_case(&vault.tenant_id))
                .map(|t| ("the identity", t.clone()))
        };
        if let Some((whose, tenant)) = other_tenant {
            self.add(
                Severity::Error,
                FindingCode::VaultOtherTenant,
                format!(
                    "Vault {} belongs to tenant {}, but {whose} belongs to tenant {tenant}. A \
                     managed identity gets tokens only in its own tenant, so it cannot reach \
                     a key in another tenant.",
                    vault.id.name(),
                    vault.tenant_id
                ),
                Some(
                    "Use a key in a vault of the same tenant as the resource's subscription."
                        .to_owned(),
                ),
            );
        }
    }

    fn check_protection(&mut self, vault: &VaultFacts) {
        let name = vault.id.name().to_owned();
        let is_hsm = self.key_uri().is_managed_hsm();
        let command = if is_hsm {
            "az keyvault update-hsm --hsm-name"
        } else {
            "az keyvault update --name"
        };
        if vault.enable_soft_delete == Some(false) {
            self.add(
                self.rules.soft_delete,
                FindingCode::VaultSoftDeleteOff,
                format!(
                    "Vault {name} has soft delete turned off: a deleted key is gone at once, \
                     and with it every piece of data encrypted under it."
                ),
                Some(format!(
                    "Turn soft delete on: {command} {name} --resource-group {} --enable-soft-delete true",
                    vault.id.resource_group()
                )),
            );
        }
        if vault.enable_purge_protection != Some(true) {
            self.add(
                self.rules.purge_protection,
                FindingCode::VaultPurgeProtectionOff,
                format!(
                    "Vault {name} does not have purge protection: anyone allowed to purge can \
                     destroy the key for good during the retention period, making the data \
                     unreadable."
                ),
                Some(format!(
                    "Turn purge protection on (it cannot be turned off again): {command} {name} \
                     --resource-group {} --enable-purge-protection true",
                    vault.id.resource_group()
                )),
            );
        }
    }

    fn check_network(&mut self, vault: &VaultFacts, identity: &ResolvedIdentity) {
        let public_disabled = vault
            .public_network_access
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("Disabled"));
        let firewall_denies = vault
            .network_acls
            .as_ref()
            .is_some_and(|acls| acls.default_action.eq_ignore_ascii_case("Deny"));
        if !public_disabled && !firewall_denies {
            return;
        }
        let restriction = if public_disabled {
            "public network access disabled"
        } else {
            "its firewall denying public traffic by default"
        };
        let bypass = vault
            .network_acls
            .as_ref()
            .and_then(|acls| acls.bypass.as_deref())
            .is_some_and(|b| {
                b.split(',')
                    .any(|part| part.trim().eq_ignore_ascii_case("AzureServices"))
            });
        let name = vault.id.name().to_owned();
        let kind = self.resource().kind.display_name();
        let identity_passes =
            identity.is_system_assigned || self.rules.user_assigned_is_trusted_service;
        match (bypass, identity_passes) {
            (true, true) => self.add(
                Severity::Info,
                FindingCode::NetworkTrustedServiceBypass,
                format!(
                    "Vault {name} has {restriction}; the {kind} gets through as a trusted \
                     Microsoft service with its system-assigned identity."
                ),
                None,
            ),
            (true, false) => self.add(
                Severity::Error,
                FindingCode::NetworkUserAssignedBlocked,
                format!(
                    "Vault {name} has {restriction}. The trusted-services exception lets a \
                     {kind} through only with its system-assigned identity, not a user-assigned \
                     one, so the key would be unreachable."
                ),
                Some(format!(
                    "Choose the system-assigned identity, which the vault lets through as a \
                     trusted service, or open the vault to public traffic (az keyvault update \
                     --name {name} --resource-group {}{} --default-action Allow).",
                    vault.id.resource_group(),
                    if public_disabled {
                        " --public-network-access Enabled"
                    } else {
                        ""
                    }
                )),
            ),
            (false, _) => self.add(
                Severity::Error,
                FindingCode::NetworkBlocked,
                format!(
                    "Vault {name} has {restriction} and does not let trusted Microsoft services \
                     bypass it, so the {kind} cannot reach the key."
                ),
                Some(format!(
                    "Allow trusted services: az keyvault update --name {name} --resource-group {} \
                     --bypass AzureServices, and use the system-assigned identity.",
                    vault.id.resource_group()
                )),
            ),
        }
    }

    fn check_access(&mut self, vault: &VaultFacts, identity: &ResolvedIdentity) {
        let Some(principal) = identity.principal.clone() else {
            return;
        };
        let grant = self.input.desired.grant_access.clone();
        if self.key_uri().is_managed_hsm() {
            self.add(
                Severity::Warning,
                FindingCode::HsmAccessNotChecked,
                "Managed HSM grants access with its own local roles, which keyblade does not \
                 read yet, so the identity's access to the key is not checked."
                    .to_owned(),
                Some(format!(
                    "Make sure the identity has Managed HSM Crypto Service Encryption User on the \
                     key: az keyvault role assignment create --hsm-name {} --role \"Managed HSM \
                     Crypto Service Encryption User\" --assignee-object-id <principal-id> --scope \
                     /keys/{}",
                    vault.id.name(),
                    self.key_uri().key_name()
                )),
            );
            return;
        }
        let report = match &principal {
            Principal::Known(principal_id) if vault.enable_rbac_authorization => {
                check_role_assignments(
                    vault,
                    principal_id,
                    &self.input.facts.role_assignments,
                    &self.input.facts.role_definitions,
                )
            }
            Principal::Known(principal_id) => check_access_policies(vault, principal_id),
            // A new identity has no access anywhere yet.
            Principal::NewSystemAssigned { .. } => AccessReport {
                missing: access::NEEDED.to_vec(),
                ..AccessReport::default()
            },
        };
        // The role assignment's name appears only in the REST path, so a fix that shows
        // just the CLI command does not need the caller's GUID.
        let grant_step = |assignment_name: &str| {
            if vault.enable_rbac_authorization {
                steps::create_role_assignment(&vault.id, &principal, assignment_name)
            } else {
                steps::add_access_policy(
                    &vault.id,
                    &vault.tenant_id,
                    &principal,
                    &report.existing_key_permissions,
                )
            }
        };
        let missing: Vec<&str> = report.missing.iter().map(|n| n.key_permission).collect();
        if missing.is_empty() {
            if grant.is_some() {
                self.add(
                    Severity::Info,
                    FindingCode::AccessAlreadyGranted,
                    "The identity already has get, wrapKey and unwrapKey on the key; nothing \
                     needs granting."
                        .to_owned(),
                    None,
                );
            }
            return;
        }
        let model = if vault.enable_rbac_authorization {
            "Azure role assignments"
        } else {
            "the vault's access policies"
        };
        if let Some(grant) = grant.as_ref().filter(|_| self.rules.steps_supported) {
            self.steps.push(grant_step(&grant.role_assignment_name));
            self.add(
                Severity::Info,
                FindingCode::AccessWillGrant,
                format!(
                    "Saving grants the identity {} through {model}. New access can take a few \
                     minutes to apply: if the key change is then refused with access denied, \
                     save again.",
                    missing.join(", ")
                ),
                None,
            );
            return;
        }
        let command = grant_step("new-guid").az_command;
        // Name the control the review really shows: a "Grant access" button grants now, but
        // an identity this save turns on does not exist yet, so the review offers a check
        // box that makes Save grant it right after turning it on. Kinds keyblade cannot
        // change yet get neither.
        let fix = Some(if !self.rules.steps_supported {
            format!("keyblade cannot grant it for this kind of resource yet; run: {command}")
        } else if matches!(principal, Principal::NewSystemAssigned { .. }) {
            format!(
                "Select the \"Grant access when saving\" check box to let keyblade grant it \
                 right after turning the identity on, or turn the identity on yourself and run: \
                 {command}"
            )
        } else {
            format!("Select \"Grant access\" to let keyblade do it, or run: {command}")
        });
        if let Some(error) = self.input.facts.role_assignments_unreadable.clone()
            && !report.is_uncertain()
        {
            // Nothing found may only mean nothing could be listed.
            self.add(
                Severity::Warning,
                FindingCode::AccessUnreadable,
                format!(
                    "keyblade could not list the role assignments on the vault ({}), so it \
                     cannot tell whether the identity may get, wrap and unwrap the key.",
                    error.trim_end_matches('.')
                ),
                Some(
                    "Ask for Reader on the vault (it includes reading role assignments), or \
                     make sure the identity has the role Key Vault Crypto Service Encryption \
                     User on the vault."
                        .to_owned(),
                ),
            );
        } else if matches!(principal, Principal::NewSystemAssigned { .. }) {
            self.add(
                Severity::Error,
                FindingCode::AccessNewIdentityHasNoAccess,
                format!(
                    "The system-assigned identity will be new, so it has no access to the key \
                     yet; it needs get, wrapKey and unwrapKey through {model}."
                ),
                fix,
            );
        } else if report.is_uncertain() {
            let mut unknowns: Vec<String> = report.unknown_roles.clone();
            if report.conditional_assignments > 0 {
                unknowns.push(format!(
                    "{} role assignment(s) with conditions",
                    report.conditional_assignments
                ));
            }
            self.add(
                Severity::Warning,
                FindingCode::AccessUnverified,
                format!(
                    "keyblade found no grant of {} to the identity, but could not evaluate {}, \
                     which may grant it.",
                    missing.join(", "),
                    unknowns.join(", ")
                ),
                fix,
            );
        } else {
            self.add(
                Severity::Error,
                FindingCode::AccessMissingPermissions,
                format!(
                    "The identity lacks {} on the key through {model}; without them the service \
                     cannot wrap or unwrap its data key.",
                    missing.join(", ")
                ),
                fix,
            );
        }
    }

    fn add_key_step(&mut self, identity: &ResolvedIdentity) {
        let Some(identity_value) = identity.acr_identity_value.clone() else {
            return;
        };
        let desired = self.key_uri().clone();
        if let CurrentEncryption::CustomerManaged {
            key_uri,
            identity: current_identity,
            ..
        } = &self.resource().encryption
        {
            let same_key = KeyUri::parse(key_uri)
                .map(|current| current == desired)
                .unwrap_or_else(|_| key_uri.eq_ignore_ascii_case(&desired.to_string()));
            if same_key && current_identity.eq_ignore_ascii_case(&identity_value) {
                self.add(
                    Severity::Info,
                    FindingCode::PlanNoChange,
                    "The resource already uses this key URI with this identity; there is \
                     nothing to change."
                        .to_owned(),
                    None,
                );
                return;
            }
        }
        let resource_id = self.resource().id.clone();
        self.steps.push(steps::set_registry_key(
            &resource_id,
            &desired,
            &identity_value,
        ));
    }
}

/// Whether a configured key URI (as ARM stores it) has no version.
fn current_is_unversioned(key_uri: &str) -> bool {
    match KeyUri::parse(key_uri) {
        Ok(uri) => uri.kind() == KeyUriKind::Unversioned,
        // A URI keyblade would not accept as input (e.g. a custom cloud's): count the
        // path segments after /keys/.
        Err(_) => {
            let path = key_uri.split("/keys/").nth(1).unwrap_or("");
            path.trim_end_matches('/').split('/').count() < 2
        }
    }
}

/// The key's operations plus wrapKey and unwrapKey, for `--ops`.
fn merged_ops(existing: &[String]) -> String {
    let mut ops: Vec<String> = existing.to_vec();
    for needed in ["wrapKey", "unwrapKey"] {
        if !ops.iter().any(|op| op.eq_ignore_ascii_case(needed)) {
            ops.push(needed.to_owned());
        }
    }
    ops.join(" ")
}

fn date(moment: OffsetDateTime) -> String {
    let utc = moment.to_offset(time::UtcOffset::UTC);
    format!(
        "{}-{:02}-{:02} {:02}:{:02} UTC",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute()
    )
}
