//! `Microsoft.ContainerRegistry/registries`, with Azure Container Registry's
//! customer-managed-key rules:
//! - CMK can be enabled only when the registry is created, and only on Premium;
//! - once enabled it cannot be disabled (nor the registry moved off Premium);
//! - only RSA and RSA-HSM keys;
//! - `encryption.keyVaultProperties.identity` is the client ID of an identity
//!   attached to the registry (`system`, as `az acr encryption rotate-key
//!   --identity [system]` sends, means the system-assigned one; the service
//!   stores that identity's client ID);
//! - an identity in use for encryption cannot be detached (ACR's documented error);
//! - an unversioned `keyIdentifier` turns on auto-rotation (`keyRotationEnabled`)
//!   and `versionedKeyIdentifier` follows the newest key version (see `cmk`).
//!
//! PUT and PATCH are long-running operations: `Azure-AsyncOperation` points at
//! `.../operationStatuses/{id}`, which reports `InProgress` until the operation's
//! sandbox time is up, then `Succeeded` (or `Failed` under a fault rule).

use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::error::{ArmError, ArmResult};
use super::id::{ResourceId, Scope};
use super::identity::{
    IdentityUpdate, ResolvedIdentity, commit_identity, principal_by_client_id, resolve_identity,
};
use super::resources::{normalise_location, required_location, tags_of};
use super::store::{Operation, StoredResource, get_ci, str_ci};
use super::tracked::{
    TrackedResource, TrackedRoute, TrackedType, handle_resource, name_availability,
};
use super::{Ctx, ProviderRoute, resource_response};
use crate::cmk::{check_key_access, newest_enabled_version, parse_key_identifier};
use crate::faults::{RouteInfo, Service};
use crate::http::Response;
use crate::keyvault::KeyType;
use crate::world::World;

pub const NAMESPACE: &str = "Microsoft.ContainerRegistry";
pub const TYPE_NAME: &str = "registries";
pub const FULL_TYPE: &str = "Microsoft.ContainerRegistry/registries";
const CMK_HELP: &str =
    "For more information on customer-managed keys, please visit 'https://aka.ms/acr/cmk'.";

pub fn handle(ctx: &mut Ctx<'_>, route: &ProviderRoute) -> ArmResult<Response> {
    if let Some(tracked) = Registries::TYPE.route(ctx, route)? {
        return match tracked {
            TrackedRoute::Listed(list) => Ok(list),
            TrackedRoute::Resource(id) => handle_resource::<Registries>(ctx, &id),
        };
    }
    match &route.scope {
        Scope::Subscription { subscription } if route.rest_is(&["checkNameAvailability"]) => {
            ctx.subscription(subscription)?;
            check_name(ctx)
        }
        Scope::ResourceGroup {
            subscription,
            group,
        } if route.rest.len() > 2 && route.rest[0].eq_ignore_ascii_case(TYPE_NAME) => {
            let id = Registries::TYPE.resource_id(subscription, group, &route.rest[1]);
            ctx.subscription(subscription)?;
            if route.rest_is(&[TYPE_NAME, "*", "operationStatuses", "*"]) {
                operation_status(ctx, &id, &route.rest[3])
            } else {
                Err(ArmError::invalid_resource_type(
                    NAMESPACE,
                    &format!("{TYPE_NAME}/{}", route.rest[2]),
                    &ctx.api_version,
                ))
            }
        }
        _ => Err(ArmError::invalid_resource_type(
            &route.namespace,
            route.rest.first().map_or("", String::as_str),
            &ctx.api_version,
        )),
    }
}

struct Registries;

impl TrackedResource for Registries {
    const TYPE: TrackedType = TrackedType::new(NAMESPACE, TYPE_NAME, FULL_TYPE);

