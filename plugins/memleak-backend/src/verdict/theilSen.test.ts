import fc from 'fast-check';
import { median, theilSenSlope } from './theilSen';

describe('theilSenSlope', () => {
  it('is the median of pairwise slopes', () => {
    // y = 2x with one wild point: 6 pairs say 2, the 4 pairs with the outlier say more.
    expect(theilSenSlope([0, 1, 2, 3, 4], [0, 2, 4, 6, 100])).toBe(2);
    // Four points, one outlier: slopes 1,1,1,33.3,49.5,98 → (1 + 33.3) / 2.
    expect(theilSenSlope([0, 1, 2, 3], [0, 1, 2, 100])).toBeCloseTo(
      (1 + 100 / 3) / 2,
      9,
    );
  });

  it('skips pairs with equal x and is NaN without two distinct x', () => {
    // Pairs (1,0)–(2,3) and (1,5)–(2,3): slopes 3 and −2.
    expect(theilSenSlope([1, 1, 2], [0, 5, 3])).toBeCloseTo(0.5, 9);
    expect(theilSenSlope([3, 3], [1, 2])).toBeNaN();
    expect(theilSenSlope([], [])).toBeNaN();
  });

  it('recovers the slope of any line', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), {
          minLength: 2,
          maxLength: 40,
        }),
        (a, b, xs) => {
          const ys = xs.map(x => a * x + b);
          const slope = theilSenSlope(xs, ys);
          expect(Math.abs(slope - a)).toBeLessThanOrEqual(
            1e-6 * (Math.abs(a) + Math.abs(b) / 1000 + 1),
          );
        },
      ),
    );
  });

  it('ignores up to 10 % arbitrary outliers', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e4, max: 1e4, noNaN: true }),
        fc.integer({ min: 20, max: 40 }),
        fc.array(
          fc.tuple(fc.nat(), fc.double({ min: -1e12, max: 1e12, noNaN: true })),
          { maxLength: 4 },
        ),
        (a, n, outliers) => {
          const xs = Array.from({ length: n }, (_, i) => i * 2);
          const ys = xs.map(x => a * x + 7);
          for (const [i, y] of outliers) ys[i % n] = y;
          expect(theilSenSlope(xs, ys)).toBeCloseTo(a, 6);
        },
      ),
    );
  });
});

describe('median', () => {
  it('handles odd, even and empty input', () => {
    expect(median(Float64Array.of(3, 1, 2))).toBe(2);
    expect(median(Float64Array.of(4, 1, 3, 2))).toBe(2.5);
    expect(median(new Float64Array(0))).toBeNaN();
  });
});
