import type {
  EndpointCheck,
  KernelTarget,
  MemleakReport,
  Notice,
  ReportedTarget,
} from '@internal/plugin-memleak-common';
import { MEMLEAK_DEFAULTS } from '@internal/plugin-memleak-common';
import type { MemleakSettings } from '../config';
import type { MemleakStore } from '../store/types';
import type { LocalTargets } from '../targets/LocalTargets';
import { findDisagreement } from './disagreement';
import { checkEndpoint, Fetch, readReportedMemory } from './selfReport';

function notConfigured(what: string): EndpointCheck {
  return { url: '', state: 'unreachable', error: `no ${what} URL configured` };
}

/**
 * Builds an entity's report: what the service says (health, readiness, its
 * own memory metric) next to what the kernel sees (process memory now, and
 * the latest eBPF trace).
 */
export class ReportService {
  constructor(
    private readonly deps: {
      settings: MemleakSettings;
      store: MemleakStore;
      localTargets: LocalTargets;
      fetch?: Fetch;
    },
  ) {}

  async build(entityRef: string): Promise<MemleakReport> {
    const { settings, store, localTargets } = this.deps;
    const targets = localTargets.forEntity(entityRef);
    const notices: Notice[] = [];
    const latestTrace = await store.latestTrace(entityRef);
    const base = {
      entityRef,
      generatedAt: new Date().toISOString(),
      latestTrace,
      notices,
    };
    if (targets.length === 0) {
      return {
        ...base,
        mode: 'kubernetes',
        reported: [],
        kernel: [],
        capability: {
          available: false,
          reason:
            'This backend has no target for the entity: add it to memleak.localTargets ' +
            '(process on the backend host). Tracing pods through Inspektor Gadget is not configured.',
          defaultDurationSec: settings.trace.defaultDurationSec,
          maxDurationSec: settings.trace.maxDurationSec,
        },
      };
    }
    const fetchImpl = this.deps.fetch;
    const reported: ReportedTarget[] = await Promise.all(
      targets.map(async t => {
        const [health, ready, memory] = await Promise.all([
          t.healthUrl
            ? checkEndpoint(t.healthUrl, fetchImpl)
            : notConfigured('health'),
          t.readyUrl
            ? checkEndpoint(t.readyUrl, fetchImpl)
            : notConfigured('readiness'),
          t.metricsUrl
            ? readReportedMemory(
                t.metricsUrl,
                t.memoryMetric ?? MEMLEAK_DEFAULTS.memoryMetric,
                fetchImpl,
              )
            : Promise.resolve({
                url: '',
                metric: t.memoryMetric ?? MEMLEAK_DEFAULTS.memoryMetric,
                otherGauges: [],
                error: 'no metrics URL configured',
              }),
        ]);
        return { name: t.name, health, ready, memory };
      }),
    );
    const kernel: KernelTarget[] = await Promise.all(
      targets.map(t => localTargets.kernelView(t)),
    );
    const first = await localTargets.traceability(targets[0]);
    return {
      ...base,
      mode: 'local',
      reported,
      kernel,
      capability: {
        available: first.ok,
        reason: first.ok ? undefined : first.reason,
        defaultDurationSec: settings.trace.defaultDurationSec,
        maxDurationSec: settings.trace.maxDurationSec,
      },
      disagreement: findDisagreement(reported, latestTrace),
    };
  }
}
