//! Key Vault's REST API for keys, on `https://{vault}.vault.localhost:P`.
//! Shapes follow the Keys data-plane spec (KeyBundle, KeyItem, DeletedKeyBundle,
//! KeyRotationPolicy, KeyOperationResult) and Key Vault's error model.

use std::collections::BTreeMap;
use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::authz::{KeyOperation, NetworkOrigin, authorize_caller};
use super::crypto::WrapAlgorithm;
use super::store::{
    DeletedKey, JWK_OPERATIONS, KeyStoreError, KeyType, KeyVersion, LifetimeAction,
    LifetimeActionType, LifetimeTrigger, NewKey, StoredKey,
};
use crate::entra::TokenProblem;
use crate::http::{Caller, Request, Response};
use crate::world::World;

const DEFAULT_PAGE_SIZE: usize = 25;
const MAX_PAGE_SIZE: usize = 25;
/// The newest Keys API version this sandbox names in its errors.
const LATEST_API_VERSION: &str = "2025-07-01";

/// Vault properties that shape responses (soft delete, purge protection).
struct VaultSettings {
    tenant_id: String,
    soft_delete: bool,
    purge_protection: bool,
    retention_days: i64,
    label: String,
}

impl VaultSettings {
    fn from_resource(resource: &Value, name: &str) -> VaultSettings {
        let properties = resource.get("properties").unwrap_or(&Value::Null);
        VaultSettings {
            tenant_id: properties
                .get("tenantId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            soft_delete: properties
                .get("enableSoftDelete")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            purge_protection: properties
                .get("enablePurgeProtection")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            retention_days: properties
                .get("softDeleteRetentionInDays")
                .and_then(Value::as_i64)
                .unwrap_or(90),
            label: format!(
                "{};location={}",
                resource.get("name").and_then(Value::as_str).unwrap_or(name),
                resource
                    .get("location")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            ),
        }
    }

    fn recovery_level(&self) -> &'static str {
        match (
            self.soft_delete,
            self.purge_protection,
            self.retention_days == 90,
        ) {
            (false, _, _) => "Purgeable",
            (true, false, true) => "Recoverable+Purgeable",
            (true, false, false) => "CustomizedRecoverable+Purgeable",
            (true, true, true) => "Recoverable",
            (true, true, false) => "CustomizedRecoverable",
        }
    }
}

fn kv_error(status: StatusCode, code: &str, message: &str) -> Response {
    Response::json(
        status,
        &json!({ "error": { "code": code, "message": message } }),
    )
}

fn kv_forbidden(inner: &str, message: &str) -> Response {
    Response::json(
        StatusCode::FORBIDDEN,
        &json!({ "error": { "code": "Forbidden", "message": message, "innererror": { "code": inner } } }),
    )
}

fn bad_parameter(message: &str) -> Response {
    kv_error(StatusCode::BAD_REQUEST, "BadParameter", message)
}

fn store_error(error: KeyStoreError) -> Response {
    match error {
        KeyStoreError::KeyNotFound { name } => kv_error(
            StatusCode::NOT_FOUND,
            "KeyNotFound",
            &format!(
                "A key with (name/id) {name} was not found in this key vault. If you recently deleted this key you may be able \
                 to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
            ),
        ),
        KeyStoreError::VersionNotFound { name, version } => kv_error(
            StatusCode::NOT_FOUND,
            "KeyNotFound",
            &format!(
                "A key with (name/id) {name}/{version} was not found in this key vault. If you recently deleted this key you may \
                 be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
            ),
        ),
        KeyStoreError::DeletedKeyNotFound { name } => kv_error(
            StatusCode::NOT_FOUND,
            "KeyNotFound",
            &format!("Deleted Key not found: {name}"),
        ),
        KeyStoreError::NameHeldByDeletedKey { name } => kv_error(
            StatusCode::CONFLICT,
            "Conflict",
            &format!(
                "Key {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged."
            ),
        ),
        KeyStoreError::BadParameter(message) => bad_parameter(&message),
        KeyStoreError::KeyDisabled { operation } => kv_forbidden(
            "KeyDisabled",
            &format!("Operation {operation} is not allowed on a disabled key."),
        ),
        KeyStoreError::KeyExpired { operation } => kv_forbidden(
            "KeyExpired",
            &format!("Operation {operation} is not allowed on an expired key."),
        ),
        KeyStoreError::KeyNotYetValid { operation } => kv_forbidden(
            "KeyNotYetValid",
            &format!(
                "Operation {operation} is not allowed on a key that is not yet valid (nbf is in the future)."
            ),
        ),
        KeyStoreError::OperationNotPermitted { operation } => kv_forbidden(
            "KeyOperationForbidden",
            &format!("Operation {operation} is not permitted on this key."),
        ),
        KeyStoreError::CryptoFailure(message) => {
            kv_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", &message)
        }
    }
}

