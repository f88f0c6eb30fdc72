import { HeapLedger } from '../HeapLedger';
import { LedgerSnapshot } from '../../sources/types';
import { SyntheticHeap } from './syntheticHeap';

export interface TraceStep {
  snapshot: LedgerSnapshot;
  /** Seconds since the trace started. */
  t: number;
}

/**
 * Runs a simulated process through a real HeapLedger and yields a snapshot
 * every `intervalSec`, the way a trace runner would.
 */
export function* traceSnapshots(
  heap: SyntheticHeap,
  ledger: HeapLedger,
  options: { durationSec: number; intervalSec?: number; minAgeSec?: number },
): Generator<TraceStep> {
  const interval = options.intervalSec ?? 2;
  const minAgeMs = (options.minAgeSec ?? 10) * 1000;
  const ids = heap.stacks.map(s => ledger.registerStack(s.key, s.frames));
  // Kernel clock offset: traces never start at monotonic time 0.
  const clockNs = 5_000e9;
  const sink = (
    op: number,
    addr: number,
    size: number,
    ns: number,
    stack: number,
  ) => ledger.record(op, addr, size, clockNs + ns, ids[stack]);
  for (let t = interval; t <= options.durationSec + 1e-9; t += interval) {
    heap.runUntil(t, sink);
    yield { t, snapshot: ledger.snapshot((clockNs + t * 1e9) / 1e6, minAgeMs) };
  }
}
