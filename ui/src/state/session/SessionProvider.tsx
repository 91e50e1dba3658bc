import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { AppInfo } from '../../api/contract';
import type { Loadable } from '../../hooks/useCommand';
import { appInfo, onSessionChanged } from '../../api';
import { useCommand } from '../../hooks/useCommand';
import { SessionContext } from './sessionContext';
import { sessionView } from './sessionView';

/** While connecting, ask again this often too: the change event may fire before we listen. */
const connectingPollMs = 1000;

/**
 * Asks the shell for `app_info` and shares the answer (and a way to ask again). Asks again whenever
 * the shell says the session changed, and every second while it is connecting.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const { state: asked, reload } = useCommand('app_info', appInfo, 'app_info');
  // Asking again must not flash "Checking your session" over the blades: keep showing the last answer.
  const [lastAnswer, setLastAnswer] = useState<Loadable<AppInfo> | null>(null);
  if (asked.status !== 'loading' && asked.status !== 'idle' && asked !== lastAnswer) {
    setLastAnswer(asked);
  }
  const state = asked.status === 'loading' && lastAnswer !== null ? lastAnswer : asked;
  const session = sessionView(state);

  useEffect(() => onSessionChanged(reload), [reload]);

  const connecting = session.kind === 'connecting';
  useEffect(() => {
    if (!connecting) return;
    const timer = setInterval(reload, connectingPollMs);
    return () => {
      clearInterval(timer);
    };
  }, [connecting, reload]);

  const value = useMemo(() => ({ appInfo: state, session: sessionView(state), reload }), [state, reload]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
