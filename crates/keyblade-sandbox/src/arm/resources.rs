//! `Microsoft.Resources`: tenants, subscriptions, resource groups, the generic
//! `/resources` listing with `$filter`, resource providers and locations.

use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::error::{ArmError, ArmResult};
use super::id::{Scope, key};
use super::store::{ResourceGroup, StoredResource, get_ci, group_key, str_ci};
use super::{Ctx, ProviderRoute};
use crate::http::Response;

pub const GROUP_READ: &str = "Microsoft.Resources/subscriptions/resourceGroups/read";
pub const GROUP_WRITE: &str = "Microsoft.Resources/subscriptions/resourceGroups/write";
pub const GROUP_DELETE: &str = "Microsoft.Resources/subscriptions/resourceGroups/delete";

/// A resource type the sandbox serves, with the API versions it advertises.
pub struct ResourceTypeInfo {
    pub namespace: &'static str,
    pub resource_type: &'static str,
    pub api_versions: &'static [&'static str],
}

pub const RESOURCE_TYPES: &[ResourceTypeInfo] = &[
    ResourceTypeInfo {
        namespace: "Microsoft.ContainerRegistry",
        resource_type: "registries",
        api_versions: &[
            "2025-11-01",
            "2025-04-01",
            "2023-07-01",
            "2023-01-01-preview",
            "2019-12-01-preview",
        ],
    },
    ResourceTypeInfo {
        namespace: "Microsoft.KeyVault",
        resource_type: "vaults",
        api_versions: &[
            "2025-05-01",
            "2024-11-01",
            "2023-07-01",
            "2023-02-01",
            "2022-07-01",
            "2021-10-01",
            "2019-09-01",
        ],
    },
    ResourceTypeInfo {
        namespace: "Microsoft.KeyVault",
        resource_type: "deletedVaults",
        api_versions: &[
            "2025-05-01",
            "2024-11-01",
            "2023-07-01",
            "2022-07-01",
            "2019-09-01",
        ],
    },
    ResourceTypeInfo {
        namespace: "Microsoft.ManagedIdentity",
        resource_type: "userAssignedIdentities",
        api_versions: &["2024-11-30", "2023-01-31", "2018-11-30"],
    },
    ResourceTypeInfo {
        namespace: "Microsoft.ManagedIdentity",
        resource_type: "identities",
        api_versions: &["2024-11-30", "2023-01-31", "2018-11-30"],
    },
    ResourceTypeInfo {
        namespace: "Microsoft.Storage",
        resource_type: "storageAccounts",
        api_versions: &[
            "2025-08-01",
            "2025-06-01",
            "2024-01-01",
            "2023-05-01",
            "2023-01-01",
            "2022-09-01",
        ],
    },
    ResourceTypeInfo {
        namespace: "Microsoft.CognitiveServices",
        resource_type: "accounts",
        api_versions: &[
            "2025-09-01",
            "2024-10-01",
            "2023-05-01",
            "2022-12-01",
            "2022-10-01",
        ],
    },
    ResourceTypeInfo {
        namespace: "Microsoft.Authorization",
        resource_type: "roleAssignments",
        api_versions: &[
            "2022-04-01",
            "2020-04-01-preview",
            "2018-09-01-preview",
            "2015-07-01",
        ],
    },
    ResourceTypeInfo {
        namespace: "Microsoft.Authorization",
        resource_type: "roleDefinitions",
        api_versions: &["2022-04-01", "2018-01-01-preview", "2015-07-01"],
    },
    ResourceTypeInfo {
        namespace: "Microsoft.Authorization",
        resource_type: "permissions",
        api_versions: &["2022-04-01", "2018-07-01", "2015-07-01"],
    },
    ResourceTypeInfo {
        namespace: "Microsoft.ResourceGraph",
        resource_type: "resources",
        api_versions: &["2024-04-01", "2022-10-01", "2021-03-01", "2019-04-01"],
    },
];

/// Locations the sandbox offers (names and display names as Azure has them).
pub const LOCATIONS: &[(&str, &str)] = &[
    ("eastus", "East US"),
    ("eastus2", "East US 2"),
    ("westus", "West US"),
    ("westus2", "West US 2"),
    ("westus3", "West US 3"),
    ("centralus", "Central US"),
    ("northeurope", "North Europe"),
    ("westeurope", "West Europe"),
    ("uksouth", "UK South"),
    ("swedencentral", "Sweden Central"),
    ("australiaeast", "Australia East"),
    ("japaneast", "Japan East"),
];

