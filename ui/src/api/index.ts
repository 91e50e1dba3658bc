export { appInfo, listResources, listSubscriptions, validateKeyUri } from './commands';
export { CommandFailure, UiErrorCode, isCommandError, toCommandError } from './commandError';
export { call } from './transport';
