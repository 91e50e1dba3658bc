import type { ResourceKind, ResourceSummary } from '../bindings';

interface KindNames {
  singular: string;
  plural: string;
  /** The plural inside a sentence: product names keep their capitals, generic words do not. */
  pluralInSentence: string;
}

// A Record, not a switch, so a new ResourceKind from the Rust side fails to compile until it is named here.
export const resourceKindNames: Record<ResourceKind, KindNames> = {
  containerRegistry: {
    singular: 'Container registry',
    plural: 'Container registries',
    pluralInSentence: 'container registries',
  },
  cognitiveServicesAccount: {
    singular: 'Azure AI services account',
    plural: 'Azure AI services accounts',
    pluralInSentence: 'Azure AI services accounts',
  },
  storageAccount: { singular: 'Storage account', plural: 'Storage accounts', pluralInSentence: 'storage accounts' },
};

export const resourceKinds = Object.keys(resourceKindNames) as ResourceKind[];

export function isResourceKind(value: string): value is ResourceKind {
  return Object.hasOwn(resourceKindNames, value);
}

/** Resources whose kind passes `kind` (null: all kinds) and whose name contains `nameFilter`, by name. */
export function filterResources(
  resources: readonly ResourceSummary[],
  kind: ResourceKind | null,
  nameFilter: string,
): ResourceSummary[] {
  const needle = nameFilter.trim().toLocaleLowerCase();
  return resources
    .filter((r) => (kind === null || r.kind === kind) && r.name.toLocaleLowerCase().includes(needle))
    .sort((a, b) => a.name.localeCompare(b.name));
}
