import { Button, Field, Input, Radio, RadioGroup, Select } from '@fluentui/react-components';
import { useState } from 'react';
import { createKey, createVault, newOperationId, onOperationProgress, recoverVault, toCommandError } from '../../api';
import type { CommandError, KeyOption, PermissionModel, VaultOption } from '../../bindings';
import { keyNameProblem, resourceGroupNameProblem, vaultNameProblem } from '../../model/azureNames';
import { CommandErrorBar } from '../CommandErrorBar';
import { FormDialog } from '../FormDialog';
import { useChangeKeyPanelStyles } from './useChangeKeyPanelStyles.styles';
import { useVaultNameCheck } from './useVaultNameCheck';
import { keyNameField, vaultNameField, type NameField } from './vaultNameCheck';

/** The code `create_vault` and `create_key` reject with when the name is taken (nothing was written). */
const conflictCode = 'azure.conflict';

/** The problem to show under a field: none while it is empty, so an untouched field shows its hint. */
function typedProblem(value: string, problem: (value: string) => string | null): string | null {
  return value === '' ? null : problem(value);
}

interface TextFieldProps {
  label: string;
  hint?: string | null;
  value: string;
  onChange: (value: string) => void;
  /** Why the value cannot be used, shown under the field; null when it can. */
  problem?: string | null;
  /** Instead of `problem`: a name field's state, e.g. "The name is available." */
  validation?: Pick<NameField, 'validationState' | 'message'>;
}

/** A required text field of a Create new dialog: names and places, never prose, so no spelling check. */
function TextField({ label, hint, value, onChange, problem = null, validation }: TextFieldProps) {
  const shown = validation ?? { validationState: problem === null ? 'none' : 'error', message: problem };
  return (
    <Field
      label={label}
      required
      hint={hint ?? null}
      {...(shown.message === null
        ? {}
        : { validationState: shown.validationState, validationMessage: shown.message })}
    >
      <Input
        value={value}
        onChange={(_event, data) => {
          onChange(data.value);
        }}
        spellCheck={false}
      />
    </Field>
  );
}

interface CreateVaultDialogProps {
  subscriptionId: string;
  defaults: { resourceGroup: string; location: string };
  onClose: () => void;
  onCreated: (vault: VaultOption) => void;
  /** A vault to use instead of creating one: the subscription's vault of that name, or one recovered. */
  onSelect: (vault: VaultOption) => void;
}

type Recovery =
  | { status: 'idle' }
  | { status: 'running'; name: string; message: string }
  | { status: 'failed'; name: string; error: CommandError };

/**
 * "Create new" key vault: soft delete and purge protection are always on, as a CMK needs. The name is
 * checked with the shell as the user types, and Create runs only for a name that is free: a vault of the
 * subscription is offered instead (Select it), and a deleted one can be recovered (Recover it).
 */
