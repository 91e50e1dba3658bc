export { ResourceGate, type ResourceGateProps } from './ResourceGate';
