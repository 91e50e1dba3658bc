// Azure's naming rules for what the Create new dialogs create, checked as the user types so that a
// bad name is explained next to the field instead of after a round trip to Resource Manager. The
// shell checks the vault and key names again before sending anything.

function lengthProblem(what: string, name: string, min: number, max: number): string | null {
  const length = Array.from(name).length;
  if (length === 0) return 'Enter a name.';
  if (length >= min && length <= max) return null;
  const range = min === 1 ? `at most ${String(max)} characters` : `${String(min)} to ${String(max)} characters`;
  return `${what} has ${range}; this one has ${String(length)}.`;
}

function firstOutside(name: string, allowed: RegExp): string | null {
  return Array.from(name).find((c) => !allowed.test(c)) ?? null;
}

function quoteCharacter(c: string): string {
  return c === ' ' ? 'a space' : `"${c}"`;
}

/** Why `name` cannot be a key vault's name, or null when it can. */
export function vaultNameProblem(name: string): string | null {
  const bad = firstOutside(name, /[A-Za-z0-9-]/);
  if (bad !== null) return `Use only letters, digits and hyphens: ${quoteCharacter(bad)} is not allowed.`;
  const length = lengthProblem('A key vault name', name, 3, 24);
  if (length !== null) return length;
  if (!/^[A-Za-z]/.test(name)) return 'Start the name with a letter.';
  if (!/[A-Za-z0-9]$/.test(name)) return 'End the name with a letter or a digit.';
  if (name.includes('--')) return 'Use single hyphens: two in a row are not allowed.';
  return null;
}

/** Why `name` cannot be a Key Vault key's name, or null when it can. */
export function keyNameProblem(name: string): string | null {
  const bad = firstOutside(name, /[A-Za-z0-9-]/);
  if (bad !== null) return `Use only letters, digits and hyphens: ${quoteCharacter(bad)} is not allowed.`;
  return lengthProblem('A key name', name, 1, 127);
}

/** Why `name` cannot be a resource group's name, or null when it can. */
export function resourceGroupNameProblem(name: string): string | null {
  const bad = firstOutside(name, /[\p{L}\p{N}_().-]/u);
  if (bad !== null) {
    return `Use only letters, digits, underscores, hyphens, periods and parentheses: ${quoteCharacter(bad)} is not allowed.`;
  }
  const length = lengthProblem('A resource group name', name, 1, 90);
  if (length !== null) return length;
  if (name.endsWith('.')) return 'A resource group name cannot end with a period.';
  return null;
}
