import { teamsHighContrastTheme, webDarkTheme, webLightTheme, type Theme } from '@fluentui/react-components';
import type { ColorScheme } from './useOsColorScheme';

/**
 * Fluent's contrast theme, drawn for Windows' High Contrast Black, with its link colour (yellow) as the system colour
 * `LinkText`. Forced colours repaint text in the user's palette, but a link's text fill keeps the theme's colour
 * (Chromium reports yellow on a White contrast theme's white, and axe judges that), and links should look like the
 * user's links anyway. The other colours stay: forced colours replace them, whereas a system colour would be kept
 * as it is and could pair badly with a neighbour that is forced.
 */
const forcedColorsTheme: Theme = Object.fromEntries(
  Object.entries(teamsHighContrastTheme).map(([token, value]) => [
    token,
    token.includes('Link') && value === '#ffff00' ? 'LinkText' : value,
  ]),
) as Theme;

export function themeFor(scheme: ColorScheme): Theme {
  switch (scheme) {
    case 'dark':
      return webDarkTheme;
    case 'highContrast':
      return forcedColorsTheme;
    case 'light':
      return webLightTheme;
  }
}
