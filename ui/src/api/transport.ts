import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import { CommandFailure, ipcUnavailableError, toCommandError } from './commandError';

interface TauriInternals {
  invoke?: unknown;
}

/**
 * Tauri injects `__TAURI_INTERNALS__` into its webview (and `mockIPC` does in tests). `isTauri()` from
 * the api package is not enough: mocks do not set it.
 */
export function hasTauriIpc(): boolean {
  const internals = (window as unknown as { __TAURI_INTERNALS__?: TauriInternals }).__TAURI_INTERNALS__;
  return typeof internals?.invoke === 'function';
}

/** Invokes a shell command; every rejection is a `CommandFailure`. */
export async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  if (!hasTauriIpc()) {
    throw new CommandFailure(ipcUnavailableError(command));
  }
  try {
    return await invoke<T>(command, args);
  } catch (rejection: unknown) {
    throw new CommandFailure(toCommandError(rejection, command));
  }
}
