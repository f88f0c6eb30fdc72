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
  /** Robust slope of aged bytes a stack needs to read `growing` or `leak`. */
  slopeThresholdBytesPerSec: number;
  /** Mann–Kendall p-value for `leak`… */
  leakTrendP: number;
  /** …and for `growing`. */
  growingTrendP: number;
  /** Alternative trend witness: share of non-decreasing steps. */
  minNonDecreasingFraction: number;
  /** Distinct aged, live allocations a stack needs for `leak`. */
  minAgedAllocations: number;
  /** Frees / allocs of a stack within the window above which it is no `leak`. */
  maxFreeRatio: number;
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
  // p < 0.01 on a clean trend, short enough to call the demo leak in ~70 s.
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
  // Fewer could be a handful of long-lived buffers allocated together.
  minAgedAllocations: 6,
  // A bounded cache evicts (frees) as it inserts; a leak never frees.
  maxFreeRatio: 0.05,
  // A steady live set has Poisson size; 3 σ keeps churn from reading growing.
  minAgedCountRiseZ: 3,
  maxStacks: 50,
});

export function resolveConfig(config?: Partial<VerdictConfig>): VerdictConfig {
  return { ...DEFAULT_VERDICT_CONFIG, ...config };
}
