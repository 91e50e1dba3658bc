import { FluentProvider } from '@fluentui/react-components';
import { useLayoutEffect } from 'react';
import { NotificationsProvider } from '../../state/notifications';
import { SessionProvider } from '../../state/session';
import { osColorScheme, prerenderedDarkThemeId, themeFor, useOsColorScheme } from '../../theme';
import { AppShell, type AppShellProps } from '../AppShell';
import { useAppStyles, useGlobalStyles } from './useAppStyles.styles';

/** The whole front end: theme, shared state, and the shell. */
export function App(props: AppShellProps) {
  useGlobalStyles();
  const styles = useAppStyles();
  const scheme = useOsColorScheme();
  // Hydration first renders the prerendered (light) theme, then the OS's. Once the OS's theme is in
  // place, before it is painted, the prerendered page's dark tokens go: under a contrast theme they
  // would override the app's.
  useLayoutEffect(() => {
    if (scheme === osColorScheme()) document.getElementById(prerenderedDarkThemeId)?.remove();
  }, [scheme]);
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
