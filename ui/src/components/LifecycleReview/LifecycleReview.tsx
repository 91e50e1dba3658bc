import {
  Button,
  Checkbox,
  DrawerBody,
  DrawerFooter,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
} from '@fluentui/react-components';
import { CopyRegular } from '@fluentui/react-icons';
import { useEffect, useId, useRef, useState } from 'react';
import type { LifecycleAction, LifecycleOutcome, LifecyclePlanView } from '../../bindings';
import { severityIntents, severityLabels } from '../../model/encryptionText';
import { resourceKindNames } from '../../model/resources';
import { CommandErrorBar } from '../CommandErrorBar';
import { SidePanel } from '../SidePanel';
import { outcomeSummary } from './lifecycleReview';
import { useLifecycleReview, type LifecycleReviewState } from './useLifecycleReview';
import { useLifecycleReviewStyles } from './useLifecycleReviewStyles.styles';

export interface LifecycleReviewProps {
  /** The resource the action is for (its ARM ID). */
  resourceId: string;
  /** What to plan and run. */
  action: LifecycleAction;
  /** The Run button's label, the action's verb, e.g. "Create version", "Revoke access". */
  verb: string;
  /** Closes the review; not called while the action runs. */
  onClose: () => void;
  /** The action ran: what the shell read back (the caller usually reads the blade again). */
  onDone: (outcome: LifecycleOutcome) => void;
  /** The history entry this run undoes (History's Undo); the shell records the run as its undo. */
  undoOf?: string | null;
}

/**
 * The review of any lifecycle action, in a side panel: plans it when mounted, shows the plan (summary,
 * findings, steps with their `az` equivalents, what else it reaches), asks for the confirmation the plan
 * wants, runs it with progress and Cancel, and shows the outcome as read back.
 */
export function LifecycleReview({ resourceId, action, verb, onClose, onDone, undoOf = null }: LifecycleReviewProps) {
  const state = useLifecycleReview(resourceId, action, onDone, undoOf);
  const styles = useLifecycleReviewStyles();
  const running = state.run.status === 'running';
  const title = state.plan.status === 'ready' ? state.plan.plan.title : 'Review';
  const close = () => {
    // The shell keeps running what was sent: the review stays until it answers (Cancel stops the waiting).
    if (!running) onClose();
  };
  const finished = state.run.status === 'done';
  // The outcome appears below the plan, where the user no longer looks after pressing the button at the
  // bottom: bring it into view as it changes (running, then done or failed).
  const statusRef = useRef<HTMLDivElement>(null);
  const runStatus = state.run.status;
  useEffect(() => {
    const status = statusRef.current;
    if (runStatus !== 'idle' && status !== null && typeof status.scrollIntoView === 'function') {
      status.scrollIntoView({ block: 'nearest' });
    }
  }, [runStatus]);

  return (
    <SidePanel open onClose={close} title={title} closeLabel="Close the review" size="medium">
      <DrawerBody>
        <div className={styles.body}>
          {state.plan.status === 'planning' && <Spinner size="tiny" label="Planning the change…" />}
          {state.plan.status === 'failed' && (
            <CommandErrorBar title="Could not plan the change" error={state.plan.error} onRetry={state.replan} />
          )}
          {state.plan.status === 'ready' && <PlanDetails plan={state.plan.plan} state={state} />}
          <div ref={statusRef}>
            <RunStatus state={state} />
          </div>
        </div>
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        {!finished && (
          <Button appearance="primary" disabled={!state.canRun} onClick={state.start}>
            {verb}
          </Button>
        )}
        {running ? (
          // While it runs, Cancel asks the shell to stop waiting; what it reads back is still shown.
          <Button disabled={state.run.status === 'running' && state.run.cancelRequested} onClick={state.cancel}>
            Cancel
          </Button>
        ) : (
          <Button onClick={close}>{finished ? 'Close' : 'Cancel'}</Button>
        )}
      </DrawerFooter>
    </SidePanel>
  );
}

