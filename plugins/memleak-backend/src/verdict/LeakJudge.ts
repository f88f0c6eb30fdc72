import type { StackSummary, Verdict } from '@internal/plugin-memleak-common';
import type { LedgerSnapshot, StackSample } from '../sources/types';
import { resolveConfig, VerdictConfig } from './config';
import { mannKendall } from './mannKendall';
import { nonDecreasingFraction } from './monotonicity';
import {
  flatReason,
  growthReason,
  lostReason,
  plural,
  spreadGrowthReason,
  tooShortReason,
} from './reason';
import { theilSenSlope } from './theilSen';

/** The numbers behind one stack's verdict, for reports and tests. */
export interface StackEvidence {
  slopeBytesPerSec: number;
  mannKendallP: number;
  nonDecreasingFraction: number;
  /** Aged bytes rose in both halves of the window (not a one-time step). */
  sustained: boolean;
  /** Rise of the stack's aged count in units of its Poisson noise. */
  agedCountRiseZ: number;
  allocsInWindow: number;
  freesInWindow: number;
  windowSec: number;
  windowFull: boolean;
}

/** One stack's call: its latest sample plus verdict; a {@link StackSummary}. */
export interface StackJudgement extends StackSample {
  /** Short id derived from the key: stable within and across traces. */
  id: string;
  verdict: Verdict;
  growthBytesPerSec: number;
  reason: string;
  evidence?: StackEvidence;
}

export interface TraceJudgement {
  verdict: Verdict;
  /** Theil–Sen slope of the total aged bytes over the window. */
  growthBytesPerSec: number;
  reason: string;
  /** Key of the stack that explains the verdict (worst, fastest-growing). */
  topStackKey?: string;
  /** Stacks live at the last snapshot: worst verdict first, then aged bytes. */
  stacks: StackJudgement[];
  lostEventsInWindow: number;
  /** Usable seconds in the window (after the minimum age has passed). */
  windowSec: number;
}

const SEVERITY: Record<Verdict, number> = {
  leak: 3,
  growing: 2,
  inconclusive: 1,
  stable: 0,
};

interface Point {
  snap: LedgerSnapshot;
  byKey: Map<string, StackSample>;
}

/**
 * Calls leaks from a trace's snapshots, one snapshot at a time.
 *
 * Keeps only the points of the current window (plus one before it, the
 * baseline for lost events), so each call costs O(window × stacks) plus a
 * Theil–Sen over the window for the fastest-growing stacks.
 */
export class LeakJudge {
  private readonly config: VerdictConfig;
  private readonly points: Point[] = [];
  private startMs: number | undefined;
  /** Since when each stack (and `''` for the total) has been growing. */
  private readonly growingSince = new Map<string, number>();

  constructor(config?: Partial<VerdictConfig>) {
    this.config = resolveConfig(config);
    this.startMs = this.config.startMs;
  }

  /** Judges the trace after one more snapshot (in time order). */
  add(snap: LedgerSnapshot): TraceJudgement {
    const c = this.config;
    if (this.startMs === undefined) this.startMs = snap.timestampMs;
    const byKey = new Map<string, StackSample>();
    for (const s of snap.stacks) byKey.set(s.key, s);
    this.points.push({ snap, byKey });

    const nowMs = snap.timestampMs;
    const windowMs = c.windowSec * 1000;
    // Snapshot timers jitter; a window of 30 points 2 s apart is still full.
    const slackMs = windowMs * 0.02;
    const windowStart = Math.max(
      nowMs - windowMs - slackMs,
      this.startMs + c.minAgeSec * 1000,
    );
    this.prune(windowStart);

    const first = this.points.findIndex(p => p.snap.timestampMs >= windowStart);
    const window = first < 0 ? [] : this.points.slice(first);
    const baselineLost = first > 0 ? this.points[first - 1].snap.lostEvents : 0;
    const lost = snap.lostEvents - baselineLost;
    const spanMs = window.length > 1 ? nowMs - window[0].snap.timestampMs : 0;
    const full = spanMs >= windowMs - slackMs;
    const stacks = snap.stacks;

    if (window.length < c.minPoints || spanMs < c.minDataSec * 1000 - slackMs) {
      const reason = tooShortReason(
        (nowMs - this.startMs) / 1000,
        c.minAgeSec + c.minDataSec,
      );
      return this.judgement('inconclusive', NaN, reason, stacks, lost, spanMs);
    }

    const ts = window.map(p => (p.snap.timestampMs - nowMs) / 1000);
    const totalAged = window.map(p => p.snap.agedBytes);
    const totalSlope = theilSenSlope(ts, totalAged);

    if (lost > 0) {
      this.growingSince.clear();
      const reason = lostReason(lost, c.windowSec);
      const judged = stacks.map(s => withVerdict(s, 'inconclusive', 0, reason));
      return this.finish(
        'inconclusive',
        totalSlope,
        reason,
        judged,
        lost,
        spanMs,
      );
    }

    const judged = this.judgeStacks(window, ts, spanMs, full);
    const worst = judged[0];
    if (worst && worst.verdict !== 'stable') {
      return this.finish(
        worst.verdict,
        totalSlope,
        worst.reason,
        judged,
        lost,
        spanMs,
        worst.key,
      );
    }

    // No single stack grows, but many small ones together might.
    const totalTrend = mannKendall(totalAged);
    if (
      totalSlope >= c.slopeThresholdBytesPerSec &&
      poissonRiseZ(window[0].snap.agedCount, snap.agedCount) >=
        c.minAgedCountRiseZ &&
      totalTrend.s > 0 &&
      totalTrend.p < c.growingTrendP
    ) {
      const since = this.since('', window[0].snap.timestampMs);
      const reason = spreadGrowthReason(totalSlope, (nowMs - since) / 1000);
      return this.finish('growing', totalSlope, reason, judged, lost, spanMs);
    }
    this.growingSince.delete('');
    const reason = flatReason('aged heap', totalSlope, spanMs / 1000);
    return this.finish('stable', totalSlope, reason, judged, lost, spanMs);
  }

