import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useNotificationsPanelStyles = makeStyles({
  commands: {
    display: 'flex',
    justifyContent: 'flex-end',
    paddingBlockEnd: tokens.spacingVerticalS,
  },
  list: {
    listStyleType: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
  },
  item: {
    display: 'grid',
    gridTemplateColumns: 'auto 1fr auto',
    columnGap: tokens.spacingHorizontalS,
    rowGap: tokens.spacingVerticalXS,
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusMedium,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  unread: {
    borderLeft: `${tokens.strokeWidthThicker} solid ${tokens.colorBrandStroke1}`,
  },
  icon: {
    fontSize: '20px',
    paddingBlockStart: '2px',
  },
  succeeded: { color: tokens.colorPaletteGreenForeground1 },
  failed: { color: tokens.colorPaletteRedForeground1 },
  warning: { color: tokens.colorStatusWarningForeground1 },
  info: { color: tokens.colorBrandForeground1 },
  text: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    minWidth: 0,
  },
  title: {
    ...typographyStyles.body1Strong,
    margin: 0,
    overflowWrap: 'anywhere',
  },
  step: {
    ...typographyStyles.body1,
    color: tokens.colorNeutralForeground2,
    margin: 0,
    overflowWrap: 'anywhere',
  },
  message: {
    ...typographyStyles.body1,
    margin: 0,
    overflowWrap: 'anywhere',
  },
  meta: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground3,
  },
  progress: {
    gridColumn: '2 / 4',
  },
  cancelling: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground2,
    margin: 0,
  },
});
