/*
 * trace_malloc decoding, events/s on one core: our TypeScript client against
 * Inspektor Gadget's own client decoding the same stream in the same run.
 *
 *   node -r @backstage/cli/config/nodeTransform.cjs bench/decoder.ts [--events N]
 *
 * The stream is made from the committed recording of a real RunGadget run on
 * the test bed (plugins/memleak-backend/src/sources/gadget/__fixtures__): its
 * GadgetInfo and log as recorded, then N data events built from its recorded
 * payloads — allocations at fresh addresses, each freed 1000 events later in
 * the layout a free has (op 1, no stack) — numbered 1… as one stream. Both
 * sides start from each GadgetEvent's wire bytes (what gRPC hands a client):
 *
 * - ours: GadgetClient's decodeEvent → GadgetEventReader → TraceMallocFeeder
 *   → HeapLedger (allocations and frees paired, stacks interned): what a trace
 *   does with each event. Also without the ledger (decoding alone).
 * - IG's: `igjson` (testbed/tools/ig/cmd/igjson), IG's gRPC runtime client
 *   path of `ig run … -o json`: datasources from the GadgetInfo with IG's
 *   datasource package, a packet per payload, IG's JSON formatter writing one
 *   line per event (to a discarding writer).
 *
 * Both are pinned to the same CPU (taskset), one after the other, twice; the
 * best pass of each counts. Prints one JSON object.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { HeapLedger } from '../plugins/memleak-backend/src/ledger';
import { GadgetEventReader } from '../plugins/memleak-backend/src/sources/gadget/GadgetEventReader';
import {
  decodeEvent,
  decodeGadgetInfo,
  EVENT_DATA,
  EVENT_GADGET_INFO,
  GadgetEvent,
} from '../plugins/memleak-backend/src/sources/gadget/protocol';
import { MemOp } from '../plugins/memleak-backend/src/sources/types';

const root = path.resolve(__dirname, '..');
const backend = path.join(root, 'plugins/memleak-backend');
const RECORDING = path.join(
  backend,
  'src/sources/gadget/__fixtures__/trace_malloc-leaker-60s.jsonl',
);
const argEvents = process.argv.indexOf('--events');
const EVENTS = argEvents > 0 ? Number(process.argv[argEvents + 1]) : 200_000;
const LIVE = 1000; // an allocation is freed this many events later
const PASSES = 3;
const ROUNDS = 2;
const IMAGE = 'trace_malloc:v0.55.0';
/** The CPU both sides run on. */
const CPU = os.cpus().length - 1;

const log = (msg: string) => process.stderr.write(`[decoder] ${msg}\n`);

const proto = protobuf.loadSync(
  path.join(backend, 'proto/inspektor_gadget.proto'),
);
const T = (name: string) => proto.lookupType(`api.${name}`);

interface Recorded {
  type: number;
  seq: number;
  dataSourceID: number;
  payload: string;
}

/** The recorded stream, grown to `count` data events (see the header). */
function synthesize(count: number): GadgetEvent[] {
  const recorded: Recorded[] = fs
    .readFileSync(RECORDING, 'utf8')
    .trim()
    .split('\n')
    .map(l => JSON.parse(l));
  const infoEvent = recorded.find(e => e.type === EVENT_GADGET_INFO)!;
  const info = decodeGadgetInfo(Buffer.from(infoEvent.payload, 'base64'));
  const ds = info.dataSources.find(d => d.name === 'malloc')!;
  const field = (name: string) => {
    const f = ds.fields.find(x => x.fullName === name);
    if (!f) throw new Error(`the recording has no field ${name}`);
    return f;
  };
  const [addr, size, opRaw, op, ts, stackId, addresses, symbols] = [
    'addr',
    'size',
    'operation_raw',
    'operation',
    'timestamp_raw',
    'ustack.stack_id',
    'ustack.addresses',
    'ustack.symbols',
  ].map(field);
  const GadgetData = T('GadgetData');
  const mallocs = recorded
    .filter(e => e.type === EVENT_DATA)
    .map(
      e =>
        (
          GadgetData.decode(Buffer.from(e.payload, 'base64')) as unknown as {
            data: { payload: Uint8Array[] };
          }
        ).data.payload,
    );
  const encode = (payload: Uint8Array[]) =>
    GadgetData.encode(GadgetData.create({ data: { payload } })).finish();
  const fixed = (p: Uint8Array[]) => Buffer.from(p[0]);

  const out: GadgetEvent[] = recorded
    .filter(e => e.type !== EVENT_DATA)
    .map(e => ({ ...e, payload: Buffer.from(e.payload, 'base64') }));
  const t0 = Date.now() * 1e6;
  const addrOf = (i: number) => 0x55d000000000 + i * 64;
  let allocs = 0;
  let frees = 0;
  while (allocs + frees < count) {
    const i = allocs + frees;
    const src = mallocs[allocs % mallocs.length];
    const p = src.slice();
    const b = fixed(src);
    b.writeBigUInt64LE(BigInt(t0 + i * 10_000), ts.offs);
    if (allocs - frees < LIVE || allocs === frees) {
      b.writeBigUInt64LE(BigInt(addrOf(allocs++)), addr.offs);
    } else {
      // A free, as trace_malloc reports one: no size, no stack.
      b.writeBigUInt64LE(BigInt(addrOf(frees++)), addr.offs);
      b.writeUInt32LE(MemOp.free, opRaw.offs);
      b.writeBigUInt64LE(0n, size.offs);
      b.writeUInt32LE(0, stackId.offs);
      p[op.payloadIndex] = Buffer.from('free');
      p[addresses.payloadIndex] = Buffer.alloc(0);
      p[symbols.payloadIndex] = Buffer.alloc(0);
    }
    p[0] = b;
    out.push({
      type: EVENT_DATA,
      seq: 0,
      dataSourceID: ds.id,
      payload: encode(p),
    });
  }
  return out.map((e, i) => ({ ...e, seq: i + 1 }));
}

