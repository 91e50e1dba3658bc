import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useIdentityBladeStyles = makeStyles({
  stack: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXL,
    maxWidth: '960px',
  },
  mono: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
  },
  hint: {
    ...typographyStyles.body1,
    color: tokens.colorNeutralForeground2,
    marginBlockEnd: tokens.spacingVerticalM,
  },
  panelBody: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
  },
  visuallyHidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    overflow: 'hidden',
    clipPath: 'inset(50%)',
    whiteSpace: 'nowrap',
  },
  actions: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    marginBlockStart: tokens.spacingVerticalM,
    marginBlockEnd: tokens.spacingVerticalM,
  },
  table: {
    borderCollapse: 'collapse',
    width: '100%',
    '& th, & td': {
      textAlign: 'start',
      paddingBlock: tokens.spacingVerticalS,
      paddingInline: tokens.spacingHorizontalM,
      borderBlockEndWidth: tokens.strokeWidthThin,
      borderBlockEndStyle: 'solid',
      borderBlockEndColor: tokens.colorNeutralStroke2,
      ...typographyStyles.body1,
    },
    '& th': {
      ...typographyStyles.body1Strong,
    },
  },
});
