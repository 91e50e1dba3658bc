import { BeakerRegular, CloudOffRegular, PersonCircleRegular, PlugDisconnectedRegular } from '@fluentui/react-icons';
import type { ReactElement } from 'react';
import type { SessionView } from '../../state/session';

/** How the header's session button and its popover describe the session. */
export interface SessionPresentation {
  /** What the header's button shows; it may be shortened further by an ellipsis. */
  label: string;
  /** The label in full: the button's accessible name and tooltip. */
  fullLabel: string;
  icon: ReactElement;
  heading: string;
  explanation: string;
}

export function presentSession(session: SessionView): SessionPresentation {
  switch (session.kind) {
    case 'loading':
      return {
        label: 'Checking…',
        fullLabel: 'Checking…',
        icon: <PersonCircleRegular />,
        heading: 'Checking your session',
        explanation: 'keyblade is asking its back end who is signed in.',
      };
    case 'connecting':
      return {
        label: 'Connecting…',
        fullLabel: 'Connecting…',
        icon: <PersonCircleRegular />,
        heading: 'Connecting',
        explanation: session.message,
      };
    case 'unavailable':
      return {
        label: 'Not connected',
        fullLabel: 'Not connected',
        icon: <PlugDisconnectedRegular />,
        heading: 'Back end not reachable',
        explanation: session.error.message,
      };
    case 'signedOut':
      return {
        label: 'Signed out',
        fullLabel: 'Signed out',
        icon: <CloudOffRegular />,
        heading: 'Not signed in to Azure',
        explanation: session.reason,
      };
    case 'signedIn':
      return session.isDemo
        ? {
            label: 'Demo tenant',
            fullLabel: 'Demo tenant',
            icon: <BeakerRegular />,
            heading: 'Local demo tenant',
            explanation: `Signed in to the local demo tenant as ${session.account}. Nothing here touches Azure.`,
          }
        : {
            label: shortAccount(session.account),
            fullLabel: session.account,
            icon: <PersonCircleRegular />,
            heading: 'Signed in to Azure',
            explanation: `Signed in as ${session.account}.`,
          };
  }
}

/** The header has little room: a GUID in the account name is shown by its first eight digits. */
export function shortAccount(account: string): string {
  return account.replace(/\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '$1…');
}
