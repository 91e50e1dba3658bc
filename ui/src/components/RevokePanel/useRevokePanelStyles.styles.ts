import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useRevokePanelStyles = makeStyles({
  body: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
    paddingBlockEnd: tokens.spacingVerticalL,
  },
  fieldset: {
    border: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    minWidth: 0,
  },
  legend: {
    ...typographyStyles.subtitle2,
    padding: 0,
    marginBlockEnd: tokens.spacingVerticalS,
  },
  text: {
    ...typographyStyles.body1,
    margin: 0,
  },
  hint: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground2,
    margin: 0,
    paddingInlineStart: tokens.spacingHorizontalXXL,
  },
  footer: {
    display: 'flex',
    gap: tokens.spacingHorizontalS,
  },
});
