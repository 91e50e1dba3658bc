import { mergeClasses } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { useFactListStyles } from './useFactListStyles.styles';

export interface Fact {
  term: string;
  value: ReactNode;
  /** IDs, URIs and versions: set in a monospace font so similar characters stay apart. */
  monospace?: boolean;
}

/** The portal's label–value list (Essentials, settings): terms in one column, values in the next. */
export function FactList({ facts }: { facts: readonly Fact[] }) {
  const styles = useFactListStyles();
  return (
    <dl className={styles.list}>
      {facts.map(({ term, value, monospace }) => (
        <div key={term} className={styles.row}>
          <dt className={styles.term}>{term}</dt>
          <dd className={mergeClasses(styles.value, monospace === true && styles.mono)}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
