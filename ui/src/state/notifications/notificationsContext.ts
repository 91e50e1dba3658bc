import { createContext } from 'react';
import type { AppNotification, NotificationDraft, NotificationPatch } from './notificationsReducer';

export interface NotificationsApi {
  notifications: readonly AppNotification[];
  unreadCount: number;
  /** Adds a notification (or restarts the one with `id`) and returns its id for later updates. */
  post: (draft: NotificationDraft & { id?: string }) => string;
  update: (id: string, patch: NotificationPatch) => void;
  /** Asks the operation behind `id` to stop, through its notification's `cancel`; does nothing without one. */
  cancel: (id: string) => void;
  dismiss: (id: string) => void;
  dismissFinished: () => void;
  markAllRead: () => void;
}

export const NotificationsContext = createContext<NotificationsApi | null>(null);
