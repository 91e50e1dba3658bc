//! Resource Manager behaviour, tested by calling `arm::handle` directly with a
//! caller the token check would have produced (no sockets: fast and exact).

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde_json::{Value, json};

use crate::arm;
use crate::clock::Clock;
use crate::entra::directory::{
    DEMO_CLIENT_ID, DEMO_CLIENT_OBJECT_ID, DEMO_TENANT_ID, OTHER_TENANT_ID,
};
use crate::faults::FaultRules;
use crate::http::{Caller, PrincipalKind, Request};
use crate::scenario::demo::{
    DEV_SUBSCRIPTION, PROD_REGISTRIES_GROUP, PROD_SECURITY_GROUP, PROD_SUBSCRIPTION,
    READER_CLIENT_ID, READER_OBJECT_ID,
};
use crate::world::{Endpoints, World};

const PORT: u16 = 47443;
const START: i64 = 1_780_000_000;

fn demo_world() -> World {
    let mut world = World::new(
        Endpoints { port: PORT },
        Clock::starting_at(START, 0.0),
        FaultRules::new(0, 0.0),
    )
    .expect("world");
    crate::scenario::build("demo", &mut world).expect("demo scenario builds");
    world
}

fn owner() -> Caller {
    Caller {
        tenant_id: DEMO_TENANT_ID.to_owned(),
        object_id: DEMO_CLIENT_OBJECT_ID.to_owned(),
        app_id: DEMO_CLIENT_ID.to_owned(),
        audience: "https://management.azure.com".to_owned(),
        kind: PrincipalKind::ServicePrincipal,
    }
}

fn reader() -> Caller {
    Caller {
        object_id: READER_OBJECT_ID.to_owned(),
        app_id: READER_CLIENT_ID.to_owned(),
        ..owner()
    }
}

struct Reply {
    status: StatusCode,
    body: Value,
    headers: HeaderMap,
}

fn decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn request(
    method: Method,
    target: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Request {
    let target = target
        .strip_prefix(&format!("https://localhost:{PORT}"))
        .unwrap_or(target);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect();
    let mut header_map = HeaderMap::new();
    for (name, value) in headers {
        header_map.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
    Request {
        method,
        host: "localhost".to_owned(),
        path: path.to_owned(),
        query,
        headers: header_map,
        body: body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string())),
    }
}

fn call_with(
    world: &mut World,
    caller: &Caller,
    method: Method,
    target: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Reply {
    world.tick();
    let response = arm::handle(world, caller, &request(method, target, body, headers));
    let body = if response.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&response.body).expect("JSON body")
    };
    Reply {
        status: response.status,
        body,
        headers: response.headers,
    }
}

fn call(
    world: &mut World,
    caller: &Caller,
    method: Method,
    target: &str,
    body: Option<&Value>,
) -> Reply {
    call_with(world, caller, method, target, body, &[])
}

/// Requests as the demo service principal, which is Owner of every demo subscription.
fn owner_get(world: &mut World, target: &str) -> Reply {
    call(world, &owner(), Method::GET, target, None)
}

fn owner_delete(world: &mut World, target: &str) -> Reply {
    call(world, &owner(), Method::DELETE, target, None)
}

fn owner_put(world: &mut World, target: &str, body: &Value) -> Reply {
    call(world, &owner(), Method::PUT, target, Some(body))
}

fn owner_patch(world: &mut World, target: &str, body: &Value) -> Reply {
    call(world, &owner(), Method::PATCH, target, Some(body))
}

fn owner_post(world: &mut World, target: &str, body: &Value) -> Reply {
    call(world, &owner(), Method::POST, target, Some(body))
}

fn registry(name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_REGISTRIES_GROUP}/providers/Microsoft.ContainerRegistry/registries/{name}?api-version=2023-07-01"
    )
}

fn uai(name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_SECURITY_GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )
}

fn vault(name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_SECURITY_GROUP}/providers/Microsoft.KeyVault/vaults/{name}?api-version=2023-07-01"
    )
}

