import { makeStaticStyles, makeStyles } from '@fluentui/react-components';

export const useGlobalStyles = makeStaticStyles({
  'html, body, #root': {
    height: '100%',
    margin: 0,
  },
});

// FluentProvider copies its classes to the portal nodes that hold drawers and tooltips, so nothing
// here may size or position it: a full-height portal node would cover the app.
export const useAppStyles = makeStyles({
  // Native scrollbars and form controls follow the theme too.
  light: { colorScheme: 'light' },
  dark: { colorScheme: 'dark' },
  // The contrast theme is dark-based; the OS's forced colours win over it anyway.
  highContrast: { colorScheme: 'dark' },
});
