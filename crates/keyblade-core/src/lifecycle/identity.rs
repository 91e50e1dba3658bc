//! The Identity blade: turning the system-assigned identity on and off, adding and removing user-assigned identities, refused when encryption uses them.
//!
//! [`plan`] is pure: the caller reads the resource (and, to add a user-assigned identity,
//! that identity's own resource, from whichever subscription holds it) and gets a
//! [`LifecyclePlan`] of at most one step: one PATCH of the resource's `identity` block.
//!
//! ARM's PATCH merges `identity.userAssignedIdentities`: an entry with a value attaches, an
//! entry whose value is `null` detaches, and an absent entry is left alone. A step that
//! changes `identity.type` restates every user-assigned identity that stays, so no service
//! reads the new type as replacing them.
//!
//! The one refusal that matters: an identity the customer-managed key is reached with may
//! not be turned off or detached, or the service loses its key and the data becomes
//! unreadable.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Confirmation, IdentityAction, LifecycleAction, LifecyclePlan};
use crate::arm_id::ResourceId;
use crate::kind::{BodyShape, IdentityReference, KindRules, ResourceKind};
use crate::preflight::{
    AzCommand, CurrentEncryption, Finding, FindingCode, HttpMethod, PlanStep, ResourceState,
    Severity, StepKind, UserAssignedIdentity,
};

/// How every kind's stored encryption names the system-assigned identity.
const SYSTEM: &str = "system";

/// What the planner reads for an identity change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityInput {
    /// The resource as it is now (its identities and its encryption).
    pub resource: ResourceState,
    /// The change asked for.
    pub change: IdentityAction,
    /// The user-assigned identity to add, read from its own resource; only for
    /// [`IdentityAction::AddUserAssigned`].
    #[serde(default)]
    pub identity_to_add: IdentityLookup,
}

/// What reading the user-assigned identity to add found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum IdentityLookup {
    /// Not looked up (the change adds nothing).
    #[default]
    NotLookedUp,
    /// Read from its own resource.
    Found {
        /// The identity, with its tenant.
        identity: UserAssignedIdentity,
    },
    /// Resource Manager answered 404: it does not exist (any more).
    Deleted,
    /// It could not be read.
    Unreadable {
        /// Why, in words for the user.
        reason: String,
    },
}

/// Plans `input.change` on `input.resource`.
pub fn plan(input: &IdentityInput) -> LifecyclePlan {
    let resource = &input.resource;
    let rules = KindRules::of(resource.kind);
    let mut planned = Planned::default();
    match &input.change {
        IdentityAction::TurnOnSystemAssigned => turn_on(resource, rules, &mut planned),
        IdentityAction::TurnOffSystemAssigned => turn_off(resource, rules, &mut planned),
        IdentityAction::AddUserAssigned { resource_id } => {
            add(input, rules, resource_id, &mut planned)
        }
        IdentityAction::RemoveUserAssigned { resource_id } => {
            remove(resource, rules, resource_id, &mut planned)
        }
    }
    let mut plan = LifecyclePlan {
        action: LifecycleAction::Identity {
            change: input.change.clone(),
        },
        title: planned.title,
        summary: planned.summary,
        steps: planned.steps,
        findings: planned.findings,
        confirmation: Confirmation::Review,
        affected: Vec::new(),
    };
    plan.sort_findings();
    plan
}

#[derive(Default)]
struct Planned {
    title: String,
    summary: String,
    steps: Vec<PlanStep>,
    findings: Vec<Finding>,
}

impl Planned {
    fn add(&mut self, severity: Severity, code: FindingCode, message: String, fix: Option<String>) {
        self.findings.push(Finding {
            severity,
            code,
            message,
            fix,
        });
    }

    fn no_change(&mut self, message: String) {
        self.add(Severity::Info, FindingCode::PlanNoChange, message, None);
    }
}

/// The identity the customer-managed key is reached with, as stored (`system`, a client ID
/// or a resource ID); `None` with Microsoft-managed keys.
fn encryption_identity(resource: &ResourceState) -> Option<&str> {
    match &resource.encryption {
        CurrentEncryption::CustomerManaged { identity, .. } => Some(identity.as_str()),
        CurrentEncryption::ServiceManaged => None,
    }
}

