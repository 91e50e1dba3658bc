export { SessionIndicator, type SessionIndicatorProps } from './SessionIndicator';
export { presentSession, type SessionPresentation } from './presentSession';
