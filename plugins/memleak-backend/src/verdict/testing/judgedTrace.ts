import { HeapLedger } from '../../ledger';
import { traceSnapshots } from '../../ledger/testing/feedLedger';
import {
  SyntheticHeap,
  SyntheticOptions,
} from '../../ledger/testing/syntheticHeap';
import { LeakJudge, TraceJudgement } from '../LeakJudge';

export interface Step {
  t: number;
  j: TraceJudgement;
}

/**
 * A trace of a simulated process through the real ledger, judged after
 * every 2 s snapshot with the default verdict settings. `hook` may add
 * events of its own before each snapshot.
 */
export function judgedTrace(
  options: SyntheticOptions,
  durationSec: number,
  hook?: (t: number, ledger: HeapLedger) => void,
): { steps: Step[]; heap: SyntheticHeap } {
  const heap = new SyntheticHeap(options);
  const ledger = new HeapLedger();
  const judge = new LeakJudge();
  const steps: Step[] = [];
  for (const { t, snapshot } of traceSnapshots(heap, ledger, {
    durationSec,
  })) {
    hook?.(t, ledger);
    steps.push({
      t,
      j: judge.add(
        hook ? ledger.snapshot(snapshot.timestampMs, 10_000) : snapshot,
      ),
    });
  }
  return { steps, heap };
}

/** Time of the first step that satisfies `f`. */
export const firstAt = (steps: Step[], f: (s: Step) => boolean) =>
  steps.find(f)?.t;

/** The verdict of one stack at one step. */
export const verdictOf = (s: Step, key: string) =>
  s.j.stacks.find(st => st.key === key)?.verdict;
