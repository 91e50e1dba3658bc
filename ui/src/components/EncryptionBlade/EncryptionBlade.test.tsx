import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { ResourceContext } from '../../model/resourceContext';
import { contosoProd, prodRegistry, prodStorage } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { EncryptionBlade } from './EncryptionBlade';
import { encryptionCommandState, encryptionUnreadable, type EncryptionSource } from './encryptionSource';

const registry: ResourceContext = { kind: 'resource', selection: { subscription: contosoProd, resource: prodRegistry } };
const storage: ResourceContext = { kind: 'resource', selection: { subscription: contosoProd, resource: prodStorage } };
const failed: EncryptionSource = {
  kind: 'failed',
  error: { code: 'arm.notFound', message: 'The registry no longer exists. Select another one.', details: null },
};

describe('encryptionCommandState', () => {
  it.each<{ name: string; context: ResourceContext; source: EncryptionSource; canRefresh: boolean; changeKey: RegExp; refresh: RegExp | null }>([
    {
      name: 'while the session loads',
      context: { kind: 'loadingSession' },
      source: encryptionUnreadable,
      canRefresh: true,
      changeKey: /still checking your Azure session/,
      refresh: /still checking your Azure session/,
    },
    {
      name: 'signed out',
      context: { kind: 'signedOut', reason: 'no account is configured.' },
      source: encryptionUnreadable,
      canRefresh: true,
      changeKey: /^Not signed in to Azure: no account is configured\.$/,
      refresh: /^Not signed in to Azure/,
    },
    {
      name: 'with no resource',
      context: { kind: 'noResource' },
      source: encryptionUnreadable,
      canRefresh: true,
      changeKey: /Select a container registry first/,
      refresh: /Select a container registry first/,
    },
    {
      name: 'with a storage account',
      context: storage,
      source: encryptionUnreadable,
      canRefresh: true,
      changeKey: /does not manage the encryption of storage accounts/,
      refresh: /does not manage the encryption of storage accounts/,
    },
    {
      name: 'with a registry this build cannot read',
      context: registry,
      source: encryptionUnreadable,
      canRefresh: true,
      changeKey: /cannot read a registry's encryption yet/,
      refresh: /cannot read a registry's encryption yet/,
    },
    {
      name: 'while the encryption loads',
      context: registry,
      source: { kind: 'loading' },
      canRefresh: true,
      changeKey: /Wait until/,
      refresh: /is loading/,
    },
    {
      name: 'after a failed read that can be retried',
      context: registry,
      source: failed,
      canRefresh: true,
      changeKey: /could not be read; refresh to try again/,
      refresh: null,
    },
  ])('disables the commands $name, saying why', ({ context, source, canRefresh, changeKey, refresh }) => {
    const state = encryptionCommandState(context, source, canRefresh);
    expect(state.changeKeyBlocker).toMatch(changeKey);
    if (refresh === null) {
      expect(state.refreshBlocker).toBeNull();
    } else {
      expect(state.refreshBlocker).toMatch(refresh);
    }
  });
});

describe('EncryptionBlade', () => {
  const handlers = () => ({ onOpenPicker: vi.fn(), onRetrySession: vi.fn() });

  it('titles the blade with the registry name, as the portal does', () => {
    renderInFluent(<EncryptionBlade context={registry} source={encryptionUnreadable} {...handlers()} />);
    expect(screen.getByRole('heading', { level: 1, name: 'contosoimages | Encryption' })).toBeInTheDocument();
    expect(screen.getByText('Container registry')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Encryption details are not available' })).toBeInTheDocument();
  });

  it('shows a failed read with its error and lets Refresh retry', async () => {
    const onRefresh = vi.fn();
    const { user } = renderInFluent(
      <EncryptionBlade context={registry} source={failed} onRefresh={onRefresh} {...handlers()} />,
    );
    expect(screen.getByText("Could not read the registry's encryption")).toBeInTheDocument();
    expect(screen.getByText(/The registry no longer exists/)).toBeInTheDocument();

    const commands = screen.getByRole('toolbar', { name: 'Encryption commands' });
    expect(within(commands).getByRole('button', { name: 'Change key' })).toHaveAttribute('aria-disabled', 'true');
    await user.click(within(commands).getByRole('button', { name: 'Refresh' }));
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(onRefresh).toHaveBeenCalledTimes(2);
  });

  it('says which resources it supports when another kind is selected', async () => {
    const props = handlers();
    const { user } = renderInFluent(<EncryptionBlade context={storage} source={encryptionUnreadable} {...props} />);
    expect(screen.getByRole('heading', { name: 'Encryption is not available for this resource' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Select a resource' }));
    expect(props.onOpenPicker).toHaveBeenCalledOnce();
  });

  it('offers Retry when the back end could not be reached', async () => {
    const props = handlers();
    const { user } = renderInFluent(
      <EncryptionBlade
        context={{
          kind: 'sessionUnavailable',
          error: { code: 'ipc.unavailable', message: 'The keyblade back end is not reachable.', details: null },
        }}
        source={encryptionUnreadable}
        {...props}
      />,
    );
    expect(screen.getByText('The keyblade back end is not reachable.', { exact: false })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(props.onRetrySession).toHaveBeenCalledOnce();
  });
});
