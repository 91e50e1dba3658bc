//! A local Azure: Entra ID, Resource Manager and Key Vault over real HTTPS.
//!
//! The sandbox is keyblade's test oracle, so it shares no code with the product
//! crates: it implements Azure's behaviour from Azure's documents and REST specs.
//! A misunderstanding of Azure in the product must not be repeated here.
//!
//! Module ownership while the crate is being built (two authors work in parallel):
//! - platform: `server`, `tls`, `http`, `world`, `clock`, `entra`, `keyvault`, `faults`,
//!   `admin`, `persist`, `propagation`, `main.rs`;
//! - resource manager: `arm` (and everything below it), `rbac`, `cmk`, `scenario`.
//!
//! The contract between them is Azure's own JSON: ARM resources are stored as the
//! JSON Azure returns, and the Key Vault data plane reads a vault's access policies,
//! RBAC flag and network rules from the `Microsoft.KeyVault/vaults` resource.

// Handlers return `Result<Response, Response>`: the error is a complete HTTP
// answer, produced once per request, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod arm;
pub mod clock;
pub mod cmk;
pub mod entra;
pub mod faults;
pub mod http;
pub mod keyvault;
pub mod persist;
pub mod propagation;
pub mod rbac;
pub mod scenario;
pub mod server;
pub mod tls;
pub mod world;

pub use admin::{ADMIN_KEY_HEADER, AdminApi};
pub use faults::RandomFaultKind;
pub use server::{DEMO, DemoCredentials, RunningSandbox, Sandbox, SandboxConfig};
