import type { TraceSummary, Verdict } from './types';

/**
 * How far growth spreads over the traces of one request (one per pod):
 * - `none`: no trace grows.
 * - `single`: one trace, and it grows: one pod cannot tell code from state.
 * - `every`: several, all growing — a leak in the code every replica runs.
 * - `some`: growing in some while others are stable — something one
 *   replica has (its traffic, input, state), not every copy of the code.
 * - `unclear`: growing in some, the rest inconclusive.
 * @public
 */
export type GrowthSpread = 'none' | 'single' | 'every' | 'some' | 'unclear';

/** The entity's verdict over a group of traces. @public */
export interface ReplicaVerdict {
  /** The worst verdict of any trace. */
  verdict: Verdict;
  spread: GrowthSpread;
  traced: number;
  /** Target labels of the traces that grow (`leak` or `growing`). */
  growing: string[];
  inconclusive: number;
  /** The fastest growth of any trace. */
  growthBytesPerSec: number;
}

/** Worst first, as a list of services is read: leaks before anything else. @public */
export const VERDICT_SEVERITY: Record<Verdict, number> = {
  leak: 3,
  growing: 2,
  inconclusive: 1,
  stable: 0,
};

const grows = (v: Verdict) => v === 'leak' || v === 'growing';

/** Sums up the traces one request started (one, or one per pod). @public */
export function replicaVerdict(traces: TraceSummary[]): ReplicaVerdict {
  const growing = traces.filter(t => grows(t.verdict));
  const stable = traces.filter(t => t.verdict === 'stable').length;
  const inconclusive = traces.filter(t => t.verdict === 'inconclusive').length;
  let spread: GrowthSpread = 'none';
  if (growing.length > 0) {
    if (traces.length === 1) spread = 'single';
    else if (growing.length === traces.length) spread = 'every';
    else spread = stable > 0 ? 'some' : 'unclear';
  }
  const verdict = traces.reduce<Verdict>(
    (worst, t) =>
      VERDICT_SEVERITY[t.verdict] > VERDICT_SEVERITY[worst] ? t.verdict : worst,
    'stable',
  );
  return {
    verdict: traces.length ? verdict : 'inconclusive',
    spread,
    traced: traces.length,
    growing: growing.map(t => t.target.label),
    inconclusive,
    growthBytesPerSec: traces.length
      ? Math.max(...traces.map(t => t.growthBytesPerSec))
      : 0,
  };
}
