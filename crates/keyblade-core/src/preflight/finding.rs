//! The findings' stable codes, as one typed list.
//!
//! Callers (keyblade-azure's view and grant logic, the UI through IPC) branch on codes, so
//! a typo in a string comparison used to fail silently. Each code's wire form is the
//! dotted string it has always had (`access.missingPermissions`), so serialised plans, the
//! JSON test cases and the UI see exactly what they saw before.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares [`FindingCode`] once: variant, wire string and meaning stay side by side, and
/// `serde`, [`FindingCode::as_str`] and [`FindingCode::ALL`] cannot drift apart.
macro_rules! finding_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal,)*) => {
        /// A finding's stable identifier, serialised as its dotted string (e.g.
        /// `access.missingPermissions`).
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum FindingCode {
            $(
                $(#[doc = $doc])*
                #[serde(rename = $code)]
                $variant,
            )*
        }

        impl FindingCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [FindingCode] = &[$(FindingCode::$variant,)*];

            /// The dotted string, as serialised.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(FindingCode::$variant => $code,)*
                }
            }
        }
    };
}

finding_codes! {
    /// A registry below Premium cannot use a customer-managed key.
    AcrNotPremium = "acr.notPremium",
    /// A registry created with Microsoft-managed keys cannot switch to a customer-managed key.
    AcrCreatedWithoutCmk = "acr.createdWithoutCmk",
    /// The resource's kind cannot go back to Microsoft-managed keys (Container Registry).
    PlanDisableNotSupported = "plan.disableNotSupported",
    /// Saving turns the customer-managed key off: back to Microsoft-managed keys.
    PlanWillDisable = "plan.willDisable",
    /// The resource already is as asked; nothing to do.
    PlanNoChange = "plan.noChange",
    /// The system-assigned identity is off and the plan turns it on first.
    IdentitySystemAssignedWillBeTurnedOn = "identity.systemAssignedWillBeTurnedOn",
    /// The system-assigned identity the resource's encryption uses is off (health check).
    IdentitySystemAssignedOff = "identity.systemAssignedOff",
    /// The chosen user-assigned identity is not attached to the resource.
    IdentityNotAttached = "identity.notAttached",
    /// The chosen user-assigned identity could not be read.
    IdentityUnresolved = "identity.unresolved",
    /// The chosen user-assigned identity was deleted.
    IdentityDeleted = "identity.deleted",
    /// The resource's kind cannot reach its key with that kind of identity.
    IdentityKindNotSupported = "identity.kindNotSupported",
    /// Key Vault has no such key or version.
    KeyNotFound = "key.notFound",
    /// keyblade could not read the key.
    KeyUnreadable = "key.unreadable",
    /// The key is disabled.
    KeyDisabled = "key.disabled",
    /// The key has expired.
    KeyExpired = "key.expired",
    /// The key expires within 30 days.
    KeyExpiresSoon = "key.expiresSoon",
    /// The key's activation date is in the future.
    KeyNotYetValid = "key.notYetValid",
    /// The key is not RSA.
    KeyUnsupportedType = "key.unsupportedType",
    /// The key does not allow wrapKey or unwrapKey.
    KeyMissingOperations = "key.missingOperations",
    /// Unversioned key URI: the service follows new versions.
    RotationAutomatic = "rotation.automatic",
    /// Versioned key URI: the service stays on that version.
    RotationManual = "rotation.manual",
    /// A versioned URI replaces an unversioned one: automatic rotation stops.
    RotationPinning = "rotation.pinning",
    /// The versioned URI names an older version than the latest.
    RotationNotLatestVersion = "rotation.notLatestVersion",
    /// An Azure AI services account does not follow new key versions: an unversioned URI
    /// is refused.
    CognitiveUnversionedKey = "cognitive.unversionedKey",
    /// The key's vault could not be found.
    VaultNotFound = "vault.notFound",
    /// The vault resource is not the key URI's vault.
    VaultMismatch = "vault.mismatch",
    /// The vault is in another tenant than the resource or the identity.
    VaultOtherTenant = "vault.otherTenant",
    /// The vault is in another region than a resource that needs them together.
    VaultOtherRegion = "vault.otherRegion",
    /// The vault has soft delete off.
    VaultSoftDeleteOff = "vault.softDeleteOff",
    /// The vault has no purge protection.
    VaultPurgeProtectionOff = "vault.purgeProtectionOff",
    /// The vault's network rules admit the service as a trusted service.
    NetworkTrustedServiceBypass = "network.trustedServiceBypass",
    /// The vault's trusted-services bypass does not admit a user-assigned identity.
    NetworkUserAssignedBlocked = "network.userAssignedBlocked",
    /// The vault's network rules block the service.
    NetworkBlocked = "network.blocked",
    /// Managed HSM local RBAC is not checked.
    HsmAccessNotChecked = "hsm.accessNotChecked",
    /// Access was asked for but the identity already has it.
    AccessAlreadyGranted = "access.alreadyGranted",
    /// Saving grants the identity access.
    AccessWillGrant = "access.willGrant",
    /// The system-assigned identity the plan turns on has no access yet.
    AccessNewIdentityHasNoAccess = "access.newIdentityHasNoAccess",
    /// No grant found, but some roles or conditions could not be evaluated.
    AccessUnverified = "access.unverified",
    /// The identity lacks get, wrapKey or unwrapKey.
    AccessMissingPermissions = "access.missingPermissions",
    /// The vault's role assignments could not be listed, so missing access is not certain.
    AccessUnreadable = "access.unreadable",
    /// The name typed to confirm a lifecycle action is not the resource's name.
    LifecycleConfirmationMismatch = "lifecycle.confirmationMismatch",
    // Rotation codes (lifecycle/rotation.rs) go below this line.
    /// A new version or a rotation policy was asked for, but the resource does not use a
    /// customer-managed key.
    RotationNoCustomerManagedKey = "rotation.noCustomerManagedKey",
    /// The signed-in account lacks the Key Vault permission the action needs.
    RotationPermissionMissing = "rotation.permissionMissing",
    /// keyblade could not tell whether the signed-in account has the permission.
    RotationPermissionUnverified = "rotation.permissionUnverified",
    /// The resource follows the key unversioned: it picks the new version up by itself.
    RotationFollowsNewVersion = "rotation.followsNewVersion",
    /// The resource pins a key version: new versions are not picked up.
    RotationPinnedVersion = "rotation.pinnedVersion",
    /// An Azure AI services account needs Update key version to use a new version.
    RotationNeedsVersionUpdate = "rotation.needsVersionUpdate",
    /// The rotation policy breaks one of Key Vault's rules.
    RotationPolicyInvalid = "rotation.policyInvalid",
    /// The rotation policy creates no new versions.
    RotationPolicyNoRotation = "rotation.policyNoRotation",
    // Revoke and restore codes (lifecycle/revoke.rs, restore.rs) go below this line.
    /// Revoking blocks access to all of the resource's data until access is restored.
    RevokeDataInaccessible = "revoke.dataInaccessible",
    /// The resource does not use a customer-managed key: there is no access to revoke.
    RevokeNoCustomerManagedKey = "revoke.noCustomerManagedKey",
    /// The chosen way does not fit the vault's permission model.
    RevokeWayNotApplicable = "revoke.wayNotApplicable",
    /// The identity has no access of the chosen kind to remove.
    RevokeNothingToRemove = "revoke.nothingToRemove",
    /// The identity keeps access through a role assigned above the vault.
    RevokeAccessInherited = "revoke.accessInherited",
    /// keyblade cannot tell which identity reaches the key.
    RevokeIdentityUnknown = "revoke.identityUnknown",
    /// The key is already disabled.
    RevokeKeyAlreadyDisabled = "revoke.keyAlreadyDisabled",
    /// A newer enabled version of the key exists, which a resource following new versions
    /// may move to, regaining access.
    RevokeNewerVersionEnabled = "revoke.newerVersionEnabled",
    /// Other resources use the same key or the same identity's access, and lose it too.
    RevokeAlsoAffects = "revoke.alsoAffects",
    /// Not every subscription's resources could be listed: others may be affected too.
    RevokeAffectedUnknown = "revoke.affectedUnknown",
    /// The deleted key can be recovered (soft delete) for a while.
    RevokeKeyRecoverable = "revoke.keyRecoverable",
    /// The vault has no soft delete: a deleted key cannot be recovered.
    RevokeKeyUnrecoverable = "revoke.keyUnrecoverable",
    /// The key is deleted but soft delete keeps it: it can be recovered.
    RestoreKeyDeleted = "restore.keyDeleted",
    /// The identity the key uses is no longer attached to the resource.
    RestoreIdentityDetached = "restore.identityDetached",
    /// The chosen fix does not match a cause keyblade found.
    RestoreFixDoesNotMatch = "restore.fixDoesNotMatch",
    /// New access takes a few minutes to take effect.
    RestoreTakesEffectLater = "restore.takesEffectLater",
    // Identity codes (lifecycle/identity.rs) go below this line.
    /// Turning off or detaching the identity the resource's customer-managed key is reached
    /// with would leave the data unreadable: refused.
    IdentityInUseByEncryption = "identity.inUseByEncryption",
    /// The user-assigned identity to attach lives in another tenant than the resource.
    IdentityOtherTenant = "identity.otherTenant",
    /// Turning the system-assigned identity off deletes it, and with it every grant made to it.
    IdentitySystemAssignedWillBeDeleted = "identity.systemAssignedWillBeDeleted",
    /// Detaching a user-assigned identity keeps the identity itself and its grants.
    IdentityWillDetach = "identity.willDetach",
    /// The chosen user-assigned identity is not attached yet: Change key attaches it first.
    IdentityWillAttach = "identity.willAttach",
    // Vault protection codes (lifecycle/protect.rs) go below this line.
    /// The vault to protect is not a key vault (a Managed HSM is changed on the HSM).
    VaultProtectionUnsupported = "vault.protectionUnsupported",
    /// The vault already has soft delete and purge protection.
    VaultAlreadyProtected = "vault.alreadyProtected",
    /// Purge protection, once on, cannot be turned off.
    VaultPurgeProtectionIrreversible = "vault.purgeProtectionIrreversible",
    /// Soft delete turned on now keeps Key Vault's default retention for good.
    VaultSoftDeleteRetentionFixed = "vault.softDeleteRetentionFixed",
}

