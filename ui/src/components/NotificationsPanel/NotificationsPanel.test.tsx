import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { AppNotification } from '../../state/notifications';
import { renderInFluent } from '../../test/render';
import { NotificationsPanel } from './NotificationsPanel';
import { formatNotificationTime } from './notificationText';

const today = new Date(2025, 5, 14, 15, 30).getTime();

function notification(patch: Partial<AppNotification> & Pick<AppNotification, 'id' | 'title' | 'status'>): AppNotification {
  return {
    message: '',
    progress: null,
    step: null,
    subject: null,
    cancel: null,
    createdAt: today,
    updatedAt: today,
    read: false,
    ...patch,
  };
}

const saving = notification({
  id: 'save',
  title: 'Changing the key of contosoimages',
  status: 'inProgress',
  progress: 0.4,
  message: 'Waiting for Azure Resource Manager',
});
const refreshing = notification({ id: 'refresh', title: 'Reading vaults', status: 'inProgress' });
const checking = notification({
  id: 'checking',
  title: 'Changing the key of contosodev',
  status: 'inProgress',
  step: "Step 1 of 3: Turn on the registry's system-assigned identity",
  message: 'Azure reports InProgress (checked 2 times).',
});
const saved = notification({ id: 'saved', title: 'Key changed on contosodev', status: 'succeeded', read: true });
const failed = notification({
  id: 'failed',
  title: 'Could not change the key of contosodata',
  status: 'failed',
  message: 'The identity lacks wrapKey on the vault.',
});

function renderPanel(notifications: AppNotification[]) {
  const handlers = { onClose: vi.fn(), onDismiss: vi.fn(), onDismissFinished: vi.fn(), onCancel: vi.fn() };
  const rendered = renderInFluent(
    <NotificationsPanel open notifications={notifications} now={() => today} {...handlers} />,
  );
  return { ...rendered, ...handlers, panel: screen.getByRole('dialog', { name: 'Notifications' }) };
}

