//! keyblade's domain logic: pure functions and validated types, no I/O, no clock, no
//! network. The Tauri shell and the Azure client crate call into it.

#![warn(missing_docs)]

pub mod arm_id;
pub mod history;
pub mod key_uri;
pub mod kind;
pub mod lifecycle;
pub mod preflight;

pub use arm_id::{ResourceId, ResourceIdError};
pub use key_uri::{
    InvalidVaultSuffix, KeyUri, KeyUriError, KeyUriKind, KeyVersion, NameProblem, PortRule,
    Rotation, VaultKind, VaultSuffix, VaultSuffixes, VersionProblem, validate_key_name,
};
pub use kind::{BodyShape, IdentityReference, KindRules, ResourceKind};
