import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

/** Every row has this height, so the table can render only the rows in view. */
export const rowHeight = 40;

export const useHomeBladeStyles = makeStyles({
  summary: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    columnGap: tokens.spacingHorizontalXS,
    rowGap: tokens.spacingVerticalXS,
    marginBlockEnd: tokens.spacingVerticalM,
    ...typographyStyles.body1,
  },
  separator: {
    color: tokens.colorNeutralForeground3,
  },
  progress: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    marginBlockEnd: tokens.spacingVerticalM,
  },
  progressBar: {
    maxWidth: '240px',
    flexGrow: 1,
  },
  filters: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-end',
    gap: tokens.spacingHorizontalM,
    marginBlockEnd: tokens.spacingVerticalM,
  },
  filterField: {
    minWidth: '180px',
  },
  // The table scrolls inside this box; only the rows in view are in the DOM.
  scroller: {
    height: 'calc(100vh - 380px)',
    minHeight: '240px',
    overflow: 'auto',
    // Without its own stacking context, WebKit composites each table cell as a separate layer.
    isolation: 'isolate',
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  // Its least width comes from the shown columns (columnLayout).
  table: {
    tableLayout: 'fixed',
    width: '100%',
  },
  headerRow: {
    position: 'sticky',
    top: 0,
    zIndex: 1,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  row: {
    height: `${String(rowHeight)}px`,
    cursor: 'pointer',
  },
  cell: {
    overflow: 'hidden',
    whiteSpace: 'nowrap',
    textOverflow: 'ellipsis',
  },
  spacer: {
    padding: 0,
    border: 'none',
  },
  unhealthy: {
    color: tokens.colorPaletteRedForeground1,
  },
  unknown: {
    color: tokens.colorPaletteMarigoldForeground1,
  },
  healthy: {
    color: tokens.colorPaletteGreenForeground1,
  },
  expired: {
    color: tokens.colorPaletteRedForeground1,
    fontWeight: tokens.fontWeightSemibold,
  },
  footer: {
    marginBlockStart: tokens.spacingVerticalS,
    color: tokens.colorNeutralForeground3,
    ...typographyStyles.caption1,
  },
});
