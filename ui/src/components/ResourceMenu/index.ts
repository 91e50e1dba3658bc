export { ResourceMenu, type ResourceMenuProps } from './ResourceMenu';
