/**
 * How a notification's operation stands, as the portal's notifications show it. `warning`: it ended, but
 * not as a plain success or failure (keyblade could not tell how it ended, or stopped watching first).
 */
export type NotificationStatus = 'inProgress' | 'succeeded' | 'failed' | 'warning' | 'info';

/** How to stop an operation in progress: a Cancel button on its notification. */
export interface NotificationCancel {
  /** The button's accessible name, e.g. "Cancel save". */
  label: string;
  /** Asks the operation to stop; resolves false when nothing was running any more. */
  request: () => Promise<boolean>;
  /** Asked already: the operation has not ended yet, and the button waits. */
  requested: boolean;
}

export interface AppNotification {
  id: string;
  title: string;
  message: string;
  status: NotificationStatus;
  /** Fraction done (0 to 1) when the operation knows it; null shows an indeterminate bar. */
  progress: number | null;
  /** While in progress, what runs now, e.g. "Step 2 of 3: Set the registry's encryption key"; else null. */
  step: string | null;
  /** The resource the operation changes (e.g. a registry's ID), so a panel about it can show it; else null. */
  subject: string | null;
  /** While in progress, how to stop it; null when it cannot be stopped, and once it has ended. */
  cancel: NotificationCancel | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
  read: boolean;
}

/** A Cancel button as posted: not requested yet. */
export type NotificationCancelDraft = Omit<NotificationCancel, 'requested'>;

export interface NotificationDraft {
  title: string;
  message?: string;
  status: NotificationStatus;
  progress?: number | null;
  step?: string | null;
  subject?: string | null;
  cancel?: NotificationCancelDraft | null;
}

export type NotificationPatch = Partial<Pick<AppNotification, 'title' | 'message' | 'status' | 'progress' | 'step'>> & {
  /** A new way to stop the operation (e.g. a save now watched in the background), not requested yet. */
  cancel?: NotificationCancelDraft | null;
};

export type NotificationsAction =
  | { type: 'post'; id: string; draft: NotificationDraft; now: number }
  | { type: 'update'; id: string; patch: NotificationPatch; now: number }
  | { type: 'cancelRequested'; id: string; requested: boolean }
  | { type: 'dismiss'; id: string }
  | { type: 'dismissFinished' }
  | { type: 'markAllRead' };

/** Newest first. */
export type NotificationsState = readonly AppNotification[];

export const initialNotifications: NotificationsState = [];

export function isFinished(status: NotificationStatus): boolean {
  return status !== 'inProgress';
}

function normaliseProgress(status: NotificationStatus, progress: number | null | undefined): number | null {
  // A finished operation has no progress left to show; NaN or out-of-range values come from sloppy
  // arithmetic in callers and must not break the progress bar.
  if (isFinished(status) || progress === null || progress === undefined || Number.isNaN(progress)) {
    return null;
  }
  return Math.min(1, Math.max(0, progress));
}

function normaliseStep(status: NotificationStatus, step: string | null | undefined): string | null {
  // The step running means nothing once the operation is over: the message says how it ended.
  return isFinished(status) || step === undefined ? null : step;
}

function normaliseCancel(
  status: NotificationStatus,
  cancel: NotificationCancel | NotificationCancelDraft | null | undefined,
): NotificationCancel | null {
  // An operation that has ended has nothing left to stop.
  if (isFinished(status) || cancel === null || cancel === undefined) return null;
  return { requested: false, ...cancel };
}

export function notificationsReducer(state: NotificationsState, action: NotificationsAction): NotificationsState {
  switch (action.type) {
    case 'post': {
      const { draft } = action;
      const notification: AppNotification = {
        id: action.id,
        title: draft.title,
        message: draft.message ?? '',
        status: draft.status,
        progress: normaliseProgress(draft.status, draft.progress),
        step: normaliseStep(draft.status, draft.step),
        subject: draft.subject ?? null,
        cancel: normaliseCancel(draft.status, draft.cancel),
        createdAt: action.now,
        updatedAt: action.now,
        read: false,
      };
      // Posting an id again restarts that notification at the top rather than duplicating it.
      return [notification, ...state.filter((n) => n.id !== action.id)];
    }
    case 'update': {
      const target = state.find((n) => n.id === action.id);
      // The user may have dismissed it already; an operation reporting late must not resurrect it.
      if (target === undefined) {
        return state;
      }
      const status = action.patch.status ?? target.status;
      const finishedNow = isFinished(status) && !isFinished(target.status);
      const updated: AppNotification = {
        ...target,
        title: action.patch.title ?? target.title,
        message: action.patch.message ?? target.message,
        status,
        progress: normaliseProgress(status, 'progress' in action.patch ? action.patch.progress : target.progress),
        step: normaliseStep(status, 'step' in action.patch ? action.patch.step : target.step),
        cancel: normaliseCancel(status, 'cancel' in action.patch ? action.patch.cancel : target.cancel),
        updatedAt: action.now,
        // Finishing is news: the bell counts it again even if the start had been seen.
        read: finishedNow ? false : target.read,
      };
      return state.map((n) => (n.id === action.id ? updated : n));
    }
    case 'cancelRequested': {
      const current = state.find((n) => n.id === action.id)?.cancel ?? null;
      // Only a notification still showing its Cancel button can change it.
      if (current === null || current.requested === action.requested) return state;
      const cancel = { ...current, requested: action.requested };
      return state.map((n) => (n.id === action.id ? { ...n, cancel } : n));
    }
    case 'dismiss':
      return state.filter((n) => n.id !== action.id);
    case 'dismissFinished':
      // Operations still running stay: their progress is the only place the user can follow them.
      return state.filter((n) => !isFinished(n.status));
    case 'markAllRead':
      return state.every((n) => n.read) ? state : state.map((n) => (n.read ? n : { ...n, read: true }));
  }
}

export function unreadCount(state: NotificationsState): number {
  return state.filter((n) => !n.read).length;
}
