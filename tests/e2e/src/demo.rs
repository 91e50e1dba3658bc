//! What the sandbox's `demo` scenario holds (crates/keyblade-sandbox/README.md, "The demo
//! scenario"): the names the tests pick in the UI and the IDs they check in the sandbox.

pub const PRODUCTION: &str = "Contoso Production";
pub const DEVELOPMENT: &str = "Contoso Development";
pub const SHARED: &str = "Contoso Shared Services";
const SHARED_ID: &str = "8f5b3c4d-6e7f-4081-ac9d-2e3f4a5b6c7d";
const PRODUCTION_ID: &str = "6d3f1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";

/// Resource ID of a registry in the production registries group.
pub fn registry_id(name: &str) -> String {
    format!(
        "/subscriptions/{PRODUCTION_ID}/resourceGroups/rg-contoso-prod-registries/providers/\
         Microsoft.ContainerRegistry/registries/{name}"
    )
}

/// Resource ID of a key vault in the production security group.
pub fn vault_id(name: &str) -> String {
    format!(
        "/subscriptions/{PRODUCTION_ID}/resourceGroups/rg-contoso-prod-security/providers/\
         Microsoft.KeyVault/vaults/{name}"
    )
}

/// Resource ID of a storage account in the production data group.
pub fn storage_account_id(name: &str) -> String {
    format!(
        "/subscriptions/{PRODUCTION_ID}/resourceGroups/rg-contoso-prod-data/providers/\
         Microsoft.Storage/storageAccounts/{name}"
    )
}

/// Resource ID of a Cognitive Services account in the shared AI group.
pub fn cognitive_account_id(name: &str) -> String {
    format!(
        "/subscriptions/{SHARED_ID}/resourceGroups/rg-contoso-shared-ai/providers/\
         Microsoft.CognitiveServices/accounts/{name}"
    )
}

/// Resource ID of a user-assigned identity in the production security group.
pub fn identity_id(name: &str) -> String {
    format!(
        "/subscriptions/{PRODUCTION_ID}/resourceGroups/rg-contoso-prod-security/providers/\
         Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )
}
