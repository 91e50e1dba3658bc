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
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  Select,
  Spinner,
} from '@fluentui/react-components';
import { ChevronDownRegular, ChevronRightRegular } from '@fluentui/react-icons';
import { useId, useState } from 'react';
import type { SignInOutcome, SignInStep } from '../../api/contract';
import { CommandErrorBar } from '../CommandErrorBar';
import {
  cloudNames,
  credentialNames,
  defaultClientId,
  expiryText,
  methodNames,
  runningLabel,
  tenantPlaceholder,
  type CloudKind,
  type CredentialKind,
  type MethodKind,
  type SignInPreset,
} from './signInModel';
import { useSignInDialog, type SignInDialogController } from './useSignInDialog';
import { useSignInDialogStyles } from './useSignInDialogStyles.styles';

export interface SignInDialogProps {
  open: boolean;
  onClose: () => void;
  /** The sign-in worked: the session changed; `outcome` says where the secret is kept and which tenants were skipped. */
  onSignedIn: (outcome: SignInOutcome) => void;
  /** What the dialog starts with: the cloud app_info asks for, or the tenant "Sign in to this tenant" names. */
  preset?: SignInPreset;
}

/** "Sign in to Azure": a cloud, then a way to sign in (browser, device code, Azure CLI, service principal). */
export function SignInDialog({ open, onClose, onSignedIn, preset }: SignInDialogProps) {
  // Mounted only while open, so that every sign-in starts from the preset; unmounting cancels a running one.
  return open ? <SignInForm onClose={onClose} onSignedIn={onSignedIn} preset={preset ?? {}} /> : null;
}

function SignInForm({ onClose, onSignedIn, preset }: Omit<SignInDialogProps, 'open'> & { preset: SignInPreset }) {
  const styles = useSignInDialogStyles();
  const dialog = useSignInDialog(preset, onSignedIn, onClose);
  const { state } = dialog;
  const busy = state.running !== null;

  return (
    <Dialog
      open
      onOpenChange={(_event, data) => {
        if (!data.open) dialog.close();
      }}
    >
      <DialogSurface>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void dialog.submit();
          }}
        >
          <DialogBody>
            <DialogTitle>Sign in to Azure</DialogTitle>
            <DialogContent className={styles.content}>
              {/* A fieldset disables every field at once while the sign-in runs. */}
              <fieldset className={styles.fields} disabled={busy}>
                <SignInFields dialog={dialog} />
              </fieldset>
              {state.running !== null && (
                <Progress
                  method={state.form.method}
                  step={state.running.step}
                  cancelling={state.running.cancelling}
                />
              )}
              {state.error !== null && <CommandErrorBar title="Could not sign in" error={state.error} />}
            </DialogContent>
            <DialogActions>
              <Button type="submit" appearance="primary" disabled={busy || !dialog.canSubmit}>
                Sign in
              </Button>
              <Button
                disabled={state.running?.cancelling === true}
                onClick={busy ? dialog.cancel : dialog.close}
              >
                Cancel
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}

