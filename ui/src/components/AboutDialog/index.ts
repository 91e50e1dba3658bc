export { AboutDialog } from './AboutDialog';
export type { AboutDialogProps } from './AboutDialog';
