import type { EncryptionView, Severity, HealthStatus, IdentityKind, Rotation } from '../bindings';

/** The portal's words for who holds the key. */
export const keySourceLabels: Record<EncryptionView['keySource'], string> = {
  customerManaged: 'Customer-managed key',
  microsoftManaged: 'Microsoft-managed key',
};

export const identityKindLabels: Record<IdentityKind, string> = {
  systemAssigned: 'System assigned',
  userAssigned: 'User assigned',
};

export const rotationLabels: Record<Rotation, string> = {
  automatic: 'Automatic',
  manual: 'Manual',
};

export const rotationExplanations: Record<Rotation, string> = {
  automatic: 'The registry moves to each new key version by itself.',
  manual: 'The registry stays on this key version until you change it.',
};

/** What a key URI with or without a version means, as the Change key panel says it. */
export const uriRotationText: Record<Rotation, string> = {
  automatic: 'Unversioned: automatic rotation',
  manual: 'Versioned: manual rotation',
};

export const healthLabels: Record<HealthStatus, string> = {
  healthy: 'Accessible',
  unhealthy: 'Inaccessible',
  unknown: 'Unknown',
  notApplicable: 'Not applicable',
};

export const severityIntents: Record<Severity, 'error' | 'warning' | 'info'> = {
  error: 'error',
  warning: 'warning',
  info: 'info',
};

export const severityLabels: Record<Severity, string> = {
  error: 'Error',
  warning: 'Warning',
  info: 'Information',
};

/** A timestamp from the shell (RFC 3339) in the user's locale, or a dash. */
export function formatTimestamp(value: string | null, locale?: string): string {
  if (value === null) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** A date from the shell (RFC 3339) in the user's locale, without the time, e.g. "Jun 12, 2026". */
export function formatDate(value: string, locale?: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date);
}
