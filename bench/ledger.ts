/*
 * HeapLedger throughput and memory, against the JSON baseline.
 *
 *   node -r @backstage/cli/config/nodeTransform.cjs bench/ledger.ts [--events N]
 *
 * 1. Records a realistic raw event stream (5k allocs/s of request churn plus
 *    the demo's 1 MiB / 8 s leak) to a compact binary file, 32 bytes/event.
 * 2. Replays it through HeapLedger on one core, snapshotting every 2 s of
 *    event time as a trace would: ledgerEventsPerSec.
 * 3. Parses the same events as trace_malloc-shaped JSON lines:
 *    jsonParseEventsPerSec (JSON.parse alone, nothing done with the result).
 *    Also replays with 500k long-lived allocations already in the table
 *    (cache-unfriendly): ledgerEventsPerSecWith500kLive.
 * 4. Fills a ledger with live allocations and weighs it: bytesPerLiveAlloc.
 * Prints one JSON object.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { HeapLedger } from '../plugins/memleak-backend/src/ledger';
import { SyntheticHeap } from '../plugins/memleak-backend/src/ledger/testing/syntheticHeap';
import { MemOp } from '../plugins/memleak-backend/src/sources/types';

const RECORD_BYTES = 32; // f64 addr, f64 size, f64 ts, u32 op, u32 stack
const argEvents = process.argv.indexOf('--events');
const TARGET_EVENTS =
  argEvents > 0 ? Number(process.argv[argEvents + 1]) : 4_000_000;
const JSON_EVENTS = Math.min(TARGET_EVENTS, 1_000_000);
const LIVE_ALLOCS = 1_000_000;

const gc: () => void =
  (globalThis as any).gc ??
  (() => {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc');
  })();

function record(): { file: string; events: number; heap: SyntheticHeap } {
  const heap = new SyntheticHeap({
    seed: 42,
    churn: { ratePerSec: 5000 },
    leak: { chunkBytes: 1 << 20, everySec: 8 },
  });
  const buf = Buffer.alloc(TARGET_EVENTS * RECORD_BYTES);
  let n = 0;
  const sink = (
    op: MemOp,
    addr: number,
    size: number,
    ns: number,
    stack: number,
  ) => {
    if (n >= TARGET_EVENTS) return;
    const o = n * RECORD_BYTES;
    buf.writeDoubleLE(addr, o);
    buf.writeDoubleLE(size, o + 8);
    buf.writeDoubleLE(ns, o + 16);
    buf.writeUInt32LE(op, o + 24);
    buf.writeUInt32LE(stack, o + 28);
    n++;
  };
  for (let t = 1; n < TARGET_EVENTS; t++) heap.runUntil(t, sink);
  const file = path.join(
    os.tmpdir(),
    `memleak-ledger-bench-${process.pid}.bin`,
  );
  fs.writeFileSync(file, buf.subarray(0, n * RECORD_BYTES));
  return { file, events: n, heap };
}

/** Replays the binary records into a fresh ledger; returns seconds taken. */
function replay(
  bytes: Buffer,
  heap: SyntheticHeap,
  prefill = 0,
): { sec: number; ledger: HeapLedger } {
  const ledger = new HeapLedger();
  const ids = heap.stacks.map(s => ledger.registerStack(s.key, s.frames));
  // Long-lived allocations made before the stream, far from its addresses.
  for (let i = 0; i < prefill; i++) {
    ledger.record(MemOp.malloc, 0x600000000000 + i * 64, 64, 0, ids[0]);
  }
  const start = process.hrtime.bigint();
  const ab = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.length,
  );
  const f64 = new Float64Array(ab);
  const u32 = new Uint32Array(ab);
  const n = bytes.length / RECORD_BYTES;
  let nextSnapshotNs = 2e9;
  for (let i = 0; i < n; i++) {
    const ts = f64[i * 4 + 2];
    if (ts >= nextSnapshotNs) {
      ledger.snapshot(ts / 1e6, 10_000);
      nextSnapshotNs += 2e9;
    }
    ledger.record(
      u32[i * 8 + 6],
      f64[i * 4],
      f64[i * 4 + 1],
      ts,
      ids[u32[i * 8 + 7]],
    );
  }
  const sec = Number(process.hrtime.bigint() - start) / 1e9;
  return { sec, ledger };
}

