import { describe, expect, it } from 'vitest';
import { keyNameProblem, resourceGroupNameProblem, vaultNameProblem } from './azureNames';

describe('vaultNameProblem', () => {
  it.each([['kv-contoso'], ['abc'], ['a23456789012345678901234'], ['KV-Prod-01']])('accepts %s', (name) => {
    expect(vaultNameProblem(name)).toBeNull();
  });

  it.each([
    ['', 'Enter a name.'],
    ['kv', 'A key vault name has 3 to 24 characters; this one has 2.'],
    ['a234567890123456789012345', 'A key vault name has 3 to 24 characters; this one has 25.'],
    ['kv_contoso', 'Use only letters, digits and hyphens: "_" is not allowed.'],
    ['kv contoso', 'Use only letters, digits and hyphens: a space is not allowed.'],
    ['kv.contoso', 'Use only letters, digits and hyphens: "." is not allowed.'],
    ['1kv-contoso', 'Start the name with a letter.'],
    ['-kv-contoso', 'Start the name with a letter.'],
    ['kv-contoso-', 'End the name with a letter or a digit.'],
    ['kv--contoso', 'Use single hyphens: two in a row are not allowed.'],
  ])('rejects %s', (name, problem) => {
    expect(vaultNameProblem(name)).toBe(problem);
  });
});

describe('keyNameProblem', () => {
  it.each([['cmk'], ['c'], ['cmk-images-2026'], ['x'.repeat(127)]])('accepts %s', (name) => {
    expect(keyNameProblem(name)).toBeNull();
  });

  it.each([
    ['', 'Enter a name.'],
    ['x'.repeat(128), 'A key name has at most 127 characters; this one has 128.'],
    ['cmk_images', 'Use only letters, digits and hyphens: "_" is not allowed.'],
    ['cmk/images', 'Use only letters, digits and hyphens: "/" is not allowed.'],
  ])('rejects %s', (name, problem) => {
    expect(keyNameProblem(name)).toBe(problem);
  });
});

describe('resourceGroupNameProblem', () => {
  it.each([['rg-images'], ['rg_images.(prod)'], ['Ressourcengruppe-Größe']])('accepts %s', (name) => {
    expect(resourceGroupNameProblem(name)).toBeNull();
  });

  it.each([
    ['rg-images.', 'A resource group name cannot end with a period.'],
    ['rg images', 'Use only letters, digits, underscores, hyphens, periods and parentheses: a space is not allowed.'],
    ['x'.repeat(91), 'A resource group name has at most 90 characters; this one has 91.'],
  ])('rejects %s', (name, problem) => {
    expect(resourceGroupNameProblem(name)).toBe(problem);
  });
});