/// The client ID of a user-assigned identity.
fn client_id_of(world: &World, identity_id: &str) -> String {
    world
        .arm
        .user_assigned_identity(identity_id)
        .and_then(|r| {
            r.body
                .pointer("/properties/clientId")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .expect("identity")
}

/// A registry's `encryption` with `key` through `identity` (a client ID, or `system`).
fn cmk(key: &str, identity: &str) -> Value {
    json!({"status": "enabled", "keyVaultProperties": {"keyIdentifier": key, "identity": identity}})
}

/// PATCHes a demo registry's encryption to `key` through `identity`.
fn set_registry_key(world: &mut World, name: &str, key: &str, identity: &str) -> Reply {
    owner_patch(
        world,
        &registry(name),
        &json!({"properties": {"encryption": cmk(key, identity)}}),
    )
}

fn key_id(vault: &str, key: &str) -> String {
    format!("https://{vault}.vault.localhost:{PORT}/keys/{key}")
}

fn health(world: &World, id: &str) -> String {
    crate::cmk::health(world, id)
        .and_then(|h| h["health"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[test]
fn demo_registries_show_every_cmk_state() {
    let world = demo_world();
    let cases = [
        ("crcontosoprod", "accessible"),
        ("crcontosopinned", "accessible"),
        ("crcontosorbac", "accessible"),
        ("crcontosofw", "accessible"),
        (
            "crcontosorevoked",
            "inaccessible: Key Vault refused 'get' (AccessDenied)",
        ),
        ("crcontosodisabled", "inaccessible: the key version"),
        ("crcontosoorphan", "inaccessible: the encryption identity"),
        ("crcontosonocmk", "not applicable"),
        ("crcontosobasic", "not applicable"),
    ];
    for (name, expected) in cases {
        let id = format!(
            "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_REGISTRIES_GROUP}/providers/Microsoft.ContainerRegistry/registries/{name}"
        );
        let health = health(&world, &id);
        assert!(health.starts_with(expected), "{name}: {health}");
    }
    let storage = format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/rg-contoso-prod-data/providers/Microsoft.Storage/storageAccounts/stcontosocmk"
    );
    assert_eq!(health(&world, &storage), "accessible");
}

#[test]
fn requests_without_api_version_and_missing_scopes_get_arms_errors() {
    let mut world = demo_world();
    let cases: Vec<(String, StatusCode, &str, String)> = vec![
        (
            format!("/subscriptions/{PROD_SUBSCRIPTION}/resourcegroups"),
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.".to_owned(),
        ),
        (
            "/subscriptions/00000000-0000-0000-0000-00000000dead/resourcegroups?api-version=2022-09-01".to_owned(),
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            "The subscription '00000000-0000-0000-0000-00000000dead' could not be found.".to_owned(),
        ),
        (
            format!("/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/rg-nope/providers/Microsoft.ContainerRegistry/registries/crnope?api-version=2023-07-01"),
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
            "Resource group 'rg-nope' could not be found.".to_owned(),
        ),
        (
            registry("crnope"),
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!("The Resource 'Microsoft.ContainerRegistry/registries/crnope' under resource group '{PROD_REGISTRIES_GROUP}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"),
        ),
    ];
    for (target, status, code, message) in cases {
        let reply = owner_get(&mut world, &target);
        assert_eq!(reply.status, status, "{target}: {}", reply.body);
        assert_eq!(reply.body["error"]["code"], code, "{target}");
        assert_eq!(reply.body["error"]["message"], message.as_str(), "{target}");
    }
}

#[test]
fn resource_ids_are_case_insensitive_and_keep_their_casing() {
    let mut world = demo_world();
    let shouted = registry("CRCONTOSOPROD")
        .replace("resourceGroups", "RESOURCEGROUPS")
        .replace("Microsoft.ContainerRegistry", "microsoft.containerregistry");
    let reply = owner_get(&mut world, &shouted);
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["name"], "crcontosoprod");
    assert!(reply.body["id"].as_str().unwrap_or_default().contains("/resourceGroups/rg-contoso-prod-registries/providers/Microsoft.ContainerRegistry/registries/crcontosoprod"));
}

#[test]
fn a_reader_can_read_but_its_writes_get_authorization_failed() {
    let mut world = demo_world();
    let get = call(
        &mut world,
        &reader(),
        Method::GET,
        &registry("crcontosoprod"),
        None,
    );
    assert_eq!(get.status, StatusCode::OK);
    let scope = format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_REGISTRIES_GROUP}/providers/Microsoft.ContainerRegistry/registries/crcontosoprod"
    );
    for method in [Method::PATCH, Method::PUT, Method::DELETE] {
        let action = if method == Method::DELETE {
            "delete"
        } else {
            "write"
        };
        let reply = call(
            &mut world,
            &reader(),
            method.clone(),
            &registry("crcontosoprod"),
            Some(&json!({"tags": {"a": "b"}})),
        );
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method}");
        assert_eq!(reply.body["error"]["code"], "AuthorizationFailed");
        assert_eq!(
            reply.body["error"]["message"],
            format!(
                "The client '{READER_OBJECT_ID}' with object id '{READER_OBJECT_ID}' does not have authorization to perform action \
                 'Microsoft.ContainerRegistry/registries/{action}' over scope '{scope}' or the scope is invalid. If access was \
                 recently granted, please refresh your credentials."
            )
        );
    }
    let policy = call(
        &mut world,
        &reader(),
        Method::PUT,
        &vault("kv-contoso-prod-cmk").replace("?api", "/accessPolicies/add?api"),
        Some(&json!({"properties": {"accessPolicies": []}})),
    );
    assert_eq!(policy.status, StatusCode::FORBIDDEN);
    let permissions = call(
        &mut world,
        &reader(),
        Method::GET,
        &format!(
            "/subscriptions/{PROD_SUBSCRIPTION}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01"
        ),
        None,
    );
    assert_eq!(permissions.body["value"][0]["actions"], json!(["*/read"]));
}

#[test]
fn etags_guard_updates() {
    let mut world = demo_world();
    let get = owner_get(&mut world, &registry("crcontosonocmk"));
    let etag = header(&get, "etag").to_owned();
    assert_eq!(get.body["etag"], etag.as_str());
    let stale = call_with(
        &mut world,
        &owner(),
        Method::PATCH,
        &registry("crcontosonocmk"),
        Some(&json!({"tags": {"x": "1"}})),
        &[("If-Match", "\"00000000-0000-0000-0000-000000000000\"")],
    );
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.body["error"]["code"], "PreconditionFailed");
    let fresh = call_with(
        &mut world,
        &owner(),
        Method::PATCH,
        &registry("crcontosonocmk"),
        Some(&json!({"tags": {"x": "1"}})),
        &[("If-Match", &etag)],
    );
    assert_eq!(fresh.status, StatusCode::CREATED, "{}", fresh.body);
    assert_ne!(header(&fresh, "etag"), etag);
    let create_only = call_with(
        &mut world,
        &owner(),
        Method::PUT,
        &registry("crcontosonocmk"),
        Some(&json!({"location": "eastus", "sku": {"name": "Premium"}})),
        &[("If-None-Match", "*")],
    );
    assert_eq!(create_only.status, StatusCode::PRECONDITION_FAILED);
}

