export { TenantSwitcherDialog, type TenantSwitcherDialogProps } from './TenantSwitcherDialog';