function SignInFields({ dialog }: { dialog: SignInDialogController }) {
  const styles = useSignInDialogStyles();
  const { form } = dialog.state;
  const { edit } = dialog;
  const [advancedOpen, setAdvancedOpen] = useState(form.clientId !== '');
  const advancedId = useId();

  return (
    <>
      <Field label="Cloud" required>
        <Select
          value={form.cloud}
          onChange={(_event, data) => {
            edit({ cloud: data.value as CloudKind });
          }}
        >
          {(Object.keys(cloudNames) as CloudKind[]).map((kind) => (
            <option key={kind} value={kind}>
              {cloudNames[kind]}
            </option>
          ))}
        </Select>
      </Field>
      {form.cloud === 'custom' && (
        <>
          <Field label="Metadata URL" required hint="The cloud's Resource Manager /metadata/endpoints URL, e.g. for Azure Stack Hub.">
            <Input
              type="url"
              value={form.metadataUrl}
              onChange={(_event, data) => {
                edit({ metadataUrl: data.value });
              }}
            />
          </Field>
          <Field label="CA certificate file (PEM)" hint="Only for a cloud whose certificates come from a private CA.">
            <Input
              value={form.caFile}
              onChange={(_event, data) => {
                edit({ caFile: data.value });
              }}
            />
          </Field>
        </>
      )}

      <Field label="Sign in with">
        <RadioGroup
          layout="horizontal"
          value={form.method}
          onChange={(_event, data) => {
            edit({ method: data.value as MethodKind });
          }}
        >
          {(Object.keys(methodNames) as MethodKind[]).map((method) => (
            <Radio key={method} value={method} label={methodNames[method]} />
          ))}
        </RadioGroup>
      </Field>

      {form.method === 'browser' && (
        <p className={styles.hint}>Your browser opens Microsoft's sign-in page; keyblade continues once you are signed in.</p>
      )}
      {form.method === 'deviceCode' && (
        <p className={styles.hint}>
          keyblade shows a code to enter at Microsoft's device login page, on this or any other device: for when no
          browser can be opened here.
        </p>
      )}
      {form.method === 'azureCli' && (
        <p className={styles.hint}>keyblade reuses the account you signed in with `az login`; nothing is stored.</p>
      )}

      {form.method !== 'servicePrincipal' && (
        <Field label="Tenant" hint="A tenant ID or domain. Leave it blank to use your home tenant.">
          <Input
            value={form.tenant}
            placeholder={tenantPlaceholder}
            spellCheck={false}
            onChange={(_event, data) => {
              edit({ tenant: data.value });
            }}
          />
        </Field>
      )}

      {(form.method === 'browser' || form.method === 'deviceCode') && (
        <>
          <Button
            className={styles.advanced}
            appearance="transparent"
            icon={advancedOpen ? <ChevronDownRegular /> : <ChevronRightRegular />}
            aria-expanded={advancedOpen}
            aria-controls={advancedId}
            onClick={() => {
              setAdvancedOpen((open) => !open);
            }}
          >
            Advanced
          </Button>
          <div id={advancedId} hidden={!advancedOpen}>
            {advancedOpen && (
              <Field
                label="Client ID"
                hint="The app registration you sign in to; blank uses Azure CLI's public client, which every tenant allows unless an admin blocked it."
              >
                <Input
                  value={form.clientId}
                  placeholder={defaultClientId}
                  spellCheck={false}
                  onChange={(_event, data) => {
                    edit({ clientId: data.value });
                  }}
                />
              </Field>
            )}
          </div>
        </>
      )}

      {form.method === 'servicePrincipal' && (
        <>
          <Field label="Tenant ID" required>
            <Input
              value={form.spTenantId}
              spellCheck={false}
              onChange={(_event, data) => {
                edit({ spTenantId: data.value });
              }}
            />
          </Field>
          <Field label="Client ID" required>
            <Input
              value={form.spClientId}
              spellCheck={false}
              onChange={(_event, data) => {
                edit({ spClientId: data.value });
              }}
            />
          </Field>
          <Field label="Credential">
            <RadioGroup
              layout="horizontal"
              value={form.credential}
              onChange={(_event, data) => {
                edit({ credential: data.value as CredentialKind });
              }}
            >
              {(Object.keys(credentialNames) as CredentialKind[]).map((kind) => (
                <Radio key={kind} value={kind} label={credentialNames[kind]} />
              ))}
            </RadioGroup>
          </Field>
          {form.credential === 'clientSecret' ? (
            <Field label="Client secret" required hint="Kept in your system's keyring, never in a file.">
              <Input
                type="password"
                value={form.clientSecret}
                onChange={(_event, data) => {
                  edit({ clientSecret: data.value });
                }}
              />
            </Field>
          ) : (
            <>
              <Field
                label="Certificate file"
                required
                hint="The path of a PEM file with the certificate and its private key, or of a PFX (PKCS#12) file."
              >
                <Input
                  value={form.certificateFile}
                  spellCheck={false}
                  onChange={(_event, data) => {
                    edit({ certificateFile: data.value });
                  }}
                />
              </Field>
              <Field label="Certificate password" hint="Only for a PFX file that has one.">
                <Input
                  type="password"
                  value={form.certificatePassword}
                  onChange={(_event, data) => {
                    edit({ certificatePassword: data.value });
                  }}
                />
              </Field>
            </>
          )}
        </>
      )}
    </>
  );
}

function copy(text: string) {
  void navigator.clipboard.writeText(text).catch(() => undefined);
}

/** What a running sign-in shows: a spinner saying what happens, and the URL or device code the user needs. */
function Progress({ method, step, cancelling }: { method: MethodKind; step: SignInStep | null; cancelling: boolean }) {
  const styles = useSignInDialogStyles();
  return (
    <div className={styles.progress}>
      <Spinner size="tiny" label={runningLabel(method, step, cancelling)} />
      {step?.step === 'browserNotOpened' && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>keyblade could not open a browser</MessageBarTitle>
            {step.reason} Open this address in a browser to sign in:
            <div className={styles.row}>
              <Input className={styles.grow} readOnly value={step.url} aria-label="Sign-in URL" />
              <Button
                onClick={() => {
                  copy(step.url);
                }}
              >
                Copy
              </Button>
            </div>
          </MessageBarBody>
        </MessageBar>
      )}
      {step?.step === 'deviceCode' && (
        <>
          <p className={styles.text}>
            Open{' '}
            <Link href={step.verificationUri} target="_blank" rel="noreferrer">
              {step.verificationUri}
            </Link>{' '}
            and enter this code:
          </p>
          <div className={styles.row}>
            <output className={styles.code} aria-label="Device code" aria-live="polite">
              {step.userCode}
            </output>
            <Button
              onClick={() => {
                copy(step.userCode);
              }}
            >
              Copy code
            </Button>
          </div>
          <p className={styles.hint}>
            {step.message} {expiryText(step.expiresAt)}
          </p>
        </>
      )}
    </div>
  );
}