#[test]
fn registry_updates_are_long_running_operations() {
    let mut world = demo_world();
    let patch = owner_patch(
        &mut world,
        &registry("crcontosonocmk"),
        &json!({"properties": {"adminUserEnabled": true}}),
    );
    assert_eq!(patch.status, StatusCode::CREATED);
    assert_eq!(patch.body["properties"]["provisioningState"], "Updating");
    let retry: u64 = header(&patch, "retry-after")
        .parse()
        .expect("Retry-After is seconds");
    assert!(retry >= 1);
    let status_url = header(&patch, "azure-asyncoperation").to_owned();
    assert!(
        status_url.contains("/operationStatuses/registries-"),
        "{status_url}"
    );
    let first = owner_get(&mut world, &status_url);
    assert_eq!(first.body["status"], "InProgress");
    assert!(!header(&first, "retry-after").is_empty());
    world.clock.advance(Duration::from_secs(3));
    let done = owner_get(&mut world, &status_url);
    assert_eq!(done.body["status"], "Succeeded");
    let get = owner_get(&mut world, &registry("crcontosonocmk"));
    assert_eq!(get.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(get.body["properties"]["adminUserEnabled"], true);
}

#[test]
fn a_failing_operation_fault_ends_failed_and_restores_the_registry() {
    let mut world = demo_world();
    let rule: crate::faults::FaultRule = serde_json::from_value(json!({
        "match": {"method": "PATCH", "pathPrefix": "/subscriptions/"},
        "effect": {"kind": "failOperation", "code": "InternalServerError", "message": "injected"},
        "count": 1
    }))
    .expect("rule");
    world.faults.add(rule).expect("added");
    let patch = owner_patch(
        &mut world,
        &registry("crcontosonocmk"),
        &json!({"properties": {"adminUserEnabled": true}}),
    );
    let status_url = header(&patch, "azure-asyncoperation").to_owned();
    world.clock.advance(Duration::from_secs(3));
    let done = owner_get(&mut world, &status_url);
    assert_eq!(done.body["status"], "Failed");
    assert_eq!(done.body["error"]["code"], "InternalServerError");
    let get = owner_get(&mut world, &registry("crcontosonocmk"));
    assert_eq!(get.body["properties"]["provisioningState"], "Failed");
    assert_eq!(get.body["properties"]["adminUserEnabled"], false);
}

#[test]
fn container_registry_cmk_rules_hold() {
    let mut world = demo_world();
    let prod_identity = uai("id-acr-prod");
    let client_id = client_id_of(&world, &prod_identity);
    let cases: Vec<(&str, Method, Value, &str)> = vec![
        (
            "crcontosonocmk",
            Method::PATCH,
            json!({"properties": {"encryption": cmk(&key_id("kv-contoso-prod-cmk", "acr-prod-key"), &client_id)}}),
            "EncryptionCanOnlyBeEnabledAtCreation",
        ),
        (
            "crcontosoprod",
            Method::PATCH,
            json!({"properties": {"encryption": {"status": "disabled"}}}),
            "EncryptionCannotBeDisabled",
        ),
        (
            "crcontosoprod",
            Method::PATCH,
            json!({"sku": {"name": "Standard"}}),
            "CmkNotSupportedOnSku",
        ),
        (
            "crnewstandard",
            Method::PUT,
            json!({"location": "eastus", "sku": {"name": "Standard"},
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {prod_identity.clone(): {}}},
            "properties": {"encryption": cmk(&key_id("kv-contoso-prod-cmk", "acr-prod-key"), &client_id)}}),
            "CmkNotSupportedOnSku",
        ),
        (
            "crnewec",
            Method::PUT,
            json!({"location": "eastus", "sku": {"name": "Premium"},
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {prod_identity.clone(): {}}},
            "properties": {"encryption": cmk(&key_id("kv-contoso-prod-cmk", "signing-ec-key"), &client_id)}}),
            "UnsupportedKeyType",
        ),
        (
            "crnewnoaccess",
            Method::PUT,
            json!({"location": "eastus", "sku": {"name": "Premium"},
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {prod_identity.clone(): {}}},
            "properties": {"encryption": cmk(&key_id("kv-contoso-dev", "acr-revoked-key"), &client_id)}}),
            "KeyVaultAccessDenied",
        ),
        (
            "crcontosoprod",
            Method::PATCH,
            json!({"identity": {"type": "None"}}),
            "InvalidIdentity",
        ),
    ];
    for (name, method, body, code) in cases {
        let reply = call(
            &mut world,
            &owner(),
            method.clone(),
            &registry(name),
            Some(&body),
        );
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{name} {method}: {}",
            reply.body
        );
        assert_eq!(
            reply.body["error"]["code"], code,
            "{name} {method}: {}",
            reply.body
        );
    }
    let detach = owner_patch(
        &mut world,
        &registry("crcontosoprod"),
        &json!({"identity": {"type": "None"}}),
    );
    let message = detach.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Azure resource '/subscriptions/"),
        "{message}"
    );
    assert!(
        message.contains("Try forcibly adding the identity to the registry crcontosoprod"),
        "{message}"
    );
    // A new Premium registry with CMK on an unversioned key: auto-rotation on.
    let created = call(
        &mut world,
        &owner(),
        Method::PUT,
        &registry("crnewcmk"),
        Some(&json!({"location": "eastus", "sku": {"name": "Premium"},
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {prod_identity.clone(): {}}},
        "properties": {"encryption": cmk(&key_id("kv-contoso-prod-cmk", "acr-prod-key"), &client_id)}})),
    );
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let kv = &created.body["properties"]["encryption"]["keyVaultProperties"];
    assert_eq!(kv["keyRotationEnabled"], true);
    assert!(
        kv["versionedKeyIdentifier"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!(
                "{}/",
                key_id("kv-contoso-prod-cmk", "acr-prod-key")
            ))
    );
    assert_eq!(kv["identity"], client_id.as_str());
}

