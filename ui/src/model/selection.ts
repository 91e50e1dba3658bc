import type { ResourceSummary, SubscriptionSummary } from '../bindings';

/** The resource the blades show, with the subscription it was picked from (for the breadcrumb). */
export interface Selection {
  subscription: SubscriptionSummary;
  resource: ResourceSummary;
}
