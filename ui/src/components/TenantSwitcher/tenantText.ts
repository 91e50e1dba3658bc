import type { TenantSummary } from '../../api/contract';

export function tenantName(tenant: TenantSummary): string {
  return tenant.displayName ?? tenant.defaultDomain ?? tenant.tenantId;
}

/** The status badge's text. */
export function tenantStatus(tenant: TenantSummary): string {
  if (tenant.current) return 'Current';
  switch (tenant.access.status) {
    case 'available':
      return 'Available';
    case 'needsInteraction':
      return 'Needs sign-in';
    case 'refused':
      return 'Refused';
  }
}

/** The code `switch_tenant` rejects with when the tenant needs MFA or Conditional Access. */
export const interactionRequiredCode = 'azure.interactionRequired';
