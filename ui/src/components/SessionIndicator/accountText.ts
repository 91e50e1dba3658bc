import type { AccountMethod, AccountSummary, AppInfo } from '../../api/contract';
import type { SessionView } from '../../state/session';
import { shortAccount } from './presentSession';

export const accountMethodNames: Record<AccountMethod, string> = {
  browser: 'Browser',
  deviceCode: 'Device code',
  azureCli: 'Azure CLI',
  clientSecret: 'Client secret',
  clientCertificate: 'Certificate',
  environment: 'Environment variables',
};

/** A tenant ID is long: the header shows its first eight digits. */
export function shortTenant(tenantId: string): string {
  return shortAccount(tenantId);
}

/** One remembered account's second line in the switcher: tenant, cloud, and how it signs in. */
export function accountDetails(account: AccountSummary): string {
  return `${shortTenant(account.tenantId)} · ${account.cloudName} · ${accountMethodNames[account.method]}`;
}

/** The header button's second line: the tenant (when signed in) and the cloud. */
export function sessionDetails(session: SessionView, appInfo: AppInfo | null): string | null {
  const parts: string[] = [];
  if (session.kind === 'signedIn' && !session.isDemo) parts.push(shortTenant(session.tenantId));
  if (appInfo !== null) parts.push(appInfo.cloud.name);
  return parts.length === 0 ? null : parts.join(' · ');
}

/** The account in use, when it is a remembered one. */
export function activeAccount(session: SessionView, accounts: readonly AccountSummary[]): AccountSummary | null {
  if (session.kind !== 'signedIn' || session.isDemo) return null;
  return accounts.find((a) => a.active) ?? null;
}
