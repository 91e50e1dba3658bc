import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DrawerBody,
  DrawerFooter,
  Field,
  Input,
  Radio,
  RadioGroup,
} from '@fluentui/react-components';
import { useId, useState } from 'react';
import {
  grantAccess,
  listIdentities,
  preflight,
  toCommandError,
  validateKeyUri,
} from '../../api';
import type {
  CommandError,
  DesiredChange,
  EncryptionView,
  GrantOutcome,
  IdentityOptions,
  KeyUriInfo,
  KindRules,
} from '../../bindings';
import { useCommand, type Loadable } from '../../hooks/useCommand';
import { useDebounced } from '../../hooks/useDebounced';
import { uriRotationText } from '../../model/encryptionText';
import { kindDisplayName } from '../../model/kindRules';
import { keyUriHint } from '../../model/keyVaultHosts';
import type { SaveRequest } from '../../state/encryption/runSave';
import type { AppNotification } from '../../state/notifications';
import { LifecycleReview } from '../LifecycleReview';
import { SidePanel } from '../SidePanel';
import {
  desiredChange,
  encryptionTypeLabels,
  identityChoice,
  identityTypes,
  incompleteReason,
  initialIdentityDraft,
  keyUriProblem,
  microsoftManagedSentence,
  versionRule,
} from './changeKeyForm';
import { IdentitySection, type IdentityDraft } from './IdentitySection';
import { KeyVaultPicker } from './KeyVaultPicker';
import { choiceKeyUri, type VaultChoice } from './vaultChoice';
import { ReviewSection, type PreflightState } from './ReviewSection';
import { RunningSaveBar } from './RunningSaveBar';
import { useChangeKeyPanelStyles } from './useChangeKeyPanelStyles.styles';
import { useEncryptionType } from './useEncryptionType';

/** How long typing must pause before the key URI is checked, and before preflight runs. */
export const keyUriCheckDelayMs = 300;
export const preflightDelayMs = 400;

export interface ChangeKeyPanelProps {
  open: boolean;
  onClose: () => void;
  /** The resource's encryption as the blade shows it. */
  view: EncryptionView | null;
  /** The rules of the view's kind (app_info's `kinds` row); the form shows only what the kind allows. */
  rules: KindRules | null;
  /** Opens Enter key URI with this URI (Update key version: the newer version's URI); else Select from Key Vault. */
  initialKeyUri?: string | null;
  /** Starts the save (the caller follows it in a notification); the panel closes. */
  onSave: (request: SaveRequest) => void;
  /** The active cloud's Key Vault DNS suffix (app_info's `cloud.keyVaultSuffix`), for hints and prefills. */
  keyVaultSuffix: string;
  /** The notification of a save of this registry that has not finished (running, or watched); else null. */
  runningSave?: AppNotification | null;
  /** Cancel save on `runningSave`. */
  onCancelSave?: (id: string) => void;
}

/** The portal's Change key side panel: Encryption key, Identity, then Review and Save. */
export function ChangeKeyPanel({
  open,
  onClose,
  view,
  rules,
  initialKeyUri = null,
  onSave,
  keyVaultSuffix,
  runningSave = null,
  onCancelSave = () => undefined,
}: ChangeKeyPanelProps) {
  return (
    <SidePanel open={open} onClose={onClose} title="Change key" closeLabel="Close Change key" size="medium">
      {view !== null && rules !== null && (
        <ChangeKeyForm
          view={view}
          rules={rules}
          initialKeyUri={initialKeyUri}
          onClose={onClose}
          onSave={onSave}
          keyVaultSuffix={keyVaultSuffix}
          runningSave={runningSave}
          onCancelSave={onCancelSave}
        />
      )}
    </SidePanel>
  );
}

type KeyMode = 'vault' | 'uri';

