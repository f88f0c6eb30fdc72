import type {
  HeapSnapshot,
  Notice,
  StackSummary,
  TraceDetail,
  TraceStatus,
  TraceSummary,
  TraceTarget,
  Verdict,
} from '@internal/plugin-memleak-common';

/** What a new trace row starts with. */
export interface NewTrace {
  id: string;
  entityRef: string;
  target: TraceTarget;
  durationSec: number;
  startedAt: Date;
  createdBy?: string;
}

/** The fields that change while a trace runs and when it ends. */
export interface TraceProgress {
  status?: TraceStatus;
  endedAt?: Date;
  elapsedSec?: number;
  verdict?: Verdict;
  reason?: string;
  growthBytesPerSec?: number;
  outstandingBytes?: number;
  topFrame?: string | null;
}

/**
 * Persistence of traces, their snapshots, stacks and notices
 * (coreServices.database, knex migrations in `migrations/`).
 */
export interface MemleakStore {
  createTrace(trace: NewTrace): Promise<TraceSummary>;
  updateTrace(id: string, progress: TraceProgress): Promise<void>;
  appendSnapshot(id: string, snapshot: HeapSnapshot): Promise<void>;
  /** Replaces the stored stacks of a trace with the latest top stacks. */
  replaceStacks(id: string, stacks: StackSummary[]): Promise<void>;
  addNotice(id: string, notice: Notice): Promise<void>;
  getTrace(id: string): Promise<TraceDetail | undefined>;
  /** Newest first. */
  listTraces(entityRef: string, limit: number): Promise<TraceSummary[]>;
  latestTrace(entityRef: string): Promise<TraceDetail | undefined>;
  listRunning(): Promise<TraceSummary[]>;
  /**
   * Marks every `running` trace `interrupted` (with an `interrupted` notice);
   * called at startup, since no trace survives its backend. Returns how many.
   */
  interruptRunning(now: Date): Promise<number>;
}
