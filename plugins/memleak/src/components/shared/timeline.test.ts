import type { HeapSnapshot } from '@internal/plugin-memleak-common';
import {
  describeLimit,
  projectionToLimit,
  summarizeTimeline,
  toTimelinePoints,
} from './timeline';

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

describe('the limit on the timeline', () => {
  const growth = {
    bytesPerSec: MIB / 8,
    lowBytesPerSec: MIB / 10,
    highBytesPerSec: MIB / 6,
    points: 30,
  };
  const hits = (sec: number) => ({
    kind: 'hits-limit' as const,
    limitBytes: 256 * MIB,
    currentBytes: 196 * MIB,
    growth,
    sec,
    soonestSec: sec * 0.75,
    latestSec: sec * 1.25,
  });
  const points = toTimelinePoints([snap(0, 0), snap(200, 25)]);

  it('projects from the working set now to the limit, when that is near', () => {
    // 60 MiB of headroom at 1 MiB / 8 s
    expect(projectionToLimit(points, hits(480))).toEqual([
      { x: 200, y: 196 },
      { x: 680, y: 256 },
    ]);
  });

  it('stops three spans of data ahead when the limit is far', () => {
    expect(projectionToLimit(points, hits(48000))).toEqual([
      { x: 200, y: 196 },
      { x: 800, y: 196 + 600 / 8 },
    ]);
  });

  it('says when the limit is hit, or why it is not', () => {
    expect(describeLimit(256 * MIB, hits(1380))).toBe(
      'At this rate, the 256 MiB memory limit is hit in ~23 min (17 min–29 min).',
    );
    expect(
      describeLimit(256 * MIB, {
        kind: 'not-growing',
        limitBytes: 256 * MIB,
        growth,
      }),
    ).toBe('The memory limit is 256 MiB; not growing.');
  });
});
