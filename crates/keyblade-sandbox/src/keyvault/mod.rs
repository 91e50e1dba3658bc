//! The Key Vault data plane for keys: `https://{vault}.vault.localhost:P`.

pub mod authz;
pub mod crypto;
pub mod rotation;
mod routes;
pub mod store;

pub use authz::{Denial, KeyOperation, NetworkOrigin, authorize_on_key};
pub use routes::handle;
pub use store::{KeyType, NewKey, VaultData};

use crate::world::World;

/// Applies rotation policies that came due and purges deleted keys whose
/// retention ended, up to the sandbox clock's now.
pub fn on_tick(world: &mut World) {
    let now = world.clock.now_unix();
    rotation::rotate_due_keys(&mut world.vaults, now);
    world.vaults.purge_due(now);
}