describe('NotificationsPanel', () => {
  it('lists each notification with its status, time and progress', () => {
    const { panel } = renderPanel([saving, refreshing, saved, failed]);
    const items = within(within(panel).getByRole('list', { name: 'Notifications' })).getAllByRole('listitem');
    expect(items).toHaveLength(4);

    const [first, second, third, fourth] = items as [HTMLElement, HTMLElement, HTMLElement, HTMLElement];
    expect(first).toHaveAccessibleName(saving.title);
    expect(first).toHaveTextContent('Waiting for Azure Resource Manager');
    expect(first).toHaveTextContent(`In progress · ${formatNotificationTime(today, today)}`);
    expect(within(first).getByRole('progressbar', { name: `${saving.title}: progress` })).toHaveAttribute(
      'aria-valuenow',
      '0.4',
    );
    // Unknown progress is an indeterminate bar, not a made-up percentage.
    expect(within(second).getByRole('progressbar')).not.toHaveAttribute('aria-valuenow');
    expect(third).toHaveTextContent('Succeeded');
    expect(within(third).queryByRole('progressbar')).toBeNull();
    expect(fourth).toHaveTextContent('Failed');
    expect(fourth).toHaveTextContent('The identity lacks wrapKey on the vault.');
    expect(within(fourth).getByRole('time')).toHaveAttribute('datetime', new Date(today).toISOString());
  });

  it('shows the step running: an indeterminate bar until a fraction is known, then how far along it is', () => {
    const { panel, rerender } = renderPanel([checking]);
    const item = within(panel).getByRole('listitem');
    expect(item).toHaveTextContent("Step 1 of 3: Turn on the registry's system-assigned identity");
    const bar = within(item).getByRole('progressbar', { name: `${checking.title}: progress` });
    expect(bar).not.toHaveAttribute('aria-valuenow');
    expect(bar).toHaveAttribute('aria-valuetext', "Working. Step 1 of 3: Turn on the registry's system-assigned identity");

    rerender(
      <FluentProvider theme={webLightTheme}>
        <NotificationsPanel
          open
          notifications={[{ ...checking, progress: 1 / 3, step: "Step 2 of 3: Set the registry's encryption key" }]}
          now={() => today}
          onClose={vi.fn()}
          onDismiss={vi.fn()}
          onDismissFinished={vi.fn()}
          onCancel={vi.fn()}
        />
      </FluentProvider>,
    );
    const after = within(panel).getByRole('progressbar');
    expect(after).toHaveAttribute('aria-valuenow', String(1 / 3));
    expect(after).toHaveAttribute('aria-valuetext', "33% done. Step 2 of 3: Set the registry's encryption key");
    expect(within(panel).getByRole('listitem')).toHaveTextContent("Step 2 of 3: Set the registry's encryption key");
  });

  it('dismisses finished notifications, but running ones cannot be dismissed', async () => {
    const { user, panel, onDismiss, onDismissFinished } = renderPanel([saving, failed]);

    expect(within(panel).queryByRole('button', { name: `Dismiss notification: ${saving.title}` })).toBeNull();
    await user.click(within(panel).getByRole('button', { name: `Dismiss notification: ${failed.title}` }));
    expect(onDismiss).toHaveBeenCalledWith('failed');

    await user.click(within(panel).getByRole('button', { name: 'Dismiss all' }));
    expect(onDismissFinished).toHaveBeenCalledOnce();
  });

  it('offers Cancel on an operation in progress that can stop, and waits once it was asked', async () => {
    const cancel = { label: 'Cancel save', request: () => Promise.resolve(true), requested: false };
    const { user, panel, onCancel, rerender } = renderPanel([{ ...saving, cancel }, refreshing, failed]);
    const buttons = within(panel).getAllByRole('button', { name: 'Cancel save' });
    // Only the save can stop; the finished notification has Dismiss instead.
    expect(buttons).toHaveLength(1);
    const [button] = buttons as [HTMLElement];
    expect(button).toHaveTextContent('Cancel');
    await user.click(button);
    expect(onCancel).toHaveBeenCalledWith('save');

    const props = { open: true, now: () => today, onClose: vi.fn(), onDismiss: vi.fn(), onDismissFinished: vi.fn(), onCancel };
    rerender(
      <FluentProvider theme={webLightTheme}>
        <NotificationsPanel {...props} notifications={[{ ...saving, cancel: { ...cancel, requested: true } }]} />
      </FluentProvider>,
    );
    expect(within(panel).getByRole('button', { name: 'Cancel save' })).toBeDisabled();
    expect(within(panel).getByRole('listitem')).toHaveTextContent('Cancelling: keyblade stops waiting');

    rerender(
      <FluentProvider theme={webLightTheme}>
        <NotificationsPanel {...props} notifications={[{ ...saving, status: 'warning', message: 'Not finished when keyblade stopped watching.' }]} />
      </FluentProvider>,
    );
    expect(within(panel).queryByRole('button', { name: 'Cancel save' })).toBeNull();
    expect(within(panel).getByRole('listitem')).toHaveTextContent('Warning');
    expect(within(panel).getByRole('button', { name: `Dismiss notification: ${saving.title}` })).toBeInTheDocument();
  });

  it('disables Dismiss all while every operation is still running', () => {
    const { panel } = renderPanel([saving]);
    expect(within(panel).getByRole('button', { name: 'Dismiss all' })).toBeDisabled();
  });

  it('says so when there is nothing to show', () => {
    const { panel } = renderPanel([]);
    expect(within(panel).getByRole('heading', { name: 'No notifications' })).toBeInTheDocument();
    expect(within(panel).queryByRole('list')).toBeNull();
  });

  it('closes from its close button', async () => {
    const { user, panel, onClose } = renderPanel([]);
    await user.click(within(panel).getByRole('button', { name: 'Close notifications' }));
    expect(onClose).toHaveBeenCalledOnce();
  });
});

describe('formatNotificationTime', () => {
  it('shows only the time for today and the date too for older ones', () => {
    const yesterday = today - 24 * 60 * 60 * 1000;
    expect(formatNotificationTime(today, today, 'en-GB')).toBe('15:30');
    expect(formatNotificationTime(yesterday, today, 'en-GB')).toBe('13 Jun 2025, 15:30');
  });
});
