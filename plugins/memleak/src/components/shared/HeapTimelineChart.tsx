import Typography from '@material-ui/core/Typography';
import { useTheme } from '@material-ui/core/styles';
import {
  formatDuration,
  type HeapSnapshot,
} from '@internal/plugin-memleak-common';
import { useId } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { heapSeries } from './heapSeries';
import { summarizeTimeline, toTimelinePoints } from './timeline';

/**
 * The picture that makes the point: on one time axis, the heap the kernel
 * sees, the process's memory, and the memory the service says it uses.
 * Series differ by dash pattern as well as colour.
 */
export const HeapTimelineChart = (props: { snapshots: HeapSnapshot[] }) => {
  const theme = useTheme();
  const summaryId = useId();
  const points = toTimelinePoints(props.snapshots);
  const axisColor = theme.palette.text.secondary;

  return (
    <figure style={{ margin: 0 }}>
      <div
        role="img"
        aria-label="Heap and memory over the trace"
        aria-describedby={summaryId}
      >
        <ResponsiveContainer width="100%" height={320}>
          <LineChart
            data={points}
            margin={{ top: 8, right: 16, bottom: 8, left: 8 }}
          >
            <CartesianGrid stroke={theme.palette.divider} />
            <XAxis
              dataKey="t"
              type="number"
              domain={['dataMin', 'dataMax']}
              tickFormatter={(t: number) => formatDuration(t)}
              stroke={axisColor}
            />
            <YAxis
              stroke={axisColor}
              label={{
                value: 'MiB',
                angle: -90,
                position: 'insideLeft',
                fill: axisColor,
              }}
            />
            <Tooltip
              labelFormatter={(t: number) => `${formatDuration(t)} into trace`}
              formatter={(v: number) => `${v} MiB`}
              contentStyle={{
                background: theme.palette.background.paper,
                borderColor: theme.palette.divider,
                color: theme.palette.text.primary,
              }}
            />
            <Legend />
            {heapSeries(theme)
              .filter(series =>
                points.some(p => p[series.dataKey] !== undefined),
              )
              .map(series => (
                <Line
                  key={series.dataKey}
                  {...series}
                  dot={false}
                  isAnimationActive={false}
                />
              ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <Typography
        component="figcaption"
        id={summaryId}
        variant="body2"
        color="textSecondary"
      >
        {summarizeTimeline(props.snapshots)}
      </Typography>
    </figure>
  );
};
