import type { Selection } from '../../model/selection';

/** The breadcrumb's trail: subscription, resource group, resource; "Home" with nothing selected. */
export function breadcrumbTrail(selection: Selection | null): string[] {
  if (selection === null) {
    return ['Home'];
  }
  return [selection.subscription.displayName, selection.resource.resourceGroup, selection.resource.name];
}

export function notificationsButtonLabel(unread: number): string {
  if (unread === 0) return 'Notifications';
  return `Notifications, ${unread} unread`;
}
