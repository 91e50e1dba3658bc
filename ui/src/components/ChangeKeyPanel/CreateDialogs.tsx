import { Field, Input, Radio, RadioGroup, Select } from '@fluentui/react-components';
import { useState } from 'react';
import { createKey, createVault, newOperationId } from '../../api';
import type { KeyOption, PermissionModel, VaultOption } from '../../bindings';
import { keyNameProblem, resourceGroupNameProblem, vaultNameProblem } from '../../model/azureNames';
import { FormDialog } from '../FormDialog';
import { useChangeKeyPanelStyles } from './useChangeKeyPanelStyles.styles';

/** A field's validation props: an untouched (empty) field shows its hint, not an error. */
function nameValidation(value: string, problem: (name: string) => string | null) {
  const message = value === '' ? null : problem(value);
  return message === null ? {} : { validationState: 'error' as const, validationMessage: message };
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
      <Field
        label="Name"
        required
        hint="3 to 24 letters, digits and single hyphens, starting with a letter. It must be unique across Azure."
        {...nameValidation(trimmed.name, vaultNameProblem)}
      >
        <Input
          value={name}
          onChange={(_event, data) => {
            setName(data.value);
          }}
          spellCheck={false}
        />
      </Field>
      <Field label="Resource group" required {...nameValidation(trimmed.resourceGroup, resourceGroupNameProblem)}>
        <Input
          value={resourceGroup}
          onChange={(_event, data) => {
            setResourceGroup(data.value);
          }}
          spellCheck={false}
        />
      </Field>
      <Field
        label="Location"
        required
        {...(trimmed.location === '' ? { validationState: 'error', validationMessage: 'Enter a location, e.g. westeurope.' } : {})}
      >
        <Input
          value={location}
          onChange={(_event, data) => {
            setLocation(data.value);
          }}
          spellCheck={false}
        />
      </Field>
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
      <Field label="Name" required hint="1 to 127 letters, digits and hyphens." {...nameValidation(trimmedName, keyNameProblem)}>
        <Input
          value={name}
          onChange={(_event, data) => {
            setName(data.value);
          }}
          spellCheck={false}
        />
      </Field>
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
