import type { HeapSnapshot } from '@internal/plugin-memleak-common';
import { summarizeTimeline, toTimelinePoints } from './timeline';

const MIB = 1024 * 1024;
const snap = (t: number, heapMiB: number, extra: Partial<HeapSnapshot> = {}) =>
  ({
    t,
    at: new Date(t * 1000).toISOString(),
    outstandingBytes: heapMiB * MIB,
    outstandingCount: heapMiB,
    agedBytes: Math.max(0, heapMiB - 1) * MIB,
    mmapBytes: 0,
    allocs: 0,
    frees: 0,
    lostEvents: 0,
    ...extra,
  } as HeapSnapshot);

describe('summarizeTimeline', () => {
  it('says how every series moved', () => {
    const text = summarizeTimeline([
      snap(0, 0, { rssBytes: 20 * MIB, reportedBytes: 12 * MIB }),
      snap(360, 45, { rssBytes: 66 * MIB, reportedBytes: 12 * MIB }),
    ]);
    expect(text).toBe(
      'Over 6 min, outstanding heap (eBPF) went from 0 B to 45.0 MiB; ' +
        'aged heap went from 0 B to 44.0 MiB; ' +
        'process memory (RSS) went from 20.0 MiB to 66.0 MiB; ' +
        'the memory the service reports about itself went from 12.0 MiB to 12.0 MiB.',
    );
  });

  it('says when the service reports nothing and when there is no data', () => {
    expect(summarizeTimeline([snap(0, 1), snap(4, 2)])).toContain(
      'the service reported no memory figure',
    );
    expect(summarizeTimeline([])).toBe('No heap samples yet.');
  });
});

describe('toTimelinePoints', () => {
  it('converts bytes to MiB and keeps missing series missing', () => {
    expect(toTimelinePoints([snap(2, 3, { rssBytes: 1.5 * MIB })])).toEqual([
      {
        t: 2,
        outstandingMiB: 3,
        agedMiB: 2,
        rssMiB: 1.5,
        reportedMiB: undefined,
      },
    ]);
  });
});
