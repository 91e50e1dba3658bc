import { emit } from '@tauri-apps/api/event';
import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { SignInOutcome, SignInProgress } from '../../api/contract';
import { azureInfo, mockShell } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { SignInDialog } from './SignInDialog';

const outcome: SignInOutcome = { info: azureInfo, secret: { status: 'keyring' }, skippedTenants: [] };

function requestOf(shell: ReturnType<typeof mockShell>) {
  return shell.calls.find((c) => c.command === 'sign_in')?.args.request as { operationId: string; method: unknown; cloud: unknown };
}

describe('SignInDialog', () => {
  it('offers the four methods, Browser first, and sends each one its own request', async () => {
    const shell = mockShell({ sign_in: () => outcome });
    const onSignedIn = vi.fn();
    const { user } = renderInFluent(<SignInDialog open onClose={vi.fn()} onSignedIn={onSignedIn} />);
    const dialog = await screen.findByRole('dialog', { name: 'Sign in to Azure' });
    const methods = within(dialog).getAllByRole('radio').slice(0, 4);
    expect(methods.map((r) => r.getAttribute('value'))).toEqual(['browser', 'deviceCode', 'azureCli', 'servicePrincipal']);
    expect(within(dialog).getByRole('radio', { name: 'Browser' })).toBeChecked();
    expect(within(dialog).getByRole('textbox', { name: /Tenant/ })).toHaveAttribute('placeholder', 'organizations (your home tenant)');

    // Advanced shows the client ID, with Azure CLI's public client as its placeholder.
    const advanced = within(dialog).getByRole('button', { name: 'Advanced' });
    expect(advanced).toHaveAttribute('aria-expanded', 'false');
    await user.click(advanced);
    expect(within(dialog).getByRole('textbox', { name: /Client ID/ })).toHaveAttribute('placeholder', '04b07795-8ddb-461a-bbee-02f9e1bf7b46');

    await user.click(within(dialog).getByRole('radio', { name: 'Azure CLI' }));
    expect(dialog).toHaveTextContent('az login');
    expect(within(dialog).queryByRole('button', { name: 'Advanced' })).toBeNull();
    await user.type(within(dialog).getByRole('textbox', { name: /Tenant/ }), 'contoso.com');
    await user.click(within(dialog).getByRole('button', { name: 'Sign in' }));
    await waitFor(() => {
      expect(onSignedIn).toHaveBeenCalledWith(outcome);
    });
    expect(requestOf(shell)).toEqual({
      cloud: { kind: 'azureCloud' },
      operationId: expect.any(String) as string,
      method: { method: 'azureCli', tenant: 'contoso.com' },
    });
  });

  it('signs a service principal in with a certificate', async () => {
    const shell = mockShell({ sign_in: () => outcome });
    const { user } = renderInFluent(<SignInDialog open onClose={vi.fn()} onSignedIn={vi.fn()} />);
    const dialog = await screen.findByRole('dialog', { name: 'Sign in to Azure' });
    await user.click(within(dialog).getByRole('radio', { name: 'Service principal' }));
    await user.click(within(dialog).getByRole('radio', { name: 'Certificate (PEM or PFX)' }));
    const signIn = within(dialog).getByRole('button', { name: 'Sign in' });
    expect(signIn).toBeDisabled();
    await user.type(within(dialog).getByRole('textbox', { name: /Tenant ID/ }), 't-1');
    await user.type(within(dialog).getByRole('textbox', { name: /Client ID/ }), 'c-1');
    await user.type(within(dialog).getByRole('textbox', { name: /Certificate file/ }), '/keys/sp.pfx');
    await user.type(within(dialog).getByLabelText(/Certificate password/), 'pw');
    await user.click(signIn);
    await waitFor(() => {
      expect(requestOf(shell).method).toEqual({
        method: 'clientCertificate',
        tenantId: 't-1',
        clientId: 'c-1',
        certificateFile: '/keys/sp.pfx',
        password: 'pw',
      });
    });
  });

  it('shows the device code from sign-in-progress, and Cancel cancels the sign-in', async () => {
    let rejectSignIn: (error: unknown) => void = () => undefined;
    const shell = mockShell({
      sign_in: () =>
        new Promise((_resolve, reject) => {
          rejectSignIn = reject;
        }),
      cancel_sign_in: () => {
        rejectSignIn({ code: 'azure.signInCancelled', message: 'The sign-in was cancelled.', details: null });
        return true;
      },
    });
    const onClose = vi.fn();
    const { user } = renderInFluent(<SignInDialog open onClose={onClose} onSignedIn={vi.fn()} preset={{ tenant: 'contoso.com' }} />);
    const dialog = await screen.findByRole('dialog', { name: 'Sign in to Azure' });
    await user.click(within(dialog).getByRole('radio', { name: 'Device code' }));
    await user.click(within(dialog).getByRole('button', { name: 'Sign in' }));
    await waitFor(() => {
      expect(requestOf(shell)).toBeDefined();
    });
    const { operationId, method } = requestOf(shell);
    expect(method).toEqual({ method: 'deviceCode', tenant: 'contoso.com', clientId: null });
    expect(within(dialog).getByRole('button', { name: 'Sign in' })).toBeDisabled();

    const progress: SignInProgress = {
      operationId,
      step: {
        step: 'deviceCode',
        userCode: 'F7QK-2XPL',
        verificationUri: 'https://microsoft.com/devicelogin',
        expiresAt: '2026-01-01T10:15:00Z',
        message: 'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code F7QK-2XPL.',
      },
    };
    await act(async () => {
      await emit('sign-in-progress', progress);
    });
    const code = await within(dialog).findByRole('status', { name: 'Device code' });
    expect(code).toHaveTextContent('F7QK-2XPL');
    expect(within(dialog).getByRole('button', { name: 'Copy code' })).toBeEnabled();
    const link = within(dialog).getByRole('link', { name: 'https://microsoft.com/devicelogin' });
    expect(link).toHaveAttribute('target', '_blank');
    expect(dialog).toHaveTextContent('To sign in, use a web browser');
    expect(dialog).toHaveTextContent(/The code expires at/);

    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => {
      expect(within(dialog).queryByRole('status', { name: 'Device code' })).toBeNull();
    });
    expect(shell.calls.find((c) => c.command === 'cancel_sign_in')?.args).toEqual({ operationId });
    // Cancelled by the user: no error, the dialog stays to try again.
    expect(within(dialog).queryByText('Could not sign in')).toBeNull();
    expect(within(dialog).getByRole('button', { name: 'Sign in' })).toBeEnabled();
    expect(onClose).not.toHaveBeenCalled();
  });

  it("shows the shell's error, and the URL to copy when no browser opened", async () => {
    let rejectSignIn: (error: unknown) => void = () => undefined;
    const shell = mockShell({
      sign_in: () =>
        new Promise((_resolve, reject) => {
          rejectSignIn = reject;
        }),
    });
    const { user } = renderInFluent(<SignInDialog open onClose={vi.fn()} onSignedIn={vi.fn()} />);
    const dialog = await screen.findByRole('dialog', { name: 'Sign in to Azure' });
    await user.click(within(dialog).getByRole('button', { name: 'Sign in' }));
    await waitFor(() => {
      expect(requestOf(shell)).toBeDefined();
    });
    await act(async () => {
      await emit('sign-in-progress', {
        operationId: requestOf(shell).operationId,
        step: { step: 'browserNotOpened', url: 'https://login.microsoftonline.com/authorize?x=1', reason: 'No browser is set up.' },
      });
    });
    expect(await within(dialog).findByRole('textbox', { name: 'Sign-in URL' })).toHaveValue('https://login.microsoftonline.com/authorize?x=1');
    expect(within(dialog).getByRole('button', { name: 'Copy' })).toBeInTheDocument();
    await act(async () => {
      rejectSignIn({ code: 'azure.signInFailed', message: 'Entra ID refused: the app is not allowed. Ask an admin.', details: null });
      await Promise.resolve();
    });
    expect(await within(dialog).findByText('Could not sign in')).toBeInTheDocument();
    expect(dialog).toHaveTextContent('Entra ID refused: the app is not allowed. Ask an admin.');
  });

  it('cancels a running sign-in when closed', async () => {
    const shell = mockShell({
      sign_in: () => new Promise(() => undefined),
      cancel_sign_in: () => true,
    });
    const onClose = vi.fn();
    const { user, rerender } = renderInFluent(<SignInDialog open onClose={onClose} onSignedIn={vi.fn()} />);
    const dialog = await screen.findByRole('dialog', { name: 'Sign in to Azure' });
    await user.click(within(dialog).getByRole('button', { name: 'Sign in' }));
    await waitFor(() => {
      expect(requestOf(shell)).toBeDefined();
    });
    // The App closes it (its dialog was dismissed, or another one opened).
    rerender(<SignInDialog open={false} onClose={onClose} onSignedIn={vi.fn()} />);
    await waitFor(() => {
      expect(shell.calls.find((c) => c.command === 'cancel_sign_in')?.args).toEqual({ operationId: requestOf(shell).operationId });
    });
  });
});

