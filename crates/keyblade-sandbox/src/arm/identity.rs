//! Managed identities: `Microsoft.ManagedIdentity/userAssignedIdentities`,
//! `{scope}/providers/Microsoft.ManagedIdentity/identities/default` (a
//! resource's system-assigned identity), and the `identity` block resources
//! carry (`SystemAssigned`, `UserAssigned`, both, or `None`).
//!
//! Every managed identity is a service principal in the directory, so the Key
//! Vault side can authorise it by object ID (`principalId`).

use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::error::{ArmError, ArmResult};
use super::id::{ResourceId, Scope, key};
use super::resources::{normalise_location, required_location, tags_of};
use super::store::{ManagedIdentityRecord, StoredResource, get_ci, str_ci};
use super::tracked::{TrackedRoute, TrackedType};
use super::{Ctx, ProviderRoute, resource_response};
use crate::http::Response;
use crate::world::World;

pub const NAMESPACE: &str = "Microsoft.ManagedIdentity";
pub const UAI_TYPE_NAME: &str = "userAssignedIdentities";
pub const UAI_TYPE: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";

const USER_ASSIGNED: TrackedType = TrackedType::new(NAMESPACE, UAI_TYPE_NAME, UAI_TYPE);

pub fn handle(ctx: &mut Ctx<'_>, route: &ProviderRoute) -> ArmResult<Response> {
    if let Scope::Resource { .. } = &route.scope
        && route.rest_is(&["identities", "default"])
    {
        return system_identity(ctx, &route.scope);
    }
    match USER_ASSIGNED.route(ctx, route)? {
        Some(TrackedRoute::Listed(list)) => Ok(list),
        Some(TrackedRoute::Resource(id)) => user_assigned(ctx, &id),
        None => Err(ArmError::invalid_resource_type(
            &route.namespace,
            route.rest.first().map_or("", String::as_str),
            &ctx.api_version,
        )),
    }
}

/// Not [`super::tracked::handle_resource`]: an identity authorises on the ID as
/// requested, and its delete removes its service principal.
fn user_assigned(ctx: &mut Ctx<'_>, id: &ResourceId) -> ArmResult<Response> {
    let scope = id.to_id();
    match ctx.req.method.clone() {
        Method::GET => {
            ctx.authorize(&format!("{UAI_TYPE}/read"), &scope)?;
            let resource = ctx.world.arm.existing(id)?;
            Ok(resource_response(StatusCode::OK, resource))
        }
        Method::PUT => {
            ctx.authorize(&format!("{UAI_TYPE}/write"), &scope)?;
            ctx.world.arm.group(&id.subscription, &id.group)?;
            ctx.check_preconditions(ctx.world.arm.resource(&scope))?;
            let body = ctx.object_body()?;
            let now = ctx.timestamp();
            let (resource, created) =
                put_user_assigned(ctx.world, id, &body, &now, &ctx.caller.object_id)?;
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(resource_response(status, &resource))
        }
        Method::PATCH => {
            ctx.authorize(&format!("{UAI_TYPE}/write"), &scope)?;
            let existing = ctx.world.arm.existing(id)?.clone();
            ctx.check_preconditions(Some(&existing))?;
            let body = ctx.object_body()?;
            let mut updated = existing.body.clone();
            if let Some(tags) = tags_of(&body)? {
                updated["tags"] = Value::Object(tags);
            }
            ctx.world.arm.replace_body(&scope, updated);
            let resource = ctx.world.arm.existing(id)?;
            Ok(resource_response(StatusCode::OK, resource))
        }
        Method::DELETE => {
            ctx.authorize(&format!("{UAI_TYPE}/delete"), &scope)?;
            ctx.world.arm.group(&id.subscription, &id.group)?;
            let existing = ctx.world.arm.resource(&scope).cloned();
            ctx.check_preconditions(existing.as_ref())?;
            let Some(existing) = existing else {
                return Ok(Response::empty(StatusCode::NO_CONTENT));
            };
            if let Some(principal) = existing
                .body
                .pointer("/properties/principalId")
                .and_then(Value::as_str)
            {
                ctx.world.directory.remove_principal(principal);
            }
            ctx.world.arm.remove(&scope);
            Ok(Response::empty(StatusCode::OK))
        }
        other => Err(ArmError::method_not_allowed(other.as_str(), &ctx.req.path)),
    }
}

