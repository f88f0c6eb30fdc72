import type { HeapSnapshot, TraceTarget } from './types';

/**
 * Estimated time a trace adds to each allocator call, in ns, by where it
 * runs. Source: docs/BENCHMARKS.md, `yarn bench overhead` (2 cores, Linux
 * 6.18), halved because it measures malloc+free pairs:
 * - `local`: the project's tracer, `oursNsPerPair` 1859.7 ns.
 * - `kubernetes`: Inspektor Gadget's trace_malloc probes malloc at entry and
 *   return and free at entry — the layout of that benchmark's baseline, the
 *   three-probe bpftrace script, `bpftraceNsPerPair` 14875.6 ns. No benchmark
 *   here times trace_malloc itself.
 * @public
 */
export const ADDED_NS_PER_ALLOCATOR_CALL: Record<TraceTarget['kind'], number> =
  {
    local: 930,
    kubernetes: 7438,
  };

/** Rates are read over the last few snapshots: recent enough to follow load changes. */
const RATE_WINDOW_SEC = 10;

/** What a running trace costs its target. @public */
export interface TraceCost {
  /** malloc-family calls and frees per second, recently. */
  eventsPerSec: number;
  /** Events the tracer dropped since the trace started. */
  lostEvents: number;
  addedNsPerCall: number;
  /** `eventsPerSec × addedNsPerCall`: the share of one CPU the probes take. */
  cpuShare: number;
}

/** A trace's cost from its snapshots; undefined before the second one. @public */
export function traceCost(
  snapshots: HeapSnapshot[],
  kind: TraceTarget['kind'],
): TraceCost | undefined {
  if (snapshots.length < 2) return undefined;
  const last = snapshots[snapshots.length - 1];
  const from =
    [...snapshots]
      .reverse()
      .find(s => s !== last && last.t - s.t >= RATE_WINDOW_SEC) ?? snapshots[0];
  const seconds = last.t - from.t;
  if (seconds <= 0) return undefined;
  const eventsPerSec =
    (last.allocs + last.frees - from.allocs - from.frees) / seconds;
  const addedNsPerCall = ADDED_NS_PER_ALLOCATOR_CALL[kind];
  return {
    eventsPerSec,
    lostEvents: last.lostEvents,
    addedNsPerCall,
    cpuShare: (eventsPerSec * addedNsPerCall) / 1e9,
  };
}
