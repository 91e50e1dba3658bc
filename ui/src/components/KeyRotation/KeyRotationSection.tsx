import { Button, MessageBar, MessageBarBody, MessageBarTitle, Spinner } from '@fluentui/react-components';
import { ArrowSyncRegular, EditRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { KeyRotationView, KindRules, RotationPolicy } from '../../bindings';
import { formatTimestamp } from '../../model/encryptionText';
import { BladeSection } from '../BladeSection';
import { CommandErrorBar } from '../CommandErrorBar';
import { FactList } from '../FactList';
import { RotationPolicyDialog } from './RotationPolicyDialog';
import { followSentence, rotationFacts } from './rotationText';
import { useKeyRotation } from './useKeyRotation';
import { useKeyRotationStyles } from './useKeyRotationStyles.styles';

export interface KeyRotationSectionProps {
  resourceId: string;
  /** Changes whenever the blade read the encryption again: the rotation is read again too. */
  reloadKey: string;
  rules: KindRules | null;
  /** Rotate to this version now: opens Change key on Enter key URI with this versioned URI. */
  onRotateToVersion?: ((keyUri: string) => void) | undefined;
  /** Edit rotation policy was filled in: the blade shows its review (LifecycleReview), which outlives a reload. */
  onReviewPolicy: (policy: RotationPolicy) => void;
}

/** Key rotation (versions in use and latest, how far behind, last rotation) and the key's rotation policy. */
export function KeyRotationSection({ resourceId, reloadKey, rules, onRotateToVersion, onReviewPolicy }: KeyRotationSectionProps) {
  const { state, retry } = useKeyRotation(resourceId, reloadKey);
  const [editing, setEditing] = useState(false);
  const styles = useKeyRotationStyles();

  if (state.status === 'loading') return <Spinner size="tiny" label="Reading the key's versions and rotation policy…" />;
  if (state.status === 'failed') {
    return <CommandErrorBar title="Could not read the key's rotation" error={state.error} onRetry={retry} />;
  }
  const key = state.rotation.key;
  if (key === null) return null;
  return (
    <>
      <BladeSection title="Key rotation">
        <div className={styles.stack}>
          <p className={styles.text}>{followSentence(key, rules)}</p>
          <FactList facts={rotationFacts(key)} />
          <RotateToLatest keyView={key} onRotateToVersion={onRotateToVersion} />
        </div>
      </BladeSection>
      <BladeSection title="Rotation policy">
        <div className={styles.stack}>
          <PolicyDetails keyView={key} />
          <div className={styles.actions}>
            <Button
              icon={<EditRegular />}
              onClick={() => {
                setEditing(true);
              }}
            >
              Edit rotation policy
            </Button>
          </div>
        </div>
      </BladeSection>
      {editing && (
        <RotationPolicyDialog
          keyName={key.keyName}
          current={key.policy}
          pinned={!key.followsNewVersions}
          onClose={() => {
            setEditing(false);
          }}
          onReview={(policy) => {
            setEditing(false);
            onReviewPolicy(policy);
          }}
        />
      )}
    </>
  );
}

function RotateToLatest({
  keyView,
  onRotateToVersion,
}: {
  keyView: KeyRotationView;
  onRotateToVersion?: ((keyUri: string) => void) | undefined;
}) {
  const uri = keyView.latestVersionUri;
  const behind = keyView.versionsBehind !== null && keyView.versionsBehind > 0;
  if (keyView.followsNewVersions || !behind || uri === null || onRotateToVersion === undefined) return null;
  return (
    <div>
      <Button
        icon={<ArrowSyncRegular />}
        onClick={() => {
          onRotateToVersion(uri);
        }}
      >
        Rotate to this version now
      </Button>
    </div>
  );
}

function PolicyDetails({ keyView }: { keyView: KeyRotationView }) {
  const styles = useKeyRotationStyles();
  return (
    <>
      {!keyView.policyReadable && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>The rotation policy cannot be read</MessageBarTitle>
            {keyView.problem}
          </MessageBarBody>
        </MessageBar>
      )}
      {keyView.policyReadable && keyView.problem !== null && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>{keyView.problem}</MessageBarBody>
        </MessageBar>
      )}
      {keyView.policyDescription.length > 0 && (
        <ul className={styles.lines} aria-label="Rotation policy in words">
          {keyView.policyDescription.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      {keyView.expires !== null && <p className={styles.text}>The key's latest version expires on {formatTimestamp(keyView.expires)}.</p>}
      {!keyView.followsNewVersions && keyView.policyReadable && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            The resource pins a key version: new versions the policy creates are not picked up until you rotate to
            them.
          </MessageBarBody>
        </MessageBar>
      )}
    </>
  );
}