/// The key's URI, for messages.
fn key_uri(resource: &ResourceState) -> &str {
    match &resource.encryption {
        CurrentEncryption::CustomerManaged { key_uri, .. } => key_uri,
        CurrentEncryption::ServiceManaged => "",
    }
}

/// Whether the customer-managed key is reached with the attached user-assigned `identity`.
/// Both of its IDs are compared: the kind's own reference first, the other as a fallback
/// for a stored value written by another tool.
fn key_uses(resource: &ResourceState, rules: &KindRules, identity: &UserAssignedIdentity) -> bool {
    let Some(stored) = encryption_identity(resource) else {
        return false;
    };
    if stored.eq_ignore_ascii_case(SYSTEM) || stored.is_empty() {
        return false;
    }
    let by_client =
        !identity.client_id.is_empty() && stored.eq_ignore_ascii_case(&identity.client_id);
    let by_resource = stored.eq_ignore_ascii_case(identity.resource_id.as_str());
    match rules.identity_reference {
        IdentityReference::ClientId => by_client || by_resource,
        IdentityReference::ResourceId => by_resource || by_client,
    }
}

fn user_ids(resource: &ResourceState) -> Vec<ResourceId> {
    resource
        .identity
        .user_assigned
        .iter()
        .map(|u| u.resource_id.clone())
        .collect()
}

fn turn_on(resource: &ResourceState, rules: &KindRules, planned: &mut Planned) {
    let name = resource.id.name();
    planned.title = format!("Turn on the system-assigned identity of {name}");
    if resource.identity.system_assigned.is_some() {
        planned.summary = format!("{name} already has a system-assigned identity.");
        planned.no_change(format!(
            "The system-assigned identity of {name} is already on; there is nothing to change."
        ));
        return;
    }
    if !rules.system_assigned_identity {
        not_supported(rules, "system-assigned", planned);
        return;
    }
    planned.summary = format!(
        "Entra ID creates an identity for {name} in the subscription's tenant. It has no access \
         to anything until it is granted some."
    );
    planned.steps.push(crate::preflight::enable_system_identity(
        &resource.id,
        rules,
        &user_ids(resource),
    ));
}

fn turn_off(resource: &ResourceState, rules: &KindRules, planned: &mut Planned) {
    let name = resource.id.name();
    planned.title = format!("Turn off the system-assigned identity of {name}");
    let Some(system) = &resource.identity.system_assigned else {
        planned.summary = format!("{name} has no system-assigned identity.");
        planned.no_change(format!(
            "The system-assigned identity of {name} is already off; there is nothing to change."
        ));
        return;
    };
    if encryption_identity(resource).is_some_and(|stored| stored.eq_ignore_ascii_case(SYSTEM)) {
        planned.summary =
            format!("Refused: the customer-managed key of {name} is reached with this identity.");
        planned.add(
            Severity::Error,
            FindingCode::IdentityInUseByEncryption,
            format!(
                "The {} {name} reaches its customer-managed key {} with its system-assigned \
                 identity. Turning that identity off would cut the {} off from its key: the \
                 data would become unreadable.",
                rules.display_name,
                key_uri(resource),
                rules.short_name
            ),
            Some(format!(
                "Move encryption to a user-assigned identity first (Encryption, Change key, \
                 Identity type: User assigned), then turn the system-assigned identity off{}.",
                if rules.can_disable {
                    ", or go back to Microsoft-managed keys"
                } else {
                    ""
                }
            )),
        );
        return;
    }
    planned.summary = format!(
        "Entra ID deletes the system-assigned identity of {name} (object ID {}). Access policies \
         and role assignments granted to it stop working; turning it on again creates a new \
         identity with a new object ID.",
        system.principal_id
    );
    planned.add(
        Severity::Info,
        FindingCode::IdentitySystemAssignedWillBeDeleted,
        format!(
            "The system-assigned identity (object ID {}) is deleted with this change, and so is \
             what was granted to it; the {} does not use it for its key.",
            system.principal_id, rules.short_name
        ),
        None,
    );
    let remaining = user_ids(resource);
    planned.steps.push(identity_step(
        StepKind::DisableSystemAssignedIdentity,
        format!(
            "Turn off the system-assigned managed identity of {} {name}",
            rules.short_name
        ),
        resource,
        rules,
        false,
        &remaining,
        None,
    ));
}

