import { webDarkTheme, webLightTheme, type Theme } from '@fluentui/react-components';
import type { ColorScheme } from './useOsColorScheme';

export function themeFor(scheme: ColorScheme): Theme {
  return scheme === 'dark' ? webDarkTheme : webLightTheme;
}