    fn put(
        ctx: &mut Ctx<'_>,
        id: &ResourceId,
        existing: Option<StoredResource>,
        body: &Value,
    ) -> ArmResult<Response> {
        let write = prepare_put(
            ctx.world,
            id,
            existing.as_ref(),
            body,
            &ctx.timestamp(),
            &ctx.caller.object_id,
        )?;
        start_operation(ctx, write, existing)
    }

    fn patch(ctx: &mut Ctx<'_>, existing: StoredResource, body: &Value) -> ArmResult<Response> {
        let write = prepare_patch(
            ctx.world,
            &existing,
            body,
            &ctx.timestamp(),
            &ctx.caller.object_id,
        )?;
        start_operation(ctx, write, Some(existing))
    }

    /// The registry's operations go with it.
    fn delete(ctx: &mut Ctx<'_>, scope: &str, _existing: StoredResource) -> ArmResult<Response> {
        super::identity::forget_resource(ctx.world, scope);
        ctx.world.arm.remove(scope);
        ctx.world
            .arm
            .operations
            .retain(|_, op| !op.resource_id.eq_ignore_ascii_case(scope));
        Ok(Response::empty(StatusCode::OK))
    }
}

fn check_name(ctx: &mut Ctx<'_>) -> ArmResult<Response> {
    ctx.require_method(Method::POST)?;
    name_availability(ctx, "Invalid", validate_name, |world, name| {
        Registries::TYPE
            .find_by_name(world, name)
            .map(|_| format!("The registry {name} is already in use."))
    })
}

fn validate_name(name: &str) -> ArmResult<()> {
    if (5..=50).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidRegistryName",
            format!(
                "The registry name '{name}' is invalid: a registry name has 5 to 50 characters, letters and digits only."
            ),
        ))
    }
}

/// A validated registry write, not yet stored.
pub struct RegistryWrite {
    pub id: String,
    pub body: Value,
    pub created: bool,
    pub identity: ResolvedIdentity,
}

/// Stores a write with `provisioningState: Succeeded` (scenarios; the HTTP path
/// goes through a long-running operation instead).
pub fn commit(world: &mut World, write: RegistryWrite) {
    commit_identity(world, &write.id, &write.identity);
    world.arm.replace_body(&write.id, write.body);
}

