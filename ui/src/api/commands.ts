import type { AppInfo, KeyUriInfo, ResourceSummary, SubscriptionSummary } from '../bindings';
import { call } from './transport';

// One wrapper per `#[tauri::command]` of the shell (see IPC contract). Argument names are camelCase:
// Tauri maps them to the Rust snake_case parameters.

export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>('app_info');
}

/** Rejects with `session.signedOut` while no one is signed in. */
export function listSubscriptions(): Promise<SubscriptionSummary[]> {
  return call<SubscriptionSummary[]>('list_subscriptions');
}

/** Rejects with `session.signedOut` while no one is signed in. */
export function listResources(subscriptionId: string): Promise<ResourceSummary[]> {
  return call<ResourceSummary[]>('list_resources', { subscriptionId });
}

/** Rejects with the KeyUriError code (for example `keyUri.insecureScheme`) and a user-facing message. */
export function validateKeyUri(input: string): Promise<KeyUriInfo> {
  return call<KeyUriInfo>('validate_key_uri', { input });
}
