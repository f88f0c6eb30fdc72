import type { StackSummary, Verdict } from '@internal/plugin-memleak-common';
import type { LedgerSnapshot, StackSample } from '../sources/types';
import { resolveConfig, VerdictConfig } from './config';
import { mannKendall } from './mannKendall';
import { Point, secondsBeforeLast, toPoint } from './points';
import {
  flatReason,
  growthReason,
  lostReason,
  seriesName,
  spreadGrowthReason,
  tooShortReason,
  viewNote,
} from './reason';
import {
  candidateFor,
  judgeCandidate,
  poissonRiseZ,
  StackEvidence,
  ViewCall,
  Windows,
} from './stackViews';
import { theilSenSlope } from './theilSen';

export type { StackEvidence, StackView } from './stackViews';

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
  /**
   * Growth the verdict is about: the Theil–Sen slope of the total aged
   * bytes over the window, or of the stack that explains a call when that
   * is faster (a stack that keeps everything is seen before it ages).
   */
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

/**
 * Calls leaks from a trace's snapshots, one snapshot at a time.
 *
 * Keeps only the points of the current window plus one minimum age before
 * it (to tell young frees from late ones), so each call costs
 * O(window × stacks) plus the statistics of the fastest-growing stacks.
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
    this.points.push(toPoint(snap));

    const nowMs = snap.timestampMs;
    const windowMs = c.windowSec * 1000;
    const minAgeMs = c.minAgeSec * 1000;
    // Snapshot timers jitter; a window of 30 points 2 s apart is still full.
    const slackMs = windowMs * 0.02;
    const liveFrom = Math.max(nowMs - windowMs - slackMs, this.startMs);
    // The snapshot due at the minimum age counts even if it came a bit early.
    const agedFrom = Math.max(
      nowMs - windowMs - slackMs,
      this.startMs + minAgeMs - this.halfSpacingMs(),
    );
    this.prune(liveFrom - minAgeMs);

    const firstLive = this.indexFrom(liveFrom);
    const live = this.points.slice(firstLive);
    const aged = this.points.slice(this.indexFrom(agedFrom));
    const baselineLost =
      firstLive > 0 ? this.points[firstLive - 1].snap.lostEvents : 0;
    const lost = snap.lostEvents - baselineLost;
    const span = (w: Point[]) =>
      w.length > 1 ? nowMs - w[0].snap.timestampMs : 0;
    const ready = (w: Point[]) =>
      w.length >= c.minPoints && span(w) >= c.minDataSec * 1000 - slackMs;
    const windows: Windows = {
      live,
      aged,
      agedReady: ready(aged),
      full: span(aged) >= windowMs - slackMs,
      history: this.points,
      minAgeMs,
    };
    const stacks = snap.stacks;
    const tooShort = () =>
      tooShortReason(
        (nowMs - this.startMs!) / 1000,
        c.minAgeSec + c.minDataSec,
      );

    if (!ready(live)) {
      return this.judgement('inconclusive', NaN, tooShort(), stacks, lost, 0);
    }

    const totalAged = aged.map(p => p.snap.agedBytes);
    const totalSlope = windows.agedReady
      ? theilSenSlope(secondsBeforeLast(aged), totalAged)
      : NaN;
    const agedSpan = span(aged);

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
        agedSpan,
      );
    }

    const judged = this.judgeStacks(windows, tooShort);
    const worst = judged[0];
    if (worst && (worst.verdict === 'leak' || worst.verdict === 'growing')) {
      return this.finish(
        worst.verdict,
        Math.max(
          Number.isFinite(totalSlope) ? totalSlope : 0,
          worst.growthBytesPerSec,
        ),
        worst.reason,
        judged,
        lost,
        agedSpan,
        worst.key,
      );
    }
    if (!windows.agedReady) {
      return this.finish(
        'inconclusive',
        totalSlope,
        tooShort(),
        judged,
        lost,
        agedSpan,
      );
    }

    // No single stack grows, but many small ones together might.
    const totalTrend = mannKendall(totalAged);
    if (
      totalSlope >= c.slopeThresholdBytesPerSec &&
      poissonRiseZ(aged[0].snap.agedCount, snap.agedCount) >=
        c.minAgedCountRiseZ &&
      totalTrend.s > 0 &&
      totalTrend.p < c.growingTrendP
    ) {
      const since = this.since('', aged[0].snap.timestampMs);
      const reason = spreadGrowthReason(totalSlope, (nowMs - since) / 1000);
      return this.finish('growing', totalSlope, reason, judged, lost, agedSpan);
    }
    this.growingSince.delete('');
    const reason = flatReason('aged heap', totalSlope, agedSpan / 1000);
    return this.finish('stable', totalSlope, reason, judged, lost, agedSpan);
  }

  private judgeStacks(w: Windows, tooShort: () => string): StackJudgement[] {
    const c = this.config;
    // Rank by net growth so the expensive statistics go where they matter.
    const ranked = w.live[w.live.length - 1].snap.stacks
      .map(s => candidateFor(s, w, c))
      .sort((a, b) => b.rise - a.rise);

    const judged: StackJudgement[] = ranked.map((cand, i) => {
      const { sample } = cand;
      if (cand.series.length === 0) {
        this.growingSince.delete(sample.key);
        return withVerdict(sample, 'inconclusive', 0, tooShort());
      }
      if (i >= c.maxStacks || cand.rise <= 0) {
        this.growingSince.delete(sample.key);
        const spanSec = -secondsBeforeLast(cand.series[0].points)[0];
        const slope = Math.max(0, cand.rise) / spanSec;
        const reason =
          cand.rise <= 0
            ? flatReason(seriesName(cand.series[0].view), slope, spanSec)
            : `not evaluated: below the ${c.maxStacks} fastest-growing stacks`;
        return withVerdict(sample, 'stable', slope, reason);
      }
      return this.word(sample, judgeCandidate(cand, w, c));
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

  /** Puts a view's call into words, tracking how long the stack has grown. */
  private word(sample: StackSample, call: ViewCall): StackJudgement {
    const e = call.evidence;
    const slope = e.slopeBytesPerSec;
    if (call.verdict === 'stable') {
      this.growingSince.delete(sample.key);
      const reason = flatReason(seriesName(e.view), slope, e.windowSec);
      return withVerdict(sample, 'stable', slope, reason, e);
    }
    const nowMs = this.points[this.points.length - 1].snap.timestampMs;
    const since = this.since(sample.key, nowMs - e.windowSec * 1000);
    const said =
      growthReason(
        slope,
        sample.frames,
        (nowMs - since) / 1000,
        e.freesInWindow,
      ) + viewNote(e, sample.outstandingCount);
    const reason =
      call.verdict === 'leak'
        ? said
        : `${said}; not a leak yet: ${call.missing.join(', ')}`;
    return withVerdict(sample, call.verdict, slope, reason, e);
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

  /** Half the snapshot spacing (from the first two), 0 until known. */
  private halfSpacingMs(): number {
    const [a, b] = this.points;
    return b ? (b.snap.timestampMs - a.snap.timestampMs) / 2 : 0;
  }

  private indexFrom(ms: number): number {
    const i = this.points.findIndex(p => p.snap.timestampMs >= ms);
    return i < 0 ? this.points.length : i;
  }

  /** Drops points no window will need again, keeping one as lost baseline. */
  private prune(keepFromMs: number): void {
    let drop = 0;
    while (
      drop + 1 < this.points.length &&
      this.points[drop + 1].snap.timestampMs < keepFromMs
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
