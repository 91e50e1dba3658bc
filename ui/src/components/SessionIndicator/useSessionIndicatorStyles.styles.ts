import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useSessionIndicatorStyles = makeStyles({
  // A long account (a service principal's name) must not take the breadcrumb's room in the header.
  trigger: {
    maxWidth: '240px',
    minWidth: 0,
  },
  triggerText: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    minWidth: 0,
    maxWidth: '100%',
  },
  triggerDetails: {
    ...typographyStyles.caption2,
    color: tokens.colorNeutralForeground3,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    maxWidth: '100%',
  },
  itemText: {
    display: 'flex',
    flexDirection: 'column',
  },
  itemLabel: {
    ...typographyStyles.body1,
  },
  itemDetails: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground3,
  },
  triggerLabel: {
    maxWidth: '100%',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    minWidth: 0,
  },
  surface: {
    maxWidth: '420px',
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
