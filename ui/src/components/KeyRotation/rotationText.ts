import type { KeyRotationView, KindRules } from '../../bindings';
import { formatTimestamp } from '../../model/encryptionText';

export interface RotationFact {
  term: string;
  value: string;
  monospace?: boolean;
}

/** "3 versions behind", "1 version behind", "Up to date", or why it is unknown. */
export function versionsBehindText(key: KeyRotationView): string {
  const n = key.versionsBehind;
  if (n === null) return 'Unknown';
  if (n === 0) return 'Up to date';
  return `${String(n)} version${n === 1 ? '' : 's'} behind`;
}

/** The Key rotation section's facts: versions, how far behind, last rotation, expiry. */
export function rotationFacts(key: KeyRotationView, locale?: string): RotationFact[] {
  const facts: RotationFact[] = [
    { term: 'Version in use', value: key.versionInUse ?? 'Unknown', monospace: true },
    { term: 'Latest version', value: key.latestVersion ?? 'Unknown', monospace: true },
    { term: 'Versions behind', value: versionsBehindText(key) },
    {
      term: 'Last rotation',
      value: key.lastRotation === null ? 'Never rotated' : formatTimestamp(key.lastRotation, locale),
    },
  ];
  facts.push({ term: 'Key expires', value: key.expires === null ? 'Never' : formatTimestamp(key.expires, locale) });
  return facts;
}

/** One sentence on how the resource takes new versions, in the kind's words. */
export function followSentence(key: KeyRotationView, rules: KindRules | null, locale?: string): string {
  const noun = rules?.shortName ?? 'resource';
  if (key.followsNewVersions) {
    const last =
      key.lastRotation === null
        ? 'It has not moved to a new version yet.'
        : `It last did on ${formatTimestamp(key.lastRotation, locale)}.`;
    return `The ${noun} uses the key without a version: it picks up each new version by itself, usually within an hour. ${last}`;
  }
  if (rules !== null && !rules.followsNewVersions) {
    return `An ${noun} stays on its key version until you use Update key version.`;
  }
  return `The ${noun} uses one version of the key and stays on it: new versions are not picked up until you rotate to them.`;
}