fn add(input: &IdentityInput, rules: &KindRules, wanted: &str, planned: &mut Planned) {
    let resource = &input.resource;
    let name = resource.id.name();
    let wanted_id = match ResourceId::parse(wanted) {
        Ok(id) if id.is_type("Microsoft.ManagedIdentity/userAssignedIdentities") => id,
        _ => {
            planned.title = format!("Add a user-assigned identity to {name}");
            planned.summary = "Refused: that is not a user-assigned identity.".to_owned();
            planned.add(
                Severity::Error,
                FindingCode::IdentityUnresolved,
                format!(
                    "`{wanted}` is not the resource ID of a user-assigned managed identity \
                     (Microsoft.ManagedIdentity/userAssignedIdentities)."
                ),
                Some("Pick the identity from the list of user-assigned identities.".to_owned()),
            );
            return;
        }
    };
    let identity_name = wanted_id.name().to_owned();
    planned.title = format!("Add user-assigned identity {identity_name} to {name}");
    if resource
        .identity
        .user_assigned
        .iter()
        .any(|u| u.resource_id == wanted_id)
    {
        planned.summary = format!("{identity_name} is already attached to {name}.");
        planned.no_change(format!(
            "The user-assigned identity {identity_name} is already attached to {name}; there is \
             nothing to change."
        ));
        return;
    }
    if !rules.user_assigned_identity {
        not_supported(rules, "user-assigned", planned);
        return;
    }
    match &input.identity_to_add {
        IdentityLookup::Found { identity } => {
            if let Some(tenant) = identity.tenant_id.as_deref()
                && !tenant.eq_ignore_ascii_case(&resource.tenant_id)
            {
                planned.summary =
                    format!("Refused: {identity_name} belongs to another tenant than {name}.");
                planned.add(
                    Severity::Error,
                    FindingCode::IdentityOtherTenant,
                    format!(
                        "The user-assigned identity {identity_name} lives in tenant {tenant}, and \
                         {name} in tenant {}. Azure attaches only identities of the resource's \
                         own tenant.",
                        resource.tenant_id
                    ),
                    Some(format!(
                        "Pick an identity from a subscription of tenant {}, or create one there.",
                        resource.tenant_id
                    )),
                );
                return;
            }
        }
        IdentityLookup::Deleted => {
            planned.summary = format!("Refused: {identity_name} does not exist.");
            planned.add(
                Severity::Error,
                FindingCode::IdentityDeleted,
                format!(
                    "The user-assigned identity {identity_name} does not exist: Resource Manager \
                     answered that it was not found, so it cannot be attached."
                ),
                Some(
                    "Refresh the list of identities and pick one that exists, or create the \
                     identity again first."
                        .to_owned(),
                ),
            );
            return;
        }
        IdentityLookup::Unreadable { reason } => planned.add(
            Severity::Warning,
            FindingCode::IdentityUnresolved,
            format!(
                "keyblade could not read the identity {identity_name} ({}), so it cannot check \
                 that it exists and is in the resource's tenant.",
                reason.trim_end_matches('.')
            ),
            Some(
                "Check that you can read the identity (Reader on it or its resource group); \
                 attaching it also needs Managed Identity Operator on it."
                    .to_owned(),
            ),
        ),
        IdentityLookup::NotLookedUp => {}
    }
    planned.summary = format!(
        "{name} can then use {identity_name} to reach Azure resources, its key among them once \
         the identity is granted access. Nothing else changes."
    );
    planned
        .steps
        .push(add_user_assigned_step(resource, &wanted_id));
}

/// Attach the user-assigned identity `wanted` to `resource`, keeping its other identities:
/// the step Change key plans first when the chosen identity is not attached yet, and the
/// Identity blade's Add.
pub fn add_user_assigned_step(resource: &ResourceState, wanted: &ResourceId) -> PlanStep {
    let rules = KindRules::of(resource.kind);
    let mut wanted_ids = user_ids(resource);
    if !wanted_ids.iter().any(|id| id == wanted) {
        wanted_ids.push(wanted.clone());
    }
    identity_step(
        StepKind::AddUserAssignedIdentity,
        format!(
            "Attach user-assigned identity {} to {} {}",
            wanted.name(),
            rules.short_name,
            resource.id.name()
        ),
        resource,
        rules,
        resource.identity.system_assigned.is_some(),
        &wanted_ids,
        None,
    )
}

