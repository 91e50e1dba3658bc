/**
 * The header's account button by its label: its name is "Account: <label>", then the details line (tenant, cloud)
 * when the app knows them.
 */
export function accountButtonName(label: string): RegExp {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^Account: ${escaped}(, |$)`);
}
