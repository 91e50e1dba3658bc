export { RevokePanel, type RevokePanelProps } from './RevokePanel';
export { firstAvailable, optionFromPlan, revokeWays, type RevokeOption } from './revokeOptions';
export { useRevokePanel, type RevokePanelState } from './useRevokePanel';
