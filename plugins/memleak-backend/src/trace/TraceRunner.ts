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
}

/**
 * Owns the running traces of this backend: enforces the limits, runs each
 * TraceSession and writes everything it reports to the store, so that no
 * trace is ever left `running` — it completes, stops, fails, or is marked
 * interrupted at shutdown and again at the next start.
 */
export class TraceRunner {
  private readonly running = new Map<
    string,
    { entityRef: string; session: TraceSession; done: Promise<void> }
  >();

  constructor(
    private readonly deps: {
      store: MemleakStore;
      logger: LoggerService;
      settings: TraceSettings;
    },
  ) {}

  /** Marks traces of a previous process `interrupted`; call once at startup. */
  async recover(): Promise<void> {
    const n = await this.deps.store.interruptRunning(new Date());
    if (n > 0) {
      this.deps.logger.warn(
        `Marked ${n} trace(s) interrupted by a previous shutdown`,
      );
    }
  }

  /** The running trace of an entity, if any. */
  runningFor(entityRef: string): string | undefined {
    for (const [id, r] of this.running)
      if (r.entityRef === entityRef) return id;
    return undefined;
  }

  async start(options: StartTraceOptions): Promise<TraceSummary> {
    const { store, settings, logger } = this.deps;
    const existing = this.runningFor(options.entityRef);
    if (existing) {
      throw new ConflictError(
        `A trace is already running for ${options.entityRef} (${existing}); stop it or wait for it to end.`,
      );
    }
    if (this.running.size >= settings.maxConcurrent) {
      throw new TooManyTracesError(
        `${this.running.size} traces are running, the configured maximum (memleak.trace.maxConcurrent); try again when one ends.`,
      );
    }
    const id = randomUUID();
    const summary = await store.createTrace({
      id,
      entityRef: options.entityRef,
      target: options.target,
      durationSec: options.durationSec,
      startedAt: new Date(),
      createdBy: options.createdBy,
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
    await r.done;
  }

  /** Waits for the trace to end by itself (tests, CLI). */
  async whenDone(id: string): Promise<void> {
    await this.running.get(id)?.done;
  }

  private shuttingDown = false;

  /** Stops every trace; they end `interrupted` with their data kept. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all(
      [...this.running.keys()].map(id => this.stop(id).catch(() => undefined)),
    );
  }
}