/// Validates a PUT (create or full update) and builds the registry's new body.
pub fn prepare_put(
    world: &World,
    id: &ResourceId,
    existing: Option<&StoredResource>,
    request: &Value,
    now: &str,
    actor: &str,
) -> ArmResult<RegistryWrite> {
    validate_name(&id.name)?;
    let location = required_location(request)?;
    let location = normalise_location(location);
    let sku = sku_of(request)?.ok_or_else(|| {
        ArmError::bad_request(
            "InvalidSku",
            "The sku property is required: { \"name\": \"Basic\" | \"Standard\" | \"Premium\" }.",
        )
    })?;
    let tenant = world.arm.subscription(&id.subscription)?.tenant_id.clone();
    let (canonical, created_at) = match existing {
        Some(r) => (
            r.id().to_owned(),
            r.body
                .pointer("/properties/creationDate")
                .and_then(Value::as_str)
                .unwrap_or(now)
                .to_owned(),
        ),
        None => {
            if let Some(other) = Registries::TYPE.find_by_name(world, &id.name) {
                return Err(ArmError::conflict(
                    "AlreadyInUse",
                    format!(
                        "The registry DNS name {}.azurecr.io is already in use by '{}'. Choose another name.",
                        id.name.to_ascii_lowercase(),
                        other.id()
                    ),
                ));
            }
            (
                world.arm.canonical_id(id, NAMESPACE, TYPE_NAME)?,
                now.to_owned(),
            )
        }
    };
    if let Some(existing) = existing {
        let old_location = str_ci(&existing.body, "location").unwrap_or_default();
        if !old_location.eq_ignore_ascii_case(&location) {
            return Err(ArmError::bad_request(
                "LocationNotAvailableForResourceType",
                format!(
                    "The registry '{}' is in '{old_location}'; its location cannot change to '{location}'.",
                    id.name
                ),
            ));
        }
    }
    let properties_in = get_ci(request, "properties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let identity = resolve_identity(
        world,
        &canonical,
        &tenant,
        existing.and_then(|r| r.body.get("identity")),
        get_ci(request, "identity"),
        IdentityUpdate::Replace,
        ", ",
    )?;
    let name = canonical.rsplit('/').next().unwrap_or(&id.name).to_owned();
    let encryption = resolve_encryption(
        world,
        &canonical,
        &name,
        &tenant,
        get_ci(&properties_in, "encryption"),
        existing.and_then(|r| r.body.pointer("/properties/encryption")),
        &identity,
        &sku,
        now,
    )?;
    let mut properties = default_properties(&name, &created_at);
    for field in UPDATABLE_PROPERTIES.iter().chain(CREATE_ONLY_PROPERTIES) {
        if let Some(value) = get_ci(&properties_in, field).filter(|v| !v.is_null()) {
            properties.insert((*field).to_owned(), value.clone());
        }
    }
    properties.insert(
        "policies".to_owned(),
        merge_policies(None, get_ci(&properties_in, "policies"), now),
    );
    properties.insert("encryption".to_owned(), encryption);
    if let Some(existing) = existing {
        for field in CREATE_ONLY_PROPERTIES {
            if let Some(old) = existing.body.pointer(&format!("/properties/{field}")) {
                properties.insert((*field).to_owned(), old.clone());
            }
        }
    }
    let mut body = json!({
        "id": canonical,
        "name": name,
        "type": FULL_TYPE,
        "location": location,
        "tags": tags_of(request)?.unwrap_or_default(),
        "sku": {"name": sku, "tier": sku},
        "properties": properties,
        "systemData": super::identity::system_data(actor, &created_at, now),
    });
    if let Some(identity_json) = &identity.json {
        body["identity"] = identity_json.clone();
    }
    Ok(RegistryWrite {
        id: canonical,
        body,
        created: existing.is_none(),
        identity,
    })
}

/// Properties a PATCH may change.
const UPDATABLE_PROPERTIES: &[&str] = &[
    "adminUserEnabled",
    "networkRuleSet",
    "dataEndpointEnabled",
    "publicNetworkAccess",
    "networkRuleBypassOptions",
    "networkRuleBypassAllowedForTasks",
    "anonymousPullEnabled",
    "roleAssignmentMode",
];

/// Properties fixed at creation.
const CREATE_ONLY_PROPERTIES: &[&str] = &["zoneRedundancy"];

fn default_properties(name: &str, created_at: &str) -> Map<String, Value> {
    let defaults = json!({
        "loginServer": format!("{}.azurecr.io", name.to_ascii_lowercase()),
        "creationDate": created_at,
        "provisioningState": "Succeeded",
        "adminUserEnabled": false,
        "networkRuleSet": {"defaultAction": "Allow", "ipRules": []},
        "encryption": {"status": "disabled"},
        "status": null,
        "dataEndpointEnabled": false,
        "dataEndpointHostNames": [],
        "privateEndpointConnections": [],
        "publicNetworkAccess": "Enabled",
        "networkRuleBypassOptions": "AzureServices",
        "networkRuleBypassAllowedForTasks": false,
        "zoneRedundancy": "Disabled",
        "anonymousPullEnabled": false,
        "roleAssignmentMode": "LegacyRegistryPermissions"
    });
    defaults.as_object().cloned().unwrap_or_default()
}

