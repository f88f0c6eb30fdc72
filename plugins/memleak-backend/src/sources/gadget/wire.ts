/**
 * The two messages every trace event arrives in — `GadgetEvent` and the
 * `GadgetData` (or `GadgetDataArray`) in its payload — read straight from
 * the wire bytes, without copying: a record is a view of offsets into the
 * event's buffer, reused from one record to the next. Everything else
 * (GadgetInfo, requests, replies) goes through protobufjs (protocol.ts). The
 * field numbers are those of `proto/inspektor_gadget.proto`; unknown fields
 * are skipped, as protobuf requires.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;
const EMPTY = Buffer.alloc(0);

/** The payload elements of one record: `element i` is `buf[starts[i], ends[i])`. */
export class RecordView {
  buf: Buffer = EMPTY;
  count = 0;
  starts = new Int32Array(32);
  ends = new Int32Array(32);

  push(start: number, end: number): void {
    if (this.count === this.starts.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    this.starts[this.count] = start;
    this.ends[this.count++] = end;
  }

  /** Element `i` as a Buffer (a view, not a copy), or undefined. */
  element(i: number): Buffer | undefined {
    return i < this.count
      ? this.buf.subarray(this.starts[i], this.ends[i])
      : undefined;
  }
}

class WireError extends Error {
  readonly name = 'WireError';
}

/** A protobuf cursor over one buffer. */
class Cursor {
  constructor(readonly buf: Buffer, public pos: number, readonly end: number) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    const { buf } = this;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new WireError('varint too long');
  }

  /** The end of the length-delimited field that starts here; moves past its length. */
  lengthDelimited(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new WireError('truncated field');
    return end;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        break;
      case WIRE_FIXED64:
        this.pos += 8;
        break;
      case WIRE_BYTES:
        this.pos = this.lengthDelimited();
        break;
      case WIRE_FIXED32:
        this.pos += 4;
        break;
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new WireError('truncated field');
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

export interface WireGadgetEvent {
  type: number;
  seq: number;
  /** A view into the message's bytes. */
  payload: Buffer;
  dataSourceID: number;
}

/** `GadgetEvent{type=1, seq=2, payload=3, dataSourceID=4}`. */
export function readGadgetEvent(bytes: Uint8Array): WireGadgetEvent {
  const buf = asBuffer(bytes);
  const c = new Cursor(buf, 0, buf.length);
  const ev = { type: 0, seq: 0, payload: EMPTY, dataSourceID: 0 };
  while (!c.done) {
    const tag = c.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (field === 3 && wt === WIRE_BYTES) {
      const end = c.lengthDelimited();
      ev.payload = buf.subarray(c.pos, end);
      c.pos = end;
    } else if (wt === WIRE_VARINT && field >= 1 && field <= 4) {
      const v = c.varint() >>> 0; // uint32
      if (field === 1) ev.type = v;
      else if (field === 2) ev.seq = v;
      else if (field === 4) ev.dataSourceID = v;
    } else {
      c.skip(wt);
    }
  }
  return ev;
}
/** `DataElement{repeated bytes payload = 1}` in [pos, end) into `view`. */
function readDataElement(
  buf: Buffer,
  pos: number,
  end: number,
  view: RecordView,
): void {
  view.buf = buf;
  view.count = 0;
  const c = new Cursor(buf, pos, end);
  while (!c.done) {
    const tag = c.varint();
    if (tag === (1 << 3) + WIRE_BYTES) {
      const e = c.lengthDelimited();
      view.push(c.pos, e);
      c.pos = e;
    } else {
      c.skip(tag & 7);
    }
  }
}

/**
 * Calls `fn` with each record of a data payload — `GadgetData{data=3}` or,
 * for an array data source, `GadgetDataArray{repeated dataArray=3}` — in
 * `view`, which is reused: read it before `fn` returns.
 */
export function forEachRecord(
  bytes: Uint8Array,
  array: boolean,
  view: RecordView,
  fn: (record: RecordView) => void,
): void {
  const buf = asBuffer(bytes);
  const c = new Cursor(buf, 0, buf.length);
  let seen = false;
  while (!c.done) {
    const tag = c.varint();
    if (tag === (3 << 3) + WIRE_BYTES) {
      const end = c.lengthDelimited();
      readDataElement(buf, c.pos, end, view);
      c.pos = end;
      if (array || !seen) fn(view);
      seen = true;
    } else {
      c.skip(tag & 7);
    }
  }
  // A GadgetData without its element is one record with no payload.
  if (!array && !seen) {
    view.buf = buf;
    view.count = 0;
    fn(view);
  }
}
