import { CopyTextButton } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { SetupCommand, SetupState } from './setupStates';

const useStyles = makeStyles(theme => ({
  command: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
  code: {
    margin: 0,
    padding: theme.spacing(1),
    flexGrow: 1,
    background: theme.palette.background.default,
    color: theme.palette.text.primary,
    borderRadius: theme.shape.borderRadius,
    // Wrapped, never scrolled: every command stays readable and copyable.
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    fontSize: theme.typography.body2.fontSize,
  },
}));

const Command = (props: { command: SetupCommand }) => {
  const classes = useStyles();
  const { label, command } = props.command;
  return (
    <Box>
      <Typography variant="caption" component="p">
        {label}
      </Typography>
      <div className={classes.command}>
        <pre className={classes.code}>
          <code>{command}</code>
        </pre>
        <CopyTextButton
          text={command}
          aria-label={`Copy: ${command.split('\n')[0]}`}
        />
      </div>
    </Box>
  );
};

/** What stands in the way, what to do about it, and the command to copy. */
const SetupStateAlert = (props: { state: SetupState }) => {
  const { state } = props;
  return (
    <Alert severity={state.severity}>
      <AlertTitle>{state.title}</AlertTitle>
      <Typography variant="body2">{state.todo}</Typography>
      {state.commands.map(c => (
        <Command key={c.command} command={c} />
      ))}
      {state.detail && (
        <Typography variant="caption" component="p" style={{ marginTop: 8 }}>
          {state.detail}
        </Typography>
      )}
    </Alert>
  );
};

/** Setup help, one state each. */
export const SetupHelp = (props: { states: SetupState[] }) => {
  if (props.states.length === 0) return null;
  return (
    <Box
      component="section"
      aria-label="Setup help"
      display="flex"
      flexDirection="column"
      gridGap={8}
    >
      {props.states.map(s => (
        <SetupStateAlert key={`${s.code}-${s.title}`} state={s} />
      ))}
    </Box>
  );
};
