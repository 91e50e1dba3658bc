import type { RotationPolicy } from '../../bindings';

export type DurationUnit = 'days' | 'months' | 'years';

/** The Edit rotation policy form, as typed. Numbers stay text so a half-typed field is not lost. */
export interface RotationPolicyFormState {
  rotate: boolean;
  rotateEvery: string;
  rotateUnit: DurationUnit;
  notify: boolean;
  notifyDays: string;
  expire: boolean;
  expireAfter: string;
  expireUnit: DurationUnit;
}

const unitLetters: Record<DurationUnit, string> = { days: 'D', months: 'M', years: 'Y' };

/** Key Vault's minimums (rotate after creation ≥ 7 days, notify ≥ 7 days before expiry, expiry ≥ 28 days), in days. */
const minimumDays = { rotate: 7, notify: 7, expire: 28 };

/** The shortest a duration can be in days (a month counts 28, a year 365), as keyblade-core counts for the minimums. */
function minDays(count: number, unit: DurationUnit): number {
  return unit === 'days' ? count : unit === 'months' ? count * 28 : count * 365;
}

function parseDuration(text: string): { count: number; unit: DurationUnit } | null {
  const match = /^P(\d+)([DMY])$/i.exec(text.trim());
  if (match === null) return null;
  const letter = (match[2] ?? 'D').toUpperCase();
  const unit: DurationUnit = letter === 'Y' ? 'years' : letter === 'M' ? 'months' : 'days';
  return { count: Number(match[1]), unit };
}

/** The form for an existing policy (Key Vault's default when there is none: notify 30 days before expiry). */
export function formFromPolicy(policy: RotationPolicy | null): RotationPolicyFormState {
  const rotate = parseDuration(policy?.rotateAfterCreate ?? '');
  const notify = parseDuration(policy?.notifyBeforeExpiry ?? '');
  const expire = parseDuration(policy?.expiryTime ?? '');
  return {
    rotate: rotate !== null,
    rotateEvery: String(rotate?.count ?? 90),
    rotateUnit: rotate?.unit ?? 'days',
    notify: notify !== null,
    notifyDays: String(notify === null ? 30 : minDays(notify.count, notify.unit)),
    expire: expire !== null,
    expireAfter: String(expire?.count ?? 2),
    expireUnit: expire?.unit ?? 'years',
  };
}

export interface RotationPolicyFormErrors {
  rotateEvery?: string;
  notifyDays?: string;
  expireAfter?: string;
}

function wholeNumber(text: string): number | null {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
}

/** What is wrong with each field, in the words of the form; empty when the form can be reviewed. */
export function validatePolicyForm(state: RotationPolicyFormState): RotationPolicyFormErrors {
  const errors: RotationPolicyFormErrors = {};
  if (state.rotate) {
    const n = wholeNumber(state.rotateEvery);
    if (n === null || n === 0) errors.rotateEvery = 'Enter a whole number, e.g. 90.';
    else if (minDays(n, state.rotateUnit) < minimumDays.rotate) errors.rotateEvery = 'Key Vault rotates at most every 7 days.';
  }
  if (state.notify) {
    const n = wholeNumber(state.notifyDays);
    if (n === null || n === 0) errors.notifyDays = 'Enter a whole number of days, e.g. 30.';
    else if (n < minimumDays.notify) errors.notifyDays = 'Key Vault notifies at least 7 days before expiry.';
  }
  if (state.expire) {
    const n = wholeNumber(state.expireAfter);
    if (n === null || n === 0) errors.expireAfter = 'Enter a whole number, e.g. 2.';
    else if (minDays(n, state.expireUnit) < minimumDays.expire) errors.expireAfter = 'New versions must live at least 28 days.';
    else if (state.notify) {
      const notify = wholeNumber(state.notifyDays);
      if (notify !== null && notify >= minDays(n, state.expireUnit)) {
        errors.notifyDays = 'Notify fewer days before expiry than versions live.';
      }
    }
  }
  return errors;
}

/** The policy the form describes, in Key Vault's ISO 8601 durations (e.g. P90D); null while it has errors. */
export function policyFromForm(state: RotationPolicyFormState): RotationPolicy | null {
  if (Object.keys(validatePolicyForm(state)).length > 0) return null;
  const duration = (count: string, unit: DurationUnit) => `P${String(Number(count.trim()))}${unitLetters[unit]}`;
  return {
    rotateAfterCreate: state.rotate ? duration(state.rotateEvery, state.rotateUnit) : null,
    rotateBeforeExpiry: null,
    notifyBeforeExpiry: state.notify ? duration(state.notifyDays, 'days') : null,
    expiryTime: state.expire ? duration(state.expireAfter, state.expireUnit) : null,
  };
}
