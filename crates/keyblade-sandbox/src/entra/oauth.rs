//! The Entra ID endpoints under `https://localhost:P/{tenant}/...`.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::{Method, StatusCode};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::directory::{AuthCode, DeviceCode, RefreshToken, ServicePrincipalKind, Tenant};
use super::{
    ACCESS_TOKEN_LIFETIME, TokenRequest, is_known_resource, issue_access_token, v2_issuer,
    wall_clock_unix,
};
use crate::http::{Request, Response};
use crate::world::World;

/// Where users enter device codes (Azure: `https://microsoft.com/devicelogin`).
pub const DEVICE_LOGIN_PATH: &str = "/devicelogin";

const AUTH_CODE_LIFETIME: i64 = 600;
const DEVICE_CODE_LIFETIME: i64 = 900;
const DEVICE_CODE_POLL_INTERVAL: i64 = 5;
const REFRESH_TOKEN_LIFETIME: i64 = 90 * 86_400;
const MAX_REFRESH_TOKENS: usize = 1000;
const OIDC_SCOPES: &[&str] = &["openid", "profile", "offline_access", "email"];

/// Handles the request if it is an Entra ID endpoint; `None` lets Resource Manager have it.
pub fn handle(world: &mut World, req: &Request) -> Option<Response> {
    let segments = req.segments();
    if req.path.eq_ignore_ascii_case(DEVICE_LOGIN_PATH) {
        return Some(device_login_page(world, req));
    }
    let (tenant_segment, rest) = segments.split_first()?;
    if !looks_like_tenant(tenant_segment) {
        return None;
    }
    let rest: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let response = match (req.method.clone(), rest.as_slice()) {
        (Method::GET, ["discovery", "instance"]) => instance_discovery(world, req),
        (Method::GET, ["v2.0", ".well-known", "openid-configuration"]) => {
            openid_configuration(world, tenant_segment)
        }
        (Method::GET, ["discovery", "v2.0", "keys"] | ["discovery", "keys"]) => {
            Response::json(StatusCode::OK, &world.directory.signing_key.jwks())
        }
        (Method::GET | Method::POST, ["oauth2", "v2.0", "authorize"]) => {
            authorize(world, tenant_segment, req)
        }
        (Method::POST, ["oauth2", "v2.0", "token"]) => token(world, tenant_segment, req),
        (Method::POST, ["oauth2", "v2.0", "devicecode"]) => device_code(world, tenant_segment, req),
        (Method::GET, ["oauth2", "v2.0", "logout"]) => logout(req),
        (_, ["v2.0", ..] | ["oauth2", ..] | ["discovery", ..]) => Response::json(
            StatusCode::NOT_FOUND,
            &json!({"error": "not_found", "error_description": format!("The sandbox's Entra ID has no endpoint {} {}.", req.method, req.path)}),
        ),
        _ => return None,
    };
    Some(response)
}

/// Whether a path on `localhost` belongs to Entra ID rather than Resource Manager:
/// `/devicelogin`, or `/{tenant}/(oauth2|v2.0|discovery)/...`.
pub fn is_entra_path(path: &str) -> bool {
    if path.eq_ignore_ascii_case(DEVICE_LOGIN_PATH) {
        return true;
    }
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let (Some(tenant), Some(next)) = (segments.next(), segments.next()) else {
        return false;
    };
    looks_like_tenant(tenant)
        && ["oauth2", "v2.0", "discovery", ".well-known"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(next))
}

/// A tenant ID (GUID), a domain, or one of the multi-tenant aliases.
fn looks_like_tenant(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    matches!(lower.as_str(), "common" | "organizations" | "consumers")
        || uuid::Uuid::parse_str(&lower).is_ok()
        || (lower.contains('.')
            && lower
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
}

fn form(req: &Request) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    pairs.extend(req.query.iter().cloned());
    pairs
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Entra's OAuth error body: `error`, `error_description` with the AADSTS code, `error_codes`, ids.
fn oauth_error(status: StatusCode, error: &str, code: u32, description: &str) -> Response {
    oauth_error_with(status, error, code, description, Map::new())
}

/// [`oauth_error`] with more members, e.g. the `suberror` and `claims` of a Conditional
/// Access refusal.
fn oauth_error_with(
    status: StatusCode,
    error: &str,
    code: u32,
    description: &str,
    extra: Map<String, Value>,
) -> Response {
    let trace_id = uuid::Uuid::new_v4().to_string();
    let correlation_id = uuid::Uuid::new_v4().to_string();
    let timestamp = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut body = json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {description} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}"
        ),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    if let Value::Object(members) = &mut body {
        members.extend(extra);
    }
    Response::json(status, &body).with_header("cache-control", "no-store, no-cache")
}

fn missing_parameter(name: &str) -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900_144,
        &format!("The request body must contain the following parameter: '{name}'."),
    )
}

