import {
  formatBytes,
  formatDuration,
  type HeapSnapshot,
} from '@internal/plugin-memleak-common';

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
export function summarizeTimeline(snapshots: HeapSnapshot[]): string {
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
  if (rss) parts.push(fromTo('process memory (RSS)', rss));
  const reported = firstLast(snapshots, s => s.reportedBytes);
  parts.push(
    reported
      ? fromTo('the memory the service reports about itself', reported)
      : 'the service reported no memory figure',
  );
  return `${parts.join('; ')}.`;
}
