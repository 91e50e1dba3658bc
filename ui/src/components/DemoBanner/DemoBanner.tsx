import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { SessionView } from '../../state/session';
import { useDemoBannerStyles } from './useDemoBannerStyles.styles';

export const demoBannerText = 'Local demo tenant: nothing here touches Azure';

/**
 * Says, for as long as it is true, that the session is the local demo tenant. It has no dismiss button
 * on purpose: the user must never mistake the demo for production.
 */
export function DemoBanner({ session, onSignIn }: { session: SessionView; onSignIn: () => void }) {
  const styles = useDemoBannerStyles();
  if (session.kind !== 'signedIn' || !session.isDemo) {
    return null;
  }
  return (
    <div role="region" aria-label="Demo tenant">
      <MessageBar className={styles.root} intent="warning" shape="square">
        <MessageBarBody>
          <MessageBarTitle>Demo</MessageBarTitle>
          {demoBannerText}
        </MessageBarBody>
        <MessageBarActions>
          <Button onClick={onSignIn}>Sign in to Azure</Button>
        </MessageBarActions>
      </MessageBar>
    </div>
  );
}