#[test]
fn identity_system_means_the_system_assigned_identity() {
    let mut world = demo_world();
    let on = owner_patch(
        &mut world,
        &registry("crcontosoprod"),
        &json!({"identity": {"type": "SystemAssigned, UserAssigned"}}),
    );
    assert_eq!(on.status, StatusCode::CREATED, "{}", on.body);
    let principal = on.body["identity"]["principalId"]
        .as_str()
        .expect("system principal")
        .to_owned();
    assert_eq!(on.body["identity"]["type"], "SystemAssigned, UserAssigned");
    let id = format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_REGISTRIES_GROUP}/providers/Microsoft.ContainerRegistry/registries/crcontosoprod"
    );
    let system = owner_get(
        &mut world,
        &format!(
            "{id}/providers/Microsoft.ManagedIdentity/identities/default?api-version=2023-01-31"
        ),
    );
    assert_eq!(system.status, StatusCode::OK, "{}", system.body);
    assert_eq!(system.body["properties"]["principalId"], principal.as_str());
    let system_client = system.body["properties"]["clientId"]
        .as_str()
        .expect("client id")
        .to_owned();
    let policy = owner_put(
        &mut world,
        &vault("kv-contoso-prod-cmk").replace("?api", "/accessPolicies/add?api"),
        &json!({"properties": {"accessPolicies": [{"tenantId": DEMO_TENANT_ID, "objectId": principal, "permissions": {"keys": ["get", "wrapKey", "unwrapKey"]}}]}}),
    );
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.body);
    let rotate = set_registry_key(
        &mut world,
        "crcontosoprod",
        &key_id("kv-contoso-prod-cmk", "acr-prod-key"),
        "system",
    );
    assert_eq!(rotate.status, StatusCode::CREATED, "{}", rotate.body);
    assert_eq!(
        rotate.body["properties"]["encryption"]["keyVaultProperties"]["identity"],
        system_client.as_str()
    );
    assert_eq!(health(&world, &id), "accessible");
}

/// With a propagation delay, a newly enabled system-assigned identity holds no
/// grant until it has propagated, even a grant made at once: its registry
/// cannot move encryption to it, and its CMK health says why.
#[test]
fn a_new_system_assigned_identity_works_only_after_the_propagation_delay() {
    let mut world = demo_world();
    world.propagation.delay_secs = 60;
    let on = owner_patch(
        &mut world,
        &registry("crcontosoprod"),
        &json!({"identity": {"type": "SystemAssigned, UserAssigned"}}),
    );
    assert_eq!(on.status, StatusCode::CREATED, "{}", on.body);
    let principal = on.body["identity"]["principalId"]
        .as_str()
        .expect("system principal")
        .to_owned();
    world.clock.advance(Duration::from_secs(3));
    // The grant itself takes effect at once; only the identity waits.
    world.propagation.delay_secs = 0;
    let policy = owner_put(
        &mut world,
        &vault("kv-contoso-prod-cmk").replace("?api", "/accessPolicies/add?api"),
        &json!({"properties": {"accessPolicies": [{"tenantId": DEMO_TENANT_ID, "objectId": principal, "permissions": {"keys": ["get", "wrapKey", "unwrapKey"]}}]}}),
    );
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.body);
    let status = crate::propagation::status_json(&world);
    assert_eq!(
        status["pending"][0]["kind"], "systemAssignedIdentity",
        "{status}"
    );
    assert_eq!(status["pending"][0]["principalId"], principal.as_str());

    let key = key_id("kv-contoso-prod-cmk", "acr-prod-key");
    let early = set_registry_key(&mut world, "crcontosoprod", &key, "system");
    assert_eq!(early.status, StatusCode::BAD_REQUEST, "{}", early.body);
    assert_eq!(early.body["error"]["code"], "KeyVaultAccessDenied");

    world.clock.advance(Duration::from_secs(58));
    let later = set_registry_key(&mut world, "crcontosoprod", &key, "system");
    assert_eq!(later.status, StatusCode::CREATED, "{}", later.body);
    assert_eq!(
        crate::propagation::status_json(&world)["pending"],
        json!([])
    );
}

/// Access policies written while the delay is 0, and everything a scenario
/// builds, work at once: the default changes nothing.
#[test]
fn without_a_delay_grants_work_at_once() {
    let mut world = demo_world();
    assert_eq!(world.propagation.delay_secs, 0);
    let principal = world
        .arm
        .user_assigned_identity(&uai("id-acr-prod"))
        .and_then(|r| r.body.pointer("/properties/principalId"))
        .and_then(Value::as_str)
        .expect("principal")
        .to_owned();
    let client = client_id_of(&world, &uai("id-acr-prod"));
    let policy = owner_put(
        &mut world,
        &vault("kv-contoso-dev").replace("?api", "/accessPolicies/add?api"),
        &json!({"properties": {"accessPolicies": [{"tenantId": DEMO_TENANT_ID, "objectId": principal, "permissions": {"keys": ["get", "wrapKey", "unwrapKey"]}}]}}),
    );
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.body);
    let moved = set_registry_key(
        &mut world,
        "crcontosoprod",
        &key_id("kv-contoso-dev", "acr-revoked-key"),
        &client,
    );
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.body);
}

