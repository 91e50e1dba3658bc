//! Taking access away: an identity's access policy entry and a role assignment. The
//! inverse of [`Arm::add_access_policy`] and [`Arm::create_role_assignment`], for revoking
//! a resource's access to its key.

use super::model::{AccessPolicy, Vault, expect_type};
use super::{Arm, VAULT_API_VERSION, encode};
use azure_mgmt_keyvault::package_preview_2022_02 as kv;
use keyblade_core::ResourceId;
use keyblade_core::preflight::AUTHORIZATION_API_VERSION;

use crate::error::AzureError;

impl Arm {
    /// Removes the listed permissions from a principal's access policy entry (Resource
    /// Manager's `accessPolicies/remove`; an entry left with no permissions goes away),
    /// returning the vault as it is afterwards.
    pub async fn remove_access_policy(
        &self,
        vault: &ResourceId,
        policy: &AccessPolicy,
    ) -> Result<Vault, AzureError> {
        expect_type(vault, "Microsoft.KeyVault", "vaults")?;
        let parameters =
            kv::models::VaultAccessPolicyParameters::new(kv::models::VaultAccessPolicyProperties {
                access_policies: vec![super::model::access_policy_entry(policy)],
            });
        let url =
            self.resource_url(&format!("{vault}/accessPolicies/remove"), VAULT_API_VERSION)?;
        self.change_vault(
            vault,
            azure_core_legacy::Method::Put,
            url,
            encode(&parameters)?,
        )
        .await
    }

    /// Deletes a role assignment by its full ID. An assignment already gone is not an
    /// error: what was asked for is the case.
    pub async fn delete_role_assignment(&self, assignment_id: &str) -> Result<(), AzureError> {
        let path = assignment_id.split('?').next().unwrap_or(assignment_id);
        let url = self.resource_url(path, AUTHORIZATION_API_VERSION)?;
        let sent = self
            .send_raw(azure_core_legacy::Method::Delete, url, None, &[])
            .await;
        self.role_assignment_cache.clear();
        match sent {
            Ok(_) | Err(AzureError::NotFound { .. }) => Ok(()),
            Err(other) => Err(other),
        }
    }
}
