import { setTimeout as delay } from 'node:timers/promises';
import type {
  HeapSnapshot,
  Notice,
  StackSummary,
  TraceStatus,
  Verdict,
} from '@internal/plugin-memleak-common';
import {
  AllocationSource,
  LedgerSnapshot,
  SourceError,
} from '../sources/types';
import { deadline } from '../deadline';
import { LeakJudge, VerdictConfig } from '../verdict';

/** Readings taken beside each heap snapshot (process memory, the service's own claim). */
export interface SnapshotContext {
  rssBytes?(): Promise<number | undefined>;
  reportedBytes?(): Promise<number | undefined>;
}

export interface TraceSessionOptions {
  source: AllocationSource;
  durationSec: number;
  intervalSec: number;
  minAgeSec: number;
  topStacks: number;
  context?: SnapshotContext;
  /**
   * Verdict knobs beyond the minimum age (which always follows `minAgeSec`);
   * the defaults suit 2 s snapshots, faster ones want a shorter window.
   */
  verdict?: Partial<Omit<VerdictConfig, 'minAgeSec'>>;
  /**
   * A snapshot (the source, the context readings, the listeners' store
   * writes) that takes longer than this fails the trace, so that nothing
   * keeps it running for ever. Default 30 s.
   */
  snapshotLimitMs?: number;
}

const SNAPSHOT_LIMIT_MS = 30_000;

/** What a session knows after each snapshot. */
export interface SessionUpdate {
  elapsedSec: number;
  snapshot: HeapSnapshot;
  stacks: StackSummary[];
  verdict: Verdict;
  reason: string;
  growthBytesPerSec: number;
  topFrame?: string;
}

export interface SessionEnd {
  status: Exclude<TraceStatus, 'running'>;
  last?: SessionUpdate;
}

type Listener<T> = (value: T) => void | Promise<void>;

/**
 * Resolves after `ms`, or at once when `signal` aborts. Node's timer drops
 * its abort listener when it fires, so none pile up over a long trace.
 */
const sleep = (ms: number, signal: AbortSignal) =>
  delay(ms, undefined, { signal }).catch(() => undefined);

