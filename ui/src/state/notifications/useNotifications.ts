import { useContext } from 'react';
import { NotificationsContext, type NotificationsApi } from './notificationsContext';

/** Post and update notifications from anywhere under <NotificationsProvider>. */
export function useNotifications(): NotificationsApi {
  const value = useContext(NotificationsContext);
  if (value === null) {
    throw new Error('useNotifications must be used inside <NotificationsProvider>');
  }
  return value;
}
