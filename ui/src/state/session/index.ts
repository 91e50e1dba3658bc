export { SessionProvider } from './SessionProvider';
export { useSession } from './useSession';
export type { SessionContextValue } from './sessionContext';
export { sessionView, signedOutSentence, type SessionView } from './sessionView';
