import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useSessionIndicatorStyles = makeStyles({
  surface: {
    maxWidth: '360px',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
  },
  heading: {
    ...typographyStyles.subtitle2,
    margin: 0,
  },
  text: {
    ...typographyStyles.body1,
    margin: 0,
  },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
  },
  term: {
    color: tokens.colorNeutralForeground3,
  },
  actions: {
    display: 'flex',
    justifyContent: 'flex-end',
  },
  value: {
    margin: 0,
    overflowWrap: 'anywhere',
  },
});
