import { useCallback, useMemo, useReducer, useRef, type ReactNode } from 'react';
import { NotificationsContext, type NotificationsApi } from './notificationsContext';
import {
  initialNotifications,
  notificationsReducer,
  unreadCount,
  type NotificationDraft,
  type NotificationPatch,
} from './notificationsReducer';

export function NotificationsProvider({
  children,
  now = Date.now,
}: {
  children: ReactNode;
  /** The clock, replaceable in tests. */
  now?: () => number;
}) {
  const [notifications, dispatch] = useReducer(notificationsReducer, initialNotifications);
  const nextId = useRef(0);

  const post = useCallback(
    (draft: NotificationDraft & { id?: string }) => {
      nextId.current += 1;
      const id = draft.id ?? `notification-${nextId.current}`;
      dispatch({ type: 'post', id, draft, now: now() });
      return id;
    },
    [now],
  );
  const update = useCallback(
    (id: string, patch: NotificationPatch) => {
      dispatch({ type: 'update', id, patch, now: now() });
    },
    [now],
  );
  const dismiss = useCallback((id: string) => {
    dispatch({ type: 'dismiss', id });
  }, []);
  const dismissFinished = useCallback(() => {
    dispatch({ type: 'dismissFinished' });
  }, []);
  const markAllRead = useCallback(() => {
    dispatch({ type: 'markAllRead' });
  }, []);

  const value = useMemo<NotificationsApi>(
    () => ({
      notifications,
      unreadCount: unreadCount(notifications),
      post,
      update,
      dismiss,
      dismissFinished,
      markAllRead,
    }),
    [notifications, post, update, dismiss, dismissFinished, markAllRead],
  );
  return <NotificationsContext.Provider value={value}>{children}</NotificationsContext.Provider>;
}
