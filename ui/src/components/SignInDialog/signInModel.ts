import type { CommandError } from '../../bindings';
import type { CloudChoice } from '../../bindings';
import type { SignInProgress, SignInRequest, SignInStep } from '../../api/contract';

// The "Sign in to Azure" dialog as data: what the form holds, what request it makes, and how a running sign-in's
// steps change what it shows. No React here, so it is tested on its own.

export type CloudKind = CloudChoice['kind'];

export const cloudNames: Record<CloudKind, string> = {
  azureCloud: 'Azure public cloud',
  azureChinaCloud: 'Azure China (21Vianet)',
  azureUsGovernment: 'Azure US Government',
  custom: 'Custom cloud (metadata URL)',
};

export type MethodKind = 'browser' | 'deviceCode' | 'azureCli' | 'servicePrincipal';

/** The method choice's names, in the order the dialog offers them. */
export const methodNames: Record<MethodKind, string> = {
  browser: 'Browser',
  deviceCode: 'Device code',
  azureCli: 'Azure CLI',
  servicePrincipal: 'Service principal',
};

export type CredentialKind = 'clientSecret' | 'clientCertificate';

export const credentialNames: Record<CredentialKind, string> = {
  clientSecret: 'Client secret',
  clientCertificate: 'Certificate (PEM or PFX)',
};

/** Azure CLI's public client: the app a person signs in to when "Client ID" is left blank. */
export const defaultClientId = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
export const tenantPlaceholder = 'organizations (your home tenant)';

export interface SignInForm {
  cloud: CloudKind;
  metadataUrl: string;
  caFile: string;
  method: MethodKind;
  /** Browser, device code and Azure CLI: blank is the account's home tenant. */
  tenant: string;
  /** Browser and device code: blank is `defaultClientId`. */
  clientId: string;
  credential: CredentialKind;
  spTenantId: string;
  spClientId: string;
  clientSecret: string;
  certificateFile: string;
  certificatePassword: string;
}

/** What the dialog opens with: a cloud (app_info's signInCloud), a tenant (Sign in to this tenant). */
export interface SignInPreset {
  cloud?: CloudChoice | null;
  tenant?: string | null;
  method?: MethodKind;
}

export function initialForm(preset: SignInPreset = {}): SignInForm {
  const cloud = preset.cloud ?? { kind: 'azureCloud' };
  return {
    cloud: cloud.kind,
    metadataUrl: cloud.kind === 'custom' ? cloud.metadataUrl : '',
    caFile: cloud.kind === 'custom' ? (cloud.caFile ?? '') : '',
    method: preset.method ?? 'browser',
    tenant: preset.tenant ?? '',
    clientId: '',
    credential: 'clientSecret',
    spTenantId: preset.tenant ?? '',
    spClientId: '',
    clientSecret: '',
    certificateFile: '',
    certificatePassword: '',
  };
}

const blank = (value: string) => value.trim() === '';
const orNull = (value: string) => (blank(value) ? null : value.trim());

/** Whether Sign in may be pressed: everything the method needs is filled in. */
export function canSubmit(form: SignInForm): boolean {
  if (form.cloud === 'custom' && blank(form.metadataUrl)) return false;
  if (form.method !== 'servicePrincipal') return true;
  if (blank(form.spTenantId) || blank(form.spClientId)) return false;
  return form.credential === 'clientSecret' ? form.clientSecret !== '' : !blank(form.certificateFile);
}

export function cloudChoice(form: SignInForm): CloudChoice {
  return form.cloud === 'custom'
    ? { kind: 'custom', metadataUrl: form.metadataUrl.trim(), caFile: orNull(form.caFile) }
    : { kind: form.cloud };
}

/** The `sign_in` request for the form: only what the chosen method uses. */
export function signInRequest(form: SignInForm, operationId: string): SignInRequest {
  const cloud = cloudChoice(form);
  switch (form.method) {
    case 'browser':
    case 'deviceCode':
      return { cloud, operationId, method: { method: form.method, tenant: orNull(form.tenant), clientId: orNull(form.clientId) } };
    case 'azureCli':
      return { cloud, operationId, method: { method: 'azureCli', tenant: orNull(form.tenant) } };
    case 'servicePrincipal':
      return form.credential === 'clientSecret'
        ? {
            cloud,
            operationId,
            method: {
              method: 'clientSecret',
              tenantId: form.spTenantId.trim(),
              clientId: form.spClientId.trim(),
              clientSecret: form.clientSecret,
            },
          }
        : {
            cloud,
            operationId,
            method: {
              method: 'clientCertificate',
              tenantId: form.spTenantId.trim(),
              clientId: form.spClientId.trim(),
              certificateFile: form.certificateFile.trim(),
              password: form.certificatePassword === '' ? null : form.certificatePassword,
            },
          };
  }
}

/** The dialog: the form, and the sign-in running (with its last step) or the last one's error. */
export interface SignInState {
  form: SignInForm;
  running: { operationId: string; step: SignInStep | null; cancelling: boolean } | null;
  error: CommandError | null;
}

export type SignInAction =
  | { type: 'edit'; patch: Partial<SignInForm> }
  | { type: 'started'; operationId: string }
  | { type: 'progress'; progress: SignInProgress }
  | { type: 'cancelling' }
  /** The sign-in ended without success: `error` is null when the user cancelled it. */
  | { type: 'ended'; error: CommandError | null };

export function initialState(preset: SignInPreset = {}): SignInState {
  return { form: initialForm(preset), running: null, error: null };
}

export function signInReducer(state: SignInState, action: SignInAction): SignInState {
  switch (action.type) {
    case 'edit':
      return state.running === null ? { ...state, form: { ...state.form, ...action.patch } } : state;
    case 'started':
      return { ...state, running: { operationId: action.operationId, step: null, cancelling: false }, error: null };
    case 'progress':
      // A late event of an earlier sign-in must not show over this one.
      if (state.running?.operationId !== action.progress.operationId) return state;
      return { ...state, running: { ...state.running, step: action.progress.step } };
    case 'cancelling':
      return state.running === null ? state : { ...state, running: { ...state.running, cancelling: true } };
    case 'ended':
      // The secret is not kept once it was sent.
      return { form: { ...state.form, clientSecret: '', certificatePassword: '' }, running: null, error: action.error };
  }
}

/** The code the shell rejects `sign_in` with after `cancel_sign_in`. */
export const signInCancelledCode = 'azure.signInCancelled';

/** What the spinner says while the sign-in runs. */
export function runningLabel(method: MethodKind, step: SignInStep | null, cancelling: boolean): string {
  if (cancelling) return 'Cancelling the sign-in…';
  switch (step?.step) {
    case 'browserOpened':
      return 'Continue in your browser…';
    case 'browserNotOpened':
      return 'Waiting for you to sign in in a browser…';
    case 'deviceCode':
      return 'Waiting for you to enter the code…';
    case 'verifying':
      return 'Signed in. Checking that the account can reach Azure Resource Manager…';
    case undefined:
      switch (method) {
        case 'browser':
          return 'Opening your browser…';
        case 'deviceCode':
          return 'Asking Microsoft Entra ID for a device code…';
        case 'azureCli':
          return 'Asking the Azure CLI for a token…';
        case 'servicePrincipal':
          return 'Signing in…';
      }
  }
}

/** The device code's expiry as the dialog says it, e.g. "The code expires at 14:05." */
export function expiryText(expiresAt: string): string {
  const when = new Date(expiresAt);
  if (Number.isNaN(when.getTime())) return '';
  return `The code expires at ${when.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}.`;
}
