import path from 'node:path';
import type {
  KernelTarget,
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
import { readReportedMemory } from '../report/selfReport';
import { MEMLEAK_DEFAULTS } from '@internal/plugin-memleak-common';
import type { SnapshotContext } from '../trace/TraceSession';

export type Traceability =
  | { ok: true; pid: number }
  | { ok: false; reason: string };

/**
 * The processes of this host that stand for catalog entities
 * (`memleak.localTargets`): finds their pids, reads /proc, and builds the
 * local eBPF source for a trace.
 */
export class LocalTargets {
  constructor(
    private readonly settings: MemleakSettings,
    private readonly baseDir: string = process.cwd(),
  ) {}

  forEntity(entityRef: string): LocalTarget[] {
    const ref = entityRef.toLocaleLowerCase('en-US');
    return this.settings.localTargets.filter(t => t.entityRef === ref);
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

function notRunning(t: LocalTarget): string {
  const how = t.pidFile
    ? `pid file ${t.pidFile}`
    : `process name ${t.processName}`;
  return `${t.name} is not running (looked for ${how}). Start it, e.g. with \`yarn dev\`.`;
}
