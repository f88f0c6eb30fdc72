import type { StackFrame } from '@internal/plugin-memleak-common';
import {
  AllocEvent,
  LedgerSnapshot,
  MemOp,
  StackSample,
} from '../sources/types';
import { AddressTable } from './AddressTable';
import { StackTable } from './StackTable';

/** @public */
export interface HeapLedgerOptions {
  /**
   * Most live allocations kept. Past it new allocations are dropped and
   * counted as lost (a dropped allocation is one the verdict cannot see).
   */
  maxLiveAllocations?: number;
  /** Initial hash table size; the table grows as needed. */
  initialCapacity?: number;
}

/** @public */
export interface SnapshotOptions {
  /** Keep only the largest N stacks (by aged bytes). */
  top?: number;
}

/** Counters that explain the ledger's view but are not part of a snapshot. */
export interface LedgerStats {
  /** Frees of addresses the ledger never saw allocated (made before the trace). */
  unknownFrees: number;
  /** Allocations at an address that was still live: its free was never seen. */
  reusedAddresses: number;
  /** Lost events by cause. */
  lostReported: number;
  lostSequenceGaps: number;
  lostOverflow: number;
  liveAllocations: number;
  stacks: number;
  tableBytes: number;
}

export const DEFAULT_MAX_LIVE_ALLOCATIONS = 1_000_000;
const MAX_TICK = 0xffffffff;

/**
 * Pairs raw allocator events (trace_malloc records) by address and keeps
 * per-stack aggregates, so that a snapshot can say how much memory is live
 * and how much of it has been live for longer than a minimum age.
 *
 * mmap/munmap are tracked apart: glibc serves large mallocs with mmap, and
 * both probes fire for one such allocation.
 */
export class HeapLedger {
  private readonly table: AddressTable;
  private readonly stacks = new StackTable();
  private readonly mmaps = new Map<number, number>();
  private readonly maxLive: number;
  /** Monotonic ms of tick 0; set by the first event. */
  private epochMs = NaN;
  private lastSeq = -1;
  private outstandingBytes = 0;
  private mmapBytes = 0;
  private allocs = 0;
  private frees = 0;
  private unknownFrees = 0;
  private reusedAddresses = 0;
  private lostReported = 0;
  private lostSequenceGaps = 0;
  private lostOverflow = 0;
  /** Scratch for aged sums, reused by every snapshot. */
  private agedBytes = new Float64Array(0);
  private agedCount = new Float64Array(0);

  constructor(options: HeapLedgerOptions = {}) {
    this.maxLive = options.maxLiveAllocations ?? DEFAULT_MAX_LIVE_ALLOCATIONS;
    this.table = new AddressTable(options.initialCapacity ?? 1024);
  }

  /** True once an allocation was dropped for lack of room. */
  get overflowed(): boolean {
    return this.lostOverflow > 0;
  }

  get lostEvents(): number {
    return this.lostReported + this.lostSequenceGaps + this.lostOverflow;
  }

  get stats(): LedgerStats {
    return {
      unknownFrees: this.unknownFrees,
      reusedAddresses: this.reusedAddresses,
      lostReported: this.lostReported,
      lostSequenceGaps: this.lostSequenceGaps,
      lostOverflow: this.lostOverflow,
      liveAllocations: this.table.count,
      stacks: this.stacks.size,
      tableBytes: this.table.byteSize,
    };
  }

  /** Interns a stack key with its frames; returns the id for {@link record}. */
  registerStack(key: string, frames: StackFrame[]): number {
    return this.stacks.register(key, frames);
  }

  /** Id of a stack key, for sources that decode events without objects. */
  stackId(key: string): number {
    return this.stacks.intern(key);
  }

  /** Ring-buffer (or other) losses reported by the source. */
  addLost(n: number): void {
    if (n > 0) this.lostReported += n;
  }

  /** Feeds one decoded event. */
  add(ev: AllocEvent): void {
    if (ev.seq !== undefined) this.noteSeq(ev.seq);
    // Frees carry the freeing stack, which the ledger does not need.
    const stack =
      ev.op === MemOp.free ||
      ev.op === MemOp.realloc_free ||
      ev.op === MemOp.munmap
        ? 0
        : this.stacks.intern(ev.stackKey);
    this.record(ev.op, ev.addr, ev.size, ev.timestampNs, stack);
  }

  /** Counts a gap in the source's sequence numbers as lost events. */
  noteSeq(seq: number): void {
    if (this.lastSeq >= 0 && seq > this.lastSeq + 1) {
      this.lostSequenceGaps += seq - this.lastSeq - 1;
    }
    if (seq > this.lastSeq) this.lastSeq = seq;
  }

  /**
   * The hot path: one event with its stack already interned
   * ({@link stackId}); `stack` is ignored for frees.
   */
  record(
    op: MemOp,
    addr: number,
    size: number,
    timestampNs: number,
    stack: number,
  ): void {
    switch (op) {
      case MemOp.free:
      case MemOp.realloc_free:
        this.release(addr);
        return;
      case MemOp.mmap:
        this.mapped(addr, size);
        return;
      case MemOp.munmap:
        this.unmapped(addr);
        return;
      default:
        this.allocate(addr, size, timestampNs, stack);
    }
  }

