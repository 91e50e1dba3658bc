export { themeFor } from './themes';
export { useOsColorScheme, type ColorScheme } from './useOsColorScheme';
