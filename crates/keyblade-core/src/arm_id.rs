//! Azure Resource Manager resource IDs and scopes.
//!
//! ARM treats IDs case-insensitively and returns them in varying case
//! (`resourceGroups` vs `resourcegroups`), so comparisons here ignore ASCII case and the
//! original spelling is kept for display and for building request paths.

use std::fmt;
use std::sync::Arc;

/// A resource ID in a resource group:
/// `/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}[/{type}/{name}…]`.
///
/// Parsed once and then shared: it is one pointer wide and a clone only counts a reference,
/// so the many types that carry one (plans, views, the history, every request) stay small.
#[derive(Clone)]
pub struct ResourceId(Arc<Parts>);

struct Parts {
    text: String,
    subscription_id: String,
    resource_group: String,
    namespace: String,
    /// `{type}[/{child type}…]`, e.g. `registries`.
    resource_type: String,
    name: String,
}

/// Text that is not a resource ID [`ResourceId::parse`] accepts; the message shows the
/// expected shape and where to copy a real ID from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{id}` is not an Azure resource ID: expected \
     /subscriptions/{{subscription}}/resourceGroups/{{group}}/providers/{{namespace}}/{{type}}/{{name}}. \
     Copy the resource's ID from its JSON view or `az resource show --query id`."
)]
pub struct ResourceIdError {
    /// The text as given.
    pub id: String,
}

impl ResourceId {
    /// Parses an ID of a resource in a resource group, keeping its spelling. Surrounding
    /// whitespace and trailing slashes are dropped; subscription- and group-level IDs are refused,
    /// because every resource keyblade changes lives in a group.
    pub fn parse(text: &str) -> Result<ResourceId, ResourceIdError> {
        let error = || ResourceIdError {
            id: text.to_owned(),
        };
        let trimmed = text.trim().trim_end_matches('/');
        let relative = trimmed.strip_prefix('/').ok_or_else(error)?;
        let segments: Vec<&str> = relative.split('/').collect();
        if segments.iter().any(|segment| segment.is_empty()) {
            return Err(error());
        }
        // subscriptions/{s}/resourceGroups/{g}/providers/{ns}/{type}/{name}: at least 8
        // segments, then type/name pairs.
        let shape_ok = segments.len() >= 8
            && segments.len().is_multiple_of(2)
            && segments[0].eq_ignore_ascii_case("subscriptions")
            && segments[2].eq_ignore_ascii_case("resourceGroups")
            && segments[4].eq_ignore_ascii_case("providers");
        if !shape_ok {
            return Err(error());
        }
        let types: Vec<&str> = segments[6..].iter().step_by(2).copied().collect();
        let name = segments[segments.len() - 1];
        Ok(ResourceId(Arc::new(Parts {
            text: trimmed.to_owned(),
            subscription_id: segments[1].to_owned(),
            resource_group: segments[3].to_owned(),
            namespace: segments[5].to_owned(),
            resource_type: types.join("/"),
            name: name.to_owned(),
        })))
    }

    /// The ID as parsed (trimmed, original case), for display and request paths.
    pub fn as_str(&self) -> &str {
        &self.0.text
    }

    /// The subscription ID segment, as spelled in the ID.
    pub fn subscription_id(&self) -> &str {
        &self.0.subscription_id
    }

    /// The resource group's name, as spelled in the ID.
    pub fn resource_group(&self) -> &str {
        &self.0.resource_group
    }

    /// The provider namespace, e.g. `Microsoft.KeyVault`.
    pub fn namespace(&self) -> &str {
        &self.0.namespace
    }

    /// The resource type below the namespace, e.g. `vaults`.
    pub fn resource_type(&self) -> &str {
        &self.0.resource_type
    }

    /// The resource's own name: the last segment, e.g. the registry's or the vault's name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Whether `namespace/type` is `full_type`, ignoring case
    /// (e.g. `Microsoft.ContainerRegistry/registries`).
    pub fn is_type(&self, full_type: &str) -> bool {
        full_type.eq_ignore_ascii_case(&format!("{}/{}", self.0.namespace, self.0.resource_type))
    }

    /// Whether the resource is a `namespace`/`resource_type`, ignoring case. A child
    /// resource (`servers/databases`) is not its parent's type.
    pub fn is(&self, namespace: &str, resource_type: &str) -> bool {
        self.0.namespace.eq_ignore_ascii_case(namespace)
            && self.0.resource_type.eq_ignore_ascii_case(resource_type)
    }

    /// Whether a role assignment at `scope` applies to this resource: the scope is the
    /// resource itself or one of its ancestors (resource group, subscription, `/`).
    /// Management-group scopes are not decided here, because the management-group
    /// hierarchy is not part of a resource ID; see [`Scope::classify`].
    pub fn is_within(&self, scope: &str) -> bool {
        let scope = scope.trim().trim_end_matches('/');
        if scope.is_empty() {
            // The root scope `/`.
            return true;
        }
        let id = self.0.text.as_bytes();
        id.len() >= scope.len()
            && id[..scope.len()].eq_ignore_ascii_case(scope.as_bytes())
            && (id.len() == scope.len() || id[scope.len()] == b'/')
    }
}

