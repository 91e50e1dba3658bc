//! keyblade's domain logic: pure functions and validated types, no I/O, no clock, no
//! network. The Tauri shell and the Azure client crate call into it.

pub mod key_uri;

pub use key_uri::{
    InvalidVaultSuffix, KeyUri, KeyUriError, KeyUriKind, KeyVersion, NameProblem, PortRule,
    Rotation, VaultKind, VaultSuffix, VaultSuffixes, VersionProblem,
};
