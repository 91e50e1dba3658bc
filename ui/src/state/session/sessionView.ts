import type { CommandError } from '../../bindings';
import type { AppInfo } from '../../api/contract';
import type { Loadable } from '../../hooks/useCommand';

/** What the UI knows about who is signed in, derived from `app_info`. */
export type SessionView =
  | { kind: 'loading' }
  /** Signing in or starting the local demo tenant in the background; `message` says which. */
  | { kind: 'connecting'; message: string }
  /** `app_info` itself failed: we do not know the session, so nothing Azure-backed can be shown. */
  | { kind: 'unavailable'; error: CommandError }
  | { kind: 'signedOut'; reason: string }
  | { kind: 'signedIn'; account: string; tenantId: string; isDemo: boolean; accountId?: string | null };

export function sessionView(appInfo: Loadable<AppInfo>): SessionView {
  switch (appInfo.status) {
    case 'idle':
    case 'loading':
      return { kind: 'loading' };
    case 'failed':
      return { kind: 'unavailable', error: appInfo.error };
    case 'loaded': {
      const session = appInfo.value.session;
      switch (session.state) {
        case 'connecting':
          return { kind: 'connecting', message: session.message };
        case 'signedOut':
          return { kind: 'signedOut', reason: session.reason };
        case 'signedIn':
          return {
            kind: 'signedIn',
            account: session.account,
            tenantId: session.tenantId,
            isDemo: session.isDemo,
            accountId: session.accountId,
          };
      }
    }
  }
}

/** The sentence the UI uses wherever Azure data is missing because of the session. */
export function signedOutSentence(reason: string): string {
  return `Not signed in to Azure: ${reason}`;
}