fn merge_policies(existing: Option<&Value>, requested: Option<&Value>, now: &str) -> Value {
    let mut policies = existing.cloned().unwrap_or_else(|| {
        json!({
            "quarantinePolicy": {"status": "disabled"},
            "trustPolicy": {"type": "Notary", "status": "disabled"},
            "retentionPolicy": {"days": 7, "lastUpdatedTime": now, "status": "disabled"},
            "exportPolicy": {"status": "enabled"},
            "azureADAuthenticationAsArmPolicy": {"status": "enabled"},
            "softDeletePolicy": {"retentionDays": 7, "lastUpdatedTime": now, "status": "disabled"}
        })
    });
    if let (Some(map), Some(Value::Object(requested))) = (policies.as_object_mut(), requested) {
        for (name, value) in requested {
            if value.is_null() {
                continue;
            }
            let entry = map.entry(name.clone()).or_insert_with(|| json!({}));
            if let (Some(target), Some(source)) = (entry.as_object_mut(), value.as_object()) {
                for (k, v) in source {
                    if k != "lastUpdatedTime" && !v.is_null() {
                        target.insert(k.clone(), v.clone());
                    }
                }
                if target.contains_key("lastUpdatedTime") {
                    target.insert("lastUpdatedTime".to_owned(), Value::String(now.to_owned()));
                }
            }
        }
    }
    policies
}

/// `Basic`, `Standard` or `Premium` from `sku.name` (case-insensitive); `None` when absent.
fn sku_of(request: &Value) -> ArmResult<Option<String>> {
    let Some(sku) = get_ci(request, "sku").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let name = str_ci(sku, "name").unwrap_or_default();
    ["Basic", "Standard", "Premium"]
        .iter()
        .find(|s| s.eq_ignore_ascii_case(name))
        .map(|s| Some((*s).to_owned()))
        .ok_or_else(|| {
            ArmError::bad_request(
                "InvalidSku",
                format!("The SKU '{name}' is not valid for a container registry. Valid SKUs: Basic, Standard, Premium."),
            )
        })
}

/// Validates a PATCH (the SDK's partial body or `az`'s near-complete one) and
/// builds the registry's new body.
pub fn prepare_patch(
    world: &World,
    existing: &StoredResource,
    request: &Value,
    now: &str,
    actor: &str,
) -> ArmResult<RegistryWrite> {
    let id = existing.id().to_owned();
    let name = id.rsplit('/').next().unwrap_or_default().to_owned();
    let parsed = ResourceId::parse(&id).ok_or_else(|| {
        ArmError::bad_request("InvalidResourceId", format!("'{id}' is not a resource ID"))
    })?;
    let tenant = world
        .arm
        .subscription(&parsed.subscription)?
        .tenant_id
        .clone();
    let mut body = existing.body.clone();
    if let Some(tags) = tags_of(request)? {
        body["tags"] = Value::Object(tags);
    }
    let old_sku = body
        .pointer("/sku/name")
        .and_then(Value::as_str)
        .unwrap_or("Basic")
        .to_owned();
    let sku = sku_of(request)?.unwrap_or(old_sku);
    body["sku"] = json!({"name": sku, "tier": sku});
    let identity = resolve_identity(
        world,
        &id,
        &tenant,
        existing.body.get("identity"),
        get_ci(request, "identity"),
        IdentityUpdate::Merge,
        ", ",
    )?;
    match &identity.json {
        Some(identity_json) => body["identity"] = identity_json.clone(),
        None => {
            if let Some(map) = body.as_object_mut() {
                map.remove("identity");
            }
        }
    }
    let properties_in = get_ci(request, "properties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let encryption = resolve_encryption(
        world,
        &id,
        &name,
        &tenant,
        get_ci(&properties_in, "encryption"),
        existing.body.pointer("/properties/encryption"),
        &identity,
        &sku,
        now,
    )?;
    let properties = body
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| {
            ArmError::bad_request("InternalError", "the stored registry has no properties")
        })?;
    for field in UPDATABLE_PROPERTIES {
        if let Some(value) = get_ci(&properties_in, field).filter(|v| !v.is_null()) {
            properties.insert((*field).to_owned(), value.clone());
        }
    }
    if let Some(policies) = get_ci(&properties_in, "policies").filter(|v| !v.is_null()) {
        let merged = merge_policies(properties.get("policies"), Some(policies), now);
        properties.insert("policies".to_owned(), merged);
    }
    properties.insert("encryption".to_owned(), encryption);
    if let Some(system) = body.get_mut("systemData").and_then(Value::as_object_mut) {
        system.insert("lastModifiedBy".to_owned(), Value::String(actor.to_owned()));
        system.insert("lastModifiedAt".to_owned(), Value::String(now.to_owned()));
    }
    Ok(RegistryWrite {
        id,
        body,
        created: false,
        identity,
    })
}

