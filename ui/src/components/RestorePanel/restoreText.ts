import type { RestoreFix } from '../../bindings';

/** Each fix's button, in the portal's words (keyblade-core's `fix_label`). */
export const restoreFixLabels: Record<RestoreFix, string> = {
  addAccessPolicy: 'Add the access policy',
  addRoleAssignment: 'Add the role assignment',
  enableKey: 'Enable the key',
  recoverKey: 'Recover the key',
  attachIdentity: 'Attach the identity',
};
