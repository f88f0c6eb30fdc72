import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  CustomErrorBase,
  NotFoundError,
} from '@backstage/errors';
import type {
  TraceSummary,
  TraceTarget,
} from '@internal/plugin-memleak-common';
import type { TraceSettings } from '../config';
import type { AllocationSource } from '../sources/types';
import type { MemleakStore } from '../store/types';
import { SnapshotContext, TraceSession } from './TraceSession';

const STOP_GRACE_MS = 15_000;

/** The backend-wide concurrency limit is reached; the error handler answers 429. */
export class TooManyTracesError extends CustomErrorBase {
  readonly name = 'TooManyTracesError';
  readonly statusCode = 429;
}

export interface StartTraceOptions {
  entityRef: string;
  target: TraceTarget;
  source: AllocationSource;
  durationSec: number;
  context?: SnapshotContext;
  createdBy?: string;
  /** Shared by the traces one request starts (one per pod, say). */
  groupId?: string;
}

/**
 * Owns the running traces of this backend: enforces the limits, runs each
 * TraceSession and writes everything it reports to the store, so that no
 * trace is ever left `running` — it completes, stops, fails, or is marked
 * interrupted at shutdown and again at the next start.
 *
 * Several replicas may share the store. Each trace records this replica as
 * its owner (`ownerId`), which heartbeats it every `heartbeatIntervalSec`
 * while it runs; a restart interrupts only this replica's traces, and
 * {@link TraceRunner.sweep} (scheduled by the plugin) ends the traces of a
 * replica whose heartbeats stopped.
 */
export class TraceRunner {
  private readonly running = new Map<
    string,
    { entityRef: string; session: TraceSession; done: Promise<void> }
  >();

  private readonly heartbeatTimer: NodeJS.Timeout;
  private heartbeating = false;

  constructor(
    private readonly deps: {
      store: MemleakStore;
      logger: LoggerService;
      settings: TraceSettings;
      /** This replica (`memleak.instanceId`): the owner of the traces it starts. */
      ownerId: string;
      /** How long Stop waits for a trace to end before recording it as cut off. */
      stopGraceMs?: number;
    },
  ) {
    this.heartbeatTimer = setInterval(
      () => this.heartbeatTick(),
      deps.settings.heartbeatIntervalSec * 1000,
    ).unref();
  }

  /**
   * Marks this replica's traces left `running` by its previous process (and
   * ownerless ones from before owners existed) `interrupted`; call once at
   * startup. Other replicas' traces are theirs, or the sweep's.
   */
  async recover(now = new Date()): Promise<void> {
    const n = await this.deps.store.interruptRunning(now, this.deps.ownerId);
    if (n > 0) {
      this.deps.logger.warn(
        `Marked ${n} trace(s) interrupted by a previous shutdown`,
      );
    }
  }

  /** Records that this replica's running traces are alive (the timer calls it). */
  async heartbeat(now = new Date()): Promise<void> {
    if (this.running.size > 0) {
      await this.deps.store.heartbeat(this.deps.ownerId, now);
    }
  }

  /**
   * Ends, as `interrupted`, the running traces of any replica whose last
   * heartbeat is older than `staleAfterSec`. Returns how many.
   */
  async sweep(now = new Date()): Promise<number> {
    const { store, settings, logger } = this.deps;
    const n = await store.sweepStale(now, settings.staleAfterSec * 1000);
    if (n > 0) {
      logger.warn(
        `Marked ${n} trace(s) interrupted: the replica running them sent no heartbeat for ${settings.staleAfterSec} s`,
      );
    }
    return n;
  }

  private async heartbeatTick(): Promise<void> {
    if (this.heartbeating) return; // the previous one is still waiting for the database
    this.heartbeating = true;
    try {
      await this.heartbeat();
    } catch (error) {
      this.deps.logger.warn(`Trace heartbeat failed: ${error}`);
    } finally {
      this.heartbeating = false;
    }
  }

  /** The running trace of an entity, if any. */
  runningFor(entityRef: string): string | undefined {
    for (const [id, r] of this.running)
      if (r.entityRef === entityRef) return id;
    return undefined;
  }

  async start(options: StartTraceOptions): Promise<TraceSummary> {
    return (await this.startGroup([options]))[0];
  }

