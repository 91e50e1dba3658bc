import { mergeClasses } from '@fluentui/react-components';
import { CubeRegular } from '@fluentui/react-icons';
import { bladeTitles } from '../../model/blades';
import type { ResourceContext } from '../../model/resourceContext';
import { resourceKindNames } from '../../model/resources';
import type { Selection } from '../../model/selection';
import { Blade, BladeCommand } from '../Blade';
import { ResourceGate } from '../ResourceGate';
import { useOverviewBladeStyles } from './useOverviewBladeStyles.styles';

export interface OverviewBladeProps {
  context: ResourceContext;
  onOpenPicker: () => void;
  onRetrySession: () => void;
}

export function OverviewBlade({ context, onOpenPicker, onRetrySession }: OverviewBladeProps) {
  const resource = context.kind === 'resource' ? context.selection.resource : undefined;
  return (
    <Blade
      bladeTitle={bladeTitles.overview}
      resourceName={resource?.name}
      resourceType={resource === undefined ? undefined : resourceKindNames[resource.kind].singular}
      commands={<BladeCommand icon={<CubeRegular />} label="Change resource" onClick={onOpenPicker} />}
    >
      <ResourceGate
        context={context}
        noResourceTitle="Select a resource to see its overview"
        onOpenPicker={onOpenPicker}
        onRetrySession={onRetrySession}
      >
        {(selection) => <Essentials selection={selection} />}
      </ResourceGate>
    </Blade>
  );
}

/** The portal's "Essentials": only what the resource list really returned. */
function Essentials({ selection }: { selection: Selection }) {
  const styles = useOverviewBladeStyles();
  const { resource, subscription } = selection;
  const rows: [string, string, boolean][] = [
    ['Resource group', resource.resourceGroup, false],
    ['Location', resource.location, false],
    ['Subscription', subscription.displayName, false],
    ['Subscription ID', subscription.subscriptionId, true],
    ['Type', resourceKindNames[resource.kind].singular, false],
    ['Resource ID', resource.id, true],
  ];
  return (
    <section aria-labelledby="overview-essentials">
      <h2 id="overview-essentials" className={styles.heading}>
        Essentials
      </h2>
      <dl className={styles.essentials}>
        {rows.map(([term, value, mono]) => (
          <div key={term} className={styles.row}>
            <dt className={styles.term}>{term}</dt>
            <dd className={mergeClasses(styles.value, mono && styles.mono)}>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
