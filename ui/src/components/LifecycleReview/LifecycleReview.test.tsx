import { emit } from '@tauri-apps/api/event';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { LifecycleOutcome, LifecyclePlanView, PlanStepView } from '../../bindings';
import { mockShell, rejectWith } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { LifecycleReview } from './LifecycleReview';
import { confirmationSatisfied, outcomeSummary } from './lifecycleReview';

const resourceId =
  '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/crcontosoprod';

const step: PlanStepView = {
  kind: 'createKeyVersion',
  title: 'Create a new version of key cmk-images',
  method: 'POST',
  path: 'https://kv-contoso.vault.azure.net/keys/cmk-images/rotate?api-version=7.4',
  body: null,
  bodySummary: '',
  azCommand: 'az keyvault key rotate --vault-name kv-contoso --name cmk-images',
};

function plan(overrides: Partial<LifecyclePlanView> = {}): LifecyclePlanView {
  return {
    resourceId,
    action: { action: 'newKeyVersion' },
    title: 'Create a new version of cmk-images',
    summary: 'Key Vault adds a new version of the key.',
    steps: [step],
    findings: [
      {
        severity: 'info',
        code: 'rotation.followsWithinHour',
        message: 'The registry picks up the new version within an hour.',
        fix: null,
      },
    ],
    confirmation: { type: 'review' },
    affected: [
      {
        id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stcontoso',
        kind: 'storageAccount',
        name: 'stcontoso',
        reason: 'also uses key cmk-images and follows its new versions',
      },
    ],
    canRun: true,
    ...overrides,
  };
}

const applied: LifecycleOutcome = {
  status: 'applied',
  steps: [step],
  message: 'Key cmk-images has a new latest version, 5e3f.',
  view: null,
};