fn cmk_error(code: &str, message: String) -> ArmError {
    ArmError::bad_request(code, format!("{message} {CMK_HELP}"))
}

/// Applies ACR's customer-managed-key rules and returns the `encryption` property to store.
#[allow(clippy::too_many_arguments)]
fn resolve_encryption(
    world: &World,
    registry_id: &str,
    name: &str,
    tenant: &str,
    requested: Option<&Value>,
    existing: Option<&Value>,
    identity: &ResolvedIdentity,
    sku: &str,
    now: &str,
) -> ArmResult<Value> {
    let requested = requested.filter(|v| !v.is_null());
    let requested_kv = requested
        .and_then(|r| get_ci(r, "keyVaultProperties"))
        .filter(|v| !v.is_null());
    let requested_status = requested
        .and_then(|r| str_ci(r, "status"))
        .map(str::to_ascii_lowercase);
    let existing_enabled = existing
        .and_then(|e| str_ci(e, "status"))
        .is_some_and(|s| s.eq_ignore_ascii_case("enabled"));
    let creating = existing.is_none();
    let wants_enabled = match requested_status.as_deref() {
        Some("enabled") => true,
        Some("disabled") => false,
        Some(other) => {
            return Err(ArmError::bad_request(
                "InvalidEncryptionStatus",
                format!(
                    "The encryption status '{other}' is not valid; use 'enabled' or 'disabled'."
                ),
            ));
        }
        None => {
            existing_enabled
                || requested_kv
                    .and_then(|kv| str_ci(kv, "keyIdentifier"))
                    .is_some()
        }
    };
    if !wants_enabled {
        if existing_enabled {
            return Err(cmk_error(
                "EncryptionCannotBeDisabled",
                format!(
                    "Customer-managed key encryption cannot be disabled on the registry '{name}': once enabled, it stays enabled."
                ),
            ));
        }
        return Ok(json!({"status": "disabled"}));
    }
    if !creating && !existing_enabled {
        return Err(cmk_error(
            "EncryptionCanOnlyBeEnabledAtCreation",
            format!(
                "Customer-managed key encryption can only be enabled when a registry is created; the registry '{name}' \
                 was created without it. Create a new Premium registry with encryption enabled and import the images into it."
            ),
        ));
    }
    if sku != "Premium" {
        return Err(cmk_error(
            "CmkNotSupportedOnSku",
            format!(
                "Customer-managed key encryption is available on the Premium service tier only; the registry '{name}' \
                 would be '{sku}'. Use the Premium SKU."
            ),
        ));
    }
    let old_kv = existing.and_then(|e| get_ci(e, "keyVaultProperties"));
    let key_identifier = requested_kv
        .and_then(|kv| str_ci(kv, "keyIdentifier"))
        .or_else(|| old_kv.and_then(|kv| str_ci(kv, "keyIdentifier")))
        .map(str::to_owned)
        .ok_or_else(|| {
            cmk_error(
                "KeyIdentifierRequired",
                "encryption.keyVaultProperties.keyIdentifier is required to enable customer-managed key encryption.".to_owned(),
            )
        })?;
    let identity_text = requested_kv
        .and_then(|kv| str_ci(kv, "identity"))
        .filter(|s| !s.is_empty())
        .or_else(|| old_kv.and_then(|kv| str_ci(kv, "identity")))
        .map(str::to_owned)
        .ok_or_else(|| {
            cmk_error(
                "IdentityRequired",
                "encryption.keyVaultProperties.identity is required: the client ID of a user-assigned identity \
                 attached to the registry, or 'system' for its system-assigned identity."
                    .to_owned(),
            )
        })?;
    let principal = if identity_text.eq_ignore_ascii_case("system") {
        identity
            .system_record
            .as_ref()
            .map(|r| super::identity::EncryptionPrincipal {
                principal_id: r.principal_id.clone(),
                client_id: r.client_id.clone(),
                user_assigned_id: None,
            })
    } else {
        principal_by_client_id(identity, &identity_text)
    };
    let Some(principal) = principal else {
        // The documented error for detaching an identity that encryption uses.
        return Err(ArmError::bad_request(
            "InvalidIdentity",
            format!(
                "Azure resource '{registry_id}' does not have access to identity '{identity_text}' Try forcibly adding \
                 the identity to the registry {name}. For more information on bring your own key, please visit \
                 'https://aka.ms/acr/cmk'."
            ),
        ));
    };
    let same_key = old_kv
        .and_then(|kv| str_ci(kv, "keyIdentifier"))
        .is_some_and(|old| same_identifier(old, &key_identifier));
    let same_identity = old_kv
        .and_then(|kv| str_ci(kv, "identity"))
        .is_some_and(|old| old.eq_ignore_ascii_case(&principal.client_id));
    if let (Some(old), true, true) = (old_kv, same_key, same_identity) {
        return Ok(json!({"status": "enabled", "keyVaultProperties": old.clone()}));
    }
    let key = parse_key_identifier(world, &key_identifier).map_err(|reason| {
        cmk_error(
            "InvalidKeyIdentifier",
            format!("The key identifier is not valid: {reason}."),
        )
    })?;
    let kty = crate::cmk::key_type(world, &key).map_err(|reason| {
        cmk_error(
            "KeyVaultKeyNotFound",
            format!("The key '{key_identifier}' cannot be used: {reason}."),
        )
    })?;
    if !matches!(kty, KeyType::Rsa | KeyType::RsaHsm) {
        return Err(cmk_error(
            "UnsupportedKeyType",
            format!(
                "The key '{key_identifier}' is of type '{}'. Azure Container Registry supports only RSA or RSA-HSM keys; \
                 elliptic curve keys are not supported.",
                kty.as_str()
            ),
        ));
    }
    check_key_access(world, &principal, tenant, &key).map_err(|reason| {
        cmk_error(
            "KeyVaultAccessDenied",
            format!(
                "The identity '{}' (object ID '{}') cannot use the key '{key_identifier}': {reason}. Grant it get, wrapKey \
                 and unwrapKey on the key (an access policy, or the Key Vault Crypto Service Encryption User role), then retry.",
                principal.client_id, principal.principal_id
            ),
        )
    })?;
    let version = match &key.version {
        Some(v) => v.clone(),
        None => newest_enabled_version(world, &key).ok_or_else(|| {
            cmk_error(
                "KeyVaultKeyNotFound",
                format!("The key '{key_identifier}' has no enabled version."),
            )
        })?,
    };
    Ok(json!({
        "status": "enabled",
        "keyVaultProperties": {
            "keyIdentifier": key_identifier,
            "versionedKeyIdentifier": key.with_version(world, &version),
            "identity": principal.client_id,
            "keyRotationEnabled": key.version.is_none(),
            "lastKeyRotationTimestamp": now
        }
    }))
}

