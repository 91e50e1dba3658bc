//! The preflight planner: before a customer-managed key is saved, work out what is wrong
//! with the choice and which calls would make the change.
//!
//! [`plan`] is pure: the caller gathers the facts (ARM, Key Vault) and passes `now`; the
//! result lists findings (errors block saving) and the ordered steps, each with its ARM
//! request and the equivalent Azure CLI command. Every [`ResourceKind`] is planned from the
//! same input; what differs between services comes from its [`KindRules`] row.

mod access;
mod finding;
mod input;
mod steps;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::arm_id::ResourceId;
use crate::key_uri::{KeyUri, KeyUriKind};
pub use crate::kind::KindRules;
use crate::kind::{BodyShape, IdentityReference};

pub use access::{AccessReport, CRYPTO_SERVICE_ENCRYPTION_USER, Needed, wildcard_match};
pub use finding::FindingCode;
pub use input::{
    AccessPolicy, AccessPolicyPermissions, CurrentEncryption, Desired, DesiredEncryption, Facts,
    GrantAccess, IdentityChoice, KeyDetails, KeyLookup, NetworkAcls, ResourceIdentity,
    ResourceKind, ResourceState, RoleAssignment, RoleDefinition, RolePermission,
    SystemAssignedIdentity, UnreadableCause, UserAssignedIdentity, VaultFacts,
};
pub use steps::{
    AUTHORIZATION_API_VERSION, AzArg, AzCommand, COGNITIVE_SERVICES_API_VERSION,
    CONTAINER_REGISTRY_API_VERSION, HttpMethod, KEY_VAULT_API_VERSION, KEY_VAULT_DATA_API_VERSION,
    Placeholder, PlanStep, STORAGE_API_VERSION, StepKind,
};

pub(crate) use access::{check_access_policies, check_role_assignments};
pub(crate) use steps::Principal;
// The lifecycle planners (`crate::lifecycle`) plan the same grants as Change key.
pub(crate) use steps::{add_access_policy, create_role_assignment, enable_system_identity};

/// How much a finding matters. Errors block saving.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// The key and identity the user chose, or Microsoft-managed keys.
    pub desired: Desired,
    /// What was looked up about the key, its vault and the identity.
    pub facts: Facts,
}

/// How every kind's stored encryption names the system-assigned identity.
const SYSTEM: &str = "system";

/// Keys expiring within this window get a warning.
const EXPIRY_WARNING: Duration = Duration::days(30);

/// Works out the findings and steps for changing `input.resource`'s encryption to
/// `input.desired`, as of `now`.
pub fn plan(input: &PreflightInput, now: OffsetDateTime) -> Plan {
    let rules = KindRules::of(input.resource.kind);
    let (mut findings, steps) = match &input.desired {
        Desired::MicrosoftManagedKeys => plan_disable(&input.resource, rules),
        Desired::CustomerManagedKey(desired) => {
            let mut planner = Planner {
                input,
                rules,
                desired,
                findings: Vec::new(),
                steps: Vec::new(),
            };
            planner.run(now);
            (planner.findings, planner.steps)
        }
    };
    findings.sort_by_key(|f| f.severity);
    Plan { steps, findings }
}

/// Back to Microsoft-managed keys: one write of the resource, where the kind allows it.
/// The key, vault and identity no longer matter, so nothing about them is checked.
fn plan_disable(resource: &ResourceState, rules: &KindRules) -> (Vec<Finding>, Vec<PlanStep>) {
    let name = resource.id.name();
    let kind = rules.display_name;
    if !rules.can_disable {
        let finding = Finding {
            severity: Severity::Error,
            code: FindingCode::PlanDisableNotSupported,
            message: format!(
                "A {kind} cannot go back to Microsoft-managed keys: its encryption is chosen \
                 when it is created and stays for its lifetime."
            ),
            fix: Some(format!(
                "Keep the customer-managed key, or create a new {kind} with Microsoft-managed \
                 keys and move the content into it."
            )),
        };
        return (vec![finding], Vec::new());
    }
    if resource.encryption == CurrentEncryption::ServiceManaged {
        let finding = Finding {
            severity: Severity::Info,
            code: FindingCode::PlanNoChange,
            message: format!("The {kind} {name} already uses Microsoft-managed keys."),
            fix: None,
        };
        return (vec![finding], Vec::new());
    }
    let finding = Finding {
        severity: Severity::Info,
        code: FindingCode::PlanWillDisable,
        message: format!(
            "Saving turns the customer-managed key of {name} off: the service encrypts with \
             Microsoft-managed keys again. The key and the identity's access to it are left \
             as they are."
        ),
        fix: None,
    };
    (
        vec![finding],
        vec![steps::use_microsoft_managed_keys(&resource.id, rules)],
    )
}