function PlanDetails({ plan, state }: { plan: LifecyclePlanView; state: LifecycleReviewState }) {
  const styles = useLifecycleReviewStyles();
  const stepsId = useId();
  const affectedId = useId();
  const locked = state.run.status === 'running' || state.run.status === 'done';
  return (
    <>
      <p className={styles.text}>{plan.summary}</p>
      {plan.findings.map((finding, index) => (
        <MessageBar key={`${finding.code}-${String(index)}`} intent={severityIntents[finding.severity]} layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>{severityLabels[finding.severity]}</MessageBarTitle>
            {finding.message}
            {finding.fix !== null && <span className={styles.line}>What to do: {finding.fix}</span>}
          </MessageBarBody>
        </MessageBar>
      ))}

      <section className={styles.section} aria-labelledby={stepsId}>
        <h3 id={stepsId} className={styles.sectionTitle}>
          What will change
        </h3>
        {plan.steps.length === 0 ? (
          <p className={styles.hint}>Nothing: no call is needed.</p>
        ) : (
          <ol className={styles.list} aria-labelledby={stepsId}>
            {plan.steps.map((step, index) => (
              <li key={`${step.kind}-${String(index)}`}>
                {step.title}
                <span className={`${styles.mono} ${styles.line}`}>
                  {step.method} {step.path}
                </span>
                {step.bodySummary !== '' && <span className={`${styles.hint} ${styles.line}`}>{step.bodySummary}</span>}
              </li>
            ))}
          </ol>
        )}
        {plan.steps.length > 0 && <AzCommands commands={plan.steps.map((s) => s.azCommand).join('\n\n')} />}
      </section>

      {plan.affected.length > 0 && (
        <section className={styles.section} aria-labelledby={affectedId}>
          <h3 id={affectedId} className={styles.sectionTitle}>
            Other resources affected
          </h3>
          <ul className={styles.list} aria-labelledby={affectedId}>
            {plan.affected.map((resource) => (
              <li key={resource.id}>
                {resource.name}
                {resource.kind !== null && ` (${resourceKindNames[resource.kind].singular})`}
                <span className={`${styles.hint} ${styles.line}`}>{resource.reason}</span>
              </li>
            ))}
          </ul>
        </section>
      )}

      {plan.canRun && plan.confirmation.type !== 'review' && (
        <section className={styles.section} aria-label="Confirm">
          <Field
            label="Type the resource name to confirm"
            hint={`Type ${plan.confirmation.name}`}
            validationState={state.typed !== '' && state.typed.trim() !== plan.confirmation.name ? 'error' : 'none'}
            validationMessage={
              state.typed !== '' && state.typed.trim() !== plan.confirmation.name
                ? `This is not ${plan.confirmation.name}.`
                : null
            }
          >
            <Input
              value={state.typed}
              disabled={locked}
              autoComplete="off"
              spellCheck={false}
              onChange={(_event, data) => {
                state.setTyped(data.value);
              }}
            />
          </Field>
          {plan.confirmation.type === 'typeNameAndAcknowledge' && (
            <Checkbox
              checked={state.acknowledged}
              disabled={locked}
              label={plan.confirmation.acknowledgement}
              onChange={(_event, data) => {
                state.setAcknowledged(data.checked === true);
              }}
            />
          )}
        </section>
      )}
    </>
  );
}

function RunStatus({ state }: { state: LifecycleReviewState }) {
  const styles = useLifecycleReviewStyles();
  const { run } = state;
  switch (run.status) {
    case 'idle':
      return null;
    case 'running':
      return (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Running</MessageBarTitle>
            <Spinner size="extra-tiny" label={run.step ?? 'Checking the plan against the resource as it is now…'} />
            {run.message !== null && run.message !== run.step && <span className={styles.line}>{run.message}</span>}
            {run.cancelRequested && (
              <span className={styles.line}>Cancelling: keyblade stops waiting and reports what it reads back.</span>
            )}
          </MessageBarBody>
        </MessageBar>
      );
    case 'failed':
      return <CommandErrorBar title="Could not make the change" error={run.error} onRetry={state.replan} />;
    case 'done': {
      const summary = outcomeSummary(run.outcome);
      return (
        <MessageBar intent={summary.intent} layout="multiline" politeness="assertive">
          <MessageBarBody>
            <MessageBarTitle>{summary.title}</MessageBarTitle>
            {summary.lines.map((line, index) => (
              <span key={String(index)} className={styles.line}>
                {line}
              </span>
            ))}
          </MessageBarBody>
        </MessageBar>
      );
    }
  }
}

function AzCommands({ commands }: { commands: string }) {
  const styles = useLifecycleReviewStyles();
  const headingId = useId();
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(commands);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <>
      <div className={styles.codeHeader}>
        <h4 className={styles.sectionTitle} id={headingId}>
          Azure CLI equivalent
        </h4>
        <Button
          appearance="subtle"
          icon={<CopyRegular />}
          onClick={() => {
            void copy();
          }}
        >
          {copied === 'copied' ? 'Copied' : 'Copy commands'}
        </Button>
      </div>
      {copied === 'failed' && <p className={styles.hint}>The clipboard refused the text; select it and copy it by hand.</p>}
      <pre className={styles.code} aria-labelledby={headingId}>
        <code>{commands}</code>
      </pre>
    </>
  );
}