/// `GET /tenants`: the caller's tenant; for a person, every tenant they belong to (home and
/// guest), whichever of them the token is for, as `az account tenant list` shows. Azure
/// reports a guest's tenants with `tenantCategory` `Home` too (`ProjectedBy` and
/// `ManagedBy` are Lighthouse delegations, which the sandbox does not model).
pub fn tenants(ctx: &mut Ctx<'_>) -> ArmResult<Response> {
    ctx.require_method(Method::GET)?;
    let directory = &ctx.world.directory;
    let tenants: Vec<&crate::entra::directory::Tenant> =
        if directory.user(&ctx.caller.object_id).is_some() {
            directory.tenants_of_user(&ctx.caller.object_id)
        } else {
            directory
                .tenants
                .iter()
                .filter(|t| t.id.eq_ignore_ascii_case(&ctx.caller.tenant_id))
                .collect()
        };
    let items: Vec<Value> = tenants
        .into_iter()
        .map(|t| {
            json!({
                "id": format!("/tenants/{}", t.id),
                "tenantId": t.id,
                "countryCode": "US",
                "displayName": t.display_name,
                "domains": [t.default_domain],
                "tenantCategory": "Home",
                "defaultDomain": t.default_domain,
                "tenantType": "AAD",
                "tenantBrandingLogoUrl": null
            })
        })
        .collect();
    ctx.page(items)
}

/// `GET /subscriptions`: the subscriptions of the caller's tenant where the
/// caller holds a role somewhere.
pub fn subscriptions(ctx: &mut Ctx<'_>) -> ArmResult<Response> {
    ctx.require_method(Method::GET)?;
    let items: Vec<Value> = ctx
        .world
        .arm
        .subscriptions
        .values()
        .filter(|s| s.tenant_id.eq_ignore_ascii_case(&ctx.caller.tenant_id))
        .filter(|s| {
            crate::rbac::has_any_access_within(
                ctx.world,
                &ctx.caller.object_id,
                &format!("/subscriptions/{}", s.subscription_id),
            )
        })
        .map(super::store::Subscription::to_json)
        .collect();
    let (mut body, total) = ctx.page_value(items)?;
    body["count"] = json!({"type": "Total", "value": total});
    Ok(Response::json(StatusCode::OK, &body))
}

pub fn subscription(ctx: &mut Ctx<'_>, subscription_id: &str) -> ArmResult<Response> {
    ctx.require_method(Method::GET)?;
    let subscription = ctx.subscription(subscription_id)?;
    let scope = format!("/subscriptions/{}", subscription.subscription_id);
    if !crate::rbac::has_any_access_within(ctx.world, &ctx.caller.object_id, &scope) {
        return Err(ArmError::authorization_failed(
            &ctx.caller.object_id,
            "Microsoft.Resources/subscriptions/read",
            &scope,
        ));
    }
    Ok(Response::json(StatusCode::OK, &subscription.to_json()))
}

pub fn locations(ctx: &mut Ctx<'_>, subscription_id: &str) -> ArmResult<Response> {
    let subscription = ctx.subscription(subscription_id)?;
    let items = LOCATIONS
        .iter()
        .map(|(name, display)| {
            json!({
                "id": format!("/subscriptions/{}/locations/{name}", subscription.subscription_id),
                "name": name,
                "displayName": display,
                "regionalDisplayName": format!("(Sandbox) {display}"),
                "type": "Region",
                "metadata": {"regionType": "Physical", "regionCategory": "Recommended"}
            })
        })
        .collect();
    Ok(ctx.list(items))
}

/// Resource groups of a subscription that the caller can read.
pub fn list_groups(ctx: &mut Ctx<'_>, subscription_id: &str) -> ArmResult<Response> {
    ctx.require_method(Method::GET)?;
    let subscription = ctx.subscription(subscription_id)?;
    let scope = format!("/subscriptions/{}", subscription.subscription_id);
    require_access_within(ctx, &scope, GROUP_READ)?;
    let prefix = format!("{}/resourcegroups/", key(&scope));
    let items: Vec<Value> = ctx
        .world
        .arm
        .resource_groups
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(_, g)| g)
        .filter(|g| ctx.can(GROUP_READ, &g.id))
        .map(ResourceGroup::to_json)
        .collect();
    ctx.page(items)
}

