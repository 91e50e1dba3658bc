import type { Confirmation, Confirmed, LifecycleOutcome } from '../../bindings';

/** Whether what the user typed and ticked satisfies what the plan asks them to confirm. */
export function confirmationSatisfied(confirmation: Confirmation, typed: string, acknowledged: boolean): boolean {
  switch (confirmation.type) {
    case 'review':
      return true;
    case 'typeName':
      return typed.trim() === confirmation.name;
    case 'typeNameAndAcknowledge':
      return typed.trim() === confirmation.name && acknowledged;
  }
}

/** What the shell checks again before it sends anything: the typed name and the ticked acknowledgement, or nothing when a review is enough. */
export function confirmationGiven(confirmation: Confirmation, typed: string, acknowledged: boolean): Confirmed {
  switch (confirmation.type) {
    case 'review':
      return { typedName: '', acknowledged: false };
    case 'typeName':
      return { typedName: typed.trim(), acknowledged: false };
    case 'typeNameAndAcknowledge':
      return { typedName: typed.trim(), acknowledged };
  }
}

export interface OutcomeSummary {
  intent: 'success' | 'info' | 'warning' | 'error';
  title: string;
  /** The read-back's sentences, in order. */
  lines: string[];
}

/** An outcome in the words the review shows: what the read-back says, never more. */
export function outcomeSummary(outcome: LifecycleOutcome): OutcomeSummary {
  switch (outcome.status) {
    case 'applied':
      return { intent: 'success', title: 'Done', lines: [outcome.message] };
    case 'unchanged':
      return { intent: 'info', title: 'Nothing needed changing', lines: [outcome.message] };
    case 'inProgress':
      return { intent: 'warning', title: 'Not finished yet', lines: [outcome.message] };
    case 'refused':
      return {
        intent: 'error',
        title: 'Refused: nothing was changed',
        lines: outcome.findings.map((f) => (f.fix === null ? f.message : `${f.message} ${f.fix}`)),
      };
    case 'failed':
      return {
        intent: 'error',
        title: outcome.unchanged ? 'Failed: nothing was changed' : 'Failed part way',
        lines: [
          `"${outcome.failedStep.title}" failed: ${outcome.error.message}`,
          ...(outcome.completedSteps.length > 0
            ? [`Completed before it: ${outcome.completedSteps.map((s) => s.title).join('; ')}.`]
            : []),
          outcome.whatToDo,
        ],
      };
  }
}
