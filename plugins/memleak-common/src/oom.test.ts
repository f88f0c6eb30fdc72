import fc from 'fast-check';
import {
  estimateGrowth,
  podOomOutlook,
  timeToLimit,
  type MemoryPoint,
} from './oom';
import type { HeapSnapshot } from './types';

const MIB = 1024 * 1024;

/** leaker-c's default leak: 1 MiB every 8 s, read every 2 s. */
const steps = (count: number, base = 40 * MIB): MemoryPoint[] =>
  Array.from({ length: count }, (_, i) => ({
    t: i * 2,
    bytes: base + Math.floor((i * 2) / 8) * MIB,
  }));

const snapshot = (t: number, heap: number, rss?: number): HeapSnapshot => ({
  t,
  at: new Date(t * 1000).toISOString(),
  outstandingBytes: heap,
  outstandingCount: 0,
  agedBytes: 0,
  mmapBytes: 0,
  allocs: 0,
  frees: 0,
  lostEvents: 0,
  rssBytes: rss,
});

describe('estimateGrowth', () => {
  it('finds the exact slope of a straight line, with no spread', () => {
    const line = Array.from({ length: 10 }, (_, i) => ({
      t: i * 2,
      bytes: 1000 + 500 * i * 2,
    }));
    expect(estimateGrowth(line)).toEqual({
      bytesPerSec: 500,
      lowBytesPerSec: 500,
      highBytesPerSec: 500,
      points: 10,
    });
  });

  it('reads a stepped leak of 1 MiB / 8 s as about that, with a range around it', () => {
    const g = estimateGrowth(steps(60))!;
    expect(g.bytesPerSec).toBeCloseTo(MIB / 8, -3);
    expect(g.lowBytesPerSec).toBeGreaterThan(0);
    expect(g.lowBytesPerSec).toBeLessThanOrEqual(g.bytesPerSec);
    expect(g.highBytesPerSec).toBeGreaterThanOrEqual(g.bytesPerSec);
  });

  it('needs three readings at two distinct times', () => {
    expect(estimateGrowth(steps(2))).toBeUndefined();
    expect(
      estimateGrowth([
        { t: 1, bytes: 1 },
        { t: 1, bytes: 2 },
        { t: 1, bytes: 3 },
      ]),
    ).toBeUndefined();
  });

  it('uses only the most recent 200 readings', () => {
    const flatThenGrowing = [
      ...Array.from({ length: 300 }, (_, i) => ({ t: i, bytes: 0 })),
      ...Array.from({ length: 200 }, (_, i) => ({ t: 300 + i, bytes: i * 10 })),
    ];
    expect(estimateGrowth(flatThenGrowing)!.bytesPerSec).toBe(10);
  });

  it('always brackets the slope by its interval', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1e9 }), {
          minLength: 3,
          maxLength: 60,
        }),
        values => {
          const g = estimateGrowth(values.map((bytes, t) => ({ t, bytes })))!;
          expect(g.lowBytesPerSec).toBeLessThanOrEqual(g.bytesPerSec);
          expect(g.bytesPerSec).toBeLessThanOrEqual(g.highBytesPerSec);
        },
      ),
    );
  });
});

describe('timeToLimit', () => {
  const growth = {
    bytesPerSec: MIB / 8,
    lowBytesPerSec: MIB / 10,
    highBytesPerSec: MIB / 6,
    points: 30,
  };

  it('divides the headroom by the rate, and by the ends of its interval', () => {
    expect(timeToLimit(256 * MIB, 196 * MIB, growth)).toEqual({
      kind: 'hits-limit',
      limitBytes: 256 * MIB,
      currentBytes: 196 * MIB,
      growth,
      sec: 480,
      soonestSec: 360,
      latestSec: 600,
    });
  });

  it('says a limit already reached is no time away', () => {
    expect(timeToLimit(256 * MIB, 300 * MIB, growth)).toMatchObject({
      sec: 0,
      soonestSec: 0,
      latestSec: 0,
    });
  });

  it('calls memory growing only when the whole interval is above zero', () => {
    expect(
      timeToLimit(256 * MIB, 100 * MIB, { ...growth, lowBytesPerSec: 0 }),
    ).toMatchObject({ kind: 'not-growing' });
  });

  it('needs the current usage for a time', () => {
    expect(timeToLimit(256 * MIB, undefined, growth)).toMatchObject({
      kind: 'unknown-usage',
    });
  });
});

describe('podOomOutlook', () => {
  const leaking = {
    verdict: 'leak' as const,
    snapshots: steps(60).map(p => snapshot(p.t, p.bytes - 40 * MIB, p.bytes)),
  };
  const withSnapshots = (f: (s: HeapSnapshot) => HeapSnapshot) => ({
    ...leaking,
    snapshots: leaking.snapshots.map(f),
  });

  it('needs a memory limit', () => {
    expect(podOomOutlook({}, leaking)).toEqual({ kind: 'no-limit' });
  });

  it('uses the sampled working set, and the report’s current one when given', () => {
    const outlook = podOomOutlook({ memoryLimitBytes: 256 * MIB }, leaking, {
      rssBytes: 96 * MIB,
    });
    expect(outlook).toMatchObject({
      kind: 'hits-limit',
      currentBytes: 96 * MIB,
    });
    if (outlook.kind !== 'hits-limit') throw new Error(outlook.kind);
    // 160 MiB of headroom at ~1 MiB / 8 s
    expect(outlook.sec / 60).toBeCloseTo((160 * 8) / 60, 0);
    expect(outlook.soonestSec).toBeLessThanOrEqual(outlook.sec);
    expect(outlook.latestSec).toBeGreaterThanOrEqual(outlook.sec);
  });

  it('falls back to the last sampled working set, and to the heap for the rate', () => {
    expect(
      podOomOutlook({ memoryLimitBytes: 256 * MIB }, leaking),
    ).toMatchObject({ kind: 'hits-limit', currentBytes: 54 * MIB });
    const heapOnly = withSnapshots(s => ({ ...s, rssBytes: undefined }));
    expect(
      podOomOutlook({ memoryLimitBytes: 256 * MIB }, heapOnly),
    ).toMatchObject({ kind: 'unknown-usage' });
    expect(
      podOomOutlook({ memoryLimitBytes: 256 * MIB }, heapOnly, {
        rssBytes: 100 * MIB,
      }),
    ).toMatchObject({ kind: 'hits-limit', currentBytes: 100 * MIB });
  });

  it('says when there is too little data or no growth', () => {
    const limit = { memoryLimitBytes: 256 * MIB };
    expect(
      podOomOutlook(limit, {
        ...leaking,
        snapshots: leaking.snapshots.slice(0, 2),
      }),
    ).toEqual({ kind: 'no-data', limitBytes: 256 * MIB });
    expect(podOomOutlook(limit, undefined)).toEqual({
      kind: 'no-data',
      limitBytes: 256 * MIB,
    });
    const flat = withSnapshots(s => ({ ...s, rssBytes: 50 * MIB }));
    expect(podOomOutlook(limit, flat)).toMatchObject({ kind: 'not-growing' });
  });

  it('takes growth only from a verdict that says so', () => {
    const limit = { memoryLimitBytes: 256 * MIB };
    for (const verdict of ['stable', 'inconclusive'] as const) {
      expect(podOomOutlook(limit, { ...leaking, verdict })).toMatchObject({
        kind: 'not-growing',
      });
    }
    expect(
      podOomOutlook(limit, { ...leaking, verdict: 'growing' }),
    ).toMatchObject({ kind: 'hits-limit' });
  });
});