/// 403 unless the caller holds some role at, above or below `scope`.
pub fn require_access_within(ctx: &Ctx<'_>, scope: &str, action: &str) -> ArmResult<()> {
    if crate::rbac::has_any_access_within(ctx.world, &ctx.caller.object_id, scope) {
        Ok(())
    } else {
        Err(ArmError::authorization_failed(
            &ctx.caller.object_id,
            action,
            scope,
        ))
    }
}

pub fn group(ctx: &mut Ctx<'_>, subscription_id: &str, name: &str) -> ArmResult<Response> {
    let subscription = ctx.subscription(subscription_id)?;
    let sub = subscription.subscription_id.clone();
    let existing = ctx
        .world
        .arm
        .resource_groups
        .get(&group_key(&sub, name))
        .cloned();
    let scope = existing.as_ref().map_or_else(
        || format!("/subscriptions/{sub}/resourceGroups/{name}"),
        |g| g.id.clone(),
    );
    match ctx.req.method.clone() {
        Method::GET | Method::HEAD => {
            ctx.authorize(GROUP_READ, &scope)?;
            let group = existing.ok_or_else(|| ArmError::resource_group_not_found(name))?;
            if ctx.req.method == Method::HEAD {
                return Ok(Response::empty(StatusCode::NO_CONTENT));
            }
            Ok(Response::json(StatusCode::OK, &group.to_json()))
        }
        Method::PUT => {
            ctx.authorize(GROUP_WRITE, &scope)?;
            validate_group_name(name)?;
            let body = ctx.object_body()?;
            let location = required_location(&body)?;
            let tags = tags_of(&body)?;
            let created = existing.is_none();
            let group = ResourceGroup {
                id: scope.clone(),
                name: existing
                    .as_ref()
                    .map_or_else(|| name.to_owned(), |g| g.name.clone()),
                location: existing
                    .as_ref()
                    .map_or_else(|| normalise_location(location), |g| g.location.clone()),
                tags: tags.unwrap_or_default(),
            };
            if let Some(previous) = &existing
                && !previous
                    .location
                    .eq_ignore_ascii_case(&normalise_location(location))
            {
                return Err(ArmError::conflict(
                    "InvalidResourceGroupLocation",
                    format!(
                        "Invalid resource group location '{location}'. The Resource group already exists in location '{}'.",
                        previous.location
                    ),
                ));
            }
            ctx.world
                .arm
                .resource_groups
                .insert(group_key(&sub, name), group.clone());
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(Response::json(status, &group.to_json()))
        }
        Method::PATCH => {
            ctx.authorize(GROUP_WRITE, &scope)?;
            let mut group = existing.ok_or_else(|| ArmError::resource_group_not_found(name))?;
            let body = ctx.object_body()?;
            if let Some(tags) = tags_of(&body)? {
                group.tags = tags;
            }
            ctx.world
                .arm
                .resource_groups
                .insert(group_key(&sub, name), group.clone());
            Ok(Response::json(StatusCode::OK, &group.to_json()))
        }
        Method::DELETE => {
            ctx.authorize(GROUP_DELETE, &scope)?;
            let Some(group) = existing else {
                return Ok(Response::empty(StatusCode::NO_CONTENT));
            };
            delete_group_contents(ctx.world, &group.id);
            ctx.world.arm.resource_groups.remove(&group_key(&sub, name));
            Ok(Response::empty(StatusCode::OK))
        }
        other => Err(ArmError::method_not_allowed(other.as_str(), &ctx.req.path)),
    }
}

/// Deletes every resource, role assignment and system identity in a group.
pub fn delete_group_contents(world: &mut crate::world::World, group_id: &str) {
    let ids: Vec<String> = world
        .arm
        .resources_under(group_id, None)
        .map(|r| r.id().to_owned())
        .collect();
    for id in ids {
        super::identity::forget_resource(world, &id);
        world.arm.remove(&id);
    }
    let prefix = key(group_id);
    world
        .arm
        .role_assignments
        .retain(|_, a| !super::id::scope_covers(&prefix, &a.scope));
}

