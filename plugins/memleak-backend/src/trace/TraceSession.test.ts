import { SourceError } from '../sources/types';
import { recordTrace } from './testing/recordTrace';
import { SimulatedSource } from './testing/SimulatedSource';
import { TraceSession } from './TraceSession';

/**
 * The session's own logic (ticks, endings, notices, what listeners get) on a
 * simulated process feeding the real HeapLedger and LeakJudge. The session
 * polls every 5 ms while each snapshot moves simulated time by 2 s, the
 * product's interval, so the default verdict settings apply unchanged.
 */

const FAST = { intervalSec: 0.005, minAgeSec: 10, topStacks: 3 };
const CHURN = { ratePerSec: 500, longLivedShare: 0.01 };
const DEMO_LEAK = { chunkBytes: 1 << 20, everySec: 8 };

describe('TraceSession', () => {
  it('takes one snapshot per interval until the duration is up', async () => {
    const source = new SimulatedSource({ stepSec: 2, churn: CHURN });
    const run = await recordTrace(source, { ...FAST, durationSec: 0.1 });

    expect(run.end.status).toBe('completed');
    expect(run.updates).toHaveLength(20);
    expect(run.end.last).toBe(run.last);
    expect(source.calls).toEqual({ start: 1, snapshot: 20, stop: 1 });
    const elapsed = run.updates.map(u => u.elapsedSec);
    expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b));
    expect(run.notices).toEqual([]);
  });

  it('calls the demo leak and names its stack, but not churn', async () => {
    const source = new SimulatedSource({
      stepSec: 2,
      churn: CHURN,
      leak: DEMO_LEAK,
    });
    // 60 snapshots of 2 s: two minutes of simulated trace
    const run = await recordTrace(source, { ...FAST, durationSec: 0.3 });

    expect(run.verdicts[0]).toBe('inconclusive');
    expect(run.last.verdict).toBe('leak');
    expect(run.last.topFrame).toBe('leak_memory_chunk');
    expect(run.last.stacks).toHaveLength(FAST.topStacks);
    expect(run.last.stacks[0]).toMatchObject({ verdict: 'leak', frees: 0 });
    // ~128 KiB/s of aged growth
    expect(run.last.growthBytesPerSec).toBeGreaterThan(100_000);
    expect(run.last.growthBytesPerSec).toBeLessThan(160_000);
    expect(run.last.snapshot.agedBytes).toBeLessThan(
      run.last.snapshot.outstandingBytes,
    );
  });

  it('judges with the verdict settings it is given', async () => {
    const settings = { ...FAST, durationSec: 0.15 }; // 60 s simulated
    const leak = { stepSec: 2, churn: CHURN, leak: DEMO_LEAK };
    const defaults = await recordTrace(new SimulatedSource(leak), settings);
    const short = await recordTrace(new SimulatedSource(leak), {
      ...settings,
      // a 20 s window holds 2–3 of the demo's 8 s chunks
      verdict: { windowSec: 20, minDataSec: 10, minPoints: 5, minRises: 2 },
    });

    expect(defaults.verdicts).not.toContain('leak');
    expect(short.last.verdict).toBe('leak');
  });

  it('passes the context readings along and survives a failing one', async () => {
    const source = new SimulatedSource({ stepSec: 2, churn: CHURN });
    const run = await recordTrace(source, {
      ...FAST,
      durationSec: 0.02,
      context: {
        rssBytes: async () => 12345,
        reportedBytes: async () => {
          throw new Error('metrics endpoint down');
        },
      },
    });

    expect(run.end.status).toBe('completed');
    expect(run.last.snapshot.rssBytes).toBe(12345);
    expect(run.last.snapshot.reportedBytes).toBeUndefined();
  });

  it('warns once about lost events and never calls a leak with them', async () => {
    const source = new SimulatedSource({
      stepSec: 2,
      churn: CHURN,
      leak: DEMO_LEAK,
      // churn keeps ~200 allocations live: the ledger overflows now and then
      maxLiveAllocations: 150,
    });
    const run = await recordTrace(source, { ...FAST, durationSec: 0.3 });

    expect(run.last.snapshot.lostEvents).toBeGreaterThan(0);
    expect(run.verdicts).not.toContain('leak');
    expect(run.last.verdict).toBe('inconclusive');
    expect(run.notices.map(n => n.code)).toEqual(['lost_events']);
    expect(run.notices[0].level).toBe('warning');
  });

  it('ends with target_exited when the source ends, keeping earlier updates', async () => {
    const source = new SimulatedSource({ stepSec: 2, churn: CHURN });
    let seen = 0;
    const run = await recordTrace(source, { ...FAST, durationSec: 10 }, () => {
      // by count, not by clock: a loaded machine takes fewer ticks per ms
      if (++seen === 4) {
        source.end({
          level: 'warning',
          code: 'target_exited',
          message: 'pid 1 exited',
        });
      }
    });

    expect(run.end.status).toBe('target_exited');
    expect(run.updates.length).toBeGreaterThanOrEqual(4);
    expect(run.updates.length).toBeLessThan(100);
    expect(run.end.last).toBe(run.last);
    expect(run.notices.map(n => n.code)).toEqual(['target_exited']);
    expect(source.calls.stop).toBe(1);
  });

  it('treats a snapshot that fails because the target exited as its exit', async () => {
    const source = new SimulatedSource({ stepSec: 2, churn: CHURN });
    const run = await recordTrace(source, { ...FAST, durationSec: 10 }, () => {
      // the reply says "exited" before the source's `ended` settles
      source.snapshotError = new SourceError({
        level: 'warning',
        code: 'target_exited',
        message: 'pid 1 exited',
      });
    });

    expect(run.end.status).toBe('target_exited');
    expect(run.updates).toHaveLength(1);
    expect(run.notices.map(n => n.code)).toEqual(['target_exited']);
  });

  it.each([
    {
      when: 'a snapshot fails',
      disturb: (source: SimulatedSource) => {
        source.snapshotError = new Error('tracer pipe closed');
      },
      says: 'tracer pipe closed',
    },
    {
      when: 'a snapshot never answers (naming the limit)',
      disturb: (source: SimulatedSource) => {
        source.snapshotGate = new Promise(() => {});
      },
      says: 'no snapshot within 0.2 s',
    },
  ])(
    'fails with a source_error notice when $when',
    async ({ disturb, says }) => {
      const source = new SimulatedSource({ stepSec: 2, churn: CHURN });
      const run = await recordTrace(
        source,
        { ...FAST, durationSec: 10, snapshotLimitMs: 200 },
        () => disturb(source),
      );

      expect(run.end.status).toBe('failed');
      expect(run.updates).toHaveLength(1);
      expect(run.notices).toMatchObject([
        { level: 'error', code: 'source_error' },
      ]);
      expect(run.notices[0].message).toContain(says);
      expect(source.calls.stop).toBe(1);
    },
  );

  it('fails with the source notice when it cannot attach', async () => {
    const source = new SimulatedSource({ stepSec: 2 });
    source.startError = new SourceError({
      level: 'error',
      code: 'ebpf_unavailable',
      message: 'needs root',
    });
    const notices: string[] = [];
    const end = await new TraceSession({ ...FAST, source, durationSec: 1 })
      .onNotice(n => {
        notices.push(n.code);
      })
      .run();

    expect(end).toEqual({ status: 'failed' });
    expect(notices).toEqual(['ebpf_unavailable']);
    expect(source.calls).toEqual({ start: 1, snapshot: 0, stop: 1 });
  });

  it('is stopped at once while its source is still attaching', async () => {
    const source = new SimulatedSource({ stepSec: 2 });
    source.startGate = new Promise(() => {}); // never answers
    const session = new TraceSession({ ...FAST, source, durationSec: 10 });
    const done = session.run();
    await new Promise(r => setTimeout(r, 20));
    session.stop();

    expect(await done).toEqual({ status: 'stopped' });
    expect(source.calls).toEqual({ start: 1, snapshot: 0, stop: 1 });
  });

  it('ends with status stopped when stopped, soon after', async () => {
    const source = new SimulatedSource({ stepSec: 2, churn: CHURN });
    let seen = 0;
    const run = await recordTrace(
      source,
      { ...FAST, durationSec: 10 },
      (_update, session) => {
        if (++seen === 4) session.stop();
      },
    );

    expect(run.end.status).toBe('stopped');
    expect(run.updates.length).toBeLessThanOrEqual(5);
    expect(run.notices).toEqual([]);
    expect(source.calls.stop).toBe(1);
  });

  it('stops waiting at once when stopped between snapshots', async () => {
    const source = new SimulatedSource({ stepSec: 2, churn: CHURN });
    const session = new TraceSession({
      ...FAST,
      intervalSec: 30,
      source,
      durationSec: 600,
    });
    const started = Date.now();
    const done = session.run();
    setTimeout(() => session.stop(), 50);
    const end = await done;

    expect(end.status).toBe('stopped');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
