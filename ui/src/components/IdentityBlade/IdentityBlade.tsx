import { Button, Field, MessageBar, MessageBarBody, Radio, RadioGroup, Spinner } from '@fluentui/react-components';
import {
  AddRegular,
  ArrowClockwiseRegular,
  DeleteRegular,
  DismissRegular,
  PersonKeyRegular,
  SaveRegular,
} from '@fluentui/react-icons';
import { listIdentities } from '../../api';
import type { IdentityOptions } from '../../bindings';
import { useCommand } from '../../hooks/useCommand';
import { bladeTitles } from '../../model/blades';
import { resourceCommandBlocker } from '../../model/commandAvailability';
import type { ResourceContext } from '../../model/resourceContext';
import { resourceKindNames } from '../../model/resources';
import { Blade, BladeCommand } from '../Blade';
import { BladeSection } from '../BladeSection';
import { CommandErrorBar } from '../CommandErrorBar';
import { EmptyState } from '../EmptyState';
import { FactList, type Fact } from '../FactList';
import { LifecycleReview } from '../LifecycleReview';
import { ResourceGate } from '../ResourceGate';
import { AddIdentityPanel } from './AddIdentityPanel';
import { addChange, removeChange, useIdentityChanges } from './identityChanges';
import { useIdentityBladeStyles } from './useIdentityBladeStyles.styles';

export interface IdentityBladeProps {
  context: ResourceContext;
  onOpenPicker: () => void;
  onRetrySession: () => void;
}

/**
 * The portal's Settings › Identity blade: System assigned (Status On/Off, Save) and User assigned (Add, Remove).
 * Every change is planned and run through the lifecycle review; a refused one shows why before anything is sent.
 */
export function IdentityBlade({ context, onOpenPicker, onRetrySession }: IdentityBladeProps) {
  const resource = context.kind === 'resource' ? context.selection.resource : undefined;
  // list_identities takes any kind's resource ID (registries, storage and Azure AI services accounts).
  const registryId = resource?.id ?? null;
  const identities = useCommand(registryId, () => listIdentities(registryId ?? ''), 'list_identities');
  const refreshBlocker = resourceCommandBlocker(context, 'a resource');
  return (
    <Blade
      bladeTitle={bladeTitles.identity}
      resourceName={resource?.name}
      resourceType={resource === undefined ? undefined : resourceKindNames[resource.kind].singular}
      commands={
        <BladeCommand
          icon={<ArrowClockwiseRegular />}
          label="Refresh"
          onClick={identities.reload}
          disabledReason={refreshBlocker}
        />
      }
    >
      <ResourceGate
        context={context}
        noResourceTitle="Select a resource to see its managed identities"
        onOpenPicker={onOpenPicker}
        onRetrySession={onRetrySession}
      >
        {() => {
          if (registryId === null) {
            return (
              <EmptyState
                icon={<PersonKeyRegular />}
                title="Managed identities are not available"
                description="Select a resource to see its managed identities."
              />
            );
          }
          switch (identities.state.status) {
            case 'idle':
            case 'loading':
              return <Spinner label={`Reading the identities of ${resource?.name ?? 'the resource'}…`} />;
            case 'failed':
              return (
                <CommandErrorBar
                  title="Could not read the managed identities"
                  error={identities.state.error}
                  onRetry={identities.reload}
                />
              );
            case 'loaded':
              return (
                <Identities
                  resourceId={registryId}
                  resourceName={resource?.name ?? ''}
                  options={identities.state.value}
                  onChanged={identities.reload}
                />
              );
          }
        }}
      </ResourceGate>
    </Blade>
  );
}

function Identities({
  resourceId,
  resourceName,
  options,
  onChanged,
}: {
  resourceId: string;
  resourceName: string;
  options: IdentityOptions;
  onChanged: () => void;
}) {
  const styles = useIdentityBladeStyles();
  const changes = useIdentityChanges(options, onChanged);

  const systemFacts: Fact[] = [];
  if (options.systemAssignedEnabled) {
    systemFacts.push({ term: 'Object (principal) ID', value: options.systemAssignedPrincipalId ?? 'Unknown', monospace: true });
  }

  return (
    <div className={styles.stack}>
      <BladeSection title="System assigned">
        <p className={styles.hint}>
          A system-assigned managed identity is tied to {resourceName}: Entra ID creates it when the Status is On and
          deletes it, with what was granted to it, when the Status is Off.
        </p>
        <Field label="Status">
          <RadioGroup
            layout="horizontal"
            value={changes.status}
            onChange={(_event, data) => {
              changes.setStatus(data.value === 'on' ? 'on' : 'off');
            }}
          >
            <Radio value="off" label="Off" />
            <Radio value="on" label="On" />
          </RadioGroup>
        </Field>
        {systemFacts.length > 0 && <FactList facts={systemFacts} />}
        <div className={styles.actions}>
          <Button appearance="primary" icon={<SaveRegular />} disabled={!changes.statusChanged} onClick={changes.save}>
            Save
          </Button>
          <Button icon={<DismissRegular />} disabled={!changes.statusChanged} onClick={changes.discard}>
            Discard
          </Button>
        </div>
      </BladeSection>
      <BladeSection title="User assigned">
        <div className={styles.actions}>
          <Button
            icon={<AddRegular />}
            onClick={() => {
              changes.setAdding(true);
            }}
          >
            Add
          </Button>
        </div>
        {options.attached.length === 0 ? (
          <MessageBar intent="info">
            <MessageBarBody>No user-assigned identity is attached to {resourceName}.</MessageBarBody>
          </MessageBar>
        ) : (
          <table className={styles.table}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Resource group</th>
                <th scope="col">Subscription</th>
                <th scope="col">Client ID</th>
                <th scope="col">Object (principal) ID</th>
                <th scope="col">
                  <span className={styles.visuallyHidden}>Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {options.attached.map((identity) => (
                <tr key={identity.resourceId}>
                  <td>
                    {identity.name}
                    {identity.exists ? '' : ' (deleted)'}
                  </td>
                  <td>{identity.resourceGroup}</td>
                  <td>{identity.subscriptionName ?? identity.subscriptionId}</td>
                  <td className={styles.mono}>{identity.clientId ?? 'Unknown'}</td>
                  <td className={styles.mono}>{identity.principalId ?? 'Unknown'}</td>
                  <td>
                    <Button
                      appearance="subtle"
                      icon={<DeleteRegular />}
                      aria-label={`Remove ${identity.name}`}
                      onClick={() => {
                        changes.openReview(removeChange(identity));
                      }}
                    >
                      Remove
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </BladeSection>
      {changes.adding && (
        <AddIdentityPanel
          resourceName={resourceName}
          available={options.available}
          onAdd={(identity) => {
            changes.openReview(addChange(identity));
          }}
          onClose={() => {
            changes.setAdding(false);
          }}
        />
      )}
      {changes.review !== null && (
        <LifecycleReview
          resourceId={resourceId}
          action={{ action: 'identity', change: changes.review.change }}
          verb={changes.review.verb}
          onClose={changes.closeReview}
          onDone={changes.reviewRan}
        />
      )}
    </div>
  );
}
