import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import {
  formatDuration,
  type PodTarget,
  type TraceCapability,
  type TraceDetail,
  type TraceSummary,
} from '@internal/plugin-memleak-common';
import { useId, useState } from 'react';
import type { TraceActions } from '../../hooks';
import { durationChoices } from './durations';
import { TraceProgress } from './TraceProgress';

/** @internal */
export interface TraceControlsProps {
  capability: TraceCapability;
  /**
   * The streams of the latest trace: the latest group (one per pod), or the
   * latest trace alone. Controls show progress while any runs.
   */
  streams: TraceSummary[];
  /** Their details, for what each costs. */
  details: TraceDetail[];
  /** Kubernetes entities: the pods one may pick from. */
  pods?: PodTarget[];
  permission: { loading: boolean; allowed: boolean };
  actions: TraceActions;
}

/** `cluster/namespace/pod`: what POST /traces takes to name one pod unambiguously. */
const podTarget = (p: PodTarget) => `${p.cluster}/${p.namespace}/${p.name}`;

/** The pods to trace: all running ones as one group, or one. */
const PodChoice = (props: {
  pods: PodTarget[];
  value: string;
  onChange: (target: string) => void;
  disabled: boolean;
}) => {
  const running = props.pods.filter(p => p.phase === 'Running');
  const id = useId();
  return (
    <TextField
      select
      id={id}
      label="Pods to trace"
      size="small"
      variant="outlined"
      value={props.value}
      onChange={e => props.onChange(e.target.value)}
      SelectProps={{ native: true }}
      InputLabelProps={{ shrink: true }}
      style={{ minWidth: 220 }}
      disabled={props.disabled}
    >
      <option value="">All running pods ({running.length})</option>
      {props.pods.map(p => (
        <option
          key={podTarget(p)}
          value={podTarget(p)}
          disabled={p.phase !== 'Running'}
        >
          {p.name}
          {p.phase !== 'Running' ? ` (${p.phase ?? 'not running'})` : ''}
        </option>
      ))}
    </TextField>
  );
};

const StartTrace = (props: {
  capability: TraceCapability;
  pods?: PodTarget[];
  mayTrace: boolean;
  actions: TraceActions;
}) => {
  const { capability, pods, actions } = props;
  const choices = durationChoices(capability);
  const [durationSec, setDurationSec] = useState(
    choices.includes(capability.defaultDurationSec)
      ? capability.defaultDurationSec
      : choices[0],
  );
  const [target, setTarget] = useState('');
  const durationId = useId();
  return (
    <Box display="flex" alignItems="center" gridGap={16} flexWrap="wrap">
      {pods && pods.length > 0 && (
        <PodChoice
          pods={pods}
          value={target}
          onChange={setTarget}
          disabled={!capability.available}
        />
      )}
      <TextField
        select
        id={durationId}
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
        onClick={() => actions.start(durationSec, target || undefined)}
        disabled={!capability.available || !props.mayTrace || actions.pending}
        aria-label="Trace heap"
      >
        Trace heap
      </Button>
    </Box>
  );
};

/**
 * "Trace heap" with a duration (and, for pods, which ones), or the running
 * trace's progress per stream with Stop. Says why the action is unavailable
 * instead of only greying it out.
 */
export const TraceControls = (props: TraceControlsProps) => {
  const { capability, streams, details, permission, actions } = props;
  const running = streams.find(t => t.status === 'running');
  const mayTrace = permission.allowed && !permission.loading;

  return (
    <Box display="flex" flexDirection="column" gridGap={8}>
      {running ? (
        <Box display="flex" alignItems="center" gridGap={16}>
          <Box flexGrow={1}>
            <TraceProgress streams={streams} details={details} />
          </Box>
          <Button
            variant="outlined"
            // Stopping one trace of a group stops the group.
            onClick={() => actions.stop(running.id)}
            disabled={!mayTrace || actions.pending}
            aria-label="Stop trace"
          >
            Stop
          </Button>
        </Box>
      ) : (
        <StartTrace
          capability={capability}
          pods={props.pods}
          mayTrace={mayTrace}
          actions={actions}
        />
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
