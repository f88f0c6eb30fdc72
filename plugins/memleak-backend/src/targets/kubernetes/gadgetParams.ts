import type { PodTarget } from '@internal/plugin-memleak-common';
import { SourceError } from '../../sources/types';
import type { PodObject } from './pods';

const PLACEHOLDER =
  /\{(pod\.name|pod\.namespace|pod\.node|container|pod\.annotations\.[^{}]+|pod\.labels\.[^{}]+)\}/g;

/**
 * The gadget params of one pod's trace: Inspektor Gadget's KubeManager picks
 * the container, user stacks are collected, and the cluster's own params
 * (`memleak.kubernetes.clusters[].gadgetParams`) are added with `{…}`
 * placeholders filled from the pod. A placeholder naming an annotation or
 * label the pod lacks is an error that says which, not an empty filter.
 */
export function gadgetParamsFor(
  pod: PodObject,
  info: PodTarget,
  clusterParams: Record<string, string>,
): Record<string, string> {
  const params: Record<string, string> = {
    'operator.KubeManager.namespace': info.namespace,
    'operator.KubeManager.podname': info.name,
    'operator.KubeManager.containername': info.container,
    'operator.oci.ebpf.collect-ustack': 'true',
  };
  for (const [name, template] of Object.entries(clusterParams)) {
    params[name] = template.replace(PLACEHOLDER, (_, key: string) => {
      const value = lookup(pod, info, key);
      if (value === undefined) {
        throw new SourceError({
          level: 'error',
          code: 'attach_failed',
          message: `Gadget param ${name} of cluster ${info.cluster} names {${key}}, which pod ${info.namespace}/${info.name} does not have.`,
        });
      }
      return value;
    });
  }
  return params;
}

function lookup(
  pod: PodObject,
  info: PodTarget,
  key: string,
): string | undefined {
  if (key === 'pod.name') return info.name;
  if (key === 'pod.namespace') return info.namespace;
  if (key === 'pod.node') return info.node;
  if (key === 'container') return info.container;
  if (key.startsWith('pod.annotations.')) {
    return pod.metadata.annotations?.[key.slice('pod.annotations.'.length)];
  }
  return pod.metadata.labels?.[key.slice('pod.labels.'.length)];
}
