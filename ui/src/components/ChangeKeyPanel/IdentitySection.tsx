import { Button, Checkbox, Field, Radio, RadioGroup, Select, Spinner } from '@fluentui/react-components';
import { useState } from 'react';
import type { CommandError, IdentityOptions } from '../../bindings';
import type { Loadable } from '../../hooks/useCommand';
import { CommandErrorBar } from '../CommandErrorBar';
import { useChangeKeyPanelStyles } from './useChangeKeyPanelStyles.styles';

/** The identity the registry should reach the key with. */
export type IdentityChoice = { type: 'systemAssigned' } | { type: 'userAssigned'; resourceId: string | null };

export interface IdentitySectionProps {
  /** The identity types the kind allows (its rules' `userAssignedIdentity`, `systemAssignedIdentity`). */
  allowed: readonly IdentityChoice['type'][];
  /** How the resource is named in a sentence, e.g. "storage account". */
  shortName: string;
  identities: Loadable<IdentityOptions>;
  onRetry: () => void;
  choice: IdentityChoice;
  onChoice: (choice: IdentityChoice) => void;
  turnOnSystem: boolean;
  onTurnOnSystem: (on: boolean) => void;
  /** Attaches an identity of the subscription to the registry; resolves with an error or null. */
  onAttach: (identityId: string) => Promise<CommandError | null>;
}

/** The Change key panel's Identity: User assigned (attached, or attach one) or System assigned. */
export function IdentitySection({
  allowed,
  shortName,
  identities,
  onRetry,
  choice,
  onChoice,
  turnOnSystem,
  onTurnOnSystem,
  onAttach,
}: IdentitySectionProps) {
  const styles = useChangeKeyPanelStyles();
  const [toAttach, setToAttach] = useState('');
  const [attaching, setAttaching] = useState(false);
  const [attachError, setAttachError] = useState<CommandError | null>(null);
  const options = identities.status === 'loaded' ? identities.value : null;

  const attach = async () => {
    setAttaching(true);
    setAttachError(null);
    const error = await onAttach(toAttach);
    setAttaching(false);
    setAttachError(error);
    if (error === null) {
      onChoice({ type: 'userAssigned', resourceId: toAttach });
      setToAttach('');
    }
  };

  return (
    <fieldset className={styles.section}>
      <legend className={styles.sectionTitle}>Identity</legend>
      <RadioGroup
        aria-label="Identity type"
        value={choice.type}
        onChange={(_event, data) => {
          onChoice(
            data.value === 'systemAssigned'
              ? { type: 'systemAssigned' }
              : { type: 'userAssigned', resourceId: options?.attached[0]?.resourceId ?? null },
          );
        }}
      >
        {allowed.includes('userAssigned') && <Radio value="userAssigned" label="User assigned" />}
        {allowed.includes('systemAssigned') && <Radio value="systemAssigned" label="System assigned" />}
      </RadioGroup>
      {identities.status === 'loading' && <Spinner size="tiny" label="Loading the resource's identities…" />}
      {identities.status === 'failed' && (
        <CommandErrorBar title="Could not list managed identities" error={identities.error} onRetry={onRetry} />
      )}
      {options !== null && choice.type === 'userAssigned' && (
        <>
          <Field
            label="User-assigned identity"
            required
            hint={
              options.attached.length === 0
                ? `No user-assigned identity is attached to this ${shortName}. Attach one below.`
                : `Identities attached to this ${shortName}.`
            }
          >
            <Select
              value={choice.resourceId ?? ''}
              onChange={(_event, data) => {
                onChoice({ type: 'userAssigned', resourceId: data.value === '' ? null : data.value });
              }}
            >
              <option value="">Select an identity</option>
              {options.attached.map((identity) => (
                <option key={identity.resourceId} value={identity.resourceId}>
                  {identity.name}
                  {identity.clientId === null ? '' : ` (client ID ${identity.clientId})`}
                  {identity.exists ? '' : ' (deleted)'}
                </option>
              ))}
            </Select>
          </Field>
          {options.available.length > 0 && (
            <div className={styles.row}>
              <Field className={styles.grow} label="Attach an identity from the subscription">
                <Select
                  value={toAttach}
                  onChange={(_event, data) => {
                    setToAttach(data.value);
                  }}
                >
                  <option value="">Select an identity to attach</option>
                  {options.available.map((identity) => (
                    <option key={identity.resourceId} value={identity.resourceId}>
                      {identity.name} ({identity.resourceGroup})
                    </option>
                  ))}
                </Select>
              </Field>
              <Button
                disabled={toAttach === '' || attaching}
                onClick={() => {
                  void attach();
                }}
              >
                Attach
              </Button>
            </div>
          )}
          {attaching && <Spinner size="tiny" label={`Attaching the identity to the ${shortName}…`} />}
          {attachError !== null && <CommandErrorBar title="Could not attach the identity" error={attachError} />}
        </>
      )}
      {options !== null && choice.type === 'systemAssigned' && (
        <>
          {options.systemAssignedEnabled ? (
            <p className={styles.hint}>
              The {shortName}'s system-assigned identity is on (principal ID {options.systemAssignedPrincipalId ?? 'unknown'}).
            </p>
          ) : (
            <Checkbox
              checked={turnOnSystem}
              onChange={(_event, data) => {
                onTurnOnSystem(data.checked === true);
              }}
              label="Turn on the system-assigned identity (Identity, Status On). It is off now; Save turns it on first."
            />
          )}
        </>
      )}
    </fieldset>
  );
}