/// The identity that will reach the key, as far as it is known.
struct ResolvedIdentity {
    principal: Option<Principal>,
    /// How the kind's encryption names the identity (`system`, a client ID or a resource
    /// ID: [`crate::kind::IdentityReference`]).
    stored_value: Option<String>,
    /// A user-assigned identity's client ID (Azure AI services' `identityClientId`).
    client_id: Option<String>,
    /// A user-assigned identity's resource ID (storage's `userAssignedIdentity`).
    resource_id: Option<ResourceId>,
    tenant_id: Option<String>,
    is_system_assigned: bool,
}

struct Planner<'a> {
    input: &'a PreflightInput,
    rules: &'static KindRules,
    /// The key and identity chosen.
    desired: &'a DesiredEncryption,
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
        &self.desired.key_uri
    }

    fn run(&mut self, now: OffsetDateTime) {
        if !self.resource_can_take_a_key() {
            return;
        }
        let identity = self.resolve_identity();
        self.check_key(now);
        self.check_rotation();
        self.check_vault(&identity);
        self.add_key_step(&identity);
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
        let unknown = ResolvedIdentity {
            principal: None,
            stored_value: None,
            client_id: None,
            resource_id: None,
            tenant_id: None,
            is_system_assigned: false,
        };
        let system = matches!(self.desired.identity, IdentityChoice::SystemAssigned);
        let supported = if system {
            self.rules.system_assigned_identity
        } else {
            self.rules.user_assigned_identity
        };
        if !supported {
            let which = if system {
                "system-assigned"
            } else {
                "user-assigned"
            };
            self.add(
                Severity::Error,
                FindingCode::IdentityKindNotSupported,
                format!(
                    "A {} cannot reach its key with a {which} identity.",
                    self.rules.display_name
                ),
                Some(format!(
                    "Choose the {} identity.",
                    if system {
                        "user-assigned"
                    } else {
                        "system-assigned"
                    }
                )),
            );
            return unknown;
        }
        match &self.desired.identity {
            IdentityChoice::SystemAssigned => match &resource.identity.system_assigned {
                Some(system) => ResolvedIdentity {
                    principal: Some(Principal::Known(system.principal_id.clone())),
                    stored_value: Some(SYSTEM.to_owned()),
                    tenant_id: Some(system.tenant_id.clone()),
                    is_system_assigned: true,
                    ..unknown
                },
                None => {
                    let user_assigned: Vec<ResourceId> = resource
                        .identity
                        .user_assigned
                        .iter()
                        .map(|u| u.resource_id.clone())
                        .collect();
                    self.steps.push(steps::enable_system_identity(
                        &resource.id,
                        self.rules,
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
                            kind: resource.kind,
                        }),
                        stored_value: Some(SYSTEM.to_owned()),
                        tenant_id: Some(resource.tenant_id.clone()),
                        is_system_assigned: true,
                        ..unknown
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
                        self.rules.short_name
                    )),
                );
                unknown
            }
            IdentityChoice::UserAssigned { resource_id } => {
                let attached = resource
                    .identity
                    .user_assigned
                    .iter()
                    .find(|u| u.resource_id == *resource_id)
                    .cloned();
                let looked_up = self
                    .input
                    .facts
                    .user_assigned_identity
                    .as_ref()
                    .filter(|u| u.resource_id == *resource_id);
                let resource_tenant = resource.tenant_id.clone();
                let other_tenant = looked_up
                    .and_then(|u| u.tenant_id.clone())
                    .filter(|t| !t.eq_ignore_ascii_case(&resource_tenant));
                if attached.is_none() && looked_up.is_some() && other_tenant.is_none() {
                    // Attached by the save itself, as its first step, so the review shows the
                    // write and its `az` equivalent like every other step.
                    self.steps
                        .push(crate::lifecycle::identity::add_user_assigned_step(
                            &resource,
                            resource_id,
                        ));
                    self.add(
                        Severity::Info,
                        FindingCode::IdentityWillAttach,
                        format!(
                            "The user-assigned identity {} is not attached to {} yet; saving \
                             attaches it first, keeping the {}'s other identities.",
                            resource_id.name(),
                            resource.id.name(),
                            self.rules.short_name
                        ),
                        None,
                    );
                } else if attached.is_none()
                    && let Some(tenant) = other_tenant
                {
                    self.add(
                        Severity::Error,
                        FindingCode::IdentityOtherTenant,
                        format!(
                            "The user-assigned identity {} lives in tenant {tenant}, and {} in \
                             tenant {resource_tenant}. Azure attaches only identities of the \
                             resource's own tenant.",
                            resource_id.name(),
                            resource.id.name()
                        ),
                        Some(format!(
                            "Choose an identity from a subscription of tenant {resource_tenant}."
                        )),
                    );
                } else if attached.is_none() {
                    // Only ACR's CLI attaches a user-assigned identity in one plain command;
                    // the others name the portal page rather than a half-right command.
                    let fix = if resource.kind == ResourceKind::ContainerRegistry {
                        format!(
                            "Attach it first: {}",
                            AzCommand::new(self.rules.az_assign_identity)
                                .option("--name", resource.id.name())
                                .option("--resource-group", resource.id.resource_group())
                                .option("--subscription", resource.id.subscription_id())
                                .option("--identities", resource_id.as_str())
                                .render()
                        )
                    } else {
                        format!(
                            "Attach it first on the {}'s Identity page (User assigned, Add).",
                            self.rules.display_name
                        )
                    };
                    self.add(
                        Severity::Error,
                        FindingCode::IdentityNotAttached,
                        format!(
                            "The user-assigned identity {} is not attached to {}, so the \
                             service cannot use it to reach the key.",
                            resource_id.name(),
                            resource.id.name()
                        ),
                        Some(fix),
                    );
                }
                let tenant_id = looked_up
                    .and_then(|u| u.tenant_id.clone())
                    .or_else(|| attached.as_ref().and_then(|u| u.tenant_id.clone()));
                match attached.as_ref().or(looked_up) {
                    Some(identity) => ResolvedIdentity {
                        principal: Some(Principal::Known(identity.principal_id.clone())),
                        stored_value: Some(match self.rules.identity_reference {
                            IdentityReference::ClientId => identity.client_id.clone(),
                            IdentityReference::ResourceId => identity.resource_id.to_string(),
                        }),
                        client_id: Some(identity.client_id.clone()),
                        resource_id: Some(identity.resource_id.clone()),
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
                        unknown
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
            None if !self.rules.follows_new_versions => {
                let latest = match &self.input.facts.key {
                    KeyLookup::Found(details) => details.latest_version.as_ref().map(|v| {
                        format!("{}/{}", desired.without_version(), v.to_ascii_lowercase())
                    }),
                    _ => None,
                };
                self.add(
                    Severity::Error,
                    FindingCode::CognitiveUnversionedKey,
                    format!(
                        "The key URI has no version, but a {} does not move to new key \
                         versions by itself: it needs the version to use.",
                        self.rules.display_name
                    ),
                    Some(format!(
                        "Choose a key version{}; when the key is rotated, use \"Update key \
                         version\" to move the account to the new one.",
                        latest
                            .map(|uri| format!(" (the latest is {uri})"))
                            .unwrap_or_default()
                    )),
                );
            }
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
        self.check_region(&vault);
        self.check_protection(&vault);
        self.check_network(&vault, identity);
        self.check_access(&vault, identity);
    }

    fn check_region(&mut self, vault: &VaultFacts) {
        if !self.rules.vault_same_region {
            return;
        }
        // ARM spells regions both ways (`westeurope`, `West Europe`).
        let normal = |region: &str| -> String {
            region
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase()
        };
        let (Some(resource_region), Some(vault_region)) =
            (self.resource().location.clone(), vault.location.clone())
        else {
            return;
        };
        if normal(&resource_region) != normal(&vault_region) {
            self.add(
                Severity::Error,
                FindingCode::VaultOtherRegion,
                format!(
                    "Vault {} is in {vault_region}, but the {} is in {resource_region}; a {} \
                     takes its key only from a vault in its own region.",
                    vault.id.name(),
                    self.rules.display_name,
                    self.rules.display_name
                ),
                Some(format!(
                    "Use a key in a vault in {resource_region}, or create one there (New vault)."
                )),
            );
        }
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
        let grant = self.desired.grant_access.clone();
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
        if let Some(grant) = grant.as_ref() {
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
        // box that makes Save grant it right after turning it on.
        let fix = Some(
            if matches!(principal, Principal::NewSystemAssigned { .. }) {
                format!(
                    "Select the \"Grant access when saving\" check box to let keyblade grant it \
                 right after turning the identity on, or turn the identity on yourself and run: \
                 {command}"
                )
            } else {
                format!("Select \"Grant access\" to let keyblade do it, or run: {command}")
            },
        );
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
        let Some(identity_value) = identity.stored_value.clone() else {
            return;
        };
        let desired = self.key_uri().clone();
        // The body of a kind that does not follow new versions needs one; the refusal
        // (`cognitive.unversionedKey`) says what to do instead.
        if desired.version().is_none() && !self.rules.follows_new_versions {
            return;
        }
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
        let step = match self.rules.body_shape {
            BodyShape::RegistryKeyVaultProperties => {
                steps::set_registry_key(&resource_id, &desired, &identity_value)
            }
            BodyShape::CognitiveKeyVaultProperties | BodyShape::StorageKeyvaultproperties => {
                let key_identity = if identity.is_system_assigned {
                    steps::KeyIdentity::SystemAssigned
                } else {
                    match (&identity.client_id, &identity.resource_id) {
                        (Some(client_id), Some(resource_id)) => steps::KeyIdentity::UserAssigned {
                            client_id: client_id.clone(),
                            resource_id: resource_id.clone(),
                        },
                        _ => return,
                    }
                };
                steps::set_account_key(&resource_id, self.rules, &desired, &key_identity)
            }
        };
        self.steps.push(step);
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
