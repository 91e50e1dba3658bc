//! `Microsoft.CognitiveServices/accounts`, with its encryption shape:
//! `encryption.keySource` `Microsoft.KeyVault` or `Microsoft.CognitiveServices`,
//! and `keyVaultProperties` `{keyName, keyVersion, keyVaultUri, identityClientId}`
//! (`identityClientId` absent: the system-assigned identity). The service
//! accepts the configuration when it is well formed and the identity is
//! attached; whether the key is usable shows in the CMK health (Cognitive
//! Services' own spec example creates an account with a new system identity
//! and a key in one request, which no access check could pass).

use http::StatusCode;
use serde_json::{Value, json};

use super::error::{ArmError, ArmResult};
use super::id::ResourceId;
use super::identity::{
    IdentityUpdate, ResolvedIdentity, commit_identity, principal_by_client_id, resolve_identity,
};
use super::resources::{normalise_location, required_location, tags_of};
use super::store::{StoredResource, get_ci, str_ci};
use super::tracked::{
    PutTarget, TrackedResource, TrackedRoute, TrackedType, created_or_ok, handle_resource,
};
use super::{Ctx, ProviderRoute, resource_response};
use crate::http::Response;
use crate::world::World;

pub const NAMESPACE: &str = "Microsoft.CognitiveServices";
pub const TYPE_NAME: &str = "accounts";
pub const FULL_TYPE: &str = "Microsoft.CognitiveServices/accounts";
/// Properties a PUT or PATCH sets as given (when not null).
const COPIED_PROPERTIES: [&str; 5] = [
    "publicNetworkAccess",
    "networkAcls",
    "userOwnedStorage",
    "disableLocalAuth",
    "restrictOutboundNetworkAccess",
];

pub fn handle(ctx: &mut Ctx<'_>, route: &ProviderRoute) -> ArmResult<Response> {
    match Accounts::TYPE.route(ctx, route)? {
        Some(TrackedRoute::Listed(list)) => Ok(list),
        Some(TrackedRoute::Resource(id)) => handle_resource::<Accounts>(ctx, &id),
        None => Err(ArmError::invalid_resource_type(
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
        let (resource, created) = put_account(ctx.world, id, body, &ctx.timestamp())?;
        Ok(resource_response(created_or_ok(created), &resource))
    }

    fn patch(ctx: &mut Ctx<'_>, existing: StoredResource, body: &Value) -> ArmResult<Response> {
        let resource = patch_account(ctx.world, &existing, body)?;
        Ok(resource_response(StatusCode::OK, &resource))
    }
}

fn validate_name(name: &str) -> ArmResult<()> {
    let valid = (2..=64).contains(&name.len())
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if valid {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidAccountName",
            format!(
                "The account name '{name}' is invalid: 2 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit."
            ),
        ))
    }
}

