import { Button, Popover, PopoverSurface, PopoverTrigger } from '@fluentui/react-components';
import { useState } from 'react';
import type { AppInfo } from '../../bindings';
import type { SessionView } from '../../state/session';
import { presentSession } from './presentSession';
import { useSessionIndicatorStyles } from './useSessionIndicatorStyles.styles';

export interface SessionIndicatorProps {
  session: SessionView;
  /** The shell's app_info when it answered; gives the cloud and version. */
  appInfo: AppInfo | null;
  onSignIn: () => void;
  /** Forgets the Azure sign-in and returns to the local demo tenant. */
  onUseDemo: () => void;
}

/** The header's account button: who is signed in, and to which cloud. */
export function SessionIndicator({ session, appInfo, onSignIn, onUseDemo }: SessionIndicatorProps) {
  const styles = useSessionIndicatorStyles();
  const presentation = presentSession(session);
  const [open, setOpen] = useState(false);
  return (
    <Popover
      withArrow
      positioning="below-end"
      trapFocus
      open={open}
      onOpenChange={(_event, data) => {
        setOpen(data.open);
      }}
    >
      <PopoverTrigger disableButtonEnhancement>
        <Button
          className={styles.trigger}
          appearance="subtle"
          icon={presentation.icon}
          // The visible label may be cut short; the name and the tooltip carry all of it.
          aria-label={`Session: ${presentation.fullLabel}`}
          title={presentation.fullLabel}
        >
          <span className={styles.triggerLabel}>{presentation.label}</span>
        </Button>
      </PopoverTrigger>
      <PopoverSurface className={styles.surface} aria-label="Session details">
        <h2 className={styles.heading}>{presentation.heading}</h2>
        <p className={styles.text}>{presentation.explanation}</p>
        {appInfo !== null && (
          <dl className={styles.facts}>
            {session.kind === 'signedIn' && (
              <>
                <dt className={styles.term}>Tenant</dt>
                <dd className={styles.value}>{session.tenantId}</dd>
              </>
            )}
            <dt className={styles.term}>Cloud</dt>
            <dd className={styles.value}>{appInfo.cloud.name}</dd>
            <dt className={styles.term}>Resource Manager</dt>
            <dd className={styles.value}>{appInfo.cloud.armEndpoint}</dd>
            <dt className={styles.term}>Version</dt>
            <dd className={styles.value}>keyblade {appInfo.version}</dd>
          </dl>
        )}
        {/* A modal popover needs something to focus, or assistive technology is kept out of it. */}
        <div className={styles.actions}>
          {(session.kind === 'signedOut' || (session.kind === 'signedIn' && session.isDemo)) && (
            <Button
              size="small"
              appearance="primary"
              onClick={() => {
                setOpen(false);
                onSignIn();
              }}
            >
              Sign in to Azure
            </Button>
          )}
          {session.kind === 'signedIn' && !session.isDemo && (
            <Button
              size="small"
              onClick={() => {
                setOpen(false);
                onUseDemo();
              }}
            >
              Sign out (back to the demo tenant)
            </Button>
          )}
          {session.kind === 'signedOut' && (
            <Button
              size="small"
              onClick={() => {
                setOpen(false);
                onUseDemo();
              }}
            >
              Use the local demo tenant
            </Button>
          )}
          <Button
            size="small"
            onClick={() => {
              setOpen(false);
            }}
          >
            Close
          </Button>
        </div>
      </PopoverSurface>
    </Popover>
  );
}
