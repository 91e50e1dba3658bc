//! Home: every encrypted resource across the chosen subscriptions at a glance, and the
//! health of each key.
//!
//! Two steps, priced differently:
//! - [`list_encrypted_resources`]: one Resource Graph query
//!   ([`crate::arm::graph::ENCRYPTED_RESOURCES_QUERY`]) over every subscription, paged with
//!   `$skipToken`. Resource Manager is asked once per page, never once per resource: each
//!   row carries the resource's identity and encryption, read into the Encryption path's
//!   own shape by the same per-kind readers the blade uses, and kept for the next step.
//! - [`check_health`]: for the resources asked for (the UI asks for the visible rows
//!   first), the Encryption blade's health (keyblade-core's planner on the key and identity
//!   in use, [`crate::encryption::view`]) plus the key's lifecycle: when the version in use
//!   expires, how old it is, how many versions it is behind, whether the key has a
//!   rotation policy. Key Vault is asked at most one resource at a time per vault and
//!   [`KEY_VAULT_HOSTS_AT_ONCE`] vaults at once ([`HostLimiter`]); Resource Manager reads
//!   (vault lists, role assignments, identities) go through the session's caches, so their
//!   number grows with vaults and identities, not with resources. Results are cached until
//!   the user refreshes.
//!
//! A vault or subscription the caller cannot read is a health of `unknown` with the reason,
//! never an error of the whole list.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use url::Url;

use keyblade_core::{ResourceId, ResourceKind};

use crate::Session;
use crate::arm::accounts::{AccountKind, account_from};
use crate::arm::graph::{ENCRYPTED_RESOURCES_QUERY, PAGE_SIZE};
use crate::arm::model::{EncryptionIdentity, RegistryEncryption};
use crate::cache::Cache;
use crate::cancel::Cancel;
use crate::encryption::resource::{EncryptedResource, ResourceRead};
use crate::encryption::view::{DataHealth, HealthStatus, IdentityKind, KeySource, health_view_of};
use crate::encryption::{FindingView, Rotation};
use crate::error::AzureError;
use crate::limit::{HostLimiter, KEY_VAULT_HOSTS_AT_ONCE};
use crate::paging::PageGuard;

mod prefetch;
pub use prefetch::{FIRST_CHECK, Prefetch};

/// One resource on Home, as Resource Graph shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HomeRow {
    /// The resource's ID.
    pub id: String,
    /// The resource's name.
    pub name: String,
    /// Container registry, storage account or Azure AI services account.
    pub kind: ResourceKind,
    /// The subscription's ID.
    pub subscription_id: String,
    /// The subscription's name, when the subscription list has it.
    pub subscription_name: Option<String>,
    /// The resource group.
    pub resource_group: String,
    /// The Azure region.
    pub location: String,
    /// Microsoft-managed or customer-managed keys.
    pub key_source: KeySource,
    /// The customer-managed key; `None` with Microsoft-managed keys.
    pub key: Option<HomeKey>,
    /// The identity that reaches the key; `None` with Microsoft-managed keys.
    pub identity: Option<HomeIdentity>,
    /// Why keyblade could not read this row's encryption (its health is then unknown).
    pub unreadable: Option<String>,
}

/// The key a resource uses, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HomeKey {
    /// The key URI as configured.
    pub key_uri: String,
    /// The vault's name.
    pub vault_name: String,
    /// `https://{vault}.{suffix}/`.
    pub vault_uri: String,
    /// The key's name.
    pub key_name: String,
    /// The version in use, when the resource says.
    pub version: Option<String>,
    /// Automatic (follows new versions) or manual (pinned to a version).
    pub rotation: Rotation,
}

/// The identity a resource reaches its key with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HomeIdentity {
    /// System- or user-assigned.
    pub kind: IdentityKind,
    /// The user-assigned identity's name (its client ID when it is not attached), or the
    /// resource's name for its system-assigned identity.
    pub name: String,
}

/// Every encrypted resource of the chosen subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HomeListing {
    /// The rows, by name.
    pub rows: Vec<HomeRow>,
    /// How many subscriptions were searched.
    pub subscriptions: u32,
    /// How many Resource Graph pages were read (one request each).
    pub pages: u32,
}

/// How far a listing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ListingProgress {
    /// Rows read so far.
    pub rows: u32,
    /// Rows in all, when Resource Graph says.
    pub total: Option<u32>,
}

/// Whether the key has a rotation policy that rotates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RotationPolicyStatus {
    /// Key Vault makes new versions by itself.
    Rotates,
    /// No rotation policy (or one that only notifies).
    NoPolicy,
    /// keyblade could not read the policy.
    Unknown,
}

