import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { EncryptionView, FindingView, KindRules } from '../../bindings';
import { severityIntents } from '../../model/encryptionText';
import { newerVersionNotice } from '../../model/kindRules';
import { BladeSection } from '../BladeSection';
import { encryptionFacts } from './encryptionFacts';
import { FactList } from '../FactList';
import { useEncryptionBladeStyles } from './useEncryptionBladeStyles.styles';


export interface EncryptionDetailsProps {
  view: EncryptionView;
  /** The rules of the view's kind; null when app_info has no row for it (the words then stay generic). */
  rules: KindRules | null;
  /** Update key version: opens Change key with the newer version's URI. */
  onUpdateKeyVersion?: ((keyUri: string) => void) | undefined;
}

/** What the resource's encryption is, as read: the portal's Encryption blade, plus the data health. */
export function EncryptionDetails({ view, rules, onUpdateKeyVersion }: EncryptionDetailsProps) {
  const styles = useEncryptionBladeStyles();
  const rows = encryptionFacts(view, rules);
  const newer = rules === null ? null : newerVersionNotice(rules, view.key);

  return (
    <div className={styles.stack}>
      <HealthBar view={view} />
      {newer !== null && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Newer key version</MessageBarTitle>
            {newer.message}
          </MessageBarBody>
          {onUpdateKeyVersion !== undefined && (
            <MessageBarActions>
              <Button
                onClick={() => {
                  onUpdateKeyVersion(newer.keyUri);
                }}
              >
                Update key version
              </Button>
            </MessageBarActions>
          )}
        </MessageBar>
      )}
      {!view.change.allowed && view.change.reason !== null && (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>The key cannot be changed</MessageBarTitle>
            {view.change.reason}
          </MessageBarBody>
        </MessageBar>
      )}
      <BladeSection title="Encryption settings">
        <FactList facts={rows.map(([term, value, monospace]) => ({ term, value, monospace: monospace === true }))} />
      </BladeSection>
    </div>
  );
}

function HealthBar({ view }: { view: EncryptionView }) {
  const { health } = view;
  switch (health.status) {
    case 'notApplicable':
      return null;
    case 'healthy':
      return (
        <MessageBar intent="success" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Data is accessible</MessageBarTitle>
            {health.summary}
            <Problems problems={health.problems} />
          </MessageBarBody>
        </MessageBar>
      );
    case 'unhealthy':
      return (
        <MessageBar intent="error" layout="multiline" politeness="assertive">
          <MessageBarBody>
            <MessageBarTitle>Data is inaccessible</MessageBarTitle>
            {health.summary}
            <Problems problems={health.problems} />
          </MessageBarBody>
        </MessageBar>
      );
    case 'unknown':
      return (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Data health unknown</MessageBarTitle>
            {health.summary}
            <Problems problems={health.problems} />
          </MessageBarBody>
        </MessageBar>
      );
  }
}

/** Each problem with what to do about it; the first is already the summary, so it shows only its fix. */
function Problems({ problems }: { problems: readonly FindingView[] }) {
  const styles = useEncryptionBladeStyles();
  if (problems.length === 0) return null;
  return (
    <ul className={styles.problems}>
      {problems.map((problem, index) => (
        <li key={`${problem.code}-${String(index)}`} data-intent={severityIntents[problem.severity]}>
          {index > 0 && <span>{problem.message} </span>}
          {problem.fix !== null && <span className={styles.fix}>What to do: {problem.fix}</span>}
        </li>
      ))}
    </ul>
  );
}
