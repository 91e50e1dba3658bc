import type { CommandError, EncryptionView, OperationProgress, SaveOutcome } from '../bindings';
import { rotationLabels } from './encryptionText';
import type { NotificationPatch } from '../state/notifications';

/** What the notification says once a save ended. */
export function saveOutcomeNotice(outcome: SaveOutcome): NotificationPatch {
  switch (outcome.status) {
    case 'saved':
      return outcome.verified
        ? {
            status: 'succeeded',
            message: `Saved and verified: keyblade read the registry back${keySentence(outcome.view)}.${healthSentence(outcome.view)}`,
          }
        : {
            status: 'failed',
            message: `Saved, but the read-back does not match: ${outcome.mismatches.join(' ')} Refresh the Encryption blade and check the key and identity.`,
          };
    case 'unchanged':
      return {
        status: 'info',
        message: 'Nothing was changed: the registry already uses this key and identity.',
      };
    case 'refused':
      return {
        status: 'failed',
        message: `Nothing was changed: preflight found ${countOf(outcome.findings.filter((f) => f.severity === 'error').length, 'error')} when saving. ${outcome.findings[0]?.message ?? ''} Open Change key again to review them.`,
      };
    case 'changedElsewhere':
      return {
        status: 'failed',
        message: `Nothing was changed: the registry was changed elsewhere after keyblade read it. ${outcome.message}`,
      };
    case 'failed':
      return {
        status: 'failed',
        message: `${outcome.summary} ${outcome.error.message} ${outcome.whatToDo}`,
      };
  }
}

/** A save the shell refused before writing anything (the registry or facts could not be read). */
export function saveErrorNotice(error: CommandError): NotificationPatch {
  return { status: 'failed', message: `Nothing was changed: ${error.message}` };
}

/**
 * The notification while a save runs: the step running and its message, and the share of the plan
 * done. Until a step has finished nothing is known about how far the save is, so the bar stays
 * indeterminate rather than sitting at 0.
 */
export function saveProgressPatch(progress: OperationProgress, stepCount: number): NotificationPatch {
  const done = Math.min(progress.completedSteps, stepCount);
  // A succeeded event is already counted in `completedSteps`; any other stage is about the next step.
  const stepNumber = Math.min(progress.stage === 'succeeded' ? done : done + 1, stepCount);
  return {
    message: progress.message,
    step: stepCount > 0 && stepNumber > 0 ? `Step ${stepNumber} of ${stepCount}: ${progress.step}` : progress.step,
    progress: stepCount > 0 && done > 0 ? done / stepCount : null,
  };
}

function keySentence(view: EncryptionView | null): string {
  const key = view?.key ?? null;
  if (key === null) return ' and it uses the new key and identity';
  const identity = view?.identity ? ` through ${view.identity.name}` : '';
  return ` and it uses key ${key.keyName} in ${key.vaultName} (${rotationLabels[key.rotation].toLowerCase()} rotation)${identity}`;
}

function healthSentence(view: { health: { status: string; summary: string } } | null): string {
  if (view === null || view.health.status === 'healthy') return '';
  return ` Data health: ${view.health.summary}`;
}

function countOf(count: number, noun: string): string {
  return `${String(count)} ${noun}${count === 1 ? '' : 's'}`;
}
