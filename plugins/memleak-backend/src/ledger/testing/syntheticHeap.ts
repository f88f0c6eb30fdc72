import type { StackFrame } from '@internal/plugin-memleak-common';
import { MemOp } from '../../sources/types';

/**
 * A deterministic simulated process that emits trace_malloc-like events:
 * request churn, and optionally a leak, a partial leak, a buffer grown by
 * realloc, a bounded cache. Tests and
 * the benchmark feed it through the real HeapLedger; nothing here is a mock
 * of the ledger, only a stand-in for the kernel.
 */

export interface ChurnOptions {
  /** Allocations per second over all churn stacks. */
  ratePerSec: number;
  /** Share of allocations that live 5–40 s (sessions, connection state). */
  longLivedShare?: number;
}

export interface LeakOptions {
  chunkBytes: number;
  everySec: number;
  startSec?: number;
  /** The leak stops here (growth that stops); default: never. */
  untilSec?: number;
}

/** A stack that frees most of what it allocates, young, and keeps the rest. */
export interface PartialLeakOptions {
  ratePerSec: number;
  bytes: number;
  /** Share of allocations never freed. */
  keptShare: number;
  /** Mean lifetime of the others (exponential), like request buffers. */
  meanLifeSec?: number;
}

/** One buffer that only grows, reallocated (moved) at every append. */
export interface ReallocOptions {
  appendBytes: number;
  everySec: number;
  /** Size when the trace starts (allocated before it). */
  startBytes?: number;
  /** It stops growing here (a bounded buffer); default: never. */
  maxBytes?: number;
}

export interface CacheOptions {
  entryBytes: number;
  maxBytes: number;
  fillSec: number;
  /** Share of inserts that replace an existing entry (free + alloc). */
  replaceShare: number;
}

export interface SyntheticOptions {
  seed?: number;
  churn?: ChurnOptions;
  leak?: LeakOptions;
  partial?: PartialLeakOptions;
  realloc?: ReallocOptions;
  cache?: CacheOptions;
}

export type EventSink = (
  op: MemOp,
  addr: number,
  size: number,
  timestampNs: number,
  stack: number,
) => void;

export interface SyntheticStack {
  key: string;
  frames: StackFrame[];
}

const CHURN_FUNCS = [
  'parse_request_header',
  'build_response_body',
  'json_encode_value',
  'route_lookup',
  'session_touch',
  'log_format_line',
  'compress_chunk',
  'read_socket_buffer',
];
/** glibc serves mallocs above this with mmap (M_MMAP_THRESHOLD default). */
const MMAP_THRESHOLD = 128 * 1024;
const TICK_SEC = 0.01;

/** Min-heap of pending frees by due time. */
class FreeQueue {
  private at: number[] = [];
  private addr: number[] = [];
  private size: number[] = [];

  push(at: number, addr: number, size: number): void {
    const { at: a } = this;
    let i = a.length;
    a.push(at);
    this.addr.push(addr);
    this.size.push(size);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= a[i]) break;
      this.swap(i, p);
      i = p;
    }
  }

  popUntil(
    t: number,
    f: (addr: number, size: number, at: number) => void,
  ): void {
    while (this.at.length > 0 && this.at[0] < t) {
      const at = this.at[0];
      const addr = this.addr[0];
      const size = this.size[0];
      this.removeTop();
      f(addr, size, at);
    }
  }

  private removeTop(): void {
    const a = this.at;
    const last = a.length - 1;
    this.swap(0, last);
    a.pop();
    this.addr.pop();
    this.size.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l] < a[m]) m = l;
      if (r < a.length && a[r] < a[m]) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    swapIn(this.at, i, j);
    swapIn(this.addr, i, j);
    swapIn(this.size, i, j);
  }
}

function swapIn(col: number[], i: number, j: number): void {
  const x = col[i];
  col[i] = col[j];
  col[j] = x;
}

