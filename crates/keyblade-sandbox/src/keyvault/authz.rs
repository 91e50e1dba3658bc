//! Who may do what on a vault: the tenant check, the firewall (`networkAcls`,
//! `publicNetworkAccess`), then access policies or Azure RBAC, all read from the
//! `Microsoft.KeyVault/vaults` resource the resource-manager side stores.

use std::net::IpAddr;

use http::StatusCode;
use serde_json::{Value, json};

use crate::http::{Caller, PrincipalKind, Response};
use crate::world::World;

/// A data-plane operation on keys, as access policies and RBAC name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOperation {
    Get,
    List,
    Create,
    Update,
    Delete,
    Recover,
    Purge,
    Encrypt,
    Decrypt,
    WrapKey,
    UnwrapKey,
    Rotate,
    GetRotationPolicy,
    SetRotationPolicy,
}

impl KeyOperation {
    /// The permission name in an access policy's `permissions.keys`.
    pub fn access_policy_permission(self) -> &'static str {
        match self {
            KeyOperation::Get => "get",
            KeyOperation::List => "list",
            KeyOperation::Create => "create",
            KeyOperation::Update => "update",
            KeyOperation::Delete => "delete",
            KeyOperation::Recover => "recover",
            KeyOperation::Purge => "purge",
            KeyOperation::Encrypt => "encrypt",
            KeyOperation::Decrypt => "decrypt",
            KeyOperation::WrapKey => "wrapKey",
            KeyOperation::UnwrapKey => "unwrapKey",
            KeyOperation::Rotate => "rotate",
            KeyOperation::GetRotationPolicy => "getrotationpolicy",
            KeyOperation::SetRotationPolicy => "setrotationpolicy",
        }
    }

    /// The RBAC data action a role must grant.
    pub fn data_action(self) -> &'static str {
        match self {
            KeyOperation::Get | KeyOperation::List => "Microsoft.KeyVault/vaults/keys/read",
            KeyOperation::Create => "Microsoft.KeyVault/vaults/keys/create/action",
            KeyOperation::Update => "Microsoft.KeyVault/vaults/keys/update/action",
            KeyOperation::Delete => "Microsoft.KeyVault/vaults/keys/delete",
            KeyOperation::Recover => "Microsoft.KeyVault/vaults/keys/recover/action",
            KeyOperation::Purge => "Microsoft.KeyVault/vaults/keys/purge/action",
            KeyOperation::Encrypt => "Microsoft.KeyVault/vaults/keys/encrypt/action",
            KeyOperation::Decrypt => "Microsoft.KeyVault/vaults/keys/decrypt/action",
            KeyOperation::WrapKey => "Microsoft.KeyVault/vaults/keys/wrap/action",
            KeyOperation::UnwrapKey => "Microsoft.KeyVault/vaults/keys/unwrap/action",
            KeyOperation::Rotate => "Microsoft.KeyVault/vaults/keys/rotate/action",
            KeyOperation::GetRotationPolicy => "Microsoft.KeyVault/vaults/keyrotationpolicies/read",
            KeyOperation::SetRotationPolicy => {
                "Microsoft.KeyVault/vaults/keyrotationpolicies/write"
            }
        }
    }
}

/// Where a request comes from, for the vault firewall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkOrigin {
    /// A client on the public network with this address (sandbox clients: loopback).
    Public(IpAddr),
    /// An Azure service on Key Vault's trusted-services list calling with its
    /// resource's system-assigned identity (e.g. a registry's CMK access),
    /// admitted when `networkAcls.bypass` is `AzureServices`.
    TrustedService,
    /// An Azure service calling with one of its resource's user-assigned
    /// identities. Key Vault does not count that as a trusted service, so the
    /// call is an ordinary public-network call from the service's own address,
    /// which no `ipRules` entry of the customer's can name.
    AzureServiceWithUserAssignedIdentity,
}

/// Why a request was refused, with Key Vault's status, codes and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// No `Microsoft.KeyVault/vaults` resource has this name.
    VaultNotFound {
        vault: String,
    },
    /// The token's tenant is not the vault's tenant (401, AKV10032).
    WrongTenant {
        message: String,
    },
    ForbiddenByFirewall {
        message: String,
    },
    AccessDenied {
        message: String,
    },
    ForbiddenByPolicy {
        message: String,
    },
    ForbiddenByRbac {
        message: String,
    },
}

impl Denial {
    pub fn status(&self) -> StatusCode {
        match self {
            Denial::VaultNotFound { .. } => StatusCode::NOT_FOUND,
            Denial::WrongTenant { .. } => StatusCode::UNAUTHORIZED,
            _ => StatusCode::FORBIDDEN,
        }
    }

