import { describe, expect, it } from 'vitest';
import {
  initialNotifications,
  notificationsReducer,
  unreadCount,
  type NotificationsAction,
  type NotificationsState,
} from './notificationsReducer';

function run(...actions: NotificationsAction[]): NotificationsState {
  return actions.reduce(notificationsReducer, initialNotifications);
}

const postSave: NotificationsAction = {
  type: 'post',
  id: 'save',
  draft: { title: 'Changing the key of contosoimages', status: 'inProgress', progress: 0 },
  now: 1000,
};
const postInfo: NotificationsAction = {
  type: 'post',
  id: 'info',
  draft: { title: 'Signed in', message: 'As ada@contoso.com', status: 'info' },
  now: 2000,
};

describe('notificationsReducer', () => {
  it('posts newest first, unread, with the given time', () => {
    const state = run(postSave, postInfo);
    expect(state.map((n) => n.id)).toEqual(['info', 'save']);
    expect(state[1]).toEqual({
      id: 'save',
      title: 'Changing the key of contosoimages',
      message: '',
      status: 'inProgress',
      progress: 0,
      step: null,
      subject: null,
      cancel: null,
      createdAt: 1000,
      updatedAt: 1000,
      read: false,
    });
    expect(unreadCount(state)).toBe(2);
  });

  it('restarts a notification posted again with the same id instead of duplicating it', () => {
    const state = run(postSave, postInfo, { ...postSave, now: 3000 });
    expect(state.map((n) => n.id)).toEqual(['save', 'info']);
    expect(state[0]?.createdAt).toBe(3000);
  });

  it('updates progress and message by id, keeping the rest', () => {
    const state = run(postSave, {
      type: 'update',
      id: 'save',
      patch: { progress: 0.5, message: 'Waiting for Azure Resource Manager' },
      now: 1500,
    });
    expect(state[0]).toMatchObject({
      title: 'Changing the key of contosoimages',
      message: 'Waiting for Azure Resource Manager',
      progress: 0.5,
      createdAt: 1000,
      updatedAt: 1500,
    });
  });

  it('keeps the step running while in progress, and drops it once finished', () => {
    const running = run(postSave, {
      type: 'update',
      id: 'save',
      patch: { step: "Step 1 of 2: Set the registry's encryption key" },
      now: 1500,
    });
    expect(running[0]?.step).toBe("Step 1 of 2: Set the registry's encryption key");
    // A patch without a step leaves it alone.
    const polled = notificationsReducer(running, {
      type: 'update',
      id: 'save',
      patch: { message: 'Azure reports InProgress' },
      now: 1600,
    });
    expect(polled[0]?.step).toBe("Step 1 of 2: Set the registry's encryption key");
    const finished = notificationsReducer(running, { type: 'update', id: 'save', patch: { status: 'succeeded' }, now: 2000 });
    expect(finished[0]?.step).toBeNull();
  });

  it.each([
    { given: 1.7, shown: 1 },
    { given: -0.2, shown: 0 },
    { given: Number.NaN, shown: null },
    { given: null, shown: null },
  ])('clamps progress $given to $shown', ({ given, shown }) => {
    const state = run(postSave, { type: 'update', id: 'save', patch: { progress: given }, now: 1100 });
    expect(state[0]?.progress).toBe(shown);
  });

  it('drops progress when the operation finishes, and counts the result as unread again', () => {
    const state = run(
      postSave,
      { type: 'markAllRead' },
      { type: 'update', id: 'save', patch: { progress: 0.9 }, now: 1200 },
    );
    expect(unreadCount(state)).toBe(0);

    const finished = notificationsReducer(state, {
      type: 'update',
      id: 'save',
      patch: { status: 'succeeded', message: 'The registry now uses the new key.' },
      now: 1300,
    });
    expect(finished[0]).toMatchObject({ status: 'succeeded', progress: null, read: false });
    expect(unreadCount(finished)).toBe(1);
  });

  it('ignores updates for a notification the user already dismissed', () => {
    const dismissed = run(postSave, { type: 'dismiss', id: 'save' });
    const state = notificationsReducer(dismissed, {
      type: 'update',
      id: 'save',
      patch: { status: 'failed' },
      now: 1400,
    });
    expect(state).toBe(dismissed);
    expect(state).toEqual([]);
  });

  it('keeps a Cancel only while the operation runs, and marks it asked until the operation answers', () => {
    const request = () => Promise.resolve(true);
    const posted = run({
      ...postSave,
      draft: { ...postSave.draft, subject: '/registries/contosoimages', cancel: { label: 'Cancel save', request } },
    });
    expect(posted[0]).toMatchObject({ subject: '/registries/contosoimages', cancel: { label: 'Cancel save', requested: false } });

    const asked = notificationsReducer(posted, { type: 'cancelRequested', id: 'save', requested: true });
    expect(asked[0]?.cancel).toMatchObject({ requested: true });
    // Asking twice changes nothing.
    expect(notificationsReducer(asked, { type: 'cancelRequested', id: 'save', requested: true })).toBe(asked);
    // A patch with a new Cancel (a save now watched in the background) starts it afresh.
    const watched = notificationsReducer(asked, {
      type: 'update',
      id: 'save',
      patch: { message: 'Not finished yet.', cancel: { label: 'Cancel save', request } },
      now: 1200,
    });
    expect(watched[0]?.cancel).toMatchObject({ requested: false });
    // A patch without one keeps it.
    const progressed = notificationsReducer(watched, { type: 'update', id: 'save', patch: { progress: 0.5 }, now: 1300 });
    expect(progressed[0]?.cancel).toMatchObject({ label: 'Cancel save' });

    const finished = notificationsReducer(progressed, { type: 'update', id: 'save', patch: { status: 'warning' }, now: 1400 });
    expect(finished[0]?.cancel).toBeNull();
    // Nothing to cancel any more: asking changes nothing.
    expect(notificationsReducer(finished, { type: 'cancelRequested', id: 'save', requested: true })).toBe(finished);
  });

  it('dismisses one notification by id', () => {
    expect(run(postSave, postInfo, { type: 'dismiss', id: 'info' }).map((n) => n.id)).toEqual(['save']);
  });

  it('dismisses all finished notifications but keeps operations in progress', () => {
    const state = run(
      postSave,
      postInfo,
      { type: 'post', id: 'failed', draft: { title: 'Refresh failed', status: 'failed' }, now: 2500 },
    );
    expect(notificationsReducer(state, { type: 'dismissFinished' }).map((n) => n.id)).toEqual(['save']);
  });

  it('marks everything read, and returns the same state when nothing changes', () => {
    const read = run(postSave, postInfo, { type: 'markAllRead' });
    expect(unreadCount(read)).toBe(0);
    expect(notificationsReducer(read, { type: 'markAllRead' })).toBe(read);
  });
});
