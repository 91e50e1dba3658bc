import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useHeaderStyles = makeStyles({
  root: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    minHeight: '48px',
    paddingInline: tokens.spacingHorizontalL,
    backgroundColor: tokens.colorNeutralBackground3,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  product: {
    ...typographyStyles.subtitle2,
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    color: tokens.colorBrandForeground1,
    margin: 0,
    flexShrink: 0,
  },
  productIcon: {
    fontSize: '20px',
  },
  divider: {
    alignSelf: 'stretch',
    marginBlock: tokens.spacingVerticalS,
    borderLeft: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  breadcrumb: {
    flexGrow: 1,
    minWidth: 0,
    overflow: 'hidden',
  },
  crumb: {
    ...typographyStyles.body1,
    color: tokens.colorNeutralForeground2,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    maxWidth: '24ch',
    display: 'inline-block',
    verticalAlign: 'middle',
    paddingInline: tokens.spacingHorizontalXS,
  },
  currentCrumb: {
    ...typographyStyles.body1Strong,
    color: tokens.colorNeutralForeground1,
  },
  actions: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalXS,
    flexShrink: 0,
  },
  bell: {
    position: 'relative',
    display: 'inline-flex',
  },
  badge: {
    position: 'absolute',
    top: '2px',
    right: '2px',
    pointerEvents: 'none',
  },
});
