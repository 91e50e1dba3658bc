import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useTenantSwitcherStyles = makeStyles({
  content: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
  },
  list: {
    maxHeight: '50vh',
    overflowY: 'auto',
  },
  label: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
  },
  name: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    ...typographyStyles.body1Strong,
  },
  details: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground2,
  },
});
