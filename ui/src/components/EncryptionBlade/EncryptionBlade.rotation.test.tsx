import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { LifecyclePlanView } from '../../bindings';
import type { ResourceContext } from '../../model/resourceContext';
import { cmkRotation, cmkView, mmkView } from '../../test/encryption';
import { contosoProd, mockShell, prodRegistry } from '../../test/ipc';
import { kindRows } from '../../test/kinds';
import { renderInFluent } from '../../test/render';
import { EncryptionBlade } from './EncryptionBlade';

const registry: ResourceContext = { kind: 'resource', selection: { subscription: contosoProd, resource: prodRegistry } };

const plan: LifecyclePlanView = {
  resourceId: prodRegistry.id,
  action: { action: 'newKeyVersion' },
  title: 'New version of key cmk-images',
  summary: 'Creates a new version of key cmk-images in key vault kv-contoso.',
  steps: [],
  findings: [],
  confirmation: { type: 'review' },
  affected: [],
  canRun: true,
};

describe('EncryptionBlade: key rotation', () => {
  it('New key version opens its review, which stays open while the blade reads the resource again', async () => {
    const shell = mockShell({
      read_rotation: () => cmkRotation,
      plan_lifecycle: () => plan,
      run_lifecycle: () => ({ status: 'applied', steps: [], message: 'Key cmk-images has a new latest version, 5e3f.', view: null }),
    });
    const onRefresh = vi.fn();
    const { user, rerender } = renderInFluent(
      <EncryptionBlade
        context={registry}
        source={{ kind: 'loaded', view: cmkView }}
        kinds={kindRows}
        onOpenPicker={vi.fn()}
        onRetrySession={vi.fn()}
        onRefresh={onRefresh}
      />,
    );
    expect(await screen.findByRole('region', { name: 'Key rotation' })).toBeTruthy();
    expect(screen.getByText(/picks up each new version by itself, usually within an hour/)).toBeTruthy();
    const commands = screen.getByRole('toolbar', { name: 'Encryption commands' });
    await user.click(within(commands).getByRole('button', { name: 'New key version' }));
    const review = await screen.findByRole('dialog', { name: 'New version of key cmk-images' });
    expect(shell.calls.find((c) => c.command === 'plan_lifecycle')?.args).toEqual({
      resourceId: prodRegistry.id,
      action: { action: 'newKeyVersion' },
    });
    await user.click(within(review).getByRole('button', { name: 'Create version' }));
    expect(await within(review).findByText('Key cmk-images has a new latest version, 5e3f.')).toBeTruthy();
    await waitFor(() => {
      expect(onRefresh).toHaveBeenCalled();
    });
    // The blade reloading does not take the outcome away.
    rerender(
      <FluentProvider theme={webLightTheme}>
        <EncryptionBlade
          context={registry}
          source={{ kind: 'loading' }}
          kinds={kindRows}
          onOpenPicker={vi.fn()}
          onRetrySession={vi.fn()}
          onRefresh={onRefresh}
        />
      </FluentProvider>,
    );
    expect(screen.getByText('Key cmk-images has a new latest version, 5e3f.')).toBeTruthy();
  });

  it('New key version says why it is unavailable with Microsoft-managed keys', () => {
    mockShell({});
    renderInFluent(
      <EncryptionBlade
        context={registry}
        source={{ kind: 'loaded', view: mmkView }}
        kinds={kindRows}
        onOpenPicker={vi.fn()}
        onRetrySession={vi.fn()}
      />,
    );
    const button = within(screen.getByRole('toolbar', { name: 'Encryption commands' })).getByRole('button', {
      name: 'New key version',
    });
    expect(button).toHaveAttribute('aria-disabled', 'true');
  });
});
