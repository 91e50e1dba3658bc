import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useBladeStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    minHeight: '100%',
  },
  header: {
    paddingBlockStart: tokens.spacingVerticalL,
    paddingInline: tokens.spacingHorizontalXXL,
  },
  title: {
    ...typographyStyles.title3,
    margin: 0,
    overflowWrap: 'anywhere',
  },
  subtitle: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground3,
    margin: 0,
  },
  toolbar: {
    marginInline: tokens.spacingHorizontalL,
    marginBlockStart: tokens.spacingVerticalS,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  content: {
    flexGrow: 1,
    paddingBlock: tokens.spacingVerticalL,
    paddingInline: tokens.spacingHorizontalXXL,
  },
});