fn tenant_not_found(segment: &str) -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_tenant",
        90_002,
        &format!(
            "Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. \
             Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
        ),
    )
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body><h1>{}</h1>{}</body></html>",
        escape_html(title),
        escape_html(title),
        body
    );
    let mut response = Response::empty(status);
    response.body = bytes::Bytes::from(page);
    response.with_header("content-type", "text/html; charset=utf-8")
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn instance_discovery(world: &World, req: &Request) -> Response {
    let host = world.endpoints.login();
    let host = host.trim_start_matches("https://").trim_end_matches('/');
    let tenant = req
        .query_param("authorization_endpoint")
        .and_then(|endpoint| url::Url::parse(endpoint).ok())
        .and_then(|url| {
            url.path_segments()
                .and_then(|mut s| s.next().map(str::to_owned))
        })
        .unwrap_or_else(|| "common".to_owned());
    Response::json(
        StatusCode::OK,
        &json!({
            "tenant_discovery_endpoint": format!("{}{}/v2.0/.well-known/openid-configuration", world.endpoints.login(), tenant),
            "api-version": "1.1",
            "metadata": [{ "preferred_network": host, "preferred_cache": host, "aliases": [host] }],
        }),
    )
}

fn openid_configuration(world: &World, segment: &str) -> Response {
    let Some(tenant) = world.directory.resolve_tenant(segment) else {
        return tenant_not_found(segment);
    };
    let multi_tenant = ["common", "organizations", "consumers"]
        .iter()
        .any(|alias| alias.eq_ignore_ascii_case(segment));
    // Azure keeps the alias in endpoint URLs and puts a `{tenantid}` placeholder in the issuer.
    let path_tenant = if multi_tenant {
        segment.to_ascii_lowercase()
    } else {
        tenant.id.clone()
    };
    let issuer = if multi_tenant {
        v2_issuer(&world.endpoints, "{tenantid}")
    } else {
        v2_issuer(&world.endpoints, &tenant.id)
    };
    let base = format!("{}{}", world.endpoints.login(), path_tenant);
    Response::json(
        StatusCode::OK,
        &json!({
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": issuer,
            "request_uri_parameter_supported": false,
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
                "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver",
                "at_hash", "c_hash", "email"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "localhost",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }),
    )
}

/// The resource and scopes a `scope` parameter asks for.
struct ScopeRequest {
    /// `None` when only OpenID scopes were asked for (Entra then issues a Graph token).
    resource: Option<String>,
    /// Resource scope names for the `scp` claim (`.default` becomes `user_impersonation`).
    scp: Vec<String>,
    /// The resource scopes as requested, echoed in the response's `scope`.
    requested: Vec<String>,
    openid: bool,
    offline_access: bool,
}

fn parse_scopes(scope: &str) -> Result<ScopeRequest, Response> {
    let mut request = ScopeRequest {
        resource: None,
        scp: Vec::new(),
        requested: Vec::new(),
        openid: false,
        offline_access: false,
    };
    for scope in scope.split_whitespace() {
        let lower = scope.to_ascii_lowercase();
        if OIDC_SCOPES.contains(&lower.as_str()) {
            request.openid |= lower == "openid";
            request.offline_access |= lower == "offline_access";
            continue;
        }
        let (resource, name) = match scope.rfind('/') {
            Some(i) if scope.contains("://") => (&scope[..i], &scope[i + 1..]),
            _ => ("https://graph.microsoft.com", scope),
        };
        if let Some(existing) = &request.resource
            && !existing.eq_ignore_ascii_case(resource)
        {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                28_000,
                "Provided value for the input parameter scope is not valid because it contains more than one resource. \
                     Scope openid profile offline_access is not valid.",
            ));
        }
        request.resource = Some(resource.to_owned());
        let scp = if name == ".default" {
            "user_impersonation"
        } else {
            name
        };
        if !request.scp.iter().any(|s| s == scp) {
            request.scp.push(scp.to_owned());
        }
        request.requested.push(scope.to_owned());
    }
    Ok(request)
}

fn unknown_resource(resource: &str, tenant: &Tenant) -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_resource",
        500_011,
        &format!(
            "The resource principal named {resource} was not found in the tenant named {}. This can happen if the application \
             has not been installed by the administrator of the tenant or consented to by any user in the tenant. \
             You might have sent your authentication request to the wrong tenant.",
            tenant.display_name
        ),
    )
}

fn unknown_client(client_id: &str, tenant: &Tenant) -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "unauthorized_client",
        700_016,
        &format!(
            "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the \
             application has not been installed by the administrator of the tenant or consented to by any user in the \
             tenant. You may have sent your authentication request to the wrong tenant.",
            tenant.display_name
        ),
    )
}

