//! Replays the Azure REST examples in `tests/data/azure-rest-examples/`
//! that Resource Manager serves: each example's request is sent, and the
//! response must have one of the example's statuses and its shape (every key of
//! the example's body present, with the same JSON type; arrays compared by their
//! first element).
//!
//! What a replay may change, and only this: template placeholders
//! (`{subscription-id}`, `{managed-identity-name}`), hosts the sandbox cannot
//! be (`*.vault.azure.net` becomes the sandbox vault), and, named per case, a
//! resource type or role the sandbox does not serve. Setup creates what the
//! example presupposes (its subscription, group, vault, key, identity).
//! `nextLink` may be absent on a last page, as the spec allows.

use std::path::PathBuf;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use serde_json::{Value, json};

use crate::arm;
use crate::clock::Clock;
use crate::entra::directory::{DEMO_CLIENT_ID, DEMO_CLIENT_OBJECT_ID, DEMO_TENANT_ID};
use crate::faults::FaultRules;
use crate::http::{Caller, PrincipalKind, Request};
use crate::scenario::{Step, apply};
use crate::world::{Endpoints, World};

const PORT: u16 = 47444;

/// The examples are the project's own test data (copied from the REST specs, see
/// the folder's README), so a clone anywhere replays them.
fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/azure-rest-examples")
}

/// An example with placeholders replaced.
fn example(file: &str, replacements: &[(&str, &str)]) -> Value {
    let mut text = std::fs::read_to_string(fixtures_dir().join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    for (from, to) in replacements {
        text = text.replace(from, to);
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn caller() -> Caller {
    Caller {
        tenant_id: DEMO_TENANT_ID.to_owned(),
        object_id: DEMO_CLIENT_OBJECT_ID.to_owned(),
        app_id: DEMO_CLIENT_ID.to_owned(),
        audience: "https://management.azure.com/".to_owned(),
        kind: PrincipalKind::ServicePrincipal,
    }
}

fn world() -> World {
    World::new(
        Endpoints { port: PORT },
        Clock::starting_at(1_780_000_000, 0.0),
        FaultRules::new(0, 0.0),
    )
    .expect("world")
}

fn steps(world: &mut World, values: Vec<Value>) {
    let steps: Vec<Step> = values
        .into_iter()
        .map(|v| serde_json::from_value(v).expect("step"))
        .collect();
    apply(world, &steps).expect("setup");
}

/// A subscription (any ID the example uses) owned by the caller, with groups.
fn subscription(world: &mut World, id: &str, groups: &[&str]) {
    world.arm.subscriptions.insert(
        id.to_ascii_lowercase(),
        crate::arm::store::Subscription {
            subscription_id: id.to_owned(),
            display_name: "Replay".to_owned(),
            tenant_id: DEMO_TENANT_ID.to_owned(),
            state: "Enabled".to_owned(),
        },
    );
    let mut values = vec![
        json!({"roleAssignment": {"scope": format!("/subscriptions/{id}"), "role": "Owner", "principalId": DEMO_CLIENT_OBJECT_ID}}),
    ];
    for group in groups {
        values.push(
            json!({"resourceGroup": {"subscription": id, "name": group, "location": "westus"}}),
        );
    }
    steps(world, values);
}

struct Reply {
    status: StatusCode,
    body: Value,
    headers: HeaderMap,
}

/// Sends a request to `target`, a path with its query (values taken as they are).
fn send(world: &mut World, method: Method, target: &str, body: Option<&Value>) -> Reply {
    world.tick();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let request = Request {
        method,
        host: "localhost".to_owned(),
        path: path.to_owned(),
        query: query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect(),
        headers: HeaderMap::new(),
        body: body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string())),
    };
    let response = arm::handle(world, &caller(), &request);
    let body = if response.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&response.body).expect("JSON")
    };
    Reply {
        status: response.status,
        body,
        headers: response.headers,
    }
}

