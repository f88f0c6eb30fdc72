/*
 * Leak detection on leaker-c with the real eBPF tracer, and false verdicts
 * on its control workloads, in one run (six traces at once).
 *
 *   node -r @backstage/cli/config/nodeTransform.cjs bench/detection.ts [--cap S] [--windows N]
 *
 * Needs root (or CAP_BPF + CAP_PERFMON), make, gcc, clang, libbpf, libmicrohttpd.
 *
 * 1. Detection: the DEFAULT leak (1 MiB every 8 s, from the first second) under
 *    light request load, traced with the product defaults (2 s snapshots,
 *    10 s minimum age, default verdict config). Seconds from trace start
 *    (the call that attaches) to the first `growing` whose top stack names
 *    leak_memory_chunk, and to `leak`.
 *    Baseline, same run, same sampling instants: the same LeakJudge fed the
 *    process's RSS from /proc as a single anonymous series — what a tool
 *    without eBPF could conclude. It cannot name a stack, and it is given
 *    the benefit of the doubt on what it cannot observe (no frees, one
 *    "allocation" per resident page: all of it judged from the first
 *    snapshot, as a stack that never frees is).
 * 2. The same for the shapes a judge of aged bytes alone missed, at the same
 *    rate: `realloc` (one buffer grown by realloc, named journal_append) and
 *    `partial` (frees 7 chunks in 8 at once, keeps the 8th: session_open).
 * 3. False verdicts: `steady`, `cache` (CACHE_MAX_MB=8: its fill phase ends
 *    within ~2 min) and growth that stops (`leak` with LEAK_MAX_MB=4: four
 *    chunks, then nothing), each traced until N consecutive full windows,
 *    stepped by one snapshot, have been judged: `leak` and `growing` counts
 *    (and the RSS baseline's, for comparison).
 *
 * Progress goes to stderr; the last stdout line is one JSON object.
 */
import type { Verdict } from '@internal/plugin-memleak-common';
import {
  buildLeakerAndTracer,
  LeakerProcess,
  requireRoot,
} from '../plugins/memleak-backend/src/__testUtils__/leakerProcess';
import { LocalEbpfSource } from '../plugins/memleak-backend/src/sources/local/LocalEbpfSource';
import { readProcessMemory } from '../plugins/memleak-backend/src/sources/local/procfs';
import type { LedgerSnapshot } from '../plugins/memleak-backend/src/sources/types';
import { recordTrace } from '../plugins/memleak-backend/src/trace/testing/recordTrace';
import type { SessionUpdate } from '../plugins/memleak-backend/src/trace/TraceSession';
import {
  DEFAULT_VERDICT_CONFIG,
  LeakJudge,
} from '../plugins/memleak-backend/src/verdict';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

// Product defaults (memleak.trace in app-config; TraceSession's judge defaults).
const INTERVAL_SEC = 2;
const MIN_AGE_SEC = 10;
const WINDOW_SEC = DEFAULT_VERDICT_CONFIG.windowSec;
const DETECTION_CAP_SEC = option('cap', 240);
const WINDOWS = option('windows', 100);
/**
 * The judge's clock starts at the first snapshot (one interval in), and
 * `leak` needs a whole window past the minimum age: the first window that
 * can call it ends at interval + minimum age + window. (A stack that frees
 * nothing may read `growing` from 20 s of snapshots on.)
 */
const FIRST_FULL_WINDOW_SEC = INTERVAL_SEC + MIN_AGE_SEC + WINDOW_SEC;
const CONTROL_DURATION_SEC =
  FIRST_FULL_WINDOW_SEC + (WINDOWS - 1) * INTERVAL_SEC + INTERVAL_SEC;
const REQUESTS_PER_SEC = 5;
// `growing` no later than the RSS-only judge in the same run.
const GOALS = { leakSec: 60 };

const log = (msg: string) => process.stderr.write(`[detection] ${msg}\n`);
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Ordinary request traffic (`/work` allocates and frees), so churn is present. */
function loadGenerator(port: number) {
  let sent = 0;
  let failed = 0;
  const timer = setInterval(() => {
    sent++;
    fetch(`http://127.0.0.1:${port}/work?n=4`)
      .then(r => r.arrayBuffer())
      .catch(() => failed++);
  }, 1000 / REQUESTS_PER_SEC);
  return {
    stop: () => clearInterval(timer),
    get stats() {
      return { sent, failed };
    },
  };
}

