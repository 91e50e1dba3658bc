export { KeyRotationSection, type KeyRotationSectionProps } from './KeyRotationSection';
export { RotationPolicyDialog, type RotationPolicyDialogProps } from './RotationPolicyDialog';
export { formFromPolicy, policyFromForm, validatePolicyForm } from './rotationPolicyForm';
export { followSentence, rotationFacts, versionsBehindText } from './rotationText';
