/**
 * Share of consecutive steps that do not go down (1 for a staircase, ~0.5
 * for noise). A second, simpler trend witness next to Mann–Kendall: a leak
 * that grows in big chunks with long plateaus ties too much for a small
 * window's p-value but never steps down.
 */
export function nonDecreasingFraction(ys: ArrayLike<number>): number {
  if (ys.length < 2) return 0;
  let up = 0;
  for (let i = 1; i < ys.length; i++) if (ys[i] >= ys[i - 1]) up++;
  return up / (ys.length - 1);
}
