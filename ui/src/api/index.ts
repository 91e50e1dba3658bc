export {
  appInfo,
  attachIdentity,
  cancelSave,
  checkVaultName,
  createKey,
  createVault,
  enableSystemIdentity,
  getEncryption,
  grantAccess,
  listIdentities,
  listKeys,
  listKeyVersions,
  listResources,
  listSubscriptions,
  listVaults,
  preflight,
  recoverVault,
  saveEncryption,
  signIn,
  signOut,
  validateKeyUri,
} from './commands';
export { CommandFailure, UiErrorCode, isCommandError, toCommandError } from './commandError';
export { newOperationId, onOperationProgress, onSaveSettled, onSessionChanged, type Subscription } from './events';
export { call } from './transport';