/// `7.0`-`7.6`, `2016-10-01`, and dated versions from 2025 on (with or without `-preview`).
pub fn is_supported_api_version(version: &str) -> bool {
    if let Some(minor) = version.strip_prefix("7.") {
        let minor = minor.split('-').next().unwrap_or_default();
        return minor.parse::<u8>().is_ok_and(|m| m <= 6);
    }
    if version == "2016-10-01" {
        return true;
    }
    let date = version.strip_suffix("-preview").unwrap_or(version);
    time::Date::parse(
        date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .is_ok_and(|d| d.year() >= 2025)
}

/// The 401 challenge that tells SDKs where to get a token.
fn challenge(world: &World, tenant_id: &str, code: &str, message: &str) -> Response {
    kv_error(StatusCode::UNAUTHORIZED, code, message).with_header(
        "www-authenticate",
        &format!(
            "Bearer authorization=\"{}\", resource=\"{}\"",
            world.endpoints.authority(tenant_id),
            world.endpoints.vault_resource()
        ),
    )
}

fn add_service_headers(response: Response, peer: IpAddr) -> Response {
    let family = if peer.is_ipv4() { "Ipv4" } else { "Ipv6" };
    let family_name = if peer.is_ipv4() {
        "InterNetwork"
    } else {
        "InterNetworkV6"
    };
    response
        .with_header("x-ms-keyvault-service-version", "1.9.0.0-sandbox")
        .with_header("x-ms-keyvault-region", "local")
        .with_header(
            "x-ms-keyvault-network-info",
            &format!("conn_type={family};addr={peer};act_addr_fam={family_name};"),
        )
}

pub fn handle(world: &mut World, req: &Request, vault: &str, peer: IpAddr) -> Response {
    add_service_headers(handle_inner(world, req, vault, peer), peer)
}

fn handle_inner(world: &mut World, req: &Request, vault: &str, peer: IpAddr) -> Response {
    let vault_resource = crate::arm::vault_resource(world, vault).cloned();
    let challenge_tenant = vault_resource
        .as_ref()
        .and_then(|v| v.pointer("/properties/tenantId"))
        .and_then(Value::as_str)
        .unwrap_or(crate::entra::directory::DEMO_TENANT_ID)
        .to_owned();
    let caller = match crate::entra::authenticate(world, req) {
        Ok(caller) => caller,
        Err(problem) => {
            let message = match problem {
                TokenProblem::Missing | TokenProblem::NotBearer => {
                    "AKV10000: Request is missing a Bearer or PoP token.".to_owned()
                }
                TokenProblem::Invalid(detail) => {
                    format!("AKV10012: The token is invalid: {detail}.")
                }
                TokenProblem::Expired { .. } => {
                    "AKV10013: Token expired. Get a new token and retry.".to_owned()
                }
                TokenProblem::NotYetValid { .. } => "AKV10014: Token not yet valid.".to_owned(),
            };
            return challenge(world, &challenge_tenant, "Unauthorized", &message);
        }
    };
    let audiences = crate::entra::vault_audiences(&world.endpoints);
    if !audiences
        .iter()
        .any(|a| a.eq_ignore_ascii_case(&caller.audience))
    {
        return challenge(
            world,
            &challenge_tenant,
            "Unauthorized",
            &format!(
                "AKV10022: Invalid audience. Expected {}, found: {}.",
                world.endpoints.vault_resource(),
                caller.audience
            ),
        );
    }
    let Some(version) = req.query_param("api-version") else {
        return bad_parameter("The 'api-version' query parameter is missing.");
    };
    if !is_supported_api_version(version) {
        return bad_parameter(&format!(
            "The specified version ({version}) is not recognized. Consider using the latest supported version ({LATEST_API_VERSION})."
        ));
    }
    let Some(resource) = vault_resource else {
        let denial = super::Denial::VaultNotFound {
            vault: vault.to_owned(),
        };
        return denial.to_response();
    };
    let settings = VaultSettings::from_resource(&resource, vault);
    let context = Context {
        caller,
        vault: vault.to_ascii_lowercase(),
        base: world
            .endpoints
            .vault_uri(vault)
            .trim_end_matches('/')
            .to_owned(),
        settings,
        network: NetworkOrigin::Public(peer),
    };
    let segments = req.segments();
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let method = req.method.clone();
    let result = match (method, lower.as_slice()) {
        (Method::GET, ["keys"]) => list_keys(world, &context, req),
        (Method::GET, ["keys", _, "versions"]) => list_versions(world, &context, req, segments[1]),
        (Method::POST, ["keys", _, "create"]) => create_key(world, &context, req, segments[1]),
        (Method::POST, ["keys", _, "rotate"]) => rotate_key(world, &context, segments[1]),
        (Method::GET, ["keys", _, "rotationpolicy"]) => {
            get_rotation_policy(world, &context, segments[1])
        }
        (Method::PUT, ["keys", _, "rotationpolicy"]) => {
            set_rotation_policy(world, &context, req, segments[1])
        }
        (Method::GET, ["keys", _]) => get_key(world, &context, segments[1], None),
        (Method::GET, ["keys", _, _]) => get_key(world, &context, segments[1], Some(segments[2])),
        (Method::PATCH, ["keys", _]) => update_key(world, &context, req, segments[1], None),
        (Method::PATCH, ["keys", _, _]) => {
            update_key(world, &context, req, segments[1], Some(segments[2]))
        }
        (Method::DELETE, ["keys", _]) => delete_key(world, &context, segments[1]),
        (Method::POST, ["keys", _, op]) => crypto(world, &context, req, segments[1], None, op),
        (Method::POST, ["keys", _, _, op]) => {
            crypto(world, &context, req, segments[1], Some(segments[2]), op)
        }
        (Method::GET, ["deletedkeys"]) => list_deleted_keys(world, &context, req),
        (Method::GET, ["deletedkeys", _]) => get_deleted_key(world, &context, segments[1]),
        (Method::POST, ["deletedkeys", _, "recover"]) => recover_key(world, &context, segments[1]),
        (Method::DELETE, ["deletedkeys", _]) => purge_key(world, &context, segments[1]),
        _ => Err(kv_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!(
                "The sandbox's Key Vault has no operation {} {}.",
                req.method, req.path
            ),
        )),
    };
    result.unwrap_or_else(|response| response)
}

