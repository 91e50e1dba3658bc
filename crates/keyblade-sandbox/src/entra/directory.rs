//! The sandbox's Entra ID directory: tenants, users, groups, service principals
//! (applications with secrets, and managed identities), and the short-lived
//! sign-in artefacts (authorization codes, device codes, refresh tokens).

use serde::{Deserialize, Serialize};

use super::jwt::TokenSigningKey;
use crate::http::PrincipalKind;

/// The demo tenant every scenario has. Documented in the README and printed by the binary.
pub const DEMO_TENANT_ID: &str = "5f1e0c1a-3d4b-4c8e-9a2f-6b7d8e9f0a1b";
pub const DEMO_TENANT_DOMAIN: &str = "keybladedemo.onmicrosoft.com";
/// The demo service principal (client credentials).
pub const DEMO_CLIENT_ID: &str = "b3c1d2e4-5f60-4a71-8b92-c3d4e5f6a7b8";
pub const DEMO_CLIENT_OBJECT_ID: &str = "0d8f7e6c-5b4a-4392-8170-6f5e4d3c2b1a";
pub const DEMO_CLIENT_SECRET: &str = "sandbox~Demo.Secret-0001";
/// The demo user that `/authorize` and device-code sign-ins sign in, without a password.
pub const DEMO_USER_OBJECT_ID: &str = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
pub const DEMO_USER_NAME: &str = "demo@keybladedemo.onmicrosoft.com";
/// A second tenant, so tests can present a token from the wrong tenant.
pub const OTHER_TENANT_ID: &str = "e0d1c2b3-a4f5-4e6d-8c7b-9a0f1e2d3c4b";
pub const OTHER_TENANT_DOMAIN: &str = "othertenant.onmicrosoft.com";
pub const OTHER_CLIENT_ID: &str = "c0ffee00-1234-4abc-8def-0123456789ab";
pub const OTHER_CLIENT_OBJECT_ID: &str = "4b3a2918-0f7e-4d6c-9b5a-48372615f4e3";
pub const OTHER_CLIENT_SECRET: &str = "sandbox~Other.Secret-0001";
pub const OTHER_USER_OBJECT_ID: &str = "7c6b5a49-3827-4615-a4f3-e2d1c0b9a897";
pub const OTHER_USER_NAME: &str = "someone@othertenant.onmicrosoft.com";

