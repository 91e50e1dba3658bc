//! `Microsoft.KeyVault/vaults` (management plane): vaults, access policies,
//! soft delete and purge protection (neither can be turned off), RBAC mode,
//! network rules, and soft-deleted vaults (`deletedVaults`, purge, recover).
//! The Key Vault data plane reads the stored vault JSON for authorisation.

use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::error::{ArmError, ArmResult};
use super::id::{ResourceId, Scope, key};
use super::resources::{normalise_location, required_location, tags_of};
use super::store::{DeletedVault, StoredResource, get_ci, str_ci, timestamp_ms};
use super::tracked::{
    TrackedResource, TrackedRoute, TrackedType, created_or_ok, handle_resource, name_availability,
};
use super::{Ctx, ProviderRoute, resource_response};
use crate::http::Response;
use crate::world::World;

pub const NAMESPACE: &str = "Microsoft.KeyVault";
pub const TYPE_NAME: &str = "vaults";
pub const FULL_TYPE: &str = "Microsoft.KeyVault/vaults";

pub fn handle(ctx: &mut Ctx<'_>, route: &ProviderRoute) -> ArmResult<Response> {
    if let Some(tracked) = Vaults::TYPE.route(ctx, route)? {
        return match tracked {
            TrackedRoute::Listed(list) => Ok(list),
            TrackedRoute::Resource(id) => handle_resource::<Vaults>(ctx, &id),
        };
    }
    match &route.scope {
        Scope::Subscription { subscription } => {
            let subscription = ctx.subscription(subscription)?;
            let sub_path = format!("/subscriptions/{}", subscription.subscription_id);
            if route.rest_is(&["checkNameAvailability"]) {
                check_name(ctx)
            } else if route.rest_is(&["deletedVaults"]) {
                list_deleted(ctx, &sub_path)
            } else if route.rest_is(&["locations", "*", "deletedVaults", "*"]) {
                get_deleted(ctx, &sub_path, &route.rest[3])
            } else if route.rest_is(&["locations", "*", "deletedVaults", "*", "purge"]) {
                purge_deleted(ctx, &sub_path, &route.rest[3])
            } else {
                Err(ArmError::invalid_resource_type(
                    NAMESPACE,
                    &route.rest.join("/"),
                    &ctx.api_version,
                ))
            }
        }
        Scope::ResourceGroup {
            subscription,
            group,
        } => {
            ctx.subscription(subscription)?;
            if route.rest.len() < 2 || !route.rest[0].eq_ignore_ascii_case(TYPE_NAME) {
                return Err(ArmError::invalid_resource_type(
                    NAMESPACE,
                    &route.rest.join("/"),
                    &ctx.api_version,
                ));
            }
            let id = Vaults::TYPE.resource_id(subscription, group, &route.rest[1]);
            if route.rest_is(&[TYPE_NAME, "*", "accessPolicies", "*"]) {
                access_policies(ctx, &id, &route.rest[3])
            } else {
                Err(ArmError::invalid_resource_type(
                    NAMESPACE,
                    &route.rest[..3].join("/"),
                    &ctx.api_version,
                ))
            }
        }
        _ => Err(ArmError::invalid_resource_type(
            &route.namespace,
            &route.rest.join("/"),
            &ctx.api_version,
        )),
    }
}

struct Vaults;

impl TrackedResource for Vaults {
    const TYPE: TrackedType = TrackedType::new(NAMESPACE, TYPE_NAME, FULL_TYPE);

    fn put(
        ctx: &mut Ctx<'_>,
        id: &ResourceId,
        _existing: Option<StoredResource>,
        body: &Value,
    ) -> ArmResult<Response> {
        let (resource, created) =
            put_vault(ctx.world, id, body, &ctx.timestamp(), &ctx.caller.object_id)?;
        Ok(resource_response(created_or_ok(created), &resource))
    }

    fn patch(ctx: &mut Ctx<'_>, existing: StoredResource, body: &Value) -> ArmResult<Response> {
        let resource = patch_vault(
            ctx.world,
            &existing,
            body,
            &ctx.timestamp(),
            &ctx.caller.object_id,
        )?;
        Ok(resource_response(StatusCode::OK, &resource))
    }

