import { Button, Checkbox, Field, Input, Radio, RadioGroup, Select, Spinner } from '@fluentui/react-components';
import { useState } from 'react';
import type { IdentityOptions } from '../../bindings';
import type { Loadable } from '../../hooks/useCommand';
import { CommandErrorBar } from '../CommandErrorBar';
import { lookUpIdentity } from './identityLookup';
import { useChangeKeyPanelStyles } from './useChangeKeyPanelStyles.styles';

/**
 * The identity picked in the form: a user-assigned one has no resource ID until one is picked. `identityChoice` turns a
 * complete draft into the `IdentityChoice` the back end takes.
 */
export type IdentityDraft = { type: 'systemAssigned' } | { type: 'userAssigned'; resourceId: string | null };

export interface IdentitySectionProps {
  /** The identity types the kind allows (its rules' `userAssignedIdentity`, `systemAssignedIdentity`). */
  allowed: readonly IdentityDraft['type'][];
  /** How the resource is named in a sentence, e.g. "storage account". */
  shortName: string;
  identities: Loadable<IdentityOptions>;
  onRetry: () => void;
  choice: IdentityDraft;
  onChoice: (choice: IdentityDraft) => void;
  turnOnSystem: boolean;
  onTurnOnSystem: (on: boolean) => void;
}

/**
 * The Change key panel's Identity: User assigned (attached, or one not attached yet, which Save attaches first as a
 * reviewed step) or System assigned.
 */
export function IdentitySection({
  allowed,
  shortName,
  identities,
  onRetry,
  choice,
  onChoice,
  turnOnSystem,
  onTurnOnSystem,
}: IdentitySectionProps) {
  const styles = useChangeKeyPanelStyles();
  const [typed, setTyped] = useState('');
  const [typedProblem, setTypedProblem] = useState<string | null>(null);
  const options = identities.status === 'loaded' ? identities.value : null;
  const notAttached =
    choice.type === 'userAssigned' && (options?.available.some((identity) => identity.resourceId === choice.resourceId) ?? false);

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
              notAttached
                ? `Not attached to this ${shortName} yet: Save attaches it first, as the first step of the review.`
                : options.attached.length === 0
                  ? `No user-assigned identity is attached to this ${shortName}: choose one to attach with the key.`
                  : `Identities attached to this ${shortName}, then others you can attach.`
            }
          >
            <Select
              value={choice.resourceId ?? ''}
              onChange={(_event, data) => {
                onChoice({ type: 'userAssigned', resourceId: data.value === '' ? null : data.value });
              }}
            >
              <option value="">Select an identity</option>
              {options.attached.length > 0 && (
                <optgroup label="Attached">
                  {options.attached.map((identity) => (
                    <option key={identity.resourceId} value={identity.resourceId}>
                      {identity.name}
                      {identity.clientId === null ? '' : ` (client ID ${identity.clientId})`}
                      {identity.exists ? '' : ' (deleted)'}
                    </option>
                  ))}
                </optgroup>
              )}
              {options.available.length > 0 && (
                <optgroup label="Not attached yet (Save attaches it)">
                  {options.available.map((identity) => (
                    <option key={identity.resourceId} value={identity.resourceId}>
                      {identity.name} ({identity.resourceGroup}, {identity.subscriptionName ?? identity.subscriptionId})
                    </option>
                  ))}
                </optgroup>
              )}
            </Select>
          </Field>
          <Field
              label="Or enter a client ID or resource ID"
              hint="Any user-assigned identity your account can read, in any subscription of this tenant."
              validationState={typedProblem === null ? 'none' : 'error'}
              validationMessage={typedProblem}
            >
              <Input
                value={typed}
                onChange={(_event, data) => {
                  setTyped(data.value);
                  setTypedProblem(null);
                }}
              />
          </Field>
          <Button
              className={styles.alignStart}
              disabled={typed.trim() === ''}
              onClick={() => {
                const found = lookUpIdentity(options, typed);
                if (found.kind === 'found') {
                  setTypedProblem(null);
                  onChoice({ type: 'userAssigned', resourceId: found.identity.resourceId });
                } else if (found.kind === 'notFound') {
                  setTypedProblem(found.message);
                }
              }}
            >
              Use this identity
            </Button>
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