    /// The `innererror.code` (or, for 401/404, the error code).
    pub fn inner_code(&self) -> &'static str {
        match self {
            Denial::VaultNotFound { .. } => "VaultNotFound",
            Denial::WrongTenant { .. } => "Unauthorized",
            Denial::ForbiddenByFirewall { .. } => "ForbiddenByFirewall",
            Denial::AccessDenied { .. } => "AccessDenied",
            Denial::ForbiddenByPolicy { .. } => "ForbiddenByPolicy",
            Denial::ForbiddenByRbac { .. } => "ForbiddenByRbac",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Denial::VaultNotFound { vault } => format!(
                "The sandbox has no key vault named '{vault}'. In Azure this host name would not resolve; \
                 create the vault through Resource Manager first."
            ),
            Denial::WrongTenant { message }
            | Denial::ForbiddenByFirewall { message }
            | Denial::AccessDenied { message }
            | Denial::ForbiddenByPolicy { message }
            | Denial::ForbiddenByRbac { message } => message.clone(),
        }
    }

    /// Key Vault's error body for this refusal.
    pub fn to_response(&self) -> Response {
        let body = match self {
            Denial::VaultNotFound { .. } | Denial::WrongTenant { .. } => {
                json!({ "error": { "code": self.inner_code(), "message": self.message() } })
            }
            _ => json!({
                "error": {
                    "code": "Forbidden",
                    "message": self.message(),
                    "innererror": { "code": self.inner_code() }
                }
            }),
        };
        Response::json(self.status(), &body)
    }
}

/// The `Caller: ...` text Key Vault puts in refusals.
pub fn caller_description(world: &World, caller: &Caller) -> String {
    let groups = world.directory.groups_of(&caller.object_id).len();
    let issuer = crate::entra::access_token_issuer(&world.endpoints, &caller.tenant_id);
    match caller.kind {
        PrincipalKind::User => format!(
            "appid={};oid={};numgroups={};iss={}",
            caller.app_id, caller.object_id, groups, issuer
        ),
        PrincipalKind::ServicePrincipal => {
            format!(
                "appid={};oid={};iss={}",
                caller.app_id, caller.object_id, issuer
            )
        }
    }
}

/// Whether a principal may perform `op` on a vault, or on one key of it (RBAC
/// role assignments may be scoped to `{vault}/keys/{key}`), acting with its own
/// identity from `network`: what CMK health asks of a service's identity.
pub fn authorize_on_key(
    world: &World,
    principal_object_id: &str,
    tenant_id: &str,
    vault_name: &str,
    key_name: Option<&str>,
    op: KeyOperation,
    network: NetworkOrigin,
) -> Result<(), Denial> {
    let principal = world.directory.principal(principal_object_id);
    let caller = Caller {
        tenant_id: tenant_id.to_ascii_lowercase(),
        object_id: principal_object_id.to_ascii_lowercase(),
        app_id: principal
            .as_ref()
            .and_then(|p| p.app_id)
            .unwrap_or_default()
            .to_owned(),
        audience: world.endpoints.vault_resource(),
        kind: principal.map_or(PrincipalKind::ServicePrincipal, |p| p.kind),
    };
    authorize_caller(world, &caller, vault_name, key_name, op, &network)
}

