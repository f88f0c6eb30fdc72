import type {
  Notice,
  StackFrame,
  TraceTarget,
} from '@internal/plugin-memleak-common';

/**
 * The allocation sources' common currency.
 *
 * Data flows one way: source → ledger → snapshot → verdict → store → API → UI.
 * A source either streams raw allocator events into a HeapLedger (Inspektor
 * Gadget's trace_malloc) or pairs allocations and frees itself (the local eBPF
 * tracer pairs them in the kernel); either way the trace runner only ever asks
 * it for a {@link LedgerSnapshot} once per interval.
 */

/** Allocator operations, numbered as trace_malloc's `memop` enum. */
export enum MemOp {
  malloc = 0,
  free = 1,
  calloc = 2,
  realloc = 3,
  realloc_free = 4,
  mmap = 5,
  munmap = 6,
  posix_memalign = 7,
  aligned_alloc = 8,
  valloc = 9,
  memalign = 10,
  pvalloc = 11,
}

/**
 * One allocator event, the shape of a decoded trace_malloc record.
 * `stackKey` identifies the user stack (e.g. trace_malloc's `ustack.addresses`
 * string); the frames behind a key are registered once with the ledger.
 */
export interface AllocEvent {
  op: MemOp;
  /** Address returned (allocations) or passed (frees). Below 2^53 on x86-64 user space. */
  addr: number;
  /** Requested size; 0 for frees. */
  size: number;
  /** Monotonic nanoseconds (kernel clock), as a JS number: ns precision is not needed. */
  timestampNs: number;
  stackKey: string;
  /** Source sequence number, when the source has one: a gap means lost events. */
  seq?: number;
}

/** Aggregates of one call stack at one instant. */
export interface StackSample {
  key: string;
  frames: StackFrame[];
  outstandingBytes: number;
  outstandingCount: number;
  /** Live allocations older than the snapshot's minimum age. */
  agedBytes: number;
  agedCount: number;
  /** Cumulative since the source started. */
  allocs: number;
  frees: number;
}

/** What a source (or a ledger) knows at one instant. */
export interface LedgerSnapshot {
  /** Monotonic milliseconds of the snapshot (the source's clock). */
  timestampMs: number;
  outstandingBytes: number;
  outstandingCount: number;
  agedBytes: number;
  agedCount: number;
  /** Live mmap'd bytes, kept apart: glibc serves large mallocs with mmap. */
  mmapBytes: number;
  /** Cumulative since the source started. */
  allocs: number;
  frees: number;
  /** Cumulative lost events (ring-buffer drops, sequence gaps, ledger overflow). */
  lostEvents: number;
  /** Per stack; every stack with live allocations, largest aged bytes first. */
  stacks: StackSample[];
}

/** Why a source could not start; carries the notice shown to the user. */
export class SourceError extends Error {
  constructor(readonly notice: Omit<Notice, 'at'>, readonly exitCode = 3) {
    super(notice.message);
    this.name = 'SourceError';
  }
}

/** Something that watches one process's heap. */
export interface AllocationSource {
  readonly target: TraceTarget;
  /** Attaches. Rejects with a SourceError that says why and what to do. */
  start(): Promise<void>;
  /** Aggregates now, counting allocations older than `minAgeMs` as aged. */
  snapshot(minAgeMs: number): Promise<LedgerSnapshot>;
  /** Detaches; safe to call twice and after a failure. */
  stop(): Promise<void>;
  /** Notices gathered while running (lost stacks, version skew), once each. */
  drainNotices?(): Array<Omit<Notice, 'at'>>;
  /**
   * Resolves when the source ends on its own (target exited, source crashed),
   * with the notice saying why. Never resolves for a healthy running source.
   */
  readonly ended: Promise<Omit<Notice, 'at'>>;
}
