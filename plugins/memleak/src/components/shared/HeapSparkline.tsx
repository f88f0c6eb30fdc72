import { useTheme } from '@material-ui/core/styles';
import type { HeapSnapshot } from '@internal/plugin-memleak-common';
import { Line, LineChart, ResponsiveContainer, YAxis } from 'recharts';
import { heapSeries } from './heapSeries';
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
          {heapSeries(theme)
            .slice(0, 2)
            .map(series => (
              <Line
                key={series.dataKey}
                type="monotone"
                {...series}
                dot={false}
                isAnimationActive={false}
              />
            ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
};