/// The full check for a request from `caller`.
pub fn authorize_caller(
    world: &World,
    caller: &Caller,
    vault_name: &str,
    key_name: Option<&str>,
    op: KeyOperation,
    network: &NetworkOrigin,
) -> Result<(), Denial> {
    let vault =
        crate::arm::vault_resource(world, vault_name).ok_or_else(|| Denial::VaultNotFound {
            vault: vault_name.to_owned(),
        })?;
    let properties = vault.get("properties").unwrap_or(&Value::Null);
    let vault_tenant = str_at(properties, "tenantId").unwrap_or_default();
    let vault_label = format!(
        "{};location={}",
        str_at(vault, "name").unwrap_or(vault_name),
        str_at(vault, "location").unwrap_or_default()
    );
    let describe = caller_description(world, caller);

    if !vault_tenant.eq_ignore_ascii_case(&caller.tenant_id) {
        return Err(Denial::WrongTenant {
            message: format!(
                "AKV10032: Invalid issuer. Expected one of {}, found {}.",
                crate::entra::access_token_issuer(&world.endpoints, vault_tenant),
                crate::entra::access_token_issuer(&world.endpoints, &caller.tenant_id)
            ),
        });
    }

    check_firewall(properties, network).map_err(|client_address| Denial::ForbiddenByFirewall {
        message: format!(
            "Client address is not authorized and caller is not a trusted service.\r\nClient address: {client_address}\r\nCaller: {describe}\r\nVault: {vault_label}"
        ),
    })?;

    // A system-assigned identity that has not propagated yet (see
    // `propagation`) holds no grant: every refusal below is the one for a
    // principal without access.
    let now = world.clock.now_unix();
    let principal_pending = crate::propagation::principal_pending(world, &caller.object_id, now);

    if properties
        .get("enableRbacAuthorization")
        .and_then(Value::as_bool)
        == Some(true)
    {
        let vault_id = str_at(vault, "id").unwrap_or_default();
        let scope = match key_name {
            Some(key) => format!("{vault_id}/keys/{key}"),
            None => vault_id.to_owned(),
        };
        if !principal_pending
            && crate::rbac::data_action_allowed(world, &caller.object_id, &scope, op.data_action())
        {
            return Ok(());
        }
        return Err(Denial::ForbiddenByRbac {
            message: format!(
                "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: {describe}\r\nAction: '{}'\r\nResource: '{}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: {vault_label}\r\n",
                op.data_action(),
                scope.to_ascii_lowercase()
            ),
        });
    }

    let groups = world.directory.groups_of(&caller.object_id);
    let policies: Vec<&Value> = properties
        .get("accessPolicies")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter(|p| {
                    let object_id = str_at(p, "objectId").unwrap_or_default();
                    let policy_tenant = str_at(p, "tenantId").unwrap_or(vault_tenant);
                    policy_tenant.eq_ignore_ascii_case(&caller.tenant_id)
                        && (object_id.eq_ignore_ascii_case(&caller.object_id)
                            || groups.iter().any(|g| g.eq_ignore_ascii_case(object_id)))
                        // A compound identity (applicationId set) only matches that app's calls.
                        && str_at(p, "applicationId").is_none_or(|app| app.eq_ignore_ascii_case(&caller.app_id))
                        // An entry still propagating is not there yet.
                        && !crate::propagation::access_policy_entry_pending(world, vault_name, vault_tenant, p, now)
                })
                .collect()
        })
        .filter(|_| !principal_pending)
        .unwrap_or_default();
    if policies.is_empty() {
        return Err(Denial::AccessDenied {
            message: format!(
                "The user, group or application '{describe}' does not have keys {} permission on key vault '{vault_label}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
                op.access_policy_permission()
            ),
        });
    }
    let wanted = op.access_policy_permission();
    let granted = policies.iter().any(|p| {
        p.pointer("/permissions/keys")
            .and_then(Value::as_array)
            .is_some_and(|perms| {
                perms.iter().filter_map(Value::as_str).any(|perm| {
                    (perm.eq_ignore_ascii_case(wanted) || perm.eq_ignore_ascii_case("all"))
                        && !crate::propagation::key_permission_pending(
                            world,
                            vault_name,
                            vault_tenant,
                            p,
                            perm,
                            now,
                        )
                })
            })
    });
    if granted {
        Ok(())
    } else {
        Err(Denial::ForbiddenByPolicy {
            message: format!(
                "Operation is not allowed.\r\nOperation: \"{wanted}\"\r\nCaller: {describe}\r\nVault: {vault_label}"
            ),
        })
    }
}

fn str_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// `Err(client address)` when the vault's network rules refuse `network`.
fn check_firewall(properties: &Value, network: &NetworkOrigin) -> Result<(), String> {
    let acls = properties.get("networkAcls").unwrap_or(&Value::Null);
    let bypass_trusted =
        str_at(acls, "bypass").is_none_or(|b| b.eq_ignore_ascii_case("AzureServices"));
    let public_disabled = str_at(properties, "publicNetworkAccess")
        .is_some_and(|p| p.eq_ignore_ascii_case("Disabled"));
    let default_deny =
        str_at(acls, "defaultAction").is_some_and(|a| a.eq_ignore_ascii_case("Deny"));
    match network {
        NetworkOrigin::TrustedService => {
            if (public_disabled || default_deny) && !bypass_trusted {
                Err("(trusted Azure service)".to_owned())
            } else {
                Ok(())
            }
        }
        NetworkOrigin::AzureServiceWithUserAssignedIdentity => {
            if public_disabled || default_deny {
                Err(
                    "(an Azure service calling with a user-assigned managed identity, which the trusted-services \
                     bypass does not admit; only the resource's system-assigned identity is a trusted-service caller)"
                        .to_owned(),
                )
            } else {
                Ok(())
            }
        }
        NetworkOrigin::Public(address) => {
            if public_disabled {
                return Err(address.to_string());
            }
            if !default_deny {
                return Ok(());
            }
            let allowed = acls
                .get("ipRules")
                .and_then(Value::as_array)
                .is_some_and(|rules| {
                    rules
                        .iter()
                        .filter_map(|r| str_at(r, "value"))
                        .any(|rule| ip_rule_matches(rule, *address))
                });
            if allowed {
                Ok(())
            } else {
                Err(address.to_string())
            }
        }
    }
}

