import { makeStyles, tokens } from '@fluentui/react-components';

export const useResourceMenuStyles = makeStyles({
  root: {
    width: '220px',
    height: '100%',
    borderRight: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
});
