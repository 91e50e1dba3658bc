//! The tenant switcher: the tenants of the account in use, whether keyblade can use each
//! without asking the user, and switching to one.
//!
//! A tenant that needs MFA or Conditional Access for this app is reported and skipped, as
//! `az login` does: it is not an error, and signing in to that tenant interactively
//! satisfies it.

use std::sync::Arc;

use tauri::{AppHandle, Manager, Runtime};

use keyblade_azure::arm::lro::LroSettings;
use keyblade_azure::signin::{TenantAccess, check_tenant_access};
use keyblade_azure::{KeybladeCredential, SignInMethod};

use crate::connect::notify;
use crate::dto::{TenantAccessStatus, TenantSummary};
use crate::error::CommandError;
use crate::state::{AppState, Connected, Session, lock};

impl From<TenantAccess> for TenantAccessStatus {
    fn from(access: TenantAccess) -> TenantAccessStatus {
        match access {
            TenantAccess::Available => TenantAccessStatus::Available,
            TenantAccess::NeedsInteraction { reason } => {
                TenantAccessStatus::NeedsInteraction { reason }
            }
            TenantAccess::Refused { reason } => TenantAccessStatus::Refused { reason },
        }
    }
}

/// How many tenants are checked at once: each check is one token request.
const CONCURRENT_CHECKS: usize = 8;

/// The account's tenants, each with whether keyblade can use it now.
pub async fn list_tenants(connected: &Connected) -> Result<Vec<TenantSummary>, CommandError> {
    let tenants = connected.azure.arm.list_tenants().await?;
    let credential = connected.azure.credential().clone();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_CHECKS));
    let mut checks = tokio::task::JoinSet::new();
    for (index, tenant) in tenants.iter().enumerate() {
        let current = tenant.tenant_id.eq_ignore_ascii_case(&connected.tenant_id);
        let (credential, semaphore) = (credential.clone(), semaphore.clone());
        let tenant_id = tenant.tenant_id.clone();
        checks.spawn(async move {
            // The tenant in use is usable: the session just proved it.
            if current {
                return (index, TenantAccess::Available);
            }
            let _permit = semaphore.acquire_owned().await;
            (index, access(&credential, &tenant_id).await)
        });
    }
    let mut access_of = vec![None; tenants.len()];
    while let Some(joined) = checks.join_next().await {
        if let Ok((index, access)) = joined
            && let Some(slot) = access_of.get_mut(index)
        {
            *slot = Some(access);
        }
    }
    let mut summaries: Vec<TenantSummary> = tenants
        .into_iter()
        .zip(access_of)
        .map(|(tenant, access)| TenantSummary {
            current: tenant.tenant_id.eq_ignore_ascii_case(&connected.tenant_id),
            access: access
                .unwrap_or(TenantAccess::Refused {
                    reason: "keyblade could not finish checking this tenant".to_owned(),
                })
                .into(),
            tenant_id: tenant.tenant_id,
            display_name: tenant.display_name,
            default_domain: tenant.default_domain,
        })
        .collect();
    summaries.sort_by(|a, b| {
        b.current.cmp(&a.current).then_with(|| {
            let name = |t: &TenantSummary| {
                t.display_name
                    .clone()
                    .unwrap_or_else(|| t.tenant_id.clone())
                    .to_lowercase()
            };
            name(a).cmp(&name(b))
        })
    });
    Ok(summaries)
}

async fn access(credential: &KeybladeCredential, tenant_id: &str) -> TenantAccess {
    check_tenant_access(credential, tenant_id).await
}

/// After a person signs in: their other tenants that need MFA or Conditional Access, to
/// report as skipped. Service principals and the CLI sign in to one tenant; a failure to
/// list tenants reports none (the sign-in itself worked).
pub async fn skipped_tenants(connected: &Connected) -> Vec<TenantSummary> {
    let is_person = matches!(
        connected.azure.credential().method(),
        SignInMethod::Browser { .. } | SignInMethod::DeviceCode { .. }
    );
    if !is_person {
        return Vec::new();
    }
    match list_tenants(connected).await {
        Ok(tenants) => tenants
            .into_iter()
            .filter(|t| matches!(t.access, TenantAccessStatus::NeedsInteraction { .. }))
            .collect(),
        Err(error) => {
            crate::log_warn!("could not list the account's tenants: {error}");
            Vec::new()
        }
    }
}

/// Switches the session in use to another tenant of the same account, and remembers it.
/// The current session stays if the tenant cannot be used.
pub async fn switch_tenant<R: Runtime>(
    app: &AppHandle<R>,
    tenant_id: &str,
) -> Result<(), CommandError> {
    switch_tenant_in(&app.state::<AppState>(), tenant_id).await?;
    notify(app);
    Ok(())
}

/// [`switch_tenant`] without the window.
pub async fn switch_tenant_in(state: &AppState, tenant_id: &str) -> Result<(), CommandError> {
    let connected = state.connected("switch tenants")?;
    let tenant_id = tenant_id.trim();
    if tenant_id.eq_ignore_ascii_case(&connected.tenant_id) {
        return Ok(());
    }
    let credential = connected.azure.credential().for_tenant(tenant_id)?;
    let azure = keyblade_azure::Session::new(
        credential,
        connected.azure.transport().clone(),
        LroSettings::default(),
    );
    azure.arm.list_subscriptions().await?;
    let switched = Arc::new(Connected {
        azure,
        cloud: connected.cloud.clone(),
        tenant_id: tenant_id.to_owned(),
        account: connected.account.clone(),
        account_id: connected.account_id.clone(),
        is_demo: connected.is_demo,
    });
    if let Some(id) = &connected.account_id {
        state.edit_accounts(|accounts| {
            if let Some(account) = accounts.accounts.iter_mut().find(|a| &a.id == id) {
                account.tenant_id = tenant_id.to_owned();
                // Subscriptions belong to tenants: the old tenant's filter would hide all.
                account.subscription_filter = None;
            }
        });
        lock(&state.sessions).insert(id.clone(), switched.clone());
    }
    state.set_session(Session::SignedIn(switched));
    Ok(())
}