fn token(world: &mut World, segment: &str, req: &Request) -> Response {
    let Some(tenant) = world.directory.resolve_tenant(segment).cloned() else {
        return tenant_not_found(segment);
    };
    let pairs = form(req);
    let Some(grant_type) = param(&pairs, "grant_type") else {
        return missing_parameter("grant_type");
    };
    match grant_type {
        "client_credentials" => client_credentials(world, segment, &tenant, req, &pairs),
        "authorization_code" => authorization_code(world, segment, &tenant, &pairs),
        "refresh_token" => refresh_token(world, segment, &tenant, &pairs),
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => {
            device_code_grant(world, &tenant, &pairs)
        }
        other => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70_003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

/// `client_id` and `client_secret` from the form or from HTTP Basic authentication.
fn client_credentials_of(
    req: &Request,
    pairs: &[(String, String)],
) -> (Option<String>, Option<String>) {
    let mut client_id = param(pairs, "client_id").map(str::to_owned);
    let mut secret = param(pairs, "client_secret").map(str::to_owned);
    if let Some(basic) = req.header("authorization").and_then(|h| {
        h.strip_prefix("Basic ")
            .or_else(|| h.strip_prefix("basic "))
    }) && let Some((id, pass)) = STANDARD
        .decode(basic.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            text.split_once(':')
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
        })
    {
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        client_id = client_id.or_else(|| decode(&id));
        secret = secret.or_else(|| decode(&pass));
    }
    (client_id, secret)
}

fn client_credentials(
    world: &mut World,
    segment: &str,
    tenant: &Tenant,
    req: &Request,
    pairs: &[(String, String)],
) -> Response {
    let (client_id, secret) = client_credentials_of(req, pairs);
    let Some(client_id) = client_id else {
        return missing_parameter("client_id");
    };
    if ["common", "organizations", "consumers"]
        .iter()
        .any(|a| a.eq_ignore_ascii_case(segment))
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50_059,
            "No tenant-identifying information found in either the request or implied by any provided credentials. \
             Use a tenant ID or domain in the authority for the client credentials flow.",
        );
    }
    let Some(scope) = param(pairs, "scope") else {
        return missing_parameter("scope");
    };
    let Some(sp) = world
        .directory
        .service_principal_by_app_id(&tenant.id, &client_id)
        .filter(|sp| sp.kind == ServicePrincipalKind::Application)
        .cloned()
    else {
        return unknown_client(&client_id, tenant);
    };
    if let Some(assertion) = param(pairs, "client_assertion") {
        if let Some(refused) = refused_assertion(world, segment, tenant, &sp, pairs, assertion) {
            return refused;
        }
    } else {
        let Some(secret) = secret else {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7_000_218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        };
        if !sp.secrets.iter().any(|s| s == &secret) {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7_000_215,
                &format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, \
                     not the client secret ID, for a secret added to app '{}'.",
                    sp.app_id
                ),
            );
        }
    }
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let resource = match scopes.as_slice() {
        [single] if single.ends_with("/.default") => {
            single.trim_end_matches(".default").trim_end_matches('/')
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                1_002_012,
                &format!(
                    "The provided value for scope {scope} is not valid. Client credential flows must have a scope value \
                     with /.default suffixed to the resource identifier (application ID URI)."
                ),
            );
        }
    };
    // `https://management.core.windows.net//.default` names the resource `https://management.core.windows.net/`.
    let resource = if scopes[0].ends_with("//.default") {
        format!("{resource}/")
    } else {
        resource.to_owned()
    };
    if !is_known_resource(&world.endpoints, &resource) {
        return unknown_resource(&resource, tenant);
    }
    let now = wall_clock_unix();
    match issue_access_token(
        world,
        &TokenRequest {
            tenant_id: &tenant.id,
            object_id: &sp.object_id,
            app_id: &sp.app_id,
            audience: &resource,
            delegated_scopes: None,
            issued_at: now,
            lifetime: ACCESS_TOKEN_LIFETIME,
        },
    ) {
        Ok(access_token) => token_response(json!({
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "ext_expires_in": ACCESS_TOKEN_LIFETIME,
            "access_token": access_token,
        })),
        Err(e) => server_error(&e),
    }
}

/// Entra's answer to a client assertion it does not accept (see [`super::certificate`]);
/// `None` when it is valid for `sp`.
fn refused_assertion(
    world: &World,
    segment: &str,
    tenant: &Tenant,
    sp: &super::directory::ServicePrincipal,
    pairs: &[(String, String)],
    assertion: &str,
) -> Option<Response> {
    if param(pairs, "client_assertion_type") != Some(super::certificate::JWT_BEARER) {
        return Some(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50_027,
            "The client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
        ));
    }
    // The token endpoint as the request names the tenant, or by its ID.
    let base = world.endpoints.login();
    let endpoints = [
        format!("{base}{segment}/oauth2/v2.0/token"),
        format!("{base}{}/oauth2/v2.0/token", tenant.id),
    ];
    super::certificate::verify_assertion(
        assertion,
        &sp.app_id,
        &endpoints,
        &sp.certificates,
        wall_clock_unix(),
    )
    .err()
    .map(|refusal| {
        oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            refusal.code,
            &refusal.description,
        )
    })
}

fn token_response(body: Value) -> Response {
    Response::json(StatusCode::OK, &body)
        .with_header("cache-control", "no-store, no-cache")
        .with_header("pragma", "no-cache")
}

fn server_error(detail: &str) -> Response {
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        90_033,
        &format!("A transient error has occurred. Please try again. ({detail})"),
    )
}