export class SyntheticHeap {
  /** Stack table: index = the `stack` argument given to sinks. */
  readonly stacks: SyntheticStack[] = [];
  readonly leakStack: number;
  readonly cacheStack: number;
  readonly partialStack: number;
  readonly reallocStack: number;
  private readonly rand: () => number;
  private readonly freeLists = new Map<number, number[]>();
  private nextAddr = 0x55550000_0000;
  private nextMmap = 0x7f000000_0000;
  private readonly due = new FreeQueue();
  private readonly cacheEntries: number[] = [];
  private nowSec = 0;
  private churnCarry = 0;
  private cacheCarry = 0;
  private nextLeakSec: number;
  private partialCarry = 0;
  private nextAppendSec = 0;
  /** The realloc'd buffer: made before the trace, so its first free is unknown. */
  private bufferAddr = 0x7e000000_0000;
  private bufferBytes: number;

  constructor(private readonly options: SyntheticOptions) {
    this.rand = mulberry32(options.seed ?? 1);
    for (const fn of CHURN_FUNCS)
      this.addStack([fn, 'handle_request', 'worker_main']);
    this.leakStack = this.addStack([
      'leak_memory_chunk',
      'leak_thread',
      'start_thread',
    ]);
    this.cacheStack = this.addStack([
      'cache_insert',
      'handle_put',
      'handle_request',
    ]);
    this.partialStack = this.addStack([
      'session_open',
      'handle_login',
      'handle_request',
    ]);
    this.reallocStack = this.addStack([
      'journal_append',
      'journal_thread',
      'start_thread',
    ]);
    this.nextLeakSec = options.leak?.startSec ?? 0;
    this.bufferBytes = options.realloc?.startBytes ?? 64 * 1024;
  }

  get timeSec(): number {
    return this.nowSec;
  }

  /** Emits every event up to `untilSec`. */
  runUntil(untilSec: number, sink: EventSink): void {
    while (this.nowSec + TICK_SEC <= untilSec + 1e-9) this.tick(sink);
  }

  private tick(sink: EventSink): void {
    const t0 = this.nowSec;
    const t1 = t0 + TICK_SEC;
    const ns = (t: number) => Math.round(t * 1e9);
    this.due.popUntil(t1, (addr, size, at) =>
      this.free(addr, size, ns(at), sink),
    );

    const churn = this.options.churn;
    if (churn) {
      this.churnCarry += churn.ratePerSec * TICK_SEC;
      for (; this.churnCarry >= 1; this.churnCarry--) {
        const at = t0 + this.rand() * TICK_SEC;
        const stack = Math.floor(this.rand() * CHURN_FUNCS.length);
        const size = 16 * Math.round(Math.exp(this.rand() * Math.log(4096)));
        const addr = this.malloc(size, ns(at), stack, sink);
        this.due.push(at + this.lifetimeSec(churn), addr, size);
      }
    }

    const leak = this.options.leak;
    if (
      leak &&
      this.nextLeakSec < t1 &&
      this.nextLeakSec < (leak.untilSec ?? Infinity)
    ) {
      this.malloc(leak.chunkBytes, ns(this.nextLeakSec), this.leakStack, sink);
      this.nextLeakSec += leak.everySec;
    }

    const partial = this.options.partial;
    if (partial) {
      this.partialCarry += partial.ratePerSec * TICK_SEC;
      for (; this.partialCarry >= 1; this.partialCarry--) {
        const at = t0 + this.rand() * TICK_SEC;
        const addr = this.malloc(
          partial.bytes,
          ns(at),
          this.partialStack,
          sink,
        );
        if (this.rand() >= partial.keptShare) {
          const life =
            -Math.log(1 - this.rand()) * (partial.meanLifeSec ?? 0.05);
          this.due.push(at + life, addr, partial.bytes);
        }
      }
    }

    const realloc = this.options.realloc;
    if (realloc && this.nextAppendSec < t1) {
      const grown = this.bufferBytes + realloc.appendBytes;
      if (grown <= (realloc.maxBytes ?? Infinity))
        this.append(grown, ns(this.nextAppendSec), sink);
      this.nextAppendSec += realloc.everySec;
    }

    const cache = this.options.cache;
    if (cache) this.cacheTick(cache, t0, sink);
    this.nowSec = t1;
  }

