import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useAppShellStyles = makeStyles({
  // Header and banner take what they need; the menu and the blade share the rest and scroll inside it.
  root: {
    display: 'flex',
    flexDirection: 'column',
    height: '100vh',
    overflow: 'hidden',
  },
  body: {
    display: 'grid',
    gridTemplateColumns: 'auto minmax(0, 1fr)',
    flexGrow: 1,
    minHeight: 0,
  },
  main: {
    overflowY: 'auto',
    // A scroller that is not a stacking context makes WebKit composite every positioned element
    // inside it (inputs, dropdowns, table cells) as a layer of its own, each painted and held apart.
    isolation: 'isolate',
    minHeight: 0,
    ':focus': {
      outlineStyle: 'none',
    },
  },
  // Visually hidden until focused, then shown over the header: the first Tab stop on the page.
  skipLink: {
    ...typographyStyles.body1Strong,
    position: 'absolute',
    top: tokens.spacingVerticalS,
    left: tokens.spacingHorizontalS,
    zIndex: 1000,
    paddingBlock: tokens.spacingVerticalS,
    paddingInline: tokens.spacingHorizontalM,
    backgroundColor: tokens.colorNeutralBackground1,
    color: tokens.colorBrandForeground1,
    borderRadius: tokens.borderRadiusMedium,
    boxShadow: tokens.shadow16,
    transform: 'translateY(-200%)',
    ':focus': {
      transform: 'none',
      outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`,
    },
  },
  sessionError: {
    paddingInline: tokens.spacingHorizontalL,
    paddingBlockStart: tokens.spacingVerticalS,
  },
});