struct Context {
    caller: Caller,
    vault: String,
    /// `https://{vault}.vault.localhost:P`.
    base: String,
    settings: VaultSettings,
    network: NetworkOrigin,
}

type Handled = Result<Response, Response>;

fn authorize(
    world: &World,
    ctx: &Context,
    key: Option<&str>,
    op: KeyOperation,
) -> Result<(), Response> {
    authorize_caller(world, &ctx.caller, &ctx.vault, key, op, &ctx.network).map_err(|denial| {
        let response = denial.to_response();
        if response.status == StatusCode::UNAUTHORIZED {
            challenge(
                world,
                &ctx.settings.tenant_id,
                "Unauthorized",
                &denial.message(),
            )
        } else {
            response
        }
    })
}

fn key_json(version: &mut KeyVersion, ctx: &Context, name: &str) -> Result<Value, Response> {
    let mut jwk = Map::new();
    jwk.insert(
        "kid".into(),
        json!(format!("{}/keys/{}/{}", ctx.base, name, version.version)),
    );
    jwk.insert("kty".into(), json!(version.kty.as_str()));
    jwk.insert("key_ops".into(), json!(version.key_ops));
    let material = version.material().map_err(store_error)?;
    let members = material
        .public_jwk_members()
        .map_err(|e| store_error(KeyStoreError::CryptoFailure(e)))?;
    jwk.extend(members);
    Ok(Value::Object(jwk))
}

fn attributes_json(version: &KeyVersion, settings: &VaultSettings) -> Value {
    let mut attributes = Map::new();
    attributes.insert("enabled".into(), json!(version.enabled));
    if let Some(nbf) = version.not_before {
        attributes.insert("nbf".into(), json!(nbf));
    }
    if let Some(exp) = version.expires {
        attributes.insert("exp".into(), json!(exp));
    }
    attributes.insert("created".into(), json!(version.created));
    attributes.insert("updated".into(), json!(version.updated));
    attributes.insert("recoveryLevel".into(), json!(settings.recovery_level()));
    if settings.soft_delete {
        attributes.insert("recoverableDays".into(), json!(settings.retention_days));
    }
    attributes.insert("exportable".into(), json!(false));
    Value::Object(attributes)
}

fn with_tags(mut object: Map<String, Value>, tags: &BTreeMap<String, String>) -> Value {
    if !tags.is_empty() {
        object.insert("tags".into(), json!(tags));
    }
    Value::Object(object)
}

fn key_bundle(version: &mut KeyVersion, ctx: &Context, name: &str) -> Result<Value, Response> {
    let mut bundle = Map::new();
    bundle.insert("key".into(), key_json(version, ctx, name)?);
    bundle.insert("attributes".into(), attributes_json(version, &ctx.settings));
    Ok(with_tags(bundle, &version.tags))
}

