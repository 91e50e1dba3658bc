export { NotificationsProvider } from './NotificationsProvider';
export { useNotifications } from './useNotifications';
export type { NotificationsApi } from './notificationsContext';
export {
  isFinished,
  notificationsReducer,
  unreadCount,
  type AppNotification,
  type NotificationCancel,
  type NotificationCancelDraft,
  type NotificationDraft,
  type NotificationPatch,
  type NotificationStatus,
} from './notificationsReducer';
