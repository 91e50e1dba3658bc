//! Scenarios: what the sandbox holds when it starts (`--scenario demo|large|empty|FILE`).
//!
//! Every scenario is a list of [`Step`]s applied in order through the same code
//! the HTTP handlers use, so a scenario cannot hold a state Azure would refuse
//! (a CMK registry whose identity never had access to its key, for example).
//! A `FILE` scenario is that list as JSON: see [`ScenarioFile`] and the README.
//!
//! Strings in `put` bodies, role assignments and access policies may contain
//! placeholders, resolved when the step runs:
//! `${tenantId}`, `${vaultUri:VAULT}`, `${keyId:VAULT/KEY}` (unversioned),
//! `${keyVersion:VAULT/KEY}` (newest version), `${keyIdVersioned:VAULT/KEY}`,
//! `${clientId:UAI_ID}`, `${principalId:UAI_ID}`, `${systemPrincipalId:RESOURCE_ID}`.

pub mod demo;
pub mod large;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::arm::id::ResourceId;
use crate::arm::store::{Subscription, timestamp};
use crate::keyvault::{KeyType, NewKey};
use crate::world::World;

/// Fills `world` (which already has the built-in tenants and principals) with a scenario.
/// Its grants work at once, whatever the world's propagation delay (see [`apply`]).
pub fn build(name: &str, world: &mut World) -> Result<(), String> {
    settled(world, |world| build_unsettled(name, world))
}

/// Runs `f` with the propagation delay off: scenarios describe a settled
/// tenant, not grants just made.
fn settled<T>(world: &mut World, f: impl FnOnce(&mut World) -> T) -> T {
    let delay = std::mem::take(&mut world.propagation.delay_secs);
    let result = f(world);
    world.propagation.delay_secs = delay;
    result
}

fn build_unsettled(name: &str, world: &mut World) -> Result<(), String> {
    match name {
        "empty" => Ok(()),
        "demo" => apply(world, &demo::steps()),
        "large" => large::build(world),
        path => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!("the scenario '{path}' is neither demo, large nor empty, and it could not be read as a file: {e}")
            })?;
            let file: ScenarioFile = serde_json::from_str(&text)
                .map_err(|e| format!("the scenario file '{path}' is not a valid scenario: {e}"))?;
            apply(world, &file.steps).map_err(|e| format!("the scenario file '{path}' failed: {e}"))
        }
    }
}

/// A scenario file: `{"steps": [ {"subscription": {...}}, {"put": {...}}, ... ]}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioFile {
    pub steps: Vec<Step>,
}

