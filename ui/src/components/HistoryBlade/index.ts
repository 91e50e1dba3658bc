export { HistoryBlade, type HistoryBladeProps } from './HistoryBlade';
