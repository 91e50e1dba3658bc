import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { EncryptionView, FindingView } from '../../bindings';
import {
  formatTimestamp,
  healthLabels,
  identityKindLabels,
  keySourceLabels,
  rotationExplanations,
  rotationLabels,
  severityIntents,
} from '../../model/encryptionText';
import { BladeSection } from '../BladeSection';
import { FactList } from '../FactList';
import { useEncryptionBladeStyles } from './useEncryptionBladeStyles.styles';

type Row = [term: string, value: string, monospace?: boolean];

/** What the registry's encryption is, as read: the portal's Encryption blade, plus the data health. */
export function EncryptionDetails({ view }: { view: EncryptionView }) {
  const styles = useEncryptionBladeStyles();
  const key = view.key;
  const identity = view.identity;
  const rows: Row[] = [['Encryption type', keySourceLabels[view.keySource]]];
  if (key !== null) {
    rows.push(
      ['Key vault', key.vaultName === '' ? key.vaultUri : key.vaultName],
      ['Key', key.keyName],
      ['Version in use', key.versionInUse ?? 'Unknown (the registry does not report it)', true],
    );
    if (key.latestVersion !== null && key.versionInUse !== null && key.latestVersion !== key.versionInUse) {
      rows.push(['Latest version', key.latestVersion, true]);
    }
    rows.push(
      ['Key URI', key.keyUri, true],
      ['Key rotation', `${rotationLabels[key.rotation]}: ${rotationExplanations[key.rotation]}`],
      ['Last key rotation', key.lastRotation === null ? 'Never rotated' : formatTimestamp(key.lastRotation)],
    );
  }
  if (identity !== null) {
    rows.push(['Identity', `${identity.name} (${identityKindLabels[identity.kind]})`]);
    rows.push(['Client ID', identity.clientId ?? 'Unknown', true]);
    if (!identity.exists) {
      rows.push(['Identity status', 'Missing: deleted, detached or turned off']);
    }
  }
  rows.push(['Data health', healthLabels[view.health.status]]);
  rows.push(['Read at', formatTimestamp(view.checkedAt)]);

  return (
    <div className={styles.stack}>
      <HealthBar view={view} />
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
