//! Resource Manager's state: subscriptions, resource groups, resources (kept as
//! the JSON Azure returns), role assignments, system-assigned identities, long-
//! running operations and soft-deleted vaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::error::{ArmError, ArmResult};
use super::id::{ResourceId, key};
use crate::rbac::RoleAssignment;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub subscription_id: String,
    pub display_name: String,
    pub tenant_id: String,
    /// `Enabled`, `Disabled`, `Warned`, `PastDue` or `Deleted`.
    pub state: String,
}

impl Subscription {
    pub fn to_json(&self) -> Value {
        json!({
            "id": format!("/subscriptions/{}", self.subscription_id),
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
            "tags": {},
            "subscriptionId": self.subscription_id,
            "tenantId": self.tenant_id,
            "displayName": self.display_name,
            "state": self.state,
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "PayAsYouGo_2014-09-01",
                "spendingLimit": "Off"
            }
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroup {
    /// Canonical: `/subscriptions/{s}/resourceGroups/{name as created}`.
    pub id: String,
    pub name: String,
    pub location: String,
    #[serde(default)]
    pub tags: Map<String, Value>,
}

impl ResourceGroup {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "type": "Microsoft.Resources/resourceGroups",
            "location": self.location,
            "tags": self.tags,
            "properties": {"provisioningState": "Succeeded"}
        })
    }
}

/// A resource as Azure returns it from GET, plus its ETag.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredResource {
    pub body: Value,
    pub etag: String,
}

impl StoredResource {
    pub fn new(body: Value) -> Self {
        StoredResource {
            body,
            etag: new_etag(),
        }
    }

    /// The body with its `etag` property, as responses carry it.
    pub fn to_json(&self) -> Value {
        let mut body = self.body.clone();
        if let Some(map) = body.as_object_mut() {
            map.insert("etag".to_owned(), Value::String(self.etag.clone()));
        }
        body
    }

    pub fn id(&self) -> &str {
        self.body
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn resource_type(&self) -> &str {
        self.body
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

pub fn new_etag() -> String {
    format!("\"{}\"", uuid::Uuid::new_v4())
}

/// A system-assigned identity: its service principal lives as long as the
/// resource has `SystemAssigned` in its identity type.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ManagedIdentityRecord {
    pub principal_id: String,
    pub client_id: String,
    pub tenant_id: String,
    /// Sandbox Unix seconds from which the principal can use its grants (see
    /// `propagation`); `None`: at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_at: Option<i64>,
}

/// A long-running operation (`Azure-AsyncOperation`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// The `operationStatuses/{name}` segment.
    pub name: String,
    /// Canonical ID of the resource the operation changes.
    pub resource_id: String,
    /// Sandbox Unix milliseconds.
    pub started_ms: i64,
    pub completes_ms: i64,
    /// `Some((code, message))` when the operation ends `Failed`.
    pub failure: Option<(String, String)>,
    /// The resource before the operation, restored if the operation fails
    /// (`None` for a creation, whose failed resource stays in state `Failed`).
    pub previous: Option<Value>,
    pub done: bool,
}

impl Operation {
    pub fn status(&self, now_ms: i64) -> &'static str {
        if now_ms < self.completes_ms {
            "InProgress"
        } else if self.failure.is_some() {
            "Failed"
        } else {
            "Succeeded"
        }
    }

    pub fn to_json(&self, now_ms: i64) -> Value {
        let status = self.status(now_ms);
        let mut body = json!({
            "id": format!("{}/operationStatuses/{}", self.resource_id, self.name),
            "name": self.name,
            "status": status,
            "startTime": timestamp_ms(self.started_ms),
        });
        if status != "InProgress" {
            body["endTime"] = Value::String(timestamp_ms(self.completes_ms));
        }
        if let (Some((code, message)), "Failed") = (&self.failure, status) {
            body["error"] = json!({"code": code, "message": message});
        }
        body
    }
}

/// A soft-deleted vault (`Microsoft.KeyVault/deletedVaults`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeletedVault {
    /// The vault as it was when deleted.
    pub vault: Value,
    pub deletion_date: String,
    pub scheduled_purge_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ArmSettings {
    /// How often unversioned CMK key identifiers are moved to the newest key
    /// version (Azure: "within one hour"), in sandbox seconds.
    pub rotation_check_interval_secs: i64,
    /// How long a long-running operation stays `InProgress`, in sandbox milliseconds.
    pub operation_duration_ms: i64,
    /// Page size of lists when the client gives no `$top`.
    pub default_page_size: usize,
}

