import { CubeRegular } from '@fluentui/react-icons';
import { bladeTitles } from '../../model/blades';
import type { ResourceContext } from '../../model/resourceContext';
import { resourceKindNames } from '../../model/resources';
import type { Selection } from '../../model/selection';
import { Blade, BladeCommand } from '../Blade';
import { BladeSection } from '../BladeSection';
import { FactList } from '../FactList';
import { ResourceGate } from '../ResourceGate';

export interface OverviewBladeProps {
  context: ResourceContext;
  onOpenPicker: () => void;
  onRetrySession: () => void;
  /** Opens Home, where every encrypted resource is listed. */
  onOpenHome?: (() => void) | undefined;
}

export function OverviewBlade({ context, onOpenPicker, onRetrySession, onOpenHome }: OverviewBladeProps) {
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
        onOpenHome={onOpenHome}
      >
        {(selection) => <Essentials selection={selection} />}
      </ResourceGate>
    </Blade>
  );
}

/** The portal's "Essentials": only what the resource list really returned. */
function Essentials({ selection }: { selection: Selection }) {
  const { resource, subscription } = selection;
  return (
    <BladeSection title="Essentials">
      <FactList
        facts={[
          { term: 'Resource group', value: resource.resourceGroup },
          { term: 'Location', value: resource.location },
          { term: 'Subscription', value: subscription.displayName },
          { term: 'Subscription ID', value: subscription.subscriptionId, monospace: true },
          { term: 'Type', value: resourceKindNames[resource.kind].singular },
          { term: 'Resource ID', value: resource.id, monospace: true },
        ]}
      />
    </BladeSection>
  );
}
