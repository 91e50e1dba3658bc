export { BladeSection } from './BladeSection';
