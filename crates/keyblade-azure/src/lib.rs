//! keyblade's Azure side: which cloud to talk to, and (later) the clients that talk to it.

pub mod cloud;

pub use cloud::{CloudMetadataError, CloudSettings};
