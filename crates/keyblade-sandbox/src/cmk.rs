//! Customer-managed-key semantics. Owned by the resource-manager author; placeholder.

use serde_json::Value;

use crate::world::World;

/// The CMK data health of a resource, for the admin API: `None` when there is
/// no such resource.
pub fn health(_world: &World, _resource_id: &str) -> Option<Value> {
    None
}
