import type { SubscriptionSummary } from '../../api/contract';

/** What `set_subscription_filter` takes for the checked subscriptions: null when every one is checked. */
export function filterToSave(all: readonly SubscriptionSummary[], checked: ReadonlySet<string>): string[] | null {
  const ids = all.map((s) => s.subscriptionId).filter((id) => checked.has(id));
  return ids.length === all.length ? null : ids;
}

/** The subscriptions whose name or ID contains `text` (any case). */
export function matchSubscriptions(all: readonly SubscriptionSummary[], text: string): SubscriptionSummary[] {
  const needle = text.trim().toLowerCase();
  if (needle === '') return [...all];
  return all.filter((s) => s.displayName.toLowerCase().includes(needle) || s.subscriptionId.toLowerCase().includes(needle));
}

/** The resource picker's line under its subscription list. */
export function showingText(shown: number, total: number): string {
  return `Showing ${String(shown)} of ${String(total)} subscriptions`;
}