/// The key version in use: its age, expiry and place among the key's versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KeyLifecycle {
    /// The version in use (the newest, for a key that follows new versions and whose
    /// resource does not say).
    pub version: Option<String>,
    /// When it expires; `None`: it does not (or the versions could not be read).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub expires: Option<OffsetDateTime>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub created: Option<OffsetDateTime>,
    /// How many versions are newer than the one in use.
    pub versions_behind: Option<u32>,
    /// Whether Key Vault rotates the key by itself.
    pub rotation_policy: RotationPolicyStatus,
    /// The policy's rotate trigger, e.g. `P90D` after creation.
    pub rotate_after: Option<String>,
    /// Why the versions could not be read (expiry, age and versions behind then unknown).
    pub unreadable: Option<String>,
}

/// The health of one resource's key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HomeHealth {
    /// The resource's ID.
    pub id: String,
    /// Accessible (healthy), inaccessible (unhealthy) with the reason, unknown with why,
    /// or not applicable (Microsoft-managed keys): the Encryption blade's rules.
    pub health: DataHealth,
    /// The key version in use; `None` with Microsoft-managed keys.
    pub key: Option<KeyLifecycle>,
    /// When keyblade checked.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub checked_at: OffsetDateTime,
}

/// How far a health check is: "checked 120 of 412 keys".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HealthProgress {
    /// Resources checked so far in this run.
    pub checked: u32,
    /// Resources this run checks.
    pub total: u32,
}

/// What Home keeps per session: the resources as last listed, their health, and the bound
/// on Key Vault work shared by every check.
#[derive(Debug)]
pub(crate) struct HomeCache {
    resources: Mutex<HashMap<String, Result<ResourceRead, String>>>,
    health: Cache<HomeHealth>,
    policies: Cache<(RotationPolicyStatus, Option<String>)>,
    limiter: HostLimiter,
}

impl Default for HomeCache {
    fn default() -> Self {
        HomeCache {
            resources: Mutex::new(HashMap::new()),
            health: Cache::default(),
            policies: Cache::default(),
            limiter: HostLimiter::new(KEY_VAULT_HOSTS_AT_ONCE, 1),
        }
    }
}

impl HomeCache {
    /// Forgets health and policies (the user's Refresh); the listing stays until replaced.
    pub(crate) fn clear(&self) {
        self.health.clear();
        self.policies.clear();
    }

    pub(crate) fn limiter(&self) -> &HostLimiter {
        &self.limiter
    }

