//! Which resources use a key, and through which identity: what a new key version reaches
//! and what else a revoke cuts off. Every registry, storage account and Azure AI services
//! account of every subscription the session can read is listed (list calls, a few per
//! subscription, never one GET per resource), at most [`crate::arm::CONCURRENCY`]
//! subscriptions at a time.

use futures::StreamExt;

use keyblade_core::ResourceKind;
use keyblade_core::lifecycle::AffectedResource;

use crate::arm::accounts::AccountKind;
use crate::arm::model::{EncryptionIdentity, RegistryEncryption};
use crate::encryption::resource::EncryptedResource;
use crate::{AzureError, Session};

/// A resource encrypted with a customer-managed key, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUser {
    /// Its ARM resource ID.
    pub id: String,
    /// Its kind.
    pub kind: ResourceKind,
    /// Its name.
    pub name: String,
    /// The key URI as configured: unversioned when the resource follows new versions.
    pub key_uri: String,
    /// The object ID of the identity that reaches the key, when the listing names it.
    pub principal_id: Option<String>,
}

impl KeyUser {
    /// The key's vault URI (`https://{vault}/`, lower case, with the trailing slash) and name.
    fn vault_and_key(&self) -> Option<(String, String)> {
        vault_and_key(&self.key_uri)
    }

    /// Whether the resource follows new versions of its key (an unversioned URI).
    pub fn follows_latest(&self) -> bool {
        let path = self
            .key_uri
            .split_once("://")
            .map_or("", |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
        path.trim_end_matches('/').split('/').count() == 2
    }

    fn affected(&self, reason: String) -> AffectedResource {
        AffectedResource {
            id: self.id.clone(),
            kind: Some(self.kind),
            name: self.name.clone(),
            reason,
        }
    }
}

/// `https://{vault}/keys/{name}[/{version}]` → (`https://{vault}/`, `name`), host lower-cased.
fn vault_and_key(uri: &str) -> Option<(String, String)> {
    let (scheme, rest) = uri.split_once("://")?;
    let (host, path) = rest.split_once('/')?;
    let mut segments = path.trim_end_matches('/').split('/');
    if segments.next() != Some("keys") {
        return None;
    }
    let name = segments.next().filter(|n| !n.is_empty())?;
    Some((
        format!(
            "{}://{}/",
            scheme.to_ascii_lowercase(),
            host.to_ascii_lowercase()
        ),
        name.to_ascii_lowercase(),
    ))
}

/// Every resource of the three kinds that uses a customer-managed key, in every subscription
/// the session can read. A subscription that cannot be listed is skipped: this is for
/// "what else", and a partial answer says so through `complete`.
pub async fn key_users(session: &Session) -> Result<KeyUsers, AzureError> {
    let subscriptions = session.arm.list_subscriptions().await?;
    let mut complete = true;
    let mut users = Vec::new();
    // Owned items: a closure over `&Subscription` makes the future not provably `Send`
    // (rust-lang/rust#64552), and the shell awaits it on a multi-threaded runtime.
    let mut lists = futures::stream::iter(subscriptions.into_iter().map(|subscription| {
        let id = subscription.subscription_id;
        async move {
            let (registries, storage, cognitive) = tokio::join!(
                session.arm.list_registries(&id),
                session.arm.list_accounts(AccountKind::Storage, &id),
                session
                    .arm
                    .list_accounts(AccountKind::CognitiveServices, &id),
            );
            let mut resources = Vec::new();
            let mut listed_all = true;
            match registries {
                Ok(list) => resources.extend(list.into_iter().map(EncryptedResource::Registry)),
                Err(_) => listed_all = false,
            }
            for accounts in [storage, cognitive] {
                match accounts {
                    Ok(list) => resources.extend(list.into_iter().map(EncryptedResource::Account)),
                    Err(_) => listed_all = false,
                }
            }
            (resources, listed_all)
        }
    }))
    .buffer_unordered(crate::arm::CONCURRENCY);
    while let Some((resources, listed_all)) = lists.next().await {
        complete &= listed_all;
        users.extend(resources.iter().filter_map(key_user));
    }
    users.sort_by_key(|u| u.id.to_ascii_lowercase());
    Ok(KeyUsers { users, complete })
}

/// The resources that use customer-managed keys, and whether every subscription was listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyUsers {
    /// The resources, sorted by ID.
    pub users: Vec<KeyUser>,
    /// `false` when a subscription or a kind could not be listed, so others may exist.
    pub complete: bool,
}

