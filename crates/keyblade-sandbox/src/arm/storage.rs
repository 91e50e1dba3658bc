//! `Microsoft.Storage/storageAccounts`, with Storage's encryption shape: the
//! lower-case `keyvaultproperties` (`keyname`, `keyversion`, `keyvaulturi`),
//! `keySource` `Microsoft.Keyvault` or `Microsoft.Storage`, and
//! `encryption.identity.userAssignedIdentity` (absent: the system-assigned
//! identity). An empty `keyversion` follows the newest key version
//! (`currentVersionedKeyIdentifier`, `lastKeyRotationTimestamp`). PATCH is
//! synchronous. Storage checks that the identity can use the key when the key
//! is set, and (unlike Container Registry) lets an account go back to
//! Microsoft-managed keys.

use http::StatusCode;
use serde_json::{Map, Value, json};

use super::error::{ArmError, ArmResult};
use super::id::{ResourceId, Scope, key};
use super::identity::{
    EncryptionPrincipal, IdentityUpdate, ResolvedIdentity, commit_identity, resolve_identity,
};
use super::resources::{normalise_location, required_location, tags_of};
use super::store::{StoredResource, get_ci, str_ci, timestamp};
use super::tracked::{
    PutTarget, TrackedResource, TrackedRoute, TrackedType, handle_resource, name_availability,
};
use super::{Ctx, ProviderRoute, resource_response};
use crate::cmk::{KeyRef, check_key_access, newest_enabled_version, parse_vault_uri};
use crate::http::Response;
use crate::world::World;

pub const NAMESPACE: &str = "Microsoft.Storage";
pub const TYPE_NAME: &str = "storageAccounts";
pub const FULL_TYPE: &str = "Microsoft.Storage/storageAccounts";

const SKUS: &[&str] = &[
    "Standard_LRS",
    "Standard_GRS",
    "Standard_RAGRS",
    "Standard_ZRS",
    "Premium_LRS",
    "Premium_ZRS",
    "Standard_GZRS",
    "Standard_RAGZRS",
];
const KINDS: &[&str] = &[
    "Storage",
    "StorageV2",
    "BlobStorage",
    "FileStorage",
    "BlockBlobStorage",
];

pub fn handle(ctx: &mut Ctx<'_>, route: &ProviderRoute) -> ArmResult<Response> {
    if let Some(tracked) = Accounts::TYPE.route(ctx, route)? {
        return match tracked {
            TrackedRoute::Listed(list) => Ok(list),
            TrackedRoute::Resource(id) => handle_resource::<Accounts>(ctx, &id),
        };
    }
    match &route.scope {
        Scope::Subscription { subscription } if route.rest_is(&["checkNameAvailability"]) => {
            ctx.subscription(subscription)?;
            name_availability(ctx, "AccountNameInvalid", validate_name, |world, name| {
                Accounts::TYPE
                    .find_by_name(world, name)
                    .map(|_| format!("The storage account named {name} is already taken."))
            })
        }
        _ => Err(ArmError::invalid_resource_type(
            &route.namespace,
            &route.rest.join("/"),
            &ctx.api_version,
        )),
    }
}

struct Accounts;

impl TrackedResource for Accounts {
    const TYPE: TrackedType = TrackedType::new(NAMESPACE, TYPE_NAME, FULL_TYPE);

    fn put(
        ctx: &mut Ctx<'_>,
        id: &ResourceId,
        _existing: Option<StoredResource>,
        body: &Value,
    ) -> ArmResult<Response> {
        // Storage answers a completed create with 200, not 201 (StorageAccounts_Create: 200 or 202).
        let (resource, _created) = put_account(ctx.world, id, body, &ctx.timestamp())?;
        Ok(resource_response(StatusCode::OK, &resource))
    }

    fn patch(ctx: &mut Ctx<'_>, existing: StoredResource, body: &Value) -> ArmResult<Response> {
        let resource = patch_account(ctx.world, &existing, body, &ctx.timestamp())?;
        Ok(resource_response(StatusCode::OK, &resource))
    }
}

fn validate_name(name: &str) -> ArmResult<()> {
    if (3..=24).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "AccountNameInvalid",
            format!(
                "{name} is not a valid storage account name. Storage account name must be between 3 and 24 characters \
                 in length and use numbers and lower-case letters only."
            ),
        ))
    }
}

