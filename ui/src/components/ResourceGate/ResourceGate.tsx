import { Button, Spinner } from '@fluentui/react-components';
import { CloudOffRegular, CubeRegular } from '@fluentui/react-icons';
import type { ReactNode } from 'react';
import type { ResourceContext } from '../../model/resourceContext';
import type { Selection } from '../../model/selection';
import { CommandErrorBar } from '../CommandErrorBar';
import { EmptyState } from '../EmptyState';
import { useResourceGateStyles } from './useResourceGateStyles.styles';

export interface ResourceGateProps {
  context: ResourceContext;
  /** Shown when signed in but nothing is selected, e.g. "Select a container registry to see its encryption". */
  noResourceTitle: string;
  onOpenPicker: () => void;
  onRetrySession: () => void;
  /** Offers Home (every encrypted resource) as the way to pick one, where the blade has it. */
  onOpenHome?: (() => void) | undefined;
  /** The blade's content for the selected resource. */
  children: (selection: Selection) => ReactNode;
}

/** Shows why a blade has no resource to show (loading, back end unreachable, signed out, none picked). */
export function ResourceGate({
  context,
  noResourceTitle,
  onOpenPicker,
  onRetrySession,
  onOpenHome,
  children,
}: ResourceGateProps) {
  const styles = useResourceGateStyles();
  switch (context.kind) {
    case 'loadingSession':
      return <Spinner className={styles.loading} label="Checking your Azure session…" />;
    case 'connecting':
      return <Spinner className={styles.loading} label={context.message} />;
    case 'sessionUnavailable':
      return (
        <CommandErrorBar title="Could not read keyblade's status" error={context.error} onRetry={onRetrySession} />
      );
    case 'signedOut':
      return <EmptyState icon={<CloudOffRegular />} title="Not signed in to Azure" description={context.reason} />;
    case 'noResource':
      return (
        <EmptyState
          icon={<CubeRegular />}
          title={noResourceTitle}
          description={
            onOpenHome === undefined
              ? 'Choose a subscription and then a resource in the resource picker.'
              : 'Pick one on Home, which lists every encrypted resource with the health of its key, or choose a subscription and then a resource in the resource picker.'
          }
          actions={
            <>
              {onOpenHome !== undefined && (
                <Button appearance="primary" onClick={onOpenHome}>
                  Go to Home
                </Button>
              )}
              <Button appearance={onOpenHome === undefined ? 'primary' : 'secondary'} onClick={onOpenPicker}>
                Select a resource
              </Button>
            </>
          }
        />
      );
    case 'resource':
      return <>{children(context.selection)}</>;
  }
}
