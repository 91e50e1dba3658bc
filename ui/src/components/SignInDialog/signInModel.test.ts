import { describe, expect, it } from 'vitest';
import {
  canSubmit,
  initialForm,
  initialState,
  runningLabel,
  signInReducer,
  signInRequest,
  type SignInForm,
} from './signInModel';

function form(patch: Partial<SignInForm>): SignInForm {
  return { ...initialForm(), ...patch };
}

describe('signInRequest', () => {
  it('asks for the browser by default, blanks meaning the home tenant and the default client', () => {
    expect(signInRequest(initialForm(), 'op-1')).toEqual({
      cloud: { kind: 'azureCloud' },
      operationId: 'op-1',
      method: { method: 'browser', tenant: null, clientId: null },
    });
  });

  it('sends the tenant and client ID of a device code sign-in, trimmed', () => {
    expect(signInRequest(form({ method: 'deviceCode', tenant: ' contoso.com ', clientId: 'c-1' }), 'op').method).toEqual({
      method: 'deviceCode',
      tenant: 'contoso.com',
      clientId: 'c-1',
    });
  });

  it('sends only a tenant for the Azure CLI', () => {
    expect(signInRequest(form({ method: 'azureCli', tenant: 't-1', clientId: 'ignored' }), 'op').method).toEqual({
      method: 'azureCli',
      tenant: 't-1',
    });
  });

  it('sends a service principal with a client secret or a certificate', () => {
    const sp = form({ method: 'servicePrincipal', spTenantId: 't', spClientId: 'c', clientSecret: 's' });
    expect(signInRequest(sp, 'op').method).toEqual({ method: 'clientSecret', tenantId: 't', clientId: 'c', clientSecret: 's' });
    const cert = { ...sp, credential: 'clientCertificate' as const, certificateFile: '/keys/sp.pfx' };
    expect(signInRequest(cert, 'op').method).toEqual({
      method: 'clientCertificate',
      tenantId: 't',
      clientId: 'c',
      certificateFile: '/keys/sp.pfx',
      password: null,
    });
    expect(signInRequest({ ...cert, certificatePassword: 'pw' }, 'op').method).toMatchObject({ password: 'pw' });
  });

  it('describes a custom cloud by its metadata URL and CA file', () => {
    const custom = form({ cloud: 'custom', metadataUrl: 'https://management.local.azurestack.external/metadata/endpoints', caFile: '' });
    expect(signInRequest(custom, 'op').cloud).toEqual({
      kind: 'custom',
      metadataUrl: 'https://management.local.azurestack.external/metadata/endpoints',
      caFile: null,
    });
  });
});

describe('canSubmit', () => {
  it('needs nothing more for the browser, device code or Azure CLI', () => {
    for (const method of ['browser', 'deviceCode', 'azureCli'] as const) expect(canSubmit(form({ method }))).toBe(true);
  });

  it('needs the metadata URL of a custom cloud, and every field of a service principal', () => {
    expect(canSubmit(form({ cloud: 'custom' }))).toBe(false);
    const sp = form({ method: 'servicePrincipal', spTenantId: 't', spClientId: 'c' });
    expect(canSubmit(sp)).toBe(false);
    expect(canSubmit({ ...sp, clientSecret: 's' })).toBe(true);
    expect(canSubmit({ ...sp, credential: 'clientCertificate' })).toBe(false);
    expect(canSubmit({ ...sp, credential: 'clientCertificate', certificateFile: 'a.pem' })).toBe(true);
  });
});

describe('initialForm', () => {
  it('starts with the preset cloud and tenant', () => {
    const preset = initialForm({ cloud: { kind: 'custom', metadataUrl: 'https://m/', caFile: '/ca.pem' }, tenant: 't-9' });
    expect(preset).toMatchObject({ cloud: 'custom', metadataUrl: 'https://m/', caFile: '/ca.pem', tenant: 't-9', method: 'browser' });
  });
});

describe('signInReducer', () => {
  const deviceCode = { step: 'deviceCode', userCode: 'ABCD-EFGH', verificationUri: 'https://microsoft.com/devicelogin', expiresAt: '2026-01-01T10:15:00Z', message: 'Enter the code.' } as const;

  it('shows the steps of the running sign-in only, and forgets the secret when it ends', () => {
    let state = signInReducer(initialState(), { type: 'edit', patch: { clientSecret: 's' } });
    state = signInReducer(state, { type: 'started', operationId: 'op-1' });
    state = signInReducer(state, { type: 'progress', progress: { operationId: 'op-0', step: { step: 'verifying' } } });
    expect(state.running?.step).toBeNull();
    state = signInReducer(state, { type: 'progress', progress: { operationId: 'op-1', step: deviceCode } });
    expect(state.running?.step).toEqual(deviceCode);
    // The form cannot change while it runs.
    expect(signInReducer(state, { type: 'edit', patch: { tenant: 'x' } })).toBe(state);
    state = signInReducer(state, { type: 'ended', error: { code: 'azure.x', message: 'No.', details: null } });
    expect(state.running).toBeNull();
    expect(state.error?.message).toBe('No.');
    expect(state.form.clientSecret).toBe('');
  });

  it('says what happens while it runs', () => {
    expect(runningLabel('browser', { step: 'browserOpened', url: 'https://login' }, false)).toBe('Continue in your browser…');
    expect(runningLabel('deviceCode', deviceCode, true)).toBe('Cancelling the sign-in…');
  });
});
