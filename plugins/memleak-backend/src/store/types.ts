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
  /**
   * The backend replica that runs the trace (`memleak.instanceId`). Its first
   * heartbeat is `startedAt`.
   */
  ownerId: string;
  /** Shared by the traces one request started (one per pod, say). */
  groupId?: string;
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
 *
 * Several backend replicas may share the database. A trace belongs to the
 * replica that runs it (its owner), which heartbeats it while it runs; a
 * trace left `running` by a replica that is gone ends `interrupted`, either
 * when that replica starts again ({@link MemleakStore.interruptRunning}) or
 * when any replica's sweep finds its heartbeat stale
 * ({@link MemleakStore.sweepStale}). Times come from the caller, never from
 * the database's clock.
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
  /** The traces one request started, oldest first. */
  listGroup(groupId: string): Promise<TraceSummary[]>;
  /** Records `now` as the heartbeat of the owner's running traces. Returns how many. */
  heartbeat(ownerId: string, now: Date): Promise<number>;
  /**
   * Marks the owner's `running` traces, and `running` traces without an owner
   * (written before owners existed), `interrupted` with an `interrupted`
   * notice. A replica calls it at startup: none of its traces survived its
   * previous process. Returns how many.
   */
  interruptRunning(now: Date, ownerId: string): Promise<number>;
  /**
   * Marks `running` traces whose last heartbeat is more than `staleAfterMs`
   * before `now` (or that never had one) `interrupted`, with a notice that
   * the replica running them stopped answering. Returns how many.
   */
  sweepStale(now: Date, staleAfterMs: number): Promise<number>;
}
