import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { ResourceContext } from '../../model/resourceContext';
import { basicView, cmkView, cognitiveView, mmkView, noCmkReason, revokedView, storageView, vaultUri, version2 } from '../../test/encryption';
import { contosoProd, prodLanguage, prodRegistry, prodStorage } from '../../test/ipc';
import { kindRows } from '../../test/kinds';
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
      changeKey: /Select a resource first/,
      refresh: /Select a resource first/,
    },
    {
      name: 'before the registry was read',
      context: registry,
      source: encryptionUnreadable,
      canRefresh: true,
      changeKey: /No resource has been read yet/,
      refresh: /No resource has been read yet/,
    },
    {
      name: "while a storage account's encryption loads, in its words",
      context: storage,
      source: { kind: 'loading' },
      canRefresh: true,
      changeKey: /^Wait until the storage account's encryption has loaded\.$/,
      refresh: /^The storage account's encryption is loading\.$/,
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
    const state = encryptionCommandState(context, source, canRefresh, kindRows);
    expect(state.changeKeyBlocker).toMatch(changeKey);
    if (refresh === null) {
      expect(state.refreshBlocker).toBeNull();
    } else {
      expect(state.refreshBlocker).toMatch(refresh);
    }
  });
});

describe('EncryptionBlade', () => {
  const handlers = () => ({ onOpenPicker: vi.fn(), onRetrySession: vi.fn(), kinds: kindRows });

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

  const cognitive: ResourceContext = { kind: 'resource', selection: { subscription: contosoProd, resource: prodLanguage } };

  it.each([
    {
      name: 'a registry with an unversioned key',
      context: registry,
      view: cmkView,
      title: 'contosoimages | Encryption',
      type: 'Container registry',
      tier: 'Premium',
      rotation: /^Automatic: follows new key versions \(the registry picks up a new version within an hour\)\.$/,
      newer: null,
    },
    {
      name: 'a registry pinned to a version',
      context: registry,
      view: { ...cmkView, key: cmkView.key === null ? null : { ...cmkView.key, rotation: 'manual' as const } },
      title: 'contosoimages | Encryption',
      type: 'Container registry',
      tier: 'Premium',
      rotation: /^Manual: stays on this version/,
      newer: null,
    },
    {
      name: 'a storage account',
      context: storage,
      view: storageView,
      title: 'contosodata | Encryption',
      type: 'Storage account',
      tier: null,
      rotation: /^Automatic: follows new key versions \(the storage account picks up a new version within 24 hours\)\.$/,
      newer: null,
    },
    {
      name: 'an Azure AI services account with a newer key version',
      context: cognitive,
      view: cognitiveView,
      title: 'contoso-language | Encryption',
      type: 'Azure AI services account',
      tier: null,
      rotation: /^Manual: Azure AI services accounts do not follow new key versions/,
      newer: 'A newer version of the key exists (fedcba98…). The Azure AI services account still uses 01234567….',
    },
  ])('shows $name in its kind\'s words', async ({ context, view, title, type, tier, rotation, newer }) => {
    const onUpdateKeyVersion = vi.fn();
    const { user } = renderInFluent(
      <EncryptionBlade context={context} source={{ kind: 'loaded', view }} onUpdateKeyVersion={onUpdateKeyVersion} {...handlers()} />,
    );
    expect(screen.getByRole('heading', { level: 1, name: title })).toBeInTheDocument();
    expect(fact('Resource type')).toBe(type);
    expect(fact('Pricing tier')).toBe(tier);
    expect(fact('Key rotation')).toMatch(rotation);
    if (newer === null) {
      expect(screen.queryByRole('button', { name: 'Update key version' })).toBeNull();
    } else {
      expect(screen.getByText(newer)).toBeInTheDocument();
      await user.click(screen.getByRole('button', { name: 'Update key version' }));
      expect(onUpdateKeyVersion).toHaveBeenCalledWith(`${vaultUri}keys/cmk-images/${version2}`);
    }
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

  it("says which resources it supports when app_info's kinds have no row for the selected kind", async () => {
    const props = { ...handlers(), kinds: kindRows.filter((row) => row.kind !== 'storageAccount') };
    const { user } = renderInFluent(<EncryptionBlade context={storage} source={encryptionUnreadable} {...props} />);
    expect(screen.getAllByText(/does not manage the encryption of storage accounts/)[0]).toBeInTheDocument();
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
