import fc from 'fast-check';
import { mannKendall } from './mannKendall';
import { normalUpperTail } from './normal';
import { nonDecreasingFraction } from './monotonicity';

// Reference values computed independently (exact sums, erfc from a C library).
describe('mannKendall', () => {
  it.each([
    [[1, 2, 3, 4, 5], 10, 16.666667, 2.2045408, 0.0274863],
    [[1, 1, 2, 2, 3], 8, 14.666667, 1.8278154, 0.0675773],
    [[5, 3, 4, 1, 2, 0], -11, 28.333333, -1.8786729, 0.0602892],
    [[2, 7, 1, 8, 2, 8, 1, 8, 2, 8], 9, 111.666667, 0.7570564, 0.4490161],
  ])('%j → S=%d', (ys, s, varS, z, p) => {
    const r = mannKendall(ys);
    expect(r.s).toBe(s);
    expect(r.varS).toBeCloseTo(varS, 5);
    expect(r.z).toBeCloseTo(z, 6);
    expect(r.p).toBeCloseTo(p, 6);
  });

  it('finds no trend in a constant series', () => {
    expect(mannKendall([4, 4, 4, 4])).toEqual({ s: 0, varS: 0, z: 0, p: 1 });
  });

  it('calls any strictly rising series of 10+ points at p < 0.01', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -1e9, max: 1e9 }), {
          minLength: 10,
          maxLength: 40,
        }),
        values => {
          const ys = [...values].sort((a, b) => a - b);
          const r = mannKendall(ys);
          expect(r.s).toBe((ys.length * (ys.length - 1)) / 2);
          expect(r.p).toBeLessThan(0.01);
        },
      ),
    );
  });

  it('is antisymmetric under time reversal', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), {
          minLength: 2,
          maxLength: 30,
        }),
        ys => {
          const fwd = mannKendall(ys);
          const back = mannKendall([...ys].reverse());
          expect(back.s + fwd.s).toBe(0);
          expect(back.p).toBeCloseTo(fwd.p, 12);
        },
      ),
    );
  });
});

describe('normalUpperTail', () => {
  it('matches known quantiles', () => {
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(3)).toBeCloseTo(0.0013499, 6);
    expect(normalUpperTail(-1)).toBeCloseTo(0.8413447, 6);
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
  });
});

describe('nonDecreasingFraction', () => {
  it('counts steps that do not go down', () => {
    expect(nonDecreasingFraction([1, 1, 2, 2, 3])).toBe(1);
    expect(nonDecreasingFraction([1, 0, 1, 0, 1])).toBe(0.5);
    expect(nonDecreasingFraction([1])).toBe(0);
  });
});
