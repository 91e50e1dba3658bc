export {
  appInfo,
  attachIdentity,
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
  saveEncryption,
  signIn,
  signOut,
  validateKeyUri,
} from './commands';
export { CommandFailure, UiErrorCode, isCommandError, toCommandError } from './commandError';
export { newOperationId, onOperationProgress, onSessionChanged } from './events';
export { call } from './transport';
