//! Azure RBAC evaluation. Owned by the resource-manager author; placeholder.

use crate::world::World;

/// Whether `principal_object_id` (directly or through a group) holds a role
/// assignment at `scope` or any ancestor scope whose role grants `data_action`.
pub fn data_action_allowed(
    _world: &World,
    _principal_object_id: &str,
    _scope: &str,
    _data_action: &str,
) -> bool {
    false
}