/**
 * The baseline: the same judge on the process's RSS, as one series with no
 * stack. A tool without eBPF sees no frees and no ages, so it gets zero
 * frees, one "allocation" per resident page, and no minimum age.
 */
class RssJudge {
  private readonly judge = new LeakJudge({ minAgeSec: 0 });

  add(update: SessionUpdate): Verdict | undefined {
    const rss = update.snapshot.rssBytes;
    if (rss === undefined) return undefined;
    const pages = Math.round(rss / 4096);
    const snap: LedgerSnapshot = {
      timestampMs: update.elapsedSec * 1000,
      outstandingBytes: rss,
      outstandingCount: pages,
      agedBytes: rss,
      agedCount: pages,
      mmapBytes: 0,
      allocs: 0,
      frees: 0,
      lostEvents: 0,
      stacks: [
        {
          key: 'rss',
          frames: [],
          outstandingBytes: rss,
          outstandingCount: pages,
          agedBytes: rss,
          agedCount: pages,
          allocs: 0,
          frees: 0,
        },
      ],
    };
    return this.judge.add(snap).verdict;
  }
}

/** The top stack names `symbol` (the allocating function or its caller). */
const names = (u: SessionUpdate, symbol: string) =>
  u.stacks[0]?.frames.slice(0, 2).some(f => f.symbol === symbol) ?? false;
const isCall = (v: Verdict) => v === 'growing' || v === 'leak';

/** Traces one leaker-c workload with the product defaults, RSS beside it. */
async function traceWorkload(
  name: string,
  env: Record<string, string>,
  durationSec: number,
  onUpdate: (u: SessionUpdate, rss: Verdict | undefined) => boolean,
) {
  const leaker = await LeakerProcess.start({
    LEAK_START_DELAY_S: '0',
    LEAK_INTERVAL_MS: '8000',
    LEAK_CHUNK_KB: '1024',
    ...env,
  });
  const load = loadGenerator(leaker.port);
  const rssJudge = new RssJudge();
  const startedAt = performance.now();
  let lastLog = 0;
  try {
    const run = await recordTrace(
      new LocalEbpfSource({ pid: leaker.pid }),
      {
        durationSec,
        intervalSec: INTERVAL_SEC,
        minAgeSec: MIN_AGE_SEC,
        topStacks: 5,
        context: {
          rssBytes: async () => (await readProcessMemory(leaker.pid)).rssBytes,
        },
      },
      (update, session) => {
        const rss = rssJudge.add(update);
        if (update.elapsedSec - lastLog >= 20) {
          lastLog = update.elapsedSec;
          log(
            `${name} ${Math.round(update.elapsedSec)} s: ${update.verdict}` +
              ` (rss: ${rss}), aged ${(
                update.snapshot.agedBytes /
                2 ** 20
              ).toFixed(1)} MiB` +
              `, top ${update.topFrame ?? '-'}`,
          );
        }
        if (onUpdate(update, rss)) session.stop();
      },
    );
    const attachSec =
      (performance.now() - startedAt) / 1000 - run.last.elapsedSec;
    if (run.end.status !== 'completed' && run.end.status !== 'stopped') {
      throw new Error(
        `${name}: trace ended ${run.end.status}: ${JSON.stringify(
          run.notices,
        )}`,
      );
    }
    return { run, attachSec, requests: load.stats };
  } finally {
    load.stop();
    await leaker.stop();
  }
}

/**
 * Seconds from trace start (the call that attaches, so attaching counts
 * against us) to `growing` and `leak` naming `symbol`, ours and the RSS
 * baseline's.
 */