async function optional(
  read: (() => Promise<number | undefined>) | undefined,
): Promise<number | undefined> {
  try {
    return read ? await read() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One trace from attach to detach: asks the source for a snapshot every
 * interval, judges the series, and tells listeners. It persists nothing; the
 * backend's TraceRunner stores what it hears, the CLI prints it.
 */
export class TraceSession {
  private readonly stopRequest = new AbortController();
  private readonly updateListeners: Listener<SessionUpdate>[] = [];
  private readonly noticeListeners: Listener<Notice>[] = [];
  private readonly judge: LeakJudge;

  constructor(private readonly options: TraceSessionOptions) {
    this.judge = new LeakJudge({
      ...options.verdict,
      minAgeSec: options.minAgeSec,
    });
  }

  onUpdate(listener: Listener<SessionUpdate>): this {
    this.updateListeners.push(listener);
    return this;
  }

  onNotice(listener: Listener<Notice>): this {
    this.noticeListeners.push(listener);
    return this;
  }

  /** Ends the session early with status `stopped`. */
  stop(): void {
    this.stopRequest.abort();
  }

  private async notify(notice: Omit<Notice, 'at'>) {
    const full = { ...notice, at: new Date().toISOString() };
    for (const l of this.noticeListeners) await l(full);
  }

  /** Attaches, snapshots until the duration is up or it is stopped, detaches. */
  async run(): Promise<SessionEnd> {
    const { source, durationSec, intervalSec } = this.options;
    try {
      // Stop works while attaching, too: a source may take long to start.
      const starting = source.start();
      starting.catch(() => undefined);
      if ((await raceAbort(starting, this.stopRequest.signal)) === 'aborted') {
        await source.stop().catch(() => undefined);
        return { status: 'stopped' };
      }
    } catch (error) {
      await this.notify(
        error instanceof SourceError
          ? error.notice
          : { level: 'error', code: 'source_error', message: String(error) },
      );
      await source.stop().catch(() => undefined);
      return { status: 'failed' };
    }

    let ended: Omit<Notice, 'at'> | undefined;
    source.ended.then(n => {
      ended = n;
      this.stopRequest.abort();
    });

    const startedAt = performance.now();
    const stopSignal = this.stopRequest.signal;
    let last: SessionUpdate | undefined;
    let status: SessionEnd['status'] = 'completed';
    try {
      for (let tick = 1; ; tick++) {
        const due = startedAt + tick * intervalSec * 1000;
        // by tick count, not clock arithmetic: float noise must not add a tick
        const finalTick = tick * intervalSec >= durationSec - 1e-9;
        await sleep(Math.max(0, due - performance.now()), stopSignal);
        if (ended) break;
        last = await this.takeSnapshotWithin(
          (performance.now() - startedAt) / 1000,
          this.options.snapshotLimitMs ?? SNAPSHOT_LIMIT_MS,
        );
        if (stopSignal.aborted) {
          status = 'stopped';
          break;
        }
        if (finalTick) break;
      }
    } catch (error) {
      // the snapshot may hear of the exit before `ended` settles
      if (isTargetExit(error)) ended ??= error.notice;
      if (!ended) {
        status = 'failed';
        await this.notify({
          level: 'error',
          code: 'source_error',
          message: `Snapshot failed: ${(error as Error).message}`,
        });
      }
    } finally {
      await source.stop().catch(() => undefined);
    }
    if (ended) {
      await this.notify(ended);
      status =
        ended.code === 'target_exited' || ended.code === 'interrupted'
          ? ended.code
          : 'failed';
    }
    return { status, last };
  }

  private async takeSnapshotWithin(
    elapsedSec: number,
    limitMs: number,
  ): Promise<SessionUpdate> {
    const limit = deadline(
      limitMs,
      `no snapshot within ${
        limitMs / 1000
      } s: the source or the store stopped answering`,
    );
    try {
      return await limit.race(this.takeSnapshot(elapsedSec));
    } finally {
      limit.clear();
    }
  }

  private async takeSnapshot(elapsedSec: number): Promise<SessionUpdate> {
    const { source, minAgeSec, topStacks, context } = this.options;
    const [ledger, rssBytes, reportedBytes] = await Promise.all([
      source.snapshot(minAgeSec * 1000),
      optional(context?.rssBytes),
      optional(context?.reportedBytes),
    ]);
    for (const notice of source.drainNotices?.() ?? [])
      await this.notify(notice);
    const judgement = this.judge.add(ledger);
    const update: SessionUpdate = {
      elapsedSec,
      snapshot: toHeapSnapshot(ledger, elapsedSec, rssBytes, reportedBytes),
      stacks: judgement.stacks.slice(0, topStacks),
      verdict: judgement.verdict,
      reason: judgement.reason,
      growthBytesPerSec: judgement.growthBytesPerSec,
      topFrame: judgement.stacks[0]?.frames[0]?.symbol,
    };
    if (judgement.lostEventsInWindow > 0 && !this.warnedLoss) {
      this.warnedLoss = true;
      await this.notify({
        level: 'warning',
        code: 'lost_events',
        message: `${judgement.lostEventsInWindow} allocator events were lost; verdicts stay inconclusive while losses are in the window.`,
      });
    }
    for (const l of this.updateListeners) await l(update);
    return update;
  }

  private warnedLoss = false;
}

function isTargetExit(error: unknown): error is SourceError {
  return error instanceof SourceError && error.notice.code === 'target_exited';
}

function toHeapSnapshot(
  s: LedgerSnapshot,
  elapsedSec: number,
  rssBytes: number | undefined,
  reportedBytes: number | undefined,
): HeapSnapshot {
  return {
    t: Math.round(elapsedSec * 10) / 10,
    at: new Date().toISOString(),
    outstandingBytes: s.outstandingBytes,
    outstandingCount: s.outstandingCount,
    agedBytes: s.agedBytes,
    mmapBytes: s.mmapBytes,
    allocs: s.allocs,
    frees: s.frees,
    lostEvents: s.lostEvents,
    rssBytes,
    reportedBytes,
  };
}

/** Settles with `work`, or says `aborted` as soon as `signal` is. */
async function raceAbort(
  work: Promise<void>,
  signal: AbortSignal,
): Promise<'done' | 'aborted'> {
  if (signal.aborted) return 'aborted';
  let onAbort = () => {};
  const aborted = new Promise<'aborted'>(resolve => {
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