/// Key Vault admits a service through `bypass: AzureServices` only when it calls
/// with its system-assigned identity; with a user-assigned identity it is
/// ordinary public traffic, which `defaultAction: Deny` refuses.
#[test]
fn the_vault_firewall_bypass_admits_only_system_assigned_identities() {
    let mut world = demo_world();
    let prod_id = format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_REGISTRIES_GROUP}/providers/Microsoft.ContainerRegistry/registries/crcontosoprod"
    );
    assert_eq!(health(&world, &prod_id), "accessible");
    let versioned_before = world
        .arm
        .resource(&prod_id)
        .and_then(|r| {
            r.body
                .pointer("/properties/encryption/keyVaultProperties/versionedKeyIdentifier")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .expect("versioned key");
    let locked = owner_patch(
        &mut world,
        &vault("kv-contoso-prod-cmk"),
        &json!({"properties": {"networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}}}),
    );
    assert_eq!(locked.status, StatusCode::OK, "{}", locked.body);

    // crcontosoprod encrypts through its user-assigned identity id-acr-prod.
    let refused = health(&world, &prod_id);
    assert!(
        refused.starts_with("inaccessible: Key Vault refused 'get' (ForbiddenByFirewall)"),
        "{refused}"
    );
    assert!(
        refused.contains("Client address is not authorized and caller is not a trusted service.")
            && refused.contains("user-assigned managed identity"),
        "{refused}"
    );
    // Its identity cannot reach the newer key version either, so it is not rotated.
    let rotated = crate::cmk::rotate_now(&mut world);
    assert!(
        !rotated.iter().any(|id| id.eq_ignore_ascii_case(&prod_id)),
        "{rotated:?}"
    );
    let prod_client = client_id_of(&world, &uai("id-acr-prod"));
    let to_other_key = set_registry_key(
        &mut world,
        "crcontosoprod",
        &key_id("kv-contoso-prod-cmk", "acr-pinned-key"),
        &prod_client,
    );
    assert_eq!(
        to_other_key.status,
        StatusCode::BAD_REQUEST,
        "{}",
        to_other_key.body
    );
    assert_eq!(to_other_key.body["error"]["code"], "KeyVaultAccessDenied");
    let message = to_other_key.body["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("(ForbiddenByFirewall)"), "{message}");

    // The same registry through its system-assigned identity passes the bypass.
    let system_on = owner_patch(
        &mut world,
        &registry("crcontosoprod"),
        &json!({"identity": {"type": "SystemAssigned, UserAssigned"}}),
    );
    assert_eq!(system_on.status, StatusCode::CREATED, "{}", system_on.body);
    let system_principal = system_on.body["identity"]["principalId"]
        .as_str()
        .expect("system principal")
        .to_owned();
    let granted = owner_put(
        &mut world,
        &vault("kv-contoso-prod-cmk").replace("?api", "/accessPolicies/add?api"),
        &json!({"properties": {"accessPolicies": [{"tenantId": DEMO_TENANT_ID, "objectId": system_principal,
            "permissions": {"keys": ["get", "wrapKey", "unwrapKey"]}}]}}),
    );
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    let to_system = set_registry_key(
        &mut world,
        "crcontosoprod",
        &key_id("kv-contoso-prod-cmk", "acr-prod-key"),
        "system",
    );
    assert_eq!(to_system.status, StatusCode::CREATED, "{}", to_system.body);
    assert_eq!(health(&world, &prod_id), "accessible");
    assert_ne!(
        to_system.body["properties"]["encryption"]["keyVaultProperties"]["versionedKeyIdentifier"],
        versioned_before.as_str(),
        "re-saving the unversioned key picks up the newest version"
    );

    // The demo's crcontosofw is built that way: healthy through its system identity,
    // while its user-assigned identity (which has an access policy) is kept out.
    let firewalled_id = format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_REGISTRIES_GROUP}/providers/Microsoft.ContainerRegistry/registries/crcontosofw"
    );
    assert_eq!(health(&world, &firewalled_id), "accessible");
    let firewall_client = client_id_of(&world, &uai("id-acr-firewall"));
    let to_user_assigned = set_registry_key(
        &mut world,
        "crcontosofw",
        &key_id("kv-contoso-firewall", "acr-firewall-key"),
        &firewall_client,
    );
    assert_eq!(
        to_user_assigned.status,
        StatusCode::BAD_REQUEST,
        "{}",
        to_user_assigned.body
    );
    let message = to_user_assigned.body["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("(ForbiddenByFirewall)"), "{message}");
    assert_eq!(health(&world, &firewalled_id), "accessible");
}

#[test]
fn unversioned_keys_rotate_within_the_interval_and_pinned_ones_do_not() {
    let mut world = demo_world();
    let before = owner_get(&mut world, &registry("crcontosoprod"));
    let newest = world
        .vaults
        .key("kv-contoso-prod-cmk", "acr-prod-key")
        .and_then(|k| k.current())
        .map(|v| v.version.clone())
        .expect("key");
    let old =
        before.body["properties"]["encryption"]["keyVaultProperties"]["versionedKeyIdentifier"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    assert!(
        !old.ends_with(&newest),
        "the demo leaves a newer version to pick up"
    );
    let pinned_before =
        owner_get(&mut world, &registry("crcontosopinned")).body["properties"]["encryption"]
            .clone();
    world.clock.advance(Duration::from_secs(30 * 60));
    let half = owner_get(&mut world, &registry("crcontosoprod"));
    assert_eq!(
        half.body["properties"]["encryption"]["keyVaultProperties"]["versionedKeyIdentifier"],
        old.as_str()
    );
    world.clock.advance(Duration::from_secs(31 * 60));
    let after = owner_get(&mut world, &registry("crcontosoprod"));
    let kv = &after.body["properties"]["encryption"]["keyVaultProperties"];
    assert!(
        kv["versionedKeyIdentifier"]
            .as_str()
            .unwrap_or_default()
            .ends_with(&newest),
        "{kv}"
    );
    assert_ne!(
        kv["lastKeyRotationTimestamp"],
        before.body["properties"]["encryption"]["keyVaultProperties"]["lastKeyRotationTimestamp"]
    );
    let pinned_after =
        owner_get(&mut world, &registry("crcontosopinned")).body["properties"]["encryption"]
            .clone();
    assert_eq!(pinned_before, pinned_after);
}

#[test]
fn lists_page_with_top_and_next_links() {
    let mut world = demo_world();
    let mut target = format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/providers/Microsoft.ContainerRegistry/registries?api-version=2023-07-01&$top=2"
    );
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let reply = owner_get(&mut world, &target);
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        pages += 1;
        for item in reply.body["value"].as_array().expect("value") {
            names.push(item["name"].as_str().unwrap_or_default().to_owned());
        }
        match reply.body["nextLink"].as_str() {
            Some(next) => target = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(names.len(), 9, "{names:?}");
    assert_eq!(pages, 5);
    let filtered = owner_get(
        &mut world,
        &format!(
            "/subscriptions/{PROD_SUBSCRIPTION}/resources?$filter=resourceType eq 'Microsoft.KeyVault/vaults' and name eq 'KV-CONTOSO-DEV'&$top=1&api-version=2015-11-01"
        ),
    );
    assert_eq!(
        filtered.body["value"].as_array().map(Vec::len),
        Some(1),
        "{}",
        filtered.body
    );
    assert_eq!(
        filtered.body["value"][0]["type"],
        "Microsoft.KeyVault/vaults"
    );
    assert!(filtered.body.get("nextLink").is_none());
}

#[test]
fn key_vault_keeps_soft_delete_and_purge_protection_on() {
    let mut world = demo_world();
    let purge_off = owner_patch(
        &mut world,
        &vault("kv-contoso-prod-cmk"),
        &json!({"properties": {"enablePurgeProtection": false}}),
    );
    assert_eq!(purge_off.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        purge_off.body["error"]["message"],
        "The property \"enablePurgeProtection\" cannot be set to false. Enabling the purge protection for a vault is an irreversible action."
    );
    let soft_off = owner_patch(
        &mut world,
        &vault("kv-contoso-dev"),
        &json!({"properties": {"enableSoftDelete": false}}),
    );
    assert_eq!(soft_off.status, StatusCode::BAD_REQUEST);
    let get = owner_get(&mut world, &vault("kv-contoso-firewall"));
    assert_eq!(
        get.body["properties"]["vaultUri"],
        format!("https://kv-contoso-firewall.vault.localhost:{PORT}/")
    );
    assert_eq!(
        get.body["properties"]["networkAcls"]["bypass"],
        "AzureServices"
    );
    let deleted = owner_delete(&mut world, &vault("kv-contoso-dev"));
    assert_eq!(deleted.status, StatusCode::OK);
    let listed = owner_get(
        &mut world,
        &format!(
            "/subscriptions/{PROD_SUBSCRIPTION}/providers/Microsoft.KeyVault/deletedVaults?api-version=2023-07-01"
        ),
    );
    assert_eq!(listed.body["value"][0]["name"], "kv-contoso-dev");
    let again = owner_put(
        &mut world,
        &vault("kv-contoso-dev"),
        &json!({"location": "eastus", "properties": {"tenantId": DEMO_TENANT_ID, "sku": {"family": "A", "name": "standard"}}}),
    );
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["error"]["code"], "ConflictError");
    assert!(crate::arm::vault_resource(&world, "kv-contoso-dev").is_none());
}

#[test]
fn role_assignments_list_filter_and_refuse_duplicates() {
    let mut world = demo_world();
    let scope = format!("/subscriptions/{DEV_SUBSCRIPTION}");
    let body = json!({"properties": {"roleDefinitionId": format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6"), "principalId": READER_OBJECT_ID}});
    let target = |name: &str| {
        format!(
            "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01"
        )
    };
    let created = owner_put(
        &mut world,
        &target("3f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"),
        &body,
    );
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        created.body["properties"]["principalType"],
        "ServicePrincipal"
    );
    let duplicate = owner_put(
        &mut world,
        &target("4f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"),
        &body,
    );
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.body["error"]["code"], "RoleAssignmentExists");
    let listed = owner_get(
        &mut world,
        &format!(
            "{scope}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=principalId eq '{READER_OBJECT_ID}'"
        ),
    );
    assert_eq!(
        listed.body["value"].as_array().map(Vec::len),
        Some(2),
        "Reader and the new role: {}",
        listed.body
    );
    let by_reader = call(
        &mut world,
        &reader(),
        Method::PUT,
        &target("5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"),
        Some(&body),
    );
    assert_eq!(by_reader.status, StatusCode::FORBIDDEN);
    let unknown = owner_put(
        &mut world,
        &target("6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"),
        &json!({"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6", "principalId": "aaaaaaaa-0000-4000-8000-000000000001"}}),
    );
    assert_eq!(unknown.body["error"]["code"], "PrincipalNotFound");
    let definitions = owner_get(
        &mut world,
        &format!(
            "{scope}/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01&$filter=roleName eq 'Key Vault Crypto Service Encryption User'"
        ),
    );
    assert_eq!(
        definitions.body["value"][0]["name"],
        "e147488a-f6f5-4113-8e2d-b22465e65bf6"
    );
}

#[test]
fn resource_graph_answers_the_fleet_queries_and_refuses_the_rest() {
    let mut world = demo_world();
    let graph = "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01";
    let query = "Resources | where type =~ 'Microsoft.ContainerRegistry/registries' | where properties.encryption.status =~ 'enabled' | project id, name, kid = properties.encryption.keyVaultProperties.keyIdentifier | order by name asc";
    let first = owner_post(
        &mut world,
        graph,
        &json!({"query": query, "options": {"$top": 4}}),
    );
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["totalRecords"], 7);
    assert_eq!(first.body["count"], 4);
    assert_eq!(first.body["data"][0]["name"], "crcontosodisabled");
    let token = first.body["$skipToken"]
        .as_str()
        .expect("more pages")
        .to_owned();
    let second = owner_post(
        &mut world,
        graph,
        &json!({"query": query, "options": {"$skipToken": token}}),
    );
    assert_eq!(second.body["count"], 3);
    assert!(second.body.get("$skipToken").is_none());
    let bad = owner_post(
        &mut world,
        graph,
        &json!({"query": "Resources | mv-expand x = properties"}),
    );
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["error"]["details"][0]["code"], "InvalidQuery");
    let only_dev = owner_post(
        &mut world,
        graph,
        &json!({"subscriptions": [DEV_SUBSCRIPTION], "query": "Resources | summarize count() by type"}),
    );
    assert_eq!(
        only_dev.body["data"],
        json!([{"type": "microsoft.containerregistry/registries", "count_": 1}])
    );
}

#[test]
fn subscriptions_tenants_and_the_wrong_tenant() {
    let mut world = demo_world();
    let subs = owner_get(&mut world, "/subscriptions?api-version=2022-12-01");
    assert_eq!(subs.body["value"].as_array().map(Vec::len), Some(3));
    assert_eq!(subs.body["count"]["value"], 3);
    let tenants = owner_get(&mut world, "/tenants?api-version=2022-12-01");
    assert_eq!(tenants.body["value"][0]["tenantId"], DEMO_TENANT_ID);
    let stranger = Caller {
        tenant_id: OTHER_TENANT_ID.to_owned(),
        ..owner()
    };
    let wrong = call(
        &mut world,
        &stranger,
        Method::GET,
        &registry("crcontosoprod"),
        None,
    );
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.body["error"]["code"],
        "InvalidAuthenticationTokenTenant"
    );
    let none = call(
        &mut world,
        &stranger,
        Method::GET,
        "/subscriptions?api-version=2022-12-01",
        None,
    );
    assert_eq!(none.body["value"], json!([]));
}

#[test]
fn metadata_endpoints_come_in_azures_shapes() {
    let world = demo_world();
    let get = |version: &str| {
        let response = arm::metadata_endpoints(
            &world,
            &request(
                Method::GET,
                &format!("/metadata/endpoints?api-version={version}"),
                None,
                &[],
            ),
        );
        serde_json::from_slice::<Value>(&response.body).expect("json")
    };
    let object = get("2022-09-01");
    assert_eq!(
        object["suffixes"]["keyVaultDns"],
        format!("vault.localhost:{PORT}")
    );
    assert_eq!(
        object["authentication"]["loginEndpoint"],
        format!("https://localhost:{PORT}/")
    );
    assert_eq!(
        object["resourceManager"],
        format!("https://localhost:{PORT}/")
    );
    let array = get("2020-06-01");
    assert_eq!(
        array[0]["suffixes"]["keyVaultDns"],
        format!("vault.localhost:{PORT}")
    );
    let legacy = get("2015-01-01");
    assert!(legacy["galleryEndpoint"].is_string());
}

#[test]
fn storage_patch_is_synchronous_and_keeps_lower_case_keyvaultproperties() {
    let mut world = demo_world();
    let target = format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/rg-contoso-prod-data/providers/Microsoft.Storage/storageAccounts/stcontosoplain?api-version=2023-05-01"
    );
    let on = owner_patch(
        &mut world,
        &target,
        &json!({"identity": {"type": "SystemAssigned"}}),
    );
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);
    let principal = on.body["identity"]["principalId"]
        .as_str()
        .expect("principal")
        .to_owned();
    let no_access = owner_patch(
        &mut world,
        &target,
        &json!({"properties": {"encryption": {"keySource": "Microsoft.Keyvault",
        "keyvaultproperties": {"keyvaulturi": format!("https://kv-contoso-prod-cmk.vault.localhost:{PORT}"), "keyname": "storage-cmk-key", "keyversion": ""}}}}),
    );
    assert_eq!(no_access.status, StatusCode::BAD_REQUEST);
    crate::scenario::apply_step(&mut world, &serde_json::from_value(json!({"grantKeys": {"vault": "kv-contoso-prod-cmk", "objectId": principal, "permissions": ["get", "wrapKey", "unwrapKey"]}})).expect("step")).expect("grant");
    let enabled = owner_patch(
        &mut world,
        &target,
        &json!({"properties": {"encryption": {"keySource": "Microsoft.Keyvault",
        "keyvaultproperties": {"keyvaulturi": format!("https://kv-contoso-prod-cmk.vault.localhost:{PORT}"), "keyname": "storage-cmk-key", "keyversion": ""}}}}),
    );
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    let encryption = &enabled.body["properties"]["encryption"];
    assert_eq!(encryption["keySource"], "Microsoft.Keyvault");
    assert!(
        encryption["keyvaultproperties"]["currentVersionedKeyIdentifier"]
            .as_str()
            .unwrap_or_default()
            .contains("/keys/storage-cmk-key/")
    );
    assert!(encryption.get("keyVaultProperties").is_none());
}

