//! Entra ID (the Microsoft identity platform v2.0 endpoints) for the sandbox's
//! tenants: discovery, the token endpoint's grants, the authorize endpoint, the
//! device-code flow, and verification of the tokens it issued.

pub mod certificate;
pub mod directory;
pub mod jwt;
mod oauth;

pub use directory::Directory;
pub use oauth::{approve_device_code, decline_device_code, handle, is_entra_path};

use serde_json::{Map, Value, json};

use crate::clock::wall_clock_unix_ms;
use crate::http::{Caller, PrincipalKind, Request};
use crate::world::{Endpoints, World};

/// Access-token lifetime, in seconds (Entra issues 60-90 minutes).
pub const ACCESS_TOKEN_LIFETIME: i64 = 3599;

/// The `iss` of access tokens for tenant `tid`, in the v1 form Resource Manager
/// and Key Vault tokens carry (`https://sts.windows.net/{tid}/` in Azure).
pub fn access_token_issuer(endpoints: &Endpoints, tenant_id: &str) -> String {
    format!("{}{}/", endpoints.login(), tenant_id)
}

/// The v2.0 issuer of ID tokens and of the OpenID configuration.
pub fn v2_issuer(endpoints: &Endpoints, tenant_id: &str) -> String {
    format!("{}{}/v2.0", endpoints.login(), tenant_id)
}

/// Token audiences Resource Manager accepts. The first is the one
/// `/metadata/endpoints` advertises in `authentication.audiences`.
pub fn arm_audiences(endpoints: &Endpoints) -> Vec<String> {
    let arm = endpoints.arm();
    vec![
        "https://management.core.windows.net/".to_owned(),
        "https://management.core.windows.net".to_owned(),
        "https://management.azure.com/".to_owned(),
        "https://management.azure.com".to_owned(),
        format!("{arm}/"),
        arm,
    ]
}

/// Audiences Key Vault accepts: the challenge's `resource`, with or without a trailing slash.
pub fn vault_audiences(endpoints: &Endpoints) -> Vec<String> {
    let resource = endpoints.vault_resource();
    vec![format!("{resource}/"), resource]
}

/// Whether `audience` names a resource tokens can be issued for.
pub fn is_known_resource(endpoints: &Endpoints, audience: &str) -> bool {
    arm_audiences(endpoints)
        .iter()
        .chain(vault_audiences(endpoints).iter())
        .any(|a| a.eq_ignore_ascii_case(audience))
}

/// Wall-clock Unix seconds: what tokens and device codes expire by. They do not
/// follow the sandbox clock, so advancing it never expires a client's token.
pub fn wall_clock_unix() -> i64 {
    wall_clock_unix_ms().div_euclid(1000)
}

/// Why a bearer token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    /// No `Authorization` header.
    Missing,
    /// An `Authorization` header that is not `Bearer <token>`.
    NotBearer,
    /// Not a token this sandbox signed, or its claims are unusable.
    Invalid(String),
    /// Expired at `expired_at` (wall-clock Unix seconds).
    Expired {
        expired_at: i64,
        now: i64,
    },
    NotYetValid {
        not_before: i64,
        now: i64,
    },
}

/// Verifies the request's bearer token (signature, issuer, lifetime) and names
/// the caller. Audience and tenant checks belong to each service, since each
/// answers them with its own error.
pub fn authenticate(world: &World, req: &Request) -> Result<Caller, TokenProblem> {
    let header = req.header("authorization").ok_or(TokenProblem::Missing)?;
    let (scheme, token) = header
        .trim()
        .split_once(' ')
        .ok_or(TokenProblem::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(TokenProblem::NotBearer);
    }
    verify_access_token(world, token.trim())
}

pub fn verify_access_token(world: &World, token: &str) -> Result<Caller, TokenProblem> {
    let claims = world
        .directory
        .signing_key
        .verify(token)
        .map_err(|e| TokenProblem::Invalid(e.to_string()))?;
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
    };
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    let tenant_id =
        text("tid").ok_or_else(|| TokenProblem::Invalid("the token has no tid claim".into()))?;
    let object_id =
        text("oid").ok_or_else(|| TokenProblem::Invalid("the token has no oid claim".into()))?;
    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if issuer != access_token_issuer(&world.endpoints, &tenant_id)
        && issuer != v2_issuer(&world.endpoints, &tenant_id)
    {
        return Err(TokenProblem::Invalid(format!(
            "the issuer '{issuer}' is not this sandbox's"
        )));
    }
    if world.directory.tenant(&tenant_id).is_none() {
        return Err(TokenProblem::Invalid(format!(
            "the tenant '{tenant_id}' does not exist"
        )));
    }
    let now = wall_clock_unix();
    let expires =
        number("exp").ok_or_else(|| TokenProblem::Invalid("the token has no exp claim".into()))?;
    if expires <= now {
        return Err(TokenProblem::Expired {
            expired_at: expires,
            now,
        });
    }
    // Five minutes of clock skew, as Azure's token validation allows.
    if let Some(not_before) = number("nbf").filter(|nbf| *nbf > now + 300) {
        return Err(TokenProblem::NotYetValid { not_before, now });
    }
    let kind = if claims.get("idtyp").and_then(Value::as_str) == Some("app")
        || !claims.contains_key("scp")
    {
        PrincipalKind::ServicePrincipal
    } else {
        PrincipalKind::User
    };
    Ok(Caller {
        tenant_id,
        object_id,
        app_id: text("appid").or_else(|| text("azp")).unwrap_or_default(),
        audience: claims
            .get("aud")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        kind,
    })
}

/// What an access token is issued for.
#[derive(Debug, Clone)]
pub struct TokenRequest<'a> {
    pub tenant_id: &'a str,
    pub object_id: &'a str,
    pub app_id: &'a str,
    pub audience: &'a str,
    /// `Some(scopes)` for delegated (user) tokens, `None` for app-only tokens.
    pub delegated_scopes: Option<&'a str>,
    /// Wall-clock Unix seconds; may be in the past (tests of expired tokens).
    pub issued_at: i64,
    pub lifetime: i64,
}

/// Signs an access token in the v1 shape Resource Manager and Key Vault receive.
pub fn issue_access_token(world: &World, request: &TokenRequest<'_>) -> Result<String, String> {
    let issuer = access_token_issuer(&world.endpoints, request.tenant_id);
    let mut claims = Map::new();
    let mut put = |name: &str, value: Value| {
        claims.insert(name.to_owned(), value);
    };
    put("aud", json!(request.audience));
    put("iss", json!(issuer));
    put("iat", json!(request.issued_at));
    put("nbf", json!(request.issued_at));
    put("exp", json!(request.issued_at + request.lifetime));
    put("appid", json!(request.app_id));
    put("idp", json!(issuer));
    put("oid", json!(request.object_id));
    put("sub", json!(request.object_id));
    put("tid", json!(request.tenant_id));
    put("uti", json!(uuid::Uuid::new_v4().simple().to_string()));
    put("ver", json!("1.0"));
    match request.delegated_scopes {
        Some(scopes) => {
            put("idtyp", json!("user"));
            put("scp", json!(scopes));
            put("appidacr", json!("0"));
            put("amr", json!(["pwd"]));
            if let Some(user) = world.directory.user(request.object_id) {
                put("upn", json!(user.user_principal_name));
                put("unique_name", json!(user.user_principal_name));
                put("name", json!(user.display_name));
            }
        }
        None => {
            put("idtyp", json!("app"));
            put("appidacr", json!("1"));
        }
    }
    world
        .directory
        .signing_key
        .sign(&claims)
        .map_err(|e| e.to_string())
}
