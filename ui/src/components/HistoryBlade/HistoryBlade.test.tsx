import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { HistoryEntry, LifecycleOutcome, SaveOutcome } from '../../bindings';
import { NotificationsProvider } from '../../state/notifications';
import { mockShell, prodRegistry } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { HistoryBlade } from './HistoryBlade';
import {
  disableKeyEntry,
  enableKeyPlan,
  keyChangeEntry,
  keyChangeUndo,
  lifecycleUndo,
  newVersionEntry,
  notUndoable,
  undoEntry,
} from './historyFixtures';

const slow = { timeout: 10_000 };
const resource = { id: prodRegistry.id, name: prodRegistry.name, kind: prodRegistry.kind };

function renderBlade(props: { showAllAtStart?: boolean; resource?: typeof resource | null } = {}) {
  return renderInFluent(
    <NotificationsProvider>
      <HistoryBlade resource={props.resource === undefined ? resource : props.resource} showAllAtStart={props.showAllAtStart ?? false} />
    </NotificationsProvider>,
  );
}

function row(action: string) {
  const table = screen.getByRole('table', { name: 'Changes' });
  return within(table)
    .getAllByRole('row')
    .find((r) => within(r).queryByRole('button', { name: action }) !== null);
}

describe('HistoryBlade', () => {
  it("lists the resource's changes, then every resource's, and opens an entry's details", async () => {
    const shell = mockShell({
      list_history: () => [disableKeyEntry, keyChangeEntry],
    });
    const { user } = renderBlade();
    const table = await screen.findByRole('table', { name: 'Changes' }, slow);
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    const keyRow = row('Change key');
    if (keyRow === undefined) throw new Error('the Change key entry has a row');
    expect(within(keyRow).getByText('Succeeded')).toBeInTheDocument();
    expect(within(keyRow).getByText('demo-app')).toBeInTheDocument();
    expect(shell.calls.find((c) => c.command === 'list_history')?.args).toEqual({ resourceId: prodRegistry.id });

    await user.click(screen.getByRole('switch', { name: 'Show every resource' }));
    await waitFor(() => {
      expect(shell.calls.filter((c) => c.command === 'list_history').at(-1)?.args).toEqual({ resourceId: null });
    });

    await user.click(await screen.findByRole('button', { name: 'Change key' }, slow));
    const panel = await screen.findByRole('dialog', { name: 'Change details' });
    expect(within(panel).getByRole('heading', { name: 'Before' })).toBeInTheDocument();
    expect(within(panel).getByText(/0123456789abcdef0123456789abcdef/)).toBeInTheDocument();
    expect(within(panel).getByRole('heading', { name: 'After' })).toBeInTheDocument();
    expect(within(panel).getByRole('list', { name: 'Calls made' })).toHaveTextContent('Completed');
    expect(within(panel).getByText(/az acr encryption rotate-key/)).toBeInTheDocument();
  });

  it('shows when a change that answered "in progress" ended', async () => {
    const settled: HistoryEntry = { ...keyChangeEntry, settledAt: '2026-12-04T19:07:00Z' };
    mockShell({ list_history: () => [settled] });
    const { user } = renderBlade();
    await user.click(await screen.findByRole('button', { name: 'Change key' }, slow));
    const panel = await screen.findByRole('dialog', { name: 'Change details' });
    expect(within(panel).getByText('Finished')).toBeInTheDocument();
    expect(within(panel).getByText(/Azure was still applying the change when Save returned/)).toBeInTheDocument();
    expect(within(panel).getByText(/^Succeeded\./)).toBeInTheDocument();
  });

  it('says nothing of an end for a change that ended at once', async () => {
    mockShell({ list_history: () => [keyChangeEntry] });
    const { user } = renderBlade();
    await user.click(await screen.findByRole('button', { name: 'Change key' }, slow));
    const panel = await screen.findByRole('dialog', { name: 'Change details' });
    expect(within(panel).queryByText('Finished')).not.toBeInTheDocument();
  });

  it('undoes a key change: the review is Change key preflight, Undo saves it as the undo and shows its record', async () => {
    let entries: HistoryEntry[] = [keyChangeEntry];
    const saved: SaveOutcome = { status: 'applied', steps: [], view: null, note: null };
    const shell = mockShell({
      list_history: () => entries,
      plan_undo: () => keyChangeUndo,
      save_encryption: () => {
        entries = [undoEntry, keyChangeEntry];
        return saved;
      },
    });
    const { user } = renderBlade();
    await user.click(await screen.findByRole('button', { name: 'Change key' }, slow));
    const details = await screen.findByRole('dialog', { name: 'Change details' });
    await user.click(within(details).getByRole('button', { name: 'Undo' }));

    const panel = await screen.findByRole('dialog', { name: 'Undo change' }, slow);
    expect(shell.calls.find((c) => c.command === 'plan_undo')?.args).toEqual({ entryId: keyChangeEntry.id });
    await within(panel).findByText(/Key URI to store/);
    expect(within(panel).getByRole('list', { name: 'What will change' })).toBeInTheDocument();
    await user.click(within(panel).getByRole('button', { name: 'Undo' }));

    await within(panel).findByText('Undo: Succeeded', undefined, slow);
    const save = shell.calls.find((c) => c.command === 'save_encryption');
    expect(save?.args).toMatchObject({
      registryId: prodRegistry.id,
      desired: keyChangeUndo.type === 'changeKey' ? keyChangeUndo.desired : null,
      etag: '"etag-2"',
      undoOf: keyChangeEntry.id,
    });
    // The undo's record shows what was read back; once closed, the list shows it, marked as an undo.
    expect(within(panel).getByRole('heading', { name: 'After' })).toBeInTheDocument();
    await user.click(within(panel).getByRole('button', { name: 'Close' }));
    expect(await screen.findByRole('button', { name: 'Undo: Change key' }, slow)).toBeInTheDocument();
  });

  it('says why an entry cannot be undone, and offers no Undo', async () => {
    mockShell({ list_history: () => [newVersionEntry], plan_undo: () => notUndoable });
    const { user } = renderBlade();
    await user.click(await screen.findByRole('button', { name: 'New key version' }, slow));
    await user.click(within(await screen.findByRole('dialog', { name: 'Change details' })).getByRole('button', { name: 'Undo' }));
    const panel = await screen.findByRole('dialog', { name: 'Undo change' });
    await within(panel).findByText('This change cannot be undone');
    expect(within(panel).getByText(/pin the previous version with Change key/)).toBeInTheDocument();
    expect(within(panel).queryByRole('button', { name: 'Undo' })).toBeNull();
  });

  it('undoes a lifecycle action through the lifecycle review, recorded as the undo', async () => {
    const outcome: LifecycleOutcome = { status: 'applied', steps: enableKeyPlan.steps, message: 'The key is enabled.', view: null };
    const shell = mockShell({
      list_history: () => [disableKeyEntry],
      plan_undo: () => lifecycleUndo,
      plan_lifecycle: () => enableKeyPlan,
      run_lifecycle: () => outcome,
    });
    const { user } = renderBlade();
    await user.click(await screen.findByRole('button', { name: 'Revoke access: disable the key' }, slow));
    await user.click(within(await screen.findByRole('dialog', { name: 'Change details' })).getByRole('button', { name: 'Undo' }));
    const review = await screen.findByRole('dialog', { name: enableKeyPlan.title }, slow);
    await user.click(await within(review).findByRole('button', { name: 'Undo' }));
    await waitFor(() => {
      expect(shell.calls.find((c) => c.command === 'run_lifecycle')?.args).toMatchObject({
        resourceId: prodRegistry.id,
        action: { action: 'restore', fix: 'enableKey' },
        undoOf: disableKeyEntry.id,
      });
    });
  });

  it('lists every resource when none is selected', async () => {
    const shell = mockShell({ list_history: () => [] });
    renderBlade({ resource: null });
    await screen.findByText('No changes yet', undefined, slow);
    expect(shell.calls.find((c) => c.command === 'list_history')?.args).toEqual({ resourceId: null });
    expect(screen.getByRole('switch')).toBeDisabled();
  });
});
