import { useTheme } from '@material-ui/core/styles';
import type { HeapSnapshot } from '@internal/plugin-memleak-common';
import { Line, LineChart, ResponsiveContainer, YAxis } from 'recharts';
import { toTimelinePoints } from './timeline';

/**
 * Outstanding and aged heap over the trace, small. Decorative: the numbers
 * next to it (and the tab's chart summary) say the same in words.
 */
export const HeapSparkline = (props: { snapshots: HeapSnapshot[] }) => {
  const theme = useTheme();
  if (props.snapshots.length < 2) return null;
  return (
    <div aria-hidden="true" data-testid="heap-sparkline">
      <ResponsiveContainer width="100%" height={48}>
        <LineChart data={toTimelinePoints(props.snapshots)}>
          <YAxis hide domain={[0, 'auto']} />
          <Line
            type="monotone"
            dataKey="outstandingMiB"
            stroke={theme.palette.error.main}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
          <Line
            type="monotone"
            dataKey="agedMiB"
            stroke={theme.palette.warning.main}
            strokeDasharray="4 2"
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
};
