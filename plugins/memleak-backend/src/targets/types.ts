import type { Entity } from '@backstage/catalog-model';
import type {
  KernelTarget,
  MemleakReport,
  Notice,
  PodTarget,
  ReportedTarget,
  TraceTarget,
} from '@internal/plugin-memleak-common';
import type { AllocationSource } from '../sources/types';
import type { SnapshotContext } from '../trace/TraceSession';

/** The target half of an entity's report. */
export interface TargetReport {
  mode: MemleakReport['mode'];
  reported: ReportedTarget[];
  kernel: KernelTarget[];
  pods?: PodTarget[];
  capability: { available: boolean; reason?: string };
  notices: Array<Omit<Notice, 'at'>>;
}

/** What a report may leave out. */
export interface ReportOptions {
  /**
   * `false`: skip asking the workload about itself (health, readiness, its
   * own memory metric) — for callers that need only limits and the kernel's
   * view, such as the fleet page's time to OOM.
   */
  selfReport?: boolean;
}

/** A trace ready to start: where, with which source, and what to read beside it. */
export interface PreparedTrace {
  target: TraceTarget;
  source: AllocationSource;
  context: SnapshotContext;
}

/**
 * "The things an entity runs as", whatever they are: processes of the
 * backend's host or pods in clusters. The report service and the router see
 * only this.
 */
export interface EntityTargets {
  readonly mode: MemleakReport['mode'];
  report(entity: Entity, options?: ReportOptions): Promise<TargetReport>;
  /**
   * The traces a request asks for: the named target, or every traceable one.
   * A name the entity does not select is an InputError (400).
   */
  prepare(
    entity: Entity,
    target: string | undefined,
    durationSec: number,
  ): Promise<PreparedTrace[]>;
}
