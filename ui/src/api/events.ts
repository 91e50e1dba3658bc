import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { HealthProgress, ListingProgress, OperationProgress, SaveSettled } from '../bindings';
import type { SignInProgress } from './contract';
import { hasTauriIpc } from './transport';

/** The shell emits this after the session changed (signed in, signed out, demo tenant ready). */
export const sessionChangedEvent = 'session-changed';
/** Long operations report their steps with this, tagged with the operation id the UI chose. */
export const operationProgressEvent = 'operation-progress';
/** How a save that answered `inProgress` ended, tagged with the same operation id. */
export const saveSettledEvent = 'save-settled';
/** A running sign-in's steps (browser opened, device code, verifying), tagged with its operation id. */
export const signInProgressEvent = 'sign-in-progress';

/** A live subscription: `ready` settles once the shell will deliver events; `stop` ends it. */
export interface Subscription {
  stop: () => void;
  ready: Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T names the event's payload type for `listen`
function subscribe<T>(event: string, handler: (payload: T) => void): Subscription {
  // Outside the app there is no shell to hear from.
  if (!hasTauriIpc()) return { stop: () => undefined, ready: Promise.resolve() };
  let unlisten: UnlistenFn | null = null;
  let cancelled = false;
  const ready = listen<T>(event, (message) => {
    handler(message.payload);
  }).then(
    (stop) => {
      if (cancelled) stop();
      else unlisten = stop;
    },
    () => {
      // Listening is refused only if the capability lacks core:event; the UI then simply hears nothing.
    },
  );
  return {
    stop: () => {
      cancelled = true;
      unlisten?.();
    },
    ready,
  };
}

/** Calls `handler` whenever the session changes; returns the unsubscribe function. */
export function onSessionChanged(handler: () => void): () => void {
  return subscribe<unknown>(sessionChangedEvent, () => {
    handler();
  }).stop;
}

/** Calls `handler` with the progress of one operation. Await `ready` before starting the operation. */
export function onOperationProgress(operationId: string, handler: (progress: OperationProgress) => void): Subscription {
  return subscribe<OperationProgress>(operationProgressEvent, (progress) => {
    if (progress.operationId === operationId) handler(progress);
  });
}

/**
 * Calls `handler` when the save under `operationId` settles (only saves that answered `inProgress` do).
 * Await `ready` before starting the save, so that an early end is not missed.
 */
export function onSaveSettled(operationId: string, handler: (settled: SaveSettled) => void): Subscription {
  return subscribe<SaveSettled>(saveSettledEvent, (settled) => {
    if (settled.operationId === operationId) handler(settled);
  });
}

/** Calls `handler` with the steps of one sign-in. Await `ready` before calling `sign_in`. */
export function onSignInProgress(operationId: string, handler: (progress: SignInProgress) => void): Subscription {
  return subscribe<SignInProgress>(signInProgressEvent, (progress) => {
    if (progress.operationId === operationId) handler(progress);
  });
}

let operationCounter = 0;

/** A fresh id for an operation whose progress the UI follows. */
export function newOperationId(kind: string): string {
  operationCounter += 1;
  return `${kind}-${String(Date.now())}-${String(operationCounter)}`;
}

/** Home's listing: rows read so far. */
export const homeListingProgressEvent = 'home-listing-progress';
/** Home's health check: resources checked so far in the running check. */
export const homeHealthProgressEvent = 'home-health-progress';

export function onHomeListingProgress(handler: (progress: ListingProgress) => void): Subscription {
  return subscribe<ListingProgress>(homeListingProgressEvent, handler);
}

export function onHomeHealthProgress(handler: (progress: HealthProgress) => void): Subscription {
  return subscribe<HealthProgress>(homeHealthProgressEvent, handler);
}
