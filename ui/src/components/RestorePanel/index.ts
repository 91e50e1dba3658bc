export { RestorePanel, type RestorePanelProps } from './RestorePanel';
export { restoreFixLabels } from './restoreText';
export { useRestorePanel, type RestorePanelState } from './useRestorePanel';
