import type { Duplex } from 'node:stream';
import { SourceError } from '../sources/types';
import { getJson, KubeApi, KubeApiError } from './KubeApi';
import { PORT_FORWARD_PROTOCOL, portForwardStream } from './portForward';

/** Where Inspektor Gadget runs in a cluster, after config and defaults. */
export interface GadgetSettings {
  namespace: string;
  /** Label selector of the gadget pods (the DaemonSet's). */
  labelSelector: string;
  /** The gadget service's port inside the pod. */
  port: number;
}

interface PodList {
  items: Array<{
    metadata: { name: string };
    spec: { nodeName?: string };
    status: { phase?: string };
  }>;
}

/**
 * The gadget pod serving a node, found as `kubectl gadget` finds it: the
 * pods matching the gadget label in the gadget namespace, the one on the node.
 */
export async function findGadgetPod(
  api: KubeApi,
  gadget: GadgetSettings,
  node: string,
): Promise<string> {
  const path = `/api/v1/namespaces/${encodeURIComponent(
    gadget.namespace,
  )}/pods?labelSelector=${encodeURIComponent(gadget.labelSelector)}`;
  let list: PodList;
  try {
    list = await getJson<PodList>(api, path);
  } catch (error) {
    throw clusterError(error, api.cluster);
  }
  const pod = list.items.find(
    p => p.spec.nodeName === node && p.status.phase === 'Running',
  );
  if (!pod) {
    throw new SourceError({
      level: 'error',
      code: 'gadget_missing',
      message: `Inspektor Gadget is not running on node ${node} of cluster ${api.cluster} (no Running pod labelled ${gadget.labelSelector} in namespace ${gadget.namespace}). Install it: kubectl gadget deploy, or kubectl apply -k manifests/inspektor-gadget.`,
    });
  }
  return pod.metadata.name;
}

/** A port-forward through the API server to a pod's port, as a byte stream. */
export async function openPortForward(
  api: KubeApi,
  namespace: string,
  pod: string,
  port: number,
): Promise<Duplex> {
  const path = `/api/v1/namespaces/${encodeURIComponent(
    namespace,
  )}/pods/${encodeURIComponent(pod)}/portforward?ports=${port}`;
  try {
    return portForwardStream(
      await api.webSocket(path, [PORT_FORWARD_PROTOCOL]),
    );
  } catch (error) {
    throw clusterError(error, api.cluster);
  }
}

/** A KubeApiError as the notice a user can act on (RBAC, unreachable). */
export function clusterError(error: unknown, cluster: string): SourceError {
  if (error instanceof SourceError) return error;
  if (
    error instanceof KubeApiError &&
    (error.status === 401 || error.status === 403)
  ) {
    return new SourceError({
      level: 'error',
      code: 'rbac_denied',
      message: `${error.message}. Grant the Backstage backend's credentials for cluster ${cluster} what manifests/backstage-rbac grants.`,
    });
  }
  return new SourceError({
    level: 'error',
    code: 'cluster_unreachable',
    message: `${
      (error as Error).message
    }. Check that cluster ${cluster} is up and reachable from the Backstage backend.`,
  });
}
