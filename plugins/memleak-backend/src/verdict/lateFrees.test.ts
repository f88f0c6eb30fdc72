import { HeapLedger } from '../ledger';
import { MemOp } from '../sources/types';
import { lateFreeRatio } from './lateFrees';
import { Point, toPoint } from './points';

/**
 * Three stacks through the real ledger, one 1 KiB block every 2 s each,
 * freed after a known lifetime: the ratio is lifetime / minimum age, capped
 * at 1, and 0 for blocks never freed.
 */
function run(lifetimesSec: Array<number | undefined>): Point[] {
  const ledger = new HeapLedger();
  const ids = lifetimesSec.map((_, i) => ledger.stackId(`0x${i + 1}; `));
  const events: Array<[number, MemOp, number, number]> = [];
  for (let born = 1; born < 120; born += 2) {
    lifetimesSec.forEach((life, i) => {
      const addr = 0x1000_0000 * (i + 1) + born * 0x100;
      events.push([born, MemOp.malloc, addr, ids[i]]);
      if (life !== undefined) events.push([born + life, MemOp.free, addr, 0]);
    });
  }
  events.sort((a, b) => a[0] - b[0]);
  const points: Point[] = [];
  let next = 0;
  for (let t = 2; t <= 120; t += 2) {
    for (; next < events.length && events[next][0] <= t; next++) {
      const [at, op, addr, stack] = events[next];
      ledger.record(op, addr, op === MemOp.malloc ? 1024 : 0, at * 1e9, stack);
    }
    points.push(toPoint(ledger.snapshot(t * 1000, 10_000)));
  }
  return points;
}

describe('lateFreeRatio', () => {
  const points = run([undefined, 4, 31]);
  const window = points.slice(-30);

  it('is 0 for a stack that never frees', () => {
    expect(lateFreeRatio(points, window, '0x1; ', 10_000)).toBe(0);
  });

  it('counts a block freed young by the share of the minimum age it lived', () => {
    expect(lateFreeRatio(points, window, '0x2; ', 10_000)).toBeCloseTo(0.4, 5);
  });

  it('counts a block freed after outliving the minimum age in full', () => {
    expect(lateFreeRatio(points, window, '0x3; ', 10_000)).toBeCloseTo(1, 5);
  });

  it('without a minimum age, counts every free as late', () => {
    expect(lateFreeRatio(points, window, '0x2; ', 0)).toBeCloseTo(1, 1);
    expect(lateFreeRatio(points, window, '0x1; ', 0)).toBe(0);
  });
});
