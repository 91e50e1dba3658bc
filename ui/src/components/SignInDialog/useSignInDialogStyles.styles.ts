import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useSignInDialogStyles = makeStyles({
  content: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
  },
  fields: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    margin: 0,
    padding: 0,
    border: 'none',
    minWidth: 0,
  },
  hint: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground2,
    margin: 0,
  },
  text: {
    ...typographyStyles.body1,
    margin: 0,
  },
  advanced: {
    alignSelf: 'flex-start',
  },
  progress: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
  },
  code: {
    ...typographyStyles.title2,
    fontFamily: tokens.fontFamilyMonospace,
    letterSpacing: '0.1em',
  },
  row: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
  },
  grow: {
    flexGrow: 1,
    minWidth: 0,
  },
});