/// A page of items and the `nextLink` to the rest, Key Vault style (`$skiptoken`).
fn page(items: Vec<Value>, ctx: &Context, req: &Request, path: &str) -> Handled {
    let size = match req.query_param("maxresults") {
        None => DEFAULT_PAGE_SIZE,
        Some(text) => match text.parse::<usize>() {
            Ok(n @ 1..=MAX_PAGE_SIZE) => n,
            _ => {
                return Err(bad_parameter(&format!(
                    "Invalid value '{text}' for maxresults: it must be between 1 and {MAX_PAGE_SIZE}."
                )));
            }
        },
    };
    let skip = match req.query_param("$skiptoken") {
        None => 0,
        Some(token) => decode_skiptoken(token)
            .ok_or_else(|| bad_parameter("The $skiptoken is invalid or has expired."))?,
    };
    let total = items.len();
    let value: Vec<Value> = items.into_iter().skip(skip).take(size).collect();
    let next = skip + value.len();
    let mut body = Map::new();
    body.insert("value".into(), Value::Array(value));
    let next_link = if next < total {
        let api_version = req.query_param("api-version").unwrap_or(LATEST_API_VERSION);
        let mut link = format!(
            "{}{}?api-version={}&$skiptoken={}",
            ctx.base,
            path,
            api_version,
            encode_skiptoken(next)
        );
        if req.query_param("maxresults").is_some() {
            link.push_str(&format!("&maxresults={size}"));
        }
        Value::String(link)
    } else {
        Value::Null
    };
    body.insert("nextLink".into(), next_link);
    Ok(Response::json(StatusCode::OK, &Value::Object(body)))
}

fn encode_skiptoken(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(json!({ "NextMarker": offset, "TargetLocation": 0 }).to_string())
}

fn decode_skiptoken(token: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value
        .get("NextMarker")?
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
}

fn key_item(key: &StoredKey, version: &KeyVersion, ctx: &Context, versioned: bool) -> Value {
    let kid = if versioned {
        format!("{}/keys/{}/{}", ctx.base, key.name, version.version)
    } else {
        format!("{}/keys/{}", ctx.base, key.name)
    };
    let mut item = Map::new();
    item.insert("kid".into(), json!(kid));
    item.insert("attributes".into(), attributes_json(version, &ctx.settings));
    with_tags(item, &version.tags)
}

fn list_keys(world: &World, ctx: &Context, req: &Request) -> Handled {
    authorize(world, ctx, None, KeyOperation::List)?;
    let items = world
        .vaults
        .keys(&ctx.vault)
        .filter_map(|key| {
            key.current()
                .map(|current| key_item(key, current, ctx, false))
        })
        .collect();
    page(items, ctx, req, "/keys")
}

fn list_versions(world: &World, ctx: &Context, req: &Request, name: &str) -> Handled {
    authorize(world, ctx, Some(name), KeyOperation::List)?;
    let key = world.vaults.key(&ctx.vault, name).ok_or_else(|| {
        store_error(KeyStoreError::KeyNotFound {
            name: name.to_owned(),
        })
    })?;
    let items = key
        .versions
        .iter()
        .map(|v| key_item(key, v, ctx, true))
        .collect();
    page(items, ctx, req, &format!("/keys/{}/versions", key.name))
}

fn get_key(world: &mut World, ctx: &Context, name: &str, version: Option<&str>) -> Handled {
    authorize(world, ctx, Some(name), KeyOperation::Get)?;
    respond_with_version(world, ctx, name, version)
}

fn display_name(world: &World, ctx: &Context, name: &str) -> Result<String, Response> {
    world
        .vaults
        .key(&ctx.vault, name)
        .map(|k| k.name.clone())
        .ok_or_else(|| {
            store_error(KeyStoreError::KeyNotFound {
                name: name.to_owned(),
            })
        })
}

fn object_body(req: &Request) -> Result<Map<String, Value>, Response> {
    match req.json() {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(_) => Err(bad_parameter("The request body must be a JSON object.")),
        Err(e) => Err(bad_parameter(&format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

fn parse_tags(value: Option<&Value>) -> Result<Option<BTreeMap<String, String>>, Response> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => {
            if map.len() > 15 {
                return Err(bad_parameter("A key can have at most 15 tags."));
            }
            map.iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(bad_parameter(&format!(
                        "The value of tag '{k}' must be a string."
                    ))),
                })
                .collect::<Result<BTreeMap<_, _>, _>>()
                .map(Some)
        }
        Some(_) => Err(bad_parameter("tags must be an object of string values.")),
    }
}

fn parse_key_ops(value: Option<&Value>) -> Result<Option<Vec<String>>, Response> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(ops)) => ops
            .iter()
            .map(|op| {
                op.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad_parameter("key_ops must be an array of strings."))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad_parameter("key_ops must be an array of strings.")),
    }
}

