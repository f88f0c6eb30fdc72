import { traceCost } from './traceCost';
import type { HeapSnapshot } from './types';

const snap = (
  t: number,
  allocs: number,
  frees: number,
  lostEvents = 0,
): HeapSnapshot => ({
  t,
  at: new Date(t * 1000).toISOString(),
  outstandingBytes: 0,
  outstandingCount: 0,
  agedBytes: 0,
  mmapBytes: 0,
  allocs,
  frees,
  lostEvents,
});

describe('traceCost', () => {
  it('counts allocator events per second over the last 10 s', () => {
    // 100 events/s for the first 20 s, then 1000/s
    const snapshots = [
      snap(0, 0, 0),
      snap(10, 500, 500),
      snap(20, 1000, 1000),
      snap(24, 3000, 3000),
      snap(30, 6000, 6000),
    ];
    expect(traceCost(snapshots, 'kubernetes')).toEqual({
      eventsPerSec: 1000,
      lostEvents: 0,
      addedNsPerCall: 7438,
      cpuShare: (1000 * 7438) / 1e9,
    });
  });

  it('uses what there is when the trace is younger than the window', () => {
    expect(traceCost([snap(0, 0, 0), snap(2, 30, 10)], 'local')).toMatchObject({
      eventsPerSec: 20,
      addedNsPerCall: 930,
    });
  });

  it('reports the lost events of the last snapshot', () => {
    expect(
      traceCost([snap(0, 0, 0), snap(2, 10, 10, 312)], 'local')!.lostEvents,
    ).toBe(312);
  });

  it('needs two snapshots at different times', () => {
    expect(traceCost([snap(0, 0, 0)], 'local')).toBeUndefined();
    expect(traceCost([snap(2, 0, 0), snap(2, 5, 5)], 'local')).toBeUndefined();
  });
});
