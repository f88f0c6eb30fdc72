import Typography from '@material-ui/core/Typography';
import { useTheme } from '@material-ui/core/styles';
import {
  formatDuration,
  type HeapSnapshot,
  type OomOutlook,
} from '@internal/plugin-memleak-common';
import { useId } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { heapSeries } from './heapSeries';
import {
  describeLimit,
  projectionToLimit,
  summarizeTimeline,
  toTimelinePoints,
} from './timeline';

/** A container's memory limit and where this trace's rate takes memory. */
export interface ChartLimit {
  bytes: number;
  outlook: OomOutlook;
}

/**
 * The picture that makes the point: on one time axis, the heap the kernel
 * sees, the process's (or container's) memory, and the memory the service
 * says it uses; for a container, its limit and the line toward it at the
 * current rate. Series differ by dash pattern as well as colour.
 */
export const HeapTimelineChart = (props: {
  snapshots: HeapSnapshot[];
  /** What the resident series is: `Process memory (RSS)` or `Container working set`. */
  residentName?: string;
  limit?: ChartLimit;
}) => {
  const { limit, residentName = 'Process memory (RSS)' } = props;
  const theme = useTheme();
  const summaryId = useId();
  const points = toTimelinePoints(props.snapshots);
  const axisColor = theme.palette.text.secondary;
  const projection =
    limit?.outlook.kind === 'hits-limit'
      ? projectionToLimit(points, limit.outlook)
      : undefined;

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
            {limit && (
              <ReferenceLine
                y={Math.round((limit.bytes / 1024 / 1024) * 100) / 100}
                stroke={theme.palette.text.primary}
                strokeDasharray="8 4"
                ifOverflow="extendDomain"
                label={{
                  value: 'Memory limit',
                  position: 'insideTopLeft',
                  fill: axisColor,
                }}
              />
            )}
            {projection && (
              <ReferenceLine
                segment={projection}
                stroke={theme.palette.error.dark}
                strokeDasharray="3 3"
                ifOverflow="extendDomain"
                label={{
                  value: 'at this rate',
                  position: 'insideBottomRight',
                  fill: axisColor,
                }}
              />
            )}
            {heapSeries(theme, residentName)
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
        {summarizeTimeline(
          props.snapshots,
          residentName[0].toLowerCase() + residentName.slice(1),
        )}
        {limit && ` ${describeLimit(limit.bytes, limit.outlook)}`}
      </Typography>
    </figure>
  );
};
