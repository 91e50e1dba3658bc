import { Field, Input } from '@fluentui/react-components';
import { useState } from 'react';
import { openKeyVault } from '../../api';
import type { OpenedVault } from '../../api/contract';
import { FormDialog } from '../FormDialog';

export interface OpenVaultDialogProps {
  /** The active cloud's Key Vault DNS suffix, for the example URI. */
  keyVaultSuffix: string;
  onClose: () => void;
  onOpened: (vault: OpenedVault) => void;
}

/** "Open key vault by URI": a vault the user can use but whose subscription they cannot list. */
export function OpenVaultDialog({ keyVaultSuffix, onClose, onOpened }: OpenVaultDialogProps) {
  const [uri, setUri] = useState('');
  return (
    <FormDialog
      title="Open key vault by URI"
      submitLabel="Open"
      busyLabel="Opening the key vault…"
      errorTitle="Could not open the key vault"
      commandName="open_key_vault"
      canSubmit={uri.trim() !== ''}
      submit={async () => {
        onOpened(await openKeyVault(uri.trim()));
      }}
      onClose={onClose}
    >
      <Field
        label="Key vault URI"
        required
        hint="For a vault you can use but whose subscription you cannot list. keyblade reads its keys to check you can."
      >
        <Input
          type="url"
          value={uri}
          placeholder={`https://name.${keyVaultSuffix}/`}
          spellCheck={false}
          onChange={(_event, data) => {
            setUri(data.value);
          }}
        />
      </Field>
    </FormDialog>
  );
}