/// Differences between the example's shape and the response's.
fn shape_errors(
    expected: &Value,
    actual: &Value,
    path: &str,
    ignored: &[&str],
    errors: &mut Vec<String>,
) {
    if ignored.contains(&path) || expected.is_null() {
        return;
    }
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    if kind(expected) != kind(actual) {
        errors.push(format!(
            "{path}: expected {}, got {} ({actual})",
            kind(expected),
            kind(actual)
        ));
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let child = format!("{path}/{key}");
                match a.get(key) {
                    Some(found) => shape_errors(value, found, &child, ignored, errors),
                    None if key == "nextLink" || ignored.contains(&child.as_str()) => {}
                    None => errors.push(format!("{child}: missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => match (e.first(), a.first()) {
            (Some(first), Some(found)) => {
                shape_errors(first, found, &format!("{path}/0"), ignored, errors)
            }
            (Some(_), None) => errors.push(format!("{path}: empty, the example has items")),
            _ => {}
        },
        _ => {}
    }
}

/// Checks a reply against the example: a status the example lists, and that status's body shape.
fn check(file: &str, example: &Value, reply: &Reply, ignored: &[&str]) {
    let status = reply.status.as_u16().to_string();
    let responses = example["responses"].as_object().expect("responses");
    let Some(expected) = responses.get(&status) else {
        panic!(
            "{file}: status {status} is not among the example's {:?}: {}",
            responses.keys().collect::<Vec<_>>(),
            reply.body
        );
    };
    let mut errors = Vec::new();
    if let Some(body) = expected.get("body") {
        shape_errors(body, &reply.body, "", ignored, &mut errors);
    }
    for (header, _) in expected
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if !reply
            .headers
            .contains_key(header.to_ascii_lowercase().as_str())
            && !ignored.contains(&header.as_str())
        {
            errors.push(format!("header {header}: missing"));
        }
    }
    assert!(
        errors.is_empty(),
        "{file} ({status}):\n{}\nbody: {}",
        errors.join("\n"),
        reply.body
    );
}

fn params(example: &Value) -> &Value {
    &example["parameters"]
}

fn p<'a>(example: &'a Value, name: &str) -> &'a str {
    params(example)[name]
        .as_str()
        .unwrap_or_else(|| panic!("parameter {name}"))
}

/// `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{provider_type}/{name}`
/// from the example's parameters.
fn resource_path(example: &Value, provider_type: &str, name_parameter: &str) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/{provider_type}/{}",
        p(example, "subscriptionId"),
        p(example, "resourceGroupName"),
        p(example, name_parameter)
    )
}

/// Sends the example's request to `target` (a path with its query) with the
/// example's parameter `body_parameter` as the body, and checks the reply
/// against the example's responses.
fn replay(
    world: &mut World,
    name: &str,
    example: &Value,
    method: Method,
    target: &str,
    body_parameter: Option<&str>,
    ignored: &[&str],
) -> Reply {
    let body = body_parameter.map(|parameter| &params(example)[parameter]);
    let reply = send(world, method, target, body);
    check(name, example, &reply, ignored);
    reply
}
const OLD_HSM_POOL: &str = "/properties/hsmPoolResourceId";

#[test]
fn container_registry_examples() {
    let mut world = world();
    let create = example("containerregistry/Registries_Create.2025-11-01.json", &[]);
    let sub = p(&create, "subscriptionId");
    subscription(&mut world, sub, &[p(&create, "resourceGroupName")]);
    let registry = format!(
        "{}?api-version=2025-11-01",
        resource_path(
            &create,
            "Microsoft.ContainerRegistry/registries",
            "registryName"
        )
    );
    let put = |world: &mut World, name: &str| {
        replay(
            world,
            name,
            &create,
            Method::PUT,
            &registry,
            Some("registry"),
            &[],
        );
    };
    put(&mut world, "Registries_Create (new)");
    world.clock.advance(std::time::Duration::from_secs(5));
    put(&mut world, "Registries_Create (existing)");

    let get = example("containerregistry/Registries_Get.2025-11-01.json", &[]);
    world.clock.advance(std::time::Duration::from_secs(5));
    replay(
        &mut world,
        "Registries_Get",
        &get,
        Method::GET,
        &registry,
        None,
        &[],
    );

    let update = example("containerregistry/Registries_Update.2025-11-01.json", &[]);
    let reply = replay(
        &mut world,
        "Registries_Update (in progress)",
        &update,
        Method::PATCH,
        &registry,
        Some("registryUpdateParameters"),
        &[],
    );
    assert_eq!(
        reply.body["properties"]["roleAssignmentMode"],
        "AbacRepositoryPermissions"
    );

    let list = example("containerregistry/Registries_List.2025-11-01.json", &[]);
    replay(
        &mut world,
        "Registries_List",
        &list,
        Method::GET,
        &format!(
            "/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/registries?api-version=2025-11-01"
        ),
        None,
        &[],
    );
}

const ACCOUNTS: &str = "Microsoft.CognitiveServices/accounts";