async function detection(mode: 'leak' | 'realloc' | 'partial', symbol: string) {
  let growingSec: number | undefined;
  let leakSec: number | undefined;
  let rssGrowingSec: number | undefined;
  let rssLeakSec: number | undefined;
  let wrongStackCalls = 0;
  let topStack: string | undefined;
  const t0 = performance.now();
  const sinceStart = () => round1((performance.now() - t0) / 1000);
  const { run, requests } = await traceWorkload(
    mode,
    { LEAK_MODE: mode },
    DETECTION_CAP_SEC,
    (u, rss) => {
      const now = sinceStart();
      const right = names(u, symbol);
      if (isCall(u.verdict) && !right) wrongStackCalls++;
      if (isCall(u.verdict) && right) {
        growingSec ??= now;
        topStack ??= u.stacks[0].frames
          .slice(0, 4)
          .map(f => f.symbol ?? f.address)
          .join(' <- ');
      }
      if (u.verdict === 'leak' && right) leakSec ??= now;
      if (rss && isCall(rss)) rssGrowingSec ??= now;
      if (rss === 'leak') rssLeakSec ??= now;
      return leakSec !== undefined && rssLeakSec !== undefined;
    },
  );
  log(
    `${mode}: growing ${growingSec} s, leak ${leakSec} s; rss baseline: growing ${rssGrowingSec} s, leak ${rssLeakSec} s`,
  );
  return {
    growingSec: growingSec ?? null,
    leakSec: leakSec ?? null,
    rssBaselineGrowingSec: rssGrowingSec ?? null,
    rssBaselineLeakSec: rssLeakSec ?? null,
    /** How long the trace ran: a null above means "never within" this. */
    tracedSec: round1(run.last.elapsedSec),
    wrongStackCalls,
    topStack: topStack ?? null,
    requests,
  };
}

const CONTROLS = {
  steady: { LEAK_MODE: 'steady' },
  cache: { LEAK_MODE: 'cache', CACHE_MAX_MB: '8' },
  // growth that stops: four chunks (32 s), then flat
  stopped: { LEAK_MODE: 'leak', LEAK_MAX_MB: '4' },
};
/** Each control's workload function: when it first frees says how long it looked like a leak. */
const WORKLOAD_SYMBOL = {
  steady: 'steady_churn_chunk',
  cache: 'cache_insert_entry',
  stopped: 'leak_memory_chunk',
};

async function falseVerdicts(mode: keyof typeof CONTROLS) {
  const counts = { windows: 0, leak: 0, growing: 0, inconclusive: 0 };
  const rssCounts = { leak: 0, growing: 0 };
  let firstFreeSec: number | undefined;
  const { run, attachSec, requests } = await traceWorkload(
    mode,
    CONTROLS[mode],
    CONTROL_DURATION_SEC,
    (u, rss) => {
      const own = u.stacks.find(
        st => st.frames[0]?.symbol === WORKLOAD_SYMBOL[mode],
      );
      if (own && own.frees > 0) firstFreeSec ??= round1(u.elapsedSec);
      if (u.elapsedSec < FIRST_FULL_WINDOW_SEC - 0.5) return false;
      counts.windows++;
      if (u.verdict === 'leak' || u.verdict === 'growing') counts[u.verdict]++;
      if (u.verdict === 'inconclusive') counts.inconclusive++;
      if (rss === 'leak' || rss === 'growing') rssCounts[rss]++;
      return counts.windows >= WINDOWS;
    },
  );
  const s = run.last.snapshot;
  log(
    `${mode}: ${counts.windows} windows, ${counts.leak} leak, ${counts.growing} growing, ` +
      `${counts.inconclusive} inconclusive; rss baseline ${rssCounts.leak} leak, ${rssCounts.growing} growing`,
  );
  return {
    counts,
    rssCounts,
    /** Trace seconds until the workload's own stack first freed (null: never). */
    firstFreeSec: firstFreeSec ?? null,
    attachSec: round1(attachSec),
    allocs: s.allocs,
    frees: s.frees,
    lostEvents: s.lostEvents,
    requests,
  };
}

const ratio = (ours: number | null, base: number | null) =>
  ours !== null && base !== null && base > 0
    ? Math.round((ours / base) * 100) / 100
    : null;

