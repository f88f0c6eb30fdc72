import type { Config } from '@backstage/config';
import { TRACE_DURATION_BOUNDS } from '@internal/plugin-memleak-common';

/** Trace limits and defaults, after config and defaults. */
export interface TraceSettings {
  defaultDurationSec: number;
  maxDurationSec: number;
  maxConcurrent: number;
  snapshotIntervalSec: number;
  minAgeSec: number;
  maxLiveAllocations: number;
  topStacks: number;
}

/** A process on this host that stands for a catalog entity. */
export interface LocalTarget {
  entityRef: string;
  name: string;
  pidFile?: string;
  processName?: string;
  healthUrl?: string;
  readyUrl?: string;
  metricsUrl?: string;
  memoryMetric?: string;
}

export interface MemleakSettings {
  trace: TraceSettings;
  localTargets: LocalTarget[];
  tracerPath?: string;
}

export const DEFAULT_TRACE_SETTINGS: TraceSettings = {
  defaultDurationSec: 120,
  maxDurationSec: 900,
  maxConcurrent: 2,
  snapshotIntervalSec: 2,
  minAgeSec: 10,
  maxLiveAllocations: 1_000_000,
  topStacks: 20,
};

function bounded(
  config: Config | undefined,
  key: keyof TraceSettings,
  min: number,
  max: number,
): number {
  const value = config?.getOptionalNumber(key) ?? DEFAULT_TRACE_SETTINGS[key];
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(
      `memleak.trace.${key} must be between ${min} and ${max}, got ${value}`,
    );
  }
  return value;
}

/** Reads `memleak.*`; throws with the offending key when a value is out of range. */
export function readMemleakSettings(root: Config): MemleakSettings {
  const cfg = root.getOptionalConfig('memleak');
  const t = cfg?.getOptionalConfig('trace');
  const { minSec, maxSec } = TRACE_DURATION_BOUNDS;
  const trace: TraceSettings = {
    maxDurationSec: bounded(t, 'maxDurationSec', minSec, maxSec),
    defaultDurationSec: bounded(t, 'defaultDurationSec', minSec, maxSec),
    maxConcurrent: bounded(t, 'maxConcurrent', 1, 64),
    snapshotIntervalSec: bounded(t, 'snapshotIntervalSec', 0.5, 60),
    minAgeSec: bounded(t, 'minAgeSec', 0, 600),
    maxLiveAllocations: bounded(t, 'maxLiveAllocations', 1000, 50_000_000),
    topStacks: bounded(t, 'topStacks', 1, 200),
  };
  if (trace.defaultDurationSec > trace.maxDurationSec) {
    throw new Error(
      `memleak.trace.defaultDurationSec (${trace.defaultDurationSec}) exceeds maxDurationSec (${trace.maxDurationSec})`,
    );
  }
  const localTargets = (cfg?.getOptionalConfigArray('localTargets') ?? []).map(
    c => {
      const target: LocalTarget = {
        entityRef: c.getString('entityRef').toLocaleLowerCase('en-US'),
        name: c.getString('name'),
        pidFile: c.getOptionalString('pidFile'),
        processName: c.getOptionalString('processName'),
        healthUrl: c.getOptionalString('healthUrl'),
        readyUrl: c.getOptionalString('readyUrl'),
        metricsUrl: c.getOptionalString('metricsUrl'),
        memoryMetric: c.getOptionalString('memoryMetric'),
      };
      if (!target.pidFile && !target.processName) {
        throw new Error(
          `memleak.localTargets[${target.name}] needs pidFile or processName`,
        );
      }
      return target;
    },
  );
  return {
    trace,
    localTargets,
    tracerPath: cfg?.getOptionalString('tracerPath'),
  };
}
