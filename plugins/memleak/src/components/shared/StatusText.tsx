import { makeStyles } from '@material-ui/core/styles';
import { type ReactNode } from 'react';

const useStyles = makeStyles({
  root: { display: 'inline-flex', alignItems: 'baseline' },
});

/**
 * A core-components status icon followed by words. The Status components
 * hide everything inside them from screen readers (`aria-hidden`), so the
 * words sit beside the icon, not inside it.
 */
export const StatusText = (props: {
  icon: (props: { children?: ReactNode }) => JSX.Element;
  children: ReactNode;
}) => {
  const classes = useStyles();
  const Icon = props.icon;
  return (
    <span className={classes.root}>
      <Icon />
      <span>{props.children}</span>
    </span>
  );
};