const OPS = [
  'malloc',
  'free',
  'calloc',
  'realloc',
  'realloc_free',
  'mmap',
  'munmap',
];

/** The same events as `kubectl gadget run trace_malloc -o json` would print them (trimmed). */
function jsonLines(
  bytes: Buffer,
  heap: SyntheticHeap,
  count: number,
): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * RECORD_BYTES;
    const op = bytes.readUInt32LE(o + 24);
    const stack = heap.stacks[bytes.readUInt32LE(o + 28)];
    lines.push(
      JSON.stringify({
        addr: bytes.readDoubleLE(o),
        k8s: {
          containerName: 'leaker',
          namespace: 'memleak-demo',
          node: 'node-1',
          podName: 'leaker-7d9c6b5f4-x2x7q',
        },
        operation: OPS[op],
        operation_raw: op,
        proc: { comm: 'leaker', pid: 7, tid: 9 + (i % 4) },
        size: bytes.readDoubleLE(o + 8),
        timestamp_raw: bytes.readDoubleLE(o + 16),
        ustack: {
          addresses: stack.key,
          symbols: `${stack.frames.map(f => f.symbol).join('; ')}; `,
        },
      }),
    );
  }
  return lines;
}

function timeJsonParse(lines: string[]): number {
  const start = process.hrtime.bigint();
  let sink = 0;
  for (const line of lines) sink += JSON.parse(line).operation_raw;
  if (sink < 0) console.log(sink); // keep the parse observable
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function liveBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  // Typed arrays live outside the JS heap: count both.
  return m.heapUsed + m.arrayBuffers;
}

function bytesPerLiveAllocation(): number {
  const before = liveBytes();
  const ledger = new HeapLedger();
  const stacks = Array.from({ length: 64 }, (_, i) =>
    ledger.stackId(`0x${(0x401000 + i * 64).toString(16)}; `),
  );
  for (let i = 0; i < LIVE_ALLOCS; i++) {
    ledger.record(
      MemOp.malloc,
      0x55d000000000 + i * 48,
      16 + (i % 4096),
      i * 1e4,
      stacks[i % 64],
    );
  }
  const after = liveBytes();
  if (ledger.stats.liveAllocations !== LIVE_ALLOCS)
    throw new Error('lost allocations');
  return (after - before) / LIVE_ALLOCS;
}

function main() {
  const { file, events, heap } = record();
  const bytes = fs.readFileSync(file);
  fs.unlinkSync(file);

  replay(bytes, heap); // warm-up: let the JIT settle
  const runs = [0, 1, 2].map(() => replay(bytes, heap));
  const best = Math.min(...runs.map(r => r.sec));
  const final = runs[0].ledger;
  const bigLive = Math.min(
    ...[0, 1].map(() => replay(bytes, heap, LIVE_ALLOCS / 2).sec),
  );

  const lines = jsonLines(bytes, heap, JSON_EVENTS);
  timeJsonParse(lines.slice(0, 100_000)); // warm-up
  const jsonSec = Math.min(timeJsonParse(lines), timeJsonParse(lines));

  const ledgerEventsPerSec = events / best;
  const jsonParseEventsPerSec = JSON_EVENTS / jsonSec;
  const result = {
    events,
    ledgerEventsPerSec: Math.round(ledgerEventsPerSec),
    jsonParseEventsPerSec: Math.round(jsonParseEventsPerSec),
    ledgerEventsPerSecWith500kLive: Math.round(events / bigLive),
    speedup: Number((ledgerEventsPerSec / jsonParseEventsPerSec).toFixed(2)),
    bytesPerLiveAlloc: Number(bytesPerLiveAllocation().toFixed(1)),
    liveAtEnd: final.stats.liveAllocations,
    outstandingBytesAtEnd: final.snapshot(Number.MAX_SAFE_INTEGER, 0)
      .outstandingBytes,
    recordBytes: RECORD_BYTES,
    jsonBytesPerEvent: Math.round(
      lines.reduce((a, l) => a + l.length + 1, 0) / lines.length,
    ),
  };
  console.log(JSON.stringify(result));
}

main();
