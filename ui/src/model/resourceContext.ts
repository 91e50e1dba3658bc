import type { CommandError } from '../bindings';
import type { SessionView } from '../state/session';
import type { Selection } from './selection';

/** What every resource blade starts from: can it show a resource, and if not, why not. */
export type ResourceContext =
  | { kind: 'loadingSession' }
  | { kind: 'connecting'; message: string }
  | { kind: 'sessionUnavailable'; error: CommandError }
  | { kind: 'signedOut'; reason: string }
  | { kind: 'noResource' }
  | { kind: 'resource'; selection: Selection };

export function resourceContext(session: SessionView, selection: Selection | null): ResourceContext {
  switch (session.kind) {
    case 'loading':
      return { kind: 'loadingSession' };
    case 'connecting':
      return { kind: 'connecting', message: session.message };
    case 'unavailable':
      return { kind: 'sessionUnavailable', error: session.error };
    case 'signedOut':
      // A selection made before signing out belongs to a session that is gone: never show it.
      return { kind: 'signedOut', reason: session.reason };
    case 'signedIn':
      return selection === null ? { kind: 'noResource' } : { kind: 'resource', selection };
  }
}
