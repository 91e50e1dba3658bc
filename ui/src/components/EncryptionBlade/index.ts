export { EncryptionBlade, type EncryptionBladeProps } from './EncryptionBlade';
export {
  encryptionCommandState,
  encryptionUnreadable,
  encryptionUnsupportedReason,
  type EncryptionSource,
} from './encryptionSource';