/** A ledger that keeps nothing: the decoding alone. */
function nullLedger(): HeapLedger {
  let stacks = 0;
  const ledger = {
    noteSeq() {},
    addLost() {},
    record() {},
    registerStack: () => ++stacks,
  };
  return ledger as unknown as HeapLedger;
}

/** One pass of our client over the wire bytes; seconds (wall and CPU). */
function ours(wire: Uint8Array[], withLedger: boolean) {
  const ledger = withLedger ? new HeapLedger() : nullLedger();
  const reader = new GadgetEventReader(ledger, IMAGE);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const msg of wire) reader.accept(decodeEvent(msg));
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return {
    sec,
    cpuSec: (cpu.user + cpu.system) / 1e6,
    records: reader.stats.records,
    ledger: withLedger ? ledger.snapshot(Date.now() + 60_000, 0) : undefined,
  };
}

function main() {
  execFileSync(
    'taskset',
    ['-a', '-p', '-c', String(CPU), String(process.pid)],
    {
      stdio: 'ignore',
    },
  );
  log('building igjson (IG v0.55.0 modules, testbed/tools/ig)');
  execFileSync('bash', [path.join(root, 'testbed/build.sh'), 'igjson'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const igjson = path.join(
    process.env.MEMLEAK_TESTBED_BIN ?? path.join(root, '.memleak/testbed/bin'),
    'igjson',
  );

  const events = synthesize(EVENTS);
  const dataEvents = events.filter(e => e.type === EVENT_DATA).length;
  const file = path.join(
    os.tmpdir(),
    `memleak-decoder-bench-${process.pid}.jsonl`,
  );
  fs.writeFileSync(
    file,
    `${events
      .map(e =>
        JSON.stringify({
          type: e.type,
          seq: e.seq,
          dataSourceID: e.dataSourceID,
          payload: Buffer.from(e.payload).toString('base64'),
        }),
      )
      .join('\n')}\n`,
  );
  const GadgetEvent = T('GadgetEvent');
  const wire = events.map(e =>
    GadgetEvent.encode(GadgetEvent.create(e)).finish(),
  );
  const wireBytes = wire.reduce((a, w) => a + w.length, 0);
  log(
    `${events.length} events (${dataEvents} data), ${Math.round(
      wireBytes / events.length,
    )} B each on the wire; CPU ${CPU} for both`,
  );

  try {
    ours(wire, true); // warm-up: let the JIT settle
    const full: Array<ReturnType<typeof ours>> = [];
    const bare: Array<ReturnType<typeof ours>> = [];
    const ig: Array<{ sec: number; cpuSec: number; [k: string]: unknown }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (let p = 0; p < PASSES; p++) {
        full.push(ours(wire, true));
        bare.push(ours(wire, false));
      }
      const out = execFileSync(igjson, [file, String(PASSES)], {
        encoding: 'utf8',
        env: { ...process.env, GOMAXPROCS: '1' },
        maxBuffer: 16 * 1024 * 1024,
      });
      ig.push(JSON.parse(out.trim().split('\n').pop()!));
      log(
        `round ${round + 1}: ours ${Math.round(
          events.length / Math.min(...full.map(r => r.sec)),
        )} events/s (decoding alone ${Math.round(
          events.length / Math.min(...bare.map(r => r.sec)),
        )}), IG's client ${Math.round(
          events.length / Math.min(...ig.map(r => r.sec)),
        )}`,
      );
    }
    const best = <R extends { sec: number }>(rs: R[]) =>
      rs.reduce((a, r) => (r.sec < a.sec ? r : a));
    const f = best(full);
    const b = best(bare);
    const g = best(ig);
    if (f.records !== dataEvents || f.ledger!.lostEvents !== 0) {
      throw new Error(
        `ours decoded ${f.records} of ${dataEvents} records, ${
          f.ledger!.lostEvents
        } lost`,
      );
    }
    if (g.dataEvents !== dataEvents || g.jsonLines !== dataEvents) {
      throw new Error(
        `IG's client decoded ${g.dataEvents} of ${dataEvents} (${g.jsonLines} JSON lines)`,
      );
    }
    const perSec = (sec: number) => Math.round(events.length / sec);
    const result = {
      events: events.length,
      dataEvents,
      wireBytesPerEvent: Math.round(wireBytes / events.length),
      oursEventsPerSec: perSec(f.sec),
      oursDecodeOnlyEventsPerSec: perSec(b.sec),
      igJsonClientEventsPerSec: perSec(g.sec),
      speedup: Number((g.sec / f.sec).toFixed(2)),
      speedupDecodeOnly: Number((g.sec / b.sec).toFixed(2)),
      // The same ratio in CPU time: less moved by other load on the machine.
      speedupCpu: Number((g.cpuSec / f.cpuSec).toFixed(2)),
      // CPU time of the best passes (one core each: both pinned to one CPU).
      oursCpuSec: Number(f.cpuSec.toFixed(3)),
      igJsonClientCpuSec: Number(g.cpuSec.toFixed(3)),
      oursLedger: {
        allocs: f.ledger!.allocs,
        frees: f.ledger!.frees,
        outstandingCount: f.ledger!.outstandingCount,
      },
      igJsonBytesPerEvent: Math.round(g.jsonBytesPerEvt as number),
      passes: PASSES * ROUNDS,
      goal: { speedup: 3, met: g.sec / f.sec >= 3 },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    fs.unlinkSync(file);
  }
}

main();
