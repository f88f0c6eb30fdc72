import { firstAt, judgedTrace, Step, verdictOf } from './testing/judgedTrace';

/**
 * The shapes a judge of aged bytes alone missed, and the controls that must
 * stay quiet whatever is done for them. Simulated processes through the
 * real ledger; 2 s snapshots, 10 s minimum age, 60 s window (the defaults).
 */

const CHURN = { ratePerSec: 1000 };
// an append-only journal: +32 KiB every 0.5 s, moved by each realloc
const JOURNAL = { appendBytes: 32 << 10, everySec: 0.5 };
// 200 sessions/s of 4 KiB: 15 in 16 closed within ~50 ms, 1 in 16 never
const SESSIONS = { ratePerSec: 200, bytes: 4096, keptShare: 1 / 16 };
const FIRST_FULL_WINDOW_SEC = 2 + 10 + 60;

const isCall = (s: Step) => s.j.verdict === 'growing' || s.j.verdict === 'leak';

/** Leak and growing calls after the first full window: the benchmark's rule. */
function quietWindows(steps: Step[]) {
  const windows = steps.filter(s => s.t >= FIRST_FULL_WINDOW_SEC);
  return {
    windows: windows.length,
    leak: steps.filter(s => s.j.stacks.some(st => st.verdict === 'leak'))
      .length,
  };
}

