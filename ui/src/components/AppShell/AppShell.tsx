import { Spinner } from '@fluentui/react-components';
import { lazy, Suspense, useCallback, useEffect, useRef, useState, type MouseEvent, type ReactNode } from 'react';
import { openDemoTenant, signOut, switchAccount, toCommandError } from '../../api';
import type { SignInOutcome } from '../../api/contract';
import type { EncryptionView, HomeRow } from '../../bindings';
import type { BladeId } from '../../model/blades';
import { kindRulesFor } from '../../model/kindRules';
import { resourceContext } from '../../model/resourceContext';
import type { Selection } from '../../model/selection';
import { useNotifications } from '../../state/notifications';
import { useSession } from '../../state/session';
import { runSave, type SaveRequest } from '../../state/encryption/runSave';
import { useRegistryEncryption } from '../../state/encryption/useRegistryEncryption';
import { DemoBanner } from '../DemoBanner';
import { encryptionUnreadable } from '../EncryptionBlade/encryptionSource';
import { HomeBlade, initialHomeView, useHome, type HomeView } from '../HomeBlade';
import type { SignInPreset } from '../SignInDialog';
import { Header } from '../Header';
import { ResourceMenu } from '../ResourceMenu';
import { useAppShellStyles } from './useAppShellStyles.styles';

// Only Home's code is in the script the first screen waits for. Every other blade, panel and
// dialog loads its code when first opened (a few milliseconds from disk), so the window starts
// sooner and holds less. (Fluent UI's shared parts stay in the first chunk: Home uses them.)
const OverviewBlade = lazy(() => import('../OverviewBlade').then((m) => ({ default: m.OverviewBlade })));
const EncryptionBlade = lazy(() => import('../EncryptionBlade').then((m) => ({ default: m.EncryptionBlade })));
const IdentityBlade = lazy(() => import('../IdentityBlade').then((m) => ({ default: m.IdentityBlade })));
const HistoryBlade = lazy(() => import('../HistoryBlade').then((m) => ({ default: m.HistoryBlade })));
const ChangeKeyPanel = lazy(() => import('../ChangeKeyPanel').then((m) => ({ default: m.ChangeKeyPanel })));
const RevokePanel = lazy(() => import('../RevokePanel').then((m) => ({ default: m.RevokePanel })));
const RestorePanel = lazy(() => import('../RestorePanel').then((m) => ({ default: m.RestorePanel })));
const ResourcePicker = lazy(() => import('../ResourcePicker').then((m) => ({ default: m.ResourcePicker })));
const NotificationsPanel = lazy(() => import('../NotificationsPanel').then((m) => ({ default: m.NotificationsPanel })));
const SignInDialog = lazy(() => import('../SignInDialog').then((m) => ({ default: m.SignInDialog })));
const TenantSwitcherDialog = lazy(() => import('../TenantSwitcher').then((m) => ({ default: m.TenantSwitcherDialog })));
const AboutDialog = lazy(() => import('../AboutDialog').then((m) => ({ default: m.AboutDialog })));
const SubscriptionFilterDialog = lazy(() =>
  import('../SubscriptionFilter').then((m) => ({ default: m.SubscriptionFilterDialog })),
);

/** Shows a spinner in the blade while its code loads. */
function OnDemand({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Spinner size="tiny" label="Loading…" />}>{children}</Suspense>;
}

/**
 * Mounts a panel or dialog the first time it opens, then keeps it mounted, so that it still
 * animates closed and opens again at once. Until its code loads it shows nothing: it opens
 * over the page a few milliseconds later.
 */
function OnceOpened({ open, children }: { open: boolean; children: ReactNode }) {
  const [opened, setOpened] = useState(open);
  if (open && !opened) {
    setOpened(true);
  }
  return opened ? <Suspense fallback={null}>{children}</Suspense> : null;
}

const mainId = 'main-content';
/** Only until app_info answers; the panel cannot open before then (it needs a signed-in session). */
const publicKeyVaultSuffix = 'vault.azure.net';

export interface AppShellProps {
  /** The blade shown first. */
  initialBlade?: BladeId;
}