/// Creates or updates a user-assigned identity (IDs are generated once and kept).
pub fn put_user_assigned(
    world: &mut World,
    id: &ResourceId,
    body: &Value,
    now: &str,
    actor: &str,
) -> ArmResult<(StoredResource, bool)> {
    let location = required_location(body)?;
    validate_identity_name(&id.name)?;
    let tenant = world.arm.subscription(&id.subscription)?.tenant_id.clone();
    let canonical = world.arm.canonical_id(id, NAMESPACE, UAI_TYPE_NAME)?;
    let existing = world.arm.resource(&canonical).cloned();
    let tags = tags_of(body)?.unwrap_or_default();
    let (principal_id, client_id, created_at) = match &existing {
        Some(resource) => (
            resource
                .body
                .pointer("/properties/principalId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            resource
                .body
                .pointer("/properties/clientId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            resource
                .body
                .pointer("/systemData/createdAt")
                .and_then(Value::as_str)
                .unwrap_or(now)
                .to_owned(),
        ),
        None => (
            uuid::Uuid::new_v4().to_string(),
            uuid::Uuid::new_v4().to_string(),
            now.to_owned(),
        ),
    };
    let stored_id = existing.as_ref().map_or(canonical, |r| r.id().to_owned());
    let name = stored_id.rsplit('/').next().unwrap_or(&id.name).to_owned();
    let resource_body = json!({
        "id": stored_id,
        "name": name,
        "type": UAI_TYPE,
        "location": normalise_location(location),
        "tags": tags,
        "properties": {
            "tenantId": tenant,
            "principalId": principal_id,
            "clientId": client_id,
            "isolationScope": str_ci(get_ci(body, "properties").unwrap_or(&Value::Null), "isolationScope").unwrap_or("None")
        },
        "systemData": system_data(actor, &created_at, now)
    });
    world
        .directory
        .add_managed_identity(&client_id, &principal_id, &tenant, &name);
    world.arm.replace_body(&stored_id, resource_body);
    let resource = world
        .arm
        .resource(&stored_id)
        .cloned()
        .ok_or_else(|| ArmError::bad_request("InternalError", "the identity was not stored"))?;
    Ok((resource, existing.is_none()))
}

fn validate_identity_name(name: &str) -> ArmResult<()> {
    let valid = (3..=128).contains(&name.len())
        && name.chars().next().is_some_and(char::is_alphanumeric)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceName",
            format!(
                "The resource name '{name}' is invalid. A user-assigned identity name has 3 to 128 characters: \
                 letters, digits, '-' and '_', starting with a letter or digit."
            ),
        ))
    }
}

pub fn system_data(actor: &str, created_at: &str, now: &str) -> Value {
    json!({
        "createdBy": actor,
        "createdByType": "Application",
        "createdAt": created_at,
        "lastModifiedBy": actor,
        "lastModifiedByType": "Application",
        "lastModifiedAt": now
    })
}

fn system_identity(ctx: &mut Ctx<'_>, scope: &Scope) -> ArmResult<Response> {
    ctx.require_method(Method::GET)?;
    let scope_path = scope.path();
    if let Some(subscription) = scope.subscription() {
        ctx.subscription(subscription)?;
    }
    ctx.authorize("Microsoft.ManagedIdentity/identities/read", &scope_path)?;
    let resource = ctx
        .world
        .arm
        .resource(&scope_path)
        .cloned()
        .ok_or_else(|| {
            let full_type = scope.full_type().unwrap_or_default();
            let name = scope_path.rsplit('/').next().unwrap_or_default();
            ArmError::resource_not_found(&full_type, name, scope.group().unwrap_or_default())
        })?;
    let record = ctx.world.arm.system_identities.get(&key(&scope_path)).cloned().ok_or_else(|| {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!(
                "The resource '{}' has no system-assigned identity. Turn it on by setting identity.type to \
                 'SystemAssigned' on the resource.",
                resource.id()
            ),
        )
    })?;
    let location = str_ci(&resource.body, "location")
        .unwrap_or_default()
        .to_owned();
    let id = format!(
        "{}/providers/Microsoft.ManagedIdentity/identities/default",
        resource.id()
    );
    Ok(Response::json(
        StatusCode::OK,
        &json!({
            "id": id,
            "name": "default",
            "type": "Microsoft.ManagedIdentity/identities",
            "location": location,
            "tags": {},
            "properties": {
                "tenantId": record.tenant_id,
                "principalId": record.principal_id,
                "clientId": record.client_id,
                "clientSecretUrl": format!(
                    "{}{}/credentials/v2/identities?tid={}&said={}",
                    ctx.base(), id, record.tenant_id, record.client_id
                )
            }
        }),
    ))
}

/// How a request's `identity` combines with the resource's current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityUpdate {
    /// PUT: the request is the whole identity.
    Replace,
    /// PATCH: absent means unchanged; `userAssignedIdentities` entries add, `null` entries remove.
    Merge,
}

/// The system-assigned identity change a resolved identity needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemIdentityChange {
    Keep,
    Create(ManagedIdentityRecord),
    Remove,
}

