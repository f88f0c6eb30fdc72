import path from 'node:path';
import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type {
  EndpointCheck,
  KernelTarget,
  ReportedTarget,
  TraceTarget,
} from '@internal/plugin-memleak-common';
import type { LocalTarget, MemleakSettings } from '../config';
import { LocalEbpfSource } from '../sources/local/LocalEbpfSource';
import {
  checkTraceable,
  findPid,
  readProcessMemory,
} from '../sources/local/procfs';
import type { AllocationSource } from '../sources/types';
import { checkEndpoint, Fetch, readReportedMemory } from '../report/selfReport';
import { MEMLEAK_DEFAULTS } from '@internal/plugin-memleak-common';
import type { SnapshotContext } from '../trace/TraceSession';
import type { EntityTargets, PreparedTrace, TargetReport } from './types';

export type Traceability =
  | { ok: true; pid: number }
  | { ok: false; reason: string };

/**
 * The processes of this host that stand for catalog entities
 * (`memleak.localTargets`): finds their pids, reads /proc, and builds the
 * local eBPF source for a trace.
 */
export class LocalTargets implements EntityTargets {
  readonly mode = 'local' as const;

  constructor(
    private readonly settings: MemleakSettings,
    private readonly baseDir: string = process.cwd(),
    private readonly fetchImpl?: Fetch,
  ) {}

  forEntity(entityRef: string): LocalTarget[] {
    const ref = entityRef.toLocaleLowerCase('en-US');
    return this.settings.localTargets.filter(t => t.entityRef === ref);
  }

  /** Whether `memleak.localTargets` lists the entity. */
  appliesTo(entity: Entity): boolean {
    return this.forEntity(stringifyEntityRef(entity)).length > 0;
  }

  async report(entity: Entity): Promise<TargetReport> {
    const targets = this.forEntity(stringifyEntityRef(entity));
    const fetchImpl = this.fetchImpl;
    const reported: ReportedTarget[] = await Promise.all(
      targets.map(async t => {
        const metric = t.memoryMetric ?? MEMLEAK_DEFAULTS.memoryMetric;
        const [health, ready, memory] = await Promise.all([
          t.healthUrl
            ? checkEndpoint(t.healthUrl, fetchImpl)
            : notConfigured('health'),
          t.readyUrl
            ? checkEndpoint(t.readyUrl, fetchImpl)
            : notConfigured('readiness'),
          t.metricsUrl
            ? readReportedMemory(t.metricsUrl, metric, fetchImpl)
            : Promise.resolve({
                url: '',
                metric,
                otherGauges: [],
                error: 'no metrics URL configured',
              }),
        ]);
        return { name: t.name, health, ready, memory };
      }),
    );
    const kernel = await Promise.all(targets.map(t => this.kernelView(t)));
    const first = await this.traceability(targets[0]);
    return {
      mode: 'local',
      reported,
      kernel,
      capability: {
        available: first.ok,
        reason: first.ok ? undefined : first.reason,
      },
      notices: [],
    };
  }

  async prepare(
    entity: Entity,
    name: string | undefined,
  ): Promise<PreparedTrace[]> {
    const entityRef = stringifyEntityRef(entity);
    const targets = this.forEntity(entityRef);
    const target = name ? targets.find(t => t.name === name) : targets[0];
    if (!target) {
      throw new InputError(
        name
          ? `${entityRef} has no target named ${name}; targets: ${
              targets.map(t => t.name).join(', ') || 'none'
            }`
          : `${entityRef} has no traceable target on this backend; add it to memleak.localTargets`,
      );
    }
    return [await this.sourceFor(target)];
  }

  private async pid(t: LocalTarget): Promise<number | undefined> {
    return findPid({
      pidFile: t.pidFile ? path.resolve(this.baseDir, t.pidFile) : undefined,
      processName: t.processName,
    });
  }

  async kernelView(t: LocalTarget): Promise<KernelTarget> {
    const pid = await this.pid(t);
    if (pid === undefined) {
      return { name: t.name, source: 'proc', error: notRunning(t) };
    }
    try {
      const mem = await readProcessMemory(pid);
      return { name: t.name, source: 'proc', pid, ...mem };
    } catch (error) {
      return {
        name: t.name,
        source: 'proc',
        pid,
        error: String((error as Error).message),
      };
    }
  }

  async traceability(t: LocalTarget): Promise<Traceability> {
    const pid = await this.pid(t);
    if (pid === undefined) return { ok: false, reason: notRunning(t) };
    const reason = await checkTraceable(pid);
    return reason ? { ok: false, reason } : { ok: true, pid };
  }

  /** A source attached to the target's current process, with readings to take beside it. */
  async sourceFor(t: LocalTarget): Promise<{
    source: AllocationSource;
    target: TraceTarget;
    context: SnapshotContext;
  }> {
    const pid = await this.pid(t);
    const target: TraceTarget = {
      kind: 'local',
      label: pid ? `pid ${pid} (${t.name})` : t.name,
      pid,
    };
    const metric = t.memoryMetric ?? MEMLEAK_DEFAULTS.memoryMetric;
    return {
      target,
      source: new LocalEbpfSource({
        pid: pid ?? -1,
        tracerPath: this.settings.tracerPath,
        maxAllocations: this.settings.trace.maxLiveAllocations,
        topStacks: this.settings.trace.topStacks,
        target,
      }),
      context: {
        rssBytes: async () =>
          pid ? (await readProcessMemory(pid)).rssBytes : undefined,
        reportedBytes: async () =>
          t.metricsUrl
            ? (await readReportedMemory(t.metricsUrl, metric)).bytes
            : undefined,
      },
    };
  }
}

function notConfigured(what: string): EndpointCheck {
  return { url: '', state: 'unreachable', error: `no ${what} URL configured` };
}

function notRunning(t: LocalTarget): string {
  const how = t.pidFile
    ? `pid file ${t.pidFile}`
    : `process name ${t.processName}`;
  return `${t.name} is not running (looked for ${how}). Start it, e.g. with \`yarn dev\`.`;
}
