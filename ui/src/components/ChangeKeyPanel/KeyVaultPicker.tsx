import {
  Button,
  Field,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  Select,
  Spinner,
} from '@fluentui/react-components';
import { AddRegular, LinkRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { listKeys, listKeyVersions, listSubscriptions, listVaults } from '../../api';
import type { KeyOption, VaultOption } from '../../bindings';
import { useCommand } from '../../hooks/useCommand';
import { keyVersionMode, type VersionRule } from './changeKeyForm';
import { vaultKeysPrefix } from '../../model/keyVaultHosts';
import { CommandErrorBar } from '../CommandErrorBar';
import { CreateKeyDialog, CreateVaultDialog } from './CreateDialogs';
import { OpenVaultDialog } from './OpenVaultDialog';
import { ProtectVaultButton } from './ReviewSection';
import { useChangeKeyPanelStyles } from './useChangeKeyPanelStyles.styles';
import {
  keyOptionLabel,
  openedVaultOption,
  vaultOptionLabel,
  versionOptionLabel,
  type VaultChoice,
} from './vaultChoice';


export interface KeyVaultPickerProps {
  choice: VaultChoice;
  onChange: (choice: VaultChoice) => void;
  /** Where "Create new" puts a vault by default: the registry's resource group and location. */
  defaults: { resourceGroup: string; location: string };
  /** Switches to Enter key URI, prefilled with this vault's key URI prefix. */
  onEnterUriInstead: (prefix: string) => void;
  /** The active cloud's Key Vault DNS suffix: the vault's URI when Azure did not give one. */
  keyVaultSuffix: string;
  /** Whether the kind may store the key without a version, and the Version list's hints. */
  versionRule: VersionRule;
  /** Opens the review that turns on a vault's soft delete and purge protection. */
  onProtectVault: (vaultId: string) => void;
  /** Changes when a vault's settings changed here (e.g. its purge protection): the vault list is read again. */
  vaultsEpoch: number;
}

const unversioned = '';

export function KeyVaultPicker({
  choice,
  onChange,
  defaults,
  onEnterUriInstead,
  keyVaultSuffix,
  versionRule,
  onProtectVault,
  vaultsEpoch,
}: KeyVaultPickerProps) {
  const styles = useChangeKeyPanelStyles();
  const subscriptions = useCommand('subscriptions', listSubscriptions, 'list_subscriptions');
  const vaults = useCommand(
    `vaults:${choice.subscriptionId}:${String(vaultsEpoch)}`,
    () => listVaults(choice.subscriptionId),
    'list_vaults',
  );
  const [createdVaults, setCreatedVaults] = useState<VaultOption[]>([]);
  const [createdKeys, setCreatedKeys] = useState<KeyOption[]>([]);
  // Vaults opened by URI stay in the list for the panel's life, whatever subscription is chosen.
  const [openedVaults, setOpenedVaults] = useState<VaultOption[]>([]);
  const [creating, setCreating] = useState<'vault' | 'key' | 'openByUri' | null>(null);

  const vault = choice.vault;
  const keysReadable = vault?.keys.status === 'allowed' && vault.vaultUri !== null;
  const vaultUri = vault?.vaultUri ?? '';
  const keys = useCommand(keysReadable ? `keys:${vaultUri}` : null, () => listKeys(vaultUri), 'list_keys');
  const keyName = choice.key?.name ?? '';
  const versions = useCommand(
    keysReadable && choice.key !== null ? `versions:${vaultUri}:${keyName}` : null,
    () => listKeyVersions(vaultUri, keyName),
    'list_key_versions',
  );

  const vaultList = mergeById(vaults.state.status === 'loaded' ? vaults.state.value : [], createdVaults, (v) => v.id)
    .filter((v) => v.subscriptionId.toLowerCase() === choice.subscriptionId.toLowerCase())
    .concat(openedVaults);
  const keyList = mergeById(
    keys.state.status === 'loaded' ? keys.state.value : [],
    createdKeys.filter((k) => k.kid.toLowerCase().startsWith(vaultUri.toLowerCase())),
    (k) => k.kid,
  );
  const versionList = versions.state.status === 'loaded' ? versions.state.value : [];

  /** A vault from Create new key vault: created, recovered, or the subscription's one of that name. */
  const pickVault = (picked: VaultOption) => {
    // The list may not have it yet (created or recovered a moment ago); merged lists skip duplicates.
    setCreatedVaults((list) => [...list, picked]);
    onChange({ ...choice, vault: picked, key: null, version: null });
    setCreating(null);
  };

  return (
    <>
      {subscriptions.state.status === 'failed' && (
        <CommandErrorBar
          title="Could not load subscriptions"
          error={subscriptions.state.error}
          onRetry={subscriptions.reload}
        />
      )}
      <Field label="Subscription" required>
        <Select
          value={choice.subscriptionId}
          onChange={(_event, data) => {
            onChange({ subscriptionId: data.value, vault: null, key: null, version: null });
          }}
        >
          {subscriptions.state.status !== 'loaded' && (
            <option value={choice.subscriptionId}>{choice.subscriptionId}</option>
          )}
          {subscriptions.state.status === 'loaded' &&
            subscriptions.state.value.map((s) => (
              <option key={s.subscriptionId} value={s.subscriptionId}>
                {s.displayName}
              </option>
            ))}
        </Select>
      </Field>

      {vaults.state.status === 'loading' && <Spinner size="tiny" label="Loading key vaults…" />}
      {vaults.state.status === 'failed' && (
        <CommandErrorBar title="Could not list key vaults" error={vaults.state.error} onRetry={vaults.reload} />
      )}
      <PickOrCreate
        label="Key vault"
        hint={vaultList.length === 0 && vaults.state.status === 'loaded' ? 'This subscription has no key vaults. Create one.' : null}
        value={vault?.id ?? ''}
        disabled={vaults.state.status !== 'loaded' && openedVaults.length === 0}
        placeholder="Select a key vault"
        options={vaultList.map((v) => ({ value: v.id, label: vaultOptionLabel(v) }))}
        onPick={(id) => {
          onChange({ ...choice, vault: vaultList.find((v) => v.id === id) ?? null, key: null, version: null });
        }}
        createLabel="Create new key vault"
        onCreate={() => {
          setCreating('vault');
        }}
      />

      <Button
        className={styles.alignStart}
        appearance="subtle"
        icon={<LinkRegular />}
        onClick={() => {
          setCreating('openByUri');
        }}
      >
        Open key vault by URI
      </Button>

      {vault !== null && vault.keys.status !== 'allowed' && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>keyblade cannot list the keys of {vault.name}</MessageBarTitle>
            {vault.keys.reason} You can still enter the key's URI.
          </MessageBarBody>
          <MessageBarActions>
            <Button
              onClick={() => {
                onEnterUriInstead(
                  vault.vaultUri === null ? vaultKeysPrefix(vault.name, keyVaultSuffix) : `${vault.vaultUri}keys/`,
                );
              }}
            >
              Enter key URI instead
            </Button>
          </MessageBarActions>
        </MessageBar>
      )}
      {vault !== null && (!vault.softDelete || !vault.purgeProtection) && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            Vault {vault.name} has {vault.softDelete ? '' : 'soft delete '}
            {!vault.softDelete && !vault.purgeProtection ? 'and ' : ''}
            {vault.purgeProtection ? '' : 'purge protection '}off. A customer-managed key needs both.
          </MessageBarBody>
          <MessageBarActions>
            <ProtectVaultButton
              onClick={() => {
                onProtectVault(vault.id);
              }}
            />
          </MessageBarActions>
        </MessageBar>
      )}

      {keysReadable && (
        <>
          {keys.state.status === 'loading' && <Spinner size="tiny" label="Loading keys…" />}
          {keys.state.status === 'failed' && (
            <CommandErrorBar title="Could not list keys" error={keys.state.error} onRetry={keys.reload} />
          )}
          <PickOrCreate
            label="Key"
            hint={null}
            value={choice.key?.kid ?? ''}
            disabled={keys.state.status !== 'loaded'}
            placeholder="Select a key"
            options={keyList.map((k) => ({ value: k.kid, label: keyOptionLabel(k) }))}
            onPick={(kid) => {
              onChange({ ...choice, key: keyList.find((k) => k.kid === kid) ?? null, version: null });
            }}
            createLabel="Create new key"
            onCreate={() => {
              setCreating('key');
            }}
          />
        </>
      )}

      {choice.key !== null && (
        <>
          {versions.state.status === 'failed' && (
            <CommandErrorBar title="Could not list key versions" error={versions.state.error} onRetry={versions.reload} />
          )}
          {versionRule.choices !== null && (
            <Field label="Key version">
              <RadioGroup
                value={keyVersionMode(choice)}
                onChange={(_event, data) => {
                  onChange(
                    data.value === 'pinned'
                      ? { ...choice, pinVersion: true }
                      : { ...choice, pinVersion: false, version: null },
                  );
                }}
              >
                {versionRule.choices.map((option) => (
                  <Radio
                    key={option.value}
                    value={option.value}
                    label={
                      <>
                        {option.label}
                        <span className={styles.choiceSentence}>{option.sentence}</span>
                      </>
                    }
                  />
                ))}
              </RadioGroup>
            </Field>
          )}
          <Field
            label="Version"
            required={!versionRule.allowUnversioned}
            hint={choice.version === null ? versionRule.unversionedHint : versionRule.pinnedHint}
          >
            <Select
              value={choice.version?.version ?? unversioned}
              onChange={(_event, data) => {
                const picked = versionList.find((v) => v.version === data.value) ?? null;
                // Picking a version is choosing manual rotation; the empty option is the latest version.
                onChange({ ...choice, version: picked, pinVersion: picked !== null || (choice.pinVersion === true && data.value !== unversioned) });
              }}
            >
              <option value={unversioned}>
                {versionRule.allowUnversioned && keyVersionMode(choice) === 'latest'
                  ? 'Always use the current version (automatic rotation)'
                  : 'Select a version'}
              </option>
              {versionList.map((v) => (
                <option key={v.version} value={v.version}>
                  {versionOptionLabel(v)}
                </option>
              ))}
            </Select>
          </Field>
        </>
      )}

      {creating === 'vault' && (
        <CreateVaultDialog
          subscriptionId={choice.subscriptionId}
          defaults={defaults}
          onClose={() => {
            setCreating(null);
          }}
          onCreated={pickVault}
          onSelect={pickVault}
        />
      )}
      {creating === 'openByUri' && (
        <OpenVaultDialog
          keyVaultSuffix={keyVaultSuffix}
          onClose={() => {
            setCreating(null);
          }}
          onOpened={(opened) => {
            const option = openedVaultOption(opened, choice.subscriptionId);
            setOpenedVaults((list) => [...list.filter((v) => v.id !== option.id), option]);
            onChange({ ...choice, vault: option, key: null, version: null });
            setCreating(null);
          }}
        />
      )}
      {creating === 'key' && vault?.vaultUri !== undefined && vault.vaultUri !== null && (
        <CreateKeyDialog
          vaultName={vault.name}
          vaultUri={vault.vaultUri}
          existingKeys={keyList}
          onClose={() => {
            setCreating(null);
          }}
          onCreated={(created) => {
            setCreatedKeys((list) => [...list, created]);
            onChange({ ...choice, key: created, version: null });
            setCreating(null);
          }}
          onSelect={(existing) => {
            onChange({ ...choice, key: existing, version: null });
            setCreating(null);
          }}
          onNameTaken={keys.reload}
        />
      )}
    </>
  );
}

