import type { LifecyclePlanView, RevokeWay } from '../../bindings';

/** The four ways, in the order the panel offers them, with the portal's words. */
export const revokeWays: readonly { way: RevokeWay; label: string }[] = [
  { way: 'removeAccessPolicy', label: 'Remove the access policy' },
  { way: 'removeRoleAssignment', label: 'Remove the role assignment' },
  { way: 'disableKey', label: 'Disable the key' },
  { way: 'deleteKey', label: 'Delete the key' },
];

/** Whether a way can be chosen, and what the panel says about it. */
export type RevokeOption =
  | { way: RevokeWay; label: string; status: 'checking' }
  | { way: RevokeWay; label: string; status: 'available'; note: string | null }
  | { way: RevokeWay; label: string; status: 'unavailable'; reason: string };

/**
 * A way's option from its plan: unavailable with the first error's message when the plan cannot run (a policy on an
 * RBAC vault, a key already disabled…); otherwise available, noting what matters most before choosing it.
 */
export function optionFromPlan(way: RevokeWay, label: string, plan: LifecyclePlanView): RevokeOption {
  const error = plan.findings.find((f) => f.severity === 'error');
  if (!plan.canRun || error !== undefined) {
    return { way, label, status: 'unavailable', reason: error?.message ?? 'This way does not apply here.' };
  }
  const note =
    plan.findings.find((f) => f.code === 'revoke.keyUnrecoverable') ??
    plan.findings.find((f) => f.code === 'revoke.keyRecoverable') ??
    null;
  return { way, label, status: 'available', note: note?.message ?? null };
}

/** The first way that can be chosen, to preselect. */
export function firstAvailable(options: readonly RevokeOption[]): RevokeWay | null {
  return options.find((o) => o.status === 'available')?.way ?? null;
}