fn pkce_matches(challenge: &str, method: &str, verifier: &str) -> bool {
    if method.eq_ignore_ascii_case("plain") {
        return challenge == verifier;
    }
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// AADSTS70008: an unknown, expired or spent code or refresh token.
fn expired_grant() -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        70_008,
        "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive \
         authorization request for this user and resource.",
    )
}

fn authorization_code(
    world: &mut World,
    segment: &str,
    tenant: &Tenant,
    pairs: &[(String, String)],
) -> Response {
    let Some(code) = param(pairs, "code") else {
        return missing_parameter("code");
    };
    let Some(client_id) = param(pairs, "client_id") else {
        return missing_parameter("client_id");
    };
    let now = wall_clock_unix();
    let Some(entry) = world
        .directory
        .auth_codes
        .iter_mut()
        .find(|c| c.code == code)
    else {
        return expired_grant();
    };
    if entry.expires_at <= now {
        return expired_grant();
    }
    if entry.redeemed {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            54_005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        );
    }
    if !entry.client_id.eq_ignore_ascii_case(client_id)
        || !entry.tenant_id.eq_ignore_ascii_case(&tenant.id)
    {
        let _ = segment;
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70_000,
            "The provided value for the 'code' parameter is not valid. The code was issued to another application or tenant.",
        );
    }
    let redirect_uri = param(pairs, "redirect_uri").unwrap_or_default();
    if redirect_uri != entry.redirect_uri {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            500_112,
            &format!(
                "The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.",
                entry.redirect_uri
            ),
        );
    }
    if let Some(challenge) = entry.code_challenge.clone() {
        let Some(verifier) = param(pairs, "code_verifier") else {
            return missing_parameter("code_verifier");
        };
        let method = entry
            .code_challenge_method
            .clone()
            .unwrap_or_else(|| "plain".to_owned());
        if !pkce_matches(&challenge, &method, verifier) {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                501_481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            );
        }
    }
    entry.redeemed = true;
    let entry = entry.clone();
    let scope = param(pairs, "scope").unwrap_or(&entry.scope).to_owned();
    let client_info = param(pairs, "client_info") == Some("1");
    let mfa = interactive_mfa(world, &entry.tenant_id);
    user_tokens(
        world,
        &entry.tenant_id,
        &entry.user_object_id,
        &entry.client_id,
        &scope,
        entry.nonce.as_deref(),
        client_info,
        mfa,
    )
}

/// Whether an interactive sign-in to `tenant_id` performs multifactor authentication: the
/// sandbox has no second factor to ask for, so it "performs" it exactly when the tenant
/// requires it, and a sign-in made before the policy was turned on did not.
fn interactive_mfa(world: &World, tenant_id: &str) -> bool {
    world
        .directory
        .tenant(tenant_id)
        .is_some_and(|tenant| tenant.mfa_required)
}

/// Access, ID and refresh tokens for a signed-in user; `mfa`: whether the sign-in
/// performed multifactor authentication (kept with the refresh token).
#[allow(clippy::too_many_arguments)]
fn user_tokens(
    world: &mut World,
    tenant_id: &str,
    user_object_id: &str,
    client_id: &str,
    scope: &str,
    nonce: Option<&str>,
    client_info: bool,
    mfa: bool,
) -> Response {
    let scopes = match parse_scopes(scope) {
        Ok(scopes) => scopes,
        Err(response) => return response,
    };
    let resource = scopes
        .resource
        .clone()
        .unwrap_or_else(|| "https://graph.microsoft.com".to_owned());
    if scopes.resource.is_some() && !is_known_resource(&world.endpoints, &resource) {
        let Some(tenant) = world.directory.tenant(tenant_id).cloned() else {
            return tenant_not_found(tenant_id);
        };
        return unknown_resource(&resource, &tenant);
    }
    let Some(user) = world.directory.user(user_object_id).cloned() else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50_034,
            "The user account does not exist in the directory. To sign into this application, the account must be added to the directory.",
        );
    };
    let now = wall_clock_unix();
    let scp = if scopes.scp.is_empty() {
        "openid profile email".to_owned()
    } else {
        scopes.scp.join(" ")
    };
    let access_token = match issue_access_token(
        world,
        &TokenRequest {
            tenant_id,
            object_id: &user.object_id,
            app_id: client_id,
            audience: &resource,
            delegated_scopes: Some(&scp),
            issued_at: now,
            lifetime: ACCESS_TOKEN_LIFETIME,
        },
    ) {
        Ok(token) => token,
        Err(e) => return server_error(&e),
    };
    let mut response = Map::new();
    response.insert("token_type".into(), json!("Bearer"));
    let mut echoed = scopes.requested.clone();
    if echoed.is_empty() {
        echoed.push("openid".into());
        echoed.push("profile".into());
    }
    response.insert("scope".into(), json!(echoed.join(" ")));
    response.insert("expires_in".into(), json!(ACCESS_TOKEN_LIFETIME));
    response.insert("ext_expires_in".into(), json!(ACCESS_TOKEN_LIFETIME));
    response.insert("access_token".into(), json!(access_token));
    if scopes.offline_access {
        let refresh = random_token(48);
        world.directory.forget_expired(now);
        // Every user-token response issues a refresh token; keep the newest ones
        // so a long-lived sandbox state does not grow without bound.
        let excess = world
            .directory
            .refresh_tokens
            .len()
            .saturating_sub(MAX_REFRESH_TOKENS - 1);
        world.directory.refresh_tokens.drain(..excess);
        world.directory.refresh_tokens.push(RefreshToken {
            token: refresh.clone(),
            client_id: client_id.to_ascii_lowercase(),
            tenant_id: tenant_id.to_ascii_lowercase(),
            user_object_id: user.object_id.clone(),
            expires_at: now + REFRESH_TOKEN_LIFETIME,
            mfa,
            revoked: false,
        });
        response.insert("refresh_token".into(), json!(refresh));
        response.insert(
            "refresh_token_expires_in".into(),
            json!(REFRESH_TOKEN_LIFETIME),
        );
    }
    if scopes.openid {
        let mut claims = Map::new();
        claims.insert("aud".into(), json!(client_id));
        claims.insert("iss".into(), json!(v2_issuer(&world.endpoints, tenant_id)));
        claims.insert("iat".into(), json!(now));
        claims.insert("nbf".into(), json!(now));
        claims.insert("exp".into(), json!(now + ACCESS_TOKEN_LIFETIME));
        claims.insert("name".into(), json!(user.display_name));
        claims.insert("oid".into(), json!(user.object_id));
        claims.insert("preferred_username".into(), json!(user.user_principal_name));
        claims.insert("sub".into(), json!(user.object_id));
        claims.insert("tid".into(), json!(tenant_id));
        claims.insert("uti".into(), json!(random_token(16)));
        claims.insert("ver".into(), json!("2.0"));
        if let Some(nonce) = nonce {
            claims.insert("nonce".into(), json!(nonce));
        }
        match world.directory.signing_key.sign(&claims) {
            Ok(id_token) => {
                response.insert("id_token".into(), json!(id_token));
            }
            Err(e) => return server_error(&e.to_string()),
        }
    }
    if client_info {
        let info = json!({ "uid": user.object_id, "utid": tenant_id }).to_string();
        response.insert("client_info".into(), json!(URL_SAFE_NO_PAD.encode(info)));
    }
    token_response(Value::Object(response))
}