/// One change to the world. JSON form: `{"<stepName>": { fields }}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Step {
    /// A subscription in a tenant (default: the demo tenant).
    #[serde(rename_all = "camelCase")]
    Subscription {
        id: String,
        display_name: String,
        #[serde(default)]
        tenant_id: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    ResourceGroup {
        subscription: String,
        name: String,
        location: String,
    },
    /// An application's service principal; with a secret it can sign in with client credentials.
    #[serde(rename_all = "camelCase")]
    ServicePrincipal {
        client_id: String,
        object_id: String,
        display_name: String,
        #[serde(default)]
        secret: Option<String>,
        #[serde(default)]
        tenant_id: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    User {
        object_id: String,
        user_principal_name: String,
        display_name: String,
        #[serde(default)]
        tenant_id: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Group {
        object_id: String,
        display_name: String,
        members: Vec<String>,
        #[serde(default)]
        tenant_id: Option<String>,
    },
    /// `role`: a built-in role name ("Owner") or GUID.
    #[serde(rename_all = "camelCase")]
    RoleAssignment {
        scope: String,
        role: String,
        principal_id: String,
        #[serde(default)]
        name: Option<String>,
    },
    /// A PUT of an ARM resource: vaults, user-assigned identities, registries,
    /// storage accounts, Cognitive Services accounts.
    #[serde(rename_all = "camelCase")]
    Put { id: String, body: Value },
    /// Deletes an ARM resource (a user-assigned identity, to leave a CMK resource without its identity).
    #[serde(rename_all = "camelCase")]
    Delete { id: String },
    /// Creates a key, or `versions` more versions of it. `kty`: RSA, RSA-HSM, EC, EC-HSM.
    #[serde(rename_all = "camelCase")]
    Key {
        vault: String,
        name: String,
        #[serde(default = "default_kty")]
        kty: String,
        #[serde(default)]
        size: Option<u32>,
        #[serde(default)]
        curve: Option<String>,
        #[serde(default = "one")]
        versions: u32,
        #[serde(default)]
        expires_in_days: Option<i64>,
        /// Backdates creation by this many days.
        #[serde(default)]
        age_days: Option<i64>,
    },
    /// Disables one version, or every version when `version` is absent.
    #[serde(rename_all = "camelCase")]
    DisableKey {
        vault: String,
        name: String,
        #[serde(default)]
        version: Option<String>,
    },
    /// Soft-deletes a key (it can be recovered or purged through Key Vault).
    #[serde(rename_all = "camelCase")]
    DeleteKey { vault: String, name: String },
    /// Adds key permissions for `objectId` to an access-policy vault.
    #[serde(rename_all = "camelCase")]
    GrantKeys {
        vault: String,
        object_id: String,
        permissions: Vec<String>,
    },
    /// Removes `objectId`'s access policy from a vault.
    #[serde(rename_all = "camelCase")]
    RevokeKeys { vault: String, object_id: String },
}

fn default_kty() -> String {
    "RSA".to_owned()
}

fn one() -> u32 {
    1
}

/// Applies steps in order; the first failure stops with the step's number and reason.
///
/// A scenario describes a settled tenant, so its grants work at once even when
/// the world has an access propagation delay (see `propagation`).
pub fn apply(world: &mut World, steps: &[Step]) -> Result<(), String> {
    settled(world, |world| {
        steps.iter().enumerate().try_for_each(|(index, step)| {
            apply_step(world, step)
                .map_err(|e| format!("step {} ({}): {e}", index + 1, step_name(step)))
        })
    })
}

fn step_name(step: &Step) -> String {
    serde_json::to_value(step)
        .ok()
        .and_then(|v| v.as_object().and_then(|m| m.keys().next().cloned()))
        .unwrap_or_default()
}

fn tenant_or_demo(tenant: &Option<String>) -> String {
    tenant
        .clone()
        .unwrap_or_else(|| crate::entra::directory::DEMO_TENANT_ID.to_owned())
}

pub fn apply_step(world: &mut World, step: &Step) -> Result<(), String> {
    let now = timestamp(world.clock.now());
    let now_unix = world.clock.now_unix();
    match step {
        Step::Subscription {
            id,
            display_name,
            tenant_id,
        } => {
            let id =
                crate::arm::id::parse_guid(id).ok_or_else(|| format!("'{id}' is not a GUID"))?;
            world.arm.subscriptions.insert(
                id.clone(),
                Subscription {
                    subscription_id: id,
                    display_name: display_name.clone(),
                    tenant_id: tenant_or_demo(tenant_id),
                    state: "Enabled".to_owned(),
                },
            );
        }
        Step::ResourceGroup {
            subscription,
            name,
            location,
        } => {
            let sub = world
                .arm
                .subscription(subscription)
                .map_err(|e| e.message)?
                .subscription_id
                .clone();
            world.arm.resource_groups.insert(
                crate::arm::store::group_key(&sub, name),
                crate::arm::store::ResourceGroup {
                    id: format!("/subscriptions/{sub}/resourceGroups/{name}"),
                    name: name.clone(),
                    location: crate::arm::resources::normalise_location(location),
                    tags: serde_json::Map::new(),
                },
            );
        }
        Step::ServicePrincipal {
            client_id,
            object_id,
            display_name,
            secret,
            tenant_id,
        } => world.directory.add_service_principal(
            client_id,
            object_id,
            &tenant_or_demo(tenant_id),
            display_name,
            secret.as_deref(),
        ),
        Step::User {
            object_id,
            user_principal_name,
            display_name,
            tenant_id,
        } => world.directory.add_user(
            object_id,
            &tenant_or_demo(tenant_id),
            user_principal_name,
            display_name,
        ),
        Step::Group {
            object_id,
            display_name,
            members,
            tenant_id,
        } => {
            let members: Vec<&str> = members.iter().map(String::as_str).collect();
            world.directory.add_group(
                object_id,
                &tenant_or_demo(tenant_id),
                display_name,
                &members,
            );
        }
        Step::RoleAssignment {
            scope,
            role,
            principal_id,
            name,
        } => {
            let role = crate::rbac::built_in_role(role)
                .ok_or_else(|| format!("'{role}' is not a built-in role"))?;
            let principal_id = substitute_str(world, principal_id)?;
            let scope = canonical_scope(world, scope)?;
            let name = name
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            crate::arm::authorization::create_assignment(
                world,
                &scope,
                &name,
                role.id,
                &principal_id,
                None,
                None,
                &now,
                None,
            )
            .map_err(|e| e.message)?;
        }
        Step::Put { id, body } => {
            let body = substitute(world, body)?;
            put(world, id, &body, &now)?;
        }
        Step::Delete { id } => {
            let resource = world
                .arm
                .resource(id)
                .cloned()
                .ok_or_else(|| format!("no resource '{id}'"))?;
            if let Some(principal) = resource
                .body
                .pointer("/properties/principalId")
                .and_then(Value::as_str)
                && resource
                    .resource_type()
                    .eq_ignore_ascii_case(crate::arm::identity::UAI_TYPE)
            {
                world.directory.remove_principal(principal);
            }
            crate::arm::identity::forget_resource(world, resource.id());
            world
                .arm
                .resources
                .remove(&crate::arm::id::key(resource.id()));
        }
        Step::Key {
            vault,
            name,
            kty,
            size,
            curve,
            versions,
            expires_in_days,
            age_days,
        } => {
            let created = now_unix - age_days.unwrap_or(0) * 86_400;
            for _ in 0..(*versions).max(1) {
                let mut spec = match KeyType::parse(kty) {
                    Some(KeyType::Rsa) => NewKey::rsa(size.unwrap_or(2048)),
                    Some(KeyType::RsaHsm) => NewKey::rsa_hsm(size.unwrap_or(2048)),
                    Some(KeyType::Ec) => NewKey::ec(curve.as_deref().unwrap_or("P-256")),
                    Some(KeyType::EcHsm) => NewKey {
                        kty: KeyType::EcHsm,
                        ..NewKey::ec(curve.as_deref().unwrap_or("P-256"))
                    },
                    None => {
                        return Err(format!(
                            "'{kty}' is not a key type (RSA, RSA-HSM, EC, EC-HSM)"
                        ));
                    }
                };
                spec.expires = expires_in_days.map(|d| created + d * 86_400);
                world
                    .vaults
                    .create_key(vault, name, spec, created)
                    .map_err(|e| format!("{e:?}"))?;
            }
        }
        Step::DisableKey {
            vault,
            name,
            version,
        } => {
            let versions: Vec<String> = match version {
                Some(v) => vec![v.clone()],
                None => world
                    .vaults
                    .key(vault, name)
                    .ok_or_else(|| format!("no key '{name}' in '{vault}'"))?
                    .versions
                    .iter()
                    .map(|v| v.version.clone())
                    .collect(),
            };
            for v in versions {
                world
                    .vaults
                    .set_enabled(vault, name, Some(&v), false, now_unix)
                    .map_err(|e| format!("{e:?}"))?;
            }
        }
        Step::DeleteKey { vault, name } => {
            let retention = world
                .arm
                .vault_by_name(vault)
                .and_then(|v| v.body.pointer("/properties/softDeleteRetentionInDays"))
                .and_then(Value::as_i64)
                .unwrap_or(90);
            world
                .vaults
                .delete_key(vault, name, now_unix, retention)
                .map_err(|e| format!("{e:?}"))?;
        }
        Step::GrantKeys {
            vault,
            object_id,
            permissions,
        } => {
            let object_id = substitute_str(world, object_id)?;
            edit_policies(world, vault, |policies, tenant| {
                match policies.iter_mut().find(|p| {
                    p["objectId"]
                        .as_str()
                        .is_some_and(|o| o.eq_ignore_ascii_case(&object_id))
                }) {
                    Some(policy) => {
                        let keys = policy["permissions"]["keys"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default();
                        let mut merged = keys;
                        for perm in permissions {
                            if !merged
                                .iter()
                                .any(|k| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(perm)))
                            {
                                merged.push(Value::String(perm.clone()));
                            }
                        }
                        policy["permissions"]["keys"] = Value::Array(merged);
                    }
                    None => policies.push(serde_json::json!({
                        "tenantId": tenant,
                        "objectId": object_id,
                        "permissions": {"keys": permissions, "secrets": [], "certificates": []}
                    })),
                }
            })?;
        }
        Step::RevokeKeys { vault, object_id } => {
            let object_id = substitute_str(world, object_id)?;
            edit_policies(world, vault, |policies, _| {
                policies.retain(|p| {
                    !p["objectId"]
                        .as_str()
                        .is_some_and(|o| o.eq_ignore_ascii_case(&object_id))
                });
            })?;
        }
    }
    Ok(())
}

fn edit_policies(
    world: &mut World,
    vault: &str,
    edit: impl FnOnce(&mut Vec<Value>, &str),
) -> Result<(), String> {
    let resource = world
        .arm
        .vault_by_name(vault)
        .cloned()
        .ok_or_else(|| format!("no vault '{vault}'"))?;
    let mut body = resource.body.clone();
    let tenant = body
        .pointer("/properties/tenantId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut policies = body
        .pointer("/properties/accessPolicies")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    edit(&mut policies, &tenant);
    body["properties"]["accessPolicies"] = Value::Array(policies);
    crate::propagation::record_vault_grants(world, Some(&resource.body), &body);
    world.arm.replace_body(resource.id(), body);
    Ok(())
}

/// A scope in Azure's spelling (group and resource casing as stored).
fn canonical_scope(world: &World, scope: &str) -> Result<String, String> {
    use crate::arm::id::Scope;
    match Scope::parse_str(scope).ok_or_else(|| format!("'{scope}' is not a scope"))? {
        Scope::Root => Ok("/".to_owned()),
        Scope::Subscription { subscription } => Ok(format!(
            "/subscriptions/{}",
            world
                .arm
                .subscription(&subscription)
                .map_err(|e| e.message)?
                .subscription_id
        )),
        Scope::ResourceGroup {
            subscription,
            group,
        } => Ok(world
            .arm
            .group(&subscription, &group)
            .map_err(|e| e.message)?
            .id
            .clone()),
        Scope::Resource { types_names, .. } => {
            let top_len = scope
                .split('/')
                .filter(|s| !s.is_empty())
                .count()
                .saturating_sub((types_names.len() - 1) * 2);
            let segments: Vec<&str> = scope.split('/').filter(|s| !s.is_empty()).collect();
            let top = format!("/{}", segments[..top_len].join("/"));
            let rest = segments[top_len..].join("/");
            let resource = world
                .arm
                .resource(&top)
                .ok_or_else(|| format!("no resource '{top}'"))?;
            Ok(if rest.is_empty() {
                resource.id().to_owned()
            } else {
                format!("{}/{rest}", resource.id())
            })
        }
    }
}

/// Creates or replaces an ARM resource through its provider's rules.
pub(crate) fn put(world: &mut World, id: &str, body: &Value, now: &str) -> Result<(), String> {
    let parsed = ResourceId::parse(id).ok_or_else(|| format!("'{id}' is not a resource ID"))?;
    let actor = "scenario";
    let full_type = parsed.full_type().to_ascii_lowercase();
    let result = match full_type.as_str() {
        "microsoft.keyvault/vaults" => {
            crate::arm::vault::put_vault(world, &parsed, body, now, actor).map(|_| ())
        }
        "microsoft.managedidentity/userassignedidentities" => {
            crate::arm::identity::put_user_assigned(world, &parsed, body, now, actor).map(|_| ())
        }
        "microsoft.containerregistry/registries" => {
            let existing = world.arm.resource(id).cloned();
            crate::arm::registry::prepare_put(world, &parsed, existing.as_ref(), body, now, actor)
                .map(|write| crate::arm::registry::commit(world, write))
        }
        "microsoft.storage/storageaccounts" => {
            crate::arm::storage::put_account(world, &parsed, body, now).map(|_| ())
        }
        "microsoft.cognitiveservices/accounts" => {
            crate::arm::cognitive::put_account(world, &parsed, body, now).map(|_| ())
        }
        other => {
            return Err(format!(
                "scenarios cannot create resources of type '{other}'"
            ));
        }
    };
    result.map_err(|e| format!("{}: {}", e.code, e.message))
}

/// Resolves `${...}` placeholders in every string of a JSON value.
pub(crate) fn substitute(world: &World, value: &Value) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => Value::String(substitute_str(world, s)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute(world, v))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                out.insert(substitute_str(world, k)?, substitute(world, v)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

pub(crate) fn substitute_str(world: &World, text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed placeholder in '{text}'"))?;
        out.push_str(&resolve(world, &after[..end])?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn resolve(world: &World, placeholder: &str) -> Result<String, String> {
    let (kind, arg) = placeholder.split_once(':').unwrap_or((placeholder, ""));
    let vault_key = || {
        arg.split_once('/')
            .ok_or_else(|| format!("'{placeholder}' needs VAULT/KEY"))
    };
    let newest = |vault: &str, key: &str| {
        world
            .vaults
            .key(vault, key)
            .and_then(|k| k.current())
            .map(|v| v.version.clone())
            .ok_or_else(|| format!("no key '{key}' in vault '{vault}'"))
    };
    let uai_property = |property: &str| {
        world
            .arm
            .user_assigned_identity(arg)
            .and_then(|r| r.body.pointer(&format!("/properties/{property}")))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("no user-assigned identity '{arg}'"))
    };
    match kind {
        "tenantId" => Ok(crate::entra::directory::DEMO_TENANT_ID.to_owned()),
        "vaultUri" => Ok(world.endpoints.vault_uri(arg)),
        "keyId" => {
            let (vault, key) = vault_key()?;
            Ok(format!("{}keys/{key}", world.endpoints.vault_uri(vault)))
        }
        "keyVersion" => {
            let (vault, key) = vault_key()?;
            newest(vault, key)
        }
        "keyIdVersioned" => {
            let (vault, key) = vault_key()?;
            Ok(format!(
                "{}keys/{key}/{}",
                world.endpoints.vault_uri(vault),
                newest(vault, key)?
            ))
        }
        "clientId" => uai_property("clientId"),
        "principalId" => uai_property("principalId"),
        "systemPrincipalId" => world
            .arm
            .system_identities
            .get(&crate::arm::id::key(arg))
            .map(|r| r.principal_id.clone())
            .ok_or_else(|| format!("the resource '{arg}' has no system-assigned identity")),
        other => Err(format!("unknown placeholder '${{{other}}}'")),
    }
}
