import { teamsHighContrastTheme, webDarkTheme, webLightTheme, type Theme } from '@fluentui/react-components';
import type { ColorScheme } from './useOsColorScheme';

export function themeFor(scheme: ColorScheme): Theme {
  switch (scheme) {
    case 'dark':
      return webDarkTheme;
    case 'highContrast':
      return teamsHighContrastTheme;
    case 'light':
      return webLightTheme;
  }
}
