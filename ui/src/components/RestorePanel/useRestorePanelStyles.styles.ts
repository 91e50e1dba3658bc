import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useRestorePanelStyles = makeStyles({
  body: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
    paddingBlockEnd: tokens.spacingVerticalL,
  },
  text: {
    ...typographyStyles.body1,
    margin: 0,
  },
  sectionTitle: {
    ...typographyStyles.subtitle2,
    margin: 0,
  },
  causes: {
    margin: 0,
    paddingInlineStart: 0,
    listStyleType: 'none',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
  },
  cause: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXS,
    alignItems: 'flex-start',
  },
  hint: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground2,
    margin: 0,
  },
  footer: {
    display: 'flex',
    gap: tokens.spacingHorizontalS,
  },
});
