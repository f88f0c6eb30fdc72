import type { Config } from '@backstage/config';
import os from 'node:os';
import { TRACE_DURATION_BOUNDS } from '@internal/plugin-memleak-common';
import { tooShortForVerdict } from './verdict';

/** Trace limits and defaults, after config and defaults. */
export interface TraceSettings {
  defaultDurationSec: number;
  maxDurationSec: number;
  maxConcurrent: number;
  snapshotIntervalSec: number;
  minAgeSec: number;
  maxLiveAllocations: number;
  topStacks: number;
  /** How often a replica records that its running traces are alive. */
  heartbeatIntervalSec: number;
  /** A running trace without a heartbeat for this long belongs to a replica that is gone. */
  staleAfterSec: number;
  /** How often one of the replicas looks for such traces and ends them. */
  sweepIntervalSec: number;
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

/** Tracing pods through Inspektor Gadget, after config and defaults. */
export interface KubernetesSettings {
  gadget: {
    namespace: string;
    labelSelector: string;
    port: number;
    /** The trace_malloc image the gadget pods run. */
    image: string;
    /** The Inspektor Gadget release the image belongs to: others get a version-skew notice. */
    version: string;
  };
  /** Extra gadget params per cluster name; values may name `{pod.annotations.KEY}` and the like. */
  clusterParams: Record<string, Record<string, string>>;
}

/** The Inspektor Gadget release this plugin is built and tested against. */
export const INSPEKTOR_GADGET_VERSION = 'v0.55.0';

export interface MemleakSettings {
  trace: TraceSettings;
  localTargets: LocalTarget[];
  /**
   * Names this backend replica as the owner of the traces it runs: stable
   * across its restarts, distinct from every other replica on the database.
   */
  instanceId: string;
  kubernetes: KubernetesSettings;
  tracerPath?: string;
}

/** `memleak.kubernetes` with defaults (the CLI takes the defaults). */
export function readKubernetesSettings(
  cfg: Config | undefined,
): KubernetesSettings {
  const g = cfg?.getOptionalConfig('gadget');
  const version = g?.getOptionalString('version') ?? INSPEKTOR_GADGET_VERSION;
  const port = g?.getOptionalNumber('port') ?? 8080;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(
      `memleak.kubernetes.gadget.port must be a port number, got ${port}`,
    );
  }
  const clusterParams: KubernetesSettings['clusterParams'] = {};
  for (const c of cfg?.getOptionalConfigArray('clusters') ?? []) {
    // A list, not a map: Backstage config keys cannot hold the dots of param names.
    clusterParams[c.getString('name')] = Object.fromEntries(
      (c.getOptionalConfigArray('gadgetParams') ?? []).map(p => [
        p.getString('name'),
        p.getString('value'),
      ]),
    );
  }
  return {
    gadget: {
      namespace: g?.getOptionalString('namespace') ?? 'gadget',
      labelSelector: g?.getOptionalString('labelSelector') ?? 'k8s-app=gadget',
      port,
      image: g?.getOptionalString('image') ?? `trace_malloc:${version}`,
      version,
    },
    clusterParams,
  };
}

export const DEFAULT_TRACE_SETTINGS: TraceSettings = {
  defaultDurationSec: 120,
  maxDurationSec: 900,
  maxConcurrent: 2,
  snapshotIntervalSec: 2,
  minAgeSec: 10,
  maxLiveAllocations: 1_000_000,
  topStacks: 20,
  heartbeatIntervalSec: 10,
  // three missed heartbeats
  staleAfterSec: 30,
  sweepIntervalSec: 30,
};

/** The column that stores it holds 255 characters. */
const MAX_INSTANCE_ID_LENGTH = 255;

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
    heartbeatIntervalSec: bounded(t, 'heartbeatIntervalSec', 1, 300),
    staleAfterSec: bounded(t, 'staleAfterSec', 2, 3600),
    sweepIntervalSec: bounded(t, 'sweepIntervalSec', 1, 3600),
  };
  if (trace.defaultDurationSec > trace.maxDurationSec) {
    throw new Error(
      `memleak.trace.defaultDurationSec (${trace.defaultDurationSec}) exceeds maxDurationSec (${trace.maxDurationSec})`,
    );
  }
  const tooShort = tooShortForVerdict(
    trace.defaultDurationSec,
    trace.snapshotIntervalSec,
    trace.minAgeSec,
  );
  if (tooShort) {
    throw new Error(`memleak.trace.defaultDurationSec: ${tooShort}`);
  }
  // One late heartbeat must not end a live trace.
  if (trace.staleAfterSec < 2 * trace.heartbeatIntervalSec) {
    throw new Error(
      `memleak.trace.staleAfterSec (${trace.staleAfterSec}) must be at least twice heartbeatIntervalSec (${trace.heartbeatIntervalSec})`,
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
    instanceId: readInstanceId(root),
    kubernetes: readKubernetesSettings(cfg?.getOptionalConfig('kubernetes')),
    tracerPath: cfg?.getOptionalString('tracerPath'),
  };
}

/**
 * `memleak.instanceId`, else `<hostname>:<backend.listen port>`: a pod keeps
 * its hostname across container restarts, and two backends on one host
 * listen on different ports.
 */
function readInstanceId(root: Config): string {
  const configured = root.getOptionalString('memleak.instanceId');
  if (configured === undefined) {
    return `${os.hostname()}:${listenPort(root)}`;
  }
  const id = configured.trim();
  if (id.length === 0 || id.length > MAX_INSTANCE_ID_LENGTH) {
    throw new Error(
      `memleak.instanceId must be 1 to ${MAX_INSTANCE_ID_LENGTH} characters, got ${JSON.stringify(
        configured,
      )}`,
    );
  }
  return id;
}

/** The port of `backend.listen` (`<port>`, `<host>:<port>` or `{ port }`), read as the backend reads it. */
function listenPort(root: Config): string {
  const listen = root.getOptional('backend.listen');
  if (typeof listen === 'string' || typeof listen === 'number') {
    return String(listen).split(':').pop() || '7007';
  }
  return String(root.getOptionalNumber('backend.listen.port') ?? 7007);
}
