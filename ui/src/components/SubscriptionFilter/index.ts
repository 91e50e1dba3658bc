export { SubscriptionFilterDialog, type SubscriptionFilterDialogProps } from './SubscriptionFilterDialog';
export { filterToSave, matchSubscriptions, showingText } from './subscriptionFilterModel';
