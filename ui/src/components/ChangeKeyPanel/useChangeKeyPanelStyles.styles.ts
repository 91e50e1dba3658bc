import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useChangeKeyPanelStyles = makeStyles({
  form: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
    paddingBlockEnd: tokens.spacingVerticalL,
    // A select is as wide as its longest option by default; long names must not widen the panel.
    '& .fui-Field, & .fui-Select, & select': {
      minWidth: 0,
    },
  },
  section: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    margin: 0,
    padding: 0,
    border: 'none',
    // A fieldset is at least as wide as its content by default; long vault names must not widen the panel.
    minWidth: 0,
  },
  sectionTitle: {
    ...typographyStyles.subtitle2,
    margin: 0,
    padding: 0,
  },
  row: {
    display: 'flex',
    alignItems: 'flex-end',
    gap: tokens.spacingHorizontalS,
  },
  grow: {
    flexGrow: 1,
    minWidth: 0,
  },
  alignStart: {
    alignSelf: 'flex-start',
  },
  noShrink: {
    flexShrink: 0,
  },
  choiceSentence: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground2,
    display: 'block',
  },
  hint: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground2,
    margin: 0,
  },
  steps: {
    margin: 0,
    paddingInlineStart: tokens.spacingHorizontalXL,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXS,
  },
  stepDetail: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground2,
    fontFamily: tokens.fontFamilyMonospace,
    overflowWrap: 'anywhere',
  },
  code: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    backgroundColor: tokens.colorNeutralBackground3,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalM,
    margin: 0,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    maxHeight: '240px',
    overflowY: 'auto',
  },
  codeHeader: {
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'center',
  },
  footer: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'stretch',
    gap: tokens.spacingVerticalS,
    width: '100%',
  },
  footerButtons: {
    display: 'flex',
    gap: tokens.spacingHorizontalS,
  },
  nameAction: {
    display: 'flex',
    // The field's message above says why; the button is the way out.
    marginBlockStart: `calc(-1 * ${tokens.spacingVerticalS})`,
  },
  barLine: {
    display: 'block',
  },
  blocker: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground2,
    margin: 0,
  },
});
