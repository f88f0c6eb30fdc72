import type { Notice, TraceTarget } from '@internal/plugin-memleak-common';
import { HeapLedger } from '../../ledger';
import {
  SyntheticHeap,
  SyntheticOptions,
} from '../../ledger/testing/syntheticHeap';
import type { AllocationSource, LedgerSnapshot } from '../../sources/types';

type SourceNotice = Omit<Notice, 'at'>;

export interface SimulatedSourceOptions extends SyntheticOptions {
  /** Simulated seconds that pass per snapshot, whatever the wall clock does. */
  stepSec: number;
  /** Passed to the real HeapLedger: small values force lost events. */
  maxLiveAllocations?: number;
}

/**
 * An AllocationSource for unit tests: a simulated process (SyntheticHeap)
 * feeding a real HeapLedger. Each snapshot advances simulated time by
 * `stepSec`, so a session polling every few milliseconds sees minutes of
 * heap history. Only the kernel is simulated; ledger and judge are real.
 */
export class SimulatedSource implements AllocationSource {
  readonly target: TraceTarget = { kind: 'local', label: 'simulated', pid: 1 };
  readonly ended: Promise<SourceNotice>;
  readonly calls = { start: 0, snapshot: 0, stop: 0 };
  /** Makes `start` reject with this. */
  startError?: Error;
  /** Makes start wait for this first (a service that is slow to answer). */
  startGate?: Promise<void>;
  /** Makes stop wait for this first (a source that does not let go). */
  stopGate?: Promise<void>;
  /** Makes every snapshot from now on reject with this. */
  snapshotError?: Error;
  /** Makes every snapshot from now on wait for this first (a source that hangs). */
  snapshotGate?: Promise<void>;
  private readonly heap: SyntheticHeap;
  private readonly ledger: HeapLedger;
  private readonly stackIds: number[];
  private nowSec = 0;
  private resolveEnded!: (notice: SourceNotice) => void;
  // Kernel clock offset: traces never start at monotonic time 0.
  private static readonly CLOCK_NS = 7_000e9;

  constructor(private readonly options: SimulatedSourceOptions) {
    this.heap = new SyntheticHeap(options);
    this.ledger = new HeapLedger({
      maxLiveAllocations: options.maxLiveAllocations,
    });
    this.stackIds = this.heap.stacks.map(s =>
      this.ledger.registerStack(s.key, s.frames),
    );
    this.ended = new Promise(resolve => {
      this.resolveEnded = resolve;
    });
  }

  async start(): Promise<void> {
    this.calls.start++;
    await this.startGate;
    if (this.startError) throw this.startError;
  }

  async snapshot(minAgeMs: number): Promise<LedgerSnapshot> {
    this.calls.snapshot++;
    await this.snapshotGate;
    if (this.snapshotError) throw this.snapshotError;
    this.nowSec += this.options.stepSec;
    const clockNs = SimulatedSource.CLOCK_NS;
    this.heap.runUntil(this.nowSec, (op, addr, size, ns, stack) =>
      this.ledger.record(op, addr, size, clockNs + ns, this.stackIds[stack]),
    );
    return this.ledger.snapshot((clockNs + this.nowSec * 1e9) / 1e6, minAgeMs);
  }

  async stop(): Promise<void> {
    this.calls.stop++;
    await this.stopGate;
  }

  /** The simulated source ends on its own (the target exited, say). */
  end(notice: SourceNotice): void {
    this.resolveEnded(notice);
  }
}