#[test]
fn user_assigned_identities_get_generated_ids_and_join_the_directory() {
    let mut world = demo_world();
    let target = format!("{}?api-version=2023-01-31", uai("id-new"));
    let created = owner_put(&mut world, &target, &json!({"location": "eastus"}));
    assert_eq!(created.status, StatusCode::CREATED);
    let principal = created.body["properties"]["principalId"]
        .as_str()
        .expect("principal");
    assert!(world.directory.service_principal(principal).is_some());
    assert_eq!(created.body["properties"]["tenantId"], DEMO_TENANT_ID);
    let again = owner_put(
        &mut world,
        &target,
        &json!({"location": "eastus", "tags": {"a": "b"}}),
    );
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        again.body["properties"]["principalId"],
        created.body["properties"]["principalId"]
    );
}

#[test]
fn the_large_scenario_builds_in_seconds() {
    let started = std::time::Instant::now();
    let mut world = World::new(
        Endpoints { port: PORT },
        Clock::starting_at(START, 0.0),
        FaultRules::new(0, 0.0),
    )
    .expect("world");
    crate::scenario::build("large", &mut world).expect("large builds");
    let elapsed = started.elapsed();
    let counts = summary(&world);
    assert_eq!(counts.get("subscriptions"), Some(&20));
    assert_eq!(counts.get("Microsoft.KeyVault/vaults"), Some(&1000));
    assert_eq!(
        counts.get("Microsoft.ContainerRegistry/registries"),
        Some(&500)
    );
    let keys = world.vaults.all_keys().count();
    assert_eq!(keys, 100_000);
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    eprintln!("large scenario built in {elapsed:?}");
}

