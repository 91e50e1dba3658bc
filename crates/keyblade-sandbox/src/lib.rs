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
//!
//! # Public API
//!
//! Every module but [`scenario`] and [`oracle`] is private to the crate: what
//! other crates (and the binary, `main.rs`) see is this facade, kept small so
//! that the sandbox's inside (routes, handlers, how state is laid out) changes
//! without touching them. Each part is public for a named user:
//!
//! - Running a sandbox: [`Sandbox`], [`SandboxConfig`], [`RunningSandbox`],
//!   [`AdminApi`] and [`ADMIN_KEY_HEADER`] (how the `/_sandbox/` API is locked),
//!   [`DEMO`] / [`DemoCredentials`]. For the binary (`main.rs`), the desktop
//!   app's embedded demo tenant (`src-tauri`), and every test and benchmark
//!   that talks to a sandbox over HTTPS.
//! - [`scenario`]: what a sandbox holds at start. The demo scenario's names
//!   (subscriptions, groups, the reader principal) and the large scenario's
//!   shape, which tests and benchmarks address resources by; and scenario
//!   steps ([`scenario::Step`], [`scenario::apply`]), the same JSON as a
//!   `--scenario FILE`, which tests use to add to a running world.
//! - [`directory`]: the built-in tenants, apps and users, for tests that sign
//!   in as them.
//! - Fault injection: [`FaultRule`], [`RouteMatcher`], [`FaultEffect`] (the
//!   rules `POST /_sandbox/faults` takes, which tests also add in process) and
//!   [`RandomFaultKind`] (`--fault-kinds`, [`SandboxConfig::fault_kinds`]). For
//!   keyblade-azure's retry and safe-write tests and the soak benchmark.
//! - [`oracle`]: the state behind [`RunningSandbox::with_world`] and the few
//!   helpers tests use to read it as Azure would report it (a resource's
//!   stored JSON, a customer-managed key's data health, role assignments) or
//!   to arrange what no request can (approving a device code as the user's
//!   browser would, a vault deleted behind the app's back). For
//!   keyblade-azure's integration tests and benchmarks: the oracle's answer is
//!   what they check the product against.
//! - [`CertificateAuthority`]: a CA like the sandbox's, for tests that need a
//!   second one (a client must refuse it) or serve their own fake over TLS.
//!
//! The crate's own tests that call handlers directly (no sockets) live inside
//! it (`src/tests/`), not in `tests/`, so that nothing is public for them.

// Handlers return `Result<Response, Response>`: the error is a complete HTTP
// answer, produced once per request, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

// Everything below is the crate's own: routing, handlers and the state's
// layout change freely. Consumers see only the facade after it.
pub(crate) mod admin;
pub(crate) mod arm;
pub(crate) mod clock;
pub(crate) mod cmk;
pub(crate) mod entra;
pub(crate) mod faults;
pub(crate) mod http;
pub(crate) mod keyvault;
pub(crate) mod persist;
pub(crate) mod propagation;
pub(crate) mod rbac;
pub(crate) mod server;
pub(crate) mod tls;
pub(crate) mod world;

// The facade (see "Public API" above).
pub mod oracle;
pub mod scenario;

pub use admin::{ADMIN_KEY_HEADER, AdminApi};
pub use faults::{FaultEffect, FaultRule, RandomFaultKind, RouteMatcher};
pub use server::{DEMO, DemoCredentials, RunningSandbox, Sandbox, SandboxConfig};
pub use tls::CertificateAuthority;

/// The built-in tenants, apps and users every scenario has (the `empty` one
/// too): their IDs, domains and secrets, for tests that sign in as them or
/// check what a token names.
pub mod directory {
    pub use crate::entra::directory::{
        DEMO_CLIENT_ID, DEMO_CLIENT_OBJECT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_DOMAIN,
        DEMO_TENANT_ID, DEMO_USER_NAME, DEMO_USER_OBJECT_ID, OTHER_CLIENT_ID,
        OTHER_CLIENT_OBJECT_ID, OTHER_CLIENT_SECRET, OTHER_TENANT_DOMAIN, OTHER_TENANT_ID,
        OTHER_USER_NAME, OTHER_USER_OBJECT_ID,
    };
}

// Resource Manager tested in process, without sockets: these tests call
// handlers with a `World` and a `Caller`, which only the crate can build.
#[cfg(test)]
mod tests;
