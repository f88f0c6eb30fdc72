import { normalUpperTail } from './normal';

/** @public */
export interface MannKendallResult {
  /** Sum of signs over all ordered pairs: > 0 means mostly rising. */
  s: number;
  /** Variance of S under "no trend", corrected for ties. */
  varS: number;
  /** Continuity-corrected normal score. */
  z: number;
  /** Two-sided p-value of "no monotonic trend". */
  p: number;
}

/**
 * Mann–Kendall trend test (normal approximation, tie-corrected).
 *
 * Rank-based, so it asks "does the series keep going up?" regardless of how
 * much: a staircase leak and a smooth one score alike. Aged-heap series tie a
 * lot (plateaus between leak chunks), hence the tie correction.
 */
export function mannKendall(ys: ArrayLike<number>): MannKendallResult {
  const n = ys.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      s += Math.sign(ys[j] - ys[i]);
    }
  }
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm(ys)) / 18;
  if (varS <= 0) return { s, varS: 0, z: 0, p: 1 };
  let z = 0;
  if (s > 0) z = (s - 1) / Math.sqrt(varS);
  else if (s < 0) z = (s + 1) / Math.sqrt(varS);
  const p = Math.min(1, 2 * normalUpperTail(Math.abs(z)));
  return { s, varS, z, p };
}

/** Σ t(t−1)(2t+5) over groups of t equal values. */
function tieTerm(ys: ArrayLike<number>): number {
  const sorted = Float64Array.from(ys as ArrayLike<number>).sort();
  let sum = 0;
  let run = 1;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i] === sorted[i - 1]) {
      run++;
    } else {
      if (run > 1) sum += run * (run - 1) * (2 * run + 5);
      run = 1;
    }
  }
  return sum;
}
