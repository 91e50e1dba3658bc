import { makeStyles } from '@fluentui/react-components';

export const useDemoBannerStyles = makeStyles({
  root: {
    borderRadius: 0,
  },
});