fn validate_group_name(name: &str) -> ArmResult<()> {
    let valid = !name.is_empty()
        && name.len() <= 90
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'));
    if valid {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceGroup",
            format!(
                "The provided resource group name '{name}' has these invalid characters or length. \
                 A name has 1 to 90 letters, digits, '-', '_', '.', '(' or ')', and does not end with '.'."
            ),
        ))
    }
}

/// `tags` of a request body: `None` when absent, an error when not an object of strings.
pub fn tags_of(body: &Value) -> ArmResult<Option<Map<String, Value>>> {
    match get_ci(body, "tags") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => {
            if map.values().all(|v| v.is_string()) {
                Ok(Some(map.clone()))
            } else {
                Err(ArmError::bad_request(
                    "InvalidTagValue",
                    "Each tag value must be a string.",
                ))
            }
        }
        Some(_) => Err(ArmError::invalid_request_content(
            "'tags' must be an object of name/value strings.",
        )),
    }
}

/// A tracked resource's `location`, which every PUT must carry.
pub fn required_location(body: &Value) -> ArmResult<&str> {
    str_ci(body, "location")
        .filter(|l| !l.is_empty())
        .ok_or_else(|| {
            ArmError::bad_request(
                "LocationRequired",
                "The location property is required for this definition.",
            )
        })
}

