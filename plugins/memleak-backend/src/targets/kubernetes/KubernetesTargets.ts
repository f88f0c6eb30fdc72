import type { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type {
  KernelTarget,
  Notice,
  PodTarget,
  ReportedTarget,
  SelfReportSettings,
  TraceTarget,
} from '@internal/plugin-memleak-common';
import {
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
  KUBERNETES_NAMESPACE_ANNOTATION,
  readSelfReportSettings,
} from '@internal/plugin-memleak-common';
import type { KubernetesSettings } from '../../config';
import {
  clusterError,
  findGadgetPod,
  openPortForward,
} from '../../kubernetes/gadgetPods';
import { getJson, KubeApi, KubeApiError } from '../../kubernetes/KubeApi';
import { checkEndpoint, readReportedMemory } from '../../report/selfReport';
import { InspektorGadgetSource } from '../../sources/gadget/InspektorGadgetSource';
import type {
  EntityTargets,
  PreparedTrace,
  ReportOptions,
  TargetReport,
} from '../types';
import { gadgetParamsFor } from './gadgetParams';
import { kubeFetch } from './kubeFetch';
import { describePod, PodObject, tracedContainer } from './pods';
import { workingSetBytes, workingSetsOf } from './workingSet';

/** The entity annotation naming the one cluster an entity runs in. */
export const KUBERNETES_CLUSTER_ANNOTATION = 'backstage.io/kubernetes-cluster';

/** Reaches clusters: the kubernetes backend plugin's (backend) or a kubeconfig's (CLI). */
export interface ClusterAccess {
  clusters(): Promise<string[]>;
  api(cluster: string): KubeApi;
}

interface Selected {
  api: KubeApi;
  pod: PodObject;
  info: PodTarget;
}

/**
 * The pods an entity runs as, selected exactly as the kubernetes plugin
 * selects them (`backstage.io/kubernetes-id` or `-label-selector`, optional
 * namespace and cluster), in every cluster; one cluster failing becomes a
 * notice, never an empty report.
 */
export class KubernetesTargets implements EntityTargets {
  readonly mode = 'kubernetes' as const;

  constructor(
    private readonly deps: {
      access: ClusterAccess;
      settings: KubernetesSettings;
      /** Trace limits, for the gadget's server-side timeout. */
      maxLiveAllocations: number;
      topStacks: number;
    },
  ) {}

  static appliesTo(entity: Entity): boolean {
    const a = entity.metadata.annotations ?? {};
    return Boolean(
      a[KUBERNETES_ID_ANNOTATION] || a[KUBERNETES_LABEL_SELECTOR_ANNOTATION],
    );
  }

  private async select(entity: Entity): Promise<{
    pods: Selected[];
    notices: Array<Omit<Notice, 'at'>>;
    /** The pod query below `/api/v1`, e.g. `/namespaces/x/pods?labelSelector=…`. */
    query: string;
  }> {
    const a = entity.metadata.annotations ?? {};
    const selector =
      a[KUBERNETES_LABEL_SELECTOR_ANNOTATION] ||
      `${KUBERNETES_ID_ANNOTATION}=${a[KUBERNETES_ID_ANNOTATION]}`;
    const namespace = a[KUBERNETES_NAMESPACE_ANNOTATION];
    const wantedContainer = readSelfReportSettings(entity).container;
    const notices: Array<Omit<Notice, 'at'>> = [];
    let clusters: string[];
    const query = `/${
      namespace ? `namespaces/${encodeURIComponent(namespace)}/` : ''
    }pods?labelSelector=${encodeURIComponent(selector)}`;
    try {
      clusters = await this.deps.access.clusters();
    } catch (error) {
      notices.push(clusterError(error, 'any').notice);
      return { pods: [], notices, query };
    }
    const only = a[KUBERNETES_CLUSTER_ANNOTATION];
    if (only) {
      if (!clusters.includes(only)) {
        notices.push({
          level: 'error',
          code: 'cluster_unreachable',
          message: `The entity names cluster ${only}, which the kubernetes plugin does not know (clusters: ${
            clusters.join(', ') || 'none'
          }). Add it to kubernetes.clusterLocatorMethods.`,
        });
        return { pods: [], notices, query };
      }
      clusters = [only];
    }
    const perCluster = await Promise.all(
      clusters.map(async cluster => {
        const api = this.deps.access.api(cluster);
        try {
          const list = await getJson<{ items: PodObject[] }>(
            api,
            `/api/v1${query}`,
          );
          return list.items.map(pod => ({
            api,
            pod,
            info: describePod(
              cluster,
              pod,
              tracedContainer(pod, wantedContainer),
            ),
          }));
        } catch (error) {
          notices.push(clusterError(error, cluster).notice);
          return [];
        }
      }),
    );
    return { pods: perCluster.flat(), notices, query };
  }

  async report(
    entity: Entity,
    options: ReportOptions = {},
  ): Promise<TargetReport> {
    const { pods, notices, query } = await this.select(entity);
    const settings = readSelfReportSettings(entity);
    // One metrics.k8s.io list per cluster, beside the pods' self-reports.
    const apis = new Map(pods.map(p => [p.info.cluster, p.api]));
    const [workingSets, reported] = await Promise.all([
      Promise.all(
        [...apis].map(
          async ([cluster, api]) =>
            [cluster, await workingSetsOf(api, query)] as const,
        ),
      ).then(entries => new Map(entries)),
      options.selfReport === false
        ? []
        : Promise.all(
            pods.map(({ api, info }) => this.selfReport(api, info, settings)),
          ),
    ]);
    let metricsMissing = false;
    const kernel: KernelTarget[] = pods.map(({ info }) => {
      const workingSet = workingSets.get(info.cluster)!(
        info.namespace,
        info.name,
        info.container,
      );
      if (workingSet.missing) metricsMissing = true;
      return {
        name: info.name,
        source: 'metrics.k8s.io',
        rssBytes: workingSet.bytes,
        error: workingSet.error,
      };
    });
    if (metricsMissing) {
      notices.push({
        level: 'info',
        code: 'metrics_unavailable',
        message:
          "The cluster serves no metrics.k8s.io, so containers' working sets are not shown; health, metrics and traces work. Install metrics-server to see them.",
      });
    }
    const capability = this.capability(
      pods.map(p => p.info),
      notices,
    );
    return {
      mode: 'kubernetes',
      reported,
      kernel,
      pods: pods.map(p => p.info),
      capability,
      notices,
    };
  }

  /**
   * What a pod says of itself, through `pods/proxy`. Not its readiness: the
   * kubelet probes that, and the pod's Ready condition already says it.
   */
  private async selfReport(
    api: KubeApi,
    info: PodTarget,
    settings: SelfReportSettings,
  ): Promise<ReportedTarget> {
    const fetchImpl = kubeFetch(api);
    const [health, memory] = await Promise.all([
      checkEndpoint(
        podProxyPath(info, settings.healthPort, settings.healthPath),
        fetchImpl,
      ),
      readReportedMemory(
        podProxyPath(info, settings.metricsPort, settings.metricsPath),
        settings.memoryMetric,
        fetchImpl,
      ),
    ]);
    return { name: info.name, health, memory };
  }

  private capability(
    pods: PodTarget[],
    notices: Array<Omit<Notice, 'at'>>,
  ): { available: boolean; reason?: string } {
    if (pods.some(p => p.phase === 'Running')) return { available: true };
    if (pods.length > 0) {
      return {
        available: false,
        reason: `None of the entity's ${pods.length} pod(s) is Running; a trace needs a running process.`,
      };
    }
    return {
      available: false,
      reason:
        notices[0]?.message ??
        'The entity selects no pods: check its backstage.io/kubernetes-id or -label-selector annotation and namespace, and that the pods carry the label.',
    };
  }

  async prepare(
    entity: Entity,
    target: string | undefined,
    durationSec: number,
  ): Promise<PreparedTrace[]> {
    const { pods, notices } = await this.select(entity);
    const running = pods.filter(p => p.info.phase === 'Running');
    const ref = `${entity.kind}:${entity.metadata.namespace ?? 'default'}/${
      entity.metadata.name
    }`.toLocaleLowerCase('en-US');
    let chosen = running;
    if (target) {
      chosen = pods.filter(p => matchesTarget(p.info, target));
      if (chosen.length === 0) {
        throw new InputError(
          `${target} is not a pod of ${ref}; its pods: ${
            pods.map(p => label(p.info)).join(', ') || 'none'
          }`,
        );
      }
      if (chosen[0].info.phase !== 'Running') {
        throw new InputError(
          `pod ${label(chosen[0].info)} is ${
            chosen[0].info.phase ?? 'not running'
          }; only a Running pod can be traced`,
        );
      }
      chosen = chosen.slice(0, 1);
    }
    if (chosen.length === 0) {
      throw new InputError(
        `${ref} has no Running pod to trace${
          notices.length ? `: ${notices.map(n => n.message).join(' ')}` : ''
        }`,
      );
    }
    const settings = readSelfReportSettings(entity);
    return chosen.map(p => this.prepareOne(p, settings, durationSec));
  }

  /**
   * One named pod, without an entity (the CLI: `memleak-trace -n NS -p POD`).
   * A pod that does not exist or is not Running is an InputError.
   */
  async preparePod(
    cluster: string,
    namespace: string,
    name: string,
    durationSec: number,
    container?: string,
  ): Promise<PreparedTrace> {
    const api = this.deps.access.api(cluster);
    let pod: PodObject;
    try {
      pod = await getJson<PodObject>(
        api,
        `/api/v1/namespaces/${encodeURIComponent(
          namespace,
        )}/pods/${encodeURIComponent(name)}`,
      );
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) {
        throw new InputError(
          `pod ${namespace}/${name} does not exist in cluster ${cluster}`,
        );
      }
      throw clusterError(error, cluster);
    }
    const info = describePod(cluster, pod, tracedContainer(pod, container));
    if (info.phase !== 'Running') {
      throw new InputError(
        `pod ${label(info)} is ${
          info.phase ?? 'not running'
        }; only a Running pod can be traced`,
      );
    }
    return this.prepareOne(
      { api, pod, info },
      // No entity: the self-report endpoints' defaults.
      readSelfReportSettings({ metadata: {} }),
      durationSec,
    );
  }

  private prepareOne(
    { api, pod, info }: Selected,
    settings: SelfReportSettings,
    durationSec: number,
  ): PreparedTrace {
    const { gadget, clusterParams } = this.deps.settings;
    const target: TraceTarget = {
      kind: 'kubernetes',
      label: label(info),
      cluster: info.cluster,
      namespace: info.namespace,
      pod: info.name,
      container: info.container,
    };
    const node = info.node;
    const source = new InspektorGadgetSource({
      target,
      image: gadget.image,
      expectedVersion: gadget.version,
      // Past the trace's own end, so the server stops it even if we vanish.
      timeoutSec: durationSec + 60,
      params: gadgetParamsFor(pod, info, clusterParams[info.cluster] ?? {}),
      maxLiveAllocations: this.deps.maxLiveAllocations,
      topStacks: this.deps.topStacks,
      connect: async () => {
        if (!node) {
          throw clusterError(
            new Error(`pod ${target.label} is not scheduled on a node`),
            info.cluster,
          );
        }
        const gadgetPod = await findGadgetPod(api, gadget, node);
        return openPortForward(api, gadget.namespace, gadgetPod, gadget.port);
      },
    });
    return {
      target,
      source,
      context: {
        rssBytes: async () =>
          (
            await workingSetBytes(
              api,
              info.namespace,
              info.name,
              info.container,
            )
          ).bytes,
        reportedBytes: async () =>
          (
            await readReportedMemory(
              podProxyPath(info, settings.metricsPort, settings.metricsPath),
              settings.memoryMetric,
              kubeFetch(api),
            )
          ).bytes,
      },
    };
  }
}

/** The API server path of a pod's own HTTP endpoint, through `pods/proxy`. */
function podProxyPath(p: PodTarget, port: number, path: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(
    p.namespace,
  )}/pods/${encodeURIComponent(p.name)}:${port}/proxy${path}`;
}

/** `cluster/namespace/pod` names a pod unambiguously; `namespace/pod` and `pod` also match. */
function matchesTarget(p: PodTarget, target: string): boolean {
  const parts = target.split('/');
  if (parts.length === 1) return p.name === parts[0];
  if (parts.length === 2)
    return p.namespace === parts[0] && p.name === parts[1];
  if (parts.length === 3) {
    return (
      p.cluster === parts[0] && p.namespace === parts[1] && p.name === parts[2]
    );
  }
  return false;
}

function label(p: PodTarget): string {
  return `${p.cluster}/${p.namespace}/${p.name}`;
}