    /// Vaults are soft-deleted: `deletedVaults` keeps them for their retention.
    fn delete(ctx: &mut Ctx<'_>, _scope: &str, existing: StoredResource) -> ArmResult<Response> {
        soft_delete(ctx.world, &existing, ctx.now_ms(), &ctx.timestamp());
        Ok(Response::empty(StatusCode::OK))
    }
}

fn check_name(ctx: &mut Ctx<'_>) -> ArmResult<Response> {
    ctx.require_method(Method::POST)?;
    name_availability(ctx, "AccountNameInvalid", validate_name, |world, name| {
        let in_use = world.arm.vault_by_name(name).is_some()
            || world
                .arm
                .deleted_vaults
                .contains_key(&name.to_ascii_lowercase());
        in_use.then(|| format!("The vault name '{name}' is already in use. Vault names are globally unique so it is possible that the name is already taken."))
    })
}

fn validate_name(name: &str) -> ArmResult<()> {
    let valid = (3..=24).contains(&name.len())
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.contains("--");
    if valid {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "VaultNameNotValid",
            format!(
                "The vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. \
                 The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens."
            ),
        ))
    }
}

fn irreversible(property: &str, feature: &str) -> ArmError {
    ArmError::bad_request(
        "BadRequest",
        format!(
            "The property \"{property}\" cannot be set to false. Enabling the {feature} for a vault is an irreversible action."
        ),
    )
}