struct AttributeUpdate {
    enabled: Option<bool>,
    /// `Some(None)` clears the date.
    not_before: Option<Option<i64>>,
    expires: Option<Option<i64>>,
}

fn parse_attributes(value: Option<&Value>) -> Result<AttributeUpdate, Response> {
    let mut update = AttributeUpdate {
        enabled: None,
        not_before: None,
        expires: None,
    };
    let Some(Value::Object(attributes)) = value else {
        return match value {
            None | Some(Value::Null) => Ok(update),
            Some(_) => Err(bad_parameter("attributes must be an object.")),
        };
    };
    let date = |name: &str| -> Result<Option<Option<i64>>, Response> {
        match attributes.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(v) => v.as_i64().map(|n| Some(Some(n))).ok_or_else(|| {
                bad_parameter(&format!(
                    "attributes.{name} must be a Unix time in seconds."
                ))
            }),
        }
    };
    update.not_before = date("nbf")?;
    update.expires = date("exp")?;
    update.enabled = match attributes.get("enabled") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(bad_parameter("attributes.enabled must be true or false.")),
    };
    Ok(update)
}

fn create_key(world: &mut World, ctx: &Context, req: &Request, name: &str) -> Handled {
    authorize(world, ctx, Some(name), KeyOperation::Create)?;
    let body = object_body(req)?;
    let kty_text = body
        .get("kty")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_parameter("The key type (kty) is required."))?;
    let kty = KeyType::parse(kty_text).ok_or_else(|| {
        bad_parameter(&format!(
            "The key type '{kty_text}' is not supported for keys in a vault. Use RSA, RSA-HSM, EC or EC-HSM."
        ))
    })?;
    let key_size = match body.get("key_size") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| bad_parameter("key_size must be a number."))?,
        ),
    };
    let curve = body.get("crv").and_then(Value::as_str).map(str::to_owned);
    let attributes = parse_attributes(body.get("attributes"))?;
    let spec = NewKey {
        kty,
        key_size,
        curve,
        key_ops: parse_key_ops(body.get("key_ops"))?,
        enabled: attributes.enabled.unwrap_or(true),
        not_before: attributes.not_before.flatten(),
        expires: attributes.expires.flatten(),
        tags: parse_tags(body.get("tags"))?.unwrap_or_default(),
    };
    let now = world.clock.now_unix();
    let version = world
        .vaults
        .create_key(&ctx.vault, name, spec, now)
        .map_err(store_error)?;
    respond_with_version(world, ctx, name, Some(&version))
}

/// The key bundle of `version` (`None`: the current version).
fn respond_with_version(
    world: &mut World,
    ctx: &Context,
    name: &str,
    version: Option<&str>,
) -> Handled {
    let display = display_name(world, ctx, name)?;
    let entry = world
        .vaults
        .version_mut(&ctx.vault, name, version)
        .map_err(store_error)?;
    Ok(Response::json(
        StatusCode::OK,
        &key_bundle(entry, ctx, &display)?,
    ))
}

fn rotate_key(world: &mut World, ctx: &Context, name: &str) -> Handled {
    authorize(world, ctx, Some(name), KeyOperation::Rotate)?;
    let now = world.clock.now_unix();
    let version = world
        .vaults
        .rotate_key(&ctx.vault, name, now)
        .map_err(store_error)?;
    respond_with_version(world, ctx, name, Some(&version))
}

fn update_key(
    world: &mut World,
    ctx: &Context,
    req: &Request,
    name: &str,
    version: Option<&str>,
) -> Handled {
    authorize(world, ctx, Some(name), KeyOperation::Update)?;
    let body = object_body(req)?;
    let attributes = parse_attributes(body.get("attributes"))?;
    let key_ops = parse_key_ops(body.get("key_ops"))?;
    let tags = parse_tags(body.get("tags"))?;
    if let Some(ops) = &key_ops
        && let Some(bad) = ops.iter().find(|op| !JWK_OPERATIONS.contains(&op.as_str()))
    {
        return Err(bad_parameter(&format!("Invalid key operation '{bad}'.")));
    }
    let now = world.clock.now_unix();
    let display = display_name(world, ctx, name)?;
    let entry = world
        .vaults
        .version_mut(&ctx.vault, name, version)
        .map_err(store_error)?;
    if let Some(enabled) = attributes.enabled {
        entry.enabled = enabled;
    }
    if let Some(nbf) = attributes.not_before {
        entry.not_before = nbf;
    }
    if let Some(exp) = attributes.expires {
        entry.expires = exp;
    }
    if let Some(ops) = key_ops {
        entry.key_ops = ops;
    }
    if let Some(tags) = tags {
        entry.tags = tags;
    }
    entry.updated = now;
    let bundle = key_bundle(entry, ctx, &display)?;
    Ok(Response::json(StatusCode::OK, &bundle))
}