fn refresh_token(
    world: &mut World,
    segment: &str,
    tenant: &Tenant,
    pairs: &[(String, String)],
) -> Response {
    let Some(refresh) = param(pairs, "refresh_token") else {
        return missing_parameter("refresh_token");
    };
    let Some(client_id) = param(pairs, "client_id") else {
        return missing_parameter("client_id");
    };
    let now = wall_clock_unix();
    let Some(entry) = world
        .directory
        .refresh_tokens
        .iter()
        .find(|t| t.token == refresh && t.expires_at > now)
        .cloned()
    else {
        return expired_grant();
    };
    if entry.revoked {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50_173,
            "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have \
             changed or reset their password, or an administrator revoked their sessions.",
        );
    }
    if !entry.client_id.eq_ignore_ascii_case(client_id) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            700_005,
            "The refresh token was issued to a different client application; use the client that signed the user in.",
        );
    }
    let multi_tenant = ["common", "organizations", "consumers"]
        .iter()
        .any(|a| a.eq_ignore_ascii_case(segment));
    // A refresh token is good at every tenant its user belongs to (Entra's multi-resource
    // refresh token): the home tenant, and those the user is a guest of. `organizations`
    // means the user's home tenant.
    let tenant_id = if multi_tenant {
        world
            .directory
            .user(&entry.user_object_id)
            .map_or_else(|| entry.tenant_id.clone(), |u| u.tenant_id.clone())
    } else {
        tenant.id.clone()
    };
    if !world.directory.is_member(&tenant_id, &entry.user_object_id) {
        let upn = world
            .directory
            .user(&entry.user_object_id)
            .map(|u| u.user_principal_name.clone())
            .unwrap_or_default();
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50_020,
            &format!(
                "User account '{upn}' from identity provider '{}' does not exist in tenant '{}' and cannot access the \
                 application '{client_id}' in that tenant. The account needs to be added as an external user in the tenant first.",
                super::access_token_issuer(&world.endpoints, &entry.tenant_id),
                tenant.display_name
            ),
        );
    }
    // The policy of the tenant the token is for, which for a guest is not the home tenant.
    if interactive_mfa(world, &tenant_id) && !entry.mfa {
        let resource = param(pairs, "scope")
            .and_then(|scope| parse_scopes(scope).ok())
            .and_then(|scopes| scopes.resource)
            .unwrap_or_else(|| "https://graph.microsoft.com".to_owned());
        let mut extra = Map::new();
        // What Entra adds to a Conditional Access refusal: the user can satisfy it by
        // signing in interactively (`basic_action`), and the claims challenge to send.
        extra.insert("suberror".into(), json!("basic_action"));
        extra.insert(
            "claims".into(),
            json!(r#"{"access_token":{"capolids":{"essential":true,"values":["sandbox-require-mfa"]}}}"#),
        );
        return oauth_error_with(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50_076,
            &format!(
                "Due to a configuration change made by your administrator, or because you moved to a new location, you \
                 must use multi-factor authentication to access '{resource}'."
            ),
            extra,
        );
    }
    let scope = param(pairs, "scope")
        .unwrap_or("openid profile offline_access")
        .to_owned();
    let client_info = param(pairs, "client_info") == Some("1");
    user_tokens(
        world,
        &tenant_id,
        &entry.user_object_id,
        &entry.client_id,
        &scope,
        None,
        client_info,
        entry.mfa,
    )
}

