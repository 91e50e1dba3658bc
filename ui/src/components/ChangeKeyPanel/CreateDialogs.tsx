import { Field, Input, Radio, RadioGroup, Select } from '@fluentui/react-components';
import { useState } from 'react';
import { createKey, createVault, newOperationId } from '../../api';
import type { KeyOption, PermissionModel, VaultOption } from '../../bindings';
import { keyNameProblem, resourceGroupNameProblem, vaultNameProblem } from '../../model/azureNames';
import { FormDialog } from '../FormDialog';
import { useChangeKeyPanelStyles } from './useChangeKeyPanelStyles.styles';

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
  problem: string | null;
}

/** A required text field of a Create new dialog: names and places, never prose, so no spelling check. */
function TextField({ label, hint, value, onChange, problem }: TextFieldProps) {
  return (
    <Field
      label={label}
      required
      hint={hint ?? null}
      {...(problem === null ? {} : { validationState: 'error', validationMessage: problem })}
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
}

/** "Create new" key vault: soft delete and purge protection are always on, as a CMK needs. */
export function CreateVaultDialog({ subscriptionId, defaults, onClose, onCreated }: CreateVaultDialogProps) {
  const styles = useChangeKeyPanelStyles();
  const [name, setName] = useState('');
  const [resourceGroup, setResourceGroup] = useState(defaults.resourceGroup);
  const [location, setLocation] = useState(defaults.location);
  const [permissionModel, setPermissionModel] = useState<PermissionModel>('rbac');
  const trimmed = { name: name.trim(), resourceGroup: resourceGroup.trim(), location: location.trim() };
  const valid =
    vaultNameProblem(trimmed.name) === null &&
    resourceGroupNameProblem(trimmed.resourceGroup) === null &&
    trimmed.location !== '';

  return (
    <FormDialog
      title="Create a key vault"
      submitLabel="Create"
      busyLabel="Creating the key vault…"
      errorTitle="Could not create the key vault"
      commandName="create_vault"
      canSubmit={valid}
      submit={async () => {
        onCreated(await createVault({ subscriptionId, ...trimmed, permissionModel }, newOperationId('create-vault')));
      }}
      onClose={onClose}
    >
      <p className={styles.hint}>Soft delete and purge protection are turned on: a customer-managed key needs both.</p>
      <TextField
        label="Name"
        hint="3 to 24 letters, digits and single hyphens, starting with a letter. It must be unique across Azure."
        value={name}
        onChange={setName}
        problem={typedProblem(trimmed.name, vaultNameProblem)}
      />
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

interface CreateKeyDialogProps {
  vaultName: string;
  vaultUri: string;
  onClose: () => void;
  onCreated: (key: KeyOption) => void;
}

const keySizes = [2048, 3072, 4096] as const;

/** "Create new" key: an RSA key with the operations a customer-managed key needs. */
export function CreateKeyDialog({ vaultName, vaultUri, onClose, onCreated }: CreateKeyDialogProps) {
  const [name, setName] = useState('');
  const [size, setSize] = useState<number>(3072);
  const trimmedName = name.trim();

  return (
    <FormDialog
      title={`Create a key in ${vaultName}`}
      submitLabel="Create"
      busyLabel="Creating the key…"
      errorTitle="Could not create the key"
      commandName="create_key"
      canSubmit={keyNameProblem(trimmedName) === null}
      submit={async () => {
        onCreated(await createKey({ vaultUri, name: trimmedName, size }));
      }}
      onClose={onClose}
    >
      <TextField
        label="Name"
        hint="1 to 127 letters, digits and hyphens."
        value={name}
        onChange={setName}
        problem={typedProblem(trimmedName, keyNameProblem)}
      />
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
