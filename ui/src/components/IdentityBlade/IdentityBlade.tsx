import { Button, MessageBar, MessageBarBody, Spinner } from '@fluentui/react-components';
import { ArrowClockwiseRegular, PersonKeyRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { enableSystemIdentity, listIdentities } from '../../api';
import type { IdentityOptions } from '../../bindings';
import { useCommand } from '../../hooks/useCommand';
import { bladeTitles } from '../../model/blades';
import { resourceCommandBlocker } from '../../model/commandAvailability';
import type { ResourceContext } from '../../model/resourceContext';
import { resourceKindNames } from '../../model/resources';
import { followOperation } from '../../state/encryption/followOperation';
import { useNotifications } from '../../state/notifications';
import { Blade, BladeCommand } from '../Blade';
import { BladeSection } from '../BladeSection';
import { CommandErrorBar } from '../CommandErrorBar';
import { EmptyState } from '../EmptyState';
import { FactList, type Fact } from '../FactList';
import { ResourceGate } from '../ResourceGate';
import { useIdentityBladeStyles } from './useIdentityBladeStyles.styles';

export interface IdentityBladeProps {
  context: ResourceContext;
  onOpenPicker: () => void;
  onRetrySession: () => void;
}

/** The portal's Settings › Identity blade: System assigned (Status On/Off) and User assigned. */
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
                  registryId={registryId}
                  registryName={resource?.name ?? ''}
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
  registryId,
  registryName,
  options,
  onChanged,
}: {
  registryId: string;
  registryName: string;
  options: IdentityOptions;
  onChanged: () => void;
}) {
  const styles = useIdentityBladeStyles();
  const notifications = useNotifications();
  const [turningOn, setTurningOn] = useState(false);

  const turnOn = async () => {
    const etag = options.etag;
    if (etag === null) return;
    setTurningOn(true);
    await followOperation(
      notifications,
      `Turning on the system-assigned identity of ${registryName}`,
      (operationId) => enableSystemIdentity(registryId, etag, operationId),
      (outcome) =>
        outcome.status === 'changed'
          ? { status: 'succeeded', message: `Status On: ${registryName} now has a system-assigned identity.` }
          : { status: 'failed', message: `Nothing was changed: ${outcome.message}` },
      'enable_system_identity',
    );
    setTurningOn(false);
    onChanged();
  };

  const systemFacts: Fact[] = [{ term: 'Status', value: options.systemAssignedEnabled ? 'On' : 'Off' }];
  if (options.systemAssignedEnabled) {
    systemFacts.push({ term: 'Object (principal) ID', value: options.systemAssignedPrincipalId ?? 'Unknown', monospace: true });
  }

  return (
    <div className={styles.stack}>
      <BladeSection title="System assigned">
        <FactList facts={systemFacts} />
        {!options.systemAssignedEnabled && (
          <div className={styles.actions}>
            <Button
              appearance="primary"
              disabled={turningOn || options.etag === null}
              onClick={() => {
                void turnOn();
              }}
            >
              Turn on (Status On)
            </Button>
            {turningOn && <Spinner size="tiny" label="Turning on…" />}
          </div>
        )}
      </BladeSection>
      <BladeSection title="User assigned">
        {options.attached.length === 0 ? (
          <MessageBar intent="info">
            <MessageBarBody>No user-assigned identity is attached to {registryName}.</MessageBarBody>
          </MessageBar>
        ) : (
          <table className={styles.table}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Resource group</th>
                <th scope="col">Client ID</th>
                <th scope="col">Object (principal) ID</th>
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
                  <td className={styles.mono}>{identity.clientId ?? 'Unknown'}</td>
                  <td className={styles.mono}>{identity.principalId ?? 'Unknown'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </BladeSection>
    </div>
  );
}