async function main() {
  requireRoot();
  log('building leaker-c and the tracer');
  buildLeakerAndTracer();
  log(
    `six traces at once: leak, realloc, partial (up to ${DETECTION_CAP_SEC} s); steady, cache, stopped (${CONTROL_DURATION_SEC} s each)`,
  );
  const [d, realloc, partial, steady, cache, stopped] = await Promise.all([
    detection('leak', 'leak_memory_chunk'),
    detection('realloc', 'journal_append'),
    detection('partial', 'session_open'),
    falseVerdicts('steady'),
    falseVerdicts('cache'),
    falseVerdicts('stopped'),
  ]);
  const shape = (r: typeof realloc) => ({
    growingSec: r.growingSec,
    leakSec: r.leakSec,
    rssBaselineGrowingSec: r.rssBaselineGrowingSec,
    rssBaselineLeakSec: r.rssBaselineLeakSec,
    tracedSec: r.tracedSec,
    wrongStackCalls: r.wrongStackCalls,
    topStack: r.topStack,
  });
  const growingMet =
    d.growingSec !== null &&
    (d.rssBaselineGrowingSec === null ||
      d.growingSec <= d.rssBaselineGrowingSec);
  const result = {
    growingSec: d.growingSec,
    leakSec: d.leakSec,
    rssBaselineGrowingSec: d.rssBaselineGrowingSec,
    rssBaselineLeakSec: d.rssBaselineLeakSec,
    detectionTracedSec: d.tracedSec,
    wrongStackCalls: d.wrongStackCalls,
    topStack: d.topStack,
    detectionRequests: d.requests,
    growingRatio: ratio(d.growingSec, d.rssBaselineGrowingSec),
    leakRatio: ratio(d.leakSec, d.rssBaselineLeakSec),
    realloc: shape(realloc),
    partial: shape(partial),
    steadyWindows: steady.counts.windows,
    steadyLeakVerdicts: steady.counts.leak,
    steadyGrowingVerdicts: steady.counts.growing,
    steadyInconclusive: steady.counts.inconclusive,
    steadyAllocs: steady.allocs,
    steadyLostEvents: steady.lostEvents,
    cacheWindows: cache.counts.windows,
    cacheLeakVerdicts: cache.counts.leak,
    cacheGrowingVerdicts: cache.counts.growing,
    cacheInconclusive: cache.counts.inconclusive,
    cacheAllocs: cache.allocs,
    cacheFrees: cache.frees,
    cacheLostEvents: cache.lostEvents,
    cacheFirstFreeSec: cache.firstFreeSec,
    stoppedWindows: stopped.counts.windows,
    stoppedLeakVerdicts: stopped.counts.leak,
    stoppedGrowingVerdicts: stopped.counts.growing,
    stoppedInconclusive: stopped.counts.inconclusive,
    rssBaselineSteadyLeakVerdicts: steady.rssCounts.leak,
    rssBaselineSteadyGrowingVerdicts: steady.rssCounts.growing,
    rssBaselineCacheLeakVerdicts: cache.rssCounts.leak,
    rssBaselineCacheGrowingVerdicts: cache.rssCounts.growing,
    rssBaselineStoppedLeakVerdicts: stopped.rssCounts.leak,
    rssBaselineStoppedGrowingVerdicts: stopped.rssCounts.growing,
    requestsPerSec: REQUESTS_PER_SEC,
    settings: {
      intervalSec: INTERVAL_SEC,
      minAgeSec: MIN_AGE_SEC,
      windowSec: WINDOW_SEC,
      leak: '1024 KiB every 8000 ms',
      cacheMaxMb: 8,
      stoppedLeakMaxMb: 4,
    },
    goals: {
      growing: 'no later than the RSS-only judge',
      leakSec: GOALS.leakSec,
      falseLeakVerdicts: 0,
      met: {
        growing: growingMet,
        leak: d.leakSec !== null && d.leakSec <= GOALS.leakSec,
        steady: steady.counts.windows >= WINDOWS && steady.counts.leak === 0,
        cache: cache.counts.windows >= WINDOWS && cache.counts.leak === 0,
        stopped: stopped.counts.windows >= WINDOWS && stopped.counts.leak === 0,
      },
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  error => {
    log(String(error?.stack ?? error));
    process.exit(1);
  },
);