  /**
   * Totals and per-stack samples at `nowMs` (the events' clock, in ms);
   * allocations made at or before `nowMs - minAgeMs` count as aged.
   */
  snapshot(
    nowMs: number,
    minAgeMs: number,
    options: SnapshotOptions = {},
  ): LedgerSnapshot {
    const n = this.stacks.size;
    if (this.agedBytes.length < n) {
      this.agedBytes = new Float64Array(Math.max(n, 64) * 2);
      this.agedCount = new Float64Array(this.agedBytes.length);
    }
    const agedBytes = this.agedBytes;
    const agedCount = this.agedCount;
    agedBytes.fill(0, 0, n);
    agedCount.fill(0, 0, n);

    const cutoff = this.cutoffTick(nowMs - minAgeMs);
    const { keys, sizes, ticks, stacks } = this.table;
    let totalAgedBytes = 0;
    let totalAgedCount = 0;
    if (cutoff >= 0) {
      for (let i = 0; i < keys.length; i++) {
        if (keys[i] === 0 || ticks[i] > cutoff) continue;
        const s = stacks[i];
        agedBytes[s] += sizes[i];
        agedCount[s]++;
        totalAgedBytes += sizes[i];
        totalAgedCount++;
      }
    }

    const t = this.stacks;
    const samples: StackSample[] = [];
    for (let s = 0; s < n; s++) {
      if (t.outstandingCount[s] === 0) continue;
      samples.push({
        key: t.keyOf(s),
        frames: t.framesOf(s),
        outstandingBytes: t.outstandingBytes[s],
        outstandingCount: t.outstandingCount[s],
        agedBytes: agedBytes[s],
        agedCount: agedCount[s],
        allocs: t.allocs[s],
        frees: t.frees[s],
      });
    }
    samples.sort(
      (a, b) =>
        b.agedBytes - a.agedBytes || b.outstandingBytes - a.outstandingBytes,
    );
    if (options.top !== undefined && samples.length > options.top) {
      samples.length = Math.max(0, options.top);
    }

    return {
      timestampMs: nowMs,
      outstandingBytes: this.outstandingBytes,
      outstandingCount: this.table.count,
      agedBytes: totalAgedBytes,
      agedCount: totalAgedCount,
      mmapBytes: this.mmapBytes,
      allocs: this.allocs,
      frees: this.frees,
      lostEvents: this.lostEvents,
      stacks: samples,
    };
  }

  private allocate(
    addr: number,
    size: number,
    timestampNs: number,
    stack: number,
  ): void {
    if (addr === 0) return; // failed allocation
    const table = this.table;
    if (table.count >= this.maxLive && table.find(addr) < 0) {
      this.lostOverflow++;
      return;
    }
    let slot = table.claim(addr);
    if (slot < 0) {
      // The address is live again, so its free was missed; the old block is gone.
      slot = ~slot;
      this.reusedAddresses++;
      this.forget(slot);
    }
    table.sizes[slot] = size;
    table.ticks[slot] = this.tickOf(timestampNs / 1e6);
    table.stacks[slot] = stack;
    const t = this.stacks;
    t.outstandingBytes[stack] += size;
    t.outstandingCount[stack]++;
    t.allocs[stack]++;
    this.outstandingBytes += size;
    this.allocs++;
  }

  private release(addr: number): void {
    if (addr === 0) return; // free(NULL)
    const slot = this.table.find(addr);
    if (slot < 0) {
      this.unknownFrees++;
      return;
    }
    const stack = this.table.stacks[slot];
    this.forget(slot);
    this.stacks.frees[stack]++;
    this.frees++;
    this.table.remove(slot);
  }

  /** Takes a slot's allocation out of the aggregates (the slot stays claimed). */
  private forget(slot: number): void {
    const size = this.table.sizes[slot];
    const stack = this.table.stacks[slot];
    this.stacks.outstandingBytes[stack] -= size;
    this.stacks.outstandingCount[stack]--;
    this.outstandingBytes -= size;
  }

  private mapped(addr: number, size: number): void {
    if (addr === 0 || addr === -1) return; // MAP_FAILED
    const prev = this.mmaps.get(addr);
    if (prev !== undefined) this.mmapBytes -= prev;
    else if (this.mmaps.size >= this.maxLive) {
      this.lostOverflow++;
      return;
    }
    this.mmaps.set(addr, size);
    this.mmapBytes += size;
  }

  private unmapped(addr: number): void {
    const size = this.mmaps.get(addr);
    if (size === undefined) return; // mapped before the trace
    this.mmaps.delete(addr);
    this.mmapBytes -= size;
  }

  /** Ms since the first event, as stored in the table (Uint32: 49 days). */
  private tickOf(ms: number): number {
    if (Number.isNaN(this.epochMs)) this.epochMs = Math.floor(ms);
    const tick = Math.floor(ms - this.epochMs);
    // Slightly out-of-order events before the epoch count as made at it.
    if (!(tick > 0)) return 0;
    return tick > MAX_TICK ? MAX_TICK : tick;
  }

  /** Last tick that counts as aged at `ms`; -1 when nothing can be. */
  private cutoffTick(ms: number): number {
    if (Number.isNaN(this.epochMs)) return -1;
    const tick = Math.floor(ms - this.epochMs);
    if (tick < 0) return -1;
    return tick > MAX_TICK ? MAX_TICK : tick;
  }
}
