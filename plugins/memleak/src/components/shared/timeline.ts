import {
  formatBytes,
  formatDuration,
  type HeapSnapshot,
  type OomOutlook,
} from '@internal/plugin-memleak-common';
import { describeOutlook, formatTimeToLimit } from '../kubernetes/podRows';

const MIB = 1024 * 1024;

/** One chart point; memory in MiB so axes read in the unit leaks are read in. */
export interface TimelinePoint {
  t: number;
  outstandingMiB: number;
  agedMiB: number;
  rssMiB?: number;
  reportedMiB?: number;
}

const toMiB = (bytes: number | undefined) =>
  bytes === undefined ? undefined : Math.round((bytes / MIB) * 100) / 100;

export function toTimelinePoints(snapshots: HeapSnapshot[]): TimelinePoint[] {
  return snapshots.map(s => ({
    t: s.t,
    outstandingMiB: toMiB(s.outstandingBytes)!,
    agedMiB: toMiB(s.agedBytes)!,
    rssMiB: toMiB(s.rssBytes),
    reportedMiB: toMiB(s.reportedBytes),
  }));
}

function firstLast<T>(
  items: HeapSnapshot[],
  pick: (s: HeapSnapshot) => T | undefined,
): [T, T] | undefined {
  const values = items.map(pick).filter((v): v is T => v !== undefined);
  return values.length ? [values[0], values[values.length - 1]] : undefined;
}

const fromTo = (label: string, range: [number, number]) =>
  `${label} went from ${formatBytes(range[0])} to ${formatBytes(range[1])}`;

/**
 * The chart in words, for screen readers and for anyone skimming: how each
 * series moved between the first and the last snapshot.
 */
export function summarizeTimeline(
  snapshots: HeapSnapshot[],
  residentName = 'process memory (RSS)',
): string {
  if (snapshots.length === 0) {
    return 'No heap samples yet.';
  }
  const span = snapshots[snapshots.length - 1].t - snapshots[0].t;
  const parts = [
    `Over ${formatDuration(span)}, ${fromTo(
      'outstanding heap (eBPF)',
      firstLast(snapshots, s => s.outstandingBytes)!,
    )}`,
    fromTo('aged heap', firstLast(snapshots, s => s.agedBytes)!),
  ];
  const rss = firstLast(snapshots, s => s.rssBytes);
  if (rss) parts.push(fromTo(residentName, rss));
  const reported = firstLast(snapshots, s => s.reportedBytes);
  parts.push(
    reported
      ? fromTo('the memory the service reports about itself', reported)
      : 'the service reported no memory figure',
  );
  return `${parts.join('; ')}.`;
}

/** The memory limit in words, with when this trace's rate reaches it. */
export function describeLimit(limitBytes: number, outlook: OomOutlook): string {
  if (outlook.kind === 'hits-limit') {
    return `At this rate, the ${formatBytes(
      limitBytes,
    )} memory limit is hit in ${formatTimeToLimit(outlook)}.`;
  }
  return `The memory limit is ${formatBytes(limitBytes)}; ${describeOutlook(
    outlook,
  )}.`;
}

/**
 * The line from the last reading toward the limit at the estimated rate, in
 * chart units; drawn no further than three spans of data ahead, so a far-off
 * limit does not squash the data.
 */
export function projectionToLimit(
  points: TimelinePoint[],
  outlook: Extract<OomOutlook, { kind: 'hits-limit' }>,
): [{ x: number; y: number }, { x: number; y: number }] | undefined {
  if (points.length < 2) return undefined;
  const first = points[0].t;
  const last = points[points.length - 1].t;
  const horizon = Math.max(last - first, 60) * 3;
  const ahead = Math.min(outlook.sec, horizon);
  const from = outlook.currentBytes;
  return [
    { x: last, y: toMiB(from)! },
    {
      x: Math.round(last + ahead),
      y: toMiB(from + outlook.growth.bytesPerSec * ahead)!,
    },
  ];
}
