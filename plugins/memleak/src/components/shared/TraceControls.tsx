import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import LinearProgress from '@material-ui/core/LinearProgress';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import {
  formatDuration,
  type TraceCapability,
  type TraceSummary,
} from '@internal/plugin-memleak-common';
import { useId, useState } from 'react';
import type { TraceActions } from '../../hooks';
import { durationChoices } from './durations';

/** @internal */
export interface TraceControlsProps {
  capability: TraceCapability;
  /** The entity's latest trace; controls show progress while it runs. */
  latestTrace?: TraceSummary;
  permission: { loading: boolean; allowed: boolean };
  actions: TraceActions;
}

/**
 * "Trace heap" with a duration choice, or the running trace's progress with
 * Stop. Says why the action is unavailable instead of only greying it out.
 */
export const TraceControls = (props: TraceControlsProps) => {
  const { capability, latestTrace, permission, actions } = props;
  const running = latestTrace?.status === 'running' ? latestTrace : undefined;
  const choices = durationChoices(capability);
  const [durationSec, setDurationSec] = useState(
    choices.includes(capability.defaultDurationSec)
      ? capability.defaultDurationSec
      : choices[0],
  );
  const selectId = useId();
  const progressLabelId = useId();
  const mayTrace = permission.allowed && !permission.loading;

  return (
    <Box display="flex" flexDirection="column" gridGap={8}>
      {running ? (
        <Box display="flex" alignItems="center" gridGap={16}>
          <Box flexGrow={1}>
            <Typography variant="body2" id={progressLabelId}>
              Tracing {running.target.label}:{' '}
              {formatDuration(running.elapsedSec)} of{' '}
              {formatDuration(running.durationSec)}
            </Typography>
            <LinearProgress
              variant="determinate"
              aria-labelledby={progressLabelId}
              value={Math.min(
                100,
                (100 * running.elapsedSec) / Math.max(1, running.durationSec),
              )}
            />
          </Box>
          <Button
            variant="outlined"
            onClick={() => actions.stop(running.id)}
            disabled={!mayTrace || actions.pending}
            aria-label="Stop trace"
          >
            Stop
          </Button>
        </Box>
      ) : (
        <Box display="flex" alignItems="center" gridGap={16} flexWrap="wrap">
          <TextField
            select
            id={selectId}
            label="Trace duration"
            size="small"
            variant="outlined"
            value={durationSec}
            onChange={e => setDurationSec(Number(e.target.value))}
            SelectProps={{ native: true }}
            InputLabelProps={{ shrink: true }}
            style={{ minWidth: 160 }}
            disabled={!capability.available}
          >
            {choices.map(d => (
              <option key={d} value={d}>
                {formatDuration(d)}
              </option>
            ))}
          </TextField>
          <Button
            variant="contained"
            color="primary"
            onClick={() => actions.start(durationSec)}
            disabled={!capability.available || !mayTrace || actions.pending}
            aria-label="Trace heap"
          >
            Trace heap
          </Button>
        </Box>
      )}
      {!capability.available && (
        <Alert severity="info">
          Heap tracing is unavailable here.{' '}
          {capability.reason ??
            'The backend cannot attach eBPF probes to this workload.'}
        </Alert>
      )}
      {!permission.loading && !permission.allowed && (
        <Typography variant="body2" color="textSecondary">
          You are not allowed to start or stop heap traces on this entity
          (permission memleak.trace.run). Ask your Backstage admins for it.
        </Typography>
      )}
      {actions.error && (
        <Alert severity="error" onClose={actions.clearError}>
          {actions.error}
        </Alert>
      )}
    </Box>
  );
};
