import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { ResourceContext } from '../../model/resourceContext';
import { basicView, cmkView, mmkView, noCmkReason, revokedView } from '../../test/encryption';
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
      name: 'before the registry was read',
      context: registry,
      source: encryptionUnreadable,
      canRefresh: true,
      changeKey: /No registry has been read yet/,
      refresh: /No registry has been read yet/,
    },
    {
      name: 'for a registry created without a customer-managed key',
      context: registry,
      source: { kind: 'loaded', view: mmkView },
      canRefresh: true,
      changeKey: /can be set only when a registry is created, and only on the Premium tier/,
      refresh: null,
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

  function fact(term: string): string | null {
    const dt = screen.getAllByRole('term').find((element) => element.textContent === term);
    return dt?.nextElementSibling?.textContent ?? null;
  }

  it('shows a customer-managed key: vault, key, version, rotation, identity and health', async () => {
    const onChangeKey = vi.fn();
    const { user } = renderInFluent(
      <EncryptionBlade
        context={registry}
        source={{ kind: 'loaded', view: cmkView }}
        onChangeKey={onChangeKey}
        onRefresh={vi.fn()}
        {...handlers()}
      />,
    );
    expect(fact('Encryption type')).toBe('Customer-managed key');
    expect(fact('Key vault')).toBe('kv-contoso');
    expect(fact('Key')).toBe('cmk-images');
    expect(fact('Version in use')).toBe('0123456789abcdef0123456789abcdef');
    expect(fact('Key rotation')).toMatch(/^Automatic: /);
    expect(fact('Last key rotation')).toMatch(/2026/);
    expect(fact('Identity')).toBe('id-images (User assigned)');
    expect(fact('Client ID')).toBe('11111111-2222-3333-4444-555555555555');
    expect(fact('Data health')).toBe('Accessible');
    expect(screen.getByText('Data is accessible')).toBeInTheDocument();

    await user.click(within(screen.getByRole('toolbar', { name: 'Encryption commands' })).getByRole('button', { name: 'Change key' }));
    expect(onChangeKey).toHaveBeenCalledOnce();
  });

  it('says when the data is inaccessible, why, and what to do', () => {
    renderInFluent(<EncryptionBlade context={registry} source={{ kind: 'loaded', view: revokedView }} {...handlers()} />);
    expect(screen.getByText('Data is inaccessible')).toBeInTheDocument();
    expect(fact('Data health')).toBe('Inaccessible');
    expect(screen.getAllByText(/The identity lacks get, wrapKey, unwrapKey/)[0]).toBeInTheDocument();
    expect(screen.getByText(/What to do: Add an access policy/)).toBeInTheDocument();
  });

  it.each([
    { name: 'a Premium registry created with a Microsoft-managed key', view: mmkView, reason: noCmkReason },
    { name: 'a Basic registry', view: basicView, reason: basicView.change.reason ?? '' },
  ])('gives the honest answer for $name and disables Change key with it', async ({ view, reason }) => {
    const { user } = renderInFluent(
      <EncryptionBlade context={registry} source={{ kind: 'loaded', view }} onChangeKey={vi.fn()} {...handlers()} />,
    );
    expect(fact('Encryption type')).toBe('Microsoft-managed key');
    expect(screen.getByText('The key cannot be changed')).toBeInTheDocument();
    expect(screen.getAllByText(reason)[0]).toBeInTheDocument();
    expect(screen.queryByText(/Data is/)).toBeNull();
    const changeKey = within(screen.getByRole('toolbar', { name: 'Encryption commands' })).getByRole('button', {
      name: 'Change key',
    });
    expect(changeKey).toHaveAttribute('aria-disabled', 'true');
    await user.hover(changeKey);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(/only on the Premium tier/);
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
