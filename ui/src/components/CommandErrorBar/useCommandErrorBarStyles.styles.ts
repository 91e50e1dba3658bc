import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useCommandErrorBarStyles = makeStyles({
  details: {
    ...typographyStyles.caption1,
    display: 'block',
    marginTop: tokens.spacingVerticalXS,
    color: tokens.colorNeutralForeground2,
    fontFamily: tokens.fontFamilyMonospace,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
  },
});
