import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import {
  formatBytes,
  replicaVerdict,
  type ReplicaVerdict,
  type TraceSummary,
} from '@internal/plugin-memleak-common';
import { VerdictChip } from '../shared';
import { formatTimeToLimit, type PodRow } from './podRows';

const list = (labels: string[]) => labels.join(', ');

/** Whether the growth is the code's (every replica) or one replica's. */
export function describeSpread(v: ReplicaVerdict): string {
  const { traced, growing, inconclusive } = v;
  switch (v.spread) {
    case 'every':
      return `Growing in every replica (${traced} of ${traced}): a leak in the code they all run, so every pod is heading for its limit.`;
    case 'some':
      return `Growing in ${growing.length} of ${traced} replicas (${list(
        growing,
      )}) while the others are stable: look at what ${
        growing.length === 1 ? 'that pod gets' : 'those pods get'
      } that the others do not (traffic, input, state), not only at the code.`;
    case 'unclear':
      return `Growing in ${growing.length} of ${traced} replicas (${list(
        growing,
      )}); ${inconclusive} inconclusive, so whether every replica leaks is not clear yet.`;
    case 'single':
      return `Growing in ${growing[0]}, the only pod traced: trace all pods to tell a leak in the code from one replica's.`;
    default:
      return traced === 1
        ? 'No growth in the traced pod.'
        : `No growth in any of the ${traced} traced pods.`;
  }
}

/** The pod that reaches its limit first, at the current rates. */
export function soonestOom(rows: PodRow[]): string | undefined {
  const hits = rows.flatMap(r =>
    r.outlook.kind === 'hits-limit' ? [{ row: r, outlook: r.outlook }] : [],
  );
  const first = hits.sort((a, b) => a.outlook.sec - b.outlook.sec)[0];
  if (!first) return undefined;
  return `At this rate, ${first.row.pod.name} hits its ${formatBytes(
    first.outlook.limitBytes,
  )} memory limit in ${formatTimeToLimit(first.outlook)}.`;
}

/** The entity's verdict over its pods, and the soonest time to OOM. */
export const ReplicaSummary = (props: {
  group: TraceSummary[];
  rows: PodRow[];
}) => {
  if (props.group.length === 0) return null;
  const verdict = replicaVerdict(props.group);
  const oom = soonestOom(props.rows);
  return (
    <Box
      component="section"
      aria-label="Across pods"
      display="flex"
      flexDirection="column"
      gridGap={4}
    >
      <Box display="flex" alignItems="center" gridGap={8} flexWrap="wrap">
        <VerdictChip verdict={verdict.verdict} />
        <Typography variant="body2">{describeSpread(verdict)}</Typography>
      </Box>
      {oom && (
        <Typography variant="body2">
          <strong>Time to OOM:</strong> {oom}
        </Typography>
      )}
    </Box>
  );
};