/// `West US` and `westus` are the same location; Azure returns the short name.
pub fn normalise_location(location: &str) -> String {
    location
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// `GET /subscriptions/{s}/resources` and `.../resourceGroups/{g}/resources`.
pub fn list_resources(
    ctx: &mut Ctx<'_>,
    subscription_id: &str,
    group: Option<&str>,
) -> ArmResult<Response> {
    ctx.require_method(Method::GET)?;
    let subscription = ctx.subscription(subscription_id)?;
    let prefix_id = match group {
        Some(group) => ctx
            .world
            .arm
            .group(&subscription.subscription_id, group)?
            .id
            .clone(),
        None => format!("/subscriptions/{}", subscription.subscription_id),
    };
    require_access_within(
        ctx,
        &prefix_id,
        "Microsoft.Resources/subscriptions/resources/read",
    )?;
    let filter = match ctx.req.query_param("$filter") {
        Some(text) => Some(ODataFilter::parse(text)?),
        None => None,
    };
    let expand = ctx
        .req
        .query_param("$expand")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let items: Vec<Value> = ctx
        .world
        .arm
        .resources_under(&prefix_id, None)
        .filter(|r| filter.as_ref().is_none_or(|f| f.matches(r)))
        .filter(|r| ctx.can(&format!("{}/read", r.resource_type()), r.id()))
        .map(|r| generic_resource(r, &expand))
        .collect();
    ctx.page(items)
}

/// A resource as `/resources` lists it (GenericResourceExpanded).
fn generic_resource(resource: &StoredResource, expand: &str) -> Value {
    let mut out = Map::new();
    for field in [
        "id",
        "name",
        "type",
        "sku",
        "kind",
        "location",
        "identity",
        "managedBy",
        "plan",
        "tags",
        "zones",
    ] {
        if let Some(v) = resource.body.get(field).filter(|v| !v.is_null()) {
            out.insert(field.to_owned(), v.clone());
        }
    }
    let system = resource.body.get("systemData");
    if expand.contains("createdtime") {
        out.insert(
            "createdTime".to_owned(),
            system
                .and_then(|s| s.get("createdAt"))
                .cloned()
                .unwrap_or(Value::Null),
        );
    }
    if expand.contains("changedtime") {
        out.insert(
            "changedTime".to_owned(),
            system
                .and_then(|s| s.get("lastModifiedAt"))
                .cloned()
                .unwrap_or(Value::Null),
        );
    }
    if expand.contains("provisioningstate") {
        out.insert(
            "provisioningState".to_owned(),
            resource
                .body
                .pointer("/properties/provisioningState")
                .cloned()
                .unwrap_or(Value::String("Succeeded".to_owned())),
        );
    }
    Value::Object(out)
}

/// The OData `$filter` subset ARM's `/resources` accepts: `or` of `and`s of
/// `resourceType|name|location|resourceGroup|tagName|tagValue eq 'v'` and
/// `substringof('v', name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ODataFilter {
    any_of: Vec<Vec<Clause>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Clause {
    Eq(String, String),
    NameContains(String),
}

impl ODataFilter {
    pub fn parse(text: &str) -> ArmResult<ODataFilter> {
        let invalid = |detail: &str| {
            ArmError::bad_request(
                "InvalidFilterInQueryString",
                format!(
                    "The $filter '{text}' is not supported: {detail}. Supported: resourceType, name, location, \
                     resourceGroup, tagName and tagValue with 'eq', substringof('text', name), joined by 'and'/'or'."
                ),
            )
        };
        let mut any_of = Vec::new();
        for alternative in split_keyword(text, "or") {
            let mut all_of = Vec::new();
            for clause in split_keyword(&alternative, "and") {
                let clause = clause
                    .trim()
                    .trim_start_matches('(')
                    .trim_end_matches(')')
                    .trim();
                if let Some(inner) = strip_prefix_ci(clause, "substringof(") {
                    let inner = inner.trim_end_matches(')');
                    let (value, field) = inner
                        .rsplit_once(',')
                        .ok_or_else(|| invalid("substringof needs two arguments"))?;
                    if !field.trim().eq_ignore_ascii_case("name") {
                        return Err(invalid("substringof applies to 'name' only"));
                    }
                    all_of.push(Clause::NameContains(
                        unquote(value.trim()).ok_or_else(|| invalid("quote the text"))?,
                    ));
                    continue;
                }
                let parts: Vec<&str> = clause.splitn(3, ' ').collect();
                let [field, op, value] = parts.as_slice() else {
                    return Err(invalid(&format!("'{clause}' is not 'field eq value'")));
                };
                if !op.eq_ignore_ascii_case("eq") {
                    return Err(invalid(&format!("the operator '{op}'")));
                }
                let field = field.to_ascii_lowercase();
                if ![
                    "resourcetype",
                    "name",
                    "location",
                    "resourcegroup",
                    "tagname",
                    "tagvalue",
                ]
                .contains(&field.as_str())
                {
                    return Err(invalid(&format!("the field '{field}'")));
                }
                let value = unquote(value.trim())
                    .ok_or_else(|| invalid("quote the value with single quotes"))?;
                all_of.push(Clause::Eq(field, value));
            }
            any_of.push(all_of);
        }
        Ok(ODataFilter { any_of })
    }

    pub fn matches(&self, resource: &StoredResource) -> bool {
        self.any_of.iter().any(|all_of| {
            let tag_name = all_of.iter().find_map(|c| match c {
                Clause::Eq(f, v) if f == "tagname" => Some(v.as_str()),
                _ => None,
            });
            all_of.iter().all(|clause| match clause {
                Clause::NameContains(text) => str_ci(&resource.body, "name")
                    .is_some_and(|n| n.to_ascii_lowercase().contains(&text.to_ascii_lowercase())),
                Clause::Eq(field, value) => match field.as_str() {
                    "resourcetype" => resource.resource_type().eq_ignore_ascii_case(value),
                    "name" => str_ci(&resource.body, "name")
                        .is_some_and(|n| n.eq_ignore_ascii_case(value)),
                    "location" => str_ci(&resource.body, "location")
                        .is_some_and(|l| normalise_location(l) == normalise_location(value)),
                    "resourcegroup" => Scope::parse_str(resource.id())
                        .and_then(|s| s.group().map(|g| g.eq_ignore_ascii_case(value)))
                        .unwrap_or(false),
                    "tagname" => resource
                        .body
                        .get("tags")
                        .and_then(Value::as_object)
                        .is_some_and(|tags| tags.keys().any(|k| k.eq_ignore_ascii_case(value))),
                    "tagvalue" => resource
                        .body
                        .get("tags")
                        .and_then(Value::as_object)
                        .is_some_and(|tags| {
                            tags.iter().any(|(k, v)| {
                                tag_name.is_none_or(|n| k.eq_ignore_ascii_case(n))
                                    && v.as_str() == Some(value.as_str())
                            })
                        }),
                    _ => false,
                },
            })
        })
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    if text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix) {
        Some(&text[prefix.len()..])
    } else {
        None
    }
}

fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

/// Splits on ` keyword ` outside single quotes, case-insensitively.
fn split_keyword(text: &str, keyword: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let words: Vec<&str> = text.split(' ').collect();
    for word in words {
        let quotes = word.matches('\'').count();
        if !in_quotes && word.eq_ignore_ascii_case(keyword) {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        if quotes % 2 == 1 {
            in_quotes = !in_quotes;
        }
    }
    parts.push(current);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

fn provider_json(scope_path: &str, namespace: &str) -> Option<Value> {
    let types: Vec<&ResourceTypeInfo> = RESOURCE_TYPES
        .iter()
        .filter(|t| t.namespace.eq_ignore_ascii_case(namespace))
        .collect();
    let canonical = types.first()?.namespace;
    let locations: Vec<&str> = LOCATIONS.iter().map(|(_, display)| *display).collect();
    Some(json!({
        "id": format!("{scope_path}/providers/{canonical}"),
        "namespace": canonical,
        "registrationState": "Registered",
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": types.iter().map(|t| json!({
            "resourceType": t.resource_type,
            "locations": locations,
            "apiVersions": t.api_versions,
            "defaultApiVersion": t.api_versions.first(),
            "capabilities": "None"
        })).collect::<Vec<_>>()
    }))
}

