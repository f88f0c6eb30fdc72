import type { Theme } from '@material-ui/core/styles';
import type { TimelinePoint } from './timeline';

/** How one memory series is drawn: colour and dash, so colour is never the only signal. */
export interface HeapSeries {
  dataKey: keyof TimelinePoint;
  name: string;
  stroke: string;
  strokeDasharray?: string;
  strokeWidth: number;
}

/**
 * The memory series of a trace, in drawing order. The sparkline draws the
 * first two (what eBPF sees); the tab's chart draws those present in the data.
 */
export function heapSeries(
  theme: Theme,
  residentName = 'Process memory (RSS)',
): HeapSeries[] {
  return [
    {
      dataKey: 'outstandingMiB',
      name: 'Outstanding heap (eBPF)',
      stroke: theme.palette.error.main,
      strokeWidth: 2,
    },
    {
      dataKey: 'agedMiB',
      name: 'Aged heap (eBPF)',
      stroke: theme.palette.warning.main,
      strokeDasharray: '6 3',
      strokeWidth: 2,
    },
    {
      dataKey: 'rssMiB',
      name: residentName,
      stroke: theme.palette.info.main,
      strokeDasharray: '2 2',
      strokeWidth: 1,
    },
    {
      dataKey: 'reportedMiB',
      name: 'Self-reported memory',
      stroke: theme.palette.success.main,
      strokeDasharray: '10 4 2 4',
      strokeWidth: 2,
    },
  ];
}
