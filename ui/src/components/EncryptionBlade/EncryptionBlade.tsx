import { Button, Spinner } from '@fluentui/react-components';
import {
  ArrowClockwiseRegular,
  KeyMultipleRegular,
  KeyResetRegular,
  ShieldCheckmarkRegular,
  ShieldLockRegular,
  ShieldProhibitedRegular,
} from '@fluentui/react-icons';
import { useState } from 'react';
import type { KindRules, LifecycleAction } from '../../bindings';
import { bladeTitles } from '../../model/blades';
import { kindRulesFor } from '../../model/kindRules';
import type { ResourceContext } from '../../model/resourceContext';
import { resourceKindNames } from '../../model/resources';
import { Blade, BladeCommand } from '../Blade';
import { CommandErrorBar } from '../CommandErrorBar';
import { EmptyState } from '../EmptyState';
import { EncryptionDetails } from './EncryptionDetails';
import { KeyRotationSection } from '../KeyRotation';
import { LifecycleReview } from '../LifecycleReview';
import { ResourceGate } from '../ResourceGate';
import {
  encryptionCommandState,
  encryptionUnsupportedReason,
  keyAccessBlocker,
  type EncryptionSource,
} from './encryptionSource';
import { useEncryptionBladeStyles } from './useEncryptionBladeStyles.styles';

export interface EncryptionBladeProps {
  context: ResourceContext;
  /** The selected resource's encryption as the parent read it. */
  source: EncryptionSource;
  /** app_info's `kinds`: what each kind of resource can do, which the blade's words follow. */
  kinds: readonly KindRules[];
  onOpenPicker: () => void;
  onRetrySession: () => void;
  /** Reads the encryption again; without it Refresh stays disabled. */
  onRefresh?: (() => void) | undefined;
  /** Opens the Change key panel. */
  onChangeKey?: (() => void) | undefined;
  /** Opens the Change key panel on Enter key URI, prefilled with this (the newer key version's) URI. */
  onUpdateKeyVersion?: ((keyUri: string) => void) | undefined;
  /** Opens Revoke access; without it the command is not shown. */
  onRevokeAccess?: (() => void) | undefined;
  /** Opens Restore access; without it the command is not shown. */
  onRestoreAccess?: (() => void) | undefined;
}

/** The portal's Settings › Encryption blade for a container registry, a storage account or an Azure AI services account. */
export function EncryptionBlade({
  context,
  source,
  kinds,
  onOpenPicker,
  onRetrySession,
  onRefresh,
  onChangeKey,
  onUpdateKeyVersion,
  onRevokeAccess,
  onRestoreAccess,
}: EncryptionBladeProps) {
  const styles = useEncryptionBladeStyles();
  const resource = context.kind === 'resource' ? context.selection.resource : undefined;
  const commands = encryptionCommandState(context, source, onRefresh !== undefined, kinds);
  const unsupported = encryptionUnsupportedReason(context, kinds);
  const accessBlocker = keyAccessBlocker(context, source, kinds);
  const subject = resource === undefined ? 'resource' : (kindRulesFor(kinds, resource.kind)?.shortName ?? 'resource');
  // New key version's review, open over the blade; the blade reads the resource again when it ran.
  // Kept here, outside the loaded view, so the outcome stays on screen while the blade reads the resource again.
  const [review, setReview] = useState<{ resourceId: string; action: LifecycleAction; verb: string } | null>(null);
  const newVersionBlocker =
    source.kind !== 'loaded'
      ? `Wait until the ${subject}'s encryption has been read.`
      : source.view.key === null
        ? `The ${subject} uses Microsoft-managed keys: there is no key of yours to create a version of.`
        : null;

  return (
    <Blade
      bladeTitle={bladeTitles.encryption}
      resourceName={resource?.name}
      resourceType={resource === undefined ? undefined : resourceKindNames[resource.kind].singular}
      commands={
        <>
          <BladeCommand
            icon={<KeyResetRegular />}
            label="Change key"
            onClick={onChangeKey}
            disabledReason={commands.changeKeyBlocker}
          />
          {onRevokeAccess !== undefined && (
            <BladeCommand
              icon={<ShieldProhibitedRegular />}
              label="Revoke access"
              onClick={onRevokeAccess}
              disabledReason={accessBlocker}
            />
          )}
          {onRestoreAccess !== undefined && (
            <BladeCommand
              icon={<ShieldCheckmarkRegular />}
              label="Restore access"
              onClick={onRestoreAccess}
              disabledReason={accessBlocker}
            />
          )}
          <BladeCommand
            icon={<KeyMultipleRegular />}
            label="New key version"
            onClick={() => {
              if (source.kind === 'loaded') {
                setReview({ resourceId: source.view.registryId, action: { action: 'newKeyVersion' }, verb: 'Create version' });
              }
            }}
            disabledReason={newVersionBlocker}
          />
          <BladeCommand
            icon={<ArrowClockwiseRegular />}
            label="Refresh"
            onClick={onRefresh}
            disabledReason={commands.refreshBlocker}
          />
        </>
      }
    >
      <ResourceGate
        context={context}
        noResourceTitle="Select a resource to see its encryption"
        onOpenPicker={onOpenPicker}
        onRetrySession={onRetrySession}
      >
        {() => {
          if (unsupported !== null) {
            return (
              <EmptyState
                icon={<ShieldLockRegular />}
                title="Encryption is not available for this resource"
                description={unsupported}
                actions={<Button onClick={onOpenPicker}>Select a resource</Button>}
              />
            );
          }
          switch (source.kind) {
            case 'unreadable':
              return (
                <EmptyState
                  icon={<ShieldLockRegular />}
                  title="Encryption details are not available"
                  description={source.reason}
                />
              );
            case 'loading':
              return <Spinner label={`Reading the ${subject}'s encryption…`} />;
            case 'failed':
              return (
                <div className={styles.stack}>
                  <CommandErrorBar
                    title={`Could not read the ${subject}'s encryption`}
                    error={source.error}
                    onRetry={onRefresh}
                  />
                </div>
              );
            case 'loaded':
              return (
                <div className={styles.stack}>
                  <EncryptionDetails
                    view={source.view}
                    rules={kindRulesFor(kinds, source.view.kind)}
                    onUpdateKeyVersion={onUpdateKeyVersion}
                  />
                  {source.view.key !== null && (
                    <KeyRotationSection
                      resourceId={source.view.registryId}
                      reloadKey={source.view.checkedAt}
                      rules={kindRulesFor(kinds, source.view.kind)}
                      onRotateToVersion={onUpdateKeyVersion}
                      onReviewPolicy={(policy) => {
                        setReview({
                          resourceId: source.view.registryId,
                          action: { action: 'setRotationPolicy', policy },
                          verb: 'Save policy',
                        });
                      }}
                    />
                  )}
                </div>
              );
          }
        }}
      </ResourceGate>
      {review !== null && (
        <LifecycleReview
          resourceId={review.resourceId}
          action={review.action}
          verb={review.verb}
          onClose={() => {
            setReview(null);
          }}
          onDone={() => onRefresh?.()}
        />
      )}
    </Blade>
  );
}
