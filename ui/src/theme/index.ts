export { themeFor } from './themes';
export { osColorScheme, useOsColorScheme, type ColorScheme } from './useOsColorScheme';

/** The `<style>` of the prerendered page's dark tokens (`prerender.tsx`); the app drops it once it themes itself. */
export const prerenderedDarkThemeId = 'keyblade-prerendered-dark';
