import {
  Button,
  DrawerBody,
  DrawerFooter,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
} from '@fluentui/react-components';
import { useId } from 'react';
import type { AccessProblem, LifecycleOutcome, RestoreDiagnosis } from '../../bindings';
import { severityLabels } from '../../model/encryptionText';
import { CommandErrorBar } from '../CommandErrorBar';
import { LifecycleReview, outcomeSummary } from '../LifecycleReview';
import { SidePanel } from '../SidePanel';
import { restoreFixLabels } from './restoreText';
import { useRestorePanel } from './useRestorePanel';
import { useRestorePanelStyles } from './useRestorePanelStyles.styles';

export interface RestorePanelProps {
  /** The resource whose access to its key is restored (its ARM ID). */
  resourceId: string;
  onClose: () => void;
  /** A fix ran: what the shell read back (the parent reads the blade again). */
  onDone: (outcome: LifecycleOutcome) => void;
}

/**
 * Restore access: why the resource cannot reach its key (each cause in a sentence), the fix that matches as a
 * button, then the review of that fix, which runs it; afterwards the diagnosis is checked again and says whether the
 * data is accessible again.
 */
export function RestorePanel({ resourceId, onClose, onDone }: RestorePanelProps) {
  const state = useRestorePanel(resourceId);
  const styles = useRestorePanelStyles();

  if (state.fix !== null) {
    return (
      <LifecycleReview
        resourceId={resourceId}
        action={{ action: 'restore', fix: state.fix }}
        verb="Restore access"
        onClose={() => {
          state.back();
          state.recheck();
        }}
        onDone={(outcome) => {
          state.finished(outcome);
          onDone(outcome);
        }}
      />
    );
  }

  return (
    <SidePanel open onClose={onClose} title="Restore access" closeLabel="Close Restore access" size="medium">
      <DrawerBody>
        <div className={styles.body}>
          {state.lastOutcome !== null && <LastOutcome outcome={state.lastOutcome} />}
          {state.diagnosis.status === 'checking' && (
            <Spinner size="tiny" label="Checking why the key cannot be reached…" />
          )}
          {state.diagnosis.status === 'failed' && (
            <CommandErrorBar
              title="Could not check the resource's access to its key"
              error={state.diagnosis.error}
              onRetry={state.recheck}
            />
          )}
          {state.diagnosis.status === 'ready' && (
            <Diagnosis diagnosis={state.diagnosis.diagnosis} onFix={state.choose} />
          )}
        </div>
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        <Button onClick={state.recheck} disabled={state.diagnosis.status === 'checking'}>
          Check again
        </Button>
        <Button onClick={onClose}>Close</Button>
      </DrawerFooter>
    </SidePanel>
  );
}

function LastOutcome({ outcome }: { outcome: LifecycleOutcome }) {
  const summary = outcomeSummary(outcome);
  return (
    <MessageBar intent={summary.intent} layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{summary.title}</MessageBarTitle>
        {summary.lines.join(' ')}
      </MessageBarBody>
    </MessageBar>
  );
}

function Diagnosis({
  diagnosis,
  onFix,
}: {
  diagnosis: RestoreDiagnosis;
  onFix: (fix: NonNullable<AccessProblem['fix']>) => void;
}) {
  const styles = useRestorePanelStyles();
  const headingId = useId();
  if (diagnosis.accessible || diagnosis.causes.length === 0) {
    return (
      <MessageBar intent={diagnosis.accessible ? 'success' : 'info'} layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{diagnosis.accessible ? 'Accessible' : 'Nothing to restore'}</MessageBarTitle>
          {diagnosis.summary}
        </MessageBarBody>
      </MessageBar>
    );
  }
  return (
    <>
      <p className={styles.text}>{diagnosis.summary}</p>
      <section aria-labelledby={headingId}>
        <h3 id={headingId} className={styles.sectionTitle}>
          Why the key cannot be reached
        </h3>
        <ul className={styles.causes} aria-labelledby={headingId}>
          {diagnosis.causes.map((cause, index) => (
            <li key={`${cause.code}-${String(index)}`} className={styles.cause}>
              <span className={styles.text}>
                {severityLabels[cause.severity]}: {cause.message}
              </span>
              {cause.whatToDo !== null && <span className={styles.hint}>What to do: {cause.whatToDo}</span>}
              {cause.fix !== null ? (
                <Button
                  appearance={index === 0 ? 'primary' : 'secondary'}
                  onClick={() => {
                    if (cause.fix !== null) onFix(cause.fix);
                  }}
                >
                  {restoreFixLabels[cause.fix]}
                </Button>
              ) : (
                <span className={styles.hint}>keyblade cannot fix this for you.</span>
              )}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