fn device_code_grant(world: &mut World, tenant: &Tenant, pairs: &[(String, String)]) -> Response {
    let Some(device_code) = param(pairs, "device_code").or_else(|| param(pairs, "code")) else {
        return missing_parameter("device_code");
    };
    let now = wall_clock_unix();
    let now_ms = crate::clock::wall_clock_unix_ms();
    let Some(index) = world
        .directory
        .device_codes
        .iter()
        .position(|c| c.device_code == device_code)
    else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70_000,
            "The provided value for the input parameter 'device_code' is not valid.",
        );
    };
    let _ = tenant;
    let entry = world.directory.device_codes[index].clone();
    if entry.expires_at <= now {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "expired_token",
            70_020,
            "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
        );
    }
    if entry.declined {
        world
            .directory
            .device_codes
            .retain(|c| c.device_code != device_code);
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "authorization_declined",
            65_004,
            "User declined to consent to access the app.",
        );
    }
    if let Some(user) = entry.approved_user_object_id.clone() {
        world
            .directory
            .device_codes
            .retain(|c| c.device_code != device_code);
        let mfa = interactive_mfa(world, &entry.tenant_id);
        return user_tokens(
            world,
            &entry.tenant_id,
            &user,
            &entry.client_id,
            &entry.scope,
            None,
            true,
            mfa,
        );
    }
    // RFC 8628 section 3.5: a client that polls sooner than the interval is told to slow
    // down, and its interval grows by 5 s. Half a second of slack for timers and latency.
    let stored = &mut world.directory.device_codes[index];
    let too_soon = stored
        .last_polled_at_ms
        .is_some_and(|last| now_ms - last < stored.interval_secs * 1000 - 500);
    stored.last_polled_at_ms = Some(now_ms);
    if too_soon {
        stored.interval_secs += 5;
        let interval = stored.interval_secs;
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "slow_down",
            70_016,
            &format!(
                "OAuth 2.0 device flow error. Authorization is pending, and the client polls too often: wait {interval} \
                 seconds between requests."
            ),
        );
    }
    oauth_error(
        StatusCode::BAD_REQUEST,
        "authorization_pending",
        70_016,
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
    )
}

