export { ChangeKeyPanel, type ChangeKeyPanelProps } from './ChangeKeyPanel';
