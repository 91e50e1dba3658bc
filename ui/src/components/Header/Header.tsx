import {
  Breadcrumb,
  BreadcrumbDivider,
  BreadcrumbItem,
  Button,
  CounterBadge,
  mergeClasses,
  Tooltip,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import { AlertRegular, CubeRegular, HistoryRegular, KeyMultipleRegular } from '@fluentui/react-icons';
import { Fragment } from 'react';
import type { AppInfo } from '../../api/contract';
import type { Selection } from '../../model/selection';
import type { SessionView } from '../../state/session';
import { SessionIndicator } from '../SessionIndicator';
import { useLandmarkMountNode } from '../../hooks/useLandmarkMountNode';
import { breadcrumbTrail, notificationsButtonLabel } from './headerText';
import { useHeaderStyles } from './useHeaderStyles.styles';

export interface HeaderProps {
  /** The selected resource, or null for "Home". */
  selection: Selection | null;
  session: SessionView;
  appInfo: AppInfo | null;
  unreadNotifications: number;
  onOpenPicker: () => void;
  onOpenNotifications: () => void;
  onSignIn: () => void;
  onUseDemo: () => void;
  onSwitchAccount: (accountId: string) => void;
  onSwitchTenant: () => void;
  onFilterSubscriptions: () => void;
  onSignOut: () => void;
  onAbout: () => void;
  /** Opens History with every resource's changes; without it the header has no History button. */
  onOpenHistory?: () => void;
}

export function Header({
  selection,
  session,
  appInfo,
  unreadNotifications,
  onOpenPicker,
  onOpenNotifications,
  onSignIn,
  onUseDemo,
  onSwitchAccount,
  onSwitchTenant,
  onFilterSubscriptions,
  onSignOut,
  onAbout,
  onOpenHistory,
}: HeaderProps) {
  const styles = useHeaderStyles();
  // The bell's name, shown on hover, stays inside the header's landmark.
  const [bellTooltipMount, bellTooltipTrigger] = useLandmarkMountNode();
  // Drawers give focus back to the element marked with this when they close.
  const restoreFocusTarget = useRestoreFocusTarget();
  const trail = breadcrumbTrail(selection);
  const bellLabel = notificationsButtonLabel(unreadNotifications);

  return (
    <header className={styles.root}>
      <p className={styles.product}>
        <KeyMultipleRegular className={styles.productIcon} aria-hidden="true" />
        keyblade
      </p>
      <span className={styles.divider} aria-hidden="true" />
      <Breadcrumb
        className={styles.breadcrumb}
        list={{ className: styles.breadcrumbList }}
        aria-label="Breadcrumb"
        size="small"
      >
        {trail.map((crumb, index) => {
          const isCurrent = index === trail.length - 1;
          return (
            <Fragment key={`${String(index)}-${crumb}`}>
              <BreadcrumbItem className={isCurrent ? styles.currentItem : styles.item}>
                <span
                  className={mergeClasses(styles.crumb, isCurrent && styles.currentCrumb)}
                  aria-current={isCurrent ? 'page' : undefined}
                  title={crumb}
                >
                  {crumb}
                </span>
              </BreadcrumbItem>
              {!isCurrent && <BreadcrumbDivider />}
            </Fragment>
          );
        })}
      </Breadcrumb>
      <div className={styles.actions}>
        <Button appearance="subtle" icon={<CubeRegular />} onClick={onOpenPicker} {...restoreFocusTarget}>
          Select resource
        </Button>
        {onOpenHistory !== undefined && (
          <Button appearance="subtle" icon={<HistoryRegular />} onClick={onOpenHistory}>
            History
          </Button>
        )}
        <span className={styles.bell}>
          <Tooltip content={bellLabel} relationship="label" mountNode={bellTooltipMount}>
            <Button ref={bellTooltipTrigger} appearance="subtle" icon={<AlertRegular />} onClick={onOpenNotifications} {...restoreFocusTarget} />
          </Tooltip>
          {unreadNotifications > 0 && (
            <CounterBadge
              className={styles.badge}
              count={unreadNotifications}
              size="small"
              color="danger"
              aria-hidden="true"
            />
          )}
        </span>
        <SessionIndicator
          session={session}
          appInfo={appInfo}
          onSignIn={onSignIn}
          onUseDemo={onUseDemo}
          onSwitchAccount={onSwitchAccount}
          onSwitchTenant={onSwitchTenant}
          onFilterSubscriptions={onFilterSubscriptions}
          onSignOut={onSignOut}
          onAbout={onAbout}
        />
      </div>
    </header>
  );
}
