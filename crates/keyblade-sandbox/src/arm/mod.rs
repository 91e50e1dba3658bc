//! Azure Resource Manager at `https://localhost:P`: the conventions every
//! provider shares (error envelope, `api-version`, RBAC on the caller, ETags,
//! paging) and the routing to the providers the sandbox serves.
//!
//! Providers: `Microsoft.Resources` (subscriptions, tenants, resource groups,
//! `/resources`, providers, locations), `Microsoft.ContainerRegistry`,
//! `Microsoft.KeyVault`, `Microsoft.ManagedIdentity`, `Microsoft.Authorization`,
//! `Microsoft.Storage`, `Microsoft.CognitiveServices` and `Microsoft.ResourceGraph`.
//! What every tracked resource type shares (lists by subscription and group,
//! GET/PUT/PATCH/DELETE with RBAC and ETags) is in `tracked`; a provider file
//! holds only what its type does differently.

pub mod authorization;
pub mod cognitive;
pub mod error;
pub mod graph;
pub mod id;
pub mod identity;
pub mod kql;
pub mod metadata;
pub mod registry;
pub mod resources;
pub mod storage;
pub mod store;
pub mod tracked;
pub mod vault;

use http::{Method, StatusCode};
use serde_json::Value;
use time::OffsetDateTime;

pub use error::{ArmError, ArmResult};
pub use store::ArmState;

use crate::http::{Caller, Request, Response};
use crate::world::World;
use id::Scope;
use store::StoredResource;

/// One request being handled: the world, who calls, and the request.
pub struct Ctx<'a> {
    pub world: &'a mut World,
    pub caller: &'a Caller,
    pub req: &'a Request,
    pub api_version: String,
    pub now: OffsetDateTime,
}

impl Ctx<'_> {
    /// `https://localhost:P`
    pub fn base(&self) -> String {
        self.world.endpoints.arm()
    }

    pub fn now_ms(&self) -> i64 {
        (self.now.unix_timestamp_nanos() / 1_000_000) as i64
    }

    pub fn timestamp(&self) -> String {
        store::timestamp(self.now)
    }

    /// ARM's 405 unless the request uses `method`, the one this route serves.
    pub fn require_method(&self, method: Method) -> ArmResult<()> {
        if self.req.method == method {
            Ok(())
        } else {
            Err(ArmError::method_not_allowed(
                self.req.method.as_str(),
                &self.req.path,
            ))
        }
    }

    /// The request body as JSON; ARM's 400 when it is not JSON.
    pub fn body(&self) -> ArmResult<Value> {
        self.req.json().map_err(|e| {
            ArmError::invalid_request_content(format!(
                "The request content was invalid and could not be deserialized: '{e}'."
            ))
        })
    }

    /// The body, which must be a JSON object.
    pub fn object_body(&self) -> ArmResult<Value> {
        let body = self.body()?;
        if body.is_object() {
            Ok(body)
        } else {
            Err(ArmError::invalid_request_content(
                "The request content was invalid: a JSON object is required.",
            ))
        }
    }

    /// ARM's RBAC check of the caller for `action` over `scope`.
    pub fn authorize(&self, action: &str, scope: &str) -> ArmResult<()> {
        if crate::rbac::action_allowed(self.world, &self.caller.object_id, scope, action) {
            Ok(())
        } else {
            Err(ArmError::authorization_failed(
                &self.caller.object_id,
                action,
                scope,
            ))
        }
    }

    pub fn can(&self, action: &str, scope: &str) -> bool {
        crate::rbac::action_allowed(self.world, &self.caller.object_id, scope, action)
    }

    /// The subscription, checked against the caller's tenant the way ARM does.
    pub fn subscription(&self, subscription_id: &str) -> ArmResult<store::Subscription> {
        let subscription = self.world.arm.subscription(subscription_id)?.clone();
        if !subscription
            .tenant_id
            .eq_ignore_ascii_case(&self.caller.tenant_id)
        {
            let login = self.world.endpoints.login();
            let mut error = ArmError::new(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationTokenTenant",
                format!(
                    "The access token is from the wrong issuer '{login}{}/'. It must match the tenant \
                     '{login}{}/' associated with this subscription. Please use the authority (URL) \
                     '{login}{}' to get the token.",
                    self.caller.tenant_id, subscription.tenant_id, subscription.tenant_id
                ),
            );
            error.headers.push((
                "WWW-Authenticate".to_owned(),
                format!(
                    "Bearer authorization_uri=\"{login}{}\", error=\"invalid_token\", error_description=\"The access token is from the wrong issuer.\"",
                    subscription.tenant_id
                ),
            ));
            return Err(error);
        }
        Ok(subscription)
    }

    /// ETag preconditions (`If-Match`, `If-None-Match`) against the current resource.
    pub fn check_preconditions(&self, existing: Option<&StoredResource>) -> ArmResult<()> {
        if let Some(wanted) = self.req.header("if-match") {
            let ok = match existing {
                None => false,
                Some(resource) => wanted.trim() == "*" || etags_match(wanted, &resource.etag),
            };
            if !ok {
                return Err(ArmError::precondition_failed("If-Match", wanted));
            }
        }
        if let Some(unwanted) = self.req.header("if-none-match") {
            let clash = match existing {
                None => false,
                Some(resource) => unwanted.trim() == "*" || etags_match(unwanted, &resource.etag),
            };
            if clash {
                return Err(ArmError::precondition_failed("If-None-Match", unwanted));
            }
        }
        Ok(())
    }

    /// A list response with `nextLink` paging: `$top` sets the page size and
    /// `$skiptoken` (from a previous `nextLink`) the offset.
    pub fn page(&self, items: Vec<Value>) -> ArmResult<Response> {
        let (body, _) = self.page_value(items)?;
        Ok(Response::json(StatusCode::OK, &body))
    }

    pub fn page_value(&self, items: Vec<Value>) -> ArmResult<(Value, usize)> {
        let default = self.world.arm.settings.default_page_size.max(1);
        let top = match self.req.query_param("$top") {
            None => default,
            Some(text) => text.trim().parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ArmError::bad_request(
                    "InvalidQueryParameterValue",
                    format!("The value '{text}' of the query parameter '$top' is invalid: give a positive whole number."),
                )
            })?,
        };
        let skip = match self.req.query_param("$skiptoken") {
            None => 0,
            Some(token) => token.trim().parse::<usize>().map_err(|_| {
                ArmError::bad_request(
                    "InvalidSkipToken",
                    "The $skiptoken is not one this service issued. Start the listing again without it.",
                )
            })?,
        };
        let total = items.len();
        let end = skip.saturating_add(top).min(total);
        let page: Vec<Value> = items
            .into_iter()
            .skip(skip)
            .take(end.saturating_sub(skip))
            .collect();
        let mut body = serde_json::json!({ "value": page });
        if end < total {
            body["nextLink"] = Value::String(self.next_link(end));
        }
        Ok((body, total))
    }

    fn next_link(&self, offset: usize) -> String {
        let mut link = format!("{}{}", self.base(), self.req.path);
        let mut pairs: Vec<(String, String)> = self
            .req
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .cloned()
            .collect();
        pairs.push(("$skiptoken".to_owned(), offset.to_string()));
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode_query(k), encode_query(v)))
            .collect();
        link.push('?');
        link.push_str(&query.join("&"));
        link
    }

    /// `{"value": [...]}` without paging, for short fixed lists.
    pub fn list(&self, items: Vec<Value>) -> Response {
        Response::json(StatusCode::OK, &serde_json::json!({ "value": items }))
    }
}