#[test]
fn check_name_availability_answers_per_provider() {
    let mut world = demo_world();
    let unavailable = |reason: &str, message: &str| json!({"nameAvailable": false, "reason": reason, "message": message});
    // (provider path, name, expected answer)
    let cases = [
        (
            "Microsoft.ContainerRegistry",
            "crcontosoprod",
            unavailable(
                "AlreadyExists",
                "The registry crcontosoprod is already in use.",
            ),
        ),
        (
            "Microsoft.ContainerRegistry",
            "cr-x",
            unavailable(
                "Invalid",
                "The registry name 'cr-x' is invalid: a registry name has 5 to 50 characters, letters and digits only.",
            ),
        ),
        (
            "Microsoft.ContainerRegistry",
            "crbrandnew",
            json!({"nameAvailable": true}),
        ),
        (
            "Microsoft.KeyVault",
            "kv-contoso-dev",
            unavailable(
                "AlreadyExists",
                "The vault name 'kv-contoso-dev' is already in use. Vault names are globally unique so it is possible that the name is already taken.",
            ),
        ),
        (
            "Microsoft.KeyVault",
            "1kv",
            unavailable(
                "AccountNameInvalid",
                "The vault name '1kv' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens.",
            ),
        ),
        (
            "Microsoft.KeyVault",
            "kv-brand-new",
            json!({"nameAvailable": true}),
        ),
        (
            "Microsoft.Storage",
            "stcontosocmk",
            unavailable(
                "AlreadyExists",
                "The storage account named stcontosocmk is already taken.",
            ),
        ),
        (
            "Microsoft.Storage",
            "stbrandnew",
            json!({"nameAvailable": true}),
        ),
    ];
    for (provider, name, expected) in cases {
        let reply = owner_post(
            &mut world,
            &format!(
                "/subscriptions/{PROD_SUBSCRIPTION}/providers/{provider}/checkNameAvailability?api-version=2023-07-01"
            ),
            &json!({"name": name, "type": "whatever"}),
        );
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{provider} {name}: {}",
            reply.body
        );
        assert_eq!(reply.body, expected, "{provider} {name}");
    }
    let storage_invalid = owner_post(
        &mut world,
        &format!(
            "/subscriptions/{PROD_SUBSCRIPTION}/providers/Microsoft.Storage/checkNameAvailability?api-version=2023-05-01"
        ),
        &json!({"name": "Not_Valid"}),
    );
    assert_eq!(storage_invalid.body["reason"], "AccountNameInvalid");
    // Registries and vaults answer only POST.
    for provider in ["Microsoft.ContainerRegistry", "Microsoft.KeyVault"] {
        let reply = owner_get(
            &mut world,
            &format!(
                "/subscriptions/{PROD_SUBSCRIPTION}/providers/{provider}/checkNameAvailability?api-version=2023-07-01"
            ),
        );
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{provider}");
    }
}

