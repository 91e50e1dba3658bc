//! The tenants a person can switch between, and whether each one lets them in now.
//!
//! A person belongs to their home tenant and to any tenant that invited them as a guest.
//! [`crate::arm::Arm::list_tenants`] lists them; [`KeybladeCredential::for_tenant`] is the
//! same sign-in for another of them. Whether a tenant can be used right away is only known
//! by asking Entra ID for a token there: a tenant whose Conditional Access policy wants
//! multifactor authentication, or a compliant device, refuses the stored refresh token until
//! the person signs in to that tenant interactively. [`check_tenant_access`] reports such a
//! tenant as [`TenantAccess::NeedsInteraction`] rather than failing, as `az login` skips
//! such tenants with a warning and goes on with the others.

use serde::Serialize;

use crate::credential::KeybladeCredential;
use crate::error::AzureError;

/// Whether the signed-in identity can get a Resource Manager token for a tenant now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum TenantAccess {
    /// Tokens are issued: the tenant can be used without asking the person anything.
    Available,
    /// The tenant wants the person to sign in to it interactively first (multifactor
    /// authentication or another Conditional Access requirement). The app shows it as
    /// "needs sign-in" and signs in with [`crate::PublicClientConfig::with_tenant`] when
    /// the person chooses it.
    NeedsInteraction {
        /// Why, as Entra ID said it, with what to do.
        reason: String,
    },
    /// The tenant refused for another reason (the person is not, or no longer, a member;
    /// the tenant does not exist; a service principal cannot switch), or it could not be
    /// reached.
    Refused {
        /// What happened and what to do, as a user reads it.
        reason: String,
    },
}

/// Tries to get a Resource Manager token for `tenant_id` with `credential`'s sign-in (see
/// [`KeybladeCredential::for_tenant`]) and says whether the tenant can be used. Never fails:
/// every failure is one of the [`TenantAccess`] answers.
pub async fn check_tenant_access(credential: &KeybladeCredential, tenant_id: &str) -> TenantAccess {
    let switched = match credential.for_tenant(tenant_id) {
        Ok(switched) => switched,
        Err(error) => {
            return TenantAccess::Refused {
                reason: error.to_string(),
            };
        }
    };
    let scope = switched.cloud().arm_scope();
    match switched.token(&[scope.as_str()]).await {
        Ok(_) => TenantAccess::Available,
        Err(AzureError::InteractionRequired { reason, .. }) => TenantAccess::NeedsInteraction {
            reason: format!(
                "{reason}. keyblade skipped this tenant, as az login does; choose it and sign \
                 in to it interactively to use it"
            ),
        },
        Err(error) => TenantAccess::Refused {
            reason: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn access_serializes_with_a_status_tag() {
        assert_eq!(
            serde_json::to_value(TenantAccess::Available).unwrap(),
            json!({"status": "available"})
        );
        assert_eq!(
            serde_json::to_value(TenantAccess::NeedsInteraction {
                reason: "MFA".to_owned()
            })
            .unwrap(),
            json!({"status": "needsInteraction", "reason": "MFA"})
        );
    }
}
