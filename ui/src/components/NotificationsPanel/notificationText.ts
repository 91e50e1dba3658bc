import type { NotificationStatus } from '../../state/notifications';

export const statusLabels: Record<NotificationStatus, string> = {
  inProgress: 'In progress',
  succeeded: 'Succeeded',
  failed: 'Failed',
  warning: 'Warning',
  info: 'Information',
};

/** "14:05" for today, otherwise the date too: notifications live for one app session, rarely longer. */
export function formatNotificationTime(timestamp: number, now: number, locale?: string): string {
  const when = new Date(timestamp);
  const sameDay = new Date(now).toDateString() === when.toDateString();
  const format = sameDay
    ? new Intl.DateTimeFormat(locale, { timeStyle: 'short' })
    : new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return format.format(when);
}
