import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import {
  formatDuration,
  type TraceDetail,
  type TraceSummary,
} from '@internal/plugin-memleak-common';
import { useId } from 'react';
import { TraceCostLine } from './TraceCostLine';
import { TRACE_STATUS_LABELS } from './traceStatus';

const percentDone = (t: TraceSummary) =>
  Math.min(100, (100 * t.elapsedSec) / Math.max(1, t.durationSec));

/** One stream's progress bar, labelled by `label`, and what it costs. */
const StreamProgress = (props: {
  trace: TraceSummary;
  detail?: TraceDetail;
  label: string;
}) => {
  const labelId = useId();
  return (
    <Box>
      <Typography variant="body2" id={labelId}>
        {props.label}
      </Typography>
      <LinearProgress
        variant="determinate"
        aria-labelledby={labelId}
        value={percentDone(props.trace)}
      />
      {props.detail && <TraceCostLine trace={props.detail} />}
    </Box>
  );
};

/**
 * A running trace's progress: one bar for one target, or one per pod stream
 * under a line for the group.
 */
export const TraceProgress = (props: {
  streams: TraceSummary[];
  details: TraceDetail[];
}) => {
  const { streams, details } = props;
  const detailOf = (t: TraceSummary) => details.find(d => d.id === t.id);
  const head = streams.find(t => t.status === 'running') ?? streams[0];
  const of = `${formatDuration(head.elapsedSec)} of ${formatDuration(
    head.durationSec,
  )}`;
  if (streams.length === 1) {
    return (
      <StreamProgress
        trace={head}
        detail={detailOf(head)}
        label={`Tracing ${head.target.label}: ${of}`}
      />
    );
  }
  return (
    <Box>
      <Typography variant="body2">
        Tracing {streams.length} pods: {of}
      </Typography>
      <Box
        component="ul"
        aria-label="Trace streams, one per pod"
        m={0}
        p={0}
        style={{ listStyle: 'none' }}
      >
        {streams.map(t => (
          <Box component="li" key={t.id} mt={1}>
            <StreamProgress
              trace={t}
              detail={detailOf(t)}
              label={`${t.target.label}: ${TRACE_STATUS_LABELS[
                t.status
              ].toLowerCase()}, ${formatDuration(t.elapsedSec)}`}
            />
          </Box>
        ))}
      </Box>
    </Box>
  );
};
