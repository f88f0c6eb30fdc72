import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { HeapLedger } from '../../ledger';
import { GadgetEventReader } from './GadgetEventReader';
import { decodeGadgetInfo, FieldKind, GadgetEvent } from './protocol';

/**
 * The reader on a recording of a real RunGadget stream on the test bed:
 * 60 s of trace_malloc on leaker-c (GadgetInfo and logs from the real
 * Inspektor Gadget daemon, allocation events from the test bed's relay —
 * testbed/README.md), recorded with `testing/recordGadget.ts`. Variants
 * the recording does not show (big-endian, array data sources, losses, a
 * log before the GadgetInfo) are made from it with the same layout.
 */

const RECORDING = path.join(
  __dirname,
  '__fixtures__/trace_malloc-leaker-60s.jsonl',
);
const MiB = 2 ** 20;

function recorded(): GadgetEvent[] {
  return fs
    .readFileSync(RECORDING, 'utf8')
    .trim()
    .split('\n')
    .map(line => {
      const e = JSON.parse(line);
      return { ...e, payload: Buffer.from(e.payload, 'base64') };
    });
}

const root = protobuf.loadSync(
  path.join(__dirname, '../../../proto/inspektor_gadget.proto'),
);
const T = (name: string) => root.lookupType(`api.${name}`);

function read(events: GadgetEvent[]) {
  const ledger = new HeapLedger();
  const reader = new GadgetEventReader(ledger, 'trace_malloc:v0.55.0');
  const answers = events.map(e => reader.accept(e));
  const snap = ledger.snapshot(Date.now() + 60_000, 0);
  return { snap, reader, answers, notices: reader.drainNotices() };
}

/** Numbers the events 1… as one stream, as the server does. */
const renumber = (events: GadgetEvent[]) =>
  events.map((e, i) => ({ ...e, seq: i + 1 }));

describe('GadgetEventReader on a recorded trace_malloc stream', () => {
  it("pairs the recorded allocations into the leaker's growth, caller first", () => {
    const events = recorded();
    const data = events.filter(e => e.type === 0).length;
    const { snap, answers, notices } = read(events);
    expect(answers.filter(a => a === 'info')).toHaveLength(1);
    expect(snap.allocs).toBe(data);
    expect(snap.frees).toBe(0);
    expect(snap.outstandingBytes).toBe(data * MiB);
    expect(snap.lostEvents).toBe(0);
    expect(snap.stacks[0].frames.map(f => f.symbol).slice(0, 4)).toEqual([
      'leak_memory_chunk',
      'leak_step',
      'run_schedule',
      'leak_thread',
    ]);
    // libc's frames stay unresolved, as ig's symtab symbolizer leaves them.
    expect(snap.stacks[0].frames[4].symbol).toBeUndefined();
    // The recorded warning about the missing container collection is not an error.
    expect(notices).toEqual([]);
  });

  it('accepts logs before the GadgetInfo (the server may send them first)', () => {
    const events = recorded();
    const log = events.findIndex(e => e.type >> 16);
    const reordered = renumber([
      events[log],
      ...events.filter((_, i) => i !== log),
    ]);
    expect(reordered[0].type >> 16).toBeGreaterThan(0);
    const { snap } = read(reordered);
    expect(snap.outstandingBytes).toBe(read(recorded()).snap.outstandingBytes);
    expect(snap.lostEvents).toBe(0);
  });

  it('counts a gap in seq (the server dropped events) as lost', () => {
    const events = recorded();
    const firstData = events.findIndex(e => e.type === 0);
    const { snap } = read(events.filter((_, i) => i !== firstData));
    expect(snap.lostEvents).toBe(1);
  });

  it('counts "lost N samples" (the kernel ring buffer overflowed) as lost', () => {
    const events = recorded();
    const warn: GadgetEvent = {
      type: 3 << 16,
      seq: 0,
      dataSourceID: 0,
      payload: Buffer.from('reading event: lost 37 samples'),
    };
    const { snap } = read(renumber([...events, warn]));
    expect(snap.lostEvents).toBe(37);
  });

  it('turns error logs into notices and a lost stack into one notice', () => {
    const logs = [
      'attaching uprobe: no such file',
      'stack with ID 7 is lost',
      'stack with ID 9 is lost',
    ].map((text, i) => ({
      type: (i === 0 ? 2 : 3) << 16,
      seq: 0,
      dataSourceID: 0,
      payload: Buffer.from(text),
    }));
    const { notices } = read(renumber([...recorded(), ...logs]));
    expect(notices.map(n => n.code)).toEqual(['source_error', 'stacks_lost']);
  });

  it('reads big-endian payloads when the data source says so', () => {
    const events = recorded();
    const infoEvent = events.find(e => e.type === 4)!;
    const info = decodeGadgetInfo(infoEvent.payload);
    const ds = info.dataSources[0];
    const bigEndianInfo = T('GadgetInfo')
      .encode(
        T('GadgetInfo').fromObject({
          ...info,
          dataSources: [{ ...ds, flags: ds.flags | 1 }],
        }),
      )
      .finish();
    const swapped = events.map(e => {
      if (e === infoEvent) return { ...e, payload: Buffer.from(bigEndianInfo) };
      if (e.type !== 0) return e;
      const msg = T('GadgetData').decode(e.payload) as any;
      const p0 = Buffer.from(msg.data.payload[0]);
      for (const f of ds.fields) {
        const numeric =
          f.kind >= FieldKind.Int16 &&
          f.kind <= FieldKind.Uint64 &&
          f.kind !== FieldKind.Uint8;
        if (f.payloadIndex === 0 && f.size > 1 && numeric) {
          p0.subarray(f.offs, f.offs + f.size).reverse();
        }
      }
      msg.data.payload[0] = p0;
      return {
        ...e,
        payload: Buffer.from(T('GadgetData').encode(msg).finish()),
      };
    });
    const little = read(events).snap;
    const big = read(swapped).snap;
    expect(big.outstandingBytes).toBe(little.outstandingBytes);
    expect(big.allocs).toBe(little.allocs);
    expect(big.stacks[0].frames[0].symbol).toBe('leak_memory_chunk');
  });

  it('reads array data sources (several records per event)', () => {
    const events = recorded();
    const infoEvent = events.find(e => e.type === 4)!;
    const info = decodeGadgetInfo(infoEvent.payload);
    const arrayInfo = T('GadgetInfo')
      .encode(
        T('GadgetInfo').fromObject({
          ...info,
          dataSources: info.dataSources.map(d => ({ ...d, type: 2 })),
        }),
      )
      .finish();
    const records = events
      .filter(e => e.type === 0)
      .map(e => (T('GadgetData').decode(e.payload) as any).data);
    const arrayEvent: GadgetEvent = {
      type: 0,
      seq: 0,
      dataSourceID: 0,
      payload: T('GadgetDataArray').encode({ dataArray: records }).finish(),
    };
    const { snap } = read(
      renumber([{ ...infoEvent, payload: Buffer.from(arrayInfo) }, arrayEvent]),
    );
    expect(snap.allocs).toBe(records.length);
    expect(snap.outstandingBytes).toBe(records.length * MiB);
  });
});