#[test]
fn cognitive_services_examples() {
    let mut world = world();
    let api = "api-version=2025-09-01";
    let create = example(
        "cognitiveservices/Accounts_Create.CreateAccount.2025-09-01.json",
        &[],
    );
    subscription(
        &mut world,
        p(&create, "subscriptionId"),
        &[p(&create, "resourceGroupName"), "bvttest"],
    );
    let account = resource_path(&create, ACCOUNTS, "accountName");
    replay(
        &mut world,
        "Accounts_Create",
        &create,
        Method::PUT,
        &format!("{account}?{api}"),
        Some("account"),
        &[],
    );

    let update = example(
        "cognitiveservices/Accounts_Update.UpdateAccount.2025-09-01.json",
        &[],
    );
    let update_account = format!("{}?{api}", resource_path(&update, ACCOUNTS, "accountName"));
    let setup = send(
        &mut world,
        Method::PUT,
        &update_account,
        Some(&json!({"location": "global", "kind": "Bing.Search", "sku": {"name": "S1"}})),
    );
    assert_eq!(setup.status, StatusCode::CREATED, "{}", setup.body);
    // The example's 200 carries Location and azure-AsyncOperation; the sandbox completes the PATCH synchronously.
    let reply = replay(
        &mut world,
        "Accounts_Update",
        &update,
        Method::PATCH,
        &update_account,
        Some("account"),
        &["Location", "azure-AsyncOperation"],
    );
    assert_eq!(reply.body["sku"]["name"], "S2");

    let get = example(
        "cognitiveservices/Accounts_Get.GetAccount.2022-10-01.json",
        &[],
    );
    subscription(
        &mut world,
        p(&get, "subscriptionId"),
        &[p(&get, "resourceGroupName")],
    );
    let get_account = resource_path(&get, ACCOUNTS, "accountName");
    let body = json!({"location": "westus", "kind": "Emotion", "sku": {"name": "F0"}, "tags": get["responses"]["200"]["body"]["tags"]});
    send(
        &mut world,
        Method::PUT,
        &format!("{get_account}?{api}"),
        Some(&body),
    );
    replay(
        &mut world,
        "Accounts_Get",
        &get,
        Method::GET,
        &format!("{get_account}?api-version=2022-10-01"),
        None,
        &[],
    );
}

const STORAGE_SUB: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const STORAGE_ACCOUNTS: &str = "Microsoft.Storage/storageAccounts";

fn storage_replacements(vault_uri: &str) -> Vec<(&'static str, String)> {
    vec![
        ("{subscription-id}", STORAGE_SUB.to_owned()),
        (
            "00000000-0000-0000-0000-000000000000",
            STORAGE_SUB.to_owned(),
        ),
        ("{managed-identity-name}", "id-replay".to_owned()),
        (
            "https://myvault8569.vault.azure.net",
            vault_uri.trim_end_matches('/').to_owned(),
        ),
    ]
}