/// Matches an `ipRules` value: an address or a CIDR range.
pub fn ip_rule_matches(rule: &str, address: IpAddr) -> bool {
    let (network, prefix) = match rule.split_once('/') {
        Some((net, bits)) => (net, bits.parse::<u32>().ok()),
        None => (rule, None),
    };
    let Ok(network) = network.trim().parse::<IpAddr>() else {
        return false;
    };
    let address = match (network, address) {
        (IpAddr::V4(_), IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(address),
        _ => address,
    };
    match (network, address) {
        (IpAddr::V4(net), IpAddr::V4(addr)) => {
            let bits = prefix.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(net) & mask == u32::from(addr) & mask
        }
        (IpAddr::V6(net), IpAddr::V6(addr)) => {
            let bits = prefix.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(net) & mask == u128::from(addr) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::entra::directory::{DEMO_CLIENT_OBJECT_ID, DEMO_TENANT_ID};
    use crate::faults::FaultRules;
    use crate::world::Endpoints;

    /// A service principal with only `get` on `kv-policy` and `kv-firewall`.
    const LIMITED_OBJECT_ID: &str = "aaaaaaaa-0000-4000-8000-0000000000a1";

    /// Two access-policy vaults (the demo service principal has every key
    /// permission, LIMITED only `get`): `kv-policy` open to every network,
    /// `kv-firewall` denying all but one address that is not loopback, with
    /// the trusted-services bypass.
    fn world_with_vaults() -> World {
        let mut world = World::new(
            Endpoints { port: 1 },
            Clock::starting_at(1_800_000_000, 0.0),
            FaultRules::default(),
        )
        .expect("world");
        let subscription = "11111111-2222-4333-8444-555555555555";
        let vault = |name: &str, acls: Value| {
            json!({"put": {
                "id": format!("/subscriptions/{subscription}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/{name}"),
                "body": {
                    "location": "westeurope",
                    "properties": {
                        "tenantId": DEMO_TENANT_ID,
                        "sku": {"family": "A", "name": "standard"},
                        "networkAcls": acls,
                        "accessPolicies": [
                            {"tenantId": DEMO_TENANT_ID, "objectId": DEMO_CLIENT_OBJECT_ID,
                             "permissions": {"keys": crate::scenario::demo::full_key_permissions()}},
                            {"tenantId": DEMO_TENANT_ID, "objectId": LIMITED_OBJECT_ID,
                             "permissions": {"keys": ["get"]}}
                        ]
                    }
                }
            }})
        };
        let steps: Vec<crate::scenario::Step> = serde_json::from_value(json!([
            {"subscription": {"id": subscription, "displayName": "Firewall tests"}},
            {"resourceGroup": {"subscription": subscription, "name": "rg", "location": "westeurope"}},
            {"servicePrincipal": {"clientId": "aaaaaaaa-0000-4000-8000-000000000001",
                "objectId": LIMITED_OBJECT_ID, "displayName": "limited"}},
            vault("kv-policy", json!({"defaultAction": "Allow", "bypass": "AzureServices"})),
            vault("kv-firewall", json!({"defaultAction": "Deny", "bypass": "AzureServices",
                "ipRules": [{"value": "203.0.113.7"}], "virtualNetworkRules": []})),
        ]))
        .expect("steps");
        crate::scenario::apply(&mut world, &steps).expect("steps apply");
        world
    }

    /// What CMK health asks of a service's identity: the firewall admits a
    /// trusted Azure service (calling as itself, with a system-assigned
    /// identity) and refuses other traffic; access policies and a missing
    /// vault still refuse.
    #[test]
    fn the_firewall_admits_trusted_services_and_refuses_everyone_else() {
        let world = &world_with_vaults();
        assert_eq!(
            authorize_on_key(
                world,
                DEMO_CLIENT_OBJECT_ID,
                DEMO_TENANT_ID,
                "kv-firewall",
                None,
                KeyOperation::WrapKey,
                NetworkOrigin::TrustedService
            ),
            Ok(())
        );
        let denied = authorize_on_key(
            world,
            DEMO_CLIENT_OBJECT_ID,
            DEMO_TENANT_ID,
            "kv-firewall",
            None,
            KeyOperation::WrapKey,
            NetworkOrigin::Public("127.0.0.1".parse().expect("ip")),
        );
        assert!(
            matches!(denied, Err(Denial::ForbiddenByFirewall { .. })),
            "{denied:?}"
        );
        // A service calling with a user-assigned identity is not a trusted service.
        let user_assigned = authorize_on_key(
            world,
            DEMO_CLIENT_OBJECT_ID,
            DEMO_TENANT_ID,
            "kv-firewall",
            None,
            KeyOperation::WrapKey,
            NetworkOrigin::AzureServiceWithUserAssignedIdentity,
        );
        match user_assigned {
            Err(Denial::ForbiddenByFirewall { message }) => assert!(
                message.contains("Client address: (an Azure service calling with a user-assigned"),
                "{message}"
            ),
            other => panic!("expected ForbiddenByFirewall, got {other:?}"),
        }
        let no_policy = authorize_on_key(
            world,
            LIMITED_OBJECT_ID,
            DEMO_TENANT_ID,
            "kv-policy",
            Some("any"),
            KeyOperation::UnwrapKey,
            NetworkOrigin::TrustedService,
        );
        assert!(
            matches!(no_policy, Err(Denial::ForbiddenByPolicy { .. })),
            "{no_policy:?}"
        );
        let missing = authorize_on_key(
            world,
            DEMO_CLIENT_OBJECT_ID,
            DEMO_TENANT_ID,
            "nope",
            None,
            KeyOperation::Get,
            NetworkOrigin::TrustedService,
        );
        assert!(matches!(missing, Err(Denial::VaultNotFound { .. })));
    }

    #[test]
    fn ip_rules_match_addresses_and_ranges() {
        let cases = [
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.0/8", "127.1.2.3", true),
            ("10.0.0.0/24", "10.0.1.1", false),
            ("124.56.78.91", "127.0.0.1", false),
            ("::1", "::1", true),
            ("127.0.0.1", "::ffff:127.0.0.1", true),
            ("not an ip", "127.0.0.1", false),
        ];
        for (rule, address, expected) in cases {
            let address: IpAddr = address.parse().expect("address");
            assert_eq!(
                ip_rule_matches(rule, address),
                expected,
                "{rule} vs {address}"
            );
        }
    }

    #[test]
    fn firewall_admits_trusted_services_only_with_bypass() {
        let deny_with_bypass =
            json!({"networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}});
        let deny_no_bypass = json!({"networkAcls": {"defaultAction": "Deny", "bypass": "None"}});
        let loopback = NetworkOrigin::Public("127.0.0.1".parse().expect("ip"));
        assert!(check_firewall(&deny_with_bypass, &NetworkOrigin::TrustedService).is_ok());
        assert!(check_firewall(&deny_no_bypass, &NetworkOrigin::TrustedService).is_err());
        assert_eq!(
            check_firewall(&deny_with_bypass, &loopback),
            Err("127.0.0.1".to_owned())
        );
        assert!(check_firewall(&json!({}), &loopback).is_ok());
        assert!(check_firewall(&json!({"publicNetworkAccess": "Disabled"}), &loopback).is_err());
    }

    #[test]
    fn firewall_treats_a_service_with_a_user_assigned_identity_as_public_traffic() {
        let service = NetworkOrigin::AzureServiceWithUserAssignedIdentity;
        // (vault properties, admitted)
        let cases = [
            (json!({}), true),
            (
                json!({"networkAcls": {"defaultAction": "Allow", "bypass": "None"}}),
                true,
            ),
            (
                json!({"networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices"}}),
                true,
            ),
            (
                json!({"networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}}),
                false,
            ),
            (
                json!({"networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices",
                    "ipRules": [{"value": "0.0.0.0/0"}]}}),
                false,
            ),
            (
                json!({"publicNetworkAccess": "Disabled",
                    "networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices"}}),
                false,
            ),
        ];
        for (properties, admitted) in cases {
            let verdict = check_firewall(&properties, &service);
            assert_eq!(verdict.is_ok(), admitted, "{properties}: {verdict:?}");
            if let Err(client_address) = verdict {
                assert!(
                    client_address.contains("user-assigned managed identity"),
                    "{client_address}"
                );
            }
        }
        // The same vaults admit the service through its system-assigned identity.
        let locked = json!({"networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}});
        assert!(check_firewall(&locked, &NetworkOrigin::TrustedService).is_ok());
    }
}
