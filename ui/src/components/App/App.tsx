import { FluentProvider } from '@fluentui/react-components';
import { NotificationsProvider } from '../../state/notifications';
import { SessionProvider } from '../../state/session';
import { themeFor, useOsColorScheme } from '../../theme';
import { AppShell, type AppShellProps } from '../AppShell';
import { useAppStyles, useGlobalStyles } from './useAppStyles.styles';

/** The whole front end: theme, shared state, and the shell. */
export function App(props: AppShellProps) {
  useGlobalStyles();
  const styles = useAppStyles();
  const scheme = useOsColorScheme();
  return (
    <FluentProvider theme={themeFor(scheme)} className={styles[scheme]}>
      <SessionProvider>
        <NotificationsProvider>
          <AppShell {...props} />
        </NotificationsProvider>
      </SessionProvider>
    </FluentProvider>
  );
}
