//! Scenarios (demo, large, empty, FILE). Owned by the resource-manager author; placeholder.

use crate::world::World;

/// Fills `world` (which already has the built-in tenants and principals) with a scenario.
pub fn build(name: &str, _world: &mut World) -> Result<(), String> {
    match name {
        "empty" => Ok(()),
        other => Err(format!(
            "the scenario '{other}' is not available yet; use 'empty'"
        )),
    }
}
