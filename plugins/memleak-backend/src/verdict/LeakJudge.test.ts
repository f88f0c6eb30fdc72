import { HeapLedger } from '../ledger';
import { traceSnapshots } from '../ledger/testing/feedLedger';
import { SyntheticHeap } from '../ledger/testing/syntheticHeap';
import { MemOp } from '../sources/types';
import { minTraceSec } from './config';
import { judgeTrace, LeakJudge, TraceJudgement } from './LeakJudge';
import { firstAt, judgedTrace, Step } from './testing/judgedTrace';

const LEAK = { chunkBytes: 1 << 20, everySec: 8 }; // the demo's leak
const CACHE = {
  entryBytes: 16 << 10,
  maxBytes: 32 << 20,
  fillSec: 120,
  replaceShare: 0.2,
};

describe('LeakJudge on synthetic processes through the real ledger', () => {
  it.each([1, 2, 3])(
    'calls the 1 MiB / 8 s leak among churn (seed %d): growing ≤ 40 s, leak ≤ 120 s',
    seed => {
      const { steps, heap } = judgedTrace(
        { seed, churn: { ratePerSec: 2000 }, leak: LEAK },
        180,
      );
      const leakKey = heap.stacks[heap.leakStack].key;
      const growingAt = firstAt(
        steps,
        s => s.j.verdict === 'growing' && s.j.topStackKey === leakKey,
      );
      const leakAt = firstAt(steps, s => s.j.verdict === 'leak');
      expect(growingAt).toBeLessThanOrEqual(40);
      expect(leakAt).toBeLessThanOrEqual(120);
      const called = steps.filter(s => s.t >= leakAt!);
      expect(called.every(s => s.j.verdict === 'leak')).toBe(true);
      expect(called.every(s => s.j.topStackKey === leakKey)).toBe(true);

      const last = steps[steps.length - 1].j;
      // 7.5 MiB/min, as Theil–Sen reads a staircase of 1 MiB steps
      expect(last.reason).toMatch(
        /^\+7\.\d MiB\/min from leak_memory_chunk ← leak_thread for \d+ (s|min); 0 frees$/,
      );
      expect(last.growthBytesPerSec).toBeGreaterThan(100 * 1024);
      // Only the leaking stack is called a leak.
      expect(
        last.stacks.filter(s => s.verdict === 'leak').map(s => s.key),
      ).toEqual([leakKey]);
      expect(last.stacks[0].id).toMatch(/^[0-9a-f]{8}$/);
    },
  );

  it('never calls steady churn a leak over 100 windows, and settles to stable', () => {
    const { steps } = judgedTrace(
      { seed: 11, churn: { ratePerSec: 300 } },
      6000,
    );
    expect(steps.filter(s => s.j.verdict === 'leak')).toEqual([]);
    for (const s of steps) {
      expect(s.j.stacks.some(st => st.verdict === 'leak')).toBe(false);
    }
    // After the live set has warmed up (lifetimes ≤ 40 s), churn reads stable.
    const settled = steps.filter(s => s.t >= 120);
    const stable = settled.filter(s => s.j.verdict === 'stable').length;
    expect(stable / settled.length).toBeGreaterThanOrEqual(0.95);
    expect(settled[settled.length - 1].j.reason).toMatch(/^aged heap flat \(/);
  });

  it('keeps heavier churn (2000 allocs/s) out of leak and mostly stable', () => {
    const { steps } = judgedTrace(
      { seed: 12, churn: { ratePerSec: 2000 } },
      600,
    );
    expect(steps.filter(s => s.j.verdict === 'leak')).toEqual([]);
    const settled = steps.filter(s => s.t >= 120);
    const stable = settled.filter(s => s.j.verdict === 'stable').length;
    expect(stable / settled.length).toBeGreaterThanOrEqual(0.9);
  });

  it('never calls a bounded cache a leak; growing while it fills, stable after', () => {
    const { steps, heap } = judgedTrace(
      { seed: 5, churn: { ratePerSec: 300 }, cache: CACHE },
      6000,
    );
    const cacheKey = heap.stacks[heap.cacheStack].key;
    const cacheVerdict = (s: Step) =>
      s.j.stacks.find(st => st.key === cacheKey)?.verdict;
    expect(steps.filter(s => s.j.verdict === 'leak')).toEqual([]);
    expect(steps.filter(s => cacheVerdict(s) === 'leak')).toEqual([]);
    expect(
      firstAt(
        steps,
        s => s.j.verdict === 'growing' && s.j.topStackKey === cacheKey,
      ),
    ).toBeLessThanOrEqual(60);
    // Plateau at 120 s + minimum age + one window: the window sees no growth.
    const after = steps.filter(s => s.t >= 120 + 10 + 60 + 4);
    expect(after.every(s => cacheVerdict(s) === 'stable')).toBe(true);
    const stable = after.filter(s => s.j.verdict === 'stable').length;
    expect(stable / after.length).toBeGreaterThanOrEqual(0.95);
  });

  it('reads a one-time step-up as growing at most, never leak', () => {
    const burstKey = '0xb00; ';
    const { steps } = judgedTrace(
      { seed: 4, churn: { ratePerSec: 500 } },
      200,
      (t, ledger) => {
        if (t !== 40) return;
        // 64 × 64 KiB allocated at once at startup-like time and kept forever.
        const id = ledger.stackId(burstKey);
        for (let i = 0; i < 64; i++) {
          ledger.record(
            MemOp.malloc,
            0x600000000000 + i * 0x20000,
            64 << 10,
            5_000e9 + 40e9,
            id,
          );
        }
      },
    );
    const burst = (s: Step) =>
      s.j.stacks.find(st => st.key === burstKey)?.verdict;
    expect(steps.filter(s => burst(s) === 'leak')).toEqual([]);
    expect(steps.filter(s => s.j.verdict === 'leak')).toEqual([]);
  });

  it('is inconclusive, never leak, while lost events are in the window', () => {
    const { steps } = judgedTrace(
      { seed: 2, churn: { ratePerSec: 2000 }, leak: LEAK },
      240,
      (t, ledger) => {
        if (t === 120) ledger.addLost(2);
      },
    );
    const during = steps.filter(s => s.t >= 120 && s.t < 180);
    expect(during.every(s => s.j.verdict === 'inconclusive')).toBe(true);
    expect(
      during.every(s => s.j.stacks.every(st => st.verdict === 'inconclusive')),
    ).toBe(true);
    expect(during[0].j.reason).toBe(
      '2 lost events in the last 60 s: cannot call it',
    );
    expect(during[0].j.lostEventsInWindow).toBe(2);
    // Once the loss has left the window, the leak is called again.
    expect(steps[steps.length - 1].j.verdict).toBe('leak');
  });

  it('is inconclusive on too little data, though a stack that keeps everything may read growing', () => {
    const churnOnly = judgedTrace({ seed: 3, churn: { ratePerSec: 2000 } }, 30);
    expect(churnOnly.steps.every(s => s.j.verdict === 'inconclusive')).toBe(
      true,
    );
    expect(churnOnly.steps[5].j.reason).toBe('only 10 s of data; need 30 s');

    const { steps, heap } = judgedTrace(
      { seed: 3, churn: { ratePerSec: 2000 }, leak: LEAK },
      30,
    );
    const leakKey = heap.stacks[heap.leakStack].key;
    // 20 s of snapshots: the leak's live bytes (it never frees) are enough
    expect(
      steps.filter(s => s.t < 22).every(s => s.j.verdict === 'inconclusive'),
    ).toBe(true);
    const early = steps.filter(s => s.j.verdict !== 'inconclusive');
    expect(early.length).toBeGreaterThan(0);
    for (const s of early) {
      expect(s.j.verdict).toBe('growing');
      expect(s.j.topStackKey).toBe(leakKey);
      expect(s.j.stacks[0].evidence?.view).toBe('kept');
    }
    // the churn stacks, which free, wait for the minimum age
    expect(early[0].j.stacks.filter(st => st.key !== leakKey)[0].verdict).toBe(
      'inconclusive',
    );
  });

  it('reaches a verdict in a trace of exactly the minimum duration', () => {
    const need = minTraceSec(2, 10);
    expect(need).toBe(32);
    const { steps } = judgedTrace(
      { seed: 6, churn: { ratePerSec: 2000 } },
      need,
    );
    expect(steps[steps.length - 1].t).toBe(need);
    expect(steps[steps.length - 1].j.verdict).not.toBe('inconclusive');
    expect(steps[steps.length - 2].j.verdict).toBe('inconclusive');
  });

  it('judgeTrace replays snapshots to the same final call', () => {
    const heap = new SyntheticHeap({
      seed: 9,
      churn: { ratePerSec: 500 },
      leak: LEAK,
    });
    const ledger = new HeapLedger();
    const snaps = [...traceSnapshots(heap, ledger, { durationSec: 100 })].map(
      s => s.snapshot,
    );
    const judge = new LeakJudge();
    let last: TraceJudgement | undefined;
    for (const s of snaps) last = judge.add(s);
    expect(judgeTrace(snaps)).toEqual(last);
    expect(judgeTrace([]).verdict).toBe('inconclusive');
  });

  it('honours a configured slope threshold', () => {
    const heap = new SyntheticHeap({
      seed: 9,
      churn: { ratePerSec: 500 },
      leak: LEAK,
    });
    const ledger = new HeapLedger();
    const snaps = [...traceSnapshots(heap, ledger, { durationSec: 120 })].map(
      s => s.snapshot,
    );
    expect(judgeTrace(snaps).verdict).toBe('leak');
    // 128 KiB/s does not clear a 1 MiB/s bar.
    expect(
      judgeTrace(snaps, { slopeThresholdBytesPerSec: 1 << 20 }).verdict,
    ).toBe('stable');
  });
});