fn storage_world() -> (World, String) {
    let mut world = world();
    subscription(
        &mut world,
        STORAGE_SUB,
        &["res9101", "res9407", "res131918"],
    );
    let vault_id = format!(
        "/subscriptions/{STORAGE_SUB}/resourceGroups/res9101/providers/Microsoft.KeyVault/vaults/myvault8569"
    );
    let identity = format!(
        "/subscriptions/{STORAGE_SUB}/resourceGroups/res9101/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-replay"
    );
    steps(
        &mut world,
        vec![
            json!({"put": {"id": vault_id, "body": {"location": "eastus", "properties": {"tenantId": DEMO_TENANT_ID, "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}}}}),
            json!({"key": {"vault": "myvault8569", "name": "wrappingKey", "expiresInDays": 365}}),
            json!({"put": {"id": identity, "body": {"location": "eastus"}}}),
            json!({"grantKeys": {"vault": "myvault8569", "objectId": format!("${{principalId:{identity}}}"), "permissions": ["get", "wrapKey", "unwrapKey"]}}),
        ],
    );
    let uri = world.endpoints.vault_uri("myvault8569");
    (world, uri)
}

fn replaced(file: &str, vault_uri: &str) -> Value {
    let owned = storage_replacements(vault_uri);
    let pairs: Vec<(&str, &str)> = owned.iter().map(|(a, b)| (*a, b.as_str())).collect();
    example(file, &pairs)
}

/// Creates the example's account with a system-assigned identity and grants
/// it the key; the account's path with the query.
fn system_identity_account(world: &mut World, example: &Value, extra: Value) -> String {
    let account = format!(
        "{}?api-version=2025-08-01",
        resource_path(example, STORAGE_ACCOUNTS, "accountName")
    );
    let mut body = json!({"location": "eastus2", "kind": "Storage", "sku": {"name": "Standard_GRS"}, "identity": {"type": "SystemAssigned"}, "properties": extra});
    body["tags"] = json!({"key1": "value1", "key2": "value2"});
    let reply = send(world, Method::PUT, &account, Some(&body));
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let principal = reply.body["identity"]["principalId"]
        .as_str()
        .expect("system identity")
        .to_owned();
    steps(
        world,
        vec![
            json!({"grantKeys": {"vault": "myvault8569", "objectId": principal, "permissions": ["get", "wrapKey", "unwrapKey"]}}),
        ],
    );
    account
}

#[test]
fn storage_examples() {
    let (mut world, uri) = storage_world();

    let create = replaced(
        "storage/StorageAccounts_Create.StorageAccountCreateUserAssignedEncryptionIdentityWithCMK.2025-06-01.json",
        &uri,
    );
    replay(
        &mut world,
        "StorageAccounts_Create (UAI CMK)",
        &create,
        Method::PUT,
        &format!(
            "{}?api-version=2025-06-01",
            resource_path(&create, STORAGE_ACCOUNTS, "accountName")
        ),
        Some("parameters"),
        &[],
    );

    let enable = replaced(
        "storage/StorageAccounts_Update.StorageAccountEnableCMK.2025-08-01.json",
        &uri,
    );
    let account = system_identity_account(&mut world, &enable, json!({}));
    replay(
        &mut world,
        "StorageAccounts_Update (enable CMK)",
        &enable,
        Method::PATCH,
        &account,
        Some("parameters"),
        &[],
    );

    let get = replaced(
        "storage/StorageAccounts_GetProperties.StorageAccountGetPropertiesCMKVersionExpirationTime.2025-08-01.json",
        &uri,
    );
    let account = system_identity_account(
        &mut world,
        &get,
        json!({"isHnsEnabled": true, "routingPreference": {"routingChoice": "MicrosoftRouting", "publishMicrosoftEndpoints": true, "publishInternetEndpoints": true}}),
    );
    let key = json!({"properties": {"encryption": {"keySource": "Microsoft.Keyvault", "keyvaultproperties": {"keyvaulturi": uri, "keyname": "wrappingKey", "keyversion": ""}}}});
    let patched = send(&mut world, Method::PATCH, &account, Some(&key));
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    // geoReplicationStats appears only with $expand=geoReplicationStats, which the example does not send.
    replay(
        &mut world,
        "StorageAccounts_GetProperties (CMK expiration)",
        &get,
        Method::GET,
        &account,
        None,
        &["/properties/geoReplicationStats"],
    );

    let federated = replaced(
        "storage/StorageAccounts_Update.StorageAccountUpdateUserAssignedIdentityWithFederatedIdentityClientId.2025-08-01.json",
        &uri,
    );
    let account = format!(
        "{}?api-version=2025-08-01",
        resource_path(&federated, STORAGE_ACCOUNTS, "accountName")
    );
    let setup = send(
        &mut world,
        Method::PUT,
        &account,
        Some(&json!({"location": "eastus", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}})),
    );
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
    replay(
        &mut world,
        "StorageAccounts_Update (federated identity)",
        &federated,
        Method::PATCH,
        &account,
        Some("parameters"),
        &[],
    );
}

#[test]
fn key_vault_management_examples() {
    let mut world = world();
    let api = "api-version=2025-05-01";
    let create = example(
        "keyvault-mgmt/Vaults_CreateOrUpdate.createVaultWithNetworkAcls.2025-05-01.json",
        &[],
    );
    let sub = p(&create, "subscriptionId");
    subscription(
        &mut world,
        sub,
        &[p(&create, "resourceGroupName"), "sample-group"],
    );
    let vault = format!(
        "{}?{api}",
        resource_path(&create, "Microsoft.KeyVault/vaults", "vaultName")
    );
    // hsmPoolResourceId is a retired property (pooled HSMs) that current vaults no longer carry.
    let reply = replay(
        &mut world,
        "Vaults_CreateOrUpdate (networkAcls)",
        &create,
        Method::PUT,
        &vault,
        Some("parameters"),
        &[OLD_HSM_POOL],
    );
    assert_eq!(
        reply.body["properties"]["networkAcls"]["ipRules"][0]["value"],
        "124.56.78.91/32"
    );

    let get = example("keyvault-mgmt/Vaults_Get.getVault.2025-05-01.json", &[]);
    let mut body = params(&create)["parameters"].clone();
    body["properties"]["accessPolicies"] =
        get["responses"]["200"]["body"]["properties"]["accessPolicies"].clone();
    send(&mut world, Method::PUT, &vault, Some(&body));
    replay(
        &mut world,
        "Vaults_Get",
        &get,
        Method::GET,
        &vault,
        None,
        &[OLD_HSM_POOL],
    );

    // The next examples use the same (global) vault name in another group: a fresh sandbox.
    let mut world = self::world();
    subscription(&mut world, sub, &["sample-group"]);
    let add = example(
        "keyvault-mgmt/Vaults_UpdateAccessPolicy.updateAccessPoliciesAdd.2025-05-01.json",
        &[],
    );
    let add_vault = format!(
        "/subscriptions/{sub}/resourceGroups/sample-group/providers/Microsoft.KeyVault/vaults/{}",
        p(&add, "vaultName")
    );
    let vault_body = json!({"location": "westus", "properties": {"tenantId": sub, "sku": {"family": "A", "name": "premium"}, "accessPolicies": []}});
    for vault in [
        add_vault.clone(),
        add_vault.replace("/sample-vault", "/sample-vault-2"),
    ] {
        let created = send(
            &mut world,
            Method::PUT,
            &format!("{vault}?{api}"),
            Some(&vault_body),
        );
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
    replay(
        &mut world,
        "Vaults_UpdateAccessPolicy (add)",
        &add,
        Method::PUT,
        &format!("{add_vault}/accessPolicies/add?{api}"),
        Some("parameters"),
        &[],
    );

    let list = example(
        "keyvault-mgmt/Vaults_ListBySubscription.listVaultBySubscription.2025-05-01.json",
        &[],
    );
    let reply = replay(
        &mut world,
        "Vaults_ListBySubscription ($top=1)",
        &list,
        Method::GET,
        &format!("/subscriptions/{sub}/providers/Microsoft.KeyVault/vaults?{api}&$top=1"),
        None,
        &["/value/0/properties/hsmPoolResourceId"],
    );
    assert!(
        reply.body["nextLink"].is_string(),
        "two vaults, one per page: {}",
        reply.body
    );
}

#[test]
fn authorization_examples() {
    let mut world = world();
    let api = "api-version=2022-04-01";
    let list = example(
        "authorization/RoleAssignments_ListForScope.2022-04-01.json",
        &[],
    );
    let sub = p(&list, "scope")
        .trim_start_matches("subscriptions/")
        .to_owned();
    subscription(&mut world, &sub, &["testrg"]);
    replay(
        &mut world,
        "RoleAssignments_ListForScope",
        &list,
        Method::GET,
        &format!(
            "/{}/providers/Microsoft.Authorization/roleAssignments?{api}",
            p(&list, "scope")
        ),
        None,
        &[],
    );

    // The sandbox serves no Cosmos DB and ships a subset of built-in roles: the example's
    // database account becomes a registry, and its role the built-in Reader.
    let create = example(
        "authorization/RoleAssignments_CreateForResource.2022-04-01.json",
        &[
            (
                "Microsoft.DocumentDb/databaseAccounts/test-db-account",
                "Microsoft.ContainerRegistry/registries/testdbaccount",
            ),
            ("0b5fe924-9a61-425c-96af-cfe6e287ca2d", crate::rbac::READER),
        ],
    );
    steps(
        &mut world,
        vec![
            json!({"put": {"id": format!("/subscriptions/{sub}/resourceGroups/testrg/providers/Microsoft.ContainerRegistry/registries/testdbaccount"), "body": {"location": "westus", "sku": {"name": "Basic"}}}}),
        ],
    );
    replay(
        &mut world,
        "RoleAssignments_CreateForResource",
        &create,
        Method::PUT,
        &format!(
            "/{}/providers/Microsoft.Authorization/roleAssignments/{}?{api}",
            p(&create, "scope"),
            p(&create, "roleAssignmentName")
        ),
        Some("parameters"),
        &[],
    );

    // The built-in role as Microsoft documents it (the CLI's flattened shape): same content.
    let documented = example(
        "authorization/RoleDefinition.KeyVaultCryptoServiceEncryptionUser.json",
        &[],
    );
    let reply = send(
        &mut world,
        Method::GET,
        &format!(
            "/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6?{api}"
        ),
        None,
    );
    assert_eq!(reply.status, StatusCode::OK);
    let properties = &reply.body["properties"];
    assert_eq!(reply.body["id"], documented["id"]);
    assert_eq!(reply.body["name"], documented["name"]);
    assert_eq!(reply.body["type"], documented["type"]);
    assert_eq!(properties["roleName"], documented["roleName"]);
    assert_eq!(properties["type"], documented["roleType"]);
    assert_eq!(properties["description"], documented["description"]);
    assert_eq!(
        properties["assignableScopes"],
        documented["assignableScopes"]
    );
    assert_eq!(properties["permissions"], documented["permissions"]);
}

#[test]
fn managed_identity_examples() {
    let mut world = world();
    let api = "api-version=2024-11-30";
    let get = example("msi/UserAssignedIdentities_Get.2024-11-30.json", &[]);
    let (sub, rg) = (p(&get, "subscriptionId"), p(&get, "resourceGroupName"));
    subscription(&mut world, sub, &[rg]);
    let identity = format!(
        "{}?{api}",
        resource_path(
            &get,
            "Microsoft.ManagedIdentity/userAssignedIdentities",
            "resourceName"
        )
    );
    send(
        &mut world,
        Method::PUT,
        &identity,
        Some(&json!({"location": "eastus", "tags": get["responses"]["200"]["body"]["tags"]})),
    );
    replay(
        &mut world,
        "UserAssignedIdentities_Get",
        &get,
        Method::GET,
        &identity,
        None,
        &[],
    );

    let list = example(
        "msi/UserAssignedIdentities_ListBySubscription.2024-11-30.json",
        &[],
    );
    replay(
        &mut world,
        "UserAssignedIdentities_ListBySubscription",
        &list,
        Method::GET,
        &format!(
            "/subscriptions/{sub}/providers/Microsoft.ManagedIdentity/userAssignedIdentities?{api}"
        ),
        None,
        &[],
    );

    // The example's scope is a placeholder resource; the replay asks a registry with a system identity.
    let system = example(
        "msi/SystemAssignedIdentities_GetByScope.2024-11-30.json",
        &[],
    );
    let registry = format!(
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/crreplay"
    );
    steps(
        &mut world,
        vec![
            json!({"put": {"id": registry, "body": {"location": "eastus", "sku": {"name": "Basic"}, "identity": {"type": "SystemAssigned"}}}}),
        ],
    );
    replay(
        &mut world,
        "SystemAssignedIdentities_GetByScope",
        &system,
        Method::GET,
        &format!("{registry}/providers/Microsoft.ManagedIdentity/identities/default?{api}"),
        None,
        &[],
    );
}

#[test]
fn resource_graph_examples() {
    let mut world = world();
    let filter = example("resourcegraph/Resources.FilterQuery.2024-04-01.json", &[]);
    let sub = params(&filter)["query"]["subscriptions"][0]
        .as_str()
        .expect("subscription")
        .to_owned();
    subscription(&mut world, &sub, &["RG1"]);
    let mut values = Vec::new();
    for i in 0..5 {
        values.push(json!({"put": {"id": format!("/subscriptions/{sub}/resourceGroups/RG1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-test-{i}"), "body": {"location": "eastus"}}}));
    }
    steps(&mut world, values);
    let graph = "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01";
    // The sandbox has no virtual machines, so the filter matches nothing.
    let reply = replay(
        &mut world,
        "Resources (filter query)",
        &filter,
        Method::POST,
        graph,
        Some("query"),
        &["/data"],
    );
    assert_eq!(reply.body["totalRecords"], 0);

    let first = example(
        "resourcegraph/Resources.FirstPageQuery.2024-04-01.json",
        &[],
    );
    let reply = replay(
        &mut world,
        "Resources (first page)",
        &first,
        Method::POST,
        graph,
        Some("query"),
        &[],
    );
    assert_eq!(reply.body["totalRecords"], 5);
    let token = reply.body["$skipToken"]
        .as_str()
        .expect("a second page")
        .to_owned();

    let next = example("resourcegraph/Resources.NextPageQuery.2024-04-01.json", &[]);
    let mut query = params(&next)["query"].clone();
    query["options"]["$skipToken"] = Value::String(token);
    let reply = send(&mut world, Method::POST, graph, Some(&query));
    // A last page has no $skipToken.
    check("Resources (next page)", &next, &reply, &["/$skipToken"]);
    assert_eq!(reply.body["count"], 2);
}
