import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';

export const useSignInDialogStyles = makeStyles({
  hint: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground2,
    margin: 0,
  },
});
