//! Azure Resource Manager. Owned by the resource-manager author; this file is a
//! placeholder created by the platform author so the crate compiles.

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::http::{Caller, Request, Response};
use crate::world::World;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ArmState {}

/// Every authenticated request to `https://localhost:P` that is not Entra ID,
/// `/metadata/endpoints` or the admin API.
pub fn handle(_world: &mut World, _caller: &Caller, req: &Request) -> Response {
    Response::json(
        StatusCode::NOT_FOUND,
        &json!({
            "error": {
                "code": "NotFound",
                "message": format!("No HTTP resource was found that matches the request URI '{}'.", req.path)
            }
        }),
    )
}

/// `GET /metadata/endpoints` (unauthenticated).
pub fn metadata_endpoints(_world: &World, _req: &Request) -> Response {
    Response::json(
        StatusCode::NOT_FOUND,
        &json!({"error": {"code": "NotFound", "message": "metadata endpoints are not served yet"}}),
    )
}

/// Applies time-driven changes (LRO progress, auto-rotation of unversioned key
/// identifiers) up to the sandbox clock's now. Called before every request.
pub fn on_tick(_world: &mut World) {}

/// The `Microsoft.KeyVault/vaults` resource named `name` (case-insensitive), as Azure's JSON.
pub fn vault_resource<'a>(_world: &'a World, _name: &str) -> Option<&'a Value> {
    None
}

/// Any resource by ID, as stored (admin API `GET /_sandbox/resource?id=`).
pub fn raw_resource(_world: &World, _id: &str) -> Option<Value> {
    None
}
