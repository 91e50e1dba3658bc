import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useFactListStyles = makeStyles({
  list: {
    display: 'grid',
    gridTemplateColumns: 'minmax(160px, max-content) 1fr',
    columnGap: tokens.spacingHorizontalXXL,
    rowGap: tokens.spacingVerticalS,
    margin: 0,
  },
  row: {
    // dt/dd pairs need a wrapper for keys, but the grid must lay out the dt and dd themselves.
    display: 'contents',
  },
  term: {
    ...typographyStyles.body1,
    color: tokens.colorNeutralForeground2,
  },
  value: {
    ...typographyStyles.body1,
    margin: 0,
    overflowWrap: 'anywhere',
  },
  mono: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
  },
});
