import type { EncryptionView, KindRules } from '../../bindings';
import {
  formatTimestamp,
  healthLabels,
  identityKindLabels,
  keySourceLabels,
  rotationExplanations,
  rotationLabels,
} from '../../model/encryptionText';
import { keyRotationText, kindDisplayName } from '../../model/kindRules';

export type Row = [term: string, value: string, monospace?: boolean];

/** The blade's facts, in the portal's order, in the kind's words. */
export function encryptionFacts(view: EncryptionView, rules: KindRules | null): Row[] {
  const key = view.key;
  const identity = view.identity;
  const rows: Row[] = [];
  if (rules !== null) rows.push(['Resource type', kindDisplayName(rules)]);
  if (view.sku !== '') rows.push(['Pricing tier', view.sku]);
  rows.push(['Encryption type', keySourceLabels[view.keySource]]);
  if (key !== null) {
    rows.push(
      ['Key vault', key.vaultName === '' ? key.vaultUri : key.vaultName],
      ['Key', key.keyName],
      ['Version in use', key.versionInUse ?? `Unknown (the ${rules?.shortName ?? 'resource'} does not report it)`, true],
    );
    if (key.latestVersion !== null && key.versionInUse !== null && key.latestVersion !== key.versionInUse) {
      rows.push(['Latest version', key.latestVersion, true]);
    }
    rows.push(
      ['Key URI', key.keyUri, true],
      [
        'Key rotation',
        rules === null ? `${rotationLabels[key.rotation]}: ${rotationExplanations[key.rotation]}` : keyRotationText(rules, key),
      ],
      ['Last key rotation', key.lastRotation === null ? 'Never rotated' : formatTimestamp(key.lastRotation)],
    );
  }
  if (identity !== null) {
    rows.push(['Identity', `${identity.name} (${identityKindLabels[identity.kind]})`]);
    if (identity.clientId !== null) {
      rows.push(['Client ID', identity.clientId, true]);
    } else if (identity.kind === 'systemAssigned') {
      // Resource Manager's identity block gives a system-assigned identity's object ID, not its client ID: show
      // what is known, under its own name.
      rows.push(['Object (principal) ID', identity.principalId ?? 'Unknown (the identity is off)', true]);
    } else {
      rows.push(['Client ID', 'Unknown', true]);
    }
    if (!identity.exists) {
      rows.push(['Identity status', 'Missing: deleted, detached or turned off']);
    }
  }
  rows.push(['Data health', healthLabels[view.health.status]]);
  rows.push(['Read at', formatTimestamp(view.checkedAt)]);
  return rows;
}
