import { makeStyles, tokens } from '@fluentui/react-components';

export const useEncryptionBladeStyles = makeStyles({
  stack: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
  },
});
