import {
  buildLeakerAndTracer,
  LeakerProcess,
  requireRoot,
} from '../__testUtils__/leakerProcess';
import { LocalEbpfSource } from '../sources/local/LocalEbpfSource';
import { minTraceSec } from '../verdict';
import { recordTrace } from './testing/recordTrace';

/**
 * End to end on real kernel data: leaker-c traced by the local eBPF tracer,
 * judged by the real LeakJudge. Everything is scaled down from the product
 * defaults (2 s snapshots, 10 s minimum age, 60 s window) by about 4×, and
 * the leak is fast (64 KiB every 250 ms), so each verdict is reached in
 * seconds instead of minutes.
 */

jest.setTimeout(90_000);

const CHUNK = 64 * 1024;
const MIN_AGE_SEC = 1;
const WINDOW_SEC = 15;

describe('TraceSession on leaker-c with the local eBPF tracer', () => {
  const leakers: LeakerProcess[] = [];

  beforeAll(() => {
    requireRoot();
    buildLeakerAndTracer();
  });

  afterEach(async () => {
    for (const leaker of leakers.splice(0)) await leaker.stop();
  });

  async function startLeaker(env: Record<string, string>) {
    const started = await LeakerProcess.start({
      LEAK_START_DELAY_S: '0',
      LEAK_INTERVAL_MS: '250',
      LEAK_CHUNK_KB: String(CHUNK / 1024),
      ...env,
    });
    leakers.push(started);
    return started;
  }

  const settings = {
    intervalSec: 0.5,
    minAgeSec: MIN_AGE_SEC,
    topStacks: 5,
    verdict: { windowSec: WINDOW_SEC, minDataSec: 5 },
  };

  it('calls a leak and names leak_memory_chunk, which never frees', async () => {
    const target = await startLeaker({ LEAK_MODE: 'leak' });
    const run = await recordTrace(new LocalEbpfSource({ pid: target.pid }), {
      ...settings,
      durationSec: MIN_AGE_SEC + WINDOW_SEC + 4,
    });

    expect(run.end.status).toBe('completed');
    expect(run.last.verdict).toBe('leak');
    // frames[0] is the function that called malloc: the leak's own name
    expect(run.last.stacks[0].frames[0].symbol).toBe('leak_memory_chunk');
    const top = run.last.stacks[0];
    expect(top.frees).toBe(0);
    expect(top.verdict).toBe('leak');
    // whole chunks only: the stack holds exactly the chunks leaked so far
    expect(top.outstandingBytes).toBe(top.outstandingCount * CHUNK);
    expect(top.outstandingCount).toBeGreaterThan(WINDOW_SEC * 2);
    expect(run.last.growthBytesPerSec).toBeGreaterThan(CHUNK);
    expect(run.notices).toEqual([]);
  });

  it('keeps a steady workload stable and never calls it a leak', async () => {
    const target = await startLeaker({ LEAK_MODE: 'steady' });
    const run = await recordTrace(new LocalEbpfSource({ pid: target.pid }), {
      ...settings,
      durationSec: 20,
    });

    expect(run.end.status).toBe('completed');
    expect(run.verdicts).not.toContain('leak');
    expect(run.last.verdict).toBe('stable');
    // it did allocate (and free) the whole time
    expect(run.last.snapshot.allocs).toBeGreaterThan(20 * 3);
  });

  it('never calls a bounded cache a leak, and reads stable after its plateau', async () => {
    // 32 entries of 64 KiB: full within ~10 s at 4 inserts per second
    const target = await startLeaker({ LEAK_MODE: 'cache', CACHE_MAX_MB: '2' });
    const run = await recordTrace(new LocalEbpfSource({ pid: target.pid }), {
      ...settings,
      durationSec: 32,
    });

    expect(run.end.status).toBe('completed');
    expect(run.verdicts).not.toContain('leak');
    expect(run.verdicts.slice(-3)).toEqual(['stable', 'stable', 'stable']);
    const cache = run.last.stacks.find(
      s => s.frames[0]?.symbol === 'cache_insert_entry',
    );
    expect(cache?.frees).toBeGreaterThan(0);
    // plateau: the cache's capacity plus the one chunk in flight
    expect(cache!.outstandingBytes).toBeLessThanOrEqual(
      2 * 1024 * 1024 + CHUNK,
    );
  });

  it('calls a buffer grown by realloc a leak and names journal_append, though it never ages', async () => {
    const target = await startLeaker({ LEAK_MODE: 'realloc' });
    const run = await recordTrace(new LocalEbpfSource({ pid: target.pid }), {
      ...settings,
      durationSec: MIN_AGE_SEC + WINDOW_SEC + 4,
    });

    expect(run.end.status).toBe('completed');
    expect(run.last.verdict).toBe('leak');
    const top = run.last.stacks[0];
    expect(top.frames[0].symbol).toBe('journal_append');
    expect(top.verdict).toBe('leak');
    // one block, moved or grown by each realloc (a free and an allocation)
    expect(top.outstandingCount).toBe(1);
    expect(top.agedBytes).toBe(0);
    expect(top.frees).toBeGreaterThan(WINDOW_SEC * 2);
    expect(top.outstandingBytes % CHUNK).toBe(0);
    expect(top.reason).toMatch(/1 live block growing in place/);
    expect(run.notices).toEqual([]);
  });

  it('calls a partial leak a leak and names session_open, though it frees 7 chunks in 8', async () => {
    const target = await startLeaker({ LEAK_MODE: 'partial' });
    const run = await recordTrace(new LocalEbpfSource({ pid: target.pid }), {
      ...settings,
      durationSec: MIN_AGE_SEC + WINDOW_SEC + 4,
    });

    expect(run.end.status).toBe('completed');
    expect(run.last.verdict).toBe('leak');
    const top = run.last.stacks[0];
    expect(top.frames[0].symbol).toBe('session_open');
    expect(top.verdict).toBe('leak');
    // 8 opened per step, 7 closed at once: what is live is what it kept
    expect(top.frees / top.allocs).toBeCloseTo(7 / 8, 1);
    expect(top.outstandingBytes).toBe(top.outstandingCount * CHUNK);
    expect(run.notices).toEqual([]);
  });

  it('never calls growth that stops a leak, and reads stable once it has', async () => {
    // 32 chunks of 64 KiB: the leak stops ~8 s in, before a window is full
    const target = await startLeaker({ LEAK_MODE: 'leak', LEAK_MAX_MB: '2' });
    const run = await recordTrace(new LocalEbpfSource({ pid: target.pid }), {
      ...settings,
      durationSec: MIN_AGE_SEC + WINDOW_SEC + 4,
    });

    expect(run.end.status).toBe('completed');
    expect(run.verdicts).toContain('growing');
    expect(run.verdicts).not.toContain('leak');
    expect(run.last.verdict).toBe('stable');
    const chunks = run.last.stacks.find(
      s => s.frames[0]?.symbol === 'leak_memory_chunk',
    );
    expect(chunks?.frees).toBe(0);
    expect(chunks!.outstandingBytes).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it('reaches a verdict in a trace of exactly the minimum duration', async () => {
    const target = await startLeaker({ LEAK_MODE: 'steady' });
    const durationSec = minTraceSec(
      settings.intervalSec,
      settings.minAgeSec,
      settings.verdict,
    );
    const run = await recordTrace(new LocalEbpfSource({ pid: target.pid }), {
      ...settings,
      durationSec,
    });

    expect(run.end.status).toBe('completed');
    expect(run.last.verdict).toBe('stable');
    // and not much sooner: a shorter trace would have ended inconclusive
    const firstCall = run.updates.find(u => u.verdict !== 'inconclusive')!;
    expect(firstCall.elapsedSec).toBeGreaterThanOrEqual(durationSec - 1);
  });

  it('ends with target_exited when the process dies, keeping what it saw', async () => {
    const target = await startLeaker({ LEAK_MODE: 'leak' });
    const run = await recordTrace(
      new LocalEbpfSource({ pid: target.pid }),
      { ...settings, durationSec: 60 },
      update => {
        if (update.elapsedSec >= 3) void target.kill();
      },
    );

    expect(run.end.status).toBe('target_exited');
    expect(run.notices.map(n => n.code)).toContain('target_exited');
    expect(run.updates.length).toBeGreaterThanOrEqual(6);
    expect(run.end.last).toBe(run.updates[run.updates.length - 1]);
    expect(run.last.snapshot.outstandingBytes).toBeGreaterThan(0);
    expect(run.last.elapsedSec).toBeLessThan(30);
  });

  it('stays inconclusive, never leak, and says so when events are lost', async () => {
    const target = await startLeaker({ LEAK_MODE: 'leak' });
    const run = await recordTrace(
      // room for 16 live allocations: the leak overflows it within seconds
      new LocalEbpfSource({ pid: target.pid, maxAllocations: 16 }),
      // long enough that the same leak without losses reads `leak`
      { ...settings, durationSec: MIN_AGE_SEC + WINDOW_SEC + 4 },
    );

    expect(run.end.status).toBe('completed');
    expect(run.verdicts).not.toContain('leak');
    expect(run.last.verdict).toBe('inconclusive');
    expect(run.last.snapshot.lostEvents).toBeGreaterThan(0);
    expect(run.notices.map(n => n.code)).toEqual(['lost_events']);
  });

  it('ends with status stopped when stopped mid-trace', async () => {
    const target = await startLeaker({ LEAK_MODE: 'steady' });
    const run = await recordTrace(
      new LocalEbpfSource({ pid: target.pid }),
      { ...settings, durationSec: 60 },
      (update, session) => {
        if (update.elapsedSec >= 2) session.stop();
      },
    );

    expect(run.end.status).toBe('stopped');
    expect(run.last.elapsedSec).toBeLessThan(10);
    expect(run.notices).toEqual([]);
    // the target is untouched by the stop
    expect(process.kill(target.pid, 0)).toBe(true);
  });
});