fn deleted_bundle(deleted: &mut DeletedKey, ctx: &Context) -> Result<Value, Response> {
    let name = deleted.key.name.clone();
    let current = deleted
        .key
        .versions
        .last_mut()
        .ok_or_else(|| store_error(KeyStoreError::DeletedKeyNotFound { name: name.clone() }))?;
    let mut bundle = Map::new();
    bundle.insert(
        "recoveryId".into(),
        json!(format!("{}/deletedkeys/{}", ctx.base, name)),
    );
    bundle.insert("deletedDate".into(), json!(deleted.deleted_date));
    bundle.insert(
        "scheduledPurgeDate".into(),
        json!(deleted.scheduled_purge_date),
    );
    bundle.insert("key".into(), key_json(current, ctx, &name)?);
    bundle.insert("attributes".into(), attributes_json(current, &ctx.settings));
    Ok(with_tags(bundle, &current.tags))
}

fn delete_key(world: &mut World, ctx: &Context, name: &str) -> Handled {
    authorize(world, ctx, Some(name), KeyOperation::Delete)?;
    let now = world.clock.now_unix();
    if !ctx.settings.soft_delete {
        let mut key = world
            .vaults
            .delete_key_permanently(&ctx.vault, name)
            .map_err(store_error)?;
        let display = key.name.clone();
        let current = key.versions.last_mut().ok_or_else(|| {
            store_error(KeyStoreError::KeyNotFound {
                name: name.to_owned(),
            })
        })?;
        return Ok(Response::json(
            StatusCode::OK,
            &key_bundle(current, ctx, &display)?,
        ));
    }
    let mut deleted = world
        .vaults
        .delete_key(&ctx.vault, name, now, ctx.settings.retention_days)
        .map_err(store_error)?
        .clone();
    let body = deleted_bundle(&mut deleted, ctx)?;
    // Keep generated material: the deleted copy was cloned for rendering.
    restore_deleted_copy(world, ctx, deleted);
    Ok(Response::json(StatusCode::OK, &body))
}

fn restore_deleted_copy(world: &mut World, ctx: &Context, deleted: DeletedKey) {
    let name = deleted.key.name.clone();
    if world.vaults.purge_deleted_key(&ctx.vault, &name).is_ok() {
        world.vaults.insert_deleted(&ctx.vault, deleted);
    }
}

fn list_deleted_keys(world: &World, ctx: &Context, req: &Request) -> Handled {
    authorize(world, ctx, None, KeyOperation::List)?;
    let items = world
        .vaults
        .deleted_keys(&ctx.vault)
        .filter_map(|deleted| {
            let current = deleted.key.current()?;
            let mut item = Map::new();
            item.insert(
                "recoveryId".into(),
                json!(format!("{}/deletedkeys/{}", ctx.base, deleted.key.name)),
            );
            item.insert("deletedDate".into(), json!(deleted.deleted_date));
            item.insert(
                "scheduledPurgeDate".into(),
                json!(deleted.scheduled_purge_date),
            );
            item.insert(
                "kid".into(),
                json!(format!("{}/keys/{}", ctx.base, deleted.key.name)),
            );
            item.insert("attributes".into(), attributes_json(current, &ctx.settings));
            Some(with_tags(item, &current.tags))
        })
        .collect();
    page(items, ctx, req, "/deletedkeys")
}

fn get_deleted_key(world: &mut World, ctx: &Context, name: &str) -> Handled {
    authorize(world, ctx, Some(name), KeyOperation::Get)?;
    let mut deleted = world
        .vaults
        .deleted_key(&ctx.vault, name)
        .cloned()
        .ok_or_else(|| {
            store_error(KeyStoreError::DeletedKeyNotFound {
                name: name.to_owned(),
            })
        })?;
    let body = deleted_bundle(&mut deleted, ctx)?;
    restore_deleted_copy(world, ctx, deleted);
    Ok(Response::json(StatusCode::OK, &body))
}

fn recover_key(world: &mut World, ctx: &Context, name: &str) -> Handled {
    authorize(world, ctx, Some(name), KeyOperation::Recover)?;
    if world.vaults.key(&ctx.vault, name).is_some() {
        return Err(kv_error(
            StatusCode::CONFLICT,
            "Conflict",
            &format!(
                "A key named {name} already exists in this vault; it cannot be recovered over."
            ),
        ));
    }
    world
        .vaults
        .recover_deleted_key(&ctx.vault, name)
        .map_err(store_error)?;
    respond_with_version(world, ctx, name, None)
}

