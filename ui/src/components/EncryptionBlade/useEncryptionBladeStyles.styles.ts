import { makeStyles, tokens } from '@fluentui/react-components';

export const useEncryptionBladeStyles = makeStyles({
  stack: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
    maxWidth: '960px',
  },
  problems: {
    margin: 0,
    marginBlockStart: tokens.spacingVerticalXS,
    paddingInlineStart: tokens.spacingHorizontalL,
  },
  fix: {
    color: tokens.colorNeutralForeground2,
  },
});
