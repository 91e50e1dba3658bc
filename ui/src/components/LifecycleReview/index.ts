export { LifecycleReview, type LifecycleReviewProps } from './LifecycleReview';
export { confirmationSatisfied, outcomeSummary } from './lifecycleReview';
export { useLifecycleReview, type LifecycleReviewState } from './useLifecycleReview';
