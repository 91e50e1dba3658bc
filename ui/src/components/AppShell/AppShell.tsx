import { useCallback, useState, type MouseEvent } from 'react';
import { signOut, toCommandError } from '../../api';
import type { EncryptionView, SignInOutcome } from '../../bindings';
import type { BladeId } from '../../model/blades';
import { resourceContext } from '../../model/resourceContext';
import type { Selection } from '../../model/selection';
import { useNotifications } from '../../state/notifications';
import { useSession } from '../../state/session';
import { runSave, type SaveRequest } from '../../state/encryption/runSave';
import { useRegistryEncryption } from '../../state/encryption/useRegistryEncryption';
import { ChangeKeyPanel } from '../ChangeKeyPanel';
import { DemoBanner } from '../DemoBanner';
import { EncryptionBlade, encryptionUnreadable } from '../EncryptionBlade';
import { SignInDialog } from '../SignInDialog';
import { Header } from '../Header';
import { IdentityBlade } from '../IdentityBlade';
import { NotificationsPanel } from '../NotificationsPanel';
import { OverviewBlade } from '../OverviewBlade';
import { ResourceMenu } from '../ResourceMenu';
import { ResourcePicker } from '../ResourcePicker';
import { useAppShellStyles } from './useAppShellStyles.styles';

const mainId = 'main-content';
/** Only until app_info answers; the panel cannot open before then (it needs a signed-in session). */
const publicKeyVaultSuffix = 'vault.azure.net';

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
  // The panel works on the view it was opened from: refreshing the blade behind it must not close it.
  const [changeKeyView, setChangeKeyView] = useState<EncryptionView | null>(null);
  const [signInOpen, setSignInOpen] = useState(false);

  const context = resourceContext(session, selection);
  const shownSelection = context.kind === 'resource' ? context.selection : null;
  const encryption = useRegistryEncryption(context, blade === 'encryption');
  const encryptionView = encryption.source?.kind === 'loaded' ? encryption.source.view : null;
  const { post, update } = notifications;
  const refreshEncryption = encryption.refresh;

  // A save of the registry in Change key that has not finished: the panel shows it, with Cancel save.
  const runningSave =
    changeKeyView === null
      ? null
      : (notifications.notifications.find(
          (n) => n.status === 'inProgress' && n.subject === changeKeyView.registryId,
        ) ?? null);

  const startSave = useCallback(
    (request: SaveRequest) => {
      void runSave(request, { post, update }, { onOutcome: refreshEncryption });
    },
    [post, update, refreshEncryption],
  );
  const signedIn = (outcome: SignInOutcome) => {
    setSignInOpen(false);
    setSelection(null);
    const account = outcome.info.session.state === 'signedIn' ? outcome.info.session.account : 'Azure';
    post({
      title: 'Signed in to Azure',
      status: 'succeeded',
      message:
        outcome.secret.status === 'keyring'
          ? `Signed in as ${account}. The client secret is in your system keyring; keyblade signs in again on its next start.`
          : `Signed in as ${account}. ${outcome.secret.reason}`,
    });
    reloadSession();
  };
  const useDemo = () => {
    setSelection(null);
    signOut().then(reloadSession, (rejection: unknown) => {
      post({ title: 'Could not sign out', status: 'failed', message: toCommandError(rejection, 'sign_out').message });
    });
  };
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
        onSignIn={() => {
          setSignInOpen(true);
        }}
        onUseDemo={useDemo}
      />
      <DemoBanner
        session={session}
        onSignIn={() => {
          setSignInOpen(true);
        }}
      />
      <div className={styles.body}>
        <ResourceMenu selected={blade} onSelect={setBlade} />
        <main id={mainId} className={styles.main} tabIndex={-1}>
          {blade === 'overview' && <OverviewBlade {...bladeProps} />}
          {blade === 'identity' && <IdentityBlade {...bladeProps} />}
          {blade === 'encryption' && (
            <EncryptionBlade
              {...bladeProps}
              source={encryption.source ?? encryptionUnreadable}
              onRefresh={refreshEncryption}
              onChangeKey={() => {
                setChangeKeyView(encryptionView);
              }}
            />
          )}
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
      <ChangeKeyPanel
        open={changeKeyView !== null}
        onClose={() => {
          setChangeKeyView(null);
        }}
        view={changeKeyView}
        onSave={startSave}
        onRegistryChanged={refreshEncryption}
        runningSave={runningSave}
        onCancelSave={notifications.cancel}
        keyVaultSuffix={appInfo.status === 'loaded' ? appInfo.value.cloud.keyVaultSuffix : publicKeyVaultSuffix}
      />
      <SignInDialog
        open={signInOpen}
        onClose={() => {
          setSignInOpen(false);
        }}
        onSignedIn={signedIn}
      />
      <NotificationsPanel
        open={notificationsOpen}
        onClose={() => {
          toggleNotifications(false);
        }}
        notifications={notifications.notifications}
        onDismiss={notifications.dismiss}
        onCancel={notifications.cancel}
        onDismissFinished={notifications.dismissFinished}
      />
    </div>
  );
}