fn remove(resource: &ResourceState, rules: &KindRules, wanted: &str, planned: &mut Planned) {
    let name = resource.id.name();
    let attached = ResourceId::parse(wanted).ok().and_then(|wanted_id| {
        resource
            .identity
            .user_assigned
            .iter()
            .find(|u| u.resource_id == wanted_id)
    });
    let identity_name = ResourceId::parse(wanted)
        .map(|id| id.name().to_owned())
        .unwrap_or_else(|_| wanted.to_owned());
    planned.title = format!("Remove user-assigned identity {identity_name} from {name}");
    let Some(attached) = attached else {
        planned.summary = format!("{identity_name} is not attached to {name}.");
        planned.no_change(format!(
            "The user-assigned identity {identity_name} is not attached to {name}; there is \
             nothing to remove."
        ));
        return;
    };
    if key_uses(resource, rules, attached) {
        planned.summary =
            format!("Refused: the customer-managed key of {name} is reached with {identity_name}.");
        planned.add(
            Severity::Error,
            FindingCode::IdentityInUseByEncryption,
            format!(
                "The {} {name} reaches its customer-managed key {} with the user-assigned \
                 identity {identity_name}. Removing it would cut the {} off from its key: the \
                 data would become unreadable.",
                rules.display_name,
                key_uri(resource),
                rules.short_name
            ),
            Some(format!(
                "Move encryption to another identity first (Encryption, Change key, Identity), \
                 then remove {identity_name}{}.",
                if rules.can_disable {
                    ", or go back to Microsoft-managed keys"
                } else {
                    ""
                }
            )),
        );
        return;
    }
    planned.summary = format!(
        "{name} stops using {identity_name}. The identity itself, and what was granted to it, \
         are kept: other resources that use it are not affected."
    );
    planned.add(
        Severity::Info,
        FindingCode::IdentityWillDetach,
        format!(
            "{identity_name} is detached from {name} only; the identity is not deleted and keeps \
             its access elsewhere."
        ),
        None,
    );
    let remaining: Vec<ResourceId> = user_ids(resource)
        .into_iter()
        .filter(|id| *id != attached.resource_id)
        .collect();
    planned.steps.push(identity_step(
        StepKind::RemoveUserAssignedIdentity,
        format!(
            "Detach user-assigned identity {identity_name} from {} {name}",
            rules.short_name
        ),
        resource,
        rules,
        resource.identity.system_assigned.is_some(),
        &remaining,
        Some(&attached.resource_id),
    ));
}

fn not_supported(rules: &KindRules, which: &str, planned: &mut Planned) {
    planned.summary = format!("Refused: a {} has no {which} identity.", rules.display_name);
    planned.add(
        Severity::Error,
        FindingCode::IdentityKindNotSupported,
        format!(
            "A {} cannot have a {which} managed identity.",
            rules.display_name
        ),
        Some("Use the other kind of identity.".to_owned()),
    );
}

/// `identity.type` in the kind's spelling: Storage writes the pair without a space.
fn identity_type(rules: &KindRules, system: bool, user: bool) -> &'static str {
    match (system, user, rules.body_shape) {
        (true, true, BodyShape::StorageKeyvaultproperties) => "SystemAssigned,UserAssigned",
        (true, true, _) => "SystemAssigned, UserAssigned",
        (true, false, _) => "SystemAssigned",
        (false, true, _) => "UserAssigned",
        (false, false, _) => "None",
    }
}

