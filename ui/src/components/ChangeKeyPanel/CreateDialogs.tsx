import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Radio,
  RadioGroup,
  Select,
  Spinner,
} from '@fluentui/react-components';
import { useState, type SyntheticEvent } from 'react';
import { createKey, createVault, newOperationId, toCommandError } from '../../api';
import type { CommandError, KeyOption, PermissionModel, VaultOption } from '../../bindings';
import { CommandErrorBar } from '../CommandErrorBar';
import { useChangeKeyPanelStyles } from './useChangeKeyPanelStyles.styles';

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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const vault = await createVault(
        { subscriptionId, resourceGroup: resourceGroup.trim(), name: name.trim(), location: location.trim(), permissionModel },
        newOperationId('create-vault'),
      );
      onCreated(vault);
    } catch (rejection: unknown) {
      setError(toCommandError(rejection, 'create_vault'));
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onOpenChange={(_event, data) => {
        if (!data.open && !busy) onClose();
      }}
    >
      <DialogSurface>
        <form
          onSubmit={(event) => {
            void submit(event);
          }}
        >
          <DialogBody>
            <DialogTitle>Create a key vault</DialogTitle>
            <DialogContent className={styles.dialogForm}>
              <p className={styles.hint}>Soft delete and purge protection are turned on: a customer-managed key needs both.</p>
              <Field label="Name" required hint="3 to 24 letters, digits and hyphens, starting with a letter.">
                <Input
                  value={name}
                  onChange={(_event, data) => {
                    setName(data.value);
                  }}
                />
              </Field>
              <Field label="Resource group" required>
                <Input
                  value={resourceGroup}
                  onChange={(_event, data) => {
                    setResourceGroup(data.value);
                  }}
                />
              </Field>
              <Field label="Location" required>
                <Input
                  value={location}
                  onChange={(_event, data) => {
                    setLocation(data.value);
                  }}
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
              {busy && <Spinner size="tiny" label="Creating the key vault…" />}
              {error !== null && <CommandErrorBar title="Could not create the key vault" error={error} />}
            </DialogContent>
            <DialogActions>
              <Button type="submit" appearance="primary" disabled={busy || name.trim() === ''}>
                Create
              </Button>
              <Button disabled={busy} onClick={onClose}>
                Cancel
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
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
  const styles = useChangeKeyPanelStyles();
  const [name, setName] = useState('');
  const [size, setSize] = useState<number>(3072);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await createKey({ vaultUri, name: name.trim(), size }));
    } catch (rejection: unknown) {
      setError(toCommandError(rejection, 'create_key'));
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onOpenChange={(_event, data) => {
        if (!data.open && !busy) onClose();
      }}
    >
      <DialogSurface>
        <form
          onSubmit={(event) => {
            void submit(event);
          }}
        >
          <DialogBody>
            <DialogTitle>Create a key in {vaultName}</DialogTitle>
            <DialogContent className={styles.dialogForm}>
              <Field label="Name" required hint="Letters, digits and hyphens.">
                <Input
                  value={name}
                  onChange={(_event, data) => {
                    setName(data.value);
                  }}
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
              {busy && <Spinner size="tiny" label="Creating the key…" />}
              {error !== null && <CommandErrorBar title="Could not create the key" error={error} />}
            </DialogContent>
            <DialogActions>
              <Button type="submit" appearance="primary" disabled={busy || name.trim() === ''}>
                Create
              </Button>
              <Button disabled={busy} onClick={onClose}>
                Cancel
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