  private judgeStacks(
    window: Point[],
    ts: number[],
    spanMs: number,
    full: boolean,
  ): StackJudgement[] {
    const c = this.config;
    const last = window[window.length - 1];
    const series = (key: string) =>
      window.map(p => p.byKey.get(key)?.agedBytes ?? 0);

    // Rank by net growth so the expensive statistics go where they matter.
    const ranked = last.snap.stacks
      .map(s => {
        const ys = series(s.key);
        return { sample: s, ys, rise: ys[ys.length - 1] - ys[0] };
      })
      .sort((a, b) => b.rise - a.rise);

    const judged: StackJudgement[] = ranked.map((r, i) => {
      const { sample, ys } = r;
      if (i >= c.maxStacks || r.rise <= 0) {
        this.growingSince.delete(sample.key);
        const slope = r.rise / (spanMs / 1000);
        const reason =
          r.rise <= 0
            ? flatReason('aged bytes', Math.max(0, slope), spanMs / 1000)
            : `not evaluated: below the ${c.maxStacks} fastest-growing stacks`;
        return withVerdict(sample, 'stable', slope, reason);
      }
      return this.judgeStack(window, sample, ys, ts, spanMs, full);
    });

    judged.sort(
      (a, b) =>
        SEVERITY[b.verdict] - SEVERITY[a.verdict] ||
        (a.verdict === 'stable'
          ? 0
          : b.growthBytesPerSec - a.growthBytesPerSec) ||
        b.agedBytes - a.agedBytes,
    );
    return judged;
  }

