import type { CommandError } from '../bindings';

/**
 * The rejection of every api call: a real `Error` (so stack traces and `instanceof` work) that is also
 * structurally a `CommandError`, so the UI can show `code`, `message` and `details` without knowing
 * whether Rust or the front end produced it.
 */
export class CommandFailure extends Error implements CommandError {
  readonly code: string;
  readonly details: string | null;

  constructor(error: CommandError) {
    super(error.message);
    this.name = 'CommandFailure';
    this.code = error.code;
    this.details = error.details;
  }

  toCommandError(): CommandError {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Codes produced by the front end itself (Rust codes come from the shell's error enum). */
export const UiErrorCode = {
  /** The page runs outside the keyblade app (a plain browser), so there is no back end to ask. */
  ipcUnavailable: 'ipc.unavailable',
  /** The back end rejected with something that is not a CommandError: a bug in the shell. */
  ipcUnexpected: 'ipc.unexpected',
} as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** True for a CommandError as the shell serializes it; a missing `details` is tolerated. */
export function isCommandError(value: unknown): value is Omit<CommandError, 'details'> & { details?: string | null } {
  return (
    isRecord(value) &&
    typeof value.code === 'string' &&
    typeof value.message === 'string' &&
    (value.details === null || value.details === undefined || typeof value.details === 'string')
  );
}

/**
 * Turns whatever a rejected `invoke` produced into a CommandError. The shell always rejects with a
 * CommandError, but a panic, a missing command or a capability denial reaches us as a bare string.
 */
export function toCommandError(rejection: unknown, command: string): CommandError {
  if (rejection instanceof CommandFailure) {
    return rejection.toCommandError();
  }
  if (isCommandError(rejection)) {
    return { code: rejection.code, message: rejection.message, details: rejection.details ?? null };
  }
  const what =
    typeof rejection === 'string'
      ? rejection
      : rejection instanceof Error
        ? rejection.message
        : safeStringify(rejection);
  return {
    code: UiErrorCode.ipcUnexpected,
    message: `The keyblade back end failed to run "${command}" and gave no usable reason. Try again; if it keeps failing, restart keyblade and report the details below.`,
    details: what,
  };
}

function safeStringify(value: unknown): string {
  try {
    // JSON.stringify returns undefined for undefined and functions, whatever its declared type says.
    const json = JSON.stringify(value) as string | undefined;
    return json ?? String(value);
  } catch {
    return String(value);
  }
}

export function ipcUnavailableError(command: string): CommandError {
  return {
    code: UiErrorCode.ipcUnavailable,
    message:
      'The keyblade back end is not reachable: this page is running outside the keyblade app, so it cannot read your session or Azure resources. Start keyblade itself (for example with "cargo xtask demo") to use it.',
    details: `command: ${command}`,
  };
}
