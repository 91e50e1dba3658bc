import type { DesiredChange, IdentityChoice, KeySource, KeyUriInfo, KindRules } from '../../bindings';
import { kindPlural } from '../../model/kindRules';
import type { IdentityDraft } from './IdentitySection';

// The Change key panel's form, as pure functions of the kind's rules (app_info's `kinds` row) and the choices.

/** The portal's words for the Encryption type choice. */
export const encryptionTypeLabels: Record<KeySource, string> = {
  microsoftManaged: 'Microsoft-managed keys',
  customerManaged: 'Customer-managed keys',
};

/** What Microsoft-managed keys mean, said once when they are chosen. */
export const microsoftManagedSentence =
  'Azure encrypts the data with a key it manages. Nothing in your key vault is used after this.';

/** Whether the panel offers Encryption type (Microsoft-managed or customer-managed keys): only when the kind can go back. */
export function offersEncryptionType(rules: KindRules): boolean {
  return rules.canDisable;
}

/** The identity types the kind can reach its key with, in the portal's order. */
export function identityTypes(rules: KindRules): IdentityDraft['type'][] {
  const types: IdentityDraft['type'][] = [];
  if (rules.userAssignedIdentity) types.push('userAssigned');
  if (rules.systemAssignedIdentity) types.push('systemAssigned');
  return types;
}

/** The identity the form starts with: the one in use when the kind allows it, else the first the kind allows. */
export function initialIdentityDraft(
  rules: KindRules,
  inUse: { kind: 'systemAssigned' | 'userAssigned'; resourceId: string | null } | null,
): IdentityDraft {
  const allowed = identityTypes(rules);
  if (inUse?.kind === 'systemAssigned' && allowed.includes('systemAssigned')) return { type: 'systemAssigned' };
  if (allowed.includes('userAssigned')) return { type: 'userAssigned', resourceId: inUse?.resourceId ?? null };
  return { type: 'systemAssigned' };
}

/** The identity the back end is asked for, or null while a user-assigned one is not picked yet. */
export function identityChoice(draft: IdentityDraft): IdentityChoice | null {
  if (draft.type === 'systemAssigned') return { type: 'systemAssigned' };
  return draft.resourceId === null ? null : { type: 'userAssigned', resourceId: draft.resourceId };
}

/** How Select from Key Vault's Version list works for the kind. */
export interface VersionRule {
  /** Whether "Always use the current version (automatic rotation)" is offered. */
  allowUnversioned: boolean;
  /** One sentence on why only specific versions are offered; null when the kind follows new versions. */
  explanation: string | null;
  /** The Version list's hint with no version picked (unversioned), and with one picked (versioned). */
  unversionedHint: string;
  pinnedHint: string;
  /** The Key version choice (latest or this version); null when the kind needs a version. */
  choices: KeyVersionChoice[] | null;
}

export function versionRule(rules: KindRules): VersionRule {
  const pinned = `Versioned: manual rotation. The ${rules.shortName} stays on this key version until you change it.`;
  if (rules.followsNewVersions) {
    return {
      allowUnversioned: true,
      explanation: null,
      unversionedHint: `Unversioned: automatic rotation. The ${rules.shortName} moves to each new key version by itself, ${rules.automaticRotation}.`,
      pinnedHint: pinned,
      choices: keyVersionChoices(rules),
    };
  }
  const explanation = `${kindPlural(rules)} do not follow new key versions, so choose a specific version; to move to a newer one later, change the key again.`;
  return {
    allowUnversioned: false,
    explanation,
    unversionedHint: explanation,
    pinnedHint: `${pinned} ${explanation}`,
    choices: keyVersionChoices(rules),
  };
}

/** Key version: follow the key (unversioned) or stay on one version. */
export type KeyVersionMode = 'latest' | 'pinned';

export interface KeyVersionChoice {
  value: KeyVersionMode;
  label: string;
  /** One sentence on what it means for the kind. */
  sentence: string;
}

/**
 * The Key version choice, in the kind's words; null for a kind that never follows new versions (Azure AI
 * services), where a version is required and the Version list alone says so.
 */
export function keyVersionChoices(rules: KindRules): KeyVersionChoice[] | null {
  if (!rules.followsNewVersions) return null;
  return [
    {
      value: 'latest',
      label: 'Always use the latest version (automatic rotation)',
      sentence: `The ${rules.shortName} moves to each new key version by itself, ${rules.automaticRotation}.`,
    },
    {
      value: 'pinned',
      label: 'Use this version (manual rotation)',
      sentence: `The ${rules.shortName} stays on the version you pick until you change it; new versions are not picked up.`,
    },
  ];
}

/** Which Key version choice a Select from Key Vault choice stands for. */
export function keyVersionMode(choice: { version: unknown; pinVersion?: boolean }): KeyVersionMode {
  return choice.version !== null || choice.pinVersion === true ? 'pinned' : 'latest';
}

/**
 * Why a checked key URI cannot be used for the kind, before preflight (the back end refuses it too), or null.
 * A kind that does not follow new key versions needs the URI of a key version.
 */
export function keyUriProblem(rules: KindRules, info: Pick<KeyUriInfo, 'version'>): string | null {
  if (rules.followsNewVersions || info.version !== null) return null;
  return `${kindPlural(rules)} do not follow new key versions: enter the URI of a key version (…/keys/{key name}/{version}), not of the key.`;
}

/** What the form asks preflight and Save for, or null while it is incomplete. */
export function desiredChange(input: {
  keySource: KeySource;
  keyUri: string | null;
  identity: IdentityChoice | null;
  grantAccess: boolean;
}): DesiredChange | null {
  if (input.keySource === 'microsoftManaged') {
    return {
      keySource: 'microsoftManaged',
      keyUri: '',
      identity: input.identity ?? { type: 'systemAssigned' },
      grantAccess: false,
    };
  }
  if (input.keyUri === null || input.identity === null) return null;
  return { keySource: 'customerManaged', keyUri: input.keyUri, identity: input.identity, grantAccess: input.grantAccess };
}

/** Why the form cannot be previewed yet (shown in Review), for an incomplete customer-managed choice. */
export function incompleteReason(rules: KindRules, keyUri: string | null, keyChosenWithoutVersion: boolean): string {
  if (keyUri === null) {
    return keyChosenWithoutVersion
      ? 'Choose a key version to see what will change.'
      : 'Choose a key (or enter a valid key URI) to see what will change.';
  }
  return `Choose the identity the ${rules.shortName} uses to reach the key.`;
}

/** Whether Save asks "Turn off customer-managed keys?" before it runs. */
export function saveNeedsConfirmation(desired: DesiredChange | null): boolean {
  return desired?.keySource === 'microsoftManaged';
}
