import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { NotificationsProvider } from './NotificationsProvider';
import { useNotifications } from './useNotifications';

describe('useNotifications', () => {
  it('lets any component post, update and dismiss notifications by id', () => {
    let clock = 10_000;
    const wrapper = ({ children }: { children: ReactNode }) => (
      <NotificationsProvider now={() => clock}>{children}</NotificationsProvider>
    );
    const { result } = renderHook(() => useNotifications(), { wrapper });

    let id = '';
    act(() => {
      id = result.current.post({ title: 'Saving', status: 'inProgress' });
    });
    expect(result.current.notifications).toHaveLength(1);
    expect(result.current.unreadCount).toBe(1);

    clock = 12_000;
    act(() => {
      result.current.update(id, { status: 'failed', message: 'The vault refused the key.' });
    });
    expect(result.current.notifications[0]).toMatchObject({
      id,
      status: 'failed',
      message: 'The vault refused the key.',
      createdAt: 10_000,
      updatedAt: 12_000,
    });

    act(() => {
      result.current.dismiss(id);
    });
    expect(result.current.notifications).toEqual([]);
  });

  it('gives every post without an id its own id', () => {
    const { result } = renderHook(() => useNotifications(), { wrapper: NotificationsProvider });
    const ids: string[] = [];
    act(() => {
      ids.push(result.current.post({ title: 'One', status: 'info' }));
      ids.push(result.current.post({ title: 'Two', status: 'info' }));
    });
    expect(new Set(ids).size).toBe(2);
    expect(result.current.notifications.map((n) => n.title)).toEqual(['Two', 'One']);
  });

  it('cancels through the notification, once, and offers Cancel again when nothing was running', async () => {
    const { result } = renderHook(() => useNotifications(), { wrapper: NotificationsProvider });
    let answer: (stopping: boolean) => void = () => undefined;
    const request = vi.fn(
      () =>
        new Promise<boolean>((resolve) => {
          answer = resolve;
        }),
    );
    act(() => {
      result.current.post({ id: 'save-1', title: 'Saving', status: 'inProgress', cancel: { label: 'Cancel save', request } });
    });
    act(() => {
      result.current.cancel('save-1');
      result.current.cancel('save-1');
    });
    expect(request).toHaveBeenCalledTimes(1);
    expect(result.current.notifications[0]?.cancel?.requested).toBe(true);

    await act(async () => {
      answer(false);
      await Promise.resolve();
    });
    expect(result.current.notifications[0]?.cancel?.requested).toBe(false);

    // A notification without a Cancel ignores it.
    act(() => {
      result.current.post({ id: 'plain', title: 'Reading', status: 'inProgress' });
      result.current.cancel('plain');
    });
    expect(result.current.notifications[0]?.cancel).toBeNull();
  });

  it('fails loudly outside the provider', () => {
    expect(() => renderHook(() => useNotifications())).toThrow(/inside <NotificationsProvider>/);
  });
});
