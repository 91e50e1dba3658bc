import { useMemo, type ReactNode } from 'react';
import { appInfo } from '../../api';
import { useCommand } from '../../hooks/useCommand';
import { SessionContext } from './sessionContext';
import { sessionView } from './sessionView';

/** Asks the shell for `app_info` once and shares the answer (and a way to ask again). */
export function SessionProvider({ children }: { children: ReactNode }) {
  const { state, reload } = useCommand('app_info', appInfo, 'app_info');
  const value = useMemo(() => ({ appInfo: state, session: sessionView(state), reload }), [state, reload]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
