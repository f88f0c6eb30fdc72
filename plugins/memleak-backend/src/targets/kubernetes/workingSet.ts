import { getJson, KubeApi, KubeApiError } from '../../kubernetes/KubeApi';
import { parseQuantity } from './pods';

interface PodMetrics {
  metadata: { name: string; namespace: string };
  containers: Array<{ name: string; usage: { memory?: string } }>;
}

export interface WorkingSet {
  bytes?: number;
  error?: string;
  /** The cluster serves no metrics API: said once in the report, not as an error per pod. */
  missing?: boolean;
}

const METRICS = '/apis/metrics.k8s.io/v1beta1';
const TIMEOUT_MS = 3000;

function pick(m: PodMetrics, container: string): WorkingSet {
  const c = m.containers.find(x => x.name === container) ?? m.containers[0];
  return { bytes: parseQuantity(c?.usage.memory) };
}

function failure(error: unknown): WorkingSet {
  // A missing API group is a 404 too; a pod not scraped yet names podmetrics.
  if (
    error instanceof KubeApiError &&
    error.status === 404 &&
    !/podmetrics/i.test(error.message)
  ) {
    return {
      missing: true,
      error: 'metrics.k8s.io is not served by this cluster',
    };
  }
  return { error: (error as Error).message };
}

/**
 * A container's working set from metrics.k8s.io (what the kubelet and the
 * OOM killer go by).
 */
export async function workingSetBytes(
  api: KubeApi,
  namespace: string,
  pod: string,
  container: string,
): Promise<WorkingSet> {
  try {
    const m = await getJson<PodMetrics>(
      api,
      `${METRICS}/namespaces/${encodeURIComponent(
        namespace,
      )}/pods/${encodeURIComponent(pod)}`,
      TIMEOUT_MS,
    );
    return pick(m, container);
  } catch (error) {
    return failure(error);
  }
}

/**
 * The working sets of every pod a selector picks, in one list call (the
 * same query as the pod list, under metrics.k8s.io), instead of one call
 * per pod. A pod the metrics server has not scraped yet has no entry.
 */
export async function workingSetsOf(
  api: KubeApi,
  podQuery: string,
): Promise<(namespace: string, pod: string, container: string) => WorkingSet> {
  let items: PodMetrics[];
  try {
    items = (
      await getJson<{ items: PodMetrics[] }>(
        api,
        `${METRICS}${podQuery}`,
        TIMEOUT_MS,
      )
    ).items;
  } catch (error) {
    const failed = failure(error);
    return () => failed;
  }
  const byPod = new Map(
    items.map(m => [`${m.metadata.namespace}/${m.metadata.name}`, m]),
  );
  return (namespace, pod, container) => {
    const m = byPod.get(`${namespace}/${pod}`);
    return m
      ? pick(m, container)
      : { error: `metrics.k8s.io has no sample of pod ${pod} yet` };
  };
}
