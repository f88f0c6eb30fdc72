/** Knobs of the leak verdict; see {@link DEFAULT_VERDICT_CONFIG} for why each default. */
export interface VerdictConfig {
  /** Sliding window the verdict looks at. */
  windowSec: number;
  /**
   * The ledger's minimum age. Aged bytes are zero by construction for this
   * long after the trace starts, so those points carry no information.
   */
  minAgeSec: number;
  /** Below this much usable data (or {@link minPoints}) no call is made. */
  minDataSec: number;
  minPoints: number;
  /** Robust slope of a stack's bytes it needs to read `growing` or `leak`. */
  slopeThresholdBytesPerSec: number;
  /** Mann–Kendall p-value for `leak`… */
  leakTrendP: number;
  /** …and for `growing`. */
  growingTrendP: number;
  /** Alternative trend witness: share of non-decreasing steps. */
  minNonDecreasingFraction: number;
  /** Snapshots of the window in which a stack's bytes rose, needed for `leak`. */
  minRises: number;
  /**
   * Frees / allocs of a stack within the window up to which it counts as
   * keeping what it allocates: judged on all its live bytes, young or not.
   */
  maxFreeRatio: number;
  /**
   * Most a stack that frees may give back *late* (after holding a block
   * across a minimum age) and still be a `leak`: see `lateFreeRatio`.
   */
  maxLateFreeRatio: number;
  /**
   * For a stack that frees, the rise of its aged allocation count, in
   * standard deviations of Poisson noise, needed before growth is believed.
   */
  minAgedCountRiseZ: number;
  /** Stacks evaluated in full per call, the fastest-growing first. */
  maxStacks: number;
  /** Trace start on the snapshots' clock; default: the first snapshot. */
  startMs?: number;
}

export const DEFAULT_VERDICT_CONFIG: Readonly<VerdictConfig> = Object.freeze({
  // One minute of 2 s snapshots: ~30 points, enough for Mann–Kendall to reach
  // p < 0.01 on a clean trend. `leak` needs a whole window after the minimum
  // age: a bounded cache fills without freeing for about that long (the
  // benchmark's does for up to 72 s), and until it frees it looks exactly
  // like a leak.
  windowSec: 60,
  // Request buffers live milliseconds; 10 s excludes them with a wide margin.
  minAgeSec: 10,
  minDataSec: 20,
  minPoints: 10,
  // 4 KiB/s = 14 MiB/h ≈ 0.3 GiB/day: worth a look on any service, yet 32×
  // below the demo's 128 KiB/s, and well above the slope noise of aged churn.
  slopeThresholdBytesPerSec: 4096,
  leakTrendP: 0.01,
  growingTrendP: 0.05,
  minNonDecreasingFraction: 0.9,
  // One burst or two (a pool filled at startup) is not a leak; a leak keeps
  // adding: the demo's adds a chunk every 4th snapshot.
  minRises: 6,
  // A stack that frees nothing has no young churn to hide: its live bytes are
  // what it keeps, from the first snapshot on.
  maxFreeRatio: 0.05,
  // A partial leak frees young (request buffers) and keeps the rest; a cache
  // frees old entries as it replaces them (≥ 20 %); steady churn with
  // long-lived sessions gives back 3–5 % late.
  maxLateFreeRatio: 0.02,
  // A steady live set has Poisson size; 3 σ keeps churn from reading growing.
  minAgedCountRiseZ: 3,
  maxStacks: 50,
});

export function resolveConfig(config?: Partial<VerdictConfig>): VerdictConfig {
  return { ...DEFAULT_VERDICT_CONFIG, ...config };
}

/**
 * Shortest trace that can reach a verdict: the first snapshot comes one
 * interval in, aged bytes mean nothing before the minimum age, and then the
 * judge wants `minDataSec` of data. Whole seconds, rounded up.
 */
export function minTraceSec(
  intervalSec: number,
  minAgeSec: number,
  config?: Partial<VerdictConfig>,
): number {
  const { minDataSec } = resolveConfig(config);
  return Math.ceil(intervalSec + minAgeSec + minDataSec - 1e-9);
}

/** Why a trace of `durationSec` is refused, or undefined when it can reach a verdict. */
export function tooShortForVerdict(
  durationSec: number,
  intervalSec: number,
  minAgeSec: number,
  config?: Partial<VerdictConfig>,
): string | undefined {
  const need = minTraceSec(intervalSec, minAgeSec, config);
  if (durationSec >= need) return undefined;
  const { minDataSec } = resolveConfig(config);
  return (
    `${durationSec} s is too short to reach a verdict: a trace needs at least ${need} s ` +
    `(first snapshot after ${intervalSec} s, ${minAgeSec} s minimum age, then ${minDataSec} s of data)`
  );
}
