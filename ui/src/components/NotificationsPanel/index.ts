export { NotificationsPanel, type NotificationsPanelProps } from './NotificationsPanel';
export { formatNotificationTime, statusLabels } from './notificationText';