fn purge_key(world: &mut World, ctx: &Context, name: &str) -> Handled {
    authorize(world, ctx, Some(name), KeyOperation::Purge)?;
    if world.vaults.deleted_key(&ctx.vault, name).is_none() {
        return Err(store_error(KeyStoreError::DeletedKeyNotFound {
            name: name.to_owned(),
        }));
    }
    if ctx.settings.purge_protection {
        return Err(kv_forbidden(
            "ForbiddenByPolicy",
            &format!(
                "Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key Vault service will \
                 automatically purge it after the retention period has passed.\r\nVault: {}",
                ctx.settings.label
            ),
        ));
    }
    world
        .vaults
        .purge_deleted_key(&ctx.vault, name)
        .map_err(store_error)?;
    Ok(Response::empty(StatusCode::NO_CONTENT))
}

fn policy_json(ctx: &Context, name: &str, policy: Option<&super::store::RotationPolicy>) -> Value {
    let id = format!("{}/keys/{}/rotationpolicy", ctx.base, name);
    let Some(policy) = policy else {
        // Key Vault's answer for a key that never had a policy.
        return json!({
            "id": id,
            "lifetimeActions": [{ "trigger": { "timeBeforeExpiry": "P30D" }, "action": { "type": "Notify" } }],
            "attributes": {},
        });
    };
    let actions: Vec<Value> = policy
        .lifetime_actions
        .iter()
        .map(|a| {
            let trigger = match &a.trigger {
                LifetimeTrigger::TimeAfterCreate(d) => json!({ "timeAfterCreate": d }),
                LifetimeTrigger::TimeBeforeExpiry(d) => json!({ "timeBeforeExpiry": d }),
            };
            let action = match a.action {
                LifetimeActionType::Rotate => "Rotate",
                LifetimeActionType::Notify => "Notify",
            };
            json!({ "trigger": trigger, "action": { "type": action } })
        })
        .collect();
    let mut attributes = Map::new();
    if let Some(expiry) = &policy.expiry_time {
        attributes.insert("expiryTime".into(), json!(expiry));
    }
    attributes.insert("created".into(), json!(policy.created));
    attributes.insert("updated".into(), json!(policy.updated));
    json!({ "id": id, "lifetimeActions": actions, "attributes": attributes })
}

fn get_rotation_policy(world: &World, ctx: &Context, name: &str) -> Handled {
    authorize(world, ctx, Some(name), KeyOperation::GetRotationPolicy)?;
    let key = world.vaults.key(&ctx.vault, name).ok_or_else(|| {
        store_error(KeyStoreError::KeyNotFound {
            name: name.to_owned(),
        })
    })?;
    Ok(Response::json(
        StatusCode::OK,
        &policy_json(ctx, &key.name, key.rotation_policy.as_ref()),
    ))
}

const DAY: i64 = 86_400;

fn duration_seconds(text: &str) -> Result<i64, Response> {
    // Measured from a fixed date so months and years count as the calendar does.
    const REFERENCE: i64 = 1_704_067_200; // 2024-01-01
    super::rotation::add_iso_duration(REFERENCE, text)
        .map(|t| t - REFERENCE)
        .ok_or_else(|| {
            bad_parameter(&format!(
                "'{text}' is not an ISO 8601 duration such as P90D or P2Y."
            ))
        })
}