fn encode_query(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'$' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn etags_match(header: &str, etag: &str) -> bool {
    let normalise = |s: &str| {
        s.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_owned()
    };
    header
        .split(',')
        .any(|candidate| normalise(candidate) == normalise(etag))
}

/// A resource response: the body with `etag`, and the `ETag` header.
pub fn resource_response(status: StatusCode, resource: &StoredResource) -> Response {
    Response::json(status, &resource.to_json()).with_header("ETag", &resource.etag)
}

/// A provider's list of one resource type under a subscription or group,
/// filtered to what the caller may read, with paging.
pub fn list_of_type(ctx: &mut Ctx<'_>, prefix_id: &str, full_type: &str) -> ArmResult<Response> {
    let read = format!("{full_type}/read");
    resources::require_access_within(ctx, prefix_id, &read)?;
    let items = ctx
        .world
        .arm
        .resources_under(prefix_id, Some(full_type))
        .filter(|r| ctx.can(&read, r.id()))
        .map(StoredResource::to_json)
        .collect();
    ctx.page(items)
}

/// What the providers see of a path below `/providers/`.
#[derive(Debug, Clone)]
pub struct ProviderRoute {
    pub scope: Scope,
    pub namespace: String,
    /// The segments after the namespace.
    pub rest: Vec<String>,
}

impl ProviderRoute {
    pub fn rest_is(&self, pattern: &[&str]) -> bool {
        self.rest.len() == pattern.len()
            && self
                .rest
                .iter()
                .zip(pattern)
                .all(|(seg, pat)| *pat == "*" || seg.eq_ignore_ascii_case(pat))
    }
}

/// Every authenticated request to `https://localhost:P` that is not Entra ID,
/// `/metadata/endpoints` or the admin API.
pub fn handle(world: &mut World, caller: &Caller, req: &Request) -> Response {
    let now = world.clock.now();
    let api_version = match req.query_param("api-version") {
        None => return ArmError::missing_api_version().into_response(),
        Some(v) if !api_version_is_valid(v) => {
            return ArmError::invalid_api_version(v).into_response();
        }
        Some(v) => v.to_owned(),
    };
    let mut ctx = Ctx {
        world,
        caller,
        req,
        api_version,
        now,
    };
    match route(&mut ctx) {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// `yyyy-mm-dd` with an optional `-preview` (or other) suffix.
fn api_version_is_valid(version: &str) -> bool {
    let Some(date) = version.get(..10) else {
        return false;
    };
    let suffix_ok = version.len() == 10 || version.get(10..).is_some_and(|s| s.starts_with('-'));
    let bytes = date.as_bytes();
    date.len() == 10
        && suffix_ok
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

fn route(ctx: &mut Ctx<'_>) -> ArmResult<Response> {
    let path = ctx.req.path.clone();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    match lower.as_slice() {
        ["tenants"] => return resources::tenants(ctx),
        ["subscriptions"] => return resources::subscriptions(ctx),
        ["subscriptions", _] => return resources::subscription(ctx, segments[1]),
        ["subscriptions", _, "resourcegroups"] => return resources::list_groups(ctx, segments[1]),
        ["subscriptions", _, "resourcegroups", _] => {
            return resources::group(ctx, segments[1], segments[3]);
        }
        ["subscriptions", _, "resources"] => {
            return resources::list_resources(ctx, segments[1], None);
        }
        ["subscriptions", _, "resourcegroups", _, "resources"] => {
            return resources::list_resources(ctx, segments[1], Some(segments[3]));
        }
        ["subscriptions", _, "locations"] => return resources::locations(ctx, segments[1]),
        _ => {}
    }
    let Some(providers_at) = lower.iter().rposition(|s| *s == "providers") else {
        return Err(not_found(&path));
    };
    let Some(scope) = Scope::parse(&segments[..providers_at]) else {
        return Err(ArmError::bad_request(
            "InvalidResourceId",
            format!(
                "The scope of '{path}' is not a valid resource ID, resource group or subscription."
            ),
        ));
    };
    let Some(namespace) = segments.get(providers_at + 1) else {
        return resources::list_providers(ctx, &scope);
    };
    let provider = ProviderRoute {
        scope,
        namespace: (*namespace).to_owned(),
        rest: segments[providers_at + 2..]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    };
    if provider.rest.is_empty() {
        return resources::provider(ctx, &provider);
    }
    match provider.namespace.to_ascii_lowercase().as_str() {
        "microsoft.authorization" => authorization::handle(ctx, &provider),
        "microsoft.resourcegraph" => graph::handle(ctx, &provider),
        "microsoft.managedidentity" => identity::handle(ctx, &provider),
        "microsoft.containerregistry" => registry::handle(ctx, &provider),
        "microsoft.keyvault" => vault::handle(ctx, &provider),
        "microsoft.storage" => storage::handle(ctx, &provider),
        "microsoft.cognitiveservices" => cognitive::handle(ctx, &provider),
        _ => Err(ArmError::no_registered_provider(
            &provider.namespace,
            &ctx.api_version,
        )),
    }
}

pub fn not_found(path: &str) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("No HTTP resource was found that matches the request URI '{path}'."),
    )
}

/// `GET /metadata/endpoints` (unauthenticated).
pub fn metadata_endpoints(world: &World, req: &Request) -> Response {
    metadata::endpoints(world, req)
}

/// Applies time-driven changes (LRO progress, auto-rotation of unversioned key
/// identifiers) up to the sandbox clock's now. Called before every request.
pub fn on_tick(world: &mut World) {
    registry::complete_operations(world);
    let now_ms = world.clock.now_unix_ms();
    vault::purge_due(world, now_ms);
    crate::cmk::rotate_due(world);
}

/// The `Microsoft.KeyVault/vaults` resource named `name` (case-insensitive), as Azure's JSON.
pub fn vault_resource<'a>(world: &'a World, name: &str) -> Option<&'a Value> {
    world.arm.vault_by_name(name).map(|r| &r.body)
}

/// Any resource by ID, as stored (admin API `GET /_sandbox/resource?id=`).
pub fn raw_resource(world: &World, id: &str) -> Option<Value> {
    world.arm.resource(id).map(StoredResource::to_json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_are_dates_with_optional_suffixes() {
        for (version, ok) in [
            ("2023-07-01", true),
            ("2019-12-01-preview", true),
            ("2023-7-1", false),
            ("latest", false),
            ("2023-07-01preview", false),
        ] {
            assert_eq!(api_version_is_valid(version), ok, "{version}");
        }
    }

    #[test]
    fn etags_compare_without_quotes_or_weakness() {
        assert!(etags_match("\"abc\"", "\"abc\""));
        assert!(etags_match("W/\"abc\"", "\"abc\""));
        assert!(etags_match("abc", "\"abc\""));
        assert!(!etags_match("\"abd\"", "\"abc\""));
    }
}
