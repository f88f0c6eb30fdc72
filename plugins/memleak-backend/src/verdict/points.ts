import type { LedgerSnapshot, StackSample } from '../sources/types';

/** One snapshot with its stacks indexed by key. */
export interface Point {
  snap: LedgerSnapshot;
  byKey: Map<string, StackSample>;
}

export function toPoint(snap: LedgerSnapshot): Point {
  const byKey = new Map<string, StackSample>();
  for (const s of snap.stacks) byKey.set(s.key, s);
  return { snap, byKey };
}

/** Seconds relative to the last point: the x axis of every slope. */
export function secondsBeforeLast(points: Point[]): number[] {
  const nowMs = points[points.length - 1].snap.timestampMs;
  return points.map(p => (p.snap.timestampMs - nowMs) / 1000);
}

/** Index of the last point at or before `ms` (within `toleranceMs`), or -1. */
export function lastAtOrBefore(
  points: Point[],
  ms: number,
  toleranceMs: number,
): number {
  let lo = 0;
  let hi = points.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].snap.timestampMs <= ms + toleranceMs) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