/** The portal-like frame: header, demo banner, resource menu, the selected blade and the side panels. */
export function AppShell({ initialBlade = 'home' }: AppShellProps) {
  const styles = useAppShellStyles();
  const { appInfo, session, reload: reloadSession } = useSession();
  const notifications = useNotifications();
  const [blade, setBlade] = useState<BladeId>(initialBlade);
  const [selection, setSelection] = useState<Selection | null>(null);
  const [pickerOpen, setPickerOpen] = useState(false);
  const [notificationsOpen, setNotificationsOpen] = useState(false);
  // The panel works on the view it was opened from: refreshing the blade behind it must not close it. `keyUri`
  // prefills Enter key URI (Update key version).
  const [changeKey, setChangeKey] = useState<{ view: EncryptionView; keyUri: string | null } | null>(null);
  const changeKeyView = changeKey?.view ?? null;
  // Revoke access and Restore access work on the resource they were opened for.
  const [keyAccess, setKeyAccess] = useState<{ panel: 'revoke' | 'restore'; view: EncryptionView } | null>(null);
  const [signInOpen, setSignInOpen] = useState(false);
  const [signInPreset, setSignInPreset] = useState<SignInPreset>({});
  const [tenantsOpen, setTenantsOpen] = useState(false);
  const [filterOpen, setFilterOpen] = useState(false);
  const [aboutOpen, setAboutOpen] = useState(false);
  const [filterRevision, setFilterRevision] = useState(0);
  // History opened from the header lists every resource's changes; from the resource menu, the resource's.
  const [historyOfAll, setHistoryOfAll] = useState(false);
  const info = appInfo.status === 'loaded' ? appInfo.value : null;
  // Home's data and view live here, so that leaving Home and coming back keeps both.
  const home = useHome(session.kind === 'signedIn' ? `${session.account}|${session.tenantId}|${String(filterRevision)}` : null);
  const [homeView, setHomeView] = useState<HomeView>(initialHomeView);

  const openSignIn = useCallback((preset: SignInPreset = {}) => {
    setSignInPreset({ cloud: info?.signInCloud ?? null, ...preset });
    setSignInOpen(true);
  }, [info?.signInCloud]);

  // Started for a cloud (KEYBLADE_CLOUD_METADATA) but signed out: the Sign in dialog opens at once, for that
  // cloud, once per start.
  const autoSignInShown = useRef(false);
  const autoSignInCloud = info !== null && info.session.state === 'signedOut' ? info.signInCloud : null;
  useEffect(() => {
    if (autoSignInCloud === null || autoSignInShown.current) return;
    autoSignInShown.current = true;
    setSignInPreset({ cloud: autoSignInCloud });
    setSignInOpen(true);
  }, [autoSignInCloud]);

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
          ? `Signed in as ${account}. Its sign-in is in your system keyring; keyblade signs in again on its next start.`
          : `Signed in as ${account}. ${outcome.secret.reason}`,
    });
    for (const tenant of outcome.skippedTenants) {
      const name = tenant.displayName ?? tenant.defaultDomain ?? tenant.tenantId;
      post({
        title: `Skipped tenant ${name}`,
        status: 'failed',
        message: `Skipped tenant ${name}: ${
          tenant.access.status === 'available' ? 'it could not be used.' : tenant.access.reason
        } To use it, choose Switch tenant… and Sign in to this tenant.`,
      });
    }
    reloadSession();
  };
  const failed = (title: string, command: string) => (rejection: unknown) => {
    post({ title, status: 'failed', message: toCommandError(rejection, command).message });
  };
  const useDemo = () => {
    setSelection(null);
    openDemoTenant().then(reloadSession, failed('Could not open the local demo tenant', 'use_demo_tenant'));
  };
  const signOutActive = () => {
    setSelection(null);
    signOut(null).then(reloadSession, failed('Could not sign out', 'sign_out'));
  };
  const changeAccount = (accountId: string) => {
    setSelection(null);
    switchAccount(accountId).then(reloadSession, failed('Could not switch account', 'switch_account'));
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
        appInfo={info}
        unreadNotifications={notifications.unreadCount}
        onOpenPicker={openPicker}
        onOpenNotifications={() => {
          toggleNotifications(true);
        }}
        onSignIn={() => {
          openSignIn();
        }}
        onUseDemo={useDemo}
        onSwitchAccount={changeAccount}
        onSwitchTenant={() => {
          setTenantsOpen(true);
        }}
        onFilterSubscriptions={() => {
          setFilterOpen(true);
        }}
        onSignOut={signOutActive}
        onAbout={() => {
          setAboutOpen(true);
        }}
        onOpenHistory={() => {
          setHistoryOfAll(true);
          setBlade('history');
        }}
      />
      <DemoBanner
        session={session}
        onSignIn={() => {
          openSignIn();
        }}
      />
      <div className={styles.body}>
        <ResourceMenu
          selected={blade}
          onSelect={(next) => {
            setHistoryOfAll(false);
            setBlade(next);
          }}
        />
        <main id={mainId} className={styles.main} tabIndex={-1}>
          {blade === 'home' && (
            <HomeBlade
              context={context}
              home={home}
              view={homeView}
              onViewChange={setHomeView}
              onRetrySession={reloadSession}
              onOpenResource={(row) => {
                setSelection(selectionOf(row));
                setBlade('encryption');
              }}
            />
          )}
          {blade === 'overview' && (
            <OnDemand>
              <OverviewBlade
                {...bladeProps}
                onOpenHome={() => {
                  setBlade('home');
                }}
              />
            </OnDemand>
          )}
          {blade === 'identity' && (
            <OnDemand>
              <IdentityBlade {...bladeProps} />
            </OnDemand>
          )}
          {blade === 'history' && (
            <OnDemand>
              <HistoryBlade
                key={historyOfAll ? 'all' : 'resource'}
                resource={shownSelection?.resource ?? null}
                showAllAtStart={historyOfAll}
                onChanged={refreshEncryption}
              />
            </OnDemand>
          )}
          {blade === 'encryption' && (
            <OnDemand>
              <EncryptionBlade
                {...bladeProps}
                source={encryption.source ?? encryptionUnreadable}
                onRefresh={refreshEncryption}
                kinds={info?.kinds ?? []}
                onChangeKey={() => {
                  setChangeKey(encryptionView === null ? null : { view: encryptionView, keyUri: null });
                }}
                onUpdateKeyVersion={(keyUri) => {
                  setChangeKey(encryptionView === null ? null : { view: encryptionView, keyUri });
                }}
                onRevokeAccess={() => {
                  setKeyAccess(encryptionView === null ? null : { panel: 'revoke', view: encryptionView });
                }}
                onRestoreAccess={() => {
                  setKeyAccess(encryptionView === null ? null : { panel: 'restore', view: encryptionView });
                }}
              />
            </OnDemand>
          )}
        </main>
      </div>
      <OnceOpened open={pickerOpen}>
        <ResourcePicker
          open={pickerOpen}
          onClose={() => {
            setPickerOpen(false);
          }}
          session={session}
          onRetrySession={reloadSession}
          current={shownSelection}
          onSelect={setSelection}
          onFilterSubscriptions={() => {
            setFilterOpen(true);
          }}
          filterRevision={filterRevision}
        />
      </OnceOpened>
      <OnceOpened open={changeKeyView !== null}>
        <ChangeKeyPanel
          open={changeKeyView !== null}
          onClose={() => {
            setChangeKey(null);
          }}
          view={changeKeyView}
          rules={changeKeyView === null ? null : kindRulesFor(info, changeKeyView.kind)}
          initialKeyUri={changeKey?.keyUri ?? null}
          onSave={startSave}
          runningSave={runningSave}
          onCancelSave={notifications.cancel}
          keyVaultSuffix={info?.cloud.keyVaultSuffix ?? publicKeyVaultSuffix}
        />
      </OnceOpened>
      {keyAccess?.panel === 'revoke' && (
        <OnDemand>
          <RevokePanel
            resourceId={keyAccess.view.registryId}
            resourceName={keyAccess.view.registryName}
            onClose={() => {
              setKeyAccess(null);
            }}
            onDone={refreshEncryption}
          />
        </OnDemand>
      )}
      {keyAccess?.panel === 'restore' && (
        <OnDemand>
          <RestorePanel
            resourceId={keyAccess.view.registryId}
            onClose={() => {
              setKeyAccess(null);
            }}
            onDone={refreshEncryption}
          />
        </OnDemand>
      )}
      <OnceOpened open={signInOpen}>
        <SignInDialog
          open={signInOpen}
          onClose={() => {
            setSignInOpen(false);
          }}
          onSignedIn={signedIn}
          preset={signInPreset}
        />
      </OnceOpened>
      <OnceOpened open={tenantsOpen}>
        <TenantSwitcherDialog
          open={tenantsOpen}
          onClose={() => {
            setTenantsOpen(false);
          }}
          onSwitched={() => {
            setTenantsOpen(false);
            setSelection(null);
            reloadSession();
          }}
          onSignInToTenant={(tenantId) => {
            setTenantsOpen(false);
            openSignIn({ tenant: tenantId, method: 'browser' });
          }}
        />
      </OnceOpened>
      <OnceOpened open={aboutOpen}>
        <AboutDialog
          open={aboutOpen}
          onClose={() => {
            setAboutOpen(false);
          }}
          appInfo={info}
        />
      </OnceOpened>
      <OnceOpened open={filterOpen}>
        <SubscriptionFilterDialog
          open={filterOpen}
          onClose={() => {
            setFilterOpen(false);
          }}
          onSaved={() => {
            setFilterOpen(false);
            setFilterRevision((n) => n + 1);
          }}
        />
      </OnceOpened>
      <OnceOpened open={notificationsOpen}>
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
      </OnceOpened>
    </div>
  );
}

/** A Home row as the selection the resource blades show. */
function selectionOf(row: HomeRow): Selection {
  return {
    subscription: {
      subscriptionId: row.subscriptionId,
      displayName: row.subscriptionName ?? row.subscriptionId,
      tenantId: null,
      state: null,
      selected: true,
    },
    resource: {
      id: row.id,
      name: row.name,
      resourceGroup: row.resourceGroup,
      kind: row.kind,
      location: row.location,
      subscriptionId: row.subscriptionId,
    },
  };
}