  /**
   * Starts traces that belong together — one per pod of an entity — as one
   * group: the limits apply to every stream, and either all start or none.
   */
  async startGroup(options: StartTraceOptions[]): Promise<TraceSummary[]> {
    const { settings } = this.deps;
    const entityRef = options[0].entityRef;
    const existing = this.runningFor(entityRef);
    if (existing) {
      throw new ConflictError(
        `A trace is already running for ${entityRef} (${existing}); stop it or wait for it to end.`,
      );
    }
    if (this.running.size + options.length > settings.maxConcurrent) {
      const perPod =
        options.length > 1
          ? `; this trace needs ${options.length} (one per pod): trace one pod, or`
          : ';';
      throw new TooManyTracesError(
        `${this.running.size} traces are running, the configured maximum (memleak.trace.maxConcurrent) is ${settings.maxConcurrent}${perPod} try again when one ends.`,
      );
    }
    const groupId = options.length > 1 ? randomUUID() : undefined;
    const summaries: TraceSummary[] = [];
    for (const o of options) summaries.push(await this.launch(o, groupId));
    return summaries;
  }

  private async launch(
    options: StartTraceOptions,
    groupId: string | undefined,
  ): Promise<TraceSummary> {
    const { store, settings, logger } = this.deps;
    const id = randomUUID();
    const summary = await store.createTrace({
      id,
      entityRef: options.entityRef,
      target: options.target,
      durationSec: options.durationSec,
      startedAt: new Date(),
      createdBy: options.createdBy,
      ownerId: this.deps.ownerId,
      groupId: groupId ?? options.groupId,
    });
    const session = new TraceSession({
      source: options.source,
      durationSec: options.durationSec,
      intervalSec: settings.snapshotIntervalSec,
      minAgeSec: settings.minAgeSec,
      topStacks: settings.topStacks,
      context: options.context,
    })
      .onNotice(notice => store.addNotice(id, notice))
      .onUpdate(async u => {
        await store.appendSnapshot(id, u.snapshot);
        await store.replaceStacks(id, u.stacks);
        await store.updateTrace(id, {
          elapsedSec: u.elapsedSec,
          verdict: u.verdict,
          reason: u.reason,
          growthBytesPerSec: u.growthBytesPerSec,
          outstandingBytes: u.snapshot.outstandingBytes,
          topFrame: u.topFrame ?? null,
        });
      });

    const done = session
      .run()
      .then(async end => {
        // A trace cut short by shutdown was not stopped by anyone: say so.
        const interrupted = this.shuttingDown && end.status === 'stopped';
        if (interrupted) {
          await store.addNotice(id, {
            level: 'warning',
            code: 'interrupted',
            message:
              'The backend shut down while this trace ran; data up to then is kept.',
            at: new Date().toISOString(),
          });
        }
        await store.updateTrace(id, {
          status: interrupted ? 'interrupted' : end.status,
          endedAt: new Date(),
          ...(end.status === 'failed' && !end.last
            ? {
                verdict: 'inconclusive',
                reason: 'The tracer could not attach; see notices.',
              }
            : {}),
        });
      })
      .catch(async error => {
        logger.error(`Trace ${id} failed: ${error}`);
        await store
          .updateTrace(id, { status: 'failed', endedAt: new Date() })
          .catch(() => undefined);
      })
      .finally(() => this.running.delete(id));
    this.running.set(id, { entityRef: options.entityRef, session, done });
    return summary;
  }

  /** Stops a running trace and waits until its last snapshot is stored. */
  async stop(id: string): Promise<void> {
    const r = this.running.get(id);
    if (!r) {
      throw new NotFoundError(`Trace ${id} is not running`);
    }
    r.session.stop();
    const graceMs = this.deps.stopGraceMs ?? STOP_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      r.done.then(() => true),
      new Promise<false>(resolve => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (ended) return;
    // Never left "running": a session that cannot end is recorded as cut off.
    this.running.delete(id);
    const { store, logger } = this.deps;
    logger.warn(`Trace ${id} did not end within ${graceMs} ms of Stop`);
    await store.addNotice(id, {
      level: 'warning',
      code: 'interrupted',
      message: `The trace did not end within ${
        graceMs / 1000
      } s of Stop (its source did not let go); it is recorded as interrupted with its data up to then.`,
      at: new Date().toISOString(),
    });
    await store.updateTrace(id, { status: 'interrupted', endedAt: new Date() });
  }

  /** Stops every running trace of an entity (all pods of a group). */
  async stopEntity(entityRef: string): Promise<void> {
    const ids = [...this.running]
      .filter(([, r]) => r.entityRef === entityRef)
      .map(([id]) => id);
    await Promise.all(ids.map(id => this.stop(id).catch(() => undefined)));
  }

  /** Waits for the trace to end by itself (tests, CLI). */
  async whenDone(id: string): Promise<void> {
    await this.running.get(id)?.done;
  }

  private shuttingDown = false;

  /** Stops every trace; they end `interrupted` with their data kept. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.heartbeatTimer);
    await Promise.all(
      [...this.running.keys()].map(id => this.stop(id).catch(() => undefined)),
    );
  }
}