/// First-party public clients that real tenants accept without registration:
/// the Azure CLI (also the default of azure-identity's interactive credentials),
/// Azure PowerShell and Visual Studio Code.
pub const WELL_KNOWN_PUBLIC_CLIENTS: &[(&str, &str)] = &[
    (
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "Microsoft Azure CLI",
    ),
    (
        "1950a258-227b-4e31-a9cf-717495945fc2",
        "Microsoft Azure PowerShell",
    ),
    ("aebc6443-996d-45c2-90f0-388ff96faa56", "Visual Studio Code"),
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Directory {
    pub tenants: Vec<Tenant>,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub service_principals: Vec<ServicePrincipal>,
    /// Applications that may use the interactive flows (authorization code, device code).
    pub public_clients: Vec<PublicClient>,
    pub signing_key: TokenSigningKey,
    #[serde(default)]
    pub auth_codes: Vec<AuthCode>,
    #[serde(default)]
    pub device_codes: Vec<DeviceCode>,
    #[serde(default)]
    pub refresh_tokens: Vec<RefreshToken>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tenant {
    pub id: String,
    pub display_name: String,
    pub default_domain: String,
    /// The user `/authorize` and device-code approval sign in for this tenant.
    pub demo_user_object_id: Option<String>,
    /// A Conditional Access policy "require multifactor authentication": refresh tokens
    /// from sign-ins without MFA are refused with AADSTS50076 (`invalid_grant`), so the
    /// user must sign in interactively again, which (in the sandbox) performs MFA.
    #[serde(default)]
    pub mfa_required: bool,
    /// Users of other tenants invited here as guests (B2B): they may sign in to this
    /// tenant with their home account, and a refresh token from their home tenant is
    /// redeemed here too (Entra's multi-resource refresh token).
    #[serde(default)]
    pub guests: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct User {
    pub object_id: String,
    pub tenant_id: String,
    pub user_principal_name: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Group {
    pub object_id: String,
    pub tenant_id: String,
    pub display_name: String,
    /// Object IDs of users and service principals.
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum ServicePrincipalKind {
    /// An app registration's service principal: can use client credentials.
    Application,
    /// A managed identity (system- or user-assigned): has no secret; the CMK
    /// health code acts as it when checking key access.
    ManagedIdentity,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ServicePrincipal {
    /// The application (client) ID.
    pub app_id: String,
    pub object_id: String,
    pub tenant_id: String,
    pub display_name: String,
    pub kind: ServicePrincipalKind,
    pub secrets: Vec<String>,
    /// Certificates it may sign client assertions with ([`Directory::add_certificate`]).
    #[serde(default)]
    pub certificates: Vec<super::certificate::CertificateCredential>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicClient {
    pub app_id: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthCode {
    pub code: String,
    pub client_id: String,
    pub redirect_uri: String,
    /// PKCE challenge; `None` when the client sent no challenge.
    pub code_challenge: Option<String>,
    /// `S256` or `plain` (the default when a challenge comes without a method).
    #[serde(default)]
    pub code_challenge_method: Option<String>,
    pub tenant_id: String,
    pub user_object_id: String,
    pub scope: String,
    pub nonce: Option<String>,
    /// Wall-clock Unix seconds.
    pub expires_at: i64,
    /// Codes are single-use; a redeemed code is kept until it expires so a
    /// second redemption gets Entra's "already redeemed" error.
    #[serde(default)]
    pub redeemed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub client_id: String,
    pub tenant_id: String,
    pub scope: String,
    /// Wall-clock Unix seconds.
    pub expires_at: i64,
    /// Set when someone approved the code on the verification page (or the admin API).
    pub approved_user_object_id: Option<String>,
    /// Set when the user declined the sign-in (the admin API): polling answers
    /// `authorization_declined`.
    #[serde(default)]
    pub declined: bool,
    /// The polling interval the client must keep, in seconds: `interval` of the device
    /// authorization response, 5 s more after each `slow_down` (RFC 8628 section 3.5).
    #[serde(default = "default_poll_interval")]
    pub interval_secs: i64,
    /// When the client last polled (wall-clock Unix milliseconds), to tell polling that
    /// is faster than `interval_secs`.
    #[serde(default)]
    pub last_polled_at_ms: Option<i64>,
}

fn default_poll_interval() -> i64 {
    5
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshToken {
    pub token: String,
    pub client_id: String,
    pub tenant_id: String,
    pub user_object_id: String,
    /// Wall-clock Unix seconds.
    pub expires_at: i64,
    /// Whether the sign-in that issued it performed multifactor authentication (see
    /// the tenant's `mfa_required`); refreshed tokens inherit it.
    #[serde(default)]
    pub mfa: bool,
    /// Revoked by an administrator ("revoke sessions"): using it answers AADSTS50173.
    #[serde(default)]
    pub revoked: bool,
}

/// A principal resolved by object ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalRef<'a> {
    pub object_id: &'a str,
    pub tenant_id: &'a str,
    pub kind: PrincipalKind,
    pub display_name: &'a str,
    /// The application ID for service principals; `None` for users.
    pub app_id: Option<&'a str>,
}

impl Directory {
    /// A directory with a fresh token-signing key and the two built-in tenants
    /// (demo and "other"), each with a service principal and a user.
    pub fn with_builtin_tenants() -> Result<Directory, String> {
        let mut directory = Directory {
            tenants: Vec::new(),
            users: Vec::new(),
            groups: Vec::new(),
            service_principals: Vec::new(),
            public_clients: WELL_KNOWN_PUBLIC_CLIENTS
                .iter()
                .map(|(app_id, name)| PublicClient {
                    app_id: (*app_id).to_owned(),
                    display_name: (*name).to_owned(),
                })
                .collect(),
            signing_key: TokenSigningKey::generate()?,
            auth_codes: Vec::new(),
            device_codes: Vec::new(),
            refresh_tokens: Vec::new(),
        };
        directory.add_tenant(DEMO_TENANT_ID, "Keyblade Demo", DEMO_TENANT_DOMAIN);
        directory.add_user(
            DEMO_USER_OBJECT_ID,
            DEMO_TENANT_ID,
            DEMO_USER_NAME,
            "Demo User",
        );
        directory.set_demo_user(DEMO_TENANT_ID, DEMO_USER_OBJECT_ID);
        directory.add_service_principal(
            DEMO_CLIENT_ID,
            DEMO_CLIENT_OBJECT_ID,
            DEMO_TENANT_ID,
            "keyblade-demo-app",
            Some(DEMO_CLIENT_SECRET),
        );
        directory.add_tenant(OTHER_TENANT_ID, "Other Tenant", OTHER_TENANT_DOMAIN);
        directory.add_user(
            OTHER_USER_OBJECT_ID,
            OTHER_TENANT_ID,
            OTHER_USER_NAME,
            "Someone Else",
        );
        directory.set_demo_user(OTHER_TENANT_ID, OTHER_USER_OBJECT_ID);
        directory.add_service_principal(
            OTHER_CLIENT_ID,
            OTHER_CLIENT_OBJECT_ID,
            OTHER_TENANT_ID,
            "other-tenant-app",
            Some(OTHER_CLIENT_SECRET),
        );
        // The demo user is a guest of the other tenant, as a consultant is of a customer's
        // directory: a tenant switcher has two tenants to show.
        directory.add_guest(OTHER_TENANT_ID, DEMO_USER_OBJECT_ID)?;
        Ok(directory)
    }

    pub fn add_tenant(&mut self, id: &str, display_name: &str, default_domain: &str) {
        self.tenants.retain(|t| !t.id.eq_ignore_ascii_case(id));
        self.tenants.push(Tenant {
            id: id.to_ascii_lowercase(),
            display_name: display_name.to_owned(),
            default_domain: default_domain.to_owned(),
            demo_user_object_id: None,
            mfa_required: false,
            guests: Vec::new(),
        });
    }

    /// Chooses which user interactive sign-ins to `tenant_id` sign in.
    pub fn set_demo_user(&mut self, tenant_id: &str, user_object_id: &str) {
        if let Some(tenant) = self
            .tenants
            .iter_mut()
            .find(|t| t.id.eq_ignore_ascii_case(tenant_id))
        {
            tenant.demo_user_object_id = Some(user_object_id.to_ascii_lowercase());
        }
    }

    /// Turns the tenant's "require multifactor authentication" policy on or off; `false`
    /// when there is no such tenant.
    pub fn set_mfa_required(&mut self, tenant_id: &str, required: bool) -> bool {
        match self
            .tenants
            .iter_mut()
            .find(|t| t.id.eq_ignore_ascii_case(tenant_id))
        {
            Some(tenant) => {
                tenant.mfa_required = required;
                true
            }
            None => false,
        }
    }

    /// Invites a user of another tenant into `tenant_id` as a guest. Inviting a user into
    /// their own home tenant, or twice, changes nothing.
    pub fn add_guest(&mut self, tenant_id: &str, user_object_id: &str) -> Result<(), String> {
        let home = self
            .user(user_object_id)
            .map(|u| u.tenant_id.clone())
            .ok_or_else(|| format!("The sandbox has no user '{user_object_id}'."))?;
        let tenant = self
            .tenants
            .iter_mut()
            .find(|t| t.id.eq_ignore_ascii_case(tenant_id))
            .ok_or_else(|| format!("The sandbox has no tenant '{tenant_id}'."))?;
        let user = user_object_id.to_ascii_lowercase();
        if !home.eq_ignore_ascii_case(&tenant.id) && !tenant.guests.contains(&user) {
            tenant.guests.push(user);
        }
        Ok(())
    }

    /// Whether the user may sign in to `tenant_id`: it is their home tenant, or they are a
    /// guest there.
    pub fn is_member(&self, tenant_id: &str, user_object_id: &str) -> bool {
        let home = self
            .user(user_object_id)
            .is_some_and(|u| u.tenant_id.eq_ignore_ascii_case(tenant_id));
        home || self.tenant(tenant_id).is_some_and(|t| {
            t.guests
                .iter()
                .any(|guest| guest.eq_ignore_ascii_case(user_object_id))
        })
    }

    /// The tenants a user belongs to: the home tenant first, then those they are a guest of.
    pub fn tenants_of_user(&self, user_object_id: &str) -> Vec<&Tenant> {
        let home = self.user(user_object_id).map(|u| u.tenant_id.as_str());
        let mut found: Vec<&Tenant> = home
            .and_then(|home| self.tenant(home))
            .into_iter()
            .collect();
        found.extend(self.tenants.iter().filter(|t| {
            t.guests
                .iter()
                .any(|guest| guest.eq_ignore_ascii_case(user_object_id))
        }));
        found
    }

    /// Revokes every refresh token of a user, as Entra's "revoke sessions" does; returns
    /// how many were still valid.
    pub fn revoke_sign_in_sessions(&mut self, user_object_id: &str) -> usize {
        let mut revoked = 0;
        for token in &mut self.refresh_tokens {
            if token.user_object_id.eq_ignore_ascii_case(user_object_id) && !token.revoked {
                token.revoked = true;
                revoked += 1;
            }
        }
        revoked
    }

    pub fn add_user(&mut self, object_id: &str, tenant_id: &str, upn: &str, display_name: &str) {
        self.users
            .retain(|u| !u.object_id.eq_ignore_ascii_case(object_id));
        self.users.push(User {
            object_id: object_id.to_ascii_lowercase(),
            tenant_id: tenant_id.to_ascii_lowercase(),
            user_principal_name: upn.to_owned(),
            display_name: display_name.to_owned(),
        });
    }

    /// Registers an application's service principal; with a secret it can use
    /// the client-credentials grant.
    pub fn add_service_principal(
        &mut self,
        app_id: &str,
        object_id: &str,
        tenant_id: &str,
        display_name: &str,
        secret: Option<&str>,
    ) {
        self.service_principals
            .retain(|sp| !sp.object_id.eq_ignore_ascii_case(object_id));
        self.service_principals.push(ServicePrincipal {
            app_id: app_id.to_ascii_lowercase(),
            object_id: object_id.to_ascii_lowercase(),
            tenant_id: tenant_id.to_ascii_lowercase(),
            display_name: display_name.to_owned(),
            kind: ServicePrincipalKind::Application,
            secrets: secret.map(str::to_owned).into_iter().collect(),
            certificates: Vec::new(),
        });
    }

    /// Registers a managed identity's service principal (no secret).
    pub fn add_managed_identity(
        &mut self,
        client_id: &str,
        principal_id: &str,
        tenant_id: &str,
        display_name: &str,
    ) {
        self.service_principals
            .retain(|sp| !sp.object_id.eq_ignore_ascii_case(principal_id));
        self.service_principals.push(ServicePrincipal {
            app_id: client_id.to_ascii_lowercase(),
            object_id: principal_id.to_ascii_lowercase(),
            tenant_id: tenant_id.to_ascii_lowercase(),
            display_name: display_name.to_owned(),
            kind: ServicePrincipalKind::ManagedIdentity,
            secrets: Vec::new(),
            certificates: Vec::new(),
        });
    }

    /// Registers a certificate (PEM, public part) on an application in `tenant_id`, as
    /// "Certificates & secrets" does; returns its `x5t`.
    pub fn add_certificate(
        &mut self,
        tenant_id: &str,
        app_id: &str,
        certificate_pem: &str,
    ) -> Result<String, String> {
        let certificate = super::certificate::CertificateCredential::from_pem(certificate_pem)?;
        let principal = self
            .service_principals
            .iter_mut()
            .find(|sp| {
                sp.app_id.eq_ignore_ascii_case(app_id)
                    && sp.tenant_id.eq_ignore_ascii_case(tenant_id)
                    && sp.kind == ServicePrincipalKind::Application
            })
            .ok_or_else(|| format!("The tenant '{tenant_id}' has no application '{app_id}'."))?;
        let x5t = certificate.x5t.clone();
        principal.certificates.retain(|c| c.x5t != x5t);
        principal.certificates.push(certificate);
        Ok(x5t)
    }

    /// Removes a principal (e.g. a system-assigned identity when its resource loses it).
    pub fn remove_principal(&mut self, object_id: &str) {
        self.service_principals
            .retain(|sp| !sp.object_id.eq_ignore_ascii_case(object_id));
        self.users
            .retain(|u| !u.object_id.eq_ignore_ascii_case(object_id));
        for group in &mut self.groups {
            group.members.retain(|m| !m.eq_ignore_ascii_case(object_id));
        }
    }

    pub fn add_group(
        &mut self,
        object_id: &str,
        tenant_id: &str,
        display_name: &str,
        members: &[&str],
    ) {
        self.groups
            .retain(|g| !g.object_id.eq_ignore_ascii_case(object_id));
        self.groups.push(Group {
            object_id: object_id.to_ascii_lowercase(),
            tenant_id: tenant_id.to_ascii_lowercase(),
            display_name: display_name.to_owned(),
            members: members.iter().map(|m| m.to_ascii_lowercase()).collect(),
        });
    }

    pub fn tenant(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id.eq_ignore_ascii_case(id))
    }

    /// Resolves the tenant segment of an authority URL: a tenant ID, a verified
    /// domain, or `common`/`organizations` (which sign in to the demo tenant, the
    /// home tenant of the demo user).
    pub fn resolve_tenant(&self, segment: &str) -> Option<&Tenant> {
        if segment.eq_ignore_ascii_case("common") || segment.eq_ignore_ascii_case("organizations") {
            return self.tenant(DEMO_TENANT_ID).or_else(|| self.tenants.first());
        }
        self.tenants.iter().find(|t| {
            t.id.eq_ignore_ascii_case(segment) || t.default_domain.eq_ignore_ascii_case(segment)
        })
    }

    pub fn user(&self, object_id: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.object_id.eq_ignore_ascii_case(object_id))
    }

    pub fn service_principal_by_app_id(
        &self,
        tenant_id: &str,
        app_id: &str,
    ) -> Option<&ServicePrincipal> {
        self.service_principals.iter().find(|sp| {
            sp.app_id.eq_ignore_ascii_case(app_id) && sp.tenant_id.eq_ignore_ascii_case(tenant_id)
        })
    }

    pub fn service_principal(&self, object_id: &str) -> Option<&ServicePrincipal> {
        self.service_principals
            .iter()
            .find(|sp| sp.object_id.eq_ignore_ascii_case(object_id))
    }

    /// A user, service principal or managed identity by object ID.
    pub fn principal(&self, object_id: &str) -> Option<PrincipalRef<'_>> {
        if let Some(user) = self.user(object_id) {
            return Some(PrincipalRef {
                object_id: &user.object_id,
                tenant_id: &user.tenant_id,
                kind: PrincipalKind::User,
                display_name: &user.display_name,
                app_id: None,
            });
        }
        self.service_principal(object_id).map(|sp| PrincipalRef {
            object_id: &sp.object_id,
            tenant_id: &sp.tenant_id,
            kind: PrincipalKind::ServicePrincipal,
            display_name: &sp.display_name,
            app_id: Some(&sp.app_id),
        })
    }

    /// The object IDs of the groups `object_id` belongs to (directly).
    pub fn groups_of(&self, object_id: &str) -> Vec<&str> {
        self.groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m.eq_ignore_ascii_case(object_id)))
            .map(|g| g.object_id.as_str())
            .collect()
    }

    /// Whether `app_id` may use the interactive flows in `tenant_id`: first-party
    /// and registered public clients, or any app registered in that tenant.
    pub fn is_known_client(&self, tenant_id: &str, app_id: &str) -> bool {
        self.public_clients
            .iter()
            .any(|c| c.app_id.eq_ignore_ascii_case(app_id))
            || self
                .service_principal_by_app_id(tenant_id, app_id)
                .is_some()
    }

    /// Drops expired sign-in artefacts.
    pub fn forget_expired(&mut self, wall_clock_unix: i64) {
        self.auth_codes.retain(|c| c.expires_at > wall_clock_unix);
        self.device_codes.retain(|c| c.expires_at > wall_clock_unix);
        self.refresh_tokens
            .retain(|t| t.expires_at > wall_clock_unix);
    }
}
