//! Platform tests: TLS, Entra ID, token checks, the Key Vault data plane,
//! authorization, the clock, faults, persistence and the binary, all over real
//! HTTPS against an in-process sandbox. One test binary (link time is costly).

mod platform {
    mod admin;
    mod binary;
    pub mod common;
    mod entra;
    mod faults;
    mod keyvault;
    mod permissions;
    mod persistence;
    mod propagation;
    mod rotation;
    mod tls;
    mod tokens;
}