describe('LeakJudge on shapes that never age or only partly leak', () => {
  it.each([1, 2])(
    'calls a buffer grown by realloc among churn (seed %d): growing ≤ 40 s, leak ≤ 80 s, naming its grower',
    seed => {
      const { steps, heap } = judgedTrace(
        { seed, churn: CHURN, realloc: JOURNAL },
        150,
      );
      const key = heap.stacks[heap.reallocStack].key;
      const growingAt = firstAt(
        steps,
        s => isCall(s) && s.j.topStackKey === key,
      );
      const leakAt = firstAt(steps, s => s.j.verdict === 'leak');
      expect(growingAt).toBeLessThanOrEqual(40);
      expect(leakAt).toBeLessThanOrEqual(80);
      const after = steps.filter(s => s.t >= leakAt!);
      expect(after.every(s => s.j.verdict === 'leak')).toBe(true);
      expect(after.every(s => s.j.topStackKey === key)).toBe(true);

      const last = after[after.length - 1].j;
      const top = last.stacks[0];
      expect(top.frames[0].symbol).toBe('journal_append');
      // one block, moved by every append: it never ages
      expect(top.outstandingCount).toBe(1);
      expect(top.agedBytes).toBe(0);
      expect(top.frees).toBeGreaterThanOrEqual(290);
      expect(top.evidence?.view).toBe('in-place');
      expect(top.reason).toMatch(
        /^\+3\.\d MiB\/min from journal_append ← journal_thread for \d+ (s|min); \d+ frees; 1 live block growing in place \(realloc moves it\)$/,
      );
      expect(last.growthBytesPerSec).toBeGreaterThan(0.9 * 64 * 1024);
      expect(last.growthBytesPerSec).toBeLessThan(1.1 * 64 * 1024);
      expect(
        last.stacks.filter(s => s.verdict === 'leak').map(s => s.key),
      ).toEqual([key]);
    },
  );

  it.each([1, 2])(
    'calls a partial leak among churn a leak (seed %d): it frees 15 blocks in 16, young, and keeps the rest',
    seed => {
      const { steps, heap } = judgedTrace(
        { seed, churn: CHURN, partial: SESSIONS },
        150,
      );
      const key = heap.stacks[heap.partialStack].key;
      const growingAt = firstAt(
        steps,
        s => isCall(s) && s.j.topStackKey === key,
      );
      const leakAt = firstAt(steps, s => s.j.verdict === 'leak');
      expect(growingAt).toBeLessThanOrEqual(40);
      expect(leakAt).toBeLessThanOrEqual(80);
      const after = steps.filter(s => s.t >= leakAt!);
      expect(after.every(s => s.j.verdict === 'leak')).toBe(true);
      expect(after.every(s => s.j.topStackKey === key)).toBe(true);

      const last = after[after.length - 1].j;
      const top = last.stacks[0];
      expect(top.frames[0].symbol).toBe('session_open');
      expect(top.frees / top.allocs).toBeGreaterThan(0.9);
      expect(top.evidence?.view).toBe('aged');
      expect(top.evidence!.lateFreeRatio).toBeLessThan(0.01);
      expect(top.reason).toMatch(
        /^\+\d\.\d MiB\/min from session_open ← handle_login for \d+ (s|min); \d+ frees, 0\.\d % of them late$/,
      );
      // 200/s × 1/16 × 4 KiB = 50 KiB/s kept
      expect(last.growthBytesPerSec).toBeGreaterThan(0.85 * 50 * 1024);
      expect(last.growthBytesPerSec).toBeLessThan(1.15 * 50 * 1024);
      expect(
        last.stacks.filter(s => s.verdict === 'leak').map(s => s.key),
      ).toEqual([key]);
    },
  );

  it.each([1, 2, 3, 4])(
    "never calls a slowly filling cache of large entries a leak over 100 windows (the benchmark's, seed %d)",
    seed => {
      // 8 entries of 1 MiB, one insert per 8 s, 30 % of them replacements
      const { steps, heap } = judgedTrace(
        {
          seed,
          churn: { ratePerSec: 300 },
          cache: {
            entryBytes: 1 << 20,
            maxBytes: 8 << 20,
            fillSec: 8 / (0.125 * 0.7),
            replaceShare: 0.3,
          },
        },
        FIRST_FULL_WINDOW_SEC + 230,
      );
      const key = heap.stacks[heap.cacheStack].key;
      expect(quietWindows(steps)).toEqual({ windows: 116, leak: 0 });
      // more blocks, not bigger ones: never read as grown in place
      expect(
        steps.some(
          s =>
            s.j.stacks.find(st => st.key === key)?.evidence?.view ===
              'in-place' && verdictOf(s, key) !== 'stable',
        ),
      ).toBe(false);
    },
  );

  it('never calls a leak that stops after 40 s a leak over 100 windows, and settles to stable', () => {
    const { steps, heap } = judgedTrace(
      {
        seed: 21,
        churn: { ratePerSec: 300 },
        leak: { chunkBytes: 1 << 20, everySec: 8, untilSec: 40 },
      },
      FIRST_FULL_WINDOW_SEC + 230,
    );
    const key = heap.stacks[heap.leakStack].key;
    expect(
      firstAt(steps, s => s.j.verdict === 'growing' && s.j.topStackKey === key),
    ).toBeLessThanOrEqual(40);
    expect(quietWindows(steps)).toEqual({ windows: 116, leak: 0 });
    // once the window has slid past the last chunk
    const settled = steps.filter(s => s.t >= 32 + 60 + 4);
    expect(settled.every(s => verdictOf(s, key) === 'stable')).toBe(true);
  });

  it('never calls a buffer that stops growing a leak over 100 windows, and settles to stable', () => {
    const { steps, heap } = judgedTrace(
      {
        seed: 22,
        churn: { ratePerSec: 300 },
        // grows for 40 s, then stays at 2.6 MiB
        realloc: {
          ...JOURNAL,
          startBytes: 64 << 10,
          maxBytes: (64 + 80 * 32) << 10,
        },
      },
      FIRST_FULL_WINDOW_SEC + 230,
    );
    const key = heap.stacks[heap.reallocStack].key;
    expect(
      firstAt(steps, s => s.j.verdict === 'growing' && s.j.topStackKey === key),
    ).toBeLessThanOrEqual(40);
    expect(quietWindows(steps)).toEqual({ windows: 116, leak: 0 });
    const settled = steps.filter(s => s.t >= 40 + 60 + 4);
    expect(settled.every(s => verdictOf(s, key) === 'stable')).toBe(true);
  });
});
