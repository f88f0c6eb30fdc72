import type { KernelTarget, PodTarget, TraceDetail } from './types';

/** A memory reading: seconds since some start, and bytes. @public */
export interface MemoryPoint {
  t: number;
  bytes: number;
}

/**
 * A growth rate with the range the data allows: the Theil–Sen slope and its
 * 95 % confidence interval (Sen, 1968), all in bytes per second.
 * @public
 */
export interface GrowthEstimate {
  bytesPerSec: number;
  lowBytesPerSec: number;
  highBytesPerSec: number;
  /** How many readings the estimate rests on. */
  points: number;
}

/**
 * The recent rate is the one that will meet the limit; a bound also keeps the
 * O(n²) pairwise slopes cheap enough for a browser (200 points: 19 900 slopes).
 */
const MAX_POINTS = 200;
const Z_95 = 1.959964;

/**
 * Theil–Sen slope of the most recent readings, with the 95 % interval from
 * the ranks of the pairwise slopes. Undefined with fewer than 3 readings.
 * @public
 */
export function estimateGrowth(
  readings: MemoryPoint[],
): GrowthEstimate | undefined {
  const points = readings.slice(-MAX_POINTS);
  const n = points.length;
  if (n < 3) return undefined;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dt = points[j].t - points[i].t;
      if (dt !== 0) slopes.push((points[j].bytes - points[i].bytes) / dt);
    }
  }
  if (slopes.length === 0) return undefined;
  slopes.sort((a, b) => a - b);
  const count = slopes.length;
  const mid = Math.floor(count / 2);
  const median = count % 2 ? slopes[mid] : (slopes[mid - 1] + slopes[mid]) / 2;
  // Kendall's S variance without ties; the interval's ends are order statistics.
  const c = Z_95 * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const lowRank = Math.max(0, Math.floor((count - c) / 2));
  const highRank = Math.min(count - 1, Math.ceil((count + c) / 2));
  return {
    bytesPerSec: median,
    lowBytesPerSec: slopes[lowRank],
    highBytesPerSec: slopes[highRank],
    points: n,
  };
}

/**
 * Where a container's memory is heading against its limit.
 * - `no-limit`: the container has no memory limit, so no OOM kill by one.
 * - `no-data`: too few readings for a rate (no trace, or just started).
 * - `unknown-usage`: a limit and readings, but no current working set.
 * - `not-growing`: the rate's interval reaches zero or below.
 * - `hits-limit`: at this rate the limit is hit in `sec`; the interval of the
 *   rate gives `soonestSec`..`latestSec`.
 * @public
 */
export type OomOutlook =
  | { kind: 'no-limit' }
  | { kind: 'no-data'; limitBytes: number }
  | { kind: 'unknown-usage'; limitBytes: number; growth: GrowthEstimate }
  | { kind: 'not-growing'; limitBytes: number; growth: GrowthEstimate }
  | {
      kind: 'hits-limit';
      limitBytes: number;
      currentBytes: number;
      growth: GrowthEstimate;
      sec: number;
      soonestSec: number;
      latestSec: number;
    };

/**
 * When memory reaches a limit at a growth rate. Growth counts only when its
 * whole interval is above zero; a limit already reached is 0 s away.
 * @public
 */
export function timeToLimit(
  limitBytes: number,
  currentBytes: number | undefined,
  growth: GrowthEstimate,
): OomOutlook {
  if (growth.lowBytesPerSec <= 0) {
    return { kind: 'not-growing', limitBytes, growth };
  }
  if (currentBytes === undefined) {
    return { kind: 'unknown-usage', limitBytes, growth };
  }
  const headroom = Math.max(0, limitBytes - currentBytes);
  return {
    kind: 'hits-limit',
    limitBytes,
    currentBytes,
    growth,
    sec: headroom / growth.bytesPerSec,
    soonestSec: headroom / growth.highBytesPerSec,
    latestSec: headroom / growth.lowBytesPerSec,
  };
}

/**
 * A pod's time to OOM from its trace. Memory grows only where the trace's
 * verdict says so: a working set still settling (caches filling, sessions
 * piling up at start) has a positive slope too. The rate is that of the
 * memory the limit counts (the working set sampled beside the trace, else the
 * traced heap, which grows with it when the leak is on the heap); usage now
 * is the report's working set, else the last sampled.
 * @public
 */
export function podOomOutlook(
  pod: Pick<PodTarget, 'memoryLimitBytes'>,
  trace: Pick<TraceDetail, 'verdict' | 'snapshots'> | undefined,
  kernel?: Pick<KernelTarget, 'rssBytes'>,
): OomOutlook {
  const limitBytes = pod.memoryLimitBytes;
  if (limitBytes === undefined) return { kind: 'no-limit' };
  const snapshots = trace?.snapshots ?? [];
  const workingSet = snapshots
    .filter(s => s.rssBytes !== undefined)
    .map(s => ({ t: s.t, bytes: s.rssBytes! }));
  const series =
    workingSet.length >= 3
      ? workingSet
      : snapshots.map(s => ({ t: s.t, bytes: s.outstandingBytes }));
  const growth = estimateGrowth(series);
  if (!trace || !growth) return { kind: 'no-data', limitBytes };
  if (trace.verdict !== 'leak' && trace.verdict !== 'growing') {
    return { kind: 'not-growing', limitBytes, growth };
  }
  const current = kernel?.rssBytes ?? workingSet[workingSet.length - 1]?.bytes;
  return timeToLimit(limitBytes, current, growth);
}
