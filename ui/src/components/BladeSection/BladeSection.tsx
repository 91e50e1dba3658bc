import { useId, type ReactNode } from 'react';
import { useBladeSectionStyles } from './useBladeSectionStyles.styles';

/** A titled part of a blade, named by its heading for assistive technology. */
export function BladeSection({ title, children }: { title: string; children: ReactNode }) {
  const styles = useBladeSectionStyles();
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId} className={styles.heading}>
        {title}
      </h2>
      {children}
    </section>
  );
}