/// One PATCH of the resource's `identity`: the system-assigned identity on or off, the
/// user-assigned identities `keep` restated, and `detach` sent as `null` (ARM's way to
/// remove one entry of the merged map). When no user-assigned identity stays, the type
/// alone drops them all.
fn identity_step(
    kind: StepKind,
    title: String,
    resource: &ResourceState,
    rules: &KindRules,
    system: bool,
    keep: &[ResourceId],
    detach: Option<&ResourceId>,
) -> PlanStep {
    let type_text = identity_type(rules, system, !keep.is_empty());
    let mut identity = json!({ "type": type_text });
    if !keep.is_empty() {
        let mut map: Map<String, Value> =
            keep.iter().map(|id| (id.to_string(), json!({}))).collect();
        if let Some(gone) = detach {
            map.insert(gone.to_string(), Value::Null);
        }
        identity["userAssignedIdentities"] = Value::Object(map);
    }
    let body = json!({ "identity": identity });
    let path = format!("{}?api-version={}", resource.id, rules.api_version);
    let mut summary = format!("identity.type = {type_text}");
    if !keep.is_empty() {
        summary.push_str(&format!(
            " (user-assigned: {})",
            keep.iter()
                .map(ResourceId::name)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(gone) = detach
        && !keep.is_empty()
    {
        summary.push_str(&format!("; userAssignedIdentities.{} = null", gone.name()));
    }
    let az_command = az_command(kind, resource, rules, system, keep, detach, &path, &body);
    PlanStep {
        kind,
        title,
        method: HttpMethod::Patch,
        path,
        body,
        body_summary: summary,
        az_command,
        placeholders: Vec::new(),
    }
}

/// The kind's own CLI where it says exactly this change; otherwise `az rest` with the
/// step's own request, which is exact for every kind.
#[allow(clippy::too_many_arguments)]
fn az_command(
    kind: StepKind,
    resource: &ResourceState,
    rules: &KindRules,
    system: bool,
    keep: &[ResourceId],
    detach: Option<&ResourceId>,
    path: &str,
    body: &Value,
) -> String {
    let id = &resource.id;
    let base = |words: &[&str]| {
        AzCommand::new(words)
            .option("--name", id.name())
            .option("--resource-group", id.resource_group())
            .option("--subscription", id.subscription_id())
    };
    let rest = || {
        AzCommand::new(&["az", "rest", "--method", "patch"])
            .option("--url", path)
            .option("--body", &body.to_string())
            .render()
    };
    match (resource.kind, kind) {
        (ResourceKind::ContainerRegistry, StepKind::DisableSystemAssignedIdentity) => {
            base(&["az", "acr", "identity", "remove"])
                .option("--identities", "[system]")
                .render()
        }
        (ResourceKind::ContainerRegistry, StepKind::AddUserAssignedIdentity) => match keep.last() {
            Some(added) => base(&["az", "acr", "identity", "assign"])
                .option("--identities", added.as_str())
                .render(),
            None => rest(),
        },
        (ResourceKind::ContainerRegistry, StepKind::RemoveUserAssignedIdentity) => match detach {
            Some(gone) => base(&["az", "acr", "identity", "remove"])
                .option("--identities", gone.as_str())
                .render(),
            None => rest(),
        },
        (ResourceKind::CognitiveServicesAccount, StepKind::DisableSystemAssignedIdentity)
            if keep.is_empty() =>
        {
            base(&["az", "cognitiveservices", "account", "identity", "remove"]).render()
        }
        (ResourceKind::StorageAccount, StepKind::DisableSystemAssignedIdentity)
            if keep.is_empty() =>
        {
            base(rules.az_assign_identity)
                .option("--identity-type", "None")
                .render()
        }
        // `az storage account update` names one user-assigned identity; exact when it is the
        // only one the account will have.
        (ResourceKind::StorageAccount, StepKind::AddUserAssignedIdentity) if keep.len() == 1 => {
            base(rules.az_assign_identity)
                .option("--identity-type", identity_type(rules, system, true))
                .option("--user-identity-id", keep[0].as_str())
                .render()
        }
        _ => rest(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_spells_the_pair_without_a_space() {
        let storage = KindRules::of(ResourceKind::StorageAccount);
        let registry = KindRules::of(ResourceKind::ContainerRegistry);
        assert_eq!(
            identity_type(storage, true, true),
            "SystemAssigned,UserAssigned"
        );
        assert_eq!(
            identity_type(registry, true, true),
            "SystemAssigned, UserAssigned"
        );
        assert_eq!(identity_type(registry, false, false), "None");
    }
}
