import Typography from '@material-ui/core/Typography';
import { traceCost, type TraceDetail } from '@internal/plugin-memleak-common';

const count = (n: number) =>
  Math.round(n).toLocaleString('en-US', { maximumFractionDigits: 0 });

const percent = (share: number) =>
  `${(share * 100).toFixed(share < 0.001 ? 2 : 1)} %`;

/**
 * What a running trace costs where it runs: allocator calls per second, lost
 * events, and the time the probes add per call (from the overhead benchmark).
 */
export const TraceCostLine = (props: { trace: TraceDetail }) => {
  const cost = traceCost(props.trace.snapshots, props.trace.target.kind);
  if (!cost) return null;
  return (
    <Typography variant="body2" color="textSecondary">
      {count(cost.eventsPerSec)} allocator calls/s ·{' '}
      {cost.lostEvents > 0 ? (
        <strong>{count(cost.lostEvents)} events lost</strong>
      ) : (
        'no events lost'
      )}{' '}
      · est. +{(cost.addedNsPerCall / 1000).toFixed(1)} µs per call (
      {percent(cost.cpuShare)} of one CPU, from the overhead benchmark)
    </Typography>
  );
};