fn set_rotation_policy(world: &mut World, ctx: &Context, req: &Request, name: &str) -> Handled {
    authorize(world, ctx, Some(name), KeyOperation::SetRotationPolicy)?;
    let body = object_body(req)?;
    let expiry_time = body
        .get("attributes")
        .and_then(|a| a.get("expiryTime"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(expiry) = &expiry_time
        && duration_seconds(expiry)? < 28 * DAY
    {
        return Err(bad_parameter(&format!(
            "The key rotation policy is invalid: expiryTime '{expiry}' must be at least 28 days (P28D)."
        )));
    }
    let mut actions = Vec::new();
    for action in body
        .get("lifetimeActions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let trigger = action.get("trigger").unwrap_or(&Value::Null);
        let after_create = trigger.get("timeAfterCreate").and_then(Value::as_str);
        let before_expiry = trigger.get("timeBeforeExpiry").and_then(Value::as_str);
        let trigger = match (after_create, before_expiry) {
            (Some(d), None) => {
                if duration_seconds(d)? < 7 * DAY {
                    return Err(bad_parameter(&format!(
                        "The key rotation policy is invalid: timeAfterCreate '{d}' must be at least 7 days (P7D)."
                    )));
                }
                LifetimeTrigger::TimeAfterCreate(d.to_owned())
            }
            (None, Some(d)) => {
                if duration_seconds(d)? < 7 * DAY {
                    return Err(bad_parameter(&format!(
                        "The key rotation policy is invalid: timeBeforeExpiry '{d}' must be at least 7 days (P7D)."
                    )));
                }
                LifetimeTrigger::TimeBeforeExpiry(d.to_owned())
            }
            _ => {
                return Err(bad_parameter(
                    "The key rotation policy is invalid: each lifetime action needs exactly one of timeAfterCreate or timeBeforeExpiry.",
                ));
            }
        };
        let action_type = match action.pointer("/action/type").and_then(Value::as_str) {
            Some(t) if t.eq_ignore_ascii_case("rotate") => LifetimeActionType::Rotate,
            Some(t) if t.eq_ignore_ascii_case("notify") => LifetimeActionType::Notify,
            other => {
                return Err(bad_parameter(&format!(
                    "The key rotation policy is invalid: action type {other:?} is not Rotate or Notify."
                )));
            }
        };
        if let (LifetimeTrigger::TimeBeforeExpiry(_), None) = (&trigger, &expiry_time)
            && action_type == LifetimeActionType::Rotate
        {
            return Err(bad_parameter(
                "The key rotation policy is invalid: a Rotate action with timeBeforeExpiry needs attributes.expiryTime.",
            ));
        }
        actions.push(LifetimeAction {
            trigger,
            action: action_type,
        });
    }
    let now = world.clock.now_unix();
    let display = display_name(world, ctx, name)?;
    let policy = world
        .vaults
        .set_rotation_policy(&ctx.vault, name, actions, expiry_time, now)
        .map_err(store_error)?
        .clone();
    Ok(Response::json(
        StatusCode::OK,
        &policy_json(ctx, &display, Some(&policy)),
    ))
}

fn crypto(
    world: &mut World,
    ctx: &Context,
    req: &Request,
    name: &str,
    version: Option<&str>,
    op: &str,
) -> Handled {
    let (operation, jwk_op, encrypting) = match op {
        "wrapkey" => (KeyOperation::WrapKey, "wrapKey", true),
        "unwrapkey" => (KeyOperation::UnwrapKey, "unwrapKey", false),
        "encrypt" => (KeyOperation::Encrypt, "encrypt", true),
        "decrypt" => (KeyOperation::Decrypt, "decrypt", false),
        _ => {
            return Err(kv_error(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!(
                    "The sandbox's Key Vault has no operation POST {}.",
                    req.path
                ),
            ));
        }
    };
    authorize(world, ctx, Some(name), operation)?;
    let body = object_body(req)?;
    let alg_text = body
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_parameter("The algorithm (alg) is required."))?;
    let value = body
        .get("value")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_parameter("The value to operate on is required."))?;
    let input = URL_SAFE_NO_PAD
        .decode(value.trim_end_matches('='))
        .map_err(|_| bad_parameter("The value is not base64url-encoded."))?;
    let now = world.clock.now_unix();
    let display = display_name(world, ctx, name)?;
    let entry = world
        .vaults
        .version_mut(&ctx.vault, name, version)
        .map_err(store_error)?;
    if !entry.kty.is_rsa() {
        return Err(bad_parameter(&format!(
            "Operation {jwk_op} is not supported by an {} key: the sandbox wraps and encrypts with RSA keys only.",
            entry.kty.as_str()
        )));
    }
    let alg = WrapAlgorithm::parse(alg_text).ok_or_else(|| {
        bad_parameter(&format!(
            "Invalid algorithm '{alg_text}'. Use RSA-OAEP, RSA-OAEP-256 or RSA1_5."
        ))
    })?;
    entry.check_usable(jwk_op, now).map_err(store_error)?;
    let kid = format!("{}/keys/{}/{}", ctx.base, display, entry.version);
    let material = entry.material().map_err(store_error)?;
    let output = if encrypting {
        material.wrap(alg, &input).map_err(|e| {
            bad_parameter(&format!(
                "The value cannot be encrypted with this key: {e}."
            ))
        })?
    } else {
        material.unwrap(alg, &input).map_err(|_| {
            bad_parameter("The ciphertext could not be decrypted with this key and algorithm.")
        })?
    };
    Ok(Response::json(
        StatusCode::OK,
        &json!({ "kid": kid, "value": URL_SAFE_NO_PAD.encode(output) }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_follow_key_vault() {
        for (version, ok) in [
            ("7.4", true),
            ("7.6", true),
            ("7.6-preview.2", true),
            ("7.9", false),
            ("2016-10-01", true),
            ("2025-07-01", true),
            ("2026-05-01-preview", true),
            ("2019-01-01", false),
            ("latest", false),
        ] {
            assert_eq!(is_supported_api_version(version), ok, "{version}");
        }
    }

    #[test]
    fn skiptokens_round_trip() {
        assert_eq!(decode_skiptoken(&encode_skiptoken(75)), Some(75));
        assert_eq!(decode_skiptoken("garbage"), None);
    }
}
