import { Toolbar } from '@fluentui/react-components';
import { useId, type ReactNode } from 'react';
import { useBladeStyles } from './useBladeStyles.styles';

export interface BladeProps {
  /** The menu entry's name, e.g. "Encryption". */
  bladeTitle: string;
  /** The selected resource's name; the title reads "name | Encryption" as in the portal. */
  resourceName?: string | undefined;
  /** The resource's type under the title, e.g. "Container registry". */
  resourceType?: string | undefined;
  /** The command bar's buttons (`BladeCommand`s). */
  commands: ReactNode;
  children: ReactNode;
}

/** One blade: title, command bar and content, laid out like the portal's. */
export function Blade({ bladeTitle, resourceName, resourceType, commands, children }: BladeProps) {
  const styles = useBladeStyles();
  const titleId = useId();
  const title = resourceName === undefined ? bladeTitle : `${resourceName} | ${bladeTitle}`;
  return (
    <section className={styles.root} aria-labelledby={titleId}>
      <div className={styles.header}>
        <h1 id={titleId} className={styles.title}>
          {title}
        </h1>
        {resourceType !== undefined && <p className={styles.subtitle}>{resourceType}</p>}
      </div>
      <Toolbar className={styles.toolbar} aria-label={`${bladeTitle} commands`}>
        {commands}
      </Toolbar>
      <div className={styles.content}>{children}</div>
    </section>
  );
}
