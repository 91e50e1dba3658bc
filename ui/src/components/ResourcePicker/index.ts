export { ResourcePicker, type ResourcePickerProps } from './ResourcePicker';
