import { useCallback, useEffect, useMemo, useReducer, useRef, type ReactNode } from 'react';
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
  // The latest list, for `cancel`, which must not change identity on every notification update.
  const latest = useRef(notifications);
  useEffect(() => {
    latest.current = notifications;
  }, [notifications]);
  // Cancels asked and not answered yet: a second click before React renders again must not ask twice.
  const asking = useRef(new Set<string>());
  const cancel = useCallback((id: string) => {
    const handler = latest.current.find((n) => n.id === id)?.cancel ?? null;
    if (handler === null || handler.requested || asking.current.has(id)) return;
    asking.current.add(id);
    dispatch({ type: 'cancelRequested', id, requested: true });
    const answered = (stopping: boolean) => {
      asking.current.delete(id);
      // Nothing was running under that id (or the shell could not be asked): offer the button again.
      // If the operation ended meanwhile, its result has removed the button already.
      if (!stopping) dispatch({ type: 'cancelRequested', id, requested: false });
    };
    handler.request().then(answered, () => {
      answered(false);
    });
  }, []);
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
      cancel,
      dismiss,
      dismissFinished,
      markAllRead,
    }),
    [notifications, post, update, cancel, dismiss, dismissFinished, markAllRead],
  );
  return <NotificationsContext.Provider value={value}>{children}</NotificationsContext.Provider>;
}
