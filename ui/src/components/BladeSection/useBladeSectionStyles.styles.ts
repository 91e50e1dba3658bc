import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useBladeSectionStyles = makeStyles({
  heading: {
    ...typographyStyles.subtitle2,
    margin: 0,
    marginBlockEnd: tokens.spacingVerticalM,
  },
});