/// How a role assignment's scope relates to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The resource, its resource group, its subscription, or the root.
    Covers,
    /// A management group: it applies if the subscription is below it, which ARM
    /// already checked when it listed the assignment for the resource's scope.
    ManagementGroup,
    /// Somewhere else: the assignment does not apply.
    Unrelated,
}

impl Scope {
    /// How a role assignment's `scope` relates to `resource`, for deciding whether the
    /// assignment grants anything on it.
    pub fn classify(resource: &ResourceId, scope: &str) -> Scope {
        if resource.is_within(scope) {
            Scope::Covers
        } else if is_management_group_scope(scope) {
            Scope::ManagementGroup
        } else {
            Scope::Unrelated
        }
    }
}

fn is_management_group_scope(scope: &str) -> bool {
    let segments: Vec<&str> = scope
        .trim()
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    segments.len() == 4
        && segments[0].eq_ignore_ascii_case("providers")
        && segments[1].eq_ignore_ascii_case("Microsoft.Management")
        && segments[2].eq_ignore_ascii_case("managementGroups")
}

impl PartialEq for ResourceId {
    fn eq(&self, other: &ResourceId) -> bool {
        self.0.text.eq_ignore_ascii_case(&other.0.text)
    }
}

impl Eq for ResourceId {}

// Equality ignores ASCII case, so the hash must too: IDs differing only in case land in
// the same bucket of a `HashMap`/`HashSet`.
impl std::hash::Hash for ResourceId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for byte in self.0.text.bytes() {
            state.write_u8(byte.to_ascii_lowercase());
        }
        // Like `str`'s hash, end with a byte no UTF-8 text contains, so consecutive IDs in
        // a tuple cannot run together.
        state.write_u8(0xff);
    }
}

impl fmt::Debug for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResourceId").field(&self.0.text).finish()
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.text)
    }
}

impl serde::Serialize for ResourceId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.text)
    }
}

impl<'de> serde::Deserialize<'de> for ResourceId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        ResourceId::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VAULT: &str =
        "/subscriptions/S1/resourceGroups/RG1/providers/Microsoft.KeyVault/vaults/kv1";

    #[test]
    fn parses_parts() {
        let id = ResourceId::parse(VAULT).unwrap();
        assert_eq!(id.subscription_id(), "S1");
        assert_eq!(id.resource_group(), "RG1");
        assert_eq!(id.namespace(), "Microsoft.KeyVault");
        assert_eq!(id.resource_type(), "vaults");
        assert_eq!(id.name(), "kv1");
        assert!(id.is_type("microsoft.keyvault/VAULTS"));
        let child = ResourceId::parse(
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Sql/servers/a/databases/b",
        )
        .unwrap();
        assert_eq!(child.resource_type(), "servers/databases");
        assert_eq!(child.name(), "b");
    }

    #[test]
    fn type_checks_ignore_case() {
        let id = ResourceId::parse(VAULT).unwrap();
        assert!(id.is("microsoft.keyvault", "VAULTS"));
        assert!(!id.is("Microsoft.KeyVault", "managedHSMs"));
        let child = ResourceId::parse(
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Sql/servers/a/databases/b",
        )
        .unwrap();
        assert!(!child.is("Microsoft.Sql", "servers"));
        assert!(child.is("Microsoft.Sql", "servers/databases"));
    }

    #[test]
    fn hash_agrees_with_case_insensitive_eq() {
        use std::collections::HashSet;
        use std::hash::{BuildHasher, RandomState};

        let upper = ResourceId::parse(VAULT).unwrap();
        let lower = ResourceId::parse(&VAULT.to_ascii_lowercase()).unwrap();
        assert_eq!(upper, lower);
        let state = RandomState::new();
        assert_eq!(state.hash_one(&upper), state.hash_one(&lower));
        let set: HashSet<ResourceId> = [upper, lower].into_iter().collect();
        assert_eq!(set.len(), 1);
        let other = ResourceId::parse(&format!("{VAULT}2")).unwrap();
        assert_ne!(
            state.hash_one(&other),
            state.hash_one(set.iter().next().unwrap())
        );
    }

    #[test]
    fn rejects_non_resource_ids() {
        for bad in [
            "",
            "kv1",
            "/subscriptions/s1",
            "/subscriptions/s1/resourceGroups/rg1",
            "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults",
            "/subscriptions/s1/resourceGroups//providers/Microsoft.KeyVault/vaults/kv1",
            "subscriptions/s1/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/kv1",
        ] {
            assert!(ResourceId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scopes_are_compared_by_segment_ignoring_case() {
        let id = ResourceId::parse(VAULT).unwrap();
        for covering in [
            "/",
            "/subscriptions/s1",
            "/SUBSCRIPTIONS/s1/",
            "/subscriptions/s1/resourcegroups/rg1",
            VAULT,
        ] {
            assert_eq!(Scope::classify(&id, covering), Scope::Covers, "{covering}");
        }
        for unrelated in [
            "/subscriptions/s12",
            "/subscriptions/s1/resourceGroups/rg",
            "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/kv10",
            "/subscriptions/s2",
        ] {
            assert_eq!(
                Scope::classify(&id, unrelated),
                Scope::Unrelated,
                "{unrelated}"
            );
        }
        assert_eq!(
            Scope::classify(&id, "/providers/Microsoft.Management/managementGroups/mg1"),
            Scope::ManagementGroup
        );
    }
}