impl Default for ArmSettings {
    fn default() -> Self {
        ArmSettings {
            rotation_check_interval_secs: 3600,
            operation_duration_ms: 2000,
            default_page_size: 100,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ArmState {
    /// By lower-cased subscription ID.
    pub subscriptions: BTreeMap<String, Subscription>,
    /// By lower-cased resource group ID.
    pub resource_groups: BTreeMap<String, ResourceGroup>,
    /// By lower-cased resource ID.
    pub resources: BTreeMap<String, StoredResource>,
    /// By lower-cased role assignment ID.
    pub role_assignments: BTreeMap<String, RoleAssignment>,
    /// By lower-cased resource ID.
    pub system_identities: BTreeMap<String, ManagedIdentityRecord>,
    /// By operation name.
    pub operations: BTreeMap<String, Operation>,
    /// By lower-cased vault name (vault names are global).
    pub deleted_vaults: BTreeMap<String, DeletedVault>,
    pub settings: ArmSettings,
    /// Sandbox Unix milliseconds of the next auto-rotation sweep.
    pub next_rotation_sweep_ms: Option<i64>,
}

impl ArmState {
    pub fn subscription(&self, id: &str) -> ArmResult<&Subscription> {
        self.subscriptions
            .get(&id.to_ascii_lowercase())
            .ok_or_else(|| ArmError::subscription_not_found(id))
    }

    pub fn group(&self, subscription: &str, group: &str) -> ArmResult<&ResourceGroup> {
        self.subscription(subscription)?;
        self.resource_groups
            .get(&group_key(subscription, group))
            .ok_or_else(|| ArmError::resource_group_not_found(group))
    }

    pub fn resource(&self, id: &str) -> Option<&StoredResource> {
        self.resources.get(&key(id))
    }

    /// The stored resource, or ARM's 404 for whichever of subscription, group
    /// or resource is missing.
    pub fn existing(&self, id: &ResourceId) -> ArmResult<&StoredResource> {
        self.group(&id.subscription, &id.group)?;
        self.resource(&id.to_id())
            .ok_or_else(|| ArmError::resource_not_found(&id.full_type(), &id.name, &id.group))
    }

    /// Canonical resource ID for a new resource: the group's casing, the
    /// provider's casing for namespace and type, and the name as given.
    pub fn canonical_id(
        &self,
        id: &ResourceId,
        namespace: &str,
        resource_type: &str,
    ) -> ArmResult<String> {
        let group = self.group(&id.subscription, &id.group)?;
        Ok(format!(
            "{}/providers/{}/{}/{}",
            group.id, namespace, resource_type, id.name
        ))
    }

    /// Resources of `full_type` (case-insensitive) under `prefix_id` (a
    /// subscription or resource group ID), in ID order.
    pub fn resources_under<'a>(
        &'a self,
        prefix_id: &str,
        full_type: Option<&'a str>,
    ) -> impl Iterator<Item = &'a StoredResource> + 'a {
        let prefix = format!("{}/", key(prefix_id));
        self.resources
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(_, r)| r)
            .filter(move |r| full_type.is_none_or(|t| r.resource_type().eq_ignore_ascii_case(t)))
    }

    /// Removes a resource by ID (any letter case); what it was, if it was there.
    pub fn remove(&mut self, id: &str) -> Option<StoredResource> {
        self.resources.remove(&key(id))
    }

    /// Replaces a resource's body and gives it a new ETag.
    pub fn replace_body(&mut self, id: &str, body: Value) {
        match self.resources.get_mut(&key(id)) {
            Some(existing) => {
                existing.body = body;
                existing.etag = new_etag();
            }
            None => {
                self.resources.insert(key(id), StoredResource::new(body));
            }
        }
    }

    /// The vault resource with this name, wherever it is.
    pub fn vault_by_name(&self, name: &str) -> Option<&StoredResource> {
        let suffix = format!(
            "/providers/microsoft.keyvault/vaults/{}",
            name.to_ascii_lowercase()
        );
        self.resources
            .iter()
            .find(|(k, _)| k.ends_with(&suffix))
            .map(|(_, r)| r)
    }

    /// A user-assigned identity by its resource ID.
    pub fn user_assigned_identity(&self, id: &str) -> Option<&StoredResource> {
        self.resource(id).filter(|r| {
            r.resource_type()
                .eq_ignore_ascii_case("Microsoft.ManagedIdentity/userAssignedIdentities")
        })
    }
}

pub fn group_key(subscription: &str, group: &str) -> String {
    key(&format!(
        "/subscriptions/{subscription}/resourceGroups/{group}"
    ))
}

/// Azure's timestamp form with seven fractional digits, e.g. `2021-06-15T21:38:26.1537861Z`.
pub fn timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.nanosecond() / 100
    )
}

pub fn timestamp_ms(unix_ms: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    timestamp(at)
}

/// A property by name, case-insensitively (ARM request bodies are).
pub fn get_ci<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    let map = value.as_object()?;
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

pub fn str_ci<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    get_ci(value, name).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_seven_fraction_digits() {
        let at =
            OffsetDateTime::from_unix_timestamp_nanos(1_623_793_106_153_786_100).expect("valid");
        assert_eq!(timestamp(at), "2021-06-15T21:38:26.1537861Z");
    }

    #[test]
    fn operations_report_progress_by_time() {
        let op = Operation {
            name: "registries-1".to_owned(),
            resource_id: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r".to_owned(),
            started_ms: 1_000,
            completes_ms: 3_000,
            failure: Some(("Boom".to_owned(), "it failed".to_owned())),
            previous: None,
            done: false,
        };
        assert_eq!(op.to_json(2_999)["status"], "InProgress");
        let finished = op.to_json(3_000);
        assert_eq!(finished["status"], "Failed");
        assert_eq!(finished["error"]["code"], "Boom");
    }
}
