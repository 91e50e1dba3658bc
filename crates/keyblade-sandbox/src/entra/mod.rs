//! Entra ID (the Microsoft identity platform v2.0 endpoints) for the sandbox's tenants.

pub mod directory;
pub mod jwt;

pub use directory::Directory;

use crate::world::Endpoints;

/// The `iss` of access tokens for tenant `tid`, in the v1 form Resource Manager
/// and Key Vault tokens carry (`https://sts.windows.net/{tid}/` in Azure).
pub fn access_token_issuer(endpoints: &Endpoints, tenant_id: &str) -> String {
    format!("{}{}/", endpoints.login(), tenant_id)
}

/// The v2.0 issuer of ID tokens and of the OpenID configuration.
pub fn v2_issuer(endpoints: &Endpoints, tenant_id: &str) -> String {
    format!("{}{}/v2.0", endpoints.login(), tenant_id)
}

/// Token audiences Resource Manager accepts. The first is the one
/// `/metadata/endpoints` advertises in `authentication.audiences`.
pub fn arm_audiences(endpoints: &Endpoints) -> Vec<String> {
    let arm = endpoints.arm();
    vec![
        "https://management.core.windows.net/".to_owned(),
        "https://management.core.windows.net".to_owned(),
        "https://management.azure.com/".to_owned(),
        "https://management.azure.com".to_owned(),
        format!("{arm}/"),
        arm,
    ]
}