fn same_identifier(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// Stores a write and starts its long-running operation; the response carries
/// `Azure-AsyncOperation` and `Retry-After`.
fn start_operation(
    ctx: &mut Ctx<'_>,
    write: RegistryWrite,
    previous: Option<StoredResource>,
) -> ArmResult<Response> {
    let now_ms = ctx.now_ms();
    let route = RouteInfo {
        service: Service::Arm,
        method: ctx.req.method.as_str(),
        host: &ctx.req.host,
        path: &ctx.req.path,
    };
    let fault = ctx.world.faults.take_operation_fault(&route);
    let mut duration = ctx.world.arm.settings.operation_duration_ms.max(0);
    let mut failure = None;
    match fault {
        Some(crate::faults::OperationFault::Slow { extra_seconds }) => {
            duration += i64::try_from(extra_seconds).unwrap_or(i64::MAX / 4_000) * 1000;
        }
        Some(crate::faults::OperationFault::Fail { code, message }) => {
            failure = Some((code, message))
        }
        None => {}
    }
    let created = write.created;
    let id = write.id.clone();
    let mut body = write.body.clone();
    body["properties"]["provisioningState"] =
        Value::String(if created { "Creating" } else { "Updating" }.to_owned());
    commit(ctx.world, RegistryWrite { body, ..write });
    let name = format!("registries-{}", uuid::Uuid::new_v4());
    ctx.world.arm.operations.insert(
        name.clone(),
        Operation {
            name: name.clone(),
            resource_id: id.clone(),
            started_ms: now_ms,
            completes_ms: now_ms + duration,
            failure,
            previous: previous.map(|p| p.body),
            done: false,
        },
    );
    let resource = ctx
        .world
        .arm
        .resource(&id)
        .ok_or_else(|| ArmError::bad_request("InternalError", "the registry was not stored"))?;
    let status = if created || ctx.req.method == Method::PATCH {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let async_url = format!(
        "{}{}/operationStatuses/{}?api-version={}",
        ctx.base(),
        id,
        name,
        ctx.api_version
    );
    Ok(resource_response(status, resource)
        .with_header("Azure-AsyncOperation", &async_url)
        .with_header("Retry-After", "1"))
}

fn operation_status(ctx: &mut Ctx<'_>, id: &ResourceId, name: &str) -> ArmResult<Response> {
    ctx.require_method(Method::GET)?;
    let registry_id = ctx
        .world
        .arm
        .existing(id)
        .map(|r| r.id().to_owned())
        .unwrap_or_else(|_| id.to_id());
    ctx.authorize(&format!("{FULL_TYPE}/read"), &registry_id)?;
    let op = ctx
        .world
        .arm
        .operations
        .get(name)
        .filter(|op| op.resource_id.eq_ignore_ascii_case(&registry_id))
        .ok_or_else(|| {
            ArmError::new(
                StatusCode::NOT_FOUND,
                "OperationNotFound",
                format!(
                    "The operation '{name}' was not found for the registry '{}'.",
                    id.name
                ),
            )
        })?;
    let now_ms = ctx.now_ms();
    let mut response = Response::json(StatusCode::OK, &op.to_json(now_ms));
    if op.status(now_ms) == "InProgress" {
        response = response.with_header("Retry-After", "1");
    }
    Ok(response)
}

/// Completes long-running operations whose time is up: `Succeeded` sets the
/// registry's `provisioningState`; `Failed` restores the previous registry (or
/// leaves a new one in state `Failed`). Finished operations are kept an hour
/// of sandbox time for pollers.
pub fn complete_operations(world: &mut World) {
    let now_ms = world.clock.now_unix_ms();
    let due: Vec<Operation> = world
        .arm
        .operations
        .values()
        .filter(|op| !op.done && op.completes_ms <= now_ms)
        .cloned()
        .collect();
    for op in due {
        let current = world.arm.resource(&op.resource_id).map(|r| r.body.clone());
        if let Some(mut body) = current {
            let state = match (&op.failure, &op.previous) {
                (None, _) => "Succeeded",
                (Some(_), Some(previous)) => {
                    body = previous.clone();
                    "Failed"
                }
                (Some(_), None) => "Failed",
            };
            body["properties"]["provisioningState"] = Value::String(state.to_owned());
            world.arm.replace_body(&op.resource_id, body);
        }
        if let Some(stored) = world.arm.operations.get_mut(&op.name) {
            stored.done = true;
        }
    }
    world
        .arm
        .operations
        .retain(|_, op| !op.done || now_ms - op.completes_ms < 3_600_000);
}
