import type { Verdict } from '@internal/plugin-memleak-common';
import type { StackSample } from '../sources/types';
import type { VerdictConfig } from './config';
import { lateFreeRatio } from './lateFrees';
import { mannKendall } from './mannKendall';
import { nonDecreasingFraction } from './monotonicity';
import { Point, secondsBeforeLast } from './points';
import { plural } from './reason';
import { theilSenSlope } from './theilSen';

/**
 * Which of a stack's series a call is about.
 * - `kept`: a stack that (almost) never frees has no young churn to hide, so
 *   all its live bytes count, from the first snapshot on.
 * - `aged`: a stack that frees: its bytes older than the minimum age.
 * - `in-place`: a stack that frees: its live bytes, when they grow while its
 *   number of blocks does not. A realloc is a move, not a free: a buffer that
 *   only ever grows is reallocated each time and never ages.
 */
export type StackView = 'kept' | 'aged' | 'in-place';

/** The numbers behind one stack's verdict, for reports and tests. */
export interface StackEvidence {
  view: StackView;
  slopeBytesPerSec: number;
  mannKendallP: number;
  nonDecreasingFraction: number;
  /** Both halves of the window grew (not a one-time step, not a fill that ends). */
  sustained: boolean;
  /** Snapshots in which the bytes rose. */
  rises: number;
  /** Rise of the view's block count in units of its Poisson noise. */
  countRiseZ: number;
  /** Share of allocations given back after outliving the minimum age. */
  lateFreeRatio: number;
  allocsInWindow: number;
  freesInWindow: number;
  windowSec: number;
  windowFull: boolean;
}

/** The points a call can use. */
export interface Windows {
  /** From the first snapshot on, at most one window back. */
  live: Point[];
  /** From the minimum age on, at most one window back. */
  aged: Point[];
  agedReady: boolean;
  /** The aged window spans a whole window: `leak` may be called. */
  full: boolean;
  /** Every point kept, for looking one minimum age back. */
  history: Point[];
  minAgeMs: number;
}

interface Series {
  view: StackView;
  points: Point[];
  ts: number[];
  bytes: number[];
  counts: number[];
}

/** A stack ready to be judged, with the series that apply to it. */
export interface Candidate {
  sample: StackSample;
  /** Net rise of its fastest-rising series: ranks the expensive statistics. */
  rise: number;
  /** Empty while only `aged`/`in-place` apply and the aged window is too short. */
  series: Series[];
}

/** One view's call, before the judge words it. */
export interface ViewCall {
  verdict: Exclude<Verdict, 'inconclusive'>;
  evidence: StackEvidence;
  /** Why it is no `leak` (yet); empty for `leak` and `stable`. */
  missing: string[];
}

export function candidateFor(
  sample: StackSample,
  w: Windows,
  c: VerdictConfig,
): Candidate {
  const { allocs, frees } = countsIn(w.live, sample.key);
  let series: Series[] = [];
  if (frees <= c.maxFreeRatio * allocs) {
    series = [build('kept', w.live, sample.key, 'outstanding')];
  } else if (w.agedReady) {
    series = [
      build('aged', w.aged, sample.key, 'aged'),
      build('in-place', w.aged, sample.key, 'outstanding'),
    ];
  }
  const rise = Math.max(
    -Infinity,
    ...series.map(s => s.bytes[s.bytes.length - 1] - s.bytes[0]),
  );
  return { sample, rise, series };
}

/** Judges each series of a candidate; the most severe call wins. */
export function judgeCandidate(
  cand: Candidate,
  w: Windows,
  c: VerdictConfig,
): ViewCall {
  const calls = cand.series.map(s => judgeSeries(s, cand.sample, w, c));
  const rank = { leak: 2, growing: 1, stable: 0 };
  return calls.reduce((a, b) =>
    rank[b.verdict] > rank[a.verdict] ||
    (rank[b.verdict] === rank[a.verdict] &&
      a.verdict !== 'stable' &&
      b.evidence.slopeBytesPerSec > a.evidence.slopeBytesPerSec)
      ? b
      : a,
  );
}

