import { makeStaticStyles, makeStyles } from '@fluentui/react-components';

export const useGlobalStyles = makeStaticStyles({
  'html, body, #root': {
    height: '100%',
    margin: 0,
  },
});

export const useAppStyles = makeStyles({
  root: {
    height: '100%',
  },
  // Native scrollbars and form controls follow the theme too.
  light: { colorScheme: 'light' },
  dark: { colorScheme: 'dark' },
});
