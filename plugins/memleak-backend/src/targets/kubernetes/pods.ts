import type { PodTarget } from '@internal/plugin-memleak-common';

/** The parts of a Pod object memleak reads. */
export interface PodObject {
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec: {
    nodeName?: string;
    containers: Array<{
      name: string;
      resources?: {
        requests?: Record<string, string>;
        limits?: Record<string, string>;
      };
    }>;
  };
  status: {
    phase?: string;
    podIP?: string;
    startTime?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{
      name: string;
      restartCount?: number;
      lastState?: {
        terminated?: {
          reason?: string;
          exitCode?: number;
          finishedAt?: string;
        };
      };
    }>;
  };
}

const BINARY_SUFFIX: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL_SUFFIX: Record<string, number> = {
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** A Kubernetes quantity (`256Mi`, `1G`, `1e9`, `500m`) in base units; undefined if malformed. */
export function parseQuantity(q: string | undefined): number | undefined {
  if (!q) return undefined;
  const m =
    /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/.exec(
      q.trim(),
    );
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? '';
  const factor = BINARY_SUFFIX[unit] ?? DECIMAL_SUFFIX[unit];
  return Number.isFinite(n) && factor !== undefined ? n * factor : undefined;
}

/** The container to trace: the annotated one if the pod has it, else the first. */
export function tracedContainer(pod: PodObject, wanted?: string): string {
  const names = pod.spec.containers.map(c => c.name);
  return wanted && names.includes(wanted) ? wanted : names[0];
}

/** The kubelet's readiness verdict; undefined while the pod has no Ready condition. */
function readyCondition(pod: PodObject): boolean | undefined {
  const ready = pod.status.conditions?.find(c => c.type === 'Ready');
  return ready ? ready.status === 'True' : undefined;
}

/** What the report shows of a pod. */
export function describePod(
  cluster: string,
  pod: PodObject,
  container: string,
): PodTarget {
  const statuses = pod.status.containerStatuses ?? [];
  const last = statuses
    .map(s => s.lastState?.terminated)
    .filter((t): t is NonNullable<typeof t> => Boolean(t))
    .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))[0];
  const resources = pod.spec.containers.find(
    c => c.name === container,
  )?.resources;
  return {
    name: pod.metadata.name,
    cluster,
    namespace: pod.metadata.namespace,
    node: pod.spec.nodeName,
    phase: pod.status.phase,
    containers: pod.spec.containers.map(c => c.name),
    container,
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    ready: readyCondition(pod),
    lastTermination: last
      ? {
          reason: last.reason ?? 'Unknown',
          exitCode: last.exitCode,
          at: last.finishedAt,
        }
      : undefined,
    memoryRequestBytes: parseQuantity(resources?.requests?.memory),
    memoryLimitBytes: parseQuantity(resources?.limits?.memory),
    startedAt: pod.status.startTime,
  };
}