interface PickOrCreateProps {
  label: string;
  hint: string | null;
  value: string;
  disabled: boolean;
  /** The empty choice's text, e.g. "Select a key". */
  placeholder: string;
  options: readonly { value: string; label: string }[];
  onPick: (value: string) => void;
  /** The Create new button's accessible name, e.g. "Create new key". */
  createLabel: string;
  onCreate: () => void;
}

/** The portal's picker row: a required list, and "Create new" beside it. */
function PickOrCreate({ label, hint, value, disabled, placeholder, options, onPick, createLabel, onCreate }: PickOrCreateProps) {
  const styles = useChangeKeyPanelStyles();
  return (
    <div className={styles.row}>
      <Field className={styles.grow} label={label} required hint={hint}>
        <Select
          value={value}
          disabled={disabled}
          onChange={(_event, data) => {
            onPick(data.value);
          }}
        >
          <option value="">{placeholder}</option>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </Select>
      </Field>
      <Button className={styles.noShrink} icon={<AddRegular />} aria-label={createLabel} onClick={onCreate}>
        Create new
      </Button>
    </div>
  );
}

function mergeById<T>(listed: readonly T[], created: readonly T[], id: (item: T) => string): T[] {
  const seen = new Set(listed.map((item) => id(item).toLowerCase()));
  return [...listed, ...created.filter((item) => !seen.has(id(item).toLowerCase()))];
}

