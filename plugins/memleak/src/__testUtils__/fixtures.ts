import type { Entity } from '@backstage/catalog-model';
import type {
  HeapSnapshot,
  MemleakReport,
  TraceDetail,
} from '@internal/plugin-memleak-common';

export const MIB = 1024 * 1024;
export const ENTITY_REF = 'component:default/leaker-c';

/**
 * A component with the workload annotation. Permission decisions are cached
 * per entity ref across tests (swr), so tests of a denial use their own name.
 */
export function anEntity(
  annotations: Record<string, string> = {
    'backstage.io/kubernetes-id': 'leaker-c',
  },
  name = 'leaker-c',
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'experimental' },
  };
}

/** A heap that grows 1 MiB every 8 s, as the demo service leaks. */
export function leakingSnapshots(count: number): HeapSnapshot[] {
  return Array.from({ length: count }, (_, i) => {
    const t = i * 2;
    const heap = Math.floor(t / 8) * MIB;
    return {
      t,
      at: new Date(Date.UTC(2025, 0, 1, 12, 0, t)).toISOString(),
      outstandingBytes: heap,
      outstandingCount: Math.floor(t / 8),
      agedBytes: Math.max(0, heap - MIB),
      mmapBytes: 0,
      allocs: i * 10,
      frees: i * 10 - Math.floor(t / 8),
      lostEvents: 0,
      rssBytes: 20 * MIB + heap,
      reportedBytes: 12 * MIB,
    };
  });
}

export function aTrace(overrides: Partial<TraceDetail> = {}): TraceDetail {
  return {
    id: '7c1e7d4e-62c3-4e8f-9b5a-0d6f3f0a1b2c',
    entityRef: ENTITY_REF,
    target: { kind: 'local', label: 'pid 4242 (leaker)', pid: 4242 },
    status: 'completed',
    startedAt: '2025-01-01T12:00:00.000Z',
    endedAt: '2025-01-01T12:06:00.000Z',
    durationSec: 360,
    elapsedSec: 360,
    verdict: 'leak',
    reason: '45 allocations of 1 MiB from one stack were never freed',
    growthBytesPerSec: 131072,
    outstandingBytes: 45 * MIB,
    topFrame: 'leak_memory_chunk',
    snapshots: leakingSnapshots(10),
    stacks: [
      {
        id: 's1',
        frames: [
          {
            address: '0x401a2b',
            symbol: 'leak_memory_chunk',
            offset: 26,
            module: 'leaker',
          },
          {
            address: '0x401c00',
            symbol: 'leak_thread_main',
            offset: 64,
            module: 'leaker',
          },
          {
            address: '0x7f00aa',
            symbol: 'start_thread',
            offset: 0x2d5,
            module: 'libc.so.6',
          },
        ],
        outstandingBytes: 45 * MIB,
        outstandingCount: 45,
        agedBytes: 44 * MIB,
        agedCount: 44,
        allocs: 45,
        frees: 0,
        growthBytesPerSec: 131072,
        verdict: 'leak',
        reason: 'monotonic growth, never freed',
      },
      {
        id: 's2',
        frames: [
          {
            address: '0x401e10',
            symbol: 'handle_request',
            offset: 12,
            module: 'leaker',
          },
        ],
        outstandingBytes: 4096,
        outstandingCount: 1,
        agedBytes: 0,
        agedCount: 0,
        allocs: 900,
        frees: 899,
        growthBytesPerSec: 0,
        verdict: 'stable',
        reason: 'freed promptly',
      },
    ],
    notices: [],
    ...overrides,
  };
}

export function aReport(overrides: Partial<MemleakReport> = {}): MemleakReport {
  return {
    entityRef: ENTITY_REF,
    generatedAt: '2025-01-01T12:06:00.000Z',
    mode: 'local',
    reported: [
      {
        name: 'leaker-c',
        health: {
          url: 'http://127.0.0.1:8080/health',
          state: 'healthy',
          httpStatus: 200,
          reportedStatus: 'healthy',
        },
        ready: {
          url: 'http://127.0.0.1:8080/ready',
          state: 'healthy',
          httpStatus: 200,
        },
        memory: {
          url: 'http://127.0.0.1:9090/metrics',
          metric: 'memory_heap_used_bytes',
          bytes: 12 * MIB,
          otherGauges: [{ name: 'memory_usage_percent', value: 1 }],
        },
      },
    ],
    kernel: [
      { name: 'leaker-c', source: 'proc', pid: 4242, rssBytes: 66 * MIB },
    ],
    capability: {
      available: true,
      defaultDurationSec: 120,
      maxDurationSec: 900,
      minDurationSec: 32,
    },
    notices: [],
    ...overrides,
  };
}