/// Creates or replaces a vault (`VaultCreateOrUpdateParameters`).
pub fn put_vault(
    world: &mut World,
    id: &ResourceId,
    request: &Value,
    now: &str,
    actor: &str,
) -> ArmResult<(StoredResource, bool)> {
    validate_name(&id.name)?;
    let location = required_location(request)?;
    let props_in = get_ci(request, "properties")
        .filter(|p| p.is_object())
        .ok_or_else(|| {
            ArmError::bad_request("BadRequest", "The 'properties' of a vault are required.")
        })?;
    let existing_key = world.arm.resource(&id.to_id()).map(|r| r.id().to_owned());
    let create_mode = str_ci(props_in, "createMode")
        .unwrap_or("default")
        .to_ascii_lowercase();
    if existing_key.is_none() {
        if let Some(other) = world.arm.vault_by_name(&id.name) {
            return Err(ArmError::conflict(
                "VaultAlreadyExists",
                format!(
                    "The vault name '{}' is already in use by '{}'. Vault names are globally unique.",
                    id.name,
                    other.id()
                ),
            ));
        }
        if let Some(deleted) = world
            .arm
            .deleted_vaults
            .get(&id.name.to_ascii_lowercase())
            .cloned()
        {
            if create_mode != "recover" {
                return Err(ArmError::conflict(
                    "ConflictError",
                    "A vault with the same name already exists in deleted state. You need to either recover or purge \
                     existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more \
                     information on soft delete.",
                ));
            }
            let mut body = deleted.vault.clone();
            body["id"] = Value::String(world.arm.canonical_id(id, NAMESPACE, TYPE_NAME)?);
            world
                .arm
                .deleted_vaults
                .remove(&id.name.to_ascii_lowercase());
            world
                .arm
                .replace_body(body["id"].as_str().unwrap_or_default(), body.clone());
            let stored = world.arm.existing(id)?.clone();
            return Ok((stored, true));
        }
        if create_mode == "recover" {
            return Err(ArmError::bad_request(
                "DeletedVaultNotFound",
                format!("There is no deleted vault named '{}' to recover.", id.name),
            ));
        }
    }
    let canonical = match &existing_key {
        Some(existing) => existing.clone(),
        None => world.arm.canonical_id(id, NAMESPACE, TYPE_NAME)?,
    };
    let existing = world.arm.resource(&canonical).cloned();
    let tenant_id = str_ci(props_in, "tenantId")
        .and_then(super::id::parse_guid)
        .ok_or_else(|| {
            ArmError::bad_request(
                "BadRequest",
                "properties.tenantId is required and must be a GUID.",
            )
        })?;
    let sku = vault_sku(get_ci(props_in, "sku"))?
        .ok_or_else(|| ArmError::bad_request("BadRequest", "properties.sku is required: {\"family\": \"A\", \"name\": \"standard\" | \"premium\"}."))?;
    let old_props = existing
        .as_ref()
        .and_then(|r| r.body.get("properties"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let name = canonical.rsplit('/').next().unwrap_or(&id.name).to_owned();
    let mut properties = Map::new();
    properties.insert("sku".to_owned(), sku);
    properties.insert("tenantId".to_owned(), Value::String(tenant_id));
    let policies = match get_ci(props_in, "accessPolicies") {
        Some(Value::Array(list)) => normalise_policies(list)?,
        Some(Value::Null) | None => Vec::new(),
        Some(_) => {
            return Err(ArmError::bad_request(
                "BadRequest",
                "properties.accessPolicies must be an array.",
            ));
        }
    };
    properties.insert("accessPolicies".to_owned(), Value::Array(policies));
    apply_common_properties(&mut properties, props_in, &old_props, true)?;
    properties.insert(
        "vaultUri".to_owned(),
        Value::String(world.endpoints.vault_uri(&name)),
    );
    properties.insert(
        "provisioningState".to_owned(),
        Value::String("Succeeded".to_owned()),
    );
    let created_at = existing
        .as_ref()
        .and_then(|r| r.body.pointer("/systemData/createdAt"))
        .and_then(Value::as_str)
        .unwrap_or(now)
        .to_owned();
    let body = json!({
        "id": canonical,
        "name": name,
        "type": FULL_TYPE,
        "location": normalise_location(location),
        "tags": tags_of(request)?.unwrap_or_default(),
        "systemData": super::identity::system_data(actor, &created_at, now),
        "properties": properties,
    });
    crate::propagation::record_vault_grants(world, existing.as_ref().map(|r| &r.body), &body);
    world.arm.replace_body(&canonical, body);
    let stored = world
        .arm
        .resource(&canonical)
        .cloned()
        .ok_or_else(|| ArmError::bad_request("InternalError", "the vault was not stored"))?;
    Ok((stored, existing.is_none()))
}

/// `VaultPatchParameters`: tags and any subset of properties.
pub fn patch_vault(
    world: &mut World,
    existing: &StoredResource,
    request: &Value,
    now: &str,
    actor: &str,
) -> ArmResult<StoredResource> {
    let mut body = existing.body.clone();
    if let Some(tags) = tags_of(request)? {
        body["tags"] = Value::Object(tags);
    }
    let old_props = existing
        .body
        .get("properties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut properties = old_props.as_object().cloned().unwrap_or_default();
    if let Some(props_in) = get_ci(request, "properties").filter(|p| p.is_object()) {
        if let Some(tenant) = str_ci(props_in, "tenantId") {
            let tenant = super::id::parse_guid(tenant).ok_or_else(|| {
                ArmError::bad_request("BadRequest", "properties.tenantId must be a GUID.")
            })?;
            properties.insert("tenantId".to_owned(), Value::String(tenant));
        }
        if let Some(sku) = vault_sku(get_ci(props_in, "sku"))? {
            properties.insert("sku".to_owned(), sku);
        }
        if let Some(Value::Array(list)) = get_ci(props_in, "accessPolicies") {
            properties.insert(
                "accessPolicies".to_owned(),
                Value::Array(normalise_policies(list)?),
            );
        }
        apply_common_properties(&mut properties, props_in, &old_props, false)?;
    }
    body["properties"] = Value::Object(properties);
    if let Some(system) = body.get_mut("systemData").and_then(Value::as_object_mut) {
        system.insert("lastModifiedBy".to_owned(), Value::String(actor.to_owned()));
        system.insert("lastModifiedAt".to_owned(), Value::String(now.to_owned()));
    }
    let id = existing.id().to_owned();
    crate::propagation::record_vault_grants(world, Some(&existing.body), &body);
    world.arm.replace_body(&id, body);
    world
        .arm
        .resource(&id)
        .cloned()
        .ok_or_else(|| ArmError::bad_request("InternalError", "the vault was not stored"))
}

fn vault_sku(sku: Option<&Value>) -> ArmResult<Option<Value>> {
    let Some(sku) = sku.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let name = str_ci(sku, "name").unwrap_or_default().to_ascii_lowercase();
    if name != "standard" && name != "premium" {
        return Err(ArmError::bad_request(
            "BadRequest",
            format!("The vault SKU name '{name}' is not valid; use 'standard' or 'premium'."),
        ));
    }
    Ok(Some(json!({"family": "A", "name": name})))
}

/// Flags, retention, RBAC mode and network rules, with Key Vault's
/// irreversibility rules for soft delete and purge protection.
fn apply_common_properties(
    properties: &mut Map<String, Value>,
    props_in: &Value,
    old: &Value,
    creating: bool,
) -> ArmResult<()> {
    for flag in [
        "enabledForDeployment",
        "enabledForDiskEncryption",
        "enabledForTemplateDeployment",
        "enableRbacAuthorization",
    ] {
        match get_ci(props_in, flag) {
            Some(Value::Bool(b)) => {
                properties.insert(flag.to_owned(), Value::Bool(*b));
            }
            Some(Value::Null) | None => {
                if creating {
                    let value = old.get(flag).cloned().unwrap_or(Value::Bool(false));
                    properties.insert(flag.to_owned(), value);
                }
            }
            Some(_) => {
                return Err(ArmError::bad_request(
                    "BadRequest",
                    format!("properties.{flag} must be true or false."),
                ));
            }
        }
    }
    match get_ci(props_in, "enableSoftDelete") {
        Some(Value::Bool(false)) => return Err(irreversible("enableSoftDelete", "soft delete")),
        _ => {
            properties.insert("enableSoftDelete".to_owned(), Value::Bool(true));
        }
    }
    let old_retention = old.get("softDeleteRetentionInDays").and_then(Value::as_i64);
    match get_ci(props_in, "softDeleteRetentionInDays").and_then(Value::as_i64) {
        Some(days) if !(7..=90).contains(&days) => {
            return Err(ArmError::bad_request(
                "BadRequest",
                format!("softDeleteRetentionInDays must be between 7 and 90; {days} was given."),
            ));
        }
        Some(days) if old_retention.is_some_and(|old| old != days) => {
            return Err(ArmError::bad_request(
                "BadRequest",
                "The property \"softDeleteRetentionInDays\" cannot be changed once the vault is created.",
            ));
        }
        Some(days) => {
            properties.insert("softDeleteRetentionInDays".to_owned(), Value::from(days));
        }
        None => {
            properties.insert(
                "softDeleteRetentionInDays".to_owned(),
                Value::from(old_retention.unwrap_or(90)),
            );
        }
    }
    let purge_was_on = old.get("enablePurgeProtection").and_then(Value::as_bool) == Some(true);
    match get_ci(props_in, "enablePurgeProtection") {
        Some(Value::Bool(false)) => {
            return Err(irreversible("enablePurgeProtection", "purge protection"));
        }
        Some(Value::Bool(true)) => {
            properties.insert("enablePurgeProtection".to_owned(), Value::Bool(true));
        }
        _ => {
            if purge_was_on {
                properties.insert("enablePurgeProtection".to_owned(), Value::Bool(true));
            } else {
                properties.remove("enablePurgeProtection");
            }
        }
    }
    if let Some(access) = str_ci(props_in, "publicNetworkAccess") {
        let canonical = if access.eq_ignore_ascii_case("disabled") {
            "Disabled"
        } else {
            "Enabled"
        };
        properties.insert(
            "publicNetworkAccess".to_owned(),
            Value::String(canonical.to_owned()),
        );
    } else if creating || !properties.contains_key("publicNetworkAccess") {
        let value = old
            .get("publicNetworkAccess")
            .cloned()
            .unwrap_or_else(|| Value::String("Enabled".to_owned()));
        properties.insert("publicNetworkAccess".to_owned(), value);
    }
    match get_ci(props_in, "networkAcls") {
        Some(acls) if acls.is_object() => {
            properties.insert("networkAcls".to_owned(), normalise_network_acls(acls)?);
        }
        _ => {
            if creating && let Some(old_acls) = old.get("networkAcls") {
                properties.insert("networkAcls".to_owned(), old_acls.clone());
            }
        }
    }
    Ok(())
}

/// `ipRules` addresses gain `/32`, virtual network rule IDs are lower-cased, as Azure returns them.
fn normalise_network_acls(acls: &Value) -> ArmResult<Value> {
    let default_action = match str_ci(acls, "defaultAction")
        .unwrap_or("Allow")
        .to_ascii_lowercase()
        .as_str()
    {
        "allow" => "Allow",
        "deny" => "Deny",
        other => {
            return Err(ArmError::bad_request(
                "BadRequest",
                format!("networkAcls.defaultAction '{other}' is not valid; use 'Allow' or 'Deny'."),
            ));
        }
    };
    let bypass = match str_ci(acls, "bypass")
        .unwrap_or("AzureServices")
        .to_ascii_lowercase()
        .as_str()
    {
        "azureservices" => "AzureServices",
        "none" => "None",
        other => {
            return Err(ArmError::bad_request(
                "BadRequest",
                format!(
                    "networkAcls.bypass '{other}' is not valid; use 'AzureServices' or 'None'."
                ),
            ));
        }
    };
    let ip_rules: Vec<Value> = get_ci(acls, "ipRules")
        .and_then(Value::as_array)
        .map(|rules| {
            rules
                .iter()
                .filter_map(|r| str_ci(r, "value"))
                .map(|v| {
                    let v = v.trim();
                    let value = if v.parse::<std::net::Ipv4Addr>().is_ok() {
                        format!("{v}/32")
                    } else {
                        v.to_owned()
                    };
                    json!({ "value": value })
                })
                .collect()
        })
        .unwrap_or_default();
    let vnet_rules: Vec<Value> = get_ci(acls, "virtualNetworkRules")
        .and_then(Value::as_array)
        .map(|rules| {
            rules
                .iter()
                .filter_map(|r| str_ci(r, "id"))
                .map(|id| json!({ "id": id.to_ascii_lowercase() }))
                .collect()
        })
        .unwrap_or_default();
    Ok(json!({
        "bypass": bypass,
        "defaultAction": default_action,
        "ipRules": ip_rules,
        "virtualNetworkRules": vnet_rules,
    }))
}

/// Validates access policies and spells permissions as Azure returns them.
fn normalise_policies(list: &[Value]) -> ArmResult<Vec<Value>> {
    list.iter()
        .map(|policy| {
            let tenant = str_ci(policy, "tenantId").and_then(super::id::parse_guid);
            let object = str_ci(policy, "objectId");
            let (Some(tenant), Some(object)) = (tenant, object) else {
                return Err(ArmError::bad_request(
                    "BadRequest",
                    "Each access policy needs a tenantId (a GUID) and an objectId.",
                ));
            };
            let mut out = json!({ "tenantId": tenant, "objectId": object, "permissions": {} });
            if let Some(app) = str_ci(policy, "applicationId") {
                out["applicationId"] = Value::String(app.to_owned());
            }
            let permissions = get_ci(policy, "permissions")
                .cloned()
                .unwrap_or_else(|| json!({}));
            for kind in ["keys", "secrets", "certificates", "storage"] {
                if let Some(Value::Array(perms)) = get_ci(&permissions, kind) {
                    out["permissions"][kind] = Value::Array(perms.clone());
                }
            }
            Ok(out)
        })
        .collect()
}

fn policy_matches(a: &Value, b: &Value) -> bool {
    let same = |field: &str| {
        str_ci(a, field)
            .unwrap_or_default()
            .eq_ignore_ascii_case(str_ci(b, field).unwrap_or_default())
    };
    same("tenantId") && same("objectId") && same("applicationId")
}

/// `PUT .../vaults/{name}/accessPolicies/{add|replace|remove}`
fn access_policies(ctx: &mut Ctx<'_>, id: &ResourceId, operation: &str) -> ArmResult<Response> {
    ctx.require_method(Method::PUT)?;
    let existing = ctx.world.arm.existing(id)?.clone();
    ctx.authorize(
        "Microsoft.KeyVault/vaults/accessPolicies/write",
        existing.id(),
    )?;
    let operation = operation.to_ascii_lowercase();
    if !["add", "replace", "remove"].contains(&operation.as_str()) {
        return Err(ArmError::bad_request(
            "BadRequest",
            format!(
                "The access policy operation '{operation}' is not valid; use 'add', 'replace' or 'remove'."
            ),
        ));
    }
    let body = ctx.object_body()?;
    let requested = get_ci(&body, "properties")
        .and_then(|p| get_ci(p, "accessPolicies"))
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ArmError::bad_request("BadRequest", "properties.accessPolicies is required.")
        })?;
    let requested = normalise_policies(requested)?;
    let mut policies: Vec<Value> = existing
        .body
        .pointer("/properties/accessPolicies")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for policy in &requested {
        let position = policies.iter().position(|p| policy_matches(p, policy));
        match (operation.as_str(), position) {
            ("add", Some(i)) => {
                for (kind, new) in permission_lists(policy) {
                    let current = &mut policies[i]["permissions"][kind];
                    let mut merged: Vec<Value> = current.as_array().cloned().unwrap_or_default();
                    for perm in new {
                        if !merged.iter().any(|m| same_permission(m, perm)) {
                            merged.push(perm.clone());
                        }
                    }
                    *current = Value::Array(merged);
                }
            }
            ("add", None) | ("replace", None) => policies.push(policy.clone()),
            ("replace", Some(i)) => policies[i] = policy.clone(),
            ("remove", Some(i)) => {
                for (kind, removed) in permission_lists(policy) {
                    if let Some(current) = policies[i]["permissions"][kind].as_array_mut() {
                        current.retain(|perm| !removed.iter().any(|r| same_permission(r, perm)));
                    }
                }
                let empty = PERMISSION_KINDS.iter().all(|kind| {
                    policies[i]["permissions"][*kind]
                        .as_array()
                        .is_none_or(Vec::is_empty)
                });
                if empty {
                    policies.remove(i);
                }
            }
            _ => {}
        }
    }
    let mut updated = existing.body.clone();
    updated["properties"]["accessPolicies"] = Value::Array(policies);
    crate::propagation::record_vault_grants(ctx.world, Some(&existing.body), &updated);
    ctx.world.arm.replace_body(existing.id(), updated);
    Ok(Response::json(
        StatusCode::OK,
        &json!({
            "id": format!("{}/accessPolicies/", existing.id()),
            "type": "Microsoft.KeyVault/vaults/accessPolicies",
            "properties": {"accessPolicies": requested}
        }),
    ))
}

/// The permission lists of an access policy.
const PERMISSION_KINDS: [&str; 4] = ["keys", "secrets", "certificates", "storage"];

/// The permission lists `policy` names, by kind.
fn permission_lists(policy: &Value) -> impl Iterator<Item = (&'static str, &Vec<Value>)> {
    PERMISSION_KINDS.into_iter().filter_map(|kind| {
        policy
            .pointer(&format!("/permissions/{kind}"))
            .and_then(Value::as_array)
            .map(|list| (kind, list))
    })
}

/// Permission names compare without regard to letter case (`wrapKey`, `wrapkey`).
fn same_permission(a: &Value, b: &Value) -> bool {
    a.as_str()
        .unwrap_or_default()
        .eq_ignore_ascii_case(b.as_str().unwrap_or_default())
}

/// Moves a vault to `deletedVaults` (soft delete is always on).
pub fn soft_delete(world: &mut World, vault: &StoredResource, now_ms: i64, now: &str) {
    let days = vault
        .body
        .pointer("/properties/softDeleteRetentionInDays")
        .and_then(Value::as_i64)
        .unwrap_or(90);
    let name = vault
        .body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    world.arm.deleted_vaults.insert(
        name,
        DeletedVault {
            vault: vault.body.clone(),
            deletion_date: now.to_owned(),
            scheduled_purge_ms: now_ms + days * 86_400_000,
        },
    );
    world.arm.remove(vault.id());
}

fn deleted_json(sub_path: &str, deleted: &DeletedVault) -> Value {
    let name = deleted
        .vault
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let location = deleted
        .vault
        .get("location")
        .and_then(Value::as_str)
        .unwrap_or_default();
    json!({
        "id": format!("{sub_path}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}"),
        "name": name,
        "type": "Microsoft.KeyVault/deletedVaults",
        "properties": {
            "vaultId": deleted.vault.get("id"),
            "location": location,
            "deletionDate": deleted.deletion_date,
            "scheduledPurgeDate": timestamp_ms(deleted.scheduled_purge_ms),
            "tags": deleted.vault.get("tags").cloned().unwrap_or_else(|| json!({})),
            "purgeProtectionEnabled": deleted.vault.pointer("/properties/enablePurgeProtection").and_then(Value::as_bool).unwrap_or(false)
        }
    })
}

/// The soft-deleted vault `name` of the subscription at `sub_path`.
fn find_deleted<'w>(world: &'w World, sub_path: &str, name: &str) -> ArmResult<&'w DeletedVault> {
    deleted_in_subscription(world, sub_path)
        .into_iter()
        .find(|d| {
            d.vault
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .ok_or_else(|| {
            ArmError::new(
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                format!("The deleted vault '{name}' was not found."),
            )
        })
}

fn deleted_in_subscription<'w>(world: &'w World, sub_path: &str) -> Vec<&'w DeletedVault> {
    let prefix = format!("{}/", key(sub_path));
    world
        .arm
        .deleted_vaults
        .values()
        .filter(|d| {
            d.vault
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| key(id).starts_with(&prefix))
        })
        .collect()
}

