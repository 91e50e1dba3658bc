import { ArrowClockwiseRegular, PersonKeyRegular } from '@fluentui/react-icons';
import { bladeTitles } from '../../model/blades';
import { resourceCommandBlocker } from '../../model/commandAvailability';
import type { ResourceContext } from '../../model/resourceContext';
import { resourceKindNames } from '../../model/resources';
import { Blade, BladeCommand } from '../Blade';
import { EmptyState } from '../EmptyState';
import { ResourceGate } from '../ResourceGate';

export interface IdentityBladeProps {
  context: ResourceContext;
  onOpenPicker: () => void;
  onRetrySession: () => void;
}

/** Why identities cannot be shown for a selected resource: this build has no command that reads them. */
export const identitiesUnreadable =
  'This version of keyblade cannot read managed identities yet, so nothing is shown rather than a guess.';

export function IdentityBlade({ context, onOpenPicker, onRetrySession }: IdentityBladeProps) {
  const resource = context.kind === 'resource' ? context.selection.resource : undefined;
  const refreshBlocker = resourceCommandBlocker(context, 'a resource') ?? identitiesUnreadable;
  return (
    <Blade
      bladeTitle={bladeTitles.identity}
      resourceName={resource?.name}
      resourceType={resource === undefined ? undefined : resourceKindNames[resource.kind].singular}
      commands={<BladeCommand icon={<ArrowClockwiseRegular />} label="Refresh" disabledReason={refreshBlocker} />}
    >
      <ResourceGate
        context={context}
        noResourceTitle="Select a resource to see its managed identities"
        onOpenPicker={onOpenPicker}
        onRetrySession={onRetrySession}
      >
        {() => (
          <EmptyState
            icon={<PersonKeyRegular />}
            title="Managed identities are not available"
            description={identitiesUnreadable}
          />
        )}
      </ResourceGate>
    </Blade>
  );
}