/// `given` spelled as Storage spells it, if it is one of `choices` (in any letter case).
fn one_of(
    choices: &[&'static str],
    given: &str,
    what: &str,
    what_plural: &str,
) -> ArmResult<&'static str> {
    choices
        .iter()
        .find(|c| c.eq_ignore_ascii_case(given))
        .copied()
        .ok_or_else(|| {
            ArmError::bad_request(
                "InvalidValuesForRequestParameters",
                format!(
                    "The {what} '{given}' is not valid. Valid {what_plural}: {}.",
                    choices.join(", ")
                ),
            )
        })
}

fn sku_of(request: &Value) -> ArmResult<Option<Value>> {
    let Some(sku) = get_ci(request, "sku").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let name = str_ci(sku, "name").unwrap_or_default();
    let canonical = one_of(SKUS, name, "SKU", "SKUs")?;
    let tier = if canonical.starts_with("Premium") {
        "Premium"
    } else {
        "Standard"
    };
    Ok(Some(json!({"name": canonical, "tier": tier})))
}

/// Creates or replaces a storage account.
pub fn put_account(
    world: &mut World,
    id: &ResourceId,
    request: &Value,
    now: &str,
) -> ArmResult<(StoredResource, bool)> {
    validate_name(&id.name)?;
    let existing = world.arm.resource(&id.to_id()).cloned();
    if existing.is_none()
        && let Some(other) = Accounts::TYPE.find_by_name(world, &id.name)
    {
        return Err(ArmError::conflict(
            "StorageAccountAlreadyTaken",
            format!(
                "The storage account named {} is already taken by '{}'.",
                id.name,
                other.id()
            ),
        ));
    }
    let location = required_location(request)?;
    let location = normalise_location(location);
    let sku = sku_of(request)?.ok_or_else(|| {
        ArmError::bad_request(
            "MissingRequiredProperty",
            "The sku property is required, e.g. {\"name\": \"Standard_LRS\"}.",
        )
    })?;
    let kind_in = str_ci(request, "kind").unwrap_or_default();
    let kind = one_of(KINDS, kind_in, "kind", "kinds")?;
    let PutTarget {
        tenant,
        id: canonical,
        name,
    } = Accounts::TYPE.put_target(world, id, existing.as_ref())?;
    let identity = resolve_identity(
        world,
        &canonical,
        &tenant,
        existing.as_ref().and_then(|r| r.body.get("identity")),
        get_ci(request, "identity"),
        IdentityUpdate::Replace,
        ",",
    )?;
    let props_in = get_ci(request, "properties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let created_at = existing
        .as_ref()
        .and_then(|r| r.body.pointer("/properties/creationTime"))
        .and_then(Value::as_str)
        .unwrap_or(now)
        .to_owned();
    let encryption = resolve_encryption(
        world,
        &canonical,
        &tenant,
        get_ci(&props_in, "encryption"),
        existing
            .as_ref()
            .and_then(|r| r.body.pointer("/properties/encryption")),
        &identity,
        now,
    )?;
    let mut properties = json!({
        "privateEndpointConnections": [],
        "minimumTlsVersion": "TLS1_2",
        "allowBlobPublicAccess": false,
        "networkAcls": {"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "resourceAccessRules": [], "defaultAction": "Allow"},
        "supportsHttpsTrafficOnly": true,
        "encryption": encryption,
        "accessTier": "Hot",
        "provisioningState": "Succeeded",
        "creationTime": created_at,
        "primaryEndpoints": endpoints(&name),
        "primaryLocation": location,
        "statusOfPrimary": "available",
        "publicNetworkAccess": "Enabled"
    });
    for field in [
        "minimumTlsVersion",
        "allowBlobPublicAccess",
        "networkAcls",
        "supportsHttpsTrafficOnly",
        "accessTier",
        "publicNetworkAccess",
        "isHnsEnabled",
        "routingPreference",
    ] {
        if let Some(v) = get_ci(&props_in, field).filter(|v| !v.is_null()) {
            properties[field] = v.clone();
        }
    }
    add_routing_endpoints(&mut properties, &name);
    // Geo-redundant SKUs have a paired secondary region.
    let sku_name = sku["name"].as_str().unwrap_or_default().to_owned();
    if sku_name.contains("GRS") || sku_name.contains("GZRS") {
        properties["secondaryLocation"] = Value::String(paired_region(&location).to_owned());
        properties["statusOfSecondary"] = Value::String("available".to_owned());
    }
    let mut body = json!({
        "id": canonical,
        "name": name,
        "type": FULL_TYPE,
        "location": location,
        "kind": kind,
        "sku": sku,
        "tags": tags_of(request)?.unwrap_or_default(),
        "properties": properties,
    });
    if let Some(identity_json) = &identity.json {
        body["identity"] = identity_json.clone();
    }
    commit_identity(world, &canonical, &identity);
    world.arm.replace_body(&canonical, body);
    let stored = world
        .arm
        .resource(&canonical)
        .cloned()
        .ok_or_else(|| ArmError::bad_request("InternalError", "not stored"))?;
    Ok((stored, existing.is_none()))
}

/// Azure's region pairs for the sandbox's locations.
fn paired_region(location: &str) -> &'static str {
    match location {
        "eastus" => "westus",
        "eastus2" => "centralus",
        "westus" => "eastus",
        "westus2" => "westcentralus",
        "westus3" => "eastus",
        "centralus" => "eastus2",
        "northeurope" => "westeurope",
        "westeurope" => "northeurope",
        "uksouth" => "ukwest",
        "swedencentral" => "swedensouth",
        "australiaeast" => "australiasoutheast",
        "japaneast" => "japanwest",
        _ => "westus",
    }
}

/// `routingPreference.publishMicrosoftEndpoints`/`publishInternetEndpoints`
/// add the routing-specific endpoint sets, as Storage does.
fn add_routing_endpoints(properties: &mut Value, name: &str) {
    let routing = properties
        .get("routingPreference")
        .cloned()
        .unwrap_or(Value::Null);
    let publish = |flag: &str| routing.get(flag).and_then(Value::as_bool) == Some(true);
    if publish("publishMicrosoftEndpoints") {
        properties["primaryEndpoints"]["microsoftEndpoints"] =
            endpoints(&format!("{name}-microsoftrouting"));
    }
    if publish("publishInternetEndpoints") {
        let mut internet = endpoints(&format!("{name}-internetrouting"));
        if let Some(map) = internet.as_object_mut() {
            map.remove("queue");
            map.remove("table");
        }
        properties["primaryEndpoints"]["internetEndpoints"] = internet;
    }
}

fn endpoints(name: &str) -> Value {
    json!({
        "web": format!("https://{name}.web.core.windows.net/"),
        "dfs": format!("https://{name}.dfs.core.windows.net/"),
        "blob": format!("https://{name}.blob.core.windows.net/"),
        "file": format!("https://{name}.file.core.windows.net/"),
        "queue": format!("https://{name}.queue.core.windows.net/"),
        "table": format!("https://{name}.table.core.windows.net/")
    })
}

/// `StorageAccountUpdateParameters`: synchronous.
pub fn patch_account(
    world: &mut World,
    existing: &StoredResource,
    request: &Value,
    now: &str,
) -> ArmResult<StoredResource> {
    let id = existing.id().to_owned();
    let parsed = ResourceId::parse(&id)
        .ok_or_else(|| ArmError::bad_request("InvalidResourceId", "bad stored ID"))?;
    let tenant = world
        .arm
        .subscription(&parsed.subscription)?
        .tenant_id
        .clone();
    let mut body = existing.body.clone();
    if let Some(tags) = tags_of(request)? {
        body["tags"] = Value::Object(tags);
    }
    if let Some(sku) = sku_of(request)? {
        body["sku"] = sku;
    }
    if let Some(kind) = str_ci(request, "kind")
        && let Some(k) = KINDS.iter().find(|k| k.eq_ignore_ascii_case(kind))
    {
        body["kind"] = Value::String((*k).to_owned());
    }
    let identity = resolve_identity(
        world,
        &id,
        &tenant,
        existing.body.get("identity"),
        get_ci(request, "identity"),
        IdentityUpdate::Merge,
        ",",
    )?;
    let props_in = get_ci(request, "properties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let encryption = resolve_encryption(
        world,
        &id,
        &tenant,
        get_ci(&props_in, "encryption"),
        existing.body.pointer("/properties/encryption"),
        &identity,
        now,
    )?;
    match &identity.json {
        Some(identity_json) => body["identity"] = identity_json.clone(),
        None => {
            if let Some(map) = body.as_object_mut() {
                map.remove("identity");
            }
        }
    }
    if let Some(properties) = body.get_mut("properties").and_then(Value::as_object_mut) {
        for field in [
            "minimumTlsVersion",
            "allowBlobPublicAccess",
            "networkAcls",
            "supportsHttpsTrafficOnly",
            "accessTier",
            "publicNetworkAccess",
        ] {
            if let Some(v) = get_ci(&props_in, field).filter(|v| !v.is_null()) {
                properties.insert(field.to_owned(), v.clone());
            }
        }
        properties.insert("encryption".to_owned(), encryption);
    }
    commit_identity(world, &id, &identity);
    world.arm.replace_body(&id, body);
    world
        .arm
        .resource(&id)
        .cloned()
        .ok_or_else(|| ArmError::bad_request("InternalError", "not stored"))
}

fn default_services(now: &str) -> Value {
    json!({
        "file": {"keyType": "Account", "enabled": true, "lastEnabledTime": now},
        "blob": {"keyType": "Account", "enabled": true, "lastEnabledTime": now}
    })
}

/// Storage's encryption rules; returns the `encryption` property to store.
fn resolve_encryption(
    world: &World,
    account_id: &str,
    tenant: &str,
    requested: Option<&Value>,
    existing: Option<&Value>,
    identity: &ResolvedIdentity,
    now: &str,
) -> ArmResult<Value> {
    let requested = requested.filter(|v| v.is_object());
    let mut out: Map<String, Value> =
        existing
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_else(|| {
                let mut m = Map::new();
                m.insert("services".to_owned(), default_services(now));
                m.insert(
                    "keySource".to_owned(),
                    Value::String("Microsoft.Storage".to_owned()),
                );
                m
            });
    let Some(requested) = requested else {
        return revalidate(world, account_id, tenant, out, identity);
    };
    if let Some(Value::Object(services)) = get_ci(requested, "services") {
        let mut merged = out
            .get("services")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (service, settings) in services {
            let mut entry = settings.as_object().cloned().unwrap_or_default();
            let last = merged
                .get(service)
                .and_then(|s| s.get("lastEnabledTime"))
                .cloned()
                .unwrap_or_else(|| Value::String(now.to_owned()));
            entry.insert("lastEnabledTime".to_owned(), last);
            merged.insert(service.clone(), Value::Object(entry));
        }
        out.insert("services".to_owned(), Value::Object(merged));
    }
    if let Some(v) = get_ci(requested, "requireInfrastructureEncryption").filter(|v| v.is_boolean())
    {
        out.insert("requireInfrastructureEncryption".to_owned(), v.clone());
    }
    let key_source = str_ci(requested, "keySource")
        .map(str::to_owned)
        .or_else(|| {
            out.get("keySource")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "Microsoft.Storage".to_owned());
    if key_source.eq_ignore_ascii_case("Microsoft.Storage") {
        out.insert(
            "keySource".to_owned(),
            Value::String("Microsoft.Storage".to_owned()),
        );
        out.remove("keyvaultproperties");
        out.remove("identity");
        return Ok(Value::Object(out));
    }
    if !key_source.eq_ignore_ascii_case("Microsoft.Keyvault") {
        return Err(ArmError::bad_request(
            "InvalidValuesForRequestParameters",
            format!(
                "The keySource '{key_source}' is not valid; use 'Microsoft.Storage' or 'Microsoft.Keyvault'."
            ),
        ));
    }
    out.insert(
        "keySource".to_owned(),
        Value::String("Microsoft.Keyvault".to_owned()),
    );
    if let Some(identity_in) = get_ci(requested, "identity").filter(|v| v.is_object()) {
        let mut ident = Map::new();
        if let Some(uai) = str_ci(identity_in, "userAssignedIdentity").filter(|s| !s.is_empty()) {
            ident.insert(
                "userAssignedIdentity".to_owned(),
                Value::String(uai.to_owned()),
            );
        }
        if let Some(fed) =
            str_ci(identity_in, "federatedIdentityClientId").filter(|s| !s.is_empty())
        {
            ident.insert(
                "federatedIdentityClientId".to_owned(),
                Value::String(fed.to_owned()),
            );
        }
        out.insert("identity".to_owned(), Value::Object(ident));
    }
    let old_kv = existing
        .and_then(|e| get_ci(e, "keyvaultproperties"))
        .cloned();
    let kv_in = get_ci(requested, "keyvaultproperties")
        .filter(|v| v.is_object())
        .cloned()
        .or(old_kv.clone())
        .ok_or_else(|| {
            ArmError::bad_request(
                "InvalidValuesForRequestParameters",
                "keySource 'Microsoft.Keyvault' needs encryption.keyvaultproperties with keyname, keyvaulturi and keyversion.",
            )
        })?;
    let vault_uri = str_ci(&kv_in, "keyvaulturi").unwrap_or_default().to_owned();
    let key_name = str_ci(&kv_in, "keyname").unwrap_or_default().to_owned();
    let key_version = str_ci(&kv_in, "keyversion").unwrap_or_default().to_owned();
    if vault_uri.is_empty() || key_name.is_empty() {
        return Err(ArmError::bad_request(
            "InvalidValuesForRequestParameters",
            "encryption.keyvaultproperties needs keyname and keyvaulturi.",
        ));
    }
    let unchanged = old_kv.as_ref().is_some_and(|old| {
        str_ci(old, "keyvaulturi")
            .unwrap_or_default()
            .trim_end_matches('/')
            .eq_ignore_ascii_case(vault_uri.trim_end_matches('/'))
            && str_ci(old, "keyname")
                .unwrap_or_default()
                .eq_ignore_ascii_case(&key_name)
            && str_ci(old, "keyversion")
                .unwrap_or_default()
                .eq_ignore_ascii_case(&key_version)
    });
    let vault = parse_vault_uri(world, &vault_uri).map_err(|reason| {
        ArmError::bad_request(
            "KeyVaultNotFound",
            format!("The key vault cannot be used: {reason}."),
        )
    })?;
    let key = KeyRef {
        vault,
        name: key_name.clone(),
        version: (!key_version.is_empty()).then(|| key_version.clone()),
    };
    let principal = encryption_principal(world, account_id, &out, identity)?;
    check_key_access(world, &principal, tenant, &key).map_err(|reason| {
        ArmError::bad_request(
            "KeyVaultAuthenticationFailure",
            format!(
                "The operation failed because the storage account's encryption identity (object ID '{}') cannot \
                 use the key '{key_name}': {reason}. Grant it get, wrapKey and unwrapKey, then retry.",
                principal.principal_id
            ),
        )
    })?;
    let version = match &key.version {
        Some(v) => v.clone(),
        None => newest_enabled_version(world, &key).unwrap_or_default(),
    };
    let mut kv = json!({
        "keyvaulturi": vault_uri,
        "keyname": key_name,
        "keyversion": key_version,
        "currentVersionedKeyIdentifier": key.with_version(world, &version),
        "lastKeyRotationTimestamp": now,
    });
    if unchanged && let Some(old) = &old_kv {
        for field in ["currentVersionedKeyIdentifier", "lastKeyRotationTimestamp"] {
            if let Some(v) = old.get(field) {
                kv[field] = v.clone();
            }
        }
    }
    let expires = world
        .vaults
        .key(&key.vault, &key.name)
        .and_then(|k| k.find_version(Some(&version)).ok())
        .and_then(|v| v.expires);
    if let Some(expires) = expires {
        let at = time::OffsetDateTime::from_unix_timestamp(expires)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        kv["currentVersionedKeyExpirationTimestamp"] = Value::String(timestamp(at));
    }
    out.insert("keyvaultproperties".to_owned(), kv);
    Ok(Value::Object(out))
}

/// Keeps an existing CMK configuration but refuses to drop the identity it uses.
fn revalidate(
    world: &World,
    account_id: &str,
    _tenant: &str,
    out: Map<String, Value>,
    identity: &ResolvedIdentity,
) -> ArmResult<Value> {
    let uses_cmk = out
        .get("keySource")
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("Microsoft.Keyvault"));
    if uses_cmk {
        encryption_principal(world, account_id, &out, identity)?;
    }
    Ok(Value::Object(out))
}

/// The identity the encryption settings name: `encryption.identity.userAssignedIdentity`,
/// or the system-assigned identity when that is absent.
fn encryption_principal(
    world: &World,
    account_id: &str,
    encryption: &Map<String, Value>,
    identity: &ResolvedIdentity,
) -> ArmResult<EncryptionPrincipal> {
    let _ = world;
    let uai = encryption
        .get("identity")
        .and_then(|i| i.get("userAssignedIdentity"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    match uai {
        Some(uai_id) => identity
            .user_assigned()
            .into_iter()
            .find(|(id, _, _)| key(id) == key(uai_id))
            .map(|(id, principal_id, client_id)| EncryptionPrincipal {
                principal_id,
                client_id,
                user_assigned_id: Some(id),
            })
            .ok_or_else(|| {
                ArmError::bad_request(
                    "InvalidUserAssignedIdentity",
                    format!(
                        "The user-assigned identity '{uai_id}' used for encryption is not assigned to the storage account \
                         '{account_id}'. Add it to identity.userAssignedIdentities (or choose another encryption identity)."
                    ),
                )
            }),
        None => identity.system_record.as_ref().map(|r| EncryptionPrincipal {
            principal_id: r.principal_id.clone(),
            client_id: r.client_id.clone(),
            user_assigned_id: None,
        }).ok_or_else(|| {
            ArmError::bad_request(
                "InvalidEncryptionIdentity",
                format!(
                    "The storage account '{account_id}' has no system-assigned identity to use for customer-managed keys. \
                     Turn on the system-assigned identity, or set encryption.identity.userAssignedIdentity."
                ),
            )
        }),
    }
}