function ChangeKeyForm({
  view,
  rules,
  initialKeyUri,
  onClose,
  onSave,
  keyVaultSuffix,
  runningSave,
  onCancelSave,
}: Omit<ChangeKeyPanelProps, 'open' | 'view' | 'rules' | 'initialKeyUri' | 'runningSave' | 'onCancelSave'> & {
  view: EncryptionView;
  rules: KindRules;
  initialKeyUri: string | null;
  runningSave: AppNotification | null;
  onCancelSave: (id: string) => void;
}) {
  const styles = useChangeKeyPanelStyles();
  const blockerId = useId();
  const encryptionType = useEncryptionType(rules);
  const { keySource, turningOff } = encryptionType;
  const [mode, setMode] = useState<KeyMode>(initialKeyUri === null ? 'vault' : 'uri');
  const versions = versionRule(rules);
  // The vault whose soft delete and purge protection are under review, and a counter that makes the
  // vault list be read again once they changed.
  const [protectingVault, setProtectingVault] = useState<string | null>(null);
  const [vaultsEpoch, setVaultsEpoch] = useState(0);
  const [vaultChoice, setVaultChoice] = useState<VaultChoice>({
    subscriptionId: view.subscriptionId,
    vault: null,
    key: null,
    version: null,
  });
  const [uriInput, setUriInput] = useState(initialKeyUri ?? view.key?.keyUri ?? '');
  const [identityDraft, setIdentityDraft] = useState<IdentityDraft>(() =>
    initialIdentityDraft(rules, view.identity === null ? null : { kind: view.identity.kind, resourceId: view.identity.resourceId }),
  );
  const [turnOnSystem, setTurnOnSystem] = useState(false);
  const [grantAtSave, setGrantAtSave] = useState(false);

  // Enter key URI: checked as the user types, once typing pauses.
  const typedUri = useDebounced(uriInput.trim(), keyUriCheckDelayMs);
  const uriCheck = useCommand(
    mode === 'uri' && typedUri !== '' ? `uri:${typedUri}` : null,
    () => validateKeyUri(typedUri),
    'validate_key_uri',
  );
  const uriSettled = typedUri === uriInput.trim();
  const uriProblem = uriCheck.state.status === 'loaded' ? keyUriProblem(rules, uriCheck.state.value) : null;
  const typedKeyUri =
    uriSettled && uriCheck.state.status === 'loaded' && uriProblem === null ? uriCheck.state.value.canonical : null;

  const identities = useCommand(`identities:${view.registryId}`, () => listIdentities(view.registryId), 'list_identities');
  // Reading the identities again after an attach must not blank the Identity section: keep the last list
  // on screen until the new one arrives.
  const [lastIdentities, setLastIdentities] = useState<Loadable<IdentityOptions> | null>(null);
  if (identities.state.status !== 'loading' && identities.state.status !== 'idle' && identities.state !== lastIdentities) {
    setLastIdentities(identities.state);
  }
  const shownIdentities =
    identities.state.status === 'loading' && lastIdentities?.status === 'loaded' ? lastIdentities : identities.state;
  const identityOptions = shownIdentities.status === 'loaded' ? shownIdentities.value : null;

  const keyUri = mode === 'vault' ? choiceKeyUri(vaultChoice, versions.allowUnversioned) : typedKeyUri;
  const identity = identityChoice(identityDraft);
  const desired = desiredChange({ keySource, keyUri, identity, grantAccess: grantAtSave });

  // Preflight: once the choice stops changing, and again after a grant.
  const desiredKey = desired === null ? null : JSON.stringify(desired);
  const settledKey = useDebounced(desiredKey, preflightDelayMs);
  const check = useCommand(
    settledKey === null ? null : `preflight:${settledKey}`,
    () => preflight(view.registryId, JSON.parse(settledKey ?? 'null') as DesiredChange),
    'preflight',
  );
  const preflightState: PreflightState = (() => {
    if (desired === null) {
      return {
        status: 'incomplete',
        reason: incompleteReason(rules, keyUri, mode === 'vault' && vaultChoice.key !== null),
      };
    }
    if (settledKey !== desiredKey) return { status: 'checking' };
    switch (check.state.status) {
      case 'idle':
      case 'loading':
        return { status: 'checking' };
      case 'failed':
        return { status: 'failed', error: check.state.error };
      case 'loaded':
        return { status: 'ready', report: check.state.value };
    }
  })();

  const systemConsentMissing =
    !turningOff &&
    identityDraft.type === 'systemAssigned' && identityOptions?.systemAssignedEnabled === false && !turnOnSystem;
  const etag = preflightState.status === 'ready' ? (preflightState.report.etag ?? view.etag) : view.etag;
  const saveBlocker = ((): string | null => {
    if (runningSave !== null) {
      return `A save of ${view.registryName} has not finished: wait for it to end (see Notifications), or cancel it, before saving again.`;
    }
    if (desired === null) return 'Save is available once a key and an identity are chosen and preflight finds no errors.';
    if (systemConsentMissing) {
      return 'The system-assigned identity is off: tick "Turn on the system-assigned identity" to use it, or choose a user-assigned identity.';
    }
    switch (preflightState.status) {
      case 'checking':
        return 'Wait for the preflight checks to finish.';
      case 'failed':
        return 'Preflight could not run; retry it before saving.';
      case 'incomplete':
        return preflightState.reason;
      case 'ready':
        if (!preflightState.report.canSave) return 'Preflight found errors: fix them before saving (see Review).';
        if (preflightState.report.steps.length === 0) {
          return turningOff
            ? `Nothing to save: the ${rules.shortName} already uses Microsoft-managed keys.`
            : `Nothing to save: the ${rules.shortName} already uses this key and identity.`;
        }
        return etag === null ? `The ${rules.shortName}'s ETag is unknown: refresh the blade, then try again.` : null;
    }
  })();

  const save = () => {
    if (desired === null || etag === null || preflightState.status !== 'ready') return;
    onSave({
      registryId: view.registryId,
      registryName: view.registryName,
      desired,
      etag,
      planSteps: preflightState.report.steps.length,
    });
    onClose();
  };

  const grant = async (): Promise<GrantOutcome | CommandError> => {
    if (desired === null) {
      return { code: 'ui.incomplete', message: 'Choose a key and an identity first.', details: null };
    }
    try {
      return await grantAccess(view.registryId, desired);
    } catch (rejection: unknown) {
      return toCommandError(rejection, 'grant_access');
    }
  };

  const uriField = uriFieldState(uriInput, uriSettled, uriCheck.state, uriProblem);

  return (
    <>
      <DrawerBody>
        <div className={styles.form}>
          <p className={styles.hint}>
            {kindDisplayName(rules)} {view.registryName}. Nothing is changed until you select Save, after the review
            below.
          </p>
          {runningSave !== null && <RunningSaveBar save={runningSave} onCancel={onCancelSave} />}
          {encryptionType.offered && (
            <fieldset className={styles.section}>
              <legend className={styles.sectionTitle}>Encryption type</legend>
              <RadioGroup
                aria-label="Encryption type"
                value={keySource}
                onChange={(_event, data) => {
                  encryptionType.choose(data.value === 'microsoftManaged' ? 'microsoftManaged' : 'customerManaged');
                }}
              >
                <Radio value="microsoftManaged" label={encryptionTypeLabels.microsoftManaged} />
                <Radio value="customerManaged" label={encryptionTypeLabels.customerManaged} />
              </RadioGroup>
              {turningOff && <p className={styles.hint}>{microsoftManagedSentence}</p>}
            </fieldset>
          )}
          {!turningOff && (
            <fieldset className={styles.section}>
              <legend className={styles.sectionTitle}>Encryption key</legend>
              <RadioGroup
                aria-label="Encryption key"
                value={mode}
                onChange={(_event, data) => {
                  setMode(data.value === 'uri' ? 'uri' : 'vault');
                }}
              >
                <Radio value="vault" label="Select from Key Vault" />
                <Radio value="uri" label="Enter key URI" />
              </RadioGroup>
              {mode === 'vault' ? (
                <KeyVaultPicker
                  choice={vaultChoice}
                  onChange={setVaultChoice}
                  versionRule={versions}
                  defaults={{ resourceGroup: view.resourceGroup, location: view.location }}
                  keyVaultSuffix={keyVaultSuffix}
                  onEnterUriInstead={(prefix) => {
                    setUriInput(prefix);
                    setMode('uri');
                  }}
                  onProtectVault={setProtectingVault}
                  vaultsEpoch={vaultsEpoch}
                />
              ) : (
                <Field
                  label="Key URI"
                  required
                  validationState={uriField.state}
                  validationMessage={uriField.message}
                  hint={versions.explanation === null ? keyUriHint(keyVaultSuffix) : `${keyUriHint(keyVaultSuffix)} ${versions.explanation}`}
                >
                  <Input
                    value={uriInput}
                    onChange={(_event, data) => {
                      setUriInput(data.value);
                    }}
                    spellCheck={false}
                  />
                </Field>
              )}
            </fieldset>
          )}
          {!turningOff && (
            <IdentitySection
              allowed={identityTypes(rules)}
              shortName={rules.shortName}
              identities={shownIdentities}
              onRetry={identities.reload}
              choice={identityDraft}
              onChoice={setIdentityDraft}
              turnOnSystem={turnOnSystem}
              onTurnOnSystem={setTurnOnSystem}
            />
          )}
          <ReviewSection
            changeKey={desiredKey}
            preflight={preflightState}
            onRetry={check.reload}
            onGrant={grant}
            grantAtSave={grantAtSave}
            onGrantAtSave={setGrantAtSave}
            turningOff={turningOff}
            shortName={rules.shortName}
            onProtectVault={setProtectingVault}
          />
        </div>
      </DrawerBody>
      <DrawerFooter>
        <div className={styles.footer}>
          {saveBlocker !== null && (
            <p id={blockerId} className={styles.blocker}>
              {saveBlocker}
            </p>
          )}
          <div className={styles.footerButtons}>
            <Button
              appearance="primary"
              disabled={saveBlocker !== null}
              aria-describedby={saveBlocker === null ? undefined : blockerId}
              onClick={() => {
                encryptionType.requestSave(desired, save);
              }}
            >
              Save
            </Button>
            <Button onClick={onClose}>Cancel</Button>
          </div>
        </div>
      </DrawerFooter>
      {protectingVault !== null && (
        <LifecycleReview
          resourceId={view.registryId}
          action={{ action: 'protectVault', vaultId: protectingVault }}
          verb="Turn on purge protection"
          onClose={() => {
            setProtectingVault(null);
          }}
          onDone={(outcome) => {
            // The vault changed under the panel: read its list and the preflight again.
            setVaultsEpoch((n) => n + 1);
            if (
              (outcome.status === 'applied' || outcome.status === 'unchanged') &&
              vaultChoice.vault !== null &&
              vaultChoice.vault.id.toLowerCase() === protectingVault.toLowerCase()
            ) {
              setVaultChoice({ ...vaultChoice, vault: { ...vaultChoice.vault, softDelete: true, purgeProtection: true } });
            }
            check.reload();
          }}
        />
      )}
      {encryptionType.confirming && (
        <TurnOffDialog
          shortName={rules.shortName}
          name={view.registryName}
          onCancel={encryptionType.cancelTurnOff}
          onConfirm={() => {
            encryptionType.confirmTurnOff(save);
          }}
        />
      )}
    </>
  );
}

