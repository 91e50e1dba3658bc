import {
  Button,
  Menu,
  MenuDivider,
  MenuGroup,
  MenuGroupHeader,
  MenuItem,
  MenuItemRadio,
  MenuList,
  MenuPopover,
  MenuTrigger,
} from '@fluentui/react-components';
import {
  ArrowSwapRegular,
  BeakerRegular,
  FilterRegular,
  InfoRegular,
  PersonAddRegular,
  SignOutRegular,
} from '@fluentui/react-icons';
import type { AppInfo } from '../../api/contract';
import { useLandmarkMountNode } from '../../hooks/useLandmarkMountNode';
import type { SessionView } from '../../state/session';
import { accountDetails, activeAccount, sessionDetails } from './accountText';
import { presentSession } from './presentSession';
import { useSessionIndicatorStyles } from './useSessionIndicatorStyles.styles';

export interface SessionIndicatorProps {
  session: SessionView;
  /** The shell's app_info when it answered; gives the cloud, version and remembered accounts. */
  appInfo: AppInfo | null;
  /** Add account…: opens the Sign in to Azure dialog. */
  onSignIn: () => void;
  /** Use local demo tenant. */
  onUseDemo: () => void;
  onSwitchAccount: (accountId: string) => void;
  onSwitchTenant: () => void;
  onFilterSubscriptions: () => void;
  /** Signs the active account out. */
  onSignOut: () => void;
  /** About keyblade: version, cloud, proxy, data folder. */
  onAbout: () => void;
}

const accountGroup = 'account';

/** The header's account switcher: who is signed in, in which tenant and cloud, and what can be done about it. */
export function SessionIndicator({
  session,
  appInfo,
  onSignIn,
  onUseDemo,
  onSwitchAccount,
  onSwitchTenant,
  onFilterSubscriptions,
  onSignOut,
  onAbout,
}: SessionIndicatorProps) {
  const styles = useSessionIndicatorStyles();
  // The menu mounts inside the header's landmark, not at the end of <body> (axe's region rule).
  const [menuMount, menuTrigger] = useLandmarkMountNode();
  const presentation = presentSession(session);
  const details = sessionDetails(session, appInfo);
  const accounts = appInfo?.accounts ?? [];
  const active = activeAccount(session, accounts);
  const signedIn = session.kind === 'signedIn';
  const onAzure = signedIn && !session.isDemo;
  const signedInAs = active?.label ?? (onAzure ? session.account : null);

  return (
    <Menu
      mountNode={menuMount}
      positioning="below-end"
      checkedValues={{ [accountGroup]: active === null ? [] : [active.id] }}
      onCheckedValueChange={(_event, data) => {
        const picked = data.checkedItems[0];
        if (data.name === accountGroup && picked !== undefined && picked !== active?.id) onSwitchAccount(picked);
      }}
    >
      <MenuTrigger disableButtonEnhancement>
        <Button
          ref={menuTrigger}
          className={styles.trigger}
          appearance="subtle"
          icon={presentation.icon}
          // The visible label may be cut short; the name and the tooltip carry all of it. The name also holds the
          // details line, as everything a control shows must be in its name (WCAG 2.5.3, label in name).
          aria-label={`Account: ${presentation.fullLabel}${details === null ? '' : `, ${details}`}`}
          title={details === null ? presentation.fullLabel : `${presentation.fullLabel}\n${details}`}
        >
          <span className={styles.triggerText}>
            <span className={styles.triggerLabel}>{presentation.label}</span>
            {/* A flex column draws no space here, but the text has one: the two lines do not run together. */}
            {details !== null && ' '}
            {details !== null && <span className={styles.triggerDetails}>{details}</span>}
          </span>
        </Button>
      </MenuTrigger>
      <MenuPopover className={styles.surface}>
        <MenuList>
          {accounts.length > 0 && (
            <>
              <MenuGroup>
                <MenuGroupHeader>Accounts</MenuGroupHeader>
                {accounts.map((account) => (
                  <MenuItemRadio key={account.id} name={accountGroup} value={account.id}>
                    <span className={styles.itemText}>
                      <span className={styles.itemLabel}>{account.label}</span>
                      <span className={styles.itemDetails}>{accountDetails(account)}</span>
                    </span>
                  </MenuItemRadio>
                ))}
              </MenuGroup>
              <MenuDivider />
            </>
          )}
          <MenuGroup>
            <MenuGroupHeader>{signedInAs === null ? presentation.heading : `Signed in as ${signedInAs}`}</MenuGroupHeader>
            <MenuItem icon={<PersonAddRegular />} onClick={onSignIn}>
              Add account…
            </MenuItem>
            <MenuItem icon={<ArrowSwapRegular />} disabled={!onAzure} onClick={onSwitchTenant}>
              Switch tenant…
            </MenuItem>
            <MenuItem icon={<FilterRegular />} disabled={!signedIn} onClick={onFilterSubscriptions}>
              Filter subscriptions…
            </MenuItem>
            <MenuItem
              icon={<SignOutRegular />}
              disabled={!onAzure}
              title={signedInAs === null ? undefined : `Sign out ${signedInAs} and forget its saved sign-in`}
              onClick={onSignOut}
            >
              Sign out
            </MenuItem>
          </MenuGroup>
          <MenuDivider />
          <MenuItem icon={<BeakerRegular />} disabled={session.kind === 'connecting' || (session.kind === 'signedIn' && session.isDemo)}
            onClick={onUseDemo}>
            Use local demo tenant
          </MenuItem>
          <MenuItem icon={<InfoRegular />} onClick={onAbout}>
            About keyblade
          </MenuItem>
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}
