import type { Point } from './points';
import { lastAtOrBefore } from './points';

/**
 * How much of what a stack allocates it gives back *late*, from aggregates
 * taken with one minimum age m.
 *
 * The blocks aged at t are exactly the blocks live at t − m that are still
 * live at t, so `live(t − m) − aged(t)` counts the blocks that lived across
 * t − m and were freed by t. Summed over the window's points and divided by
 * the allocations of the same intervals, a block freed after outliving m
 * counts fully, one freed younger counts by the share of m it lived, and one
 * kept counts nothing. A partial leak (frees only young request buffers,
 * keeps the rest) scores ≈ 0; a cache, which replaces old entries, scores
 * its replacement rate.
 *
 * Without a minimum age (m = 0) young and late cannot be told apart: every
 * free counts as late.
 */
export function lateFreeRatio(
  history: Point[],
  window: Point[],
  key: string,
  minAgeMs: number,
): number {
  if (minAgeMs <= 0) {
    const first = window.find(p => p.byKey.has(key));
    const last = window[window.length - 1].byKey.get(key);
    if (!first || !last) return 0;
    const base = first.byKey.get(key)!;
    const allocs = last.allocs - base.allocs;
    return allocs > 0 ? (last.frees - base.frees) / allocs : 0;
  }
  // Snapshots are due every interval; a quarter of one absorbs timer jitter.
  const spacing =
    window.length > 1
      ? (window[window.length - 1].snap.timestampMs -
          window[0].snap.timestampMs) /
        (window.length - 1)
      : 0;
  let late = 0;
  let allocs = 0;
  for (const p of window) {
    const now = p.byKey.get(key);
    const i = lastAtOrBefore(
      history,
      p.snap.timestampMs - minAgeMs,
      spacing / 4,
    );
    // A stack missing from a snapshot (cut by its top-N) tells nothing.
    const then = i >= 0 ? history[i].byKey.get(key) : undefined;
    if (!now || !then) continue;
    late += Math.max(0, then.outstandingCount - now.agedCount);
    allocs += now.allocs - then.allocs;
  }
  return allocs > 0 ? late / allocs : 0;
}