/// A resolved `identity` block and what must change when it is stored.
#[derive(Debug, Clone)]
pub struct ResolvedIdentity {
    /// `None` when the resource has no identity.
    pub json: Option<Value>,
    pub system: SystemIdentityChange,
    /// The system identity the resource will have.
    pub system_record: Option<ManagedIdentityRecord>,
}

impl ResolvedIdentity {
    pub fn has_system(&self) -> bool {
        self.system_record.is_some()
    }

    /// The `userAssignedIdentities` entries: (resource ID, principalId, clientId).
    pub fn user_assigned(&self) -> Vec<(String, String, String)> {
        self.json
            .as_ref()
            .and_then(|j| j.get("userAssignedIdentities"))
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .map(|(id, v)| {
                        (
                            id.clone(),
                            v.get("principalId")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                            v.get("clientId")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Works out a resource's new `identity` from the request and the current one,
/// without changing anything yet (see [`commit_identity`]). `separator` is how
/// the provider spells the combined type: `", "` (most) or `","` (Storage).
pub fn resolve_identity(
    world: &World,
    resource_id: &str,
    tenant_id: &str,
    existing: Option<&Value>,
    requested: Option<&Value>,
    mode: IdentityUpdate,
    separator: &str,
) -> ArmResult<ResolvedIdentity> {
    let current_record = world.arm.system_identities.get(&key(resource_id)).cloned();
    let requested = match requested {
        None | Some(Value::Null) => match mode {
            IdentityUpdate::Merge => {
                return Ok(ResolvedIdentity {
                    json: existing.cloned().filter(|v| !v.is_null()),
                    system: SystemIdentityChange::Keep,
                    system_record: current_record,
                });
            }
            IdentityUpdate::Replace => &Value::Null,
        },
        Some(value) => value,
    };
    let type_text = match str_ci(requested, "type") {
        Some(t) => t.to_owned(),
        None if requested.is_null() => "None".to_owned(),
        None => {
            return Err(ArmError::bad_request(
                "InvalidIdentityType",
                "identity.type is required: 'SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned' or 'None'.",
            ));
        }
    };
    let (mut want_system, mut want_user) = (false, false);
    for part in type_text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match part.to_ascii_lowercase().as_str() {
            "systemassigned" => want_system = true,
            "userassigned" => want_user = true,
            "none" => {}
            _ => {
                return Err(ArmError::bad_request(
                    "InvalidIdentityType",
                    format!(
                        "The identity type '{type_text}' is not valid. Use 'SystemAssigned', 'UserAssigned', \
                         'SystemAssigned, UserAssigned' or 'None'."
                    ),
                ));
            }
        }
    }
    let mut user_ids: Vec<String> = Vec::new();
    if mode == IdentityUpdate::Merge
        && want_user
        && let Some(map) = existing
            .and_then(|e| e.get("userAssignedIdentities"))
            .and_then(Value::as_object)
    {
        user_ids.extend(map.keys().cloned());
    }
    if let Some(map) = get_ci(requested, "userAssignedIdentities").and_then(Value::as_object) {
        for (id, value) in map {
            user_ids.retain(|existing| !existing.eq_ignore_ascii_case(id));
            if !value.is_null() {
                user_ids.push(id.clone());
            }
        }
        if !want_user && map.values().any(|v| !v.is_null()) {
            return Err(ArmError::bad_request(
                "InvalidIdentityType",
                format!(
                    "userAssignedIdentities were given but identity.type is '{type_text}'. Include 'UserAssigned' in the type."
                ),
            ));
        }
    }
    if want_user && user_ids.is_empty() {
        return Err(ArmError::bad_request(
            "InvalidIdentityType",
            "identity.type includes 'UserAssigned' but userAssignedIdentities is empty. Name at least one \
             user-assigned identity, or drop 'UserAssigned' from the type.",
        ));
    }
    let mut user_map = Map::new();
    for id in &user_ids {
        let uai = world.arm.user_assigned_identity(id).ok_or_else(|| {
            ArmError::bad_request(
                "FailedIdentityOperation",
                format!(
                    "Identity operation for resource '{resource_id}' failed: the user-assigned identity '{id}' was \
                     not found. Create it first (Microsoft.ManagedIdentity/userAssignedIdentities) or fix its \
                     resource ID."
                ),
            )
        })?;
        user_map.insert(
            uai.id().to_owned(),
            json!({
                "principalId": uai.body.pointer("/properties/principalId").cloned().unwrap_or(Value::Null),
                "clientId": uai.body.pointer("/properties/clientId").cloned().unwrap_or(Value::Null),
            }),
        );
    }
    let (system, system_record) = match (want_system, current_record) {
        (true, Some(record)) => (SystemIdentityChange::Keep, Some(record)),
        (true, None) => {
            let record = ManagedIdentityRecord {
                principal_id: uuid::Uuid::new_v4().to_string(),
                client_id: uuid::Uuid::new_v4().to_string(),
                tenant_id: tenant_id.to_owned(),
                effective_at: None,
            };
            (SystemIdentityChange::Create(record.clone()), Some(record))
        }
        (false, Some(_)) => (SystemIdentityChange::Remove, None),
        (false, None) => (SystemIdentityChange::Keep, None),
    };
    let type_name = match (want_system, want_user) {
        (true, true) => format!("SystemAssigned{separator}UserAssigned"),
        (true, false) => "SystemAssigned".to_owned(),
        (false, true) => "UserAssigned".to_owned(),
        (false, false) => "None".to_owned(),
    };
    let json = if want_system || want_user {
        let mut identity = json!({ "type": type_name });
        if let Some(record) = &system_record {
            identity["principalId"] = Value::String(record.principal_id.clone());
            identity["tenantId"] = Value::String(record.tenant_id.clone());
        }
        if want_user {
            identity["userAssignedIdentities"] = Value::Object(user_map);
        }
        Some(identity)
    } else {
        None
    };
    Ok(ResolvedIdentity {
        json,
        system,
        system_record,
    })
}

/// Applies a resolved identity's system-assigned change: creates or removes the
/// service principal in the directory.
pub fn commit_identity(world: &mut World, resource_id: &str, resolved: &ResolvedIdentity) {
    let name = resource_id
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    match &resolved.system {
        SystemIdentityChange::Keep => {}
        SystemIdentityChange::Create(record) => {
            world.directory.add_managed_identity(
                &record.client_id,
                &record.principal_id,
                &record.tenant_id,
                &name,
            );
            // The principal exists from now, and works once it has propagated.
            let record = ManagedIdentityRecord {
                effective_at: crate::propagation::new_grant_effective_at(world),
                ..record.clone()
            };
            world.arm.system_identities.insert(key(resource_id), record);
        }
        SystemIdentityChange::Remove => forget_resource(world, resource_id),
    }
}

/// Drops a resource's system-assigned identity (the resource lost it or was deleted).
pub fn forget_resource(world: &mut World, resource_id: &str) {
    if let Some(record) = world.arm.system_identities.remove(&key(resource_id)) {
        world.directory.remove_principal(&record.principal_id);
    }
}

/// Who a resource's encryption acts as: the principal's object ID and client ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionPrincipal {
    pub principal_id: String,
    pub client_id: String,
    /// The user-assigned identity's resource ID; `None` for the system-assigned one.
    pub user_assigned_id: Option<String>,
}

/// The identity with this client ID among a resource's identities.
pub fn principal_by_client_id(
    identity: &ResolvedIdentity,
    client_id: &str,
) -> Option<EncryptionPrincipal> {
    if let Some(record) = &identity.system_record
        && record.client_id.eq_ignore_ascii_case(client_id)
    {
        return Some(EncryptionPrincipal {
            principal_id: record.principal_id.clone(),
            client_id: record.client_id.clone(),
            user_assigned_id: None,
        });
    }
    identity
        .user_assigned()
        .into_iter()
        .find(|(_, _, c)| c.eq_ignore_ascii_case(client_id))
        .map(|(id, principal, client)| EncryptionPrincipal {
            principal_id: principal,
            client_id: client,
            user_assigned_id: Some(id),
        })
}

/// The identity a stored resource's encryption uses, looked up now: `None`
/// when it is no longer attached or no longer exists.
pub fn current_principal(
    world: &World,
    resource: &StoredResource,
    client_id_or_uai: &str,
) -> Option<EncryptionPrincipal> {
    if let Some(record) = world.arm.system_identities.get(&key(resource.id()))
        && (record.client_id.eq_ignore_ascii_case(client_id_or_uai)
            || client_id_or_uai.eq_ignore_ascii_case("system"))
    {
        return Some(EncryptionPrincipal {
            principal_id: record.principal_id.clone(),
            client_id: record.client_id.clone(),
            user_assigned_id: None,
        });
    }
    let attached = resource
        .body
        .pointer("/identity/userAssignedIdentities")
        .and_then(Value::as_object)?;
    attached.keys().find_map(|uai_id| {
        let uai = world.arm.user_assigned_identity(uai_id)?;
        let client = uai
            .body
            .pointer("/properties/clientId")
            .and_then(Value::as_str)?;
        let principal = uai
            .body
            .pointer("/properties/principalId")
            .and_then(Value::as_str)?;
        (client.eq_ignore_ascii_case(client_id_or_uai)
            || uai.id().eq_ignore_ascii_case(client_id_or_uai))
        .then(|| EncryptionPrincipal {
            principal_id: principal.to_owned(),
            client_id: client.to_owned(),
            user_assigned_id: Some(uai.id().to_owned()),
        })
    })
}
