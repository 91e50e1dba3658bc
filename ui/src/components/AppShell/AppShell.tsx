import { useState, type MouseEvent } from 'react';
import type { BladeId } from '../../model/blades';
import { resourceContext } from '../../model/resourceContext';
import type { Selection } from '../../model/selection';
import { useNotifications } from '../../state/notifications';
import { useSession } from '../../state/session';
import { DemoBanner } from '../DemoBanner';
import { EncryptionBlade, encryptionUnreadable } from '../EncryptionBlade';
import { Header } from '../Header';
import { IdentityBlade } from '../IdentityBlade';
import { NotificationsPanel } from '../NotificationsPanel';
import { OverviewBlade } from '../OverviewBlade';
import { ResourceMenu } from '../ResourceMenu';
import { ResourcePicker } from '../ResourcePicker';
import { useAppShellStyles } from './useAppShellStyles.styles';

const mainId = 'main-content';

export interface AppShellProps {
  /** The blade shown first. */
  initialBlade?: BladeId;
}

/** The portal-like frame: header, demo banner, resource menu, the selected blade and the side panels. */
export function AppShell({ initialBlade = 'overview' }: AppShellProps) {
  const styles = useAppShellStyles();
  const { appInfo, session, reload: reloadSession } = useSession();
  const notifications = useNotifications();
  const [blade, setBlade] = useState<BladeId>(initialBlade);
  const [selection, setSelection] = useState<Selection | null>(null);
  const [pickerOpen, setPickerOpen] = useState(false);
  const [notificationsOpen, setNotificationsOpen] = useState(false);

  const context = resourceContext(session, selection);
  const shownSelection = context.kind === 'resource' ? context.selection : null;
  const openPicker = () => {
    setPickerOpen(true);
  };
  const toggleNotifications = (open: boolean) => {
    // Whatever the panel showed has been seen, including what arrived while it was open.
    notifications.markAllRead();
    setNotificationsOpen(open);
  };
  const skipToMain = (event: MouseEvent<HTMLAnchorElement>) => {
    // Move focus ourselves instead of letting the hash change: the app has no URL routing.
    event.preventDefault();
    document.getElementById(mainId)?.focus();
  };

  const bladeProps = { context, onOpenPicker: openPicker, onRetrySession: reloadSession };

  return (
    <div className={styles.root}>
      <a className={styles.skipLink} href={`#${mainId}`} onClick={skipToMain}>
        Skip to main content
      </a>
      <Header
        selection={shownSelection}
        session={session}
        appInfo={appInfo.status === 'loaded' ? appInfo.value : null}
        unreadNotifications={notifications.unreadCount}
        onOpenPicker={openPicker}
        onOpenNotifications={() => {
          toggleNotifications(true);
        }}
      />
      <DemoBanner session={session} />
      <div className={styles.body}>
        <ResourceMenu selected={blade} onSelect={setBlade} />
        <main id={mainId} className={styles.main} tabIndex={-1}>
          {blade === 'overview' && <OverviewBlade {...bladeProps} />}
          {blade === 'identity' && <IdentityBlade {...bladeProps} />}
          {blade === 'encryption' && <EncryptionBlade {...bladeProps} source={encryptionUnreadable} />}
        </main>
      </div>
      <ResourcePicker
        open={pickerOpen}
        onClose={() => {
          setPickerOpen(false);
        }}
        session={session}
        onRetrySession={reloadSession}
        current={shownSelection}
        onSelect={setSelection}
      />
      <NotificationsPanel
        open={notificationsOpen}
        onClose={() => {
          toggleNotifications(false);
        }}
        notifications={notifications.notifications}
        onDismiss={notifications.dismiss}
        onDismissFinished={notifications.dismissFinished}
      />
    </div>
  );
}
