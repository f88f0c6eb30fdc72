import os from 'node:os';
import path from 'node:path';
import { InputError } from '@backstage/errors';
import type { CliTraceReport } from '@internal/plugin-memleak-common';
import { DEFAULT_TRACE_SETTINGS, readKubernetesSettings } from '../config';
import { KubeconfigKubeApi } from '../kubernetes/KubeconfigKubeApi';
import { LocalEbpfSource } from '../sources/local/LocalEbpfSource';
import { readProcessMemory } from '../sources/local/procfs';
import { SourceError } from '../sources/types';
import { KubernetesTargets } from '../targets/kubernetes/KubernetesTargets';
import type { PreparedTrace } from '../targets/types';
import type { CliOptions, CliTarget } from './args';

/** A trace ready to run, and how the report names what it traced. */
export interface CliTrace extends PreparedTrace {
  subject: Pick<CliTraceReport, 'pid' | 'pod'>;
}

/** Thrown when the target cannot be reached at all: exit code 3. */
export class CannotAttachError extends Error {
  readonly name = 'CannotAttachError';
}

/** The source for `--pid` (this host's eBPF) or `--pod` (Inspektor Gadget). */
export async function prepareCliTrace(
  options: CliOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliTrace> {
  const { target } = options;
  if (target.kind === 'local') {
    const { pid } = target;
    const traceTarget = { kind: 'local' as const, label: `pid ${pid}`, pid };
    return {
      subject: { pid },
      target: traceTarget,
      source: new LocalEbpfSource({
        pid,
        target: traceTarget,
        topStacks: Math.max(options.top, 20),
      }),
      context: {
        rssBytes: async () => (await readProcessMemory(pid)).rssBytes,
      },
    };
  }
  return preparePodTrace(target, options, env);
}

async function preparePodTrace(
  target: Extract<CliTarget, { kind: 'kubernetes' }>,
  options: CliOptions,
  env: NodeJS.ProcessEnv,
): Promise<CliTrace> {
  // kubectl's own lookup; a KUBECONFIG list uses its first file.
  const file =
    target.kubeconfig ??
    env.KUBECONFIG?.split(path.delimiter).find(Boolean) ??
    path.join(os.homedir(), '.kube', 'config');
  let api: KubeconfigKubeApi;
  try {
    api = await KubeconfigKubeApi.load(file, target.context);
  } catch (error) {
    throw new CannotAttachError(
      `cannot use kubeconfig ${file}: ${(error as Error).message}`,
    );
  }
  const settings = readKubernetesSettings(undefined);
  settings.clusterParams[api.cluster] = target.gadgetParams;
  const targets = new KubernetesTargets({
    access: { clusters: async () => [api.cluster], api: () => api },
    settings,
    maxLiveAllocations: DEFAULT_TRACE_SETTINGS.maxLiveAllocations,
    topStacks: Math.max(options.top, 20),
  });
  const namespace = target.namespace ?? api.namespace ?? 'default';
  try {
    const prepared = await targets.preparePod(
      api.cluster,
      namespace,
      target.pod,
      options.durationSec,
      target.container,
    );
    return {
      ...prepared,
      subject: {
        pod: {
          cluster: api.cluster,
          namespace,
          name: target.pod,
          container: prepared.target.container ?? '',
        },
      },
    };
  } catch (error) {
    if (error instanceof InputError) throw new CannotAttachError(error.message);
    if (error instanceof SourceError) {
      throw new CannotAttachError(error.notice.message);
    }
    throw error;
  }
}