  private cacheTick(cache: CacheOptions, t0: number, sink: EventSink): void {
    const capacity = Math.floor(cache.maxBytes / cache.entryBytes);
    // Inserts per second that fill the cache in fillSec despite replacements.
    const rate = capacity / cache.fillSec / (1 - cache.replaceShare);
    this.cacheCarry += rate * TICK_SEC;
    for (; this.cacheCarry >= 1; this.cacheCarry--) {
      const at = Math.round((t0 + this.rand() * TICK_SEC) * 1e9);
      const entries = this.cacheEntries;
      if (entries.length > 0 && this.rand() < cache.replaceShare) {
        // Update of an existing key: the old value is freed.
        const i = Math.floor(this.rand() * entries.length);
        this.free(entries[i], cache.entryBytes, at, sink);
        entries[i] = this.malloc(cache.entryBytes, at, this.cacheStack, sink);
      } else {
        if (entries.length >= capacity) {
          this.free(entries.shift()!, cache.entryBytes, at, sink); // evict oldest
        }
        entries.push(this.malloc(cache.entryBytes, at, this.cacheStack, sink));
      }
    }
  }

  /** realloc(buffer, size): glibc moves a large block (mremap): a free, then an allocation. */
  private append(size: number, tsNs: number, sink: EventSink): void {
    sink(MemOp.realloc_free, this.bufferAddr, 0, tsNs, 0);
    this.bufferAddr = this.nextMmap;
    this.nextMmap += Math.ceil((size + 4096) / 4096) * 4096;
    this.bufferBytes = size;
    sink(MemOp.realloc, this.bufferAddr, size, tsNs, this.reallocStack);
  }

  private lifetimeSec(churn: ChurnOptions): number {
    const u = this.rand();
    const longShare = churn.longLivedShare ?? 0.01;
    if (u < longShare) return 5 + this.rand() * 35;
    if (u < longShare + 0.09) return -Math.log(1 - this.rand()) * 3;
    return -Math.log(1 - this.rand()) * 0.05;
  }

  private malloc(
    size: number,
    tsNs: number,
    stack: number,
    sink: EventSink,
  ): number {
    let addr: number;
    if (size >= MMAP_THRESHOLD) {
      // glibc: the block comes from its own mapping, which the mmap probe also sees.
      const mapped = this.nextMmap;
      this.nextMmap += Math.ceil((size + 4096) / 4096) * 4096;
      sink(MemOp.mmap, mapped, size + 4096, tsNs, stack);
      addr = mapped + 16;
    } else {
      const cls = sizeClass(size);
      const reuse = this.freeLists.get(cls)?.pop();
      if (reuse !== undefined) {
        addr = reuse;
      } else {
        addr = this.nextAddr;
        this.nextAddr += cls;
      }
    }
    sink(MemOp.malloc, addr, size, tsNs, stack);
    return addr;
  }

  private free(
    addr: number,
    size: number,
    tsNs: number,
    sink: EventSink,
  ): void {
    sink(MemOp.free, addr, 0, tsNs, 0);
    if (size >= MMAP_THRESHOLD) {
      sink(MemOp.munmap, addr - 16, 0, tsNs, 0);
      return;
    }
    const cls = sizeClass(size);
    let list = this.freeLists.get(cls);
    if (!list) this.freeLists.set(cls, (list = []));
    list.push(addr); // LIFO, like glibc's tcache
  }

  private addStack(symbols: string[]): number {
    const base = 0x401000 + this.stacks.length * 0x1000;
    const frames = symbols.map((symbol, i) => ({
      address: `0x${(base + i * 0x40 + 0x1a).toString(16)}`,
      symbol,
      offset: 0x1a,
      module: 'leaker',
    }));
    const key = `${frames.map(f => f.address).join('; ')}; `;
    this.stacks.push({ key, frames });
    return this.stacks.length - 1;
  }
}

/** Rounds up to a power of two ≥ 32: blocks of one class can share addresses. */
function sizeClass(size: number): number {
  let c = 32;
  while (c < size + 16) c *= 2;
  return c;
}

/** Small seeded PRNG: runs are reproducible across machines. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
