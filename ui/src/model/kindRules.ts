import type { AppInfo } from '../api/contract';
import type { KeyInUse, KindRules, ResourceKind } from '../bindings';

/**
 * The rules of `kind` from app_info's table (`AppInfo.kinds`), or null when the table has no row for it (an
 * older back end). Every per-kind difference the UI shows comes from this row: no `kind === …` elsewhere.
 */
export function kindRulesFor(
  info: Pick<AppInfo, 'kinds'> | readonly KindRules[] | null,
  kind: ResourceKind,
): KindRules | null {
  if (info === null) return null;
  const rows = 'kinds' in info ? info.kinds : info;
  return rows.find((row) => row.kind === kind) ?? null;
}

/** A sentence's first letter in capitals: "storage account" → "Storage account". */
export function capitalized(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

/** The kind as a fact or a heading shows it, e.g. "Azure AI services account". */
export function kindDisplayName(rules: KindRules): string {
  return capitalized(rules.displayName);
}

/** The kind in the plural, as a sentence starts with it: "Azure AI services accounts". */
export function kindPlural(rules: KindRules): string {
  return `${capitalized(rules.displayName)}s`;
}

/** A key version as a short label: its first 8 characters, as the portal's lists abbreviate it. */
export function shortVersion(version: string): string {
  return version.length > 8 ? `${version.slice(0, 8)}…` : version;
}

/** The "Key rotation" fact of the Encryption blade, in the kind's terms. */
export function keyRotationText(rules: KindRules, key: Pick<KeyInUse, 'rotation'>): string {
  if (!rules.followsNewVersions) {
    return `Manual: ${kindPlural(rules)} do not follow new key versions. Update the key version yourself when you rotate the key.`;
  }
  return key.rotation === 'automatic'
    ? `Automatic: follows new key versions (the ${rules.shortName} picks up a new version ${rules.automaticRotation}).`
    : `Manual: stays on this version until you change the key.`;
}

/** What the blade says when a newer key version exists than the one in use; null when none does. */
export interface NewerVersionNotice {
  message: string;
  /** The newer version's versioned key URI, which Update key version prefills. */
  keyUri: string;
}

export function newerVersionNotice(rules: KindRules, key: KeyInUse | null): NewerVersionNotice | null {
  if (key === null) return null;
  const newer = key.newerVersion;
  if (newer === null) return null;
  const inUse = key.versionInUse === null ? 'an older version' : shortVersion(key.versionInUse);
  return {
    message: `A newer version of the key exists (${shortVersion(newer)}). The ${rules.shortName} still uses ${inUse}.`,
    keyUri: `${withSlash(key.vaultUri)}keys/${key.keyName}/${newer}`,
  };
}

function withSlash(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`;
}
