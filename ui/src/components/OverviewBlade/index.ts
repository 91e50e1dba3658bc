export { OverviewBlade, type OverviewBladeProps } from './OverviewBlade';
