import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useResourcePickerStyles = makeStyles({
  form: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
  },
  filters: {
    display: 'grid',
    gridTemplateColumns: '1fr 1fr',
    gap: tokens.spacingHorizontalM,
  },
  radioLabel: {
    display: 'flex',
    flexDirection: 'column',
  },
  radioName: {
    ...typographyStyles.body1Strong,
  },
  radioMeta: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground3,
  },
  showing: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground2,
    margin: 0,
  },
  footer: {
    display: 'flex',
    gap: tokens.spacingHorizontalS,
  },
});
