import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { type ReactNode } from 'react';

const useStyles = makeStyles(theme => ({
  list: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.75),
    margin: 0,
    alignItems: 'center',
  },
  term: {
    color: theme.palette.text.secondary,
    ...theme.typography.body2,
  },
  value: {
    margin: 0,
    ...theme.typography.body2,
    minWidth: 0,
    overflowWrap: 'anywhere',
  },
}));

/** A label/value list; labels in secondary text so values stand out. */
export const FieldList = (props: { children: ReactNode }) => {
  const classes = useStyles();
  return <dl className={classes.list}>{props.children}</dl>;
};

export const Field = (props: { label: string; children: ReactNode }) => {
  const classes = useStyles();
  return (
    <>
      <dt className={classes.term}>{props.label}</dt>
      <dd className={classes.value}>{props.children}</dd>
    </>
  );
};

export const ColumnTitle = (props: { children: ReactNode }) => (
  <Typography variant="overline" component="h3" color="textSecondary">
    {props.children}
  </Typography>
);
