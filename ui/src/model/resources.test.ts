import { describe, expect, it } from 'vitest';
import { prodLanguage, prodRegistry, prodStorage } from '../test/ipc';
import { filterResources, isResourceKind, resourceKinds } from './resources';

describe('filterResources', () => {
  const all = [prodStorage, prodRegistry, prodLanguage];

  it.each([
    { kind: null, filter: '', names: ['contoso-language', 'contosodata', 'contosoimages'] },
    { kind: 'containerRegistry' as const, filter: '', names: ['contosoimages'] },
    { kind: 'storageAccount' as const, filter: '', names: ['contosodata'] },
    { kind: 'cognitiveServicesAccount' as const, filter: '', names: ['contoso-language'] },
    { kind: null, filter: '  DATA ', names: ['contosodata'] },
    { kind: 'storageAccount' as const, filter: 'images', names: [] },
  ])('kind $kind and filter "$filter" keep $names, by name', ({ kind, filter, names }) => {
    expect(filterResources(all, kind, filter).map((r) => r.name)).toEqual(names);
  });
});

describe('resource kinds', () => {
  it('knows every kind the bindings declare, and nothing else', () => {
    expect(resourceKinds).toEqual(['containerRegistry', 'cognitiveServicesAccount', 'storageAccount']);
    expect(isResourceKind('storageAccount')).toBe(true);
    expect(isResourceKind('toString')).toBe(false);
  });
});
