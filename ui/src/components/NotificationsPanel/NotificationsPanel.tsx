import { Button, DrawerBody, mergeClasses, ProgressBar, Spinner } from '@fluentui/react-components';
import {
  AlertRegular,
  CheckmarkCircleRegular,
  DismissRegular,
  ErrorCircleRegular,
  InfoRegular,
  WarningRegular,
} from '@fluentui/react-icons';
import { useId } from 'react';
import { isFinished, type AppNotification } from '../../state/notifications';
import { EmptyState } from '../EmptyState';
import { SidePanel } from '../SidePanel';
import { formatNotificationTime, statusLabels } from './notificationText';
import { useNotificationsPanelStyles } from './useNotificationsPanelStyles.styles';

export interface NotificationsPanelProps {
  open: boolean;
  onClose: () => void;
  notifications: readonly AppNotification[];
  onDismiss: (id: string) => void;
  onDismissFinished: () => void;
  /** Asks the operation of a notification in progress to stop (its Cancel button). */
  onCancel: (id: string) => void;
  /** The clock used to decide whether to show the date; replaceable in tests. */
  now?: () => number;
}

/** The portal's bell panel: long operations report progress and results here. */
export function NotificationsPanel({
  open,
  onClose,
  notifications,
  onDismiss,
  onDismissFinished,
  onCancel,
  now = Date.now,
}: NotificationsPanelProps) {
  const styles = useNotificationsPanelStyles();
  const anyFinished = notifications.some((n) => isFinished(n.status));
  const currentTime = now();

  return (
    <SidePanel open={open} onClose={onClose} title="Notifications" closeLabel="Close notifications" size="small">
      <DrawerBody>
        {notifications.length === 0 ? (
          <EmptyState
            icon={<AlertRegular />}
            title="No notifications"
            description="Long operations, such as changing a key, report their progress and results here."
          />
        ) : (
          <>
            <div className={styles.commands}>
              <Button
                appearance="subtle"
                onClick={onDismissFinished}
                disabled={!anyFinished}
                title="Operations still in progress stay until they finish."
              >
                Dismiss all
              </Button>
            </div>
            <ul className={styles.list} aria-label="Notifications">
              {notifications.map((notification) => (
                <NotificationItem
                  key={notification.id}
                  notification={notification}
                  time={formatNotificationTime(notification.updatedAt, currentTime)}
                  onDismiss={onDismiss}
                  onCancel={onCancel}
                />
              ))}
            </ul>
          </>
        )}
      </DrawerBody>
    </SidePanel>
  );
}

function NotificationItem({
  notification,
  time,
  onDismiss,
  onCancel,
}: {
  notification: AppNotification;
  time: string;
  onDismiss: (id: string) => void;
  onCancel: (id: string) => void;
}) {
  const styles = useNotificationsPanelStyles();
  const titleId = useId();
  const { status, cancel } = notification;
  return (
    <li
      className={mergeClasses(styles.item, !notification.read && styles.unread)}
      aria-labelledby={titleId}
    >
      <span className={styles.icon} aria-hidden="true">
        <StatusIcon status={status} />
      </span>
      <div className={styles.text}>
        <p id={titleId} className={styles.title}>
          {notification.title}
        </p>
        {notification.step !== null && <p className={styles.step}>{notification.step}</p>}
        {notification.message !== '' && <p className={styles.message}>{notification.message}</p>}
        {cancel?.requested === true && (
          <p className={styles.cancelling}>Cancelling: keyblade stops waiting and reports what it reads back.</p>
        )}
        <span className={styles.meta}>
          {statusLabels[status]} · <time dateTime={new Date(notification.updatedAt).toISOString()}>{time}</time>
        </span>
      </div>
      {isFinished(status) ? (
        <Button
          appearance="subtle"
          size="small"
          icon={<DismissRegular />}
          aria-label={`Dismiss notification: ${notification.title}`}
          onClick={() => {
            onDismiss(notification.id);
          }}
        />
      ) : cancel !== null ? (
        <Button
          size="small"
          aria-label={cancel.label}
          disabled={cancel.requested}
          onClick={() => {
            onCancel(notification.id);
          }}
        >
          Cancel
        </Button>
      ) : (
        <span />
      )}
      {status === 'inProgress' && (
        <ProgressBar
          className={styles.progress}
          // Without a value the bar is indeterminate: it says "working", not "0 % done".
          {...(notification.progress === null ? {} : { value: notification.progress })}
          aria-label={`${notification.title}: progress`}
          aria-valuetext={progressText(notification)}
          thickness="large"
        />
      )}
    </li>
  );
}

/** What a screen reader says for the bar: the share done when known, and the step running. */
function progressText({ progress, step }: AppNotification): string {
  const share = progress === null ? 'Working' : `${String(Math.round(progress * 100))}% done`;
  return step === null ? share : `${share}. ${step}`;
}

function StatusIcon({ status }: { status: AppNotification['status'] }) {
  const styles = useNotificationsPanelStyles();
  switch (status) {
    case 'inProgress':
      return <Spinner size="extra-tiny" />;
    case 'succeeded':
      return <CheckmarkCircleRegular className={styles.succeeded} />;
    case 'failed':
      return <ErrorCircleRegular className={styles.failed} />;
    case 'warning':
      return <WarningRegular className={styles.warning} />;
    case 'info':
      return <InfoRegular className={styles.info} />;
  }
}
