import { Field, Input, Select } from '@fluentui/react-components';
import { useState } from 'react';
import { signIn } from '../../api';
import type { CloudChoice, SignInOutcome } from '../../bindings';
import { FormDialog } from '../FormDialog';
import { useSignInDialogStyles } from './useSignInDialogStyles.styles';

type CloudKind = CloudChoice['kind'];

const cloudNames: Record<CloudKind, string> = {
  azureCloud: 'Azure public cloud',
  azureChinaCloud: 'Azure China (21Vianet)',
  azureUsGovernment: 'Azure US Government',
  custom: 'Custom cloud (metadata URL)',
};

export interface SignInDialogProps {
  open: boolean;
  onClose: () => void;
  /** The sign-in worked: the session changed, and `outcome.secret` says where the secret is kept. */
  onSignedIn: (outcome: SignInOutcome) => void;
}

/** "Sign in to Azure" as a service principal with a client secret. */
export function SignInDialog({ open, onClose, onSignedIn }: SignInDialogProps) {
  // Mounted only while open, so that every sign-in starts from empty fields.
  return open ? <SignInForm onClose={onClose} onSignedIn={onSignedIn} /> : null;
}

function SignInForm({ onClose, onSignedIn }: Omit<SignInDialogProps, 'open'>) {
  const styles = useSignInDialogStyles();
  const [cloud, setCloud] = useState<CloudKind>('azureCloud');
  const [metadataUrl, setMetadataUrl] = useState('');
  const [caFile, setCaFile] = useState('');
  const [tenantId, setTenantId] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');

  const complete =
    tenantId.trim() !== '' && clientId.trim() !== '' && clientSecret !== '' && (cloud !== 'custom' || metadataUrl.trim() !== '');

  const submit = async () => {
    const choice: CloudChoice =
      cloud === 'custom'
        ? { kind: 'custom', metadataUrl: metadataUrl.trim(), caFile: caFile.trim() === '' ? null : caFile.trim() }
        : { kind: cloud };
    const outcome = await signIn({ cloud: choice, tenantId, clientId, clientSecret });
    setClientSecret('');
    onSignedIn(outcome);
  };

  return (
    <FormDialog
      title="Sign in to Azure"
      submitLabel="Sign in"
      busyLabel="Signing in…"
      errorTitle="Could not sign in"
      commandName="sign_in"
      canSubmit={complete}
      submit={submit}
      onClose={onClose}
    >
      <p className={styles.hint}>
        Sign in as a service principal (an app registration with a client secret). The secret is kept in your
        system's keyring, never in a file.
      </p>
      <Field label="Cloud" required>
        <Select
          value={cloud}
          onChange={(_event, data) => {
            setCloud(data.value as CloudKind);
          }}
        >
          {(Object.keys(cloudNames) as CloudKind[]).map((kind) => (
            <option key={kind} value={kind}>
              {cloudNames[kind]}
            </option>
          ))}
        </Select>
      </Field>
      {cloud === 'custom' && (
        <>
          <Field label="Metadata URL" required hint="The cloud's Resource Manager /metadata/endpoints URL, e.g. for Azure Stack Hub.">
            <Input
              type="url"
              value={metadataUrl}
              onChange={(_event, data) => {
                setMetadataUrl(data.value);
              }}
            />
          </Field>
          <Field label="CA certificate file (PEM)" hint="Only for a cloud whose certificates come from a private CA.">
            <Input
              value={caFile}
              onChange={(_event, data) => {
                setCaFile(data.value);
              }}
            />
          </Field>
        </>
      )}
      <Field label="Tenant ID" required>
        <Input
          value={tenantId}
          onChange={(_event, data) => {
            setTenantId(data.value);
          }}
          spellCheck={false}
        />
      </Field>
      <Field label="Client ID" required>
        <Input
          value={clientId}
          onChange={(_event, data) => {
            setClientId(data.value);
          }}
          spellCheck={false}
        />
      </Field>
      <Field label="Client secret" required>
        <Input
          type="password"
          value={clientSecret}
          onChange={(_event, data) => {
            setClientSecret(data.value);
          }}
        />
      </Field>
    </FormDialog>
  );
}
