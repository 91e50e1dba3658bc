import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

const ancestorCrumbMinWidth = '48px';
/** Fluent's small BreadcrumbDivider (a 12 px chevron). */
const dividerWidth = '12px';

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
  breadcrumbList: {
    flexWrap: 'nowrap',
    minWidth: 0,
  },
  // When room runs out the subscription and resource group give way first, down to a few letters and
  // an ellipsis; the resource name, which the blades are about, keeps its room, and loses its end to an
  // ellipsis only when even that is not enough.
  item: {
    flexShrink: 1,
    minWidth: ancestorCrumbMinWidth,
  },
  currentItem: {
    flexShrink: 0,
    minWidth: 0,
    // The two ancestors at their narrowest, with their dividers, stay visible beside it.
    maxWidth: `calc(100% - 2 * (${ancestorCrumbMinWidth} + ${dividerWidth}))`,
  },
  crumb: {
    ...typographyStyles.body1,
    color: tokens.colorNeutralForeground2,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    maxWidth: '24ch',
    minWidth: 0,
    display: 'block',
    paddingInline: tokens.spacingHorizontalXS,
  },
  currentCrumb: {
    ...typographyStyles.body1Strong,
    color: tokens.colorNeutralForeground1,
    maxWidth: 'none',
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