/** Save's confirmation when it turns customer-managed keys off; mounted to open it. */
function TurnOffDialog({
  shortName,
  name,
  onCancel,
  onConfirm,
}: {
  shortName: string;
  name: string;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <Dialog
      open
      modalType="alert"
      onOpenChange={(_event, data) => {
        if (!data.open) onCancel();
      }}
    >
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Turn off customer-managed keys?</DialogTitle>
          <DialogContent>
            The {shortName} {name} will use Microsoft-managed keys. {microsoftManagedSentence} You can choose a
            customer-managed key again later.
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" onClick={onConfirm}>
              Turn off
            </Button>
            <Button onClick={onCancel}>Cancel</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

function uriFieldState(
  input: string,
  settled: boolean,
  check: Loadable<KeyUriInfo>,
  problem: string | null,
): { state: 'none' | 'error' | 'success'; message: string | null } {
  if (input.trim() === '') return { state: 'none', message: null };
  if (settled && problem !== null) return { state: 'error', message: problem };
  switch (settled ? check.status : 'loading') {
    case 'failed':
      return check.status === 'failed'
        ? { state: 'error', message: check.error.message }
        : { state: 'none', message: null };
    case 'loaded':
      return check.status === 'loaded'
        ? { state: 'success', message: uriRotationText[check.value.rotation] }
        : { state: 'none', message: null };
    case 'idle':
    case 'loading':
      return { state: 'none', message: 'Checking the key URI…' };
  }
}
