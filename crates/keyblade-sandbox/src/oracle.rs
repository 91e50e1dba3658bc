//! The sandbox's state, as [`RunningSandbox::with_world`] lends it, and the
//! helpers tests use on it.
//!
//! A test checks the product against the oracle: after the app writes through
//! Azure's API, it reads the sandbox's own record (a resource's stored JSON,
//! whether Azure could use a customer-managed key, who holds which role). It
//! also arranges what no request can, such as approving a device code as the
//! user's browser would, or deleting a vault behind the app's back.
//!
//! [`World`]'s fields are public so that a test can read and change any of it
//! (the clock, fault rules, the propagation delay, stored resources); their
//! types are the crate's own and cannot be named outside it, which keeps them
//! free to change shape. Types a test has to name are re-exported here.
//!
//! [`RunningSandbox::with_world`]: crate::RunningSandbox::with_world

pub use crate::arm::raw_resource;
/// Moves a vault to `deletedVaults` as a `DELETE` would (soft delete is always on).
pub use crate::arm::vault::soft_delete as soft_delete_vault;
/// The data health Azure would report for a resource's customer-managed key.
pub use crate::cmk::health as cmk_health;
pub use crate::entra::directory::RefreshToken;
pub use crate::entra::{approve_device_code, wall_clock_unix};
pub use crate::keyvault::store::{LifetimeActionType, LifetimeTrigger};
/// The role assignments held by a principal, at any scope.
pub use crate::rbac::assignments_of as role_assignments_of;
pub use crate::world::World;
