import { getJson, KubeApi, KubeApiError } from '../../kubernetes/KubeApi';
import { parseQuantity } from './pods';

interface PodMetrics {
  containers: Array<{ name: string; usage: { memory?: string } }>;
}

/**
 * A container's working set from metrics.k8s.io (what the kubelet and the
 * OOM killer go by). `missing` when the cluster serves no metrics API: that
 * is said once in the report, not as an error per pod.
 */
export async function workingSetBytes(
  api: KubeApi,
  namespace: string,
  pod: string,
  container: string,
): Promise<{ bytes?: number; error?: string; missing?: boolean }> {
  try {
    const m = await getJson<PodMetrics>(
      api,
      `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(
        namespace,
      )}/pods/${encodeURIComponent(pod)}`,
      3000,
    );
    const c = m.containers.find(x => x.name === container) ?? m.containers[0];
    return { bytes: parseQuantity(c?.usage.memory) };
  } catch (error) {
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
}