fn random_token(bytes: usize) -> String {
    use rand::RngCore as _;
    let mut buffer = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

fn is_loopback_redirect(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    let loopback_host = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    matches!(url.scheme(), "http" | "https") && loopback_host
}

fn authorize(world: &mut World, segment: &str, req: &Request) -> Response {
    let pairs = form(req);
    let Some(tenant) = world.directory.resolve_tenant(segment).cloned() else {
        return html(
            StatusCode::BAD_REQUEST,
            "Sign in failed",
            &format!(
                "<p>AADSTS90002: Tenant '{}' not found. Check to make sure you have the correct tenant ID.</p>",
                escape_html(segment)
            ),
        );
    };
    let Some(client_id) = param(&pairs, "client_id") else {
        return html(
            StatusCode::BAD_REQUEST,
            "Sign in failed",
            "<p>AADSTS900144: The request body must contain the following parameter: 'client_id'.</p>",
        );
    };
    if !world.directory.is_known_client(&tenant.id, client_id) {
        return html(
            StatusCode::BAD_REQUEST,
            "Sign in failed",
            &format!(
                "<p>AADSTS700016: Application with identifier '{}' was not found in the directory '{}'.</p>",
                escape_html(client_id),
                escape_html(&tenant.display_name)
            ),
        );
    }
    let redirect_uri = param(&pairs, "redirect_uri").unwrap_or_default().to_owned();
    if !is_loopback_redirect(&redirect_uri) {
        return html(
            StatusCode::BAD_REQUEST,
            "Sign in failed",
            &format!(
                "<p>AADSTS50011: The redirect URI '{}' specified in the request does not match the redirect URIs configured \
             for the application '{}'. The sandbox accepts only loopback redirect URIs (http://localhost:PORT, \
             http://127.0.0.1:PORT or http://[::1]:PORT).</p>",
                escape_html(&redirect_uri),
                escape_html(client_id)
            ),
        );
    }
    let state = param(&pairs, "state").map(str::to_owned);
    let response_mode = param(&pairs, "response_mode").unwrap_or("query").to_owned();
    let redirect_error = |error: &str, description: &str| {
        let mut params = vec![
            ("error".to_owned(), error.to_owned()),
            ("error_description".to_owned(), description.to_owned()),
        ];
        if let Some(state) = &state {
            params.push(("state".to_owned(), state.clone()));
        }
        redirect_with(&redirect_uri, &response_mode, &params)
    };
    if !param(&pairs, "response_type").is_some_and(|t| t.split_whitespace().any(|t| t == "code")) {
        return redirect_error(
            "unsupported_response_type",
            "AADSTS700054: response_type must include 'code'; the sandbox supports the authorization code flow only.",
        );
    }
    let challenge = param(&pairs, "code_challenge").map(str::to_owned);
    let method = param(&pairs, "code_challenge_method").map(str::to_owned);
    if challenge.is_some()
        && method
            .as_deref()
            .is_some_and(|m| m != "S256" && m != "plain")
    {
        return redirect_error(
            "invalid_request",
            "AADSTS501491: Invalid size of Code_Challenge parameter. code_challenge_method must be S256 or plain.",
        );
    }
    let user = param(&pairs, "login_hint")
        .and_then(|hint| {
            world.directory.users.iter().find(|u| {
                u.user_principal_name.eq_ignore_ascii_case(hint)
                    && world.directory.is_member(&tenant.id, &u.object_id)
            })
        })
        .map(|u| u.object_id.clone())
        .or_else(|| tenant.demo_user_object_id.clone());
    let Some(user) = user else {
        return redirect_error(
            "access_denied",
            "AADSTS50020: The tenant has no user the sandbox can sign in.",
        );
    };
    let code = random_token(48);
    world.directory.forget_expired(wall_clock_unix());
    world.directory.auth_codes.push(AuthCode {
        code: code.clone(),
        client_id: client_id.to_ascii_lowercase(),
        redirect_uri: redirect_uri.clone(),
        code_challenge: challenge,
        code_challenge_method: method,
        tenant_id: tenant.id.clone(),
        user_object_id: user.clone(),
        scope: param(&pairs, "scope")
            .unwrap_or("openid profile")
            .to_owned(),
        nonce: param(&pairs, "nonce").map(str::to_owned),
        expires_at: wall_clock_unix() + AUTH_CODE_LIFETIME,
        redeemed: false,
    });
    let mut params = vec![("code".to_owned(), code)];
    if param(&pairs, "client_info") == Some("1") {
        let info = json!({ "uid": user, "utid": tenant.id }).to_string();
        params.push(("client_info".to_owned(), URL_SAFE_NO_PAD.encode(info)));
    }
    if let Some(state) = &state {
        params.push(("state".to_owned(), state.clone()));
    }
    params.push(("session_state".to_owned(), uuid::Uuid::new_v4().to_string()));
    redirect_with(&redirect_uri, &response_mode, &params)
}

fn redirect_with(redirect_uri: &str, response_mode: &str, params: &[(String, String)]) -> Response {
    let encoded: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish();
    match response_mode {
        "form_post" => {
            let inputs: String = params
                .iter()
                .map(|(k, v)| {
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>",
                        escape_html(k),
                        escape_html(v)
                    )
                })
                .collect();
            html(
                StatusCode::OK,
                "Working...",
                &format!(
                    "<form method=\"POST\" name=\"hiddenform\" action=\"{}\">{inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\"/></noscript></form><script>document.forms[0].submit();</script>",
                    escape_html(redirect_uri)
                ),
            )
        }
        "fragment" => Response::empty(StatusCode::FOUND)
            .with_header("location", &format!("{redirect_uri}#{encoded}")),
        _ => {
            let separator = if redirect_uri.contains('?') { '&' } else { '?' };
            Response::empty(StatusCode::FOUND)
                .with_header("location", &format!("{redirect_uri}{separator}{encoded}"))
        }
    }
}

fn device_code(world: &mut World, segment: &str, req: &Request) -> Response {
    let Some(tenant) = world.directory.resolve_tenant(segment).cloned() else {
        return tenant_not_found(segment);
    };
    let pairs = form(req);
    let Some(client_id) = param(&pairs, "client_id") else {
        return missing_parameter("client_id");
    };
    if !world.directory.is_known_client(&tenant.id, client_id) {
        return unknown_client(client_id, &tenant);
    }
    let scope = param(&pairs, "scope").unwrap_or("openid profile offline_access");
    if let Err(response) = parse_scopes(scope) {
        return response;
    }
    let user_code = user_code();
    let device_code = random_token(48);
    let now = wall_clock_unix();
    world.directory.forget_expired(now);
    world.directory.device_codes.push(DeviceCode {
        device_code: device_code.clone(),
        user_code: user_code.clone(),
        client_id: client_id.to_ascii_lowercase(),
        tenant_id: tenant.id.clone(),
        scope: scope.to_owned(),
        expires_at: now + DEVICE_CODE_LIFETIME,
        approved_user_object_id: None,
        declined: false,
        interval_secs: DEVICE_CODE_POLL_INTERVAL,
        last_polled_at_ms: None,
    });
    let verification_uri = format!(
        "{}{}",
        world.endpoints.login().trim_end_matches('/'),
        DEVICE_LOGIN_PATH
    );
    Response::json(
        StatusCode::OK,
        &json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": DEVICE_CODE_LIFETIME,
            "interval": DEVICE_CODE_POLL_INTERVAL,
            "message": format!(
                "To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."
            ),
        }),
    )
}