impl FindingCode {
    /// The code for a dotted string, e.g. `key.expired`; `None` for an unknown one.
    pub fn parse(code: &str) -> Option<FindingCode> {
        FindingCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == code)
    }

    /// Whether the finding says the identity's access is (or may be) missing: what a
    /// "Grant access" control answers.
    pub fn is_missing_access(self) -> bool {
        matches!(
            self,
            FindingCode::AccessMissingPermissions
                | FindingCode::AccessNewIdentityHasNoAccess
                | FindingCode::AccessUnverified
                | FindingCode::AccessUnreadable
        )
    }

    /// Whether the finding says a check could not be made, rather than that something is
    /// wrong: the health it feeds is "unknown", not "unhealthy".
    pub fn is_uncertain(self) -> bool {
        matches!(
            self,
            FindingCode::KeyUnreadable
                | FindingCode::VaultNotFound
                | FindingCode::IdentityUnresolved
                | FindingCode::AccessUnverified
                | FindingCode::AccessUnreadable
                | FindingCode::HsmAccessNotChecked
        )
    }
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_and_as_str_agree_for_every_code() {
        for &code in FindingCode::ALL {
            let json = serde_json::to_value(code).expect("a code serialises");
            assert_eq!(json, code.as_str());
            let back: FindingCode = serde_json::from_value(json).expect("and reads back");
            assert_eq!(back, code);
            assert_eq!(FindingCode::parse(code.as_str()), Some(code));
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(FindingCode::parse("access.nothing"), None);
    }

    #[test]
    fn codes_are_unique() {
        let mut strings: Vec<&str> = FindingCode::ALL.iter().map(|c| c.as_str()).collect();
        strings.sort_unstable();
        strings.dedup();
        assert_eq!(strings.len(), FindingCode::ALL.len());
    }
}