impl KeyUsers {
    /// The other resources (not `except_id`) that use the key `key_uri` (any version of it);
    /// with `following_only`, only those that follow its new versions.
    pub fn of_key(
        &self,
        key_uri: &str,
        except_id: &str,
        following_only: bool,
    ) -> Vec<AffectedResource> {
        let Some(wanted) = vault_and_key(key_uri) else {
            return Vec::new();
        };
        self.users
            .iter()
            .filter(|u| !u.id.eq_ignore_ascii_case(except_id))
            .filter(|u| u.vault_and_key().as_ref() == Some(&wanted))
            .filter(|u| !following_only || u.follows_latest())
            .map(|u| {
                let reason = if u.follows_latest() {
                    format!("also uses key {} and follows its new versions", wanted.1)
                } else {
                    format!("also uses key {} (a pinned version)", wanted.1)
                };
                u.affected(reason)
            })
            .collect()
    }

    /// The other resources (not `except_id`) whose key is reached by the identity with
    /// object ID `principal_id`, in the vault `vault_uri`: what removing that identity's
    /// access to the vault also cuts off.
    pub fn of_principal_in_vault(
        &self,
        principal_id: &str,
        vault_uri: &str,
        except_id: &str,
    ) -> Vec<AffectedResource> {
        let vault = vault_uri.trim_end_matches('/').to_ascii_lowercase() + "/";
        self.users
            .iter()
            .filter(|u| !u.id.eq_ignore_ascii_case(except_id))
            .filter(|u| {
                u.principal_id
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(principal_id))
            })
            .filter(|u| u.vault_and_key().is_some_and(|(v, _)| v == vault))
            .map(|u| {
                let key = u.vault_and_key().map(|(_, k)| k).unwrap_or_default();
                u.affected(format!(
                    "reaches its key {key} in the same vault with the same identity"
                ))
            })
            .collect()
    }
}

fn key_user(resource: &EncryptedResource) -> Option<KeyUser> {
    let RegistryEncryption::CustomerManaged {
        key_identifier,
        identity,
        ..
    } = resource.encryption()
    else {
        return None;
    };
    let attached = resource.identity();
    let principal_id = match identity {
        EncryptionIdentity::SystemAssigned { .. } => attached
            .system_assigned
            .as_ref()
            .and_then(|s| s.principal_id.clone()),
        EncryptionIdentity::UserAssigned {
            client_id,
            resource_id,
        } => attached
            .user_assigned
            .iter()
            .find(|u| {
                u.client_id
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(client_id))
                    || resource_id
                        .as_deref()
                        .is_some_and(|r| r.eq_ignore_ascii_case(&u.resource_id))
            })
            .and_then(|u| u.principal_id.clone()),
    };
    Some(KeyUser {
        id: resource.id().to_string(),
        kind: resource.kind(),
        name: resource.id().name().to_owned(),
        key_uri: key_identifier.clone(),
        principal_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, key_uri: &str, principal: &str) -> KeyUser {
        KeyUser {
            id: id.to_owned(),
            kind: ResourceKind::ContainerRegistry,
            name: id.rsplit('/').next().unwrap_or(id).to_owned(),
            key_uri: key_uri.to_owned(),
            principal_id: Some(principal.to_owned()),
        }
    }

    #[test]
    fn finds_other_users_of_a_key_and_of_an_identity() {
        let users = KeyUsers {
            users: vec![
                user("/r/a", "https://kv1.vault.azure.net/keys/cmk", "p1"),
                user("/r/b", "https://KV1.vault.azure.net/keys/CMK/abc", "p1"),
                user("/r/c", "https://kv1.vault.azure.net/keys/other", "p2"),
                user("/r/d", "https://kv2.vault.azure.net/keys/cmk", "p1"),
            ],
            complete: true,
        };
        let key = "https://kv1.vault.azure.net/keys/cmk/v9";
        let all: Vec<String> = users
            .of_key(key, "/r/x", false)
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(all, ["/r/a", "/r/b"]);
        let following: Vec<String> = users
            .of_key(key, "/r/a", true)
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert!(following.is_empty(), "b pins a version: {following:?}");
        let same_identity: Vec<String> = users
            .of_principal_in_vault("P1", "https://kv1.vault.azure.net", "/r/a")
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(same_identity, ["/r/b"]);
    }
}