fn list_deleted(ctx: &mut Ctx<'_>, sub_path: &str) -> ArmResult<Response> {
    ctx.authorize("Microsoft.KeyVault/deletedVaults/read", sub_path)?;
    let items = deleted_in_subscription(ctx.world, sub_path)
        .into_iter()
        .map(|d| deleted_json(sub_path, d))
        .collect();
    ctx.page(items)
}

fn get_deleted(ctx: &mut Ctx<'_>, sub_path: &str, name: &str) -> ArmResult<Response> {
    ctx.authorize("Microsoft.KeyVault/deletedVaults/read", sub_path)?;
    let deleted = find_deleted(ctx.world, sub_path, name)?;
    Ok(Response::json(
        StatusCode::OK,
        &deleted_json(sub_path, deleted),
    ))
}

fn purge_deleted(ctx: &mut Ctx<'_>, sub_path: &str, name: &str) -> ArmResult<Response> {
    ctx.require_method(Method::POST)?;
    ctx.authorize(
        "Microsoft.KeyVault/locations/deletedVaults/purge/action",
        sub_path,
    )?;
    let deleted = find_deleted(ctx.world, sub_path, name)?.clone();
    if deleted
        .vault
        .pointer("/properties/enablePurgeProtection")
        .and_then(Value::as_bool)
        == Some(true)
    {
        return Err(ArmError::conflict(
            "VaultPurgeProtected",
            format!(
                "The vault '{name}' has purge protection enabled and cannot be purged before its scheduled purge date {}.",
                timestamp_ms(deleted.scheduled_purge_ms)
            ),
        ));
    }
    ctx.world
        .arm
        .deleted_vaults
        .remove(&name.to_ascii_lowercase());
    ctx.world.vaults.remove_vault(name);
    Ok(Response::empty(StatusCode::ACCEPTED))
}

/// Purges deleted vaults whose retention ended.
pub fn purge_due(world: &mut World, now_ms: i64) {
    let due: Vec<String> = world
        .arm
        .deleted_vaults
        .iter()
        .filter(|(_, d)| d.scheduled_purge_ms <= now_ms)
        .map(|(name, _)| name.clone())
        .collect();
    for name in due {
        world.arm.deleted_vaults.remove(&name);
        world.vaults.remove_vault(&name);
    }
}