describe('LifecycleReview', () => {
  it('brings the outcome into view when the run ends, below a plan that may be taller than the panel', async () => {
    const scrolled = vi.fn();
    Object.defineProperty(HTMLElement.prototype, 'scrollIntoView', { value: scrolled, configurable: true });
    mockShell({ plan_lifecycle: () => plan(), run_lifecycle: () => applied, cancel_save: () => true });
    const { user } = renderInFluent(
      <LifecycleReview
        resourceId={resourceId}
        action={{ action: 'newKeyVersion' }}
        verb="Create version"
        onClose={vi.fn()}
        onDone={vi.fn()}
      />,
    );
    const panel = await screen.findByRole('dialog', { name: 'Create a new version of cmk-images' });
    expect(scrolled).not.toHaveBeenCalled();
    await user.click(within(panel).getByRole('button', { name: 'Create version' }));
    await within(panel).findByText('Key cmk-images has a new latest version, 5e3f.');
    await waitFor(() => {
      expect(scrolled).toHaveBeenCalledWith({ block: 'nearest' });
    });
    Reflect.deleteProperty(HTMLElement.prototype, 'scrollIntoView');
  });

  it('shows the plan: summary, findings, steps with az, affected resources; runs it with progress and shows the read-back', async () => {
    let finish: (outcome: LifecycleOutcome) => void = () => undefined;
    const shell = mockShell({
      plan_lifecycle: () => plan(),
      run_lifecycle: async (args) => {
        await emit('operation-progress', {
          operationId: args.operationId,
          stage: 'running',
          step: 'Create a new version of key cmk-images',
          message: 'Creating the version…',
          completedSteps: 0,
        });
        return new Promise<LifecycleOutcome>((resolve) => {
          finish = resolve;
        });
      },
      cancel_save: () => true,
    });
    const onDone = vi.fn();
    const onClose = vi.fn();
    const { user } = renderInFluent(
      <LifecycleReview
        resourceId={resourceId}
        action={{ action: 'newKeyVersion' }}
        verb="Create version"
        onClose={onClose}
        onDone={onDone}
      />,
    );
    const panel = await screen.findByRole('dialog', { name: 'Create a new version of cmk-images' });
    expect(within(panel).getByText('Key Vault adds a new version of the key.')).toBeTruthy();
    expect(within(panel).getByText('The registry picks up the new version within an hour.')).toBeTruthy();
    const steps = within(panel).getByRole('list', { name: 'What will change' });
    expect(within(steps).getByText(/POST https:\/\/kv-contoso/)).toBeTruthy();
    expect(within(panel).getByText(/az keyvault key rotate --vault-name kv-contoso --name cmk-images/)).toBeTruthy();
    const affected = within(panel).getByRole('list', { name: 'Other resources affected' });
    expect(within(affected).getByText(/stcontoso/)).toBeTruthy();

    await user.click(within(panel).getByRole('button', { name: 'Create version' }));
    expect(await within(panel).findByText('Creating the version…')).toBeTruthy();
    // While it runs the panel cannot be closed; Cancel asks the shell to stop waiting.
    await user.click(within(panel).getByRole('button', { name: 'Cancel' }));
    expect(onClose).not.toHaveBeenCalled();
    expect(await within(panel).findByText(/Cancelling: keyblade stops waiting/)).toBeTruthy();
    await waitFor(() => {
      expect(shell.calls.some((c) => c.command === 'cancel_save')).toBe(true);
    });
    finish(applied);
    expect(await within(panel).findByText('Key cmk-images has a new latest version, 5e3f.')).toBeTruthy();
    expect(onDone).toHaveBeenCalledWith(applied);
    const run = shell.calls.find((c) => c.command === 'run_lifecycle');
    expect(run?.args).toMatchObject({ resourceId, action: { action: 'newKeyVersion' }, confirmation: { typedName: '', acknowledged: false } });
    await user.click(within(panel).getByRole('button', { name: 'Close' }));
    expect(onClose).toHaveBeenCalled();
  });

  it('with errors the Run button stays disabled', async () => {
    mockShell({
      plan_lifecycle: () =>
        plan({
          canRun: false,
          findings: [
            { severity: 'error', code: 'rotation.noCustomerManagedKey', message: 'No customer-managed key.', fix: 'Turn it on.' },
          ],
        }),
    });
    renderInFluent(
      <LifecycleReview resourceId={resourceId} action={{ action: 'newKeyVersion' }} verb="Create version" onClose={vi.fn()} onDone={vi.fn()} />,
    );
    expect(await screen.findByText('No customer-managed key.')).toBeTruthy();
    expect(screen.getByText('What to do: Turn it on.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Create version' }).hasAttribute('disabled')).toBe(true);
  });

  it('asks for the name and the acknowledgement when the plan wants them, and sends the typed name', async () => {
    const shell = mockShell({
      plan_lifecycle: () =>
        plan({
          confirmation: {
            type: 'typeNameAndAcknowledge',
            name: 'crcontosoprod',
            acknowledgement: 'I understand the key cannot be recovered',
          },
        }),
      run_lifecycle: () => applied,
    });
    const { user } = renderInFluent(
      <LifecycleReview resourceId={resourceId} action={{ action: 'newKeyVersion' }} verb="Delete key" onClose={vi.fn()} onDone={vi.fn()} />,
    );
    const name = await screen.findByRole('textbox', { name: /Type the resource name to confirm/ });
    const run = screen.getByRole('button', { name: 'Delete key' });
    expect(run.hasAttribute('disabled')).toBe(true);
    await user.type(name, 'crcontoso');
    expect(screen.getByText('This is not crcontosoprod.')).toBeTruthy();
    await user.type(name, 'prod');
    expect(run.hasAttribute('disabled')).toBe(true);
    await user.click(screen.getByRole('checkbox', { name: 'I understand the key cannot be recovered' }));
    expect(run.hasAttribute('disabled')).toBe(false);
    await user.click(run);
    await waitFor(() => {
      expect(shell.calls.find((c) => c.command === 'run_lifecycle')?.args.confirmation).toEqual({ typedName: 'crcontosoprod', acknowledged: true });
    });
  });

  it('shows a planning error with Retry, which plans again', async () => {
    let calls = 0;
    mockShell({
      plan_lifecycle: () => {
        calls += 1;
        if (calls === 1) rejectWith({ code: 'azure.forbidden', message: 'You may not read the key.', details: null });
        return plan();
      },
    });
    const { user } = renderInFluent(
      <LifecycleReview resourceId={resourceId} action={{ action: 'newKeyVersion' }} verb="Create version" onClose={vi.fn()} onDone={vi.fn()} />,
    );
    expect(await screen.findByText('You may not read the key.')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: /Retry/ }));
    expect(await screen.findByRole('dialog', { name: 'Create a new version of cmk-images' })).toBeTruthy();
  });
});

describe('confirmationSatisfied and outcomeSummary', () => {
  it.each([
    [{ type: 'review' } as const, '', false, true],
    [{ type: 'typeName', name: 'cr' } as const, ' cr ', false, true],
    [{ type: 'typeName', name: 'cr' } as const, 'CR', false, false],
    [{ type: 'typeNameAndAcknowledge', name: 'cr', acknowledgement: 'x' } as const, 'cr', false, false],
    [{ type: 'typeNameAndAcknowledge', name: 'cr', acknowledgement: 'x' } as const, 'cr', true, true],
  ])('%o typed %s ticked %s → %s', (confirmation, typed, ticked, expected) => {
    expect(confirmationSatisfied(confirmation, typed, ticked)).toBe(expected);
  });

  it('a failure says what failed, what completed and what to do', () => {
    const summary = outcomeSummary({
      status: 'failed',
      failedStep: step,
      completedSteps: [],
      error: { code: 'azure.forbidden', message: 'Forbidden.' },
      unchanged: true,
      whatToDo: 'Ask for the rotate permission.',
    });
    expect(summary).toEqual({
      intent: 'error',
      title: 'Failed: nothing was changed',
      lines: ['"Create a new version of key cmk-images" failed: Forbidden.', 'Ask for the rotate permission.'],
    });
  });
});