/// `GET /subscriptions/{s}/providers`
pub fn list_providers(ctx: &mut Ctx<'_>, scope: &Scope) -> ArmResult<Response> {
    let Scope::Subscription { subscription } = scope else {
        return Err(super::not_found(&ctx.req.path));
    };
    let subscription = ctx.subscription(subscription)?;
    let path = format!("/subscriptions/{}", subscription.subscription_id);
    let mut namespaces: Vec<&str> = RESOURCE_TYPES.iter().map(|t| t.namespace).collect();
    namespaces.dedup();
    let items = namespaces
        .iter()
        .filter_map(|ns| provider_json(&path, ns))
        .collect();
    Ok(ctx.list(items))
}

/// `GET /subscriptions/{s}/providers/{namespace}` (and `POST .../register`).
pub fn provider(ctx: &mut Ctx<'_>, route: &ProviderRoute) -> ArmResult<Response> {
    let path = match &route.scope {
        Scope::Subscription { subscription } => {
            let subscription = ctx.subscription(subscription)?;
            format!("/subscriptions/{}", subscription.subscription_id)
        }
        Scope::Root => String::new(),
        _ => return Err(super::not_found(&ctx.req.path)),
    };
    let body = provider_json(&path, &route.namespace)
        .ok_or_else(|| ArmError::no_registered_provider(&route.namespace, &ctx.api_version))?;
    Ok(Response::json(StatusCode::OK, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(name: &str, tags: Value) -> StoredResource {
        StoredResource::new(json!({
            "id": format!("/subscriptions/s/resourceGroups/Rg1/providers/Microsoft.KeyVault/vaults/{name}"),
            "name": name, "type": "Microsoft.KeyVault/vaults", "location": "westus", "tags": tags
        }))
    }

    #[test]
    fn odata_filters_match_like_arm() {
        let kv = vault("Contoso-KV", json!({"env": "prod"}));
        let cases = [
            ("resourceType eq 'microsoft.keyvault/vaults'", true),
            (
                "resourceType eq 'Microsoft.KeyVault/vaults' and name eq 'contoso-kv'",
                true,
            ),
            (
                "resourceType eq 'Microsoft.KeyVault/vaults' and name eq 'other'",
                false,
            ),
            ("name eq 'other' or resourceGroup eq 'rg1'", true),
            ("substringof('toso', name)", true),
            ("tagName eq 'env' and tagValue eq 'prod'", true),
            ("tagName eq 'env' and tagValue eq 'dev'", false),
            ("location eq 'West US'", true),
        ];
        for (filter, expected) in cases {
            let parsed = ODataFilter::parse(filter).expect(filter);
            assert_eq!(parsed.matches(&kv), expected, "{filter}");
        }
        assert!(ODataFilter::parse("name ne 'x'").is_err());
        assert!(ODataFilter::parse("plan eq 'x'").is_err());
    }
}
