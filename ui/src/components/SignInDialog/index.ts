export { SignInDialog, type SignInDialogProps } from './SignInDialog';
export type { SignInPreset } from './signInModel';
