export { Blade, type BladeProps } from './Blade';
export { BladeCommand, type BladeCommandProps } from './BladeCommand';
