export { IdentityBlade, type IdentityBladeProps } from './IdentityBlade';