  private judgeStack(
    window: Point[],
    sample: StackSample,
    ys: number[],
    ts: number[],
    spanMs: number,
    full: boolean,
  ): StackJudgement {
    const c = this.config;
    const slope = theilSenSlope(ts, ys);
    const mk = mannKendall(ys);
    const nd = nonDecreasingFraction(ys);
    const mid = ys.length >> 1;
    const sustained = ys[mid] > ys[0] && ys[ys.length - 1] > ys[mid];
    // Counts since the stack's first appearance in the window.
    const firstSeen = window.find(p => p.byKey.has(sample.key))!;
    const base = firstSeen.byKey.get(sample.key)!;
    const allocsInWindow = sample.allocs - base.allocs;
    const freesInWindow = sample.frees - base.frees;
    const hardlyFrees = freesInWindow <= c.maxFreeRatio * allocsInWindow;
    const countFirst = window[0].byKey.get(sample.key)?.agedCount ?? 0;
    const countZ = poissonRiseZ(countFirst, sample.agedCount);
    const evidence: StackEvidence = {
      slopeBytesPerSec: slope,
      mannKendallP: mk.p,
      nonDecreasingFraction: nd,
      sustained,
      allocsInWindow,
      freesInWindow,
      agedCountRiseZ: countZ,
      windowSec: spanMs / 1000,
      windowFull: full,
    };

    const rising = slope >= c.slopeThresholdBytesPerSec;
    const monotone = nd >= c.minNonDecreasingFraction;
    const trendUp = mk.s > 0 && (mk.p < c.growingTrendP || monotone);
    // A stack that frees churns: its aged bytes wander (and trend tests,
    // which assume independent points, over-call that). Growth is only real
    // when its live set grows beyond Poisson noise too.
    const credible = hardlyFrees || countZ >= c.minAgedCountRiseZ;
    if (!rising || !trendUp || !credible) {
      this.growingSince.delete(sample.key);
      const reason = flatReason('aged bytes', slope, spanMs / 1000);
      return withVerdict(sample, 'stable', slope, reason, evidence);
    }

    const missing: string[] = [];
    if (!full) {
      missing.push(`${Math.round(spanMs / 1000)} of ${c.windowSec} s of data`);
    }
    if (!(mk.p < c.leakTrendP || monotone)) {
      missing.push(`trend not yet significant (p = ${mk.p.toFixed(3)})`);
    }
    if (!sustained) missing.push('grew in a step, not steadily');
    if (sample.agedCount < c.minAgedAllocations) {
      missing.push(
        `${plural(sample.agedCount, 'aged allocation')} (need ${
          c.minAgedAllocations
        })`,
      );
    }
    if (!hardlyFrees) {
      missing.push(
        `frees ${plural(
          freesInWindow,
          'block',
        )} of ${allocsInWindow} allocated, like a cache`,
      );
    }

    const since = this.since(sample.key, window[0].snap.timestampMs);
    const nowMs = window[window.length - 1].snap.timestampMs;
    const said = growthReason(
      slope,
      sample.frames,
      (nowMs - since) / 1000,
      freesInWindow,
    );
    if (missing.length === 0) {
      return withVerdict(sample, 'leak', slope, said, evidence);
    }
    const reason = `${said}; not a leak yet: ${missing.join(', ')}`;
    return withVerdict(sample, 'growing', slope, reason, evidence);
  }

  /** Start of the current growth streak of `key`, opening one at `fromMs`. */
  private since(key: string, fromMs: number): number {
    let since = this.growingSince.get(key);
    if (since === undefined) {
      since = fromMs;
      this.growingSince.set(key, since);
    }
    return since;
  }

  /** Drops points no window will need again, keeping one as lost baseline. */
  private prune(windowStart: number): void {
    let drop = 0;
    while (
      drop + 1 < this.points.length &&
      this.points[drop + 1].snap.timestampMs < windowStart
    ) {
      drop++;
    }
    if (drop > 0) this.points.splice(0, drop);
  }

  private judgement(
    verdict: Verdict,
    growth: number,
    reason: string,
    stacks: StackSample[],
    lost: number,
    spanMs: number,
  ): TraceJudgement {
    const judged = stacks.map(s => withVerdict(s, verdict, 0, reason));
    return this.finish(verdict, growth, reason, judged, lost, spanMs);
  }

  private finish(
    verdict: Verdict,
    growth: number,
    reason: string,
    stacks: StackJudgement[],
    lost: number,
    spanMs: number,
    topStackKey: string | undefined = stacks[0]?.key,
  ): TraceJudgement {
    return {
      verdict,
      growthBytesPerSec: Number.isFinite(growth) ? growth : 0,
      reason,
      topStackKey,
      stacks,
      lostEventsInWindow: lost,
      windowSec: spanMs / 1000,
    };
  }
}

/** The verdict after the last of `snapshots` (replayed in order). */
export function judgeTrace(
  snapshots: LedgerSnapshot[],
  config?: Partial<VerdictConfig>,
): TraceJudgement {
  const judge = new LeakJudge(config);
  let result: TraceJudgement | undefined;
  for (const s of snapshots) result = judge.add(s);
  return (
    result ?? {
      verdict: 'inconclusive',
      growthBytesPerSec: 0,
      reason: 'no snapshots yet',
      stacks: [],
      lostEventsInWindow: 0,
      windowSec: 0,
    }
  );
}

/**
 * Rise from `a` to `b` in standard deviations of the difference of two
 * Poisson counts: a steady live set (an M/G/∞ queue) has Poisson size.
 */
function poissonRiseZ(a: number, b: number): number {
  return (b - a) / Math.sqrt(a + b + 1);
}

function withVerdict(
  sample: StackSample,
  verdict: Verdict,
  growthBytesPerSec: number,
  reason: string,
  evidence?: StackEvidence,
): StackJudgement {
  return {
    ...sample,
    id: stackId(sample.key),
    verdict,
    growthBytesPerSec,
    reason,
    evidence,
  };
}

/** FNV-1a of the key, as 8 hex digits: short enough for URLs and tables. */
export function stackId(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

// A StackJudgement must stay usable wherever a StackSummary is expected.
const _summaryCompatible = (j: StackJudgement): StackSummary => j;
void _summaryCompatible;
