import {
  Button,
  Checkbox,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
} from '@fluentui/react-components';
import { CopyRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { CommandError, GrantOutcome, PreflightReport } from '../../bindings';
import { severityIntents, severityLabels, uriRotationText } from '../../model/encryptionText';
import { CommandErrorBar } from '../CommandErrorBar';
import { useChangeKeyPanelStyles } from './useChangeKeyPanelStyles.styles';

export type PreflightState =
  | { status: 'incomplete'; reason: string }
  | { status: 'checking' }
  | { status: 'failed'; error: CommandError }
  | { status: 'ready'; report: PreflightReport };

export interface ReviewSectionProps {
  /** Identifies the change under review: a grant's result is shown only for the change it was made for. */
  changeKey: string | null;
  preflight: PreflightState;
  onRetry: () => void;
  /** Grants the identity access; resolves with what happened. */
  onGrant: () => Promise<GrantOutcome | CommandError>;
  grantAtSave: boolean;
  onGrantAtSave: (on: boolean) => void;
  /** Microsoft-managed keys were asked for: the report's key URI and rotation mean nothing, so they are not shown. */
  turningOff?: boolean;
  /** How the resource is named in a sentence, e.g. "storage account". */
  shortName?: string;
  /** Opens the review that turns on the key vault's soft delete and purge protection, when it lacks them. */
  onProtectVault?: (vaultId: string) => void;
}

/** The findings "Turn on purge protection" answers. */
const vaultProtectionCodes: readonly string[] = ['vault.purgeProtectionOff', 'vault.softDeleteOff'];

/** Review: what preflight found (each with its fix), what will change, and the same change with `az`. */
export function ReviewSection({
  changeKey,
  preflight,
  onRetry,
  onGrant,
  grantAtSave,
  onGrantAtSave,
  turningOff = false,
  shortName = 'registry',
  onProtectVault,
}: ReviewSectionProps) {
  const styles = useChangeKeyPanelStyles();
  // Kept here, not in the report: the report is replaced while preflight runs again after the grant.
  const [granting, setGranting] = useState(false);
  const [grantResult, setGrantResult] = useState<{ forChange: string | null; result: GrantOutcome | CommandError } | null>(
    null,
  );
  const runGrant = async () => {
    setGranting(true);
    setGrantResult(null);
    const result = await onGrant();
    setGranting(false);
    setGrantResult({ forChange: changeKey, result });
    // Preflight runs again after a grant, whatever it says: the findings are what count.
    onRetry();
  };
  return (
    <section className={styles.section} aria-labelledby="change-key-review">
      <h3 id="change-key-review" className={styles.sectionTitle}>
        Review
      </h3>
      {preflight.status === 'incomplete' && <p className={styles.hint}>{preflight.reason}</p>}
      {preflight.status === 'checking' && <Spinner size="tiny" label="Running preflight checks…" />}
      {preflight.status === 'failed' && (
        <CommandErrorBar title="Preflight could not run" error={preflight.error} onRetry={onRetry} />
      )}
      {granting && <Spinner size="tiny" label="Granting access…" />}
      {grantResult !== null && grantResult.forChange === changeKey && <GrantResult result={grantResult.result} />}
      {preflight.status === 'ready' && (
        <Report
          report={preflight.report}
          granting={granting}
          onGrant={() => {
            void runGrant();
          }}
          grantAtSave={grantAtSave}
          onGrantAtSave={onGrantAtSave}
          turningOff={turningOff}
          shortName={shortName}
          onProtectVault={onProtectVault}
        />
      )}
    </section>
  );
}

function Report({
  report,
  granting,
  onGrant,
  grantAtSave,
  onGrantAtSave,
  turningOff,
  shortName,
  onProtectVault,
}: {
  report: PreflightReport;
  granting: boolean;
  onGrant: () => void;
  grantAtSave: boolean;
  onGrantAtSave: (on: boolean) => void;
  turningOff: boolean;
  shortName: string;
  onProtectVault: ((vaultId: string) => void) | undefined;
}) {
  const styles = useChangeKeyPanelStyles();
  const commands = report.steps.map((step) => step.azCommand).join('\n\n');
  const { grant } = report;

  return (
    <>
      {turningOff ? (
        <p className={styles.hint}>Encryption to store: Microsoft-managed keys.</p>
      ) : (
        <p className={styles.hint}>
          Key URI to store: <span className={styles.stepDetail}>{report.keyUri}</span> ({uriRotationText[report.rotation]})
        </p>
      )}
      {report.findings.length === 0 && (
        <MessageBar intent="success">
          <MessageBarBody>Preflight found nothing in the way.</MessageBarBody>
        </MessageBar>
      )}
      {report.findings.map((finding, index) => (
        <MessageBar key={`${finding.code}-${String(index)}`} intent={severityIntents[finding.severity]} layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>{severityLabels[finding.severity]}</MessageBarTitle>
            {finding.message}
            {finding.fix !== null && (
              <>
                <br />
                <span className={styles.stepDetail}>Fix: {finding.fix}</span>
              </>
            )}
          </MessageBarBody>
          {onProtectVault !== undefined && report.vaultId !== null && vaultProtectionCodes.includes(finding.code) && (
            <MessageBarActions>
              <ProtectVaultButton
                onClick={() => {
                  if (report.vaultId !== null) onProtectVault(report.vaultId);
                }}
              />
            </MessageBarActions>
          )}
        </MessageBar>
      ))}

      {(grant.status === 'allowed' || grant.status === 'unknown') && (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Missing access can be granted</MessageBarTitle>
            {grant.status === 'allowed'
              ? `keyblade can ${grant.action}.`
              : `${grant.reason} You can still try; Azure refuses what you may not do.`}
          </MessageBarBody>
          <MessageBarActions>
            <Button appearance="primary" disabled={granting} onClick={onGrant}>
              Grant access
            </Button>
          </MessageBarActions>
        </MessageBar>
      )}
      {grant.status === 'atSave' && (
        <Checkbox
          checked={grantAtSave}
          onChange={(_event, data) => {
            onGrantAtSave(data.checked === true);
          }}
          label={`Grant access when saving: ${grant.action}, right after the identity is turned on.`}
        />
      )}
      {grant.status === 'notAllowed' && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>You may not grant the missing access</MessageBarTitle>
            {grant.reason} The command to run: <span className={styles.stepDetail}>{grant.azCommand}</span>
          </MessageBarBody>
        </MessageBar>
      )}

      <h4 className={styles.sectionTitle}>What will change</h4>
      {report.steps.length === 0 ? (
        <p className={styles.hint}>
          {turningOff
            ? `Nothing: the ${shortName} already uses Microsoft-managed keys.`
            : `Nothing: the ${shortName} already uses this key and identity.`}
        </p>
      ) : (
        <ol className={styles.steps} aria-label="What will change">
          {report.steps.map((step, index) => (
            <li key={`${step.kind}-${String(index)}`}>
              {step.title}
              <br />
              <span className={styles.stepDetail}>
                {step.method} {step.path}
              </span>
              <br />
              <span className={styles.hint}>{step.bodySummary}</span>
            </li>
          ))}
        </ol>
      )}
      {report.steps.length > 0 && <AzCommands commands={commands} />}
    </>
  );
}

function GrantResult({ result }: { result: GrantOutcome | CommandError }) {
  if (!('status' in result)) {
    return <CommandErrorBar title="Could not grant access" error={result} />;
  }
  switch (result.status) {
    case 'granted':
      return (
        <MessageBar intent="success" layout="multiline">
          <MessageBarBody>{result.message}</MessageBarBody>
        </MessageBar>
      );
    case 'nothingToGrant':
    case 'atSave':
      return (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>{result.reason}</MessageBarBody>
        </MessageBar>
      );
    case 'notAllowed':
      return (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            {result.reason} Command: {result.azCommand}
          </MessageBarBody>
        </MessageBar>
      );
  }
}

function AzCommands({ commands }: { commands: string }) {
  const styles = useChangeKeyPanelStyles();
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
        <h4 className={styles.sectionTitle} id="change-key-az">
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
      <pre className={styles.code} aria-labelledby="change-key-az">
        <code>{commands}</code>
      </pre>
    </>
  );
}

/** Opens the review that turns on the vault's soft delete and purge protection. */
export function ProtectVaultButton({ onClick }: { onClick: () => void }) {
  return <Button onClick={onClick}>Turn on purge protection</Button>;
}
