import { makeStyles, tokens } from '@fluentui/react-components';

export const useResourceGateStyles = makeStyles({
  loading: {
    paddingBlock: tokens.spacingVerticalXXXL,
  },
});