export function CreateVaultDialog({ subscriptionId, defaults, onClose, onCreated, onSelect }: CreateVaultDialogProps) {
  const styles = useChangeKeyPanelStyles();
  const [name, setName] = useState('');
  const [resourceGroup, setResourceGroup] = useState(defaults.resourceGroup);
  const [location, setLocation] = useState(defaults.location);
  const [permissionModel, setPermissionModel] = useState<PermissionModel>('rbac');
  const [recovery, setRecovery] = useState<Recovery>({ status: 'idle' });
  const trimmed = { name: name.trim(), resourceGroup: resourceGroup.trim(), location: location.trim() };
  const ruleProblem = trimmed.name === '' ? null : vaultNameProblem(trimmed.name);
  const nameCheck = useVaultNameCheck(subscriptionId, trimmed.name, trimmed.name !== '' && ruleProblem === null);
  const nameField = vaultNameField(trimmed.name, ruleProblem, nameCheck.state);
  const valid =
    nameField.canCreate && resourceGroupNameProblem(trimmed.resourceGroup) === null && trimmed.location !== '';

  const recover = async () => {
    const vaultName = trimmed.name;
    const operationId = newOperationId('recover-vault');
    setRecovery({ status: 'running', name: vaultName, message: `Recovering ${vaultName}…` });
    const listening = onOperationProgress(operationId, (progress) => {
      setRecovery({ status: 'running', name: vaultName, message: progress.message });
    });
    try {
      await listening.ready;
      const recovered = await recoverVault(subscriptionId, vaultName, operationId);
      onSelect(recovered);
    } catch (rejection: unknown) {
      setRecovery({ status: 'failed', name: vaultName, error: toCommandError(rejection, 'recover_vault') });
    } finally {
      listening.stop();
    }
  };

  return (
    <FormDialog
      title="Create a key vault"
      submitLabel="Create"
      busyLabel="Creating the key vault…"
      errorTitle="Could not create the key vault"
      commandName="create_vault"
      canSubmit={valid}
      pending={recovery.status === 'running' ? recovery.message : null}
      submit={async () => {
        try {
          onCreated(await createVault({ subscriptionId, ...trimmed, permissionModel }, newOperationId('create-vault')));
        } catch (rejection: unknown) {
          // Taken since it was checked: ask again, so the field says by whom and what to do instead.
          if (toCommandError(rejection, 'create_vault').code === conflictCode) nameCheck.checkAgain();
          throw rejection;
        }
      }}
      onClose={onClose}
    >
      <p className={styles.hint}>Soft delete and purge protection are turned on: a customer-managed key needs both.</p>
      <TextField
        label="Name"
        hint="3 to 24 letters, digits and single hyphens, starting with a letter. It must be unique across Azure."
        value={name}
        onChange={setName}
        validation={nameField}
      />
      {nameField.action?.kind === 'selectVault' && (
        <NameAction
          label="Select it"
          onClick={() => {
            if (nameField.action?.kind === 'selectVault') onSelect(nameField.action.vault);
          }}
        />
      )}
      {nameField.action?.kind === 'recoverVault' && (
        <NameAction
          label="Recover it"
          onClick={() => {
            void recover();
          }}
        />
      )}
      {nameField.action?.kind === 'checkAgain' && <NameAction label="Check the name again" onClick={nameCheck.checkAgain} />}
      {recovery.status === 'failed' && recovery.name === trimmed.name && (
        <CommandErrorBar title="Could not recover the key vault" error={recovery.error} />
      )}
      <TextField
        label="Resource group"
        value={resourceGroup}
        onChange={setResourceGroup}
        problem={typedProblem(trimmed.resourceGroup, resourceGroupNameProblem)}
      />
      <TextField
        label="Location"
        value={location}
        onChange={setLocation}
        problem={trimmed.location === '' ? 'Enter a location, e.g. westeurope.' : null}
      />
      <Field label="Permission model">
        <RadioGroup
          value={permissionModel}
          onChange={(_event, data) => {
            setPermissionModel(data.value === 'accessPolicies' ? 'accessPolicies' : 'rbac');
          }}
        >
          <Radio value="rbac" label="Azure role-based access control (recommended)" />
          <Radio value="accessPolicies" label="Vault access policy" />
        </RadioGroup>
      </Field>
    </FormDialog>
  );
}

/** The way out a name field offers, right under it: "Select it", "Recover it". */
function NameAction({ label, onClick }: { label: string; onClick: () => void }) {
  const styles = useChangeKeyPanelStyles();
  return (
    <div className={styles.nameAction}>
      <Button onClick={onClick}>{label}</Button>
    </div>
  );
}

interface CreateKeyDialogProps {
  vaultName: string;
  vaultUri: string;
  /** The keys listed in the vault: a name among them is offered instead of created again. */
  existingKeys: readonly KeyOption[];
  onClose: () => void;
  onCreated: (key: KeyOption) => void;
  /** Select it: the existing key of the name typed. */
  onSelect: (key: KeyOption) => void;
  /** The vault refused the name as taken: the caller reads the vault's keys again. */
  onNameTaken?: () => void;
}

const keySizes = [2048, 3072, 4096] as const;

/**
 * "Create new" key: an RSA key with the operations a customer-managed key needs. A name the vault already
 * has is not created again (Key Vault would add a version, and move every unversioned user of the key).
 */
export function CreateKeyDialog({
  vaultName,
  vaultUri,
  existingKeys,
  onClose,
  onCreated,
  onSelect,
  onNameTaken,
}: CreateKeyDialogProps) {
  const [name, setName] = useState('');
  const [size, setSize] = useState<number>(3072);
  const trimmedName = name.trim();
  const nameField = keyNameField(trimmedName, trimmedName === '' ? null : keyNameProblem(trimmedName), existingKeys);

  return (
    <FormDialog
      title={`Create a key in ${vaultName}`}
      submitLabel="Create"
      busyLabel="Creating the key…"
      errorTitle="Could not create the key"
      commandName="create_key"
      canSubmit={nameField.canCreate}
      submit={async () => {
        try {
          onCreated(await createKey({ vaultUri, name: trimmedName, size }));
        } catch (rejection: unknown) {
          if (toCommandError(rejection, 'create_key').code === conflictCode) onNameTaken?.();
          throw rejection;
        }
      }}
      onClose={onClose}
    >
      <TextField
        label="Name"
        hint="1 to 127 letters, digits and hyphens."
        value={name}
        onChange={setName}
        validation={nameField}
      />
      {nameField.action?.kind === 'selectKey' && (
        <NameAction
          label="Select it"
          onClick={() => {
            if (nameField.action?.kind === 'selectKey') onSelect(nameField.action.key);
          }}
        />
      )}
      <Field label="RSA key size">
        <Select
          value={String(size)}
          onChange={(_event, data) => {
            setSize(Number(data.value));
          }}
        >
          {keySizes.map((bits) => (
            <option key={bits} value={String(bits)}>
              {bits} bits
            </option>
          ))}
        </Select>
      </Field>
    </FormDialog>
  );
}
