import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useEmptyStateStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    textAlign: 'center',
    gap: tokens.spacingVerticalM,
    paddingBlock: tokens.spacingVerticalXXXL,
    paddingInline: tokens.spacingHorizontalXXL,
    maxWidth: '560px',
    marginInline: 'auto',
  },
  icon: {
    fontSize: '48px',
    color: tokens.colorNeutralForeground3,
  },
  title: {
    ...typographyStyles.subtitle2,
    margin: 0,
  },
  description: {
    ...typographyStyles.body1,
    color: tokens.colorNeutralForeground2,
    margin: 0,
  },
  actions: {
    display: 'flex',
    gap: tokens.spacingHorizontalS,
    marginTop: tokens.spacingVerticalS,
  },
});