/// Creates or replaces an account.
pub fn put_account(
    world: &mut World,
    id: &ResourceId,
    request: &Value,
    now: &str,
) -> ArmResult<(StoredResource, bool)> {
    validate_name(&id.name)?;
    let existing = world.arm.resource(&id.to_id()).cloned();
    let location = required_location(request)?;
    let kind = str_ci(request, "kind")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            ArmError::bad_request(
                "InvalidKind",
                "The kind property is required, e.g. 'OpenAI' or 'CognitiveServices'.",
            )
        })?;
    let sku_name = get_ci(request, "sku")
        .and_then(|s| str_ci(s, "name"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ArmError::bad_request(
                "InvalidSkuName",
                "The sku property is required, e.g. {\"name\": \"S0\"}.",
            )
        })?;
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
        ", ",
    )?;
    let props_in = get_ci(request, "properties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let created_at = existing
        .as_ref()
        .and_then(|r| r.body.pointer("/properties/dateCreated"))
        .and_then(Value::as_str)
        .unwrap_or(now)
        .to_owned();
    let location = normalise_location(location);
    let mut properties = json!({
        "endpoint": format!("https://{location}.api.cognitive.microsoft.com/"),
        "provisioningState": "Succeeded",
        "internalId": uuid::Uuid::new_v4().simple().to_string(),
        "dateCreated": created_at,
        "publicNetworkAccess": "Enabled",
    });
    if let Some(sub_domain) = str_ci(&props_in, "customSubDomainName") {
        properties["customSubDomainName"] = Value::String(sub_domain.to_owned());
        properties["endpoint"] =
            Value::String(format!("https://{sub_domain}.cognitiveservices.azure.com/"));
    }
    for field in COPIED_PROPERTIES {
        if let Some(v) = get_ci(&props_in, field).filter(|v| !v.is_null()) {
            properties[field] = v.clone();
        }
    }
    if let Some(encryption) =
        resolve_encryption(&canonical, get_ci(&props_in, "encryption"), None, &identity)?
    {
        properties["encryption"] = encryption;
    }
    let mut body = json!({
        "id": canonical,
        "name": name,
        "type": FULL_TYPE,
        "location": location,
        "kind": kind,
        "sku": {"name": sku_name},
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

/// PATCH: tags, sku, identity and properties; synchronous.
pub fn patch_account(
    world: &mut World,
    existing: &StoredResource,
    request: &Value,
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
    if let Some(sku) = get_ci(request, "sku").and_then(|s| str_ci(s, "name")) {
        body["sku"] = json!({"name": sku});
    }
    let identity = resolve_identity(
        world,
        &id,
        &tenant,
        existing.body.get("identity"),
        get_ci(request, "identity"),
        IdentityUpdate::Merge,
        ", ",
    )?;
    let props_in = get_ci(request, "properties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let encryption = resolve_encryption(
        &id,
        get_ci(&props_in, "encryption"),
        existing.body.pointer("/properties/encryption"),
        &identity,
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
        for field in COPIED_PROPERTIES {
            if let Some(v) = get_ci(&props_in, field).filter(|v| !v.is_null()) {
                properties.insert(field.to_owned(), v.clone());
            }
        }
        match encryption {
            Some(encryption) => {
                properties.insert("encryption".to_owned(), encryption);
            }
            None => {
                properties.remove("encryption");
            }
        }
    }
    commit_identity(world, &id, &identity);
    world.arm.replace_body(&id, body);
    world
        .arm
        .resource(&id)
        .cloned()
        .ok_or_else(|| ArmError::bad_request("InternalError", "not stored"))
}

/// The `encryption` property to store (`None`: Microsoft-managed keys).
fn resolve_encryption(
    account_id: &str,
    requested: Option<&Value>,
    existing: Option<&Value>,
    identity: &ResolvedIdentity,
) -> ArmResult<Option<Value>> {
    let Some(encryption) = requested.filter(|v| v.is_object()).or(existing) else {
        return Ok(None);
    };
    let key_source = str_ci(encryption, "keySource").unwrap_or("Microsoft.CognitiveServices");
    if key_source.eq_ignore_ascii_case("Microsoft.CognitiveServices") {
        return Ok(Some(json!({"keySource": "Microsoft.CognitiveServices"})));
    }
    if !key_source.eq_ignore_ascii_case("Microsoft.KeyVault") {
        return Err(ArmError::bad_request(
            "InvalidKeySource",
            format!(
                "The keySource '{key_source}' is not valid; use 'Microsoft.KeyVault' or 'Microsoft.CognitiveServices'."
            ),
        ));
    }
    let kv = get_ci(encryption, "keyVaultProperties").filter(|v| v.is_object()).ok_or_else(|| {
        ArmError::bad_request(
            "InvalidKeyVaultProperties",
            "keySource 'Microsoft.KeyVault' needs encryption.keyVaultProperties with keyName and keyVaultUri.",
        )
    })?;
    let key_name = str_ci(kv, "keyName").filter(|s| !s.is_empty());
    let vault_uri = str_ci(kv, "keyVaultUri").filter(|s| !s.is_empty());
    let (Some(key_name), Some(vault_uri)) = (key_name, vault_uri) else {
        return Err(ArmError::bad_request(
            "InvalidKeyVaultProperties",
            "encryption.keyVaultProperties needs keyName and keyVaultUri.",
        ));
    };
    let client_id = str_ci(kv, "identityClientId").filter(|s| !s.is_empty());
    match client_id {
        Some(client_id) => {
            if principal_by_client_id(identity, client_id).is_none() {
                return Err(ArmError::bad_request(
                    "InvalidIdentityClientId",
                    format!(
                        "The identity with client ID '{client_id}' is not assigned to the account '{account_id}'. Add the \
                         user-assigned identity to identity.userAssignedIdentities first."
                    ),
                ));
            }
        }
        None => {
            if !identity.has_system() {
                return Err(ArmError::bad_request(
                    "SystemAssignedIdentityRequired",
                    format!(
                        "Customer-managed keys need a managed identity: turn on the system-assigned identity of '{account_id}' \
                         or set keyVaultProperties.identityClientId to an assigned user-assigned identity's client ID."
                    ),
                ));
            }
        }
    }
    let mut out = json!({
        "keySource": "Microsoft.KeyVault",
        "keyVaultProperties": {
            "keyName": key_name,
            "keyVersion": str_ci(kv, "keyVersion").unwrap_or_default(),
            "keyVaultUri": vault_uri,
        }
    });
    if let Some(client_id) = client_id {
        out["keyVaultProperties"]["identityClientId"] = Value::String(client_id.to_owned());
    }
    Ok(Some(out))
}
