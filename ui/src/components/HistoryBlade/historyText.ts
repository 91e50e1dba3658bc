import type {
  EncryptionSettings,
  HistoryEntry,
  IdentityChoice,
  OutcomeStatus,
  RecordedStep,
  StepStatus,
} from '../../bindings';

/** How the History list names each outcome, as the portal's activity log does. */
export const outcomeLabels: Record<OutcomeStatus, string> = {
  applied: 'Succeeded',
  unchanged: 'No change',
  inProgress: 'In progress',
  failed: 'Failed',
  refused: 'Refused',
};

/** The badge colour of each outcome. */
export const outcomeColors: Record<OutcomeStatus, 'success' | 'informative' | 'warning' | 'danger' | 'subtle'> = {
  applied: 'success',
  unchanged: 'subtle',
  inProgress: 'warning',
  failed: 'danger',
  refused: 'informative',
};

export const stepStatusLabels: Record<StepStatus, string> = {
  completed: 'Completed',
  failed: 'Failed',
  unfinished: 'Not finished',
};

/** When, in the user's locale and time zone, to the second (entries minutes apart must read apart). */
export function entryTime(entry: HistoryEntry): string {
  return localTime(entry.time);
}

/**
 * When a change that answered "in progress" was seen to end (keyblade watched it and recorded how it ended), or
 * null when it ended at once or has not been seen to end.
 */
export function entrySettledTime(entry: HistoryEntry): string | null {
  return entry.settledAt === null || entry.settledAt === undefined ? null : localTime(entry.settledAt);
}

function localTime(rfc3339: string): string {
  const time = new Date(rfc3339);
  return Number.isNaN(time.getTime())
    ? rfc3339
    : time.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** The list's Action column: the entry's title, marked when it was an undo. */
export function entryAction(entry: HistoryEntry): string {
  return entry.undoOf === null ? entry.title : `Undo: ${entry.title}`;
}

/** The last segment of an ARM ID (an identity's name). */
function lastSegment(id: string): string {
  const parts = id.split('/').filter((part) => part !== '');
  return parts[parts.length - 1] ?? id;
}

export function identityText(identity: IdentityChoice | null): string {
  if (identity === null) return 'Unknown identity';
  return identity.type === 'systemAssigned'
    ? 'System-assigned identity'
    : `User-assigned identity ${lastSegment(identity.resourceId)}`;
}

/** One settings snapshot as facts: encryption type, key URI, identity. */
export function settingsFacts(settings: EncryptionSettings | null): { term: string; value: string; monospace?: boolean }[] {
  if (settings === null) {
    return [{ term: 'Encryption', value: 'Not read: keyblade could not read the resource at that moment.' }];
  }
  if (settings.keySource === 'microsoftManaged') {
    return [{ term: 'Encryption type', value: 'Microsoft-managed keys' }];
  }
  return [
    { term: 'Encryption type', value: 'Customer-managed keys' },
    { term: 'Key URI', value: settings.keyUri ?? 'Unknown', monospace: true },
    { term: 'Identity', value: identityText(settings.identity) },
  ];
}

/** The steps' `az` commands, ready to copy. */
export function stepCommands(steps: readonly RecordedStep[]): string {
  return steps.map((step) => step.azCommand).join('\n\n');
}