    fn resources(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Result<ResourceRead, String>>> {
        self.resources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Lists every container registry, storage account and Cognitive Services account of the
/// subscriptions in `subscription_filter` (every subscription the caller can see when
/// `None`) with one Resource Graph query, following `$skipToken` to the end. `progress`
/// hears after each page.
pub async fn list_encrypted_resources(
    session: &Session,
    subscription_filter: Option<&[String]>,
    progress: &(dyn Fn(ListingProgress) + Send + Sync),
) -> Result<HomeListing, AzureError> {
    list_encrypted_resources_by(session, subscription_filter, PAGE_SIZE, progress).await
}

/// [`list_encrypted_resources`] with pages of at most `page_size` rows (tests page small).
pub async fn list_encrypted_resources_by(
    session: &Session,
    subscription_filter: Option<&[String]>,
    page_size: u32,
    progress: &(dyn Fn(ListingProgress) + Send + Sync),
) -> Result<HomeListing, AzureError> {
    let subscriptions: Vec<_> = session
        .arm
        .list_subscriptions()
        .await?
        .into_iter()
        .filter(|s| {
            subscription_filter.is_none_or(|chosen| {
                chosen
                    .iter()
                    .any(|id| id.eq_ignore_ascii_case(&s.subscription_id))
            })
        })
        .collect();
    let names: HashMap<String, String> = subscriptions
        .iter()
        .map(|s| {
            (
                s.subscription_id.to_ascii_lowercase(),
                s.display_name.clone(),
            )
        })
        .collect();
    let ids: Vec<String> = subscriptions
        .iter()
        .map(|s| s.subscription_id.clone())
        .collect();
    let mut listing = HomeListing {
        rows: Vec::new(),
        subscriptions: u32::try_from(ids.len()).unwrap_or(u32::MAX),
        pages: 0,
    };
    if ids.is_empty() {
        return Ok(listing);
    }
    let mut reads = HashMap::new();
    let mut guard = PageGuard::new("the encrypted resources (Resource Graph)");
    let mut token: Option<String> = None;
    loop {
        let page = session
            .arm
            .resource_graph_page(ENCRYPTED_RESOURCES_QUERY, &ids, page_size, token.as_deref())
            .await?;
        listing.pages += 1;
        for row in &page.rows {
            let (home_row, read) = home_row(session, row, &names)?;
            reads.insert(home_row.id.to_ascii_lowercase(), read);
            listing.rows.push(home_row);
        }
        progress(ListingProgress {
            rows: u32::try_from(listing.rows.len()).unwrap_or(u32::MAX),
            total: page
                .total_records
                .map(|t| u32::try_from(t).unwrap_or(u32::MAX)),
        });
        if !guard.after_page(page.skip_token.as_deref())? {
            break;
        }
        token = page.skip_token;
    }
    *session.home.resources() = reads;
    Ok(listing)
}

/// Reads one graph row: the row Home shows, and the resource in the Encryption path's shape
/// (or why it could not be read).
fn home_row(
    session: &Session,
    row: &Value,
    subscription_names: &HashMap<String, String>,
) -> Result<(HomeRow, Result<ResourceRead, String>), AzureError> {
    let text = |name: &str| row[name].as_str().unwrap_or_default().to_owned();
    let id = ResourceId::parse(row["id"].as_str().unwrap_or_default())?;
    let kind = match AccountKind::of(&id) {
        Some(AccountKind::Storage) => ResourceKind::StorageAccount,
        Some(AccountKind::CognitiveServices) => ResourceKind::CognitiveServicesAccount,
        None => ResourceKind::ContainerRegistry,
    };
    let mut home = HomeRow {
        id: id.to_string(),
        name: id.name().to_owned(),
        kind,
        subscription_id: id.subscription_id().to_owned(),
        subscription_name: subscription_names
            .get(&id.subscription_id().to_ascii_lowercase())
            .cloned(),
        resource_group: id.resource_group().to_owned(),
        location: text("location"),
        key_source: KeySource::MicrosoftManaged,
        key: None,
        identity: None,
        unreadable: None,
    };
    let resource = match encrypted_resource(&id, row) {
        Ok(resource) => resource,
        Err(error) => {
            home.unreadable = Some(error.to_string());
            return Ok((home, Err(error.to_string())));
        }
    };
    if let RegistryEncryption::CustomerManaged {
        key_identifier,
        versioned_key_identifier,
        identity,
        key_rotation_enabled,
        ..
    } = resource.encryption()
    {
        home.key_source = KeySource::CustomerManaged;
        let parse = |uri: &str| crate::encryption::facts::parse_key_uri(session, uri).ok();
        let configured = parse(key_identifier);
        let in_use = versioned_key_identifier.as_deref().and_then(parse);
        let version = in_use
            .as_ref()
            .or(configured.as_ref())
            .and_then(|uri| uri.version().map(|v| v.as_str().to_owned()));
        home.key = Some(match &configured {
            Some(uri) => HomeKey {
                key_uri: key_identifier.clone(),
                vault_name: uri.vault_name().to_owned(),
                vault_uri: uri.vault_url(),
                key_name: uri.key_name().to_owned(),
                version,
                rotation: uri.rotation(),
            },
            None => HomeKey {
                key_uri: key_identifier.clone(),
                vault_name: String::new(),
                vault_uri: String::new(),
                key_name: key_identifier.clone(),
                version,
                rotation: if *key_rotation_enabled {
                    Rotation::Automatic
                } else {
                    Rotation::Manual
                },
            },
        });
        home.identity = Some(match identity {
            EncryptionIdentity::SystemAssigned { .. } => HomeIdentity {
                kind: IdentityKind::SystemAssigned,
                name: id.name().to_owned(),
            },
            EncryptionIdentity::UserAssigned {
                resource_id: Some(resource_id),
                ..
            } => HomeIdentity {
                kind: IdentityKind::UserAssigned,
                name: resource_id
                    .rsplit('/')
                    .next()
                    .unwrap_or(resource_id)
                    .to_owned(),
            },
            EncryptionIdentity::UserAssigned { client_id, .. } => HomeIdentity {
                kind: IdentityKind::UserAssigned,
                name: client_id.clone(),
            },
        });
    }
    let tenant_id = row["tenantId"]
        .as_str()
        .filter(|t| !t.is_empty())
        .map_or_else(
            || session.credential().tenant_id().to_owned(),
            str::to_owned,
        );
    Ok((
        home,
        Ok(ResourceRead {
            resource,
            tenant_id,
        }),
    ))
}

/// The graph row as the resource's own GET would show it, read by its kind's reader.
fn encrypted_resource(id: &ResourceId, row: &Value) -> Result<EncryptedResource, AzureError> {
    let mut properties = json!({});
    if !row["encryption"].is_null() {
        properties["encryption"] = row["encryption"].clone();
    }
    if !row["provisioningState"].is_null() {
        properties["provisioningState"] = row["provisioningState"].clone();
    }
    let mut body = json!({
        "id": id.as_str(),
        "name": id.name(),
        "type": format!("{}/{}", id.namespace(), id.resource_type()),
        "location": row["location"],
        "properties": properties,
    });
    for field in ["kind", "sku", "identity"] {
        if !row[field].is_null() {
            body[field] = row[field].clone();
        }
    }
    match AccountKind::of(id) {
        Some(kind) => account_from(kind, &body, None).map(EncryptedResource::Account),
        None => crate::arm::graph::registry_from_json(body).map(EncryptedResource::Registry),
    }
}

/// Checks the health of the resources in `ids` (as listed by the last
/// [`list_encrypted_resources`]), in that order as far as the bounds allow, and returns what
/// was checked (all of them unless `cancel` stopped it; those already checked come from the
/// cache unless `refresh`). `progress` hears after each resource.
pub async fn check_health(
    session: &Session,
    ids: &[String],
    refresh: bool,
    progress: &(dyn Fn(HealthProgress) + Send + Sync),
    cancel: &Cancel,
) -> Vec<HomeHealth> {
    let cache = &session.home;
    let total = u32::try_from(ids.len()).unwrap_or(u32::MAX);
    let checked = AtomicUsize::new(0);
    let reads: Vec<(String, Option<Result<ResourceRead, String>>)> = {
        let resources = cache.resources();
        ids.iter()
            .map(|id| (id.clone(), resources.get(&id.to_ascii_lowercase()).cloned()))
            .collect()
    };
    if !cancel.is_cancelled() {
        warm_up(session, &reads, refresh).await;
    }
    let tasks = reads.into_iter().map(|(id, read)| {
        let checked = &checked;
        async move {
            if cancel.is_cancelled() {
                return None;
            }
            let cached = if refresh { None } else { cache.health.get(&id) };
            let health = match cached {
                Some(health) => health,
                None => {
                    let health = match read {
                        None => unknown(
                            &id,
                            "keyblade has not listed this resource. Refresh Home to list it.",
                        ),
                        Some(Err(reason)) => unknown(
                            &id,
                            &format!("keyblade could not read its encryption: {reason}"),
                        ),
                        Some(Ok(read)) => match vault_host(session, &read) {
                            None => check_one(session, &id, read).await,
                            Some(host) => {
                                cache
                                    .limiter
                                    .run(&host, async {
                                        if cancel.is_cancelled() {
                                            None
                                        } else {
                                            Some(check_one(session, &id, read).await)
                                        }
                                    })
                                    .await?
                            }
                        },
                    };
                    cache.health.put(&id, health.clone());
                    health
                }
            };
            let done = checked.fetch_add(1, Ordering::SeqCst) + 1;
            progress(HealthProgress {
                checked: u32::try_from(done).unwrap_or(u32::MAX),
                total,
            });
            Some(health)
        }
    });
    // Every task waits for its vault's turn inside the limiter, so all may be started at
    // once: the limiter, not the stream, bounds the work.
    let results: Vec<Option<HomeHealth>> = futures::stream::iter(tasks)
        .buffered(ids.len().max(1))
        .collect()
        .await;
    results.into_iter().flatten().collect()
}

/// Reads what many checks share once, before they start: the vault lists of the resources'
/// subscriptions (where each key's vault is looked up first) and the user-assigned
/// identities. Started together, the checks would each miss the session's cache and read
/// them again.
async fn warm_up(
    session: &Session,
    reads: &[(String, Option<Result<ResourceRead, String>>)],
    refresh: bool,
) {
    let mut subscriptions: Vec<String> = Vec::new();
    let mut identities: Vec<ResourceId> = Vec::new();
    for (id, read) in reads {
        let Some(Ok(read)) = read else { continue };
        if !refresh && session.home.health.get(id).is_some() {
            continue;
        }
        let RegistryEncryption::CustomerManaged { identity, .. } = read.resource.encryption()
        else {
            continue;
        };
        let subscription = read.resource.id().subscription_id().to_ascii_lowercase();
        if !subscriptions.contains(&subscription) {
            subscriptions.push(subscription);
        }
        if let EncryptionIdentity::UserAssigned {
            resource_id: Some(identity),
            ..
        } = identity
            && let Ok(identity) = ResourceId::parse(identity)
            && !identities.contains(&identity)
        {
            identities.push(identity);
        }
    }
    // Failures are not kept: each check reads again and reports its own reason.
    let vaults = futures::stream::iter(subscriptions)
        .map(|subscription| async move { session.arm.list_vaults(&subscription).await.ok() })
        .buffer_unordered(crate::arm::CONCURRENCY)
        .collect::<Vec<_>>();
    let _ = futures::join!(vaults, session.arm.get_identities(&identities));
}

/// The host of the vault the resource's key is in, when it has a customer-managed key
/// keyblade can parse.
fn vault_host(session: &Session, read: &ResourceRead) -> Option<String> {
    match read.resource.encryption() {
        RegistryEncryption::CustomerManaged { key_identifier, .. } => {
            crate::encryption::facts::parse_key_uri(session, key_identifier)
                .ok()
                .map(|uri| uri.host().to_ascii_lowercase())
        }
        RegistryEncryption::MicrosoftManaged => None,
    }
}

fn unknown(id: &str, summary: &str) -> HomeHealth {
    HomeHealth {
        id: id.to_owned(),
        health: DataHealth {
            status: HealthStatus::Unknown,
            summary: summary.to_owned(),
            problems: Vec::new(),
        },
        key: None,
        checked_at: OffsetDateTime::now_utc(),
    }
}

/// One resource: the blade's health, then (for a customer-managed key) the versions and the
/// rotation policy of its key, one request after another.
async fn check_one(session: &Session, id: &str, read: ResourceRead) -> HomeHealth {
    let view = match health_view_of(session, read).await {
        Ok(view) => view,
        Err(error) => {
            let problem = FindingView::new(
                crate::encryption::Severity::Warning,
                keyblade_core::preflight::FindingCode::KeyUnreadable,
                format!("keyblade could not check this resource's key: {error}"),
                None,
            );
            let mut health = unknown(id, &problem.message);
            health.health.problems.push(problem);
            return health;
        }
    };
    let key = match &view.key {
        Some(key) => Some(lifecycle(session, key).await),
        None => None,
    };
    HomeHealth {
        id: id.to_owned(),
        health: view.health,
        key,
        checked_at: view.checked_at,
    }
}

async fn lifecycle(session: &Session, key: &crate::encryption::KeyInUse) -> KeyLifecycle {
    let mut found = KeyLifecycle {
        version: key.version_in_use.clone(),
        expires: None,
        created: None,
        versions_behind: None,
        rotation_policy: RotationPolicyStatus::Unknown,
        rotate_after: None,
        unreadable: None,
    };
    let Ok(vault_url) = Url::parse(&key.vault_uri) else {
        found.unreadable = Some(format!("its vault URI {} is not a URL", key.vault_uri));
        return found;
    };
    match session
        .keyvault
        .list_versions(&vault_url, &key.key_name)
        .await
    {
        Ok(versions) => {
            // Newest first; the version in use is the newest when the resource does not say.
            let position = match &key.version_in_use {
                Some(in_use) => versions.iter().position(|v| {
                    v.version
                        .as_deref()
                        .is_some_and(|v| v.eq_ignore_ascii_case(in_use))
                }),
                None => (!versions.is_empty()).then_some(0),
            };
            if let Some(position) = position {
                let item = &versions[position];
                found.version = item.version.clone();
                found.expires = item.expires;
                found.created = item.created;
                found.versions_behind = u32::try_from(position).ok();
            } else {
                found.unreadable = Some(
                    "the version in use is not among the key's versions (it may be deleted)"
                        .to_owned(),
                );
            }
        }
        Err(error) => found.unreadable = Some(error.to_string()),
    }
    let policy_key = format!("{}{}", key.vault_uri, key.key_name);
    let policy = match session.home.policies.get(&policy_key) {
        Some(policy) => Some(policy),
        None => match session
            .keyvault
            .get_rotation_policy(&vault_url, &key.key_name)
            .await
        {
            Ok(policy) => {
                let rotate = policy
                    .rotate_after_create
                    .clone()
                    .or(policy.rotate_before_expiry.clone());
                let status = if rotate.is_some() {
                    RotationPolicyStatus::Rotates
                } else {
                    RotationPolicyStatus::NoPolicy
                };
                session
                    .home
                    .policies
                    .put(&policy_key, (status, rotate.clone()));
                Some((status, rotate))
            }
            Err(_) => None,
        },
    };
    if let Some((status, rotate)) = policy {
        found.rotation_policy = status;
        found.rotate_after = rotate;
    }
    found
}