#[test]
fn access_policy_add_merges_and_remove_drops_emptied_policies() {
    let mut world = demo_world();
    let object_id = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    let policy = |keys: Value| json!({"properties": {"accessPolicies": [{"tenantId": DEMO_TENANT_ID, "objectId": object_id, "permissions": {"keys": keys}}]}});
    let operation = |name: &str| {
        vault("kv-contoso-prod-cmk").replace("?api", &format!("/accessPolicies/{name}?api"))
    };
    let keys_of = |world: &mut World| -> Option<Value> {
        let vault = owner_get(world, &vault("kv-contoso-prod-cmk"));
        vault.body["properties"]["accessPolicies"]
            .as_array()
            .expect("policies")
            .iter()
            .find(|p| p["objectId"] == object_id)
            .map(|p| p["permissions"]["keys"].clone())
    };

    let added = owner_put(
        &mut world,
        &operation("add"),
        &policy(json!(["get", "wrapKey"])),
    );
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    // A second add merges, ignoring letter case: `WRAPKEY` is `wrapKey`.
    owner_put(
        &mut world,
        &operation("add"),
        &policy(json!(["WRAPKEY", "unwrapKey"])),
    );
    assert_eq!(
        keys_of(&mut world),
        Some(json!(["get", "wrapKey", "unwrapKey"]))
    );

    owner_put(
        &mut world,
        &operation("remove"),
        &policy(json!(["wrapkey"])),
    );
    assert_eq!(keys_of(&mut world), Some(json!(["get", "unwrapKey"])));
    // Removing the last permissions removes the policy.
    owner_put(
        &mut world,
        &operation("remove"),
        &policy(json!(["get", "unwrapKey"])),
    );
    assert_eq!(keys_of(&mut world), None);
}

#[test]
fn deleted_vaults_are_read_and_purged_by_name_unless_purge_protected() {
    let mut world = demo_world();
    let deleted_vault = |name: &str, action: &str| {
        format!(
            "/subscriptions/{PROD_SUBSCRIPTION}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/{name}{action}?api-version=2023-07-01"
        )
    };
    for name in ["kv-contoso-dev", "kv-contoso-prod-cmk"] {
        let deleted = owner_delete(&mut world, &vault(name));
        assert_eq!(deleted.status, StatusCode::OK, "{name}: {}", deleted.body);
    }

    let got = owner_get(&mut world, &deleted_vault("KV-CONTOSO-DEV", ""));
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.body["name"], "kv-contoso-dev");
    assert_eq!(got.body["properties"]["purgeProtectionEnabled"], false);

    let protected = owner_post(
        &mut world,
        &deleted_vault("kv-contoso-prod-cmk", "/purge"),
        &json!({}),
    );
    assert_eq!(protected.status, StatusCode::CONFLICT, "{}", protected.body);
    assert_eq!(protected.body["error"]["code"], "VaultPurgeProtected");

    let purged = owner_post(
        &mut world,
        &deleted_vault("kv-contoso-dev", "/purge"),
        &json!({}),
    );
    assert_eq!(purged.status, StatusCode::ACCEPTED, "{}", purged.body);
    for action in ["", "/purge"] {
        let gone = call(
            &mut world,
            &owner(),
            if action.is_empty() {
                Method::GET
            } else {
                Method::POST
            },
            &deleted_vault("kv-contoso-dev", action),
            None,
        );
        assert_eq!(
            gone.status,
            StatusCode::NOT_FOUND,
            "{action}: {}",
            gone.body
        );
        assert_eq!(
            gone.body["error"]["message"],
            "The deleted vault 'kv-contoso-dev' was not found."
        );
    }
}

/// Counts of what a world holds: subscriptions, groups, resources by type, role assignments.
fn summary(world: &World) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    counts.insert("subscriptions".to_owned(), world.arm.subscriptions.len());
    counts.insert("resourceGroups".to_owned(), world.arm.resource_groups.len());
    for resource in world.arm.resources.values() {
        *counts
            .entry(resource.resource_type().to_owned())
            .or_insert(0) += 1;
    }
    counts.insert(
        "roleAssignments".to_owned(),
        world.arm.role_assignments.len(),
    );
    counts
}
