import { createContext } from 'react';
import type { AppInfo } from '../../api/contract';
import type { Loadable } from '../../hooks/useCommand';
import type { SessionView } from './sessionView';

export interface SessionContextValue {
  appInfo: Loadable<AppInfo>;
  session: SessionView;
  reload: () => void;
}

export const SessionContext = createContext<SessionContextValue | null>(null);
