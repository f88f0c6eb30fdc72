/**
 * Theil–Sen slope: the median of the slopes between all pairs of points.
 *
 * Robust where least squares is not: up to ~29 % of the points can be
 * arbitrary outliers (a burst of request buffers that happen to age) without
 * moving the estimate much. O(n²) pairs; a verdict window holds ~30 points.
 *
 * Returns NaN when fewer than two distinct x values exist.
 */
export function theilSenSlope(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
): number {
  const n = Math.min(xs.length, ys.length);
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let m = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = xs[j] - xs[i];
      if (dx !== 0) slopes[m++] = (ys[j] - ys[i]) / dx;
    }
  }
  if (m === 0) return NaN;
  return median(slopes.subarray(0, m));
}

/** Median of a typed array; sorts it in place. */
export function median(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return NaN;
  values.sort();
  const mid = n >> 1;
  return n % 2 === 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}