fn user_code() -> String {
    use rand::Rng as _;
    // Entra's alphabet leaves out look-alike characters.
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..9)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Approves a pending device code as `user_object_id`, or as the code's
/// tenant's demo user. Used by the device-login page and the admin API.
pub fn approve_device_code(
    world: &mut World,
    user_code: &str,
    user_object_id: Option<&str>,
) -> Result<String, String> {
    let wanted: String = user_code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let now = wall_clock_unix();
    let directory = &mut world.directory;
    let index = directory
        .device_codes
        .iter()
        .position(|c| c.user_code == wanted && c.expires_at > now)
        .ok_or_else(|| format!("No pending sign-in has the code '{user_code}'. Check the code, or start the sign-in again on your device."))?;
    let tenant_id = directory.device_codes[index].tenant_id.clone();
    let user = match user_object_id {
        Some(oid) => directory
            .user(oid)
            .filter(|u| directory.is_member(&tenant_id, &u.object_id))
            .map(|u| u.object_id.clone())
            .ok_or_else(|| format!("The user '{oid}' is not in the tenant '{tenant_id}'."))?,
        None => directory
            .tenant(&tenant_id)
            .and_then(|t| t.demo_user_object_id.clone())
            .ok_or_else(|| format!("The tenant '{tenant_id}' has no demo user to sign in."))?,
    };
    directory.device_codes[index].approved_user_object_id = Some(user.clone());
    Ok(user)
}

/// Declines a pending device-code sign-in, as a user who chooses "No, cancel" on the
/// verification page: the device's next poll answers `authorization_declined`.
pub fn decline_device_code(world: &mut World, user_code: &str) -> Result<(), String> {
    let wanted: String = user_code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let now = wall_clock_unix();
    let entry = world
        .directory
        .device_codes
        .iter_mut()
        .find(|c| {
            c.user_code == wanted && c.expires_at > now && c.approved_user_object_id.is_none()
        })
        .ok_or_else(|| format!("No pending sign-in has the code '{user_code}'."))?;
    entry.declined = true;
    Ok(())
}

fn device_login_page(world: &mut World, req: &Request) -> Response {
    let pairs = form(req);
    if let Some(code) = param(&pairs, "otc") {
        return match approve_device_code(world, code, None) {
            Ok(user) => {
                let name = world
                    .directory
                    .user(&user)
                    .map(|u| u.user_principal_name.clone())
                    .unwrap_or(user);
                html(
                    StatusCode::OK,
                    "You're signed in",
                    &format!(
                        "<p>You have signed in as {} on your device. You may now close this window.</p>",
                        escape_html(&name)
                    ),
                )
            }
            Err(message) => html(
                StatusCode::BAD_REQUEST,
                "Enter code",
                &format!("<p>{}</p>{}", escape_html(&message), DEVICE_FORM),
            ),
        };
    }
    html(StatusCode::OK, "Enter code", DEVICE_FORM)
}

const DEVICE_FORM: &str = "<p>Enter the code displayed on your app or device. The sandbox signs you in as the tenant's demo user.</p>\
<form method=\"POST\" action=\"/devicelogin\"><input name=\"otc\" autofocus/><input type=\"submit\" value=\"Next\"/></form>";

fn logout(req: &Request) -> Response {
    match req
        .query_param("post_logout_redirect_uri")
        .filter(|u| is_loopback_redirect(u))
    {
        Some(uri) => Response::empty(StatusCode::FOUND).with_header("location", uri),
        None => html(
            StatusCode::OK,
            "You signed out of your account",
            "<p>It's a good idea to close all browser windows.</p>",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_an_independent_computation() {
        // Challenge computed with Python: base64url(sha256(verifier)) without padding.
        let verifier = "dBjftJeZ4CVP-mJ92K9qpvH4p5Ey9WBVq2-N9_1X7-w";
        let challenge = "1tZCNEjLLzZLPWHx4h13A9DhMrPGwZaQj_P37qJvgyU";
        assert!(pkce_matches(challenge, "S256", verifier));
        assert!(!pkce_matches(challenge, "S256", "wrong"));
        assert!(pkce_matches("abc", "plain", "abc"));
    }

    #[test]
    fn only_loopback_redirects_are_allowed() {
        for (uri, ok) in [
            ("http://localhost:8400", true),
            ("http://127.0.0.1:5000/callback", true),
            ("http://[::1]:5000/", true),
            ("https://example.com/callback", false),
            ("http://localhost.evil.com/", false),
            ("not a url", false),
        ] {
            assert_eq!(is_loopback_redirect(uri), ok, "{uri}");
        }
    }

    #[test]
    fn scopes_name_one_resource() {
        let scopes =
            parse_scopes("https://management.core.windows.net//.default openid offline_access")
                .expect("valid");
        assert_eq!(
            scopes.resource.as_deref(),
            Some("https://management.core.windows.net/")
        );
        assert_eq!(scopes.scp, vec!["user_impersonation"]);
        assert!(scopes.openid && scopes.offline_access);
        assert!(parse_scopes("https://a.example/.default https://b.example/.default").is_err());
    }
}