function judgeSeries(
  s: Series,
  sample: StackSample,
  w: Windows,
  c: VerdictConfig,
): ViewCall {
  const { ts, bytes, counts } = s;
  const slope = theilSenSlope(ts, bytes);
  const mk = mannKendall(bytes);
  const nd = nonDecreasingFraction(bytes);
  const countZ = poissonRiseZ(counts[0], counts[counts.length - 1]);
  const late =
    s.view === 'aged'
      ? lateFreeRatio(w.history, s.points, sample.key, w.minAgeMs)
      : 0;
  const { allocs, frees } = countsIn(s.points, sample.key);
  const spanSec = -ts[0];
  const evidence: StackEvidence = {
    view: s.view,
    slopeBytesPerSec: slope,
    mannKendallP: mk.p,
    nonDecreasingFraction: nd,
    sustained: halvesGrow(ts, bytes, c.slopeThresholdBytesPerSec / 2, c),
    rises: rises(bytes),
    countRiseZ: countZ,
    lateFreeRatio: late,
    allocsInWindow: allocs,
    freesInWindow: frees,
    windowSec: spanSec,
    windowFull: w.full,
  };

  const monotone = nd >= c.minNonDecreasingFraction;
  const rising = slope >= c.slopeThresholdBytesPerSec;
  const trendUp = mk.s > 0 && (mk.p < c.growingTrendP || monotone);
  if (!rising || !trendUp || !credible(s, evidence, c)) {
    return { verdict: 'stable', evidence, missing: [] };
  }

  const missing: string[] = [];
  if (!w.full) {
    const agedSec = w.aged.length > 1 ? -secondsBeforeLast(w.aged)[0] : 0;
    missing.push(
      `${Math.round(agedSec)} of ${c.windowSec} s of data past the minimum age`,
    );
  }
  if (!(mk.p < c.leakTrendP || monotone)) {
    missing.push(`trend not yet significant (p = ${mk.p.toFixed(3)})`);
  }
  if (!evidence.sustained) missing.push('grew in a step, not steadily');
  if (evidence.rises < c.minRises) {
    missing.push(
      `grew in ${plural(evidence.rises, 'snapshot')} (need ${c.minRises})`,
    );
  }
  if (late > c.maxLateFreeRatio) {
    missing.push(
      `gives back ${percent(
        late,
      )} of its blocks after holding them, like a cache`,
    );
  }
  return {
    verdict: missing.length === 0 ? 'leak' : 'growing',
    evidence,
    missing,
  };
}

/** Why the rise is more than noise, per view. */
function credible(s: Series, e: StackEvidence, c: VerdictConfig): boolean {
  switch (s.view) {
    case 'kept':
      return true; // no frees: nothing churns
    case 'aged':
      // Churn's aged set wanders; a partial leak's only ever gains.
      return (
        e.countRiseZ >= c.minAgedCountRiseZ ||
        (nonDecreasingFraction(s.counts) >= c.minNonDecreasingFraction &&
          e.lateFreeRatio <= c.maxLateFreeRatio)
      );
    default:
      return (
        e.nonDecreasingFraction >= c.minNonDecreasingFraction &&
        grownInPlace(s, c)
      );
  }
}

/**
 * The blocks got bigger: their mean size only ever rose, and that explains
 * at least half the rise in bytes. More blocks of the same size (a cache
 * filling) is the aged view's case, however few they are.
 */
function grownInPlace(s: Series, c: VerdictConfig): boolean {
  const means: number[] = [];
  for (let i = 0; i < s.bytes.length; i++) {
    if (s.counts[i] > 0) means.push(s.bytes[i] / s.counts[i]);
  }
  if (means.length < 2) return false;
  const n = s.bytes.length - 1;
  const fromSize = (means[means.length - 1] - means[0]) * s.counts[n];
  return (
    nonDecreasingFraction(means) >= c.minNonDecreasingFraction &&
    fromSize >= 0.5 * (s.bytes[n] - s.bytes[0])
  );
}

function build(
  view: StackView,
  points: Point[],
  key: string,
  field: 'aged' | 'outstanding',
): Series {
  const bytes = points.map(p => {
    const x = p.byKey.get(key);
    if (!x) return 0;
    return field === 'aged' ? x.agedBytes : x.outstandingBytes;
  });
  const counts = points.map(p => {
    const x = p.byKey.get(key);
    if (!x) return 0;
    return field === 'aged' ? x.agedCount : x.outstandingCount;
  });
  return { view, points, ts: secondsBeforeLast(points), bytes, counts };
}

/** Allocations and frees since the stack's first appearance in `points`. */
function countsIn(
  points: Point[],
  key: string,
): { allocs: number; frees: number } {
  const first = points.find(p => p.byKey.has(key));
  const last = points[points.length - 1].byKey.get(key);
  if (!first || !last) return { allocs: 0, frees: 0 };
  const base = first.byKey.get(key)!;
  return { allocs: last.allocs - base.allocs, frees: last.frees - base.frees };
}

function halvesGrow(
  ts: number[],
  ys: number[],
  minSlope: number,
  c: VerdictConfig,
): boolean {
  const mid = ys.length >> 1;
  return (
    halfGrows(ts.slice(0, mid + 1), ys.slice(0, mid + 1), minSlope, c) &&
    halfGrows(ts.slice(mid), ys.slice(mid), minSlope, c)
  );
}

/**
 * Theil–Sen reads a half holding one step of a staircase as flat; a half that
 * never goes down and rose enough overall grew all the same.
 */
function halfGrows(
  ts: number[],
  ys: number[],
  minSlope: number,
  c: VerdictConfig,
): boolean {
  const n = ys.length - 1;
  return (
    theilSenSlope(ts, ys) >= minSlope ||
    (nonDecreasingFraction(ys) >= c.minNonDecreasingFraction &&
      ys[n] - ys[0] >= minSlope * (ts[n] - ts[0]))
  );
}

function rises(ys: number[]): number {
  let n = 0;
  for (let i = 1; i < ys.length; i++) if (ys[i] > ys[i - 1]) n++;
  return n;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
}

/**
 * Rise from `a` to `b` in standard deviations of the difference of two
 * Poisson counts: a steady live set (an M/G/∞ queue) has Poisson size.
 */
export function poissonRiseZ(a: number, b: number): number {
  return (b - a) / Math.sqrt(a + b + 1);
}
