import type { ReactElement, ReactNode } from 'react';
import { useEmptyStateStyles } from './useEmptyStateStyles.styles';

export interface EmptyStateProps {
  /** A Fluent icon; decorative, the title carries the meaning. */
  icon?: ReactElement;
  title: string;
  /** Why there is nothing to show, in the user's terms. */
  description?: ReactNode;
  /** What the user can do about it. */
  actions?: ReactNode;
}

/** The honest "nothing to show, and here is why" used wherever data is missing. */
export function EmptyState({ icon, title, description, actions }: EmptyStateProps) {
  const styles = useEmptyStateStyles();
  return (
    <div className={styles.root}>
      {icon !== undefined && (
        <span className={styles.icon} aria-hidden="true">
          {icon}
        </span>
      )}
      <h2 className={styles.title}>{title}</h2>
      {description !== undefined && <p className={styles.description}>{description}</p>}
      {actions !== undefined && <div className={styles.actions}>{actions}</div>}
    </div>
  );
}
