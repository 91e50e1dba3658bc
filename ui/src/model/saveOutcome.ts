import type { CommandError, EncryptionView, OperationProgress, PlanStepView, SaveOutcome, SaveSettled } from '../bindings';
import { rotationLabels } from './encryptionText';
import type { NotificationPatch } from '../state/notifications';

/**
 * What the notification says once the save answered. Every text says what keyblade read back, never what
 * it hoped: `inProgress` keeps the notification in progress (the shell watches on, and `saveSettledNotice`
 * ends it).
 */
export function saveOutcomeNotice(outcome: SaveOutcome): NotificationPatch {
  switch (outcome.status) {
    case 'applied':
      return {
        status: 'succeeded',
        message: joinSentences(
          `Saved and verified: keyblade read it back${keySentence(outcome.view)}.${healthSentence(outcome.view)}`,
          outcome.note,
        ),
      };
    case 'unchanged':
      return {
        status: 'info',
        message: 'Nothing was changed: the registry already uses this key and identity.',
      };
    case 'inProgress':
      // Not watched (the save was cancelled): nothing more will come, so the notification ends here,
      // without claiming either result.
      return outcome.watching
        ? {
            status: 'inProgress',
            message: `Not finished yet: ${outcome.reason} This notification updates when the save ends.`,
          }
        : { status: 'warning', message: `Not finished: ${outcome.reason}` };
    case 'refused':
      return {
        status: 'failed',
        message: `Nothing was changed: preflight found ${countOf(outcome.findings.filter((f) => f.severity === 'error').length, 'error')} when saving. ${outcome.findings[0]?.message ?? ''} Open Change key again to review them.`,
      };
    case 'changedElsewhere':
      return {
        status: 'failed',
        message: joinSentences(
          `${outcome.completedSteps.length === 0 ? 'Nothing was changed' : 'The key was not changed'}: the registry was changed elsewhere after keyblade read it. ${outcome.message}`,
          stepsThatStay(outcome.completedSteps),
        ),
      };
    case 'failed': {
      const cause = joinSentences(outcome.summary, outcome.error.message, outcome.whatToDo);
      if (outcome.encryptionUnchanged) {
        // Earlier steps (a grant, the identity) may have taken effect: then only the encryption is as before.
        const lead = outcome.completedSteps.length === 0 ? 'Nothing was changed' : "The registry's encryption was not changed";
        return { status: 'failed', message: `${lead}: ${cause}` };
      }
      return {
        status: 'failed',
        message: joinSentences(
          "Partly changed: keyblade read it back, and its key and identity are neither what they were nor what you asked for. Check them in the Encryption blade before you save again.",
          outcome.summary,
          outcome.error.message,
          outcome.mismatches.length === 0 ? null : `How it differs: ${outcome.mismatches.join(' ')}`,
          outcome.whatToDo,
        ),
      };
    }
  }
}

/** How a save that answered `inProgress` ended, from its `save-settled` event. */
export function saveSettledNotice(settled: SaveSettled): NotificationPatch {
  if ('Err' in settled.outcome) {
    return {
      status: 'warning',
      message: `keyblade could not tell how the save ended: ${settled.outcome.Err.message} Refresh the Encryption blade to see which key and identity the registry uses, and save again if they are not the new ones.`,
    };
  }
  const outcome = settled.outcome.Ok;
  if (outcome.status !== 'inProgress') return saveOutcomeNotice(outcome);
  // Nobody watches any more (keyblade gave up waiting, or the watch was cancelled): the notification ends,
  // without claiming either result.
  const { watch } = outcome;
  const state = outcome.provisioningState === null ? '' : `, and Azure reported the registry as ${outcome.provisioningState}`;
  return {
    status: 'warning',
    message: `Not finished when keyblade stopped watching: step ${String(watch.stepNumber)} of ${String(watch.stepCount)} (${watch.step.title}) had not ended${state}. The change may still complete in Azure. Refresh the Encryption blade later to see which key and identity the registry uses, and save again if they are not the new ones.`,
  };
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

function stepsThatStay(steps: readonly PlanStepView[]): string | null {
  if (steps.length === 0) return null;
  return `These steps took effect before and stay: ${steps.map((s) => s.title).join('; ')}.`;
}

/** Sentences joined by a space, skipping the missing ones. */
function joinSentences(...parts: (string | null)[]): string {
  return parts.filter((part): part is string => part !== null && part.trim() !== '').join(' ');
}
