import { Button, Spinner } from '@fluentui/react-components';
import { ArrowClockwiseRegular, KeyResetRegular, ShieldLockRegular } from '@fluentui/react-icons';
import { bladeTitles } from '../../model/blades';
import type { ResourceContext } from '../../model/resourceContext';
import { resourceKindNames } from '../../model/resources';
import { Blade, BladeCommand } from '../Blade';
import { CommandErrorBar } from '../CommandErrorBar';
import { EmptyState } from '../EmptyState';
import { EncryptionDetails } from './EncryptionDetails';
import { ResourceGate } from '../ResourceGate';
import { encryptionCommandState, encryptionUnsupportedReason, type EncryptionSource } from './encryptionSource';
import { useEncryptionBladeStyles } from './useEncryptionBladeStyles.styles';

export interface EncryptionBladeProps {
  context: ResourceContext;
  /** The selected registry's encryption as the parent read it. */
  source: EncryptionSource;
  onOpenPicker: () => void;
  onRetrySession: () => void;
  /** Reads the encryption again; without it Refresh stays disabled. */
  onRefresh?: (() => void) | undefined;
  /** Opens the Change key panel. */
  onChangeKey?: (() => void) | undefined;
}

/** The portal's Settings › Encryption blade for a container registry. */
export function EncryptionBlade({
  context,
  source,
  onOpenPicker,
  onRetrySession,
  onRefresh,
  onChangeKey,
}: EncryptionBladeProps) {
  const styles = useEncryptionBladeStyles();
  const resource = context.kind === 'resource' ? context.selection.resource : undefined;
  const commands = encryptionCommandState(context, source, onRefresh !== undefined);
  const unsupported = encryptionUnsupportedReason(context);

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
        noResourceTitle="Select a container registry to see its encryption"
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
              return <Spinner label="Reading the registry's encryption…" />;
            case 'failed':
              return (
                <div className={styles.stack}>
                  <CommandErrorBar
                    title="Could not read the registry's encryption"
                    error={source.error}
                    onRetry={onRefresh}
                  />
                </div>
              );
            case 'loaded':
              return <EncryptionDetails view={source.view} />;
          }
        }}
      </ResourceGate>
    </Blade>
  );
}
